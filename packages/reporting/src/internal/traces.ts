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

const RequestSummary = z.object({
  /** `<traceId>` when the request is its trace's root, else `<traceId>-<spanId>`: the waterfall's key. */
  key: z.string(),
  correlationId: z.string(),
  traceId: z.string(),
  spanId: z.string(),
  root: z.string(),
  services: z.array(z.string()),
  spanCount: z.number().int().nonnegative(),
  errorSpans: z.number().int().nonnegative(),
  startTime: z.string(),
  durationMs: z.number().nonnegative()
})
export type RequestSummary = z.infer<typeof RequestSummary>

const Waterfall = z.object({
  kind: z.enum(["slowest request", "failing request", "broken trace", "slowest trace"]),
  traceId: z.string(),
  correlationId: z.string().nullable(),
  title: z.string(),
  durationMs: z.number().nonnegative(),
  problems: z.array(z.string()),
  spans: z.array(WaterfallSpan)
})
export type Waterfall = z.infer<typeof Waterfall>

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
  /**
   * Requests: the spans that carry a correlation id their parent does not (a load iteration, a request the SUT
   * received without one upstream), with everything beneath them — across services when the SUT continued the trace.
   */
  requests: z.object({
    total: z.number().int().nonnegative(),
    slowest: z.array(RequestSummary),
    failing: z.array(RequestSummary)
  }),
  /** What the HTML waterfall draws: the slowest and failing requests, the broken traces, by key. */
  waterfalls: z.record(z.string(), Waterfall)
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

const correlationOf = Telemetry.correlationOf

/** Request roots (a span whose correlation id its parent does not carry) and their subtrees. */
const requestsOf = (byTrace: Map<string, Array<Telemetry.Span>>) => {
  const out: Array<{ summary: RequestSummary; spans: Array<Telemetry.Span> }> = []
  for (const [traceId, list] of byTrace) {
    const byId = new Map(list.map((x) => [x.spanId, x]))
    const children = new Map<string, Array<Telemetry.Span>>()
    for (const x of list) {
      if (x.parentSpanId === undefined) continue
      const l = children.get(x.parentSpanId) ?? []
      l.push(x)
      children.set(x.parentSpanId, l)
    }
    for (const x of list) {
      const id = correlationOf(x)
      if (id === undefined) continue
      const parent = x.parentSpanId === undefined ? undefined : byId.get(x.parentSpanId)
      if (parent !== undefined && correlationOf(parent) === id) continue
      const sub: Array<Telemetry.Span> = []
      const visit = (s: Telemetry.Span) => {
        sub.push(s)
        for (const c of children.get(s.spanId) ?? []) visit(c)
      }
      visit(x)
      const end = Math.max(...sub.map((y) => y.startMs + y.durationMs))
      out.push({
        spans: sub.sort((a, b) => a.startMs - b.startMs),
        summary: {
          key: x.parentSpanId === undefined ? traceId : `${traceId}-${x.spanId}`,
          correlationId: id,
          traceId,
          spanId: x.spanId,
          root: `${x.service} ${x.name}`,
          services: [...new Set(sub.map((y) => y.service))].sort(),
          spanCount: sub.length,
          errorSpans: sub.filter((y) => y.status.code === Telemetry.STATUS_ERROR).length,
          startTime: new Date(x.startMs).toISOString(),
          durationMs: +Math.max(0, end - x.startMs).toFixed(3)
        }
      })
    }
  }
  return out
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
  const rows = (list: ReadonlyArray<Telemetry.Span>): Array<WaterfallSpan> => {
    const t0 = Math.min(...list.map((x) => x.startMs))
    return list.slice(0, options.maxWaterfallSpans ?? 200).map((x) => ({
      spanId: x.spanId,
      parentSpanId: x.parentSpanId ?? null,
      name: x.name,
      service: x.service,
      kind: x.kind,
      offsetMs: +(x.startMs - t0).toFixed(3),
      durationMs: +x.durationMs.toFixed(3),
      error: x.status.code === Telemetry.STATUS_ERROR,
      statusMessage: x.status.message ?? null
    }))
  }
  const requests = requestsOf(byTrace)
  const byDuration = [...requests].sort(
    (a, b) => b.summary.durationMs - a.summary.durationMs || (a.summary.key < b.summary.key ? -1 : 1)
  )
  const slowestRequests = byDuration.slice(0, options.slowest ?? 10)
  const failingRequests = byDuration.filter((r) => r.summary.errorSpans > 0).slice(0, 20)
  const waterfalls: Record<string, Waterfall> = {}
  const max = options.maxWaterfalls ?? 30
  const add = (key: string, w: Waterfall) => {
    if (waterfalls[key] === undefined && Object.keys(waterfalls).length < max) waterfalls[key] = w
  }
  const summaryOf = new Map(summaries.map((t) => [t.traceId, t]))
  for (const t of broken)
    add(t.traceId, {
      kind: "broken trace",
      traceId: t.traceId,
      correlationId: t.correlationId,
      title: t.root ?? "no root",
      durationMs: t.durationMs,
      problems: t.problems,
      spans: rows(byTrace.get(t.traceId) ?? [])
    })
  const addRequest = (kind: "slowest request" | "failing request", r: (typeof requests)[number]) =>
    add(r.summary.key, {
      kind,
      traceId: r.summary.traceId,
      correlationId: r.summary.correlationId,
      title: r.summary.root,
      durationMs: r.summary.durationMs,
      problems: summaryOf.get(r.summary.traceId)?.problems ?? [],
      spans: rows(r.spans)
    })
  for (const r of failingRequests) addRequest("failing request", r)
  for (const r of slowestRequests) addRequest("slowest request", r)
  // Traces without any request (no correlation id anywhere): their slowest ones.
  const withRequests = new Set(requests.map((r) => r.summary.traceId))
  for (const t of slowest.filter((x) => !withRequests.has(x.traceId)))
    add(t.traceId, {
      kind: "slowest trace",
      traceId: t.traceId,
      correlationId: t.correlationId,
      title: t.root ?? "no root",
      durationMs: t.durationMs,
      problems: t.problems,
      spans: rows(byTrace.get(t.traceId) ?? [])
    })
  const services = new Map<string, { spans: number; errorSpans: number }>()
  for (const s of spans) {
    const e = services.get(s.service) ?? { spans: 0, errorSpans: 0 }
    e.spans++
    if (s.status.code === Telemetry.STATUS_ERROR) e.errorSpans++
    services.set(s.service, e)
  }
  const maxTraces = options.maxTraces ?? 1000
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
    summaries: summaries.slice(0, maxTraces),
    truncated: Math.max(0, summaries.length - maxTraces),
    requests: {
      total: requests.length,
      slowest: slowestRequests.map((r) => r.summary),
      failing: failingRequests.map((r) => r.summary)
    },
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
