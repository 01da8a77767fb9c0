/**
 * HttpMock's telemetry (only built while `Telemetry.layer` is provided): the `24h.mock.http.*` metrics, and a
 * `HttpMock.request` span for the requests that ask for one.
 *
 * Spans follow the caller's sampling decision (OpenTelemetry's parent-based sampler): with `spans: "traced"` (the
 * default) a request gets a span only when it carries a sampled W3C `traceparent`, and that span is the caller's
 * child. A span costs ~20 µs of CPU (span, OTLP/JSON serialisation, file write; about what the official OpenTelemetry
 * SDK's costs), against ~28 µs for the whole request, so a request nobody traces costs the metrics only (measured in
 * benchmark/HttpMock.ts).
 */
import { Telemetry } from "@24h/core"
import { Metric, type Tracer } from "effect"
import type { JournalEntry, MockTelemetry } from "./engine.ts"

/** Which requests get a `HttpMock.request` span. */
export type SpanPolicy = "traced" | "all" | "none"

const requestsMetric = Metric.counter("24h.mock.http.requests", {
  description: "requests HttpMock answered (or cut), by method, route and status class",
  incremental: true
})
const errorsMetric = Metric.counter("24h.mock.http.errors", {
  description: "requests HttpMock answered 5xx or cut without a response (reset, hang)",
  incremental: true
})
const DURATION_BOUNDARIES = Metric.exponentialBoundaries({ start: 0.25, factor: 2, count: 18 })
const durationMetric = Metric.histogram("24h.mock.http.duration", {
  description: "arrival to end of response, in ms",
  boundaries: DURATION_BOUNDARIES
})

interface Series {
  readonly requests: Telemetry.CounterHandle
  readonly errors: Telemetry.CounterHandle
  readonly duration: Telemetry.HistogramHandle
}

const rawHeader = (raw: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!
    if (k.length === name.length && k.toLowerCase() === name) return raw[i + 1]
  }
  return undefined
}

export const make = (inst: Telemetry.Instruments, policy: SpanPolicy): MockTelemetry => {
  // One set of metric series per method × route × status class, built on first use.
  const series = new Map<string, Series>()
  const seriesOf = (method: string, route: string, status: string): Series => {
    const key = `${method} ${route} ${status}`
    let s = series.get(key)
    if (s === undefined) {
      const attrs = { "http.request.method": method, "http.route": route, "http.response.status_class": status }
      s = {
        requests: inst.counter(requestsMetric, attrs),
        errors: inst.counter(errorsMetric, attrs),
        duration: inst.histogram(durationMetric, DURATION_BOUNDARIES, attrs)
      }
      series.set(key, s)
    }
    return s
  }
  return {
    started: (entry, raw) => {
      if (policy === "none") return undefined
      const parent = Telemetry.parseTraceparent(rawHeader(raw, "traceparent"))
      if (parent === undefined ? policy !== "all" : !parent.sampled) return undefined
      const span = inst.startSpan("HttpMock.request", { parent: parent ?? null, kind: "server" })
      span.attribute("http.request.method", entry.method)
      span.attribute("url.path", entry.path)
      const correlation = rawHeader(raw, "x-correlation-id")
      if (correlation !== undefined) span.attribute(Telemetry.CORRELATION_ATTRIBUTE, correlation)
      return span
    },
    ended: (entry: JournalEntry, routePath, started) => {
      const route = routePath ?? (entry.status === 404 ? "unmatched" : "none")
      const status = entry.status === undefined ? "none" : `${Math.floor(entry.status / 100)}xx`
      const s = seriesOf(entry.method, route, status)
      const failed = entry.status === undefined || entry.status >= 500
      s.requests.add(1)
      if (failed) s.errors.add(1)
      if (entry.endedAt !== undefined) s.duration.record(entry.endedAt - entry.at)
      const span = started as Tracer.Span | undefined
      if (span === undefined) return
      span.attribute("http.route", route)
      if (entry.status !== undefined) span.attribute("http.response.status_code", entry.status)
      if (entry.fault !== undefined) span.attribute("24h.mock.fault", entry.fault)
      inst.end(
        span,
        failed
          ? entry.status === undefined
            ? `no response (${entry.fault ?? "cut"})`
            : `answered ${entry.status}`
          : undefined
      )
    }
  }
}
