/**
 * Traces and metrics for a run, through Effect's own OTLP modules (`effect/observability`): {@link layer} records
 * every `Effect.fn` / `Effect.withSpan` span and every `Metric` of the program into
 * `<run>/results/traces/<name>.jsonl` (one OTLP/JSON `TracesData` per line) and `<run>/results/metrics/<name>.json`
 * (the latest cumulative OTLP/JSON `MetricsData`), and exports them to `OTEL_EXPORTER_OTLP_ENDPOINT` when it is set.
 *
 * The same module reads those files back ({@link readSpans}, {@link readMetrics}) as flat records, and summarises
 * traces ({@link summarize}): roots, orphan spans (a parent that never arrived), error spans, duration.
 *
 * A span's trace id and a log line's correlation id are tied: {@link withCorrelationId} puts the id on every span
 * beneath (`correlation.id`) and on every log line, and `Log` falls back to the trace id when no id is set.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 *
 * const charge = Effect.fn("payments.charge")(function* (amount: number) {
 *   yield* Effect.logInfo("charged", { amount })
 * })
 * Effect.runPromise(
 *   charge(1200).pipe(Telemetry.withCorrelationId("req-0007"), Effect.provide(Telemetry.layer({ dir: "runs/payments-01" })))
 * )
 * // runs/payments-01/results/traces/24h.jsonl gets {"resourceSpans":[…{"name":"payments.charge",…}]}
 * ```
 *
 * @since 0.2.0
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type Context, type Duration, Effect, Layer, type Tracer } from "effect"
import type * as OtlpExporter from "effect/observability/OtlpExporter"
import type { z } from "zod"
import { type CoreError, coreError } from "./CoreError.ts"
import * as instrumentsInternal from "./internal/telemetry/instruments.ts"
import * as otlp from "./internal/telemetry/otlp.ts"
import * as Log from "./Log.ts"
import { CurrentRun } from "./Run.ts"

/**
 * The OTLP/JSON `TracesData` schema (zod): what `POST /v1/traces` carries and each line of a traces file holds.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * const result = Telemetry.TracesData.safeParse({ resourceSpans: [] })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const TracesData = otlp.TracesData
/**
 * A validated OTLP/JSON `TracesData`.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * const empty: Telemetry.TracesData = { resourceSpans: [] }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type TracesData = otlp.TracesData

/**
 * The OTLP/JSON `MetricsData` schema (zod).
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * Telemetry.MetricsData.parse({ resourceMetrics: [] })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const MetricsData = otlp.MetricsData
/**
 * A validated OTLP/JSON `MetricsData`.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * const empty: Telemetry.MetricsData = { resourceMetrics: [] }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type MetricsData = otlp.MetricsData

/**
 * The OTLP/JSON `LogsData` schema (zod).
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * Telemetry.LogsData.parse({ resourceLogs: [] })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const LogsData = otlp.LogsData
/**
 * A validated OTLP/JSON `LogsData`.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * const empty: Telemetry.LogsData = { resourceLogs: [] }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type LogsData = otlp.LogsData

/**
 * The span attribute that carries a correlation id.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * Telemetry.CORRELATION_ATTRIBUTE // "correlation.id"
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const CORRELATION_ATTRIBUTE = "correlation.id"

/**
 * The span attributes read as a correlation id, in order: `correlation.id` (what {@link withCorrelationId} sets) and
 * `correlationId` (what `Load`'s `24h.load.iteration` spans carry).
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const span: Telemetry.Span
 * Telemetry.correlationOf(span) // "load-000003"
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const CORRELATION_ATTRIBUTES: ReadonlyArray<string> = [CORRELATION_ATTRIBUTE, "correlationId"]

/**
 * The correlation id a span carries (see {@link CORRELATION_ATTRIBUTES}), if any.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const ids = new Set(spans.map(Telemetry.correlationOf))
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const correlationOf = (span: Span): string | undefined => {
  for (const key of CORRELATION_ATTRIBUTES) {
    const v = span.attributes[key]
    if (typeof v === "string" && v !== "") return v
  }
  return undefined
}

/**
 * OTLP span status codes: `0` unset, `1` ok, `2` error.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const span: Telemetry.Span
 * const failed = span.status.code === Telemetry.STATUS_ERROR
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const STATUS_ERROR = 2

/**
 * One span, flattened out of its resource and scope.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * declare const span: Telemetry.Span
 * console.log(`${span.service} ${span.name} ${span.durationMs} ms`)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Span {
  readonly traceId: string
  readonly spanId: string
  /** Absent for a root span. */
  readonly parentSpanId: string | undefined
  readonly name: string
  /** OTLP span kind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number
  /** `service.name` of the resource that exported the span. */
  readonly service: string
  readonly scope: string
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano: string
  /** Start, in milliseconds since the epoch (fractional). */
  readonly startMs: number
  readonly durationMs: number
  readonly attributes: Readonly<Record<string, unknown>>
  readonly status: { readonly code: number; readonly message?: string | undefined }
  readonly events: ReadonlyArray<{ readonly name: string; readonly timeUnixNano?: string | undefined }>
}

