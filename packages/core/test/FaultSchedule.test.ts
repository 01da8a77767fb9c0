import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { Fault, FaultSchedule, Pipeline } from "../src/index.ts"

/** A fault whose state is a list of active names, so a test can see what is applied. */
const tracked = (active: Ref.Ref<ReadonlyArray<string>>, name: string) =>
  Fault.make({
    name,
    target: `test/${name}`,
    details: { kind: "test" },
    apply: Ref.update(active, (a) => [...a, name]),
    revert: Ref.update(active, (a) => a.filter((n) => n !== name))
  })

describe("FaultSchedule", () => {
  it.effect("applies and reverts any Fault on Effect's Clock, with repeats, and records each window", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(1_000)
      const active = yield* Ref.make<ReadonlyArray<string>>([])
      const schedule = FaultSchedule.make([
        { fault: tracked(active, "slow"), at: "500ms", duration: "2s" },
        { fault: tracked(active, "down"), at: "1s", duration: 200, every: "1s", times: 3 }
      ])
      assert.strictEqual(FaultSchedule.durationMillis(schedule), 3_200)
      const fiber = yield* Effect.forkChild(FaultSchedule.run(schedule))
      yield* TestClock.adjust(499)
      assert.deepStrictEqual(yield* Ref.get(active), [])
      yield* TestClock.adjust(1)
      assert.deepStrictEqual(yield* Ref.get(active), ["slow"])
      yield* TestClock.adjust(500)
      assert.deepStrictEqual(yield* Ref.get(active), ["slow", "down"])
      yield* TestClock.adjust(200)
      assert.deepStrictEqual(yield* Ref.get(active), ["slow"])
      yield* TestClock.adjust(3_000)
      const windows = yield* Fiber.join(fiber)
      assert.deepStrictEqual(yield* Ref.get(active), [])
      assert.deepStrictEqual(
        windows.map((w) => [w.name, w.repeat, w.start, w.end]),
        [
          ["slow", 1, 1_500, 3_500],
          ["down", 1, 2_000, 2_200],
          ["down", 2, 3_000, 3_200],
          ["down", 3, 4_000, 4_200]
        ]
      )
    })
  )

  it.effect("windows land in the running pipeline's result by themselves (TestClock)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2026, 11, 2, 10, 0, 0))
      const active = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.forkChild(
        Pipeline.chaos({
          name: "scheduled",
          faults: [
            { fault: tracked(active, "latency 300ms"), at: "1s", duration: "2s" },
            { fault: tracked(active, "reset"), at: "4s", duration: "1s" }
          ]
        })
      )
      yield* TestClock.adjust("10 seconds")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        result.faultWindows.map((w) => ({ name: w.name, start: w.start, end: w.end, target: w.target })),
        [
          {
            name: "latency 300ms",
            start: "2026-12-02T10:00:01.000Z",
            end: "2026-12-02T10:00:03.000Z",
            target: "test/latency 300ms"
          },
          { name: "reset", start: "2026-12-02T10:00:04.000Z", end: "2026-12-02T10:00:05.000Z", target: "test/reset" }
        ]
      )
      assert.strictEqual(result.durationMs, 5_000)
      assert.strictEqual(result.faultWindows[0]!.details?.kind, "test")
    })
  )

  it.effect("interrupting the run reverts active faults and records their windows as ending then", () =>
    Effect.gen(function* () {
      const active = yield* Ref.make<ReadonlyArray<string>>([])
      const fiber = yield* Effect.forkChild(
        FaultSchedule.run(FaultSchedule.make([{ fault: tracked(active, "outage"), at: 0, duration: "1 minute" }]))
      )
      yield* TestClock.adjust(10)
      assert.deepStrictEqual(yield* Ref.get(active), ["outage"])
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(yield* Ref.get(active), [])
    })
  )

  it.effect("a failed apply fails the schedule and still reverts; a failed revert is recorded on the window", () =>
    Effect.gen(function* () {
      const reverted = yield* Ref.make(0)
      const broken = Fault.make({
        name: "broken",
        target: "t",
        apply: Effect.fail("cannot reach the proxy"),
        revert: Ref.update(reverted, (n) => n + 1)
      })
      const exit = yield* Effect.exit(FaultSchedule.run(FaultSchedule.make([{ fault: broken, at: 0, duration: 10 }])))
      assert.strictEqual(exit._tag, "Failure")
      assert.strictEqual(yield* Ref.get(reverted), 1)
      const sticky = Fault.make({ name: "sticky", target: "t", apply: Effect.void, revert: Effect.fail("still on") })
      const fiber = yield* Effect.forkChild(
        FaultSchedule.run(FaultSchedule.make([{ fault: sticky, at: 0, duration: 10 }]))
      )
      yield* TestClock.adjust(10)
      const [w] = yield* Fiber.join(fiber)
      assert.include(w!.revertError, "still on")
    })
  )

  it.effect("seeded stagger moves starts within the stagger, the same for the same seed", () =>
    Effect.gen(function* () {
      const f = Fault.make({ name: "f", target: "t", apply: Effect.void, revert: Effect.void })
      const { Seed } = yield* Effect.promise(() => import("../src/index.ts"))
      const a = FaultSchedule.make([{ fault: f, at: 0, duration: 10, every: "1s", times: 4, stagger: 500 }], {
        seed: Seed.make(1)
      })
      const b = FaultSchedule.make([{ fault: f, at: 0, duration: 10, every: "1s", times: 4, stagger: 500 }], {
        seed: Seed.make(1)
      })
      assert.deepStrictEqual(
        a.occurrences.map((o) => o.atMs),
        b.occurrences.map((o) => o.atMs)
      )
      a.occurrences.forEach((o, k) => {
        assert.isAtLeast(o.atMs, k * 1000)
        assert.isBelow(o.atMs, k * 1000 + 500)
      })
      const now = yield* Clock.currentTimeMillis
      assert.isNumber(now)
    })
  )

  it("rejects overlapping occurrences of one fault and bad durations, naming them", () => {
    const f = Fault.make({ name: "noop", target: "t", apply: Effect.void, revert: Effect.void })
    assert.throws(
      () => FaultSchedule.make([{ fault: f, at: 0, duration: 100, every: 50, times: 2 }]),
      'FaultSchedule.make: fault "noop" overlaps itself (window 1 repeat 1 and window 1 repeat 2)'
    )
    assert.throws(
      () => FaultSchedule.make([{ fault: f, at: "soon", duration: 1 }]),
      'FaultSchedule.make: window 1 ("noop"): at is not a duration such as "500ms", "10s" or "2m" (got "soon")'
    )
    assert.throws(() => FaultSchedule.make([{ fault: f, at: 0, duration: 1, times: 2 }]), "times > 1 needs every")
    try {
      FaultSchedule.make([{ fault: f, at: 0, duration: "long" }])
      assert.fail("expected a CoreError")
    } catch (e) {
      assert.deepInclude(e as object, { reason: "InvalidInput", module: "FaultSchedule.make", field: "duration" })
      assert.strictEqual((e as { value: unknown }).value, "long")
    }
  })
})
