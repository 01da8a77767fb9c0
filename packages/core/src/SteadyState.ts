/**
 * Steady-state hypotheses, after Chaos Toolkit: a title and a set of probes, each judged `pass` / `fail` / `unknown`
 * with a tolerance. The pipeline builders check the hypothesis before the method (if it does not hold, nothing is
 * injected), after it, and — for recovery — after each fault window until it holds again.
 *
 * A probe is any Effect that yields a boolean or a {@link Check}; {@link thresholds} makes one from a short load
 * window judged by thresholds (`"errorRate < 1%"`, `"p95 < 200ms"`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, SteadyState } from "@24h/core"
 *
 * declare const getHealth: Load.Iteration
 * const hypothesis = SteadyState.make("checkout is healthy", [
 *   SteadyState.thresholds("health answers fast", {
 *     model: Load.closed({ vus: 1, duration: "1s", maxIterations: 5 }),
 *     iteration: getHealth,
 *     thresholds: ["errorRate == 0", "p95 < 200ms"]
 *   })
 * ])
 * const holds = SteadyState.check(hypothesis) // Effect<{ outcome, checks }>
 * ```
 *
 * @since 0.2.0
 */
import { Cause, Effect, Exit } from "effect"
import * as Check from "./Check.ts"
import * as Load from "./Load.ts"
import * as Threshold from "./Threshold.ts"

/**
 * One probe of a hypothesis.
 *
 * @category models
 * @since 0.2.0
 */
export interface Probe<R = never> {
  readonly name: string
  readonly run: Effect.Effect<Check.Check, never, R>
}

/**
 * A steady-state hypothesis: it holds when every probe passes.
 *
 * @category models
 * @since 0.2.0
 */
export interface Hypothesis<R = never> {
  readonly _tag: "Hypothesis"
  readonly title: string
  readonly probes: ReadonlyArray<Probe<R>>
}

/**
 * Makes a hypothesis.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SteadyState } from "@24h/core"
 * const h = SteadyState.make("always true", [SteadyState.probe("true", Effect.succeed(true))])
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = <R = never>(title: string, probes: ReadonlyArray<Probe<R>>): Hypothesis<R> => {
  if (probes.length === 0) throw new TypeError(`SteadyState.make: ${JSON.stringify(title)} needs at least one probe`)
  return { _tag: "Hypothesis", title, probes }
}

/**
 * A probe from an Effect yielding a boolean or a `Check`; a failure or defect of the effect is a failing check.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SteadyState } from "@24h/core"
 * declare const balanceTotal: Effect.Effect<number>
 * const conserved = SteadyState.probe("balance is conserved", Effect.map(balanceTotal, (t) => t === 1_000_000))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const probe = <E, R>(name: string, effect: Effect.Effect<boolean | Check.Check, E, R>): Probe<R> => ({
  name,
  run: Effect.exit(effect).pipe(
    Effect.map((exit) =>
      Exit.isSuccess(exit)
        ? typeof exit.value === "boolean"
          ? Check.make(name, exit.value, { source: "probe" })
          : exit.value
        : Check.fail(name, `the probe failed: ${Cause.pretty(exit.cause).split("\n")[0]}`, { source: "probe" })
    )
  )
})

/**
 * Options of {@link thresholds}.
 *
 * @category models
 * @since 0.2.0
 */
export interface ThresholdsOptions<E, R> {
  readonly model: Load.Model
  readonly iteration: Load.Iteration<E, R>
  /** Threshold expressions over the probe's own window (`"errorRate == 0"`, `"p95 < 200ms"`). */
  readonly thresholds: ReadonlyArray<string>
}

/**
 * A probe that runs a short load window (recorded apart from the pipeline) and judges it by thresholds. A
 * threshold with no data makes the check `unknown`. Throws a `CoreError` for a threshold that does not parse.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, SteadyState } from "@24h/core"
 * const p = SteadyState.thresholds("fast enough", {
 *   model: Load.closed({ vus: 1, duration: "1s", maxIterations: 3 }),
 *   iteration: () => Effect.succeed(true),
 *   thresholds: ["errorRate == 0"]
 * })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const thresholds = <E = never, R = never>(name: string, options: ThresholdsOptions<E, R>): Probe<R> => {
  const parsed = options.thresholds.map((t) => Effect.runSync(Threshold.parse(t)))
  return {
    name,
    run: Effect.gen(function* () {
      const s = yield* Load.run(options.model, options.iteration, { recorder: false, name: "probe", gracefulStop: 0 })
      const verdicts = parsed.map((t) =>
        Threshold.evaluate(t, {
          latency: s.latency,
          requests: s.completed,
          errors: s.errors,
          durationMs: s.durationMs,
          counters: { dropped: s.dropped }
        })
      )
      const outcome: Check.Outcome = verdicts.some((v) => v.verdict === "fail")
        ? "fail"
        : verdicts.some((v) => v.verdict === "error")
          ? "unknown"
          : "pass"
      return {
        name,
        outcome,
        message: verdicts.map((v) => v.message).join("; "),
        source: "probe"
      } satisfies Check.Check
    })
  }
}

/**
 * Runs every probe of a hypothesis in order and combines them: it holds when the outcome is `pass`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SteadyState } from "@24h/core"
 * declare const h: SteadyState.Hypothesis
 * const holds = Effect.map(SteadyState.check(h), (r) => r.outcome === "pass")
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export const check = Effect.fn("SteadyState.check")(
  <R>(
    hypothesis: Hypothesis<R>
  ): Effect.Effect<{ readonly outcome: Check.Outcome; readonly checks: ReadonlyArray<Check.Check> }, never, R> =>
    Effect.forEach(hypothesis.probes, (p) => p.run).pipe(
      Effect.map((checks) => ({ outcome: Check.combine(checks), checks })),
      Effect.tap(() => Effect.annotateCurrentSpan("hypothesis", hypothesis.title))
    )
)
