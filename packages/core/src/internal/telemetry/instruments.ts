/**
 * What instrumented code holds while `Telemetry.layer` is provided: the context its metrics update into, and a way
 * to open spans from plain Node callbacks (a proxy's connection, a mock's request), outside any fiber.
 *
 * ```
 * Telemetry.layer ─ provides ─ Enabled = true, a fresh MetricRegistry, OtlpTracer, OtlpMetrics
 *        │
 * make() ─ yield* instruments ─▶ undefined (no layer: the hot path checks one field and does nothing)
 *                             └▶ Instruments { update(metric, n), startSpan(name, …), end(span, …) }
 * ```
 *
 * Instrumented code reads `instruments` once, when it is built, and keeps plain numbers on its hot path.
 */
import { Clock, Context, Effect, Exit, Metric, Option, Tracer } from "effect"

/** True under `Telemetry.layer` (or `Telemetry.enable`): 24h's own metrics and plain-code spans are recorded. */
export const Enabled = Context.Reference<boolean>("@24h/core/Telemetry/Enabled", { defaultValue: () => false })

export interface SpanOptions {
  /** Default: the span current where the instruments were taken, if any. `null`: a root span. */
  readonly parent?: Tracer.AnySpan | null | undefined
  readonly kind?: Tracer.SpanKind | undefined
  readonly attributes?: Readonly<Record<string, unknown>> | undefined
  /** Epoch nanoseconds. Default: now (Effect's `Clock`). */
  readonly startTime?: bigint | undefined
}

/** A counter series held as a plain number: `add` is an addition, read by the exporter when it snapshots. */
export interface CounterHandle {
  readonly add: (n: number) => void
}

/** A histogram series held as plain numbers: `record` is a bucket search and four additions. */
export interface HistogramHandle {
  readonly record: (value: number) => void
}

export interface Instruments {
  /** The context metrics update into (it holds the layer's `MetricRegistry`). */
  readonly context: Context.Context<never>
  /** `Metric.update` from plain code (about 1 µs: for rare events; hot paths use {@link Instruments.counter}). */
  readonly update: <I>(metric: Metric.Metric<I, unknown>, input: I) => void
  /**
   * One series of a counter (the metric with `attributes`) as a plain number, registered in the layer's registry.
   * The same metric and attributes give the same series.
   */
  readonly counter: (metric: Metric.Counter<number>, attributes?: Readonly<Record<string, string>>) => CounterHandle
  /** One series of a histogram with these `boundaries` (give the metric's own), as plain numbers. */
  readonly histogram: (
    metric: Metric.Histogram<number>,
    boundaries: ReadonlyArray<number>,
    attributes?: Readonly<Record<string, string>>
  ) => HistogramHandle
  /** Opens a span from plain code; close it with {@link Instruments.end}. */
  readonly startSpan: (name: string, options?: SpanOptions) => Tracer.Span
  /** Ends a span now (or at `endTime`), as an error when `error` is set. */
  readonly end: (span: Tracer.Span, error?: string | undefined, endTime?: bigint) => void
  /** Epoch nanoseconds from Effect's `Clock`. */
  readonly nowNanos: () => bigint
}

const failed = (message: string) => Exit.fail(message)

/** Series registered as plain numbers, per registry: two resources with the same series share it. */
const handles = new WeakMap<object, Map<string, CounterHandle | HistogramHandle>>()

const handleFor = <H extends CounterHandle | HistogramHandle>(
  context: Context.Context<never>,
  key: string,
  make: () => H
): H => {
  const registry = Context.get(context, Metric.MetricRegistry)
  let byKey = handles.get(registry)
  if (byKey === undefined) {
    byKey = new Map()
    handles.set(registry, byKey)
  }
  let h = byKey.get(key)
  if (h === undefined) {
    h = make()
    byKey.set(key, h)
  }
  return h as H
}

