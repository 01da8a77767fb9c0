/**
 * Completeness checks on collected telemetry, each a core `Check` (pass / fail / unknown) with evidence a reader
 * can verify (correlation ids, trace ids, span ids, counts):
 *
 * - {@link everyRequestTraced} — every request of the load has exactly one trace;
 * - {@link expectedHops} — every request's trace has a span from every expected hop;
 * - {@link noOrphans} — no span names a parent that never arrived;
 * - {@link errorsMarked} — a failed request's trace carries an error status;
 * - {@link counterMoved} — a metric counter moved as the load implies;
 * - {@link collectorOutage} — while the collector was down, did the SUT's requests slow down, or were its spans lost?
 *
 * Requests are matched to traces by the correlation id each span carries (`correlation.id` by default, the header
 * the load sends), so a hop that drops the trace context but keeps the id shows up as a request split across two
 * traces: a broken trace.
 *
 * @example
 * ```ts
 * import { Check, type Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 *
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const checks = TraceCheck.all(spans, {
 *   requests: [{ correlationId: "req-1", ok: true }],
 *   hops: ["gateway", "orders", "inventory"]
 * })
 * Check.combine(checks) // "pass" when every request has one whole trace
 * ```
 *
 * @since 0.2.0
 */
import { Check, Telemetry } from "@24h/core"

/**
 * One request the load made.
 *
 * @category models
 * @since 0.2.0
 */
export interface Request {
  readonly correlationId: string
  /** Whether the request succeeded; a failed one must leave an error status in its trace. */
  readonly ok?: boolean
}

/**
 * Options shared by the checks.
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** Span attributes that carry the correlation id, tried in order. Default `Telemetry.CORRELATION_ATTRIBUTES`. */
  readonly correlationAttributes?: ReadonlyArray<string>
  /** How many ids to list in evidence. Default 10. */
  readonly maxEvidence?: number
}

const SOURCE = "telemetry"
const attrsOf = (o: Options) => o.correlationAttributes ?? Telemetry.CORRELATION_ATTRIBUTES
const cap = (o: Options) => o.maxEvidence ?? 10

/**
 * The correlation id a span carries, if any.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const span: Telemetry.Span
 * TraceCheck.correlationOf(span, { correlationAttributes: ["correlation.id", "http.request.header.x-correlation-id"] })
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const correlationOf = (span: Telemetry.Span, options: Options = {}): string | undefined => {
  for (const key of attrsOf(options)) {
    const v = span.attributes[key]
    if (typeof v === "string" && v !== "") return v
    if (Array.isArray(v) && typeof v[0] === "string") return v[0]
  }
  return undefined
}

/**
 * Trace ids per correlation id.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const split = [...TraceCheck.tracesByCorrelation(spans)].filter(([, traces]) => traces.size > 1)
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const tracesByCorrelation = (
  spans: ReadonlyArray<Telemetry.Span>,
  options: Options = {}
): Map<string, Set<string>> => {
  const out = new Map<string, Set<string>>()
  for (const s of spans) {
    const id = correlationOf(s, options)
    if (id === undefined) continue
    const set = out.get(id)
    if (set === undefined) out.set(id, new Set([s.traceId]))
    else set.add(s.traceId)
  }
  return out
}

const list = (items: ReadonlyArray<string>, n: number) =>
  items.length <= n ? items.join(", ") : `${items.slice(0, n).join(", ")} … (+${items.length - n})`

/**
 * Every request has exactly one trace: `fail` when some have none (spans lost, or never made) or several (a hop
 * dropped the trace context); `unknown` when there were no requests.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * TraceCheck.everyRequestTraced(spans, [{ correlationId: "req-1" }, { correlationId: "req-2" }])
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const everyRequestTraced = (
  spans: ReadonlyArray<Telemetry.Span>,
  requests: ReadonlyArray<Request>,
  options: Options = {}
): Check.Check => {
  const name = "every request has one trace"
  if (requests.length === 0) return Check.unknown(name, "the load made no requests", { source: SOURCE })
  const byId = tracesByCorrelation(spans, options)
  const missing = requests.filter((r) => !byId.has(r.correlationId)).map((r) => r.correlationId)
  const split = requests
    .filter((r) => (byId.get(r.correlationId)?.size ?? 0) > 1)
    .map((r) => `${r.correlationId} → traces ${[...byId.get(r.correlationId)!].join(" + ")}`)
  const n = cap(options)
  const evidence = [
    `${requests.length} requests, ${requests.length - missing.length} with spans, ${split.length} split across traces`,
    ...(missing.length > 0 ? [`no trace: ${list(missing, n)}`] : []),
    ...(split.length > 0 ? [`broken (context dropped): ${list(split, n)}`] : [])
  ]
  const holds = missing.length === 0 && split.length === 0
  return Check.make(name, holds, {
    source: SOURCE,
    evidence,
    message: holds
      ? `all ${requests.length} requests have exactly one trace`
      : [
          missing.length > 0 ? `${missing.length} of ${requests.length} requests have no trace` : "",
          split.length > 0 ? `${split.length} requests are split across several traces (a broken trace)` : ""
        ]
          .filter((s) => s !== "")
          .join("; ")
  })
}

/**
 * A hop: a service name, and optionally a span name (or a pattern) it must produce.
 *
 * @category models
 * @since 0.2.0
 */
