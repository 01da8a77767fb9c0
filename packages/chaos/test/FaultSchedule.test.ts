import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import * as FaultSchedule from "../src/FaultSchedule.ts"
import * as TcpProxy from "../src/TcpProxy.ts"
import * as Toxic from "../src/Toxic.ts"

const names = (proxy: TcpProxy.TcpProxy) => Effect.map(proxy.toxics, (ts) => ts.map((t) => t.name))

describe("FaultSchedule", () => {
  it.effect("adds and removes toxics on Effect's Clock and records the windows", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000)
      const proxy = yield* TcpProxy.make({ upstream: "127.0.0.1:9", seed: 1 })
      const schedule = FaultSchedule.make([
        { at: "2 seconds", duration: "1 second", toxic: Toxic.resetPeer({ stream: "upstream" }) },
        { at: 500, duration: "2 seconds", toxic: Toxic.latency({ latency: 100 }) }
      ])
      assert.strictEqual(FaultSchedule.durationMillis(schedule), 3_000)
      const fiber = yield* Effect.forkChild(FaultSchedule.run(proxy, schedule))
      yield* TestClock.adjust(499)
      assert.deepStrictEqual(yield* names(proxy), [])
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* names(proxy), ["latency_downstream"])
      yield* TestClock.adjust(1_500)
      assert.deepStrictEqual(yield* names(proxy), ["reset_peer_upstream", "latency_downstream"])
      yield* TestClock.adjust(1_000)
      const windows = yield* Fiber.join(fiber)
      assert.deepStrictEqual(yield* names(proxy), [])
      assert.deepStrictEqual(windows, [
        { name: "latency_downstream", proxy: "proxy", type: "latency", start: 1_500, end: 3_500 },
        { name: "reset_peer_upstream", proxy: "proxy", type: "reset_peer", start: 3_000, end: 4_000 }
      ])
    })
  )

  it.effect("interrupting the run removes active toxics", () =>
    Effect.gen(function* () {
      const proxy = yield* TcpProxy.make({ upstream: "127.0.0.1:9", seed: 1 })
      const schedule = FaultSchedule.make([{ at: 0, duration: "1 minute", toxic: Toxic.timeout() }])
      const fiber = yield* Effect.forkChild(FaultSchedule.run(proxy, schedule))
      yield* TestClock.adjust(10)
      assert.deepStrictEqual(yield* names(proxy), ["timeout_downstream"])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* names(proxy), [])
    })
  )

  it.effect("rejects overlapping windows of one toxic and bad durations", () =>
    Effect.sync(() => {
      const overlap = () =>
        FaultSchedule.make([
          { at: 0, duration: 100, toxic: Toxic.noop() },
          { at: 50, duration: 100, toxic: Toxic.noop() }
        ])
      assert.throws(overlap, 'FaultSchedule: windows 1 and 2 overlap on toxic "noop_downstream"')
      assert.throws(
        () => FaultSchedule.make([{ at: -1, duration: 1, toxic: Toxic.noop() }]),
        "FaultSchedule: window 1: at must be a finite duration >= 0 (got -1)"
      )
      assert.doesNotThrow(() =>
        FaultSchedule.make([
          { at: 0, duration: 100, toxic: Toxic.noop() },
          { at: 100, duration: 100, toxic: Toxic.noop() }
        ])
      )
    })
  )
})
