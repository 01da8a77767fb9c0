/**
 * Repeats: run a nondeterministic case k times and judge it statistically — pass^k (every one of k runs passes),
 * pass@k (at least one of k passes), the success rate with a Wilson score interval at a chosen confidence, and a
 * classification: `pass` (all passed), `fail` (none passed) or `flaky` (some did).
 *
 * The statistics are also counters (`successRate`, `successRate.lower`, `successRate.upper`, `passK`, `passAtK`,
 * `runs`, `passes`), so thresholds read them: `"successRate.lower > 95%"`, `"passK == 1"`.
 *
 * @example
 * ```ts
 * import { Repeat } from "@24h/core"
 *
 * const s = Repeat.summarize("checkout answers", [true, true, false, true, true, true, true, true, false, true])
 * s.classification // "flaky"
 * s.successRate // { rate: 0.8, lower: 0.490…, upper: 0.943…, confidence: 0.95 }
 * ```
 *
 * @since 0.2.0
 */
import { join } from "node:path"
import { Effect, Exit } from "effect"
import * as Check from "./Check.ts"
import { type CoreError, coreError } from "./CoreError.ts"
import type { CurrentRecorder } from "./internal/recorder.ts"
import * as Merge from "./Merge.ts"
import * as Pipeline from "./Pipeline.ts"
import * as Seed from "./Seed.ts"

/**
 * A proportion with its Wilson score interval.
 *
 * @category models
 * @since 0.2.0
 */
export interface Interval {
  /** successes / trials (0 when there was no trial). */
  readonly rate: number
  readonly lower: number
  readonly upper: number
  readonly confidence: number
}

/**
 * How a repeated case behaved: `pass` (every run passed), `fail` (none did), `flaky` (some did).
 *
 * @category models
 * @since 0.2.0
 */
export type Classification = "pass" | "fail" | "flaky"

/**
 * What k repeats of one case gave.
 *
 * @category models
 * @since 0.2.0
 */
export interface Summary {
  readonly name: string
  /** Runs made (n). */
  readonly runs: number
  /** Runs that passed (c). */
  readonly passes: number
  /** The k of pass^k and pass@k (default: every run, k = n). */
  readonly k: number
  /** The unbiased estimate of P(all k of k runs pass): C(c, k) / C(n, k). With k = n: 1 if every run passed, else 0. */
  readonly passK: number
  /** The unbiased estimate of P(at least one of k runs passes): 1 − C(n − c, k) / C(n, k). */
  readonly passAtK: number
  readonly successRate: Interval
  readonly classification: Classification
  /** Each run's outcome, in order. */
  readonly outcomes: ReadonlyArray<boolean>
}

/**
 * The standard normal quantile (inverse CDF), by Acklam's rational approximation refined with one Halley step
 * (relative error below 1e-15).
 */
const normalQuantile = (p: number): number => {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const lo = 0.02425
  let x: number
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p))
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  } else if (p <= 1 - lo) {
    const q = p - 0.5
    const r = q * q
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p))
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
  }
  // One Halley step on erfc for full precision.
  const e = 0.5 * erfc(-x / Math.SQRT2) - p
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2)
  return x - u / (1 + (x * u) / 2)
}

/** erfc by a Chebyshev fit (Numerical Recipes `erfcc`, fractional error < 1.2e-7), enough for one Halley step. */
const erfc = (x: number): number => {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
    )
  return x >= 0 ? r : 2 - r
}

/**
 * The Wilson score interval of `successes` out of `trials` at `confidence` (default 0.95), clamped to [0, 1]. With
 * no trial, the interval is [0, 1].
 *
 * @example
 * ```ts
 * import { Repeat } from "@24h/core"
 * const w = Repeat.wilson(8, 10) // { rate: 0.8, lower: 0.4902, upper: 0.9433, confidence: 0.95 } (rounded)
 * Repeat.wilson(0, 10).lower // 0
 * Repeat.wilson(10, 10).upper // 1
 * ```
 *
 * @category statistics
 * @since 0.2.0
 */