export type Hop = string | { readonly service: string; readonly name?: string | RegExp }

const hopLabel = (h: Hop) =>
  typeof h === "string" ? h : h.name === undefined ? h.service : `${h.service} ${String(h.name)}`
const hopMatches = (h: Hop, s: Telemetry.Span) => {
  if (typeof h === "string") return s.service === h
  if (s.service !== h.service) return false
  if (h.name === undefined) return true
  return typeof h.name === "string" ? s.name === h.name : h.name.test(s.name)
}

/**
 * Every request's trace (the trace of its first span) has a span from every expected hop; a hop that dropped the
 * context shows up here as missing from the request's trace.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * TraceCheck.expectedHops(spans, [{ correlationId: "req-1" }], ["gateway", { service: "orders", name: /^POST / }])
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const expectedHops = (
  spans: ReadonlyArray<Telemetry.Span>,
  requests: ReadonlyArray<Request>,
  hops: ReadonlyArray<Hop>,
  options: Options = {}
): Check.Check => {
  const name = "every expected hop has a span"
  if (requests.length === 0 || hops.length === 0)
    return Check.unknown(name, "no requests or no expected hops", { source: SOURCE })
  const byTrace = Telemetry.groupByTrace(spans)
  const firstTrace = new Map<string, string>()
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const id = correlationOf(s, options)
    if (id !== undefined && !firstTrace.has(id)) firstTrace.set(id, s.traceId)
  }
  const gaps: Array<string> = []
  let judged = 0
  for (const r of requests) {
    const traceId = firstTrace.get(r.correlationId)
    if (traceId === undefined) continue
    judged++
    const inTrace = byTrace.get(traceId) ?? []
    const absent = hops.filter((h) => !inTrace.some((s) => hopMatches(h, s))).map(hopLabel)
    if (absent.length > 0) gaps.push(`${r.correlationId} (trace ${traceId}) lacks ${absent.join(", ")}`)
  }
  if (judged === 0) return Check.unknown(name, "no request has a trace to look into", { source: SOURCE })
  return Check.make(name, gaps.length === 0, {
    source: SOURCE,
    message:
      gaps.length === 0
        ? `all ${judged} traced requests cross ${hops.map(hopLabel).join(" → ")}`
        : `${gaps.length} of ${judged} traced requests miss a hop in their trace`,
    evidence: [`expected hops: ${hops.map(hopLabel).join(", ")}`, ...gaps.slice(0, cap(options))]
  })
}

/**
 * No orphan spans: every parent span id that a span names arrived, in the same trace.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * TraceCheck.noOrphans(spans).outcome
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const noOrphans = (spans: ReadonlyArray<Telemetry.Span>, options: Options = {}): Check.Check => {
  const name = "no orphan spans"
  if (spans.length === 0) return Check.unknown(name, "no spans were collected", { source: SOURCE })
  const traces = Telemetry.summarize(spans)
  const orphans = traces.flatMap((t) =>
    t.orphans.map((o) => `${o.name} (span ${o.spanId}, trace ${t.traceId}) names parent ${o.parentSpanId}`)
  )
  return Check.make(name, orphans.length === 0, {
    source: SOURCE,
    message:
      orphans.length === 0
        ? `${spans.length} spans in ${traces.length} traces, every parent present`
        : `${orphans.length} spans name a parent that never arrived`,
    evidence: orphans.slice(0, cap(options))
  })
}

/**
 * A failed request leaves an error status (`status.code = 2`) on at least one span of its trace.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * TraceCheck.errorsMarked(spans, [{ correlationId: "req-9", ok: false }])
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const errorsMarked = (
  spans: ReadonlyArray<Telemetry.Span>,
  requests: ReadonlyArray<Request>,
  options: Options = {}
): Check.Check => {
  const name = "error responses carry an error status"
  const failed = requests.filter((r) => r.ok === false)
  if (failed.length === 0) return Check.unknown(name, "no request failed, nothing to judge", { source: SOURCE })
  const byId = new Map<string, Array<Telemetry.Span>>()
  for (const s of spans) {
    const id = correlationOf(s, options)
    if (id === undefined) continue
    const l = byId.get(id)
    if (l === undefined) byId.set(id, [s])
    else l.push(s)
  }
  const untraced = failed.filter((r) => !byId.has(r.correlationId))
  const unmarked = failed.filter((r) =>
    byId.get(r.correlationId)?.every((s) => s.status.code !== Telemetry.STATUS_ERROR)
  )
  const judged = failed.length - untraced.length
  if (judged === 0) return Check.unknown(name, `${failed.length} failed requests, none traced`, { source: SOURCE })
  return Check.make(name, unmarked.length === 0, {
    source: SOURCE,
    message:
      unmarked.length === 0
        ? `all ${judged} traced failed requests have an error span`
        : `${unmarked.length} of ${judged} failed requests have no span with an error status`,
    evidence: [
      `${failed.length} failed requests, ${untraced.length} untraced`,
      ...unmarked.slice(0, cap(options)).map((r) => `${r.correlationId}: every span has status unset or ok`)
    ]
  })
}

/**
 * Options of {@link counterMoved}.
 *
 * @category models
 * @since 0.2.0
 */
