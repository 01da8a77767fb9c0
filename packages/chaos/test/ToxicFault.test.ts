import { Load, Pipeline, FaultSchedule as Schedule } from "@24h/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as FaultSchedule from "../src/FaultSchedule.ts"
import * as TcpProxy from "../src/TcpProxy.ts"
import * as Toxic from "../src/Toxic.ts"

describe("toxics as core Faults", () => {
  it.live("a chaos pipeline interrupted mid-method removes its toxic from the proxy", () =>
    Effect.gen(function* () {
      const proxy = yield* TcpProxy.make({ name: "db", upstream: "127.0.0.1:9", seed: 1 })
      const slow = FaultSchedule.toxic(proxy, Toxic.latency({ name: "slow", latency: 500 }), "db slow")
      const fiber = yield* Effect.forkChild(
        Pipeline.chaos({
          name: "interrupted",
          load: {
            model: Load.closed({ vus: 1, duration: "1 minute" }),
            iteration: () => Effect.sleep(10).pipe(Effect.as(true))
          },
          faults: [{ fault: slow, at: 0, duration: "1 minute" }]
        })
      )
      yield* Effect.repeat(proxy.toxics, { until: (ts) => ts.length === 1 })
      assert.deepStrictEqual(
        (yield* proxy.toxics).map((t) => t.name),
        ["slow"]
      )
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* proxy.toxics, [])
    })
  )

  it.live("the fault's window lands in the result with the proxy as its target and the toxic as details", () =>
    Effect.gen(function* () {
      const proxy = yield* TcpProxy.make({ name: "db", upstream: "127.0.0.1:9", seed: 1 })
      const reset = FaultSchedule.toxic(proxy, Toxic.resetPeer({ toxicity: 0.5 }))
      const result = yield* Pipeline.chaos({ name: "resets", faults: [{ fault: reset, at: 0, duration: 20 }] })
      const [w] = result.faultWindows
      assert.strictEqual(w!.name, reset.name)
      assert.strictEqual(w!.target, "proxy/db")
      assert.strictEqual(w!.details?.type, "reset_peer")
      assert.strictEqual(w!.details?.toxicity, 0.5)
      // Reverting a toxic that is already gone is not an error (a schedule may race a manual reset).
      yield* proxy.removeToxic(reset.name).pipe(Effect.ignore)
      yield* Schedule.run(Schedule.make([{ fault: reset, at: 0, duration: 1 }]))
    })
  )
})
