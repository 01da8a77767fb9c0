/**
 * Thresholds: typed expressions such as `p95 < 200ms` or `errorRate < 1%`, evaluated on a pipeline's histogram and
 * counters into verdicts.
 *
 * Grammar: `<metric> <op> <number><unit?>` where
 * - metric: `p50 p90 p95 p99 p999 min max mean` (latency, ms), `errorRate` (a ratio), `requests`, `errors`,
 *   `throughput` (requests per second), or the name of any counter;
 * - op: `<  <=  >  >=  ==  !=`;
 * - unit: `us` `µs` `ms` `s` `m` for latency, `%` for ratios, `/s` for throughput, none for plain numbers.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Histogram, Threshold } from "@24h/core"
 *
 * const latency = Histogram.make()
 * Histogram.record(latency, 120)
 * const verdicts = Effect.runSync(
 *   Threshold.evaluateAll(["p95 < 200ms", "errorRate < 1%"], { latency, requests: 100, errors: 0, durationMs: 1000 })
 * )
 * verdicts.every((v) => v.verdict === "pass") // true
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { z } from "zod"
import { type CoreError, coreError } from "./CoreError.ts"
import * as Histogram from "./Histogram.ts"

/**
 * A comparison operator.
 *
 * @category models
 * @since 0.1.0
 */
export type Operator = "<" | "<=" | ">" | ">=" | "==" | "!="

/**
 * A parsed threshold.
 *
 * @category models
 * @since 0.1.0
 */
export interface Threshold {
  readonly _tag: "Threshold"
  /** The expression as written. */
  readonly expression: string
  readonly metric: string
  readonly op: Operator
  /** The target in the metric's base unit: ms for latency, a ratio for rates, req/s for throughput. */
  readonly target: number
}

/**
 * What a threshold is evaluated against.
 *
 * @category models
 * @since 0.1.0
 */
export interface Metrics {
  readonly latency?: Histogram.Histogram | Histogram.Summary
  readonly requests?: number
  readonly errors?: number
  readonly durationMs?: number
  readonly counters?: Readonly<Record<string, number>>
}

/**
 * A threshold's verdict, as stored in pipeline results.
 *
 * @example
 * ```ts
 * import { Threshold } from "@24h/core"
 *
 * const v = Threshold.Verdict.parse({
 *   expression: "p95 < 200ms",
 *   metric: "p95",
 *   op: "<",
 *   target: 200,
 *   actual: 180,
 *   verdict: "pass",
 *   message: "p95 < 200ms: p95 was 180ms (pass)"
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Verdict = z.object({
  expression: z.string(),
  metric: z.string(),
  op: z.enum(["<", "<=", ">", ">=", "==", "!="]),
  target: z.number(),
  actual: z.number().nullable(),
  verdict: z.enum(["pass", "fail", "error"]),
  message: z.string()
})
/**
 * A threshold's verdict: pass, fail, or error when the metric has no data.
 *
 * @category models
 * @since 0.1.0
 */
export type Verdict = z.infer<typeof Verdict>