export interface CounterOptions {
  /** Metric name. */
  readonly metric: string
  /** By how much it should have moved (e.g. the number of requests the load made). */
  readonly expected: number
  /** Only points whose attributes include these. */
  readonly attributes?: Readonly<Record<string, unknown>>
  /** Allowed relative shortfall or excess (0.01 = 1 %). Default 0. */
  readonly tolerance?: number
  /** Points before the load (cumulative counters start there). Default: none (from zero). */
  readonly before?: ReadonlyArray<Telemetry.MetricPoint>
}

const counterValue = (points: ReadonlyArray<Telemetry.MetricPoint>, o: CounterOptions): number | undefined => {
  const matching = points.filter(
    (p) => p.name === o.metric && Object.entries(o.attributes ?? {}).every(([k, v]) => p.attributes[k] === v)
  )
  if (matching.length === 0) return undefined
  // Per attribute set, the latest point (a cumulative counter's total); summed across sets.
  const latest = new Map<string, Telemetry.MetricPoint>()
  for (const p of matching) {
    const key = JSON.stringify(Object.entries(p.attributes).sort(([a], [b]) => (a < b ? -1 : 1)))
    const seen = latest.get(key)
    if (seen === undefined || BigInt(seen.timeUnixNano) <= BigInt(p.timeUnixNano)) latest.set(key, p)
  }
  return [...latest.values()].reduce((n, p) => n + p.value, 0)
}

/**
 * A counter moved as the load implies: `after − before` equals `expected` within `tolerance`. `unknown` when the
 * metric was never exported.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const points: ReadonlyArray<Telemetry.MetricPoint>
 * TraceCheck.counterMoved(points, { metric: "http.server.requests", expected: 200, tolerance: 0.01 })
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const counterMoved = (after: ReadonlyArray<Telemetry.MetricPoint>, options: CounterOptions): Check.Check => {
  const name = `counter ${options.metric} moved by ${options.expected}`
  const end = counterValue(after, options)
  if (end === undefined)
    return Check.unknown(name, `metric ${options.metric} was never exported`, {
      source: SOURCE,
      evidence: [`metrics seen: ${list([...new Set(after.map((p) => p.name))], 10) || "none"}`]
    })
  const start = counterValue(options.before ?? [], options) ?? 0
  const moved = end - start
  const tolerance = options.tolerance ?? 0
  const holds = Math.abs(moved - options.expected) <= tolerance * Math.max(1, options.expected)
  return Check.make(name, holds, {
    source: SOURCE,
    message: `${options.metric} moved by ${moved} (expected ${options.expected}${tolerance > 0 ? ` ± ${tolerance * 100}%` : ""})`,
    evidence: [`before ${start}, after ${end}`]
  })
}

/**
 * Runs the checks that the given expectations allow: requests traced, hops, orphans, error statuses.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const checks = TraceCheck.all(spans, { requests: [{ correlationId: "req-1", ok: false }], hops: ["api", "db"] })
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const all = (
  spans: ReadonlyArray<Telemetry.Span>,
  expectations: Options & { readonly requests?: ReadonlyArray<Request>; readonly hops?: ReadonlyArray<Hop> }
): Array<Check.Check> => {
  const requests = expectations.requests ?? []
  return [
    everyRequestTraced(spans, requests, expectations),
    ...(expectations.hops === undefined ? [] : [expectedHops(spans, requests, expectations.hops, expectations)]),
    noOrphans(spans, expectations),
    errorsMarked(spans, requests, expectations)
  ]
}

/**
 * The measurements of a collector outage: request latencies before and during it, and the requests made during it.
 *
 * @category models
 * @since 0.2.0
 */