const nanosString = (v: string | number | undefined): string => (v === undefined ? "0" : String(v))
const msOf = (nanos: string): number => Number(BigInt(nanos) / 1000n) / 1000

/**
 * Flattens an OTLP/JSON `TracesData` into one {@link Span} per span (ids lower-cased, times normalised to strings).
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const body: Telemetry.TracesData
 * const names = Telemetry.spansOf(body).map((s) => s.name)
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const spansOf = (data: TracesData): Array<Span> => {
  const out: Array<Span> = []
  for (const rs of data.resourceSpans) {
    const service = otlp.serviceOf(rs.resource)
    for (const ss of rs.scopeSpans ?? []) {
      const scope = ss.scope?.name ?? ""
      for (const s of ss.spans ?? []) {
        const start = nanosString(s.startTimeUnixNano)
        const end = nanosString(s.endTimeUnixNano)
        const parent = s.parentSpanId === undefined || s.parentSpanId === "" ? undefined : s.parentSpanId.toLowerCase()
        out.push({
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: parent,
          name: s.name,
          kind: s.kind ?? 0,
          service,
          scope,
          startTimeUnixNano: start,
          endTimeUnixNano: end,
          startMs: msOf(start),
          durationMs: Math.max(0, msOf(end) - msOf(start)),
          attributes: otlp.attributesOf(s.attributes),
          status: { code: s.status?.code ?? 0, message: s.status?.message },
          events: (s.events ?? []).map((e) => ({
            name: e.name,
            timeUnixNano: e.timeUnixNano === undefined ? undefined : String(e.timeUnixNano)
          }))
        })
      }
    }
  }
  return out
}

/**
 * One metric data point, flattened out of its resource and scope. `value` is the sum or gauge value, or the count
 * of a histogram or summary (whose `sum` is set too).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * declare const point: Telemetry.MetricPoint
 * console.log(`${point.name}=${point.value}`)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface MetricPoint {
  readonly name: string
  readonly kind: "sum" | "gauge" | "histogram" | "exponentialHistogram" | "summary"
  readonly service: string
  readonly unit: string | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  readonly value: number
  readonly sum: number | undefined
  readonly timeUnixNano: string
}

/**
 * Flattens an OTLP/JSON `MetricsData` into one {@link MetricPoint} per data point.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const body: Telemetry.MetricsData
 * const total = Telemetry.pointsOf(body).filter((p) => p.name === "http.requests").reduce((n, p) => n + p.value, 0)
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const pointsOf = (data: MetricsData): Array<MetricPoint> => {
  const out: Array<MetricPoint> = []
  for (const rm of data.resourceMetrics) {
    const service = otlp.serviceOf(rm.resource)
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const base = { name: m.name, service, unit: m.unit }
        for (const p of m.sum?.dataPoints ?? m.gauge?.dataPoints ?? []) {
          out.push({
            ...base,
            kind: m.sum !== undefined ? "sum" : "gauge",
            attributes: otlp.attributesOf(p.attributes),
            value: Number(p.asDouble ?? p.asInt ?? 0),
            sum: undefined,
            timeUnixNano: nanosString(p.timeUnixNano)
          })
        }
        const kind =
          m.histogram !== undefined
            ? "histogram"
            : m.exponentialHistogram !== undefined
              ? "exponentialHistogram"
              : m.summary !== undefined
                ? "summary"
                : undefined
        if (kind === undefined) continue
        for (const p of (m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? []) {
          out.push({
            ...base,
            kind,
            attributes: otlp.attributesOf(p.attributes),
            value: Number(p.count ?? 0),
            sum: p.sum,
            timeUnixNano: nanosString(p.timeUnixNano)
          })
        }
      }
    }
  }
  return out
}

/**
 * The telemetry folders of a run directory.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * Telemetry.pathsIn("runs/payments-01") // { traces: "runs/payments-01/results/traces", metrics: "runs/payments-01/results/metrics" }
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const pathsIn = (dir: string): { readonly traces: string; readonly metrics: string } => ({
  traces: join(dir, "results", "traces"),
  metrics: join(dir, "results", "metrics")
})

const filesIn = (folder: string, ext: string): Array<string> => {
  try {
    return readdirSync(folder)
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => join(folder, f))
  } catch {
    return []
  }
}

/**
 * Reads every `<dir>/results/traces/*.jsonl` into flat spans. A line that is not valid OTLP/JSON fails with
 * `CoreError { reason: "InvalidInput" }` naming the file, the line and the field.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 * const slowest = Telemetry.readSpans("runs/payments-01").pipe(
 *   Effect.map((spans) => [...spans].sort((a, b) => b.durationMs - a.durationMs)[0])
 * )
 * ```
 *
 * @category reading
 * @since 0.2.0
 */
