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
import { Clock, Context, Effect, Exit, type Metric, Option, Tracer } from "effect"

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

export interface Instruments {
  /** The context metrics update into (it holds the layer's `MetricRegistry`). */
  readonly context: Context.Context<never>
  /** `Metric.update` from plain code. */
  readonly update: <I>(metric: Metric.Metric<I, unknown>, input: I) => void
  /** Opens a span from plain code; close it with {@link Instruments.end}. */
  readonly startSpan: (name: string, options?: SpanOptions) => Tracer.Span
  /** Ends a span now (or at `endTime`), as an error when `error` is set. */
  readonly end: (span: Tracer.Span, error?: string | undefined, endTime?: bigint) => void
  /** Epoch nanoseconds from Effect's `Clock`. */
  readonly nowNanos: () => bigint
}

const failed = (message: string) => Exit.fail(message)

export const instruments: Effect.Effect<Instruments | undefined> = Effect.flatMap(Enabled, (on) =>
  on
    ? Effect.map(Effect.context<never>(), (context): Instruments => {
        const tracer = Context.get(context, Tracer.Tracer)
        const clock = Context.get(context, Clock.Clock)
        const current = Context.getOption(context, Tracer.ParentSpan)
        return {
          context,
          update: (metric, input) => metric.updateUnsafe(input, context),
          startSpan: (name, options = {}) => {
            const parent =
              options.parent === null ? Option.none() : options.parent === undefined ? current : Option.some(options.parent)
            const span = tracer.span({
              name,
              parent,
              annotations: Context.empty(),
              links: [],
              startTime: options.startTime ?? clock.currentTimeNanosUnsafe(),
              kind: options.kind ?? "internal",
              root: Option.isNone(parent),
              sampled: Option.match(parent, { onNone: () => true, onSome: (p) => p.sampled })
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