export const wilson = (successes: number, trials: number, confidence = 0.95): Interval => {
  if (!Number.isInteger(trials) || trials < 0)
    throw coreError("InvalidInput", `Repeat.wilson: trials must be an integer >= 0 (got ${trials})`)
  if (!Number.isInteger(successes) || successes < 0 || successes > trials)
    throw coreError("InvalidInput", `Repeat.wilson: successes must be an integer in [0, ${trials}] (got ${successes})`)
  if (!(confidence > 0 && confidence < 1))
    throw coreError("InvalidInput", `Repeat.wilson: confidence must be in (0, 1) (got ${confidence})`)
  if (trials === 0) return { rate: 0, lower: 0, upper: 1, confidence }
  const z = normalQuantile(1 - (1 - confidence) / 2)
  const n = trials
  const p = successes / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const center = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  return {
    rate: p,
    lower: successes === 0 ? 0 : Math.max(0, center - half),
    upper: successes === n ? 1 : Math.min(1, center + half),
    confidence
  }
}

/** C(n, k) / C(m, k) as a product, without overflow. */
const ratio = (n: number, m: number, k: number): number => {
  if (k > n) return 0
  let r = 1
  for (let i = 0; i < k; i++) r *= (n - i) / (m - i)
  return r
}

/**
 * Summarises the outcomes of one case's runs. `k` defaults to the number of runs.
 *
 * @example
 * ```ts
 * import { Repeat } from "@24h/core"
 * const s = Repeat.summarize("login", [true, false, true], { k: 2, confidence: 0.9 })
 * s.passK // 1/3: C(2,2)/C(3,2)
 * s.passAtK // 1: any 2 of the 3 runs hold a pass
 * ```
 *
 * @category statistics
 * @since 0.2.0
 */
export const summarize = (
  name: string,
  outcomes: ReadonlyArray<boolean>,
  options: { readonly k?: number; readonly confidence?: number } = {}
): Summary => {
  const n = outcomes.length
  const c = outcomes.filter(Boolean).length
  const k = options.k ?? n
  if (!Number.isInteger(k) || k < 1 || k > Math.max(1, n))
    throw coreError("InvalidInput", `Repeat.summarize: k must be an integer in [1, ${Math.max(1, n)}] (got ${k})`)
  return {
    name,
    runs: n,
    passes: c,
    k,
    passK: n === 0 ? 0 : ratio(c, n, k),
    passAtK: n === 0 ? 0 : 1 - ratio(n - c, n, k),
    successRate: wilson(c, n, options.confidence ?? 0.95),
    classification: c === n && n > 0 ? "pass" : c === 0 ? "fail" : "flaky",
    outcomes: [...outcomes]
  }
}

/**
 * Summarises many cases at once from `(case, ok)` records, one summary per case in first-seen order.
 *
 * @example
 * ```ts
 * import { Repeat } from "@24h/core"
 * const cases = Repeat.byCase([
 *   { name: "refund", ok: true },
 *   { name: "refund", ok: false },
 *   { name: "login", ok: true }
 * ])
 * cases.map((c) => `${c.name}: ${c.classification}`) // ["refund: flaky", "login: pass"]
 * ```
 *
 * @category statistics
 * @since 0.2.0
 */
export const byCase = (
  records: ReadonlyArray<{ readonly name: string; readonly ok: boolean }>,
  options: { readonly confidence?: number } = {}
): Array<Summary> => {
  const groups = new Map<string, Array<boolean>>()
  for (const r of records) {
    const list = groups.get(r.name) ?? []
    list.push(r.ok)
    groups.set(r.name, list)
  }
  return [...groups.entries()].map(([name, outcomes]) => summarize(name, outcomes, options))
}