export interface OutageInput {
  /** Latencies (ms) of requests while the collector was healthy. */
  readonly baselineMs: ReadonlyArray<number>
  /** Latencies (ms) of requests while the collector was down (or misbehaving). */
  readonly duringMs: ReadonlyArray<number>
  /** Requests made while the collector was down. */
  readonly during: ReadonlyArray<Request>
  /** Every span collected by the end (after the collector came back and the SUT flushed). */
  readonly spans: ReadonlyArray<Telemetry.Span>
  /** A slowdown counts when the median grows by this factor … Default 2. */
  readonly factor?: number
  /** … and by at least this many ms. Default 100. */
  readonly minSlowdownMs?: number
}

/**
 * What an outage did: `blocks` (requests slowed), `drops` (spans lost), `blocks-and-drops`, or `neither`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Outage {
  readonly verdict: "blocks" | "drops" | "blocks-and-drops" | "neither"
  readonly message: string
  readonly baselineP50Ms: number
  readonly duringP50Ms: number
  readonly lost: ReadonlyArray<string>
  readonly checks: ReadonlyArray<Check.Check>
}

const median = (xs: ReadonlyArray<number>) => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor((s.length - 1) / 2)]!
}

/**
 * Judges a collector outage (`OtlpSink` switched `down`, `hang`, `slow` or answering 429/503): did the SUT's requests
 * slow down (its exporter blocks the request path), or were the spans of the requests made during the outage lost
 * (its exporter drops)? Two checks, and a verdict that says which.
 *
 * @example
 * ```ts
 * import type { Telemetry } from "@24h/core"
 * import { TraceCheck } from "@24h/mocks"
 * declare const spans: ReadonlyArray<Telemetry.Span>
 * const outage = TraceCheck.collectorOutage({
 *   baselineMs: [4, 5, 6], duringMs: [5, 4, 6], during: [{ correlationId: "req-7" }], spans
 * })
 * outage.verdict // "drops" when req-7 has no span
 * ```
 *
 * @category checks
 * @since 0.2.0
 */
export const collectorOutage = (input: OutageInput, options: Options = {}): Outage => {
  const factor = input.factor ?? 2
  const minMs = input.minSlowdownMs ?? 100
  const base = median(input.baselineMs)
  const during = median(input.duringMs)
  const slowed = Number.isFinite(base) && Number.isFinite(during) && during > base * factor && during - base >= minMs
  const traced = tracesByCorrelation(input.spans, options)
  const lost = input.during.filter((r) => !traced.has(r.correlationId)).map((r) => r.correlationId)
  const latency =
    Number.isNaN(base) || Number.isNaN(during)
      ? Check.unknown("SUT requests keep their latency while the collector is down", "no latency samples", {
          source: SOURCE
        })
      : Check.make("SUT requests keep their latency while the collector is down", !slowed, {
          source: SOURCE,
          message: `median ${during.toFixed(1)} ms during the outage vs ${base.toFixed(1)} ms before`,
          evidence: [
            `${input.baselineMs.length} requests before, ${input.duringMs.length} during; slowdown threshold ×${factor} and +${minMs} ms`
          ]
        })
  const delivery =
    input.during.length === 0
      ? Check.unknown("spans made while the collector is down are delivered", "no request during the outage", {
          source: SOURCE
        })
      : Check.make("spans made while the collector is down are delivered", lost.length === 0, {
          source: SOURCE,
          message: `${input.during.length - lost.length} of ${input.during.length} requests made during the outage have spans`,
          evidence: lost.length === 0 ? [] : [`lost: ${list(lost, cap(options))}`]
        })
  const drops = lost.length > 0
  const verdict = slowed && drops ? "blocks-and-drops" : slowed ? "blocks" : drops ? "drops" : "neither"
  const message = {
    blocks: "the exporter blocks requests: they slowed down while the collector was down, and no span was lost",
    drops: `the exporter drops telemetry: requests kept their latency, but ${lost.length} of ${input.during.length} requests lost their spans`,
    "blocks-and-drops": `the exporter blocks requests and still loses spans (${lost.length} of ${input.during.length})`,
    neither: "requests kept their latency and every span arrived once the collector came back"
  }[verdict]
  return { verdict, message, baselineP50Ms: base, duringP50Ms: during, lost, checks: [latency, delivery] }
}
