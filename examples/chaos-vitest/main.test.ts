import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
import { Effect, Fiber } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { get, startServer } from "./main.ts"

// [guide:setup]
let server: Awaited<ReturnType<typeof startServer>>
beforeAll(async () => {
  server = await startServer({ greeting: "hello" })
})
afterAll(() => server.close())

/** Runs a test body with a proxy in front of the real server; the proxy closes with the test's scope. */
const withProxy = <A>(body: (proxy: TcpProxy.TcpProxy) => Effect.Effect<A, unknown>) =>
  Effect.runPromise(
    Effect.scoped(Effect.flatMap(TcpProxy.make({ name: "kv", upstream: server.address, seed: 42 }), body))
  )
// [/guide:setup]

describe("the kv client under network faults", () => {
  // [guide:latency]
  it("answers through a slow network within its deadline, and times out past it", () =>
    withProxy((proxy) =>
      Effect.gen(function* () {
        yield* proxy.addToxic(Toxic.latency({ latency: 50, jitter: 10 }))
        expect(yield* Effect.promise(() => get(proxy.port, "greeting", { timeoutMs: 500 }))).toBe("hello")

        yield* proxy.updateToxic("latency_downstream", { attributes: { latency: 400 } })
        const late = yield* Effect.promise(() =>
          get(proxy.port, "greeting", { timeoutMs: 100 }).catch((e: Error) => e.message)
        )
        expect(late).toBe("timeout")
      })
    ))
  // [/guide:latency]

  // [guide:reset]
  it("retries once when the first connection is reset", () =>
    withProxy((proxy) =>
      Effect.gen(function* () {
        // The toxic resets the first connection only: it is scoped to the first attempt.
        const first = Effect.scoped(
          Effect.gen(function* () {
            yield* TcpProxy.withToxic(proxy, Toxic.resetPeer({ stream: "upstream" }))
            return yield* Effect.promise(() =>
              get(proxy.port, "greeting", { timeoutMs: 500 }).catch((e: Error) => e.message)
            )
          })
        )
        expect(yield* first).toBe("read ECONNRESET")
        expect(yield* Effect.promise(() => get(proxy.port, "greeting", { timeoutMs: 500 }))).toBe("hello")
      })
    ))
  // [/guide:reset]

  // [guide:down]
  it("fails fast while the dependency is down, and recovers when it is back", () =>
    withProxy((proxy) =>
      Effect.gen(function* () {
        yield* proxy.disable
        const down = yield* Effect.promise(() =>
          get(proxy.port, "greeting", { timeoutMs: 500 }).catch((e: Error) => e.message)
        )
        expect(down).toContain("ECONNREFUSED")
        yield* proxy.enable
        expect(yield* Effect.promise(() => get(proxy.port, "greeting", { timeoutMs: 500 }))).toBe("hello")
        const stats = yield* proxy.stats
        expect(stats.connectionsTotal).toBe(1)
      })
    ))
  // [/guide:down]

  // [guide:schedule]
  it("records the fault windows of a schedule, for reports to shade", () =>
    withProxy((proxy) =>
      Effect.gen(function* () {
        const schedule = FaultSchedule.make([
          { at: "0 millis", duration: "300 millis", toxic: Toxic.latency({ latency: 200 }) }
        ])
        const running = yield* Effect.forkChild(FaultSchedule.run(proxy, schedule))
        yield* Effect.repeat(proxy.toxics, { until: (toxics) => toxics.length === 1 }) // the window has opened
        const slow = yield* Effect.promise(() =>
          get(proxy.port, "greeting", { timeoutMs: 100 }).catch((e: Error) => e.message)
        )
        expect(slow).toBe("timeout")
        const windows = yield* Fiber.join(running)
        expect(windows).toHaveLength(1)
        expect(windows[0]).toMatchObject({ name: "latency_downstream", proxy: "kv", type: "latency" })
        expect(windows[0]!.end - windows[0]!.start).toBeGreaterThanOrEqual(300)
        expect(yield* Effect.promise(() => get(proxy.port, "greeting", { timeoutMs: 100 }))).toBe("hello")
      })
    ))
  // [/guide:schedule]
})