export const readSpans = (dir: string): Effect.Effect<Array<Span>, CoreError> =>
  Effect.gen(function* () {
    const out: Array<Span> = []
    for (const file of filesIn(pathsIn(dir).traces, ".jsonl")) {
      const lines = yield* readText(file).pipe(Effect.map((t) => t.split("\n")))
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.trim()
        if (line === "") continue
        const data = yield* parseJson(TracesData, line, `${file}:${i + 1}`)
        for (const s of spansOf(data)) out.push(s)
      }
    }
    return out
  })

/**
 * Reads every `<dir>/results/metrics/*.json` into flat metric points.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 * const names = Telemetry.readMetrics("runs/payments-01").pipe(Effect.map((ps) => [...new Set(ps.map((p) => p.name))]))
 * ```
 *
 * @category reading
 * @since 0.2.0
 */
export const readMetrics = (dir: string): Effect.Effect<Array<MetricPoint>, CoreError> =>
  Effect.gen(function* () {
    const out: Array<MetricPoint> = []
    for (const file of filesIn(pathsIn(dir).metrics, ".json")) {
      const data = yield* readText(file).pipe(Effect.flatMap((t) => parseJson(MetricsData, t, file)))
      for (const p of pointsOf(data)) out.push(p)
    }
    return out
  })

const readText = (file: string) =>
  Effect.try({
    try: () => readFileSync(file, "utf8"),
    catch: (cause) => coreError("Io", `Telemetry: cannot read ${file} (${String(cause)})`, cause)
  })

const parseJson = <A>(schema: z.ZodType<A>, text: string, where: string): Effect.Effect<A, CoreError> =>
  Effect.gen(function* () {
    const raw = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (cause) => coreError("InvalidInput", `Telemetry: ${where} is not JSON (${String(cause)})`, cause)
    })
    const parsed = schema.safeParse(raw)
    if (parsed.success) return parsed.data
    const issue = parsed.error.issues[0]
    return yield* coreError(
      "InvalidInput",
      `Telemetry: ${where}: ${issue?.path.map(String).join(".") || "(root)"}: ${issue?.message ?? "invalid"}`
    )
  })

/**
 * A summary of one trace: its root, its spans, and what makes it broken.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * declare const trace: Telemetry.TraceSummary
 * if (trace.broken) console.log(trace.traceId, trace.problems.join("; "))
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface TraceSummary {
  readonly traceId: string
  /** `service name` of the root span, or undefined when the trace has no root. */
  readonly root: string | undefined
  readonly correlationId: string | undefined
  readonly services: ReadonlyArray<string>
  readonly spanCount: number
  readonly errorSpans: number
  readonly startMs: number
  readonly durationMs: number
  /** Spans whose parent id never arrived in this trace. */
  readonly orphans: ReadonlyArray<{ readonly spanId: string; readonly name: string; readonly parentSpanId: string }>
  readonly roots: number
  readonly broken: boolean
  readonly problems: ReadonlyArray<string>
}

/**
 * Groups spans by trace and summarises each: the root, orphans (a parent id that never arrived), several roots or
 * none, error spans, services and duration. Sorted by start time.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const broken = Telemetry.summarize(spans).filter((t) => t.broken)
 * ```
 *
 * @category analysis
 * @since 0.2.0
 */