const LATENCY = new Set(["p50", "p90", "p95", "p99", "p999", "min", "max", "mean"])
const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000 }
const PATTERN =
  /^\s*([A-Za-z_][\w.\-/]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(us|µs|ms|s|m|%|\/s)?\s*$/i

/**
 * Parses a threshold expression, failing with `CoreError { reason: "InvalidThreshold" }` that quotes it.
 *
 * @example
 * ```ts
 * import { Threshold } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const t = Effect.runSync(Threshold.parse("p99 <= 1.5s"))
 * t.target // 1500 (ms)
 * Effect.runSync(Threshold.parse("errorRate < 0.5%")).target // 0.005
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const parse = Effect.fn("Threshold.parse")((expression: string): Effect.Effect<Threshold, CoreError> => {
  const m = PATTERN.exec(expression)
  if (m === null) {
    return Effect.fail(
      coreError(
        "InvalidThreshold",
        `Threshold.parse: expected "<metric> <op> <value><unit>" such as "p95 < 200ms" or "errorRate < 1%" (got ${JSON.stringify(expression)})`,
        undefined,
        { module: "Threshold.parse", field: "expression", value: expression }
      )
    )
  }
  const [, metric, op, raw, unitRaw] = m as unknown as [string, string, Operator, string, string | undefined]
  const unit = unitRaw?.toLowerCase()
  let target = Number(raw)
  if (LATENCY.has(metric)) {
    if (unit === "%" || unit === "/s") {
      return Effect.fail(
        coreError(
          "InvalidThreshold",
          `Threshold.parse: ${metric} is a latency; use us, ms, s or m (got unit "${unitRaw}" in ${JSON.stringify(expression)})`,
          undefined,
          { module: "Threshold.parse", field: "expression", value: expression }
        )
      )
    }
    target *= UNIT_MS[unit ?? "ms"]!
  } else if (/Ms$/.test(metric) && unit !== undefined && unit in UNIT_MS) {
    // A counter in milliseconds (`recoveryMs < 2s`) takes time units.
    target *= UNIT_MS[unit]!
  } else if (unit === "%") {
    target /= 100
  } else if (unit !== undefined && unit !== "/s") {
    return Effect.fail(
      coreError(
        "InvalidThreshold",
        `Threshold.parse: unit "${unitRaw}" only applies to latency metrics and counters named …Ms (got ${JSON.stringify(expression)})`,
        undefined,
        { module: "Threshold.parse", field: "expression", value: expression }
      )
    )
  }
  return Effect.succeed({ _tag: "Threshold", expression: expression.trim(), metric, op, target })
})

const summaryOf = (latency: Metrics["latency"]): Histogram.Summary | undefined =>
  latency === undefined ? undefined : "_tag" in latency ? Histogram.summary(latency) : latency

/**
 * The value of a metric, or `undefined` when the metrics do not have it.
 *
 * @example
 * ```ts
 * import { Threshold } from "@24h/core"
 *
 * Threshold.metricValue({ requests: 200, errors: 3 }, "errorRate") // 0.015
 * Threshold.metricValue({ requests: 600, durationMs: 60_000 }, "throughput") // 10
 * Threshold.metricValue({ counters: { retries: 4 } }, "retries") // 4
 * Threshold.metricValue({}, "p95") // undefined
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const metricValue = (metrics: Metrics, metric: string): number | undefined => {
  if (LATENCY.has(metric)) {
    const s = summaryOf(metrics.latency)
    return s === undefined || s.count === 0 ? undefined : s[metric as keyof Histogram.Summary]
  }
  switch (metric) {
    case "errorRate":
      return metrics.requests === undefined || metrics.requests === 0
        ? undefined
        : (metrics.errors ?? 0) / metrics.requests
    case "requests":
      return metrics.requests
    case "errors":
      return metrics.errors
    case "throughput":
      return metrics.requests === undefined || !metrics.durationMs
        ? undefined
        : metrics.requests / (metrics.durationMs / 1000)
    default:
      return metrics.counters?.[metric]
  }
}

const compare = (a: number, op: Operator, b: number): boolean => {
  switch (op) {
    case "<":
      return a < b
    case "<=":
      return a <= b
    case ">":
      return a > b
    case ">=":
      return a >= b
    case "==":
      return a === b
    case "!=":
      return a !== b
  }
}

const formatValue = (metric: string, value: number): string =>
  LATENCY.has(metric) || /Ms$/.test(metric)
    ? `${+value.toFixed(3)}ms`
    : metric === "errorRate"
      ? `${+(value * 100).toFixed(3)}%`
      : metric === "throughput"
        ? `${+value.toFixed(1)}/s`
        : `${value}`

/**
 * Evaluates a parsed threshold. A metric the data does not have is an `error` verdict, never a silent pass.
 *
 * @example
 * ```ts
 * import { Histogram, Threshold } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const latency = Histogram.make()
 * Histogram.recordMany(latency, 250, 10)
 * const t = Effect.runSync(Threshold.parse("p95 < 200ms"))
 * Threshold.evaluate(t, { latency }).message // "p95 < 200ms: p95 was 250.111ms (fail)" (within 0.1%)
 * ```
 *
 * @category evaluation
 * @since 0.1.0
 */
export const evaluate = (threshold: Threshold, metrics: Metrics): Verdict => {
  const actual = metricValue(metrics, threshold.metric)
  const base = {
    expression: threshold.expression,
    metric: threshold.metric,
    op: threshold.op,
    target: threshold.target
  }
  if (actual === undefined) {
    return {
      ...base,
      actual: null,
      verdict: "error",
      message: `${threshold.expression}: no data for metric "${threshold.metric}"`
    }
  }
  const ok = compare(actual, threshold.op, threshold.target)
  return {
    ...base,
    actual,
    verdict: ok ? "pass" : "fail",
    message: `${threshold.expression}: ${threshold.metric} was ${formatValue(threshold.metric, actual)} (${ok ? "pass" : "fail"})`
  }
}

/**
 * Parses and evaluates several expressions.
 *
 * @example
 * ```ts
 * import { Histogram, Threshold } from "@24h/core"
 * import { Effect } from "effect"
 *
 * declare const latency: Histogram.Histogram
 * const metrics = { latency, requests: 1_000, errors: 4, durationMs: 60_000, counters: { retries: 7 } }
 * const verdicts = await Effect.runPromise(
 *   Threshold.evaluateAll(["p99 < 500ms", "errorRate < 1%", "retries <= 10"], metrics)
 * )
 * const failed = verdicts.filter((v) => v.verdict !== "pass")
 * ```
 *
 * @category evaluation
 * @since 0.1.0
 */
export const evaluateAll = Effect.fn("Threshold.evaluateAll")(
  (expressions: ReadonlyArray<string | Threshold>, metrics: Metrics): Effect.Effect<Array<Verdict>, CoreError> =>
    Effect.forEach(expressions, (e) =>
      Effect.map(typeof e === "string" ? parse(e) : Effect.succeed(e), (t) => evaluate(t, metrics))
    )
)