const counterHandle = (
  context: Context.Context<never>,
  metric: Metric.Counter<number>,
  attributes: Readonly<Record<string, string>> | undefined
): CounterHandle =>
  handleFor(context, `counter ${metric.id} ${JSON.stringify(attributes ?? {})}`, () => {
    let count = 0
    const add = (n: number) => {
      count += n
    }
    const series = attributes === undefined ? metric : Metric.withAttributes(metric, attributes)
    Metric.registerUnsafe(series, context, {
      get: () => ({ count, incremental: true }),
      update: add,
      modify: add
    })
    return { add }
  })

const histogramHandle = (
  context: Context.Context<never>,
  metric: Metric.Histogram<number>,
  bounds: ReadonlyArray<number>,
  attributes: Readonly<Record<string, string>> | undefined
): HistogramHandle =>
  handleFor(context, `histogram ${metric.id} ${JSON.stringify(attributes ?? {})}`, () => {
    const boundaries = Float64Array.from([...bounds].sort((a, b) => a - b))
    const size = boundaries.length
    const values = new Float64Array(size + 1)
    let count = 0
    let sum = 0
    let min = Number.MAX_VALUE
    let max = -Number.MAX_VALUE
    const record = (value: number) => {
      let i = 0
      while (i < size && value > boundaries[i]!) i++
      values[i]!++
      count++
      sum += value
      if (value < min) min = value
      if (value > max) max = value
    }
    const series = attributes === undefined ? metric : Metric.withAttributes(metric, attributes)
    Metric.registerUnsafe(series, context, {
      get: () => {
        const buckets: Array<[number, number]> = []
        let cumulated = 0
        for (let i = 0; i < size; i++) {
          cumulated += values[i]!
          buckets.push([boundaries[i]!, cumulated])
        }
        return { buckets, count, min, max, sum }
      },
      update: record,
      modify: record
    })
    return { record }
  })

export const instruments: Effect.Effect<Instruments | undefined> = Effect.flatMap(Enabled, (on) =>
  on
    ? Effect.map(Effect.context<never>(), (context): Instruments => {
        const tracer = Context.get(context, Tracer.Tracer)
        const clock = Context.get(context, Clock.Clock)
        const current = Context.getOption(context, Tracer.ParentSpan)
        return {
          context,
          update: (metric, input) => metric.updateUnsafe(input, context),
          counter: (metric, attributes) => counterHandle(context, metric, attributes),
          histogram: (metric, boundaries, attributes) => histogramHandle(context, metric, boundaries, attributes),
          startSpan: (name, options = {}) => {
            const parent =
              options.parent === null
                ? Option.none()
                : options.parent === undefined
                  ? current
                  : Option.some(options.parent)
            const span = tracer.span({
              name,
              parent,
              annotations: Context.empty(),
              links: [],
              startTime: options.startTime ?? clock.currentTimeNanosUnsafe(),
              kind: options.kind ?? "internal",
              root: Option.isNone(parent),
              sampled: Option.isNone(parent) || parent.value.sampled
            })
            if (options.attributes !== undefined)
              for (const k in options.attributes) span.attribute(k, options.attributes[k])
            return span
          },
          end: (span, error, endTime) =>
            span.end(endTime ?? clock.currentTimeNanosUnsafe(), error === undefined ? Exit.void : failed(error)),
          nowNanos: () => clock.currentTimeNanosUnsafe()
        }
      })
    : Effect.succeed(undefined)
)

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The W3C `traceparent` of a span: `00-<trace id>-<span id>-<flags>`. */
export const traceparentOf = (span: Tracer.AnySpan): string =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** Parses a W3C `traceparent` header; undefined when it is absent or malformed (all-zero ids included). */
export const parseTraceparent = (header: string | undefined): Tracer.ExternalSpan | undefined => {
  if (header === undefined || header.length < 55) return undefined
  const m = TRACEPARENT.exec(header.trim().toLowerCase())
  if (m === null || m[1] === "ff" || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined
  return Tracer.externalSpan({ traceId: m[2]!, spanId: m[3]!, sampled: (Number.parseInt(m[4]!, 16) & 1) === 1 })
}
