import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { Check, Fault, Invariant, Load, Pipeline, SteadyState } from "../src/index.ts"

/** A simulated system: down while the fault is applied, and healthy again `healMs` after the fault is reverted. */
const system = (healMs: number) =>
  Effect.gen(function* () {
    const down = yield* Ref.make(false)
    const revertedAt = yield* Ref.make<number | undefined>(undefined)
    const applied = yield* Ref.make(0)
    const fault = Fault.make({
      name: "outage",
      target: "sut",
      apply: Effect.all([Ref.set(down, true), Ref.update(applied, (n) => n + 1)]),
      revert: Effect.gen(function* () {
        yield* Ref.set(down, false)
        yield* Ref.set(revertedAt, yield* Clock.currentTimeMillis)
      })
    })
    const healthy = Effect.gen(function* () {
      if (yield* Ref.get(down)) return false
      const at = yield* Ref.get(revertedAt)
      return at === undefined || (yield* Clock.currentTimeMillis) - at >= healMs
    })
    return { fault, healthy, down, applied }
  })

describe("the five pipelines as values", () => {
  it.effect("recovery: recoveryMs per window is correct to within the probe interval (TestClock)", () =>
    Effect.gen(function* () {
      const sys = yield* system(300)
      const fiber = yield* Effect.forkChild(
        Pipeline.recovery({
          name: "outage",
          faults: [{ fault: sys.fault, at: "1s", duration: "500ms", every: "3s", times: 2 }],
          steadyState: SteadyState.make("healthy", [SteadyState.probe("health", sys.healthy)]),
          recovery: { interval: "50ms", timeout: "10s" },
          thresholds: ["recoveryMs < 400ms", "recoveredWindows == 2"]
        })
      )
      yield* TestClock.adjust("20 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.verdict, "pass")
      assert.deepStrictEqual(
        result.faultWindows.map((w) => w.details?.recoveryMs),
        [300, 300]
      )
      assert.strictEqual(result.counts.recoveryMs, 300)
      assert.deepStrictEqual(
        result.checks.map((c) => [c.name, c.outcome]),
        [
          ["steady state before the method: health", "pass"],
          ["steady state after the method: health", "pass"]
        ]
      )
    })
  )

  it.effect("recovery that never comes fails the pipeline with a check, and recoveryMs fails its threshold", () =>
    Effect.gen(function* () {
      const sys = yield* system(60_000)
      const fiber = yield* Effect.forkChild(
        Pipeline.recovery({
          name: "never heals",
          faults: [{ fault: sys.fault, at: 0, duration: "100ms" }],
          steadyState: SteadyState.make("healthy", [SteadyState.probe("health", sys.healthy)]),
          recovery: { interval: "100ms", timeout: "1s" },
          thresholds: ["recoveryMs < 2s"]
        })
      )
      yield* TestClock.adjust("5 seconds")
      const result = yield* Fiber.join(fiber)
      assert.strictEqual(result.verdict, "fail")
      assert.isTrue(result.checks.some((c) => c.outcome === "fail" && c.name === 'recovers after "outage"'))
      assert.strictEqual(result.faultWindows[0]!.details?.recovered, false)
    })
  )

  it.effect("steady state that does not hold before the method aborts: nothing is injected, the verdict fails", () =>
    Effect.gen(function* () {
      const sys = yield* system(0)
      const rolledBack = yield* Ref.make(false)
      const result = yield* Pipeline.chaos({
        name: "unhealthy start",
        faults: [{ fault: sys.fault, at: 0, duration: "1s" }],
        steadyState: SteadyState.make("healthy", [SteadyState.probe("health", Effect.succeed(false))]),
        rollbacks: [Ref.set(rolledBack, true)]
      })
      assert.strictEqual(result.verdict, "fail")
      assert.strictEqual(yield* Ref.get(sys.applied), 0)
      assert.strictEqual(result.faultWindows.length, 0)
      assert.isTrue(result.notes.some((n) => n.startsWith("aborted: the steady state")))
      assert.isTrue(yield* Ref.get(rolledBack))
    })
  )

  it.effect("interrupting a pipeline mid-method reverts the fault and runs the rollbacks", () =>
    Effect.gen(function* () {
      const sys = yield* system(0)
      const rolledBack = yield* Ref.make(0)
      const fiber = yield* Effect.forkChild(
        Pipeline.chaos({
          name: "interrupted",
          faults: [{ fault: sys.fault, at: "1s", duration: "1 minute" }],
          rollbacks: [Ref.update(rolledBack, (n) => n + 1)]
        })
      )
      yield* TestClock.adjust("2 seconds")
      assert.isTrue(yield* Ref.get(sys.down))
      yield* Fiber.interrupt(fiber)
      assert.isFalse(yield* Ref.get(sys.down))
      assert.strictEqual(yield* Ref.get(rolledBack), 1)
    })
  )

  it.effect("checks (audits, mock verdicts) count in the verdict; a failing check effect is a failing check", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "24h-pipelines-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const invariants = yield* Invariant.make
      const ok = invariants.always("every answer is ok")
      const failing = yield* Pipeline.baseline({
        name: "audited",
        dir,
        load: {
          model: Load.iterations(10, 2),
          iteration: () => Effect.sync(() => ok.check(true)).pipe(Effect.as(true))
        },
        invariants,
        thresholds: ["errorRate == 0"],
        checks: [
          Effect.succeed(
            Check.fail("every 201 has a charge", "2 orders have no charge", { evidence: ["ord-1", "ord-7"] })
          ),
          Effect.fail("the audit query failed")
        ]
      })
      assert.strictEqual(failing.verdict, "fail")
      assert.deepStrictEqual(
        failing.checks.map((c) => c.outcome),
        ["fail", "fail"]
      )
      const unknown = yield* Pipeline.baseline({
        name: "undecided",
        checks: [Effect.succeed([Check.pass("a"), Check.unknown("honours Retry-After", "no 429 was served")])]
      })
      assert.strictEqual(unknown.verdict, "unknown")
      assert.strictEqual(Pipeline.exitCode([unknown]), 0)
      assert.strictEqual(Pipeline.exitCode([unknown], "unknown"), 1)
      assert.strictEqual(Pipeline.exitCode([failing]), 1)
      const read = yield* Pipeline.readAll(dir)
      assert.strictEqual(read[0]!.checks[0]!.evidence?.[1], "ord-7")
    })
  )

  it.effect("a recovery pipeline without a steady state is refused with a message saying why", () =>
    Effect.gen(function* () {
      const sys = yield* system(0)
      const exit = yield* Effect.exit(
        Pipeline.recovery({ name: "r", faults: [{ fault: sys.fault, at: 0, duration: 1 }] })
      )
      assert.strictEqual(exit._tag, "Failure")
      assert.include(String(exit._tag === "Failure" && exit.cause), "steadyState is required to measure recovery")
    })
  )

  it.live("a baseline is about five lines: load, thresholds, verdict", () =>
    Effect.gen(function* () {
      const result = yield* Pipeline.baseline({
        name: "five lines",
        load: { model: Load.constantRate({ rate: 200, duration: "250ms" }), iteration: () => Effect.succeed(true) },
        thresholds: ["errorRate == 0", "requests >= 45", "dropped == 0"]
      })
      assert.strictEqual(result.verdict, "pass")
      assert.strictEqual(result.counts.dropped, 0)
      assert.isAtLeast(result.requests, 45)
    })
  )
})