/**
 * The statistics as threshold counters; with a `prefix`, each name is `<prefix>.<name>` (per-case thresholds).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Repeat, Threshold } from "@24h/core"
 * const s = Repeat.summarize("search", Array.from({ length: 20 }, () => true))
 * const [v] = Effect.runSync(Threshold.evaluateAll(["successRate.lower > 80%"], { counters: Repeat.counters(s) }))
 * v?.verdict // "pass": the lower bound is 0.839
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const counters = (s: Summary, prefix?: string): Record<string, number> => {
  const p = prefix === undefined ? "" : `${prefix}.`
  return {
    [`${p}runs`]: s.runs,
    [`${p}passes`]: s.passes,
    [`${p}passK`]: s.passK,
    [`${p}passAtK`]: s.passAtK,
    [`${p}successRate`]: s.successRate.rate,
    [`${p}successRate.lower`]: s.successRate.lower,
    [`${p}successRate.upper`]: s.successRate.upper,
    [`${p}flaky`]: s.classification === "flaky" ? 1 : 0
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`

/**
 * A check for a repeated case: `pass` when every run passed, `fail` otherwise; a flaky case says so in its message
 * (`flaky: 8 of 10 passed …`) and in its evidence.
 *
 * @example
 * ```ts
 * import { Repeat } from "@24h/core"
 * const c = Repeat.toCheck(Repeat.summarize("refund", [true, false]))
 * c.message // "flaky: 1 of 2 runs passed (50.0%, 95% Wilson interval [9.5%, 90.5%]); pass^2 0, pass@2 1"
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const toCheck = (s: Summary): Check.Check => {
  const w = s.successRate
  const text = `${s.classification}: ${s.passes} of ${s.runs} runs passed (${pct(w.rate)}, ${Math.round(w.confidence * 100)}% Wilson interval [${pct(w.lower)}, ${pct(w.upper)}]); pass^${s.k} ${+s.passK.toFixed(4)}, pass@${s.k} ${+s.passAtK.toFixed(4)}`
  const evidence = [
    `classification: ${s.classification}`,
    `outcomes: ${s.outcomes.map((o) => (o ? "P" : "F")).join("")}`
  ]
  return s.classification === "pass"
    ? Check.pass(s.name, text, { source: "repeat", evidence })
    : Check.fail(s.name, text, { source: "repeat", evidence })
}

/**
 * Runs an effect `k` times in sequence and summarises whether each run passed: `true`, `{ ok: true }` or a
 * passing `Check` passes; `false`, a failing check or a failure of the effect fails.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Repeat } from "@24h/core"
 * declare const askAssistant: Effect.Effect<boolean>
 * const s = await Effect.runPromise(Repeat.run("assistant cites a source", 10, () => askAssistant))
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export const run = Effect.fn("Repeat.run")(
  <E, R>(
    name: string,
    k: number,
    once: (attempt: number) => Effect.Effect<boolean | { readonly ok: boolean } | Check.Check, E, R>,
    options: { readonly confidence?: number } = {}
  ): Effect.Effect<Summary, CoreError, R> =>
    Effect.gen(function* () {
      if (!Number.isInteger(k) || k < 1 || k > 1_000_000)
        return yield* Effect.fail(
          coreError("InvalidInput", `Repeat.run: k must be an integer in [1, 1000000] (got ${k})`)
        )
      const outcomes: Array<boolean> = []
      for (let i = 0; i < k; i++) {
        const exit = yield* Effect.exit(once(i))
        if (Exit.isFailure(exit)) outcomes.push(false)
        else {
          const v = exit.value
          outcomes.push(typeof v === "boolean" ? v : "outcome" in v ? v.outcome === "pass" : v.ok === true)
        }
      }
      return summarize(name, outcomes, options)
    })
)

/**
 * What {@link pipeline} gives: each run's result, the repeat summary, and one merged result whose counters hold
 * the statistics, whose thresholds were evaluated on them and whose checks include the repeat check.
 *
 * @category models
 * @since 0.2.0
 */