export const summarize = (spans: ReadonlyArray<Span>): Array<TraceSummary> => {
  const byTrace = groupByTrace(spans)
  const out: Array<TraceSummary> = []
  for (const [traceId, list] of byTrace) {
    const ids = new Set(list.map((s) => s.spanId))
    const roots = list.filter((s) => s.parentSpanId === undefined)
    const orphans = list
      .filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))
      .map((s) => ({ spanId: s.spanId, name: s.name, parentSpanId: s.parentSpanId! }))
    const start = Math.min(...list.map((s) => s.startMs))
    const end = Math.max(...list.map((s) => s.startMs + s.durationMs))
    const root = roots[0]
    // The root's id, else the one id all spans share: a pipeline trace holds many requests and has none.
    const correlations = new Set(list.map(correlationOf).filter((v) => v !== undefined))
    const correlation =
      (root === undefined ? undefined : correlationOf(root)) ??
      (correlations.size === 1 ? [...correlations][0] : undefined)
    const problems: Array<string> = []
    if (orphans.length > 0)
      problems.push(
        `${orphans.length} orphan span(s): ${orphans
          .slice(0, 3)
          .map((o) => `${o.name} (${o.spanId}) names parent ${o.parentSpanId}, which never arrived`)
          .join(", ")}`
      )
    if (roots.length === 0) problems.push("no root span")
    if (roots.length > 1) problems.push(`${roots.length} root spans`)
    out.push({
      traceId,
      root: root === undefined ? undefined : `${root.service} ${root.name}`,
      correlationId: correlation,
      services: [...new Set(list.map((s) => s.service))].sort(),
      spanCount: list.length,
      errorSpans: list.filter((s) => s.status.code === STATUS_ERROR).length,
      startMs: start,
      durationMs: Math.max(0, end - start),
      orphans,
      roots: roots.length,
      broken: problems.length > 0,
      problems
    })
  }
  return out.sort((a, b) => a.startMs - b.startMs || (a.traceId < b.traceId ? -1 : 1))
}

/**
 * Groups spans by trace id, each trace's spans by start time.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const traceCount = Telemetry.groupByTrace(spans).size
 * ```
 *
 * @category analysis
 * @since 0.2.0
 */
export const groupByTrace = (spans: ReadonlyArray<Span>): Map<string, Array<Span>> => {
  const byTrace = new Map<string, Array<Span>>()
  for (const s of spans) {
    const list = byTrace.get(s.traceId)
    if (list === undefined) byTrace.set(s.traceId, [s])
    else list.push(s)
  }
  for (const list of byTrace.values()) list.sort((a, b) => a.startMs - b.startMs)
  return byTrace
}

/**
 * Options for {@link layer}.
 *
 * @category models
 * @since 0.2.0
 */
export interface LayerOptions {
  /** The run directory: files go to `<dir>/results/traces/<name>.jsonl` and `<dir>/results/metrics/<name>.json`. */
  readonly dir: string
  /** File name without extension. Default `"24h"`. */
  readonly name?: string
  /** `service.name` of the resource. Default `"24h"`. */
  readonly serviceName?: string
  /** Extra resource attributes (e.g. `{ "24h.run": runId }`). */
  readonly attributes?: Readonly<Record<string, unknown>>
  /**
   * Also export to this OTLP/HTTP base URL (`<endpoint>/v1/traces`, `/v1/metrics`). Default: the
   * `OTEL_EXPORTER_OTLP_ENDPOINT` environment variable; `null` turns forwarding off.
   */
  readonly endpoint?: string | null
  /** How often batches are written. Default 1 second; everything left is written when the layer's scope closes. */
  readonly exportInterval?: Duration.Input
}

/**
 * Records 24h's own spans and metrics for a run, with Effect's `OtlpTracer` and `OtlpMetrics` (batching, OTLP/JSON
 * serialisation, shutdown flush). Every `Effect.fn` / `Effect.withSpan` span beneath it is recorded; nothing in the
 * code under it needs to change. Provide it once around a run; the files are complete when its scope closes (or
 * after {@link flush}).
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { Telemetry } from "@24h/core"
 *
 * const requests = Metric.counter("http.requests")
 * const program = Metric.update(requests, 1).pipe(Effect.withSpan("iteration"))
 * Effect.runPromise(program.pipe(Effect.provide(Telemetry.layer({ dir: "runs/payments-01", endpoint: null }))))
 * ```
 *
 * @category layers
 * @since 0.2.0
 */
export const layer = (options: LayerOptions): Layer.Layer<OtlpExporter.Flusher> =>
  // The exporters and their HTTP stack load on first use, not with `@24h/core`.
  Layer.unwrap(Effect.promise(() => import("./internal/telemetry/layer.ts")).pipe(Effect.map((m) => m.make(options))))

/**
 * {@link layer} for the `Run.CurrentRun` in context: its directory, and its run id as the `24h.run` resource
 * attribute.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Run, Telemetry } from "@24h/core"
 *
 * const runLayer = Run.layer({ metadata: { ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments under load" } })
 * const program = Effect.withSpan(Effect.void, "step").pipe(
 *   Effect.provide(Telemetry.layerRun().pipe(Layer.provideMerge(runLayer)))
 * )
 * ```
 *
 * @category layers
 * @since 0.2.0
 */
