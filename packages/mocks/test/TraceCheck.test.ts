import type { Telemetry } from "@24h/core"
import { describe, expect, it } from "vitest"
import { TraceCheck } from "../src/index.ts"

let next = 0
const id = (len: number) => (++next).toString(16).padStart(len, "0")
const span = (over: Partial<Telemetry.Span> & { service: string; traceId: string }): Telemetry.Span => ({
  spanId: id(16),
  parentSpanId: undefined,
  name: "op",
  kind: 2,
  scope: "s",
  startTimeUnixNano: "1000000",
  endTimeUnixNano: "2000000",
  startMs: next,
  durationMs: 1,
  attributes: {},
  status: { code: 0 },
  events: [],
  ...over
})

/** One request through gateway → orders → inventory; `broken` starts a new trace at inventory. */
const request = (correlationId: string, opts: { broken?: boolean; error?: boolean; orphan?: boolean } = {}) => {
  const traceId = id(32)
  const c = { "correlation.id": correlationId }
  const gw = span({ service: "gateway", traceId, attributes: c, status: { code: opts.error ? 2 : 0 } })
  const orders = span({ service: "orders", traceId, parentSpanId: opts.orphan ? id(16) : gw.spanId, attributes: c })
  const inv = opts.broken
    ? span({ service: "inventory", traceId: id(32), attributes: c })
    : span({ service: "inventory", traceId, parentSpanId: orders.spanId, attributes: c })
  return [gw, orders, inv]
}

describe("TraceCheck", () => {
  const hops = ["gateway", "orders", "inventory"]

  it("passes whole traces, and says unknown when there is nothing to judge", () => {
    const spans = [...request("r1"), ...request("r2", { error: true })]
    const reqs = [
      { correlationId: "r1", ok: true },
      { correlationId: "r2", ok: false }
    ]
    expect(TraceCheck.all(spans, { requests: reqs, hops }).map((c) => [c.name, c.outcome])).toEqual([
      ["every request has one trace", "pass"],
      ["every expected hop has a span", "pass"],
      ["no orphan spans", "pass"],
      ["error responses carry an error status", "pass"]
    ])
    expect(TraceCheck.everyRequestTraced([], []).outcome).toBe("unknown")
    expect(TraceCheck.noOrphans([]).outcome).toBe("unknown")
    expect(TraceCheck.errorsMarked(spans, [{ correlationId: "r1", ok: true }]).outcome).toBe("unknown")
  })

  it("a dropped context splits a request across traces and loses a hop", () => {
    const spans = [...request("r1"), ...request("r2", { broken: true })]
    const reqs = [{ correlationId: "r1" }, { correlationId: "r2" }, { correlationId: "r3" }]
    const traced = TraceCheck.everyRequestTraced(spans, reqs)
    expect(traced.outcome).toBe("fail")
    expect(traced.message).toBe(
      "1 of 3 requests have no trace; 1 requests are split across several traces (a broken trace)"
    )
    expect(traced.evidence![1]).toBe("no trace: r3")
    expect(traced.evidence![2]).toMatch(/^broken \(context dropped\): r2 → traces [0-9a-f]{32} \+ [0-9a-f]{32}$/)
    const h = TraceCheck.expectedHops(spans, reqs, hops)
    expect(h.outcome).toBe("fail")
    expect(h.evidence![1]).toMatch(/^r2 \(trace [0-9a-f]{32}\) lacks inventory$/)
  })

  it("finds orphans and unmarked errors", () => {
    const spans = [...request("r1", { orphan: true }), ...request("r2")]
    const o = TraceCheck.noOrphans(spans)
    expect(o.outcome).toBe("fail")
    expect(o.evidence![0]).toMatch(/^op \(span [0-9a-f]{16}, trace [0-9a-f]{32}\) names parent [0-9a-f]{16}$/)
    const e = TraceCheck.errorsMarked(spans, [{ correlationId: "r2", ok: false }])
    expect(e.outcome).toBe("fail")
    expect(e.evidence).toContain("r2: every span has status unset or ok")
  })

  it("counters: the latest point per series, minus before, against the load", () => {
    const point = (value: number, t: string, attributes = {}): Telemetry.MetricPoint => ({
      name: "http.requests",
      kind: "sum",
      service: "api",
      unit: undefined,
      attributes,
      value,
      sum: undefined,
      timeUnixNano: t
    })
    const after = [point(5, "1", { route: "a" }), point(9, "2", { route: "a" }), point(3, "2", { route: "b" })]
    expect(TraceCheck.counterMoved(after, { metric: "http.requests", expected: 12 }).outcome).toBe("pass")
    expect(
      TraceCheck.counterMoved(after, { metric: "http.requests", expected: 10, before: [point(2, "0", { route: "a" })] })
        .outcome
    ).toBe("pass")
    const short = TraceCheck.counterMoved(after, { metric: "http.requests", expected: 20, attributes: { route: "a" } })
    expect(short.outcome).toBe("fail")
    expect(short.message).toBe("http.requests moved by 9 (expected 20)")
    expect(TraceCheck.counterMoved(after, { metric: "nope", expected: 1 }).outcome).toBe("unknown")
  })

  it("collector outage: the verdict says whether requests slowed, spans were lost, both or neither", () => {
    const spans = request("r9")
    const base = { baselineMs: [5, 6, 5, 7], spans }
    const v = (duringMs: Array<number>, during: Array<string>) =>
      TraceCheck.collectorOutage({ ...base, duringMs, during: during.map((correlationId) => ({ correlationId })) })
    expect(v([5, 6], ["r9"]).verdict).toBe("neither")
    expect(v([5, 6], ["r9", "r10"]).verdict).toBe("drops")
    expect(v([900, 1100], ["r9"]).verdict).toBe("blocks")
    const both = v([900, 1100], ["r10"])
    expect(both.verdict).toBe("blocks-and-drops")
    expect(both.checks.map((c) => c.outcome)).toEqual(["fail", "fail"])
    expect(both.lost).toEqual(["r10"])
  })
})
