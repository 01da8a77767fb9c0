/**
 * The trace and metric parts of a telemetry pack, built from a run's `results/traces/*.jsonl` and
 * `results/metrics/*.json` (every file together: a SUT's trace may continue a span of 24h's own).
 *
 * A trace is broken when it has orphans (a parent id that never arrived), no root or several roots, or when its
 * correlation id also appears in another trace (a hop dropped the trace context but kept the id).
 */
import { Telemetry } from "@24h/core"
import { z } from "zod"

const Summary = z.object({
  traceId: z.string(),
  root: z.string().nullable(),
  correlationId: z.string().nullable(),
  services: z.array(z.string()),
  spanCount: z.number().int().nonnegative(),
  errorSpans: z.number().int().nonnegative(),
  startTime: z.string(),
  durationMs: z.number().nonnegative(),
  broken: z.boolean(),
  problems: z.array(z.string())
})
export type Summary = z.infer<typeof Summary>

const WaterfallSpan = z.object({
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string(),
  service: z.string(),
  kind: z.number().int(),
  /** Offset from the trace's first span, in ms. */
  offsetMs: z.number(),
  durationMs: z.number().nonnegative(),
  error: z.boolean(),
  statusMessage: z.string().nullable()
})
export type WaterfallSpan = z.infer<typeof WaterfallSpan>

export const TraceReport = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  sources: z.array(z.string()),
  spans: z.number().int().nonnegative(),
  traces: z.number().int().nonnegative(),
  services: z.array(
    z.object({ service: z.string(), spans: z.number().int().nonnegative(), errorSpans: z.number().int().nonnegative() })
  ),
  slowest: z.array(Summary),
  failing: z.array(Summary),
  broken: z.array(Summary),
  /** Every trace, by start time (capped; `truncated` says how many were left out). */
  summaries: z.array(Summary),
  truncated: z.number().int().nonnegative(),
  /** The spans of the slowest, failing and broken traces, for the HTML waterfall. */
  waterfalls: z.record(z.string(), z.array(WaterfallSpan))
})
export type TraceReport = z.infer<typeof TraceReport>

export const MetricReport = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  sources: z.array(z.string()),
  metrics: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      service: z.string(),
      unit: z.string().nullable(),
      series: z.number().int().nonnegative(),
      /** Sum over series of each series' latest value (a counter's total, a histogram's count). */
      value: z.number(),
      sum: z.number().nullable()
    })
  )
})
export type MetricReport = z.infer<typeof MetricReport>

export interface TraceOptions {
  readonly slowest?: number
  readonly maxTraces?: number
  readonly maxWaterfalls?: number
  readonly maxWaterfallSpans?: number
}

const correlationOf = (s: Telemetry.Span): string | undefined => {
  const v = s.attributes[Telemetry.CORRELATION_ATTRIBUTE]
  return typeof v === "string" && v !== "" ? v : undefined
}