export const layerRun = (
  options: Omit<LayerOptions, "dir"> = {}
): Layer.Layer<OtlpExporter.Flusher, never, CurrentRun> =>
  Layer.unwrap(
    Effect.map(CurrentRun, (run) =>
      layer({ ...options, dir: run.dir, attributes: { "24h.run": run.metadata.runId, ...options.attributes } })
    )
  )

/**
 * Writes every buffered span and the current metrics now (they are written anyway when the layer's scope closes).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 * const program = Effect.withSpan(Effect.void, "step").pipe(Effect.andThen(Telemetry.flush))
 * Effect.runPromise(program.pipe(Effect.provide(Telemetry.layer({ dir: "runs/payments-01", endpoint: null }))))
 * ```
 *
 * @category layers
 * @since 0.2.0
 */
export const flush: Effect.Effect<void, never, OtlpExporter.Flusher> = Effect.promise(
  () => import("effect/observability/OtlpExporter")
).pipe(Effect.flatMap((m) => Effect.flatMap(m.Flusher, (f) => f.flush)))

/**
 * Ties a correlation id to the telemetry beneath: every span gets `correlation.id`, every log line `correlationId`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 * const iteration = Effect.logInfo("sent").pipe(Effect.withSpan("load.iteration"), Telemetry.withCorrelationId("req-0042"))
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const withCorrelationId =
  (id: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    self.pipe(Effect.annotateSpans(CORRELATION_ATTRIBUTE, id), Log.withCorrelationId(id))

/**
 * True under {@link layer}: 24h's own metrics (`24h.load.*`, `24h.proxy.*`, `24h.mock.http.*`, …) and the spans
 * opened from plain code (a proxy's connection, a mock's request) are recorded. Provide `true` yourself
 * (`Layer.succeed(Telemetry.Enabled, true)`) to record them into exporters of your own.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 * const on = Effect.runSync(Telemetry.Enabled) // false: no layer
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export const Enabled: Context.Reference<boolean> = instrumentsInternal.Enabled

/**
 * What instrumented plain code holds while telemetry is {@link Enabled}: metric updates and spans outside a fiber.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * declare const inst: Telemetry.Instruments
 * const span = inst.startSpan("Pump.batch", { kind: "internal", attributes: { size: 12 } })
 * inst.end(span)
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export type Instruments = instrumentsInternal.Instruments

/**
 * A counter series held as a plain number (from {@link Instruments}' `counter`): `add` costs an addition.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * declare const sent: Telemetry.CounterHandle
 * sent.add(1)
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export type CounterHandle = instrumentsInternal.CounterHandle

/**
 * A histogram series held as plain numbers (from {@link Instruments}' `histogram`).
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * declare const latency: Telemetry.HistogramHandle
 * latency.record(12.5)
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export type HistogramHandle = instrumentsInternal.HistogramHandle

/**
 * Options of {@link Instruments}' `startSpan`.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * const options: Telemetry.SpanOptions = { kind: "server", attributes: { "http.request.method": "GET" } }
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export type SpanOptions = instrumentsInternal.SpanOptions

/**
 * The {@link Instruments} of the current context, or `undefined` when telemetry is not {@link Enabled}. Read it once
 * when a resource is built; on the hot path, test it and keep plain numbers.
 *
 * @example
 * ```ts
 * import { Effect, Metric } from "effect"
 * import { Telemetry } from "@24h/core"
 * const pumped = Metric.counter("pump.batches")
 * const program = Effect.map(Telemetry.instruments, (inst) => () => inst?.update(pumped, 1))
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export const instruments: Effect.Effect<Instruments | undefined> = instrumentsInternal.instruments

/**
 * The W3C `traceparent` header of a span (`00-<trace id>-<span id>-<flags>`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Telemetry } from "@24h/core"
 * const header = Effect.map(Effect.currentSpan, Telemetry.traceparentOf)
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export const traceparentOf: (span: Tracer.AnySpan) => string = instrumentsInternal.traceparentOf

/**
 * Parses a W3C `traceparent` header into an external parent span; `undefined` when absent or malformed.
 *
 * @example
 * ```ts
 * import { Telemetry } from "@24h/core"
 * Telemetry.parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")?.traceId
 * // "4bf92f3577b34da6a3ce929d0e0e4736"
 * ```
 *
 * @category instrumentation
 * @since 0.2.0
 */
export const parseTraceparent: (header: string | undefined) => Tracer.ExternalSpan | undefined =
  instrumentsInternal.parseTraceparent