export interface PipelineRepeat {
  readonly runs: ReadonlyArray<Pipeline.Result>
  readonly summary: Summary
  readonly result: Pipeline.Result
}

/**
 * Runs a pipeline `k` times (each run's seeds derived with `repeat/<j>`, each written under `repeats/<j>/` of
 * `spec.dir` when given), a run passing when its verdict is `pass`; then merges the runs ({@link Merge.results})
 * with the repeat counters, so `thresholds` such as `"successRate.lower > 90%"` or `"passK == 1"` apply, and adds
 * the repeat check. The merged result is written to `spec.dir` when given.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Repeat } from "@24h/core"
 * declare const ask: Load.Iteration
 * const r = Repeat.pipeline("adversarial", 10, {
 *   name: "assistant refuses injection",
 *   load: { model: Load.iterations(20), iteration: ask },
 *   thresholds: ["errorRate == 0"]
 * }, { thresholds: ["successRate.lower > 80%"] })
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export const pipeline = Effect.fn("Repeat.pipeline")(
  <E = never, R = never>(
    kind: Pipeline.Kind,
    k: number,
    spec: Pipeline.Spec<E, R>,
    options: { readonly thresholds?: ReadonlyArray<string>; readonly confidence?: number } = {}
  ): Effect.Effect<PipelineRepeat, CoreError, Exclude<R, CurrentRecorder>> =>
    Effect.gen(function* () {
      if (!Number.isInteger(k) || k < 1 || k > 10_000)
        return yield* Effect.fail(
          coreError("InvalidInput", `Repeat.pipeline: k must be an integer in [1, 10000] (got ${k})`)
        )
      const root = yield* Effect.serviceOption(Seed.RootSeed)
      const runs: Array<Pipeline.Result> = []
      for (let j = 0; j < k; j++) {
        const loadSeed = spec.load?.options?.seed
        const one: Pipeline.Spec<E, R> = {
          ...spec,
          ...(spec.load === undefined
            ? {}
            : {
                load: {
                  ...spec.load,
                  options: {
                    ...spec.load.options,
                    seed: Seed.derive(
                      loadSeed ??
                        (root._tag === "Some" ? Seed.derive(root.value, `load/${spec.name}`) : Seed.make("load")),
                      `repeat/${j}`
                    )
                  }
                }
              }),
          ...(spec.dir === undefined ? {} : { dir: join(spec.dir, "repeats", String(j)) })
        }
        const eff = Pipeline.experiment(kind, one)
        runs.push(
          yield* root._tag === "Some"
            ? eff.pipe(Effect.provideService(Seed.RootSeed, Seed.derive(root.value, `repeat/${j}`)))
            : eff
        )
      }
      const summary = summarize(
        spec.name,
        runs.map((r) => r.verdict === "pass"),
        options
      )
      const merged = yield* Merge.results(
        runs.map((result, j) => ({ source: `repeats/${j}`, result })),
        { counters: counters(summary), ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }) }
      )
      // The runs' own verdicts are what is being judged: the merged verdict comes from the thresholds and the check.
      const check = toCheck(summary)
      const thresholdsFailed = merged.thresholds.some((t) => t.verdict !== "pass")
      const anyThresholdError = merged.thresholds.some((t) => t.verdict === "error")
      const result: Pipeline.Result = {
        ...merged,
        checks: [...merged.checks, check],
        verdict: anyThresholdError
          ? "error"
          : thresholdsFailed
            ? "fail"
            : options.thresholds !== undefined && options.thresholds.length > 0
              ? "pass"
              : check.outcome === "pass"
                ? "pass"
                : "fail",
        notes: [`repeat: ${check.message}`, ...merged.notes]
      }
      if (spec.dir !== undefined) yield* Pipeline.write(spec.dir, result)
      return { runs, summary, result }
    })
)