export const buildTraceReport = (
  name: string,
  sources: ReadonlyArray<string>,
  spans: ReadonlyArray<Telemetry.Span>,
  options: TraceOptions = {}
): TraceReport => {
  const byTrace = Telemetry.groupByTrace(spans)
  // correlation id → traces carrying it
  const tracesOf = new Map<string, Set<string>>()
  for (const s of spans) {
    const c = correlationOf(s)
    if (c === undefined) continue
    const set = tracesOf.get(c) ?? new Set<string>()
    set.add(s.traceId)
    tracesOf.set(c, set)
  }
  const summaries: Array<Summary> = Telemetry.summarize(spans).map((t) => {
    const problems = [...t.problems]
    const correlations = new Set((byTrace.get(t.traceId) ?? []).map(correlationOf).filter((c) => c !== undefined))
    for (const c of correlations) {
      const others = [...(tracesOf.get(c) ?? [])].filter((x) => x !== t.traceId)
      if (others.length > 0)
        problems.push(`correlation id ${c} is also in trace ${others.join(", ")} (a hop dropped the trace context)`)
    }
    return {
      traceId: t.traceId,
      root: t.root ?? null,
      correlationId: t.correlationId ?? null,
      services: [...t.services],
      spanCount: t.spanCount,
      errorSpans: t.errorSpans,
      startTime: new Date(t.startMs).toISOString(),
      durationMs: +t.durationMs.toFixed(3),
      broken: problems.length > 0,
      problems
    }
  })
  const bySlowest = [...summaries].sort((a, b) => b.durationMs - a.durationMs || (a.traceId < b.traceId ? -1 : 1))
  const slowest = bySlowest.slice(0, options.slowest ?? 10)
  const failing = bySlowest.filter((t) => t.errorSpans > 0).slice(0, 20)
  const broken = summaries.filter((t) => t.broken).slice(0, 50)
  const waterfalls: Record<string, Array<WaterfallSpan>> = {}
  const wanted = [...new Set([...failing, ...broken, ...slowest].map((t) => t.traceId))].slice(
    0,
    options.maxWaterfalls ?? 30
  )
  for (const id of wanted) {
    const list = byTrace.get(id) ?? []
    const t0 = Math.min(...list.map((s) => s.startMs))
    waterfalls[id] = list.slice(0, options.maxWaterfallSpans ?? 200).map((s) => ({
      spanId: s.spanId,
      parentSpanId: s.parentSpanId ?? null,
      name: s.name,
      service: s.service,
      kind: s.kind,
      offsetMs: +(s.startMs - t0).toFixed(3),
      durationMs: +s.durationMs.toFixed(3),
      error: s.status.code === Telemetry.STATUS_ERROR,
      statusMessage: s.status.message ?? null
    }))
  }
  const services = new Map<string, { spans: number; errorSpans: number }>()
  for (const s of spans) {
    const e = services.get(s.service) ?? { spans: 0, errorSpans: 0 }
    e.spans++
    if (s.status.code === Telemetry.STATUS_ERROR) e.errorSpans++
    services.set(s.service, e)
  }
  const max = options.maxTraces ?? 1000
  return {
    schemaVersion: 1,
    name,
    sources: [...sources],
    spans: spans.length,
    traces: summaries.length,
    services: [...services].map(([service, v]) => ({ service, ...v })).sort((a, b) => (a.service < b.service ? -1 : 1)),
    slowest,
    failing,
    broken,
    summaries: summaries.slice(0, max),
    truncated: Math.max(0, summaries.length - max),
    waterfalls
  }
}

export const buildMetricReport = (
  name: string,
  sources: ReadonlyArray<string>,
  points: ReadonlyArray<Telemetry.MetricPoint>
): MetricReport => {
  const groups = new Map<string, Map<string, Telemetry.MetricPoint>>()
  for (const p of points) {
    const key = `${p.service}\u0000${p.name}\u0000${p.kind}`
    const series = groups.get(key) ?? new Map<string, Telemetry.MetricPoint>()
    const sk = JSON.stringify(Object.entries(p.attributes).sort(([a], [b]) => (a < b ? -1 : 1)))
    const seen = series.get(sk)
    if (seen === undefined || BigInt(seen.timeUnixNano) <= BigInt(p.timeUnixNano)) series.set(sk, p)
    groups.set(key, series)
  }
  const metrics = [...groups.values()].map((series) => {
    const latest = [...series.values()]
    const first = latest[0]!
    const sums = latest.map((p) => p.sum).filter((s) => s !== undefined)
    return {
      name: first.name,
      kind: first.kind,
      service: first.service,
      unit: first.unit ?? null,
      series: latest.length,
      value: latest.reduce((n, p) => n + p.value, 0),
      sum: sums.length === 0 ? null : sums.reduce((n, s) => n + s, 0)
    }
  })
  metrics.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.name < b.name ? -1 : 1))
  return { schemaVersion: 1, name, sources: [...sources], metrics }
}
