import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Telemetry } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { program } from "./main.ts"

const outcomes = (r: { checks: ReadonlyArray<{ name: string; outcome: string }> }) =>
  Object.fromEntries(r.checks.map((c) => [c.name, c.outcome]))

describe("examples/traced-sut", () => {
  it("a healthy SUT: every request has one trace through every hop, continuing 24h's load iteration span", async () => {
    const r = await Effect.runPromise(program({ requests: 6, failSku: "sku-4" }))
    expect(outcomes(r)).toEqual({
      "every request has one trace": "pass",
      "every expected hop has a span": "pass",
      "no orphan spans": "pass",
      "error responses carry an error status": "pass",
      "counter 24h.load.iterations moved by 6": "pass",
      "counter checkout.requests moved by 6": "pass"
    })
    expect(r.sutSpans).toHaveLength(6 * 5)
    expect(r.findings).toEqual([])
    // HttpLoad sent each 24h.load.iteration span as traceparent: the SUT's gateway span is its child, across files.
    const iterations = new Map(r.allSpans.filter((s) => s.name === "24h.load.iteration").map((s) => [s.spanId, s]))
    const gateways = r.sutSpans.filter((s) => s.service === "gateway" && s.name.startsWith("GET "))
    expect(gateways).toHaveLength(6)
    for (const g of gateways) {
      const iteration = iterations.get(g.parentSpanId ?? "")
      expect(iteration?.traceId).toBe(g.traceId)
      expect(iteration?.attributes.correlationId).toBe(g.attributes["correlation.id"])
    }
    const [scenario] = Telemetry.summarize(r.allSpans).filter((t) => t.root === "24h traced-sut.scenario")
    expect(scenario?.services).toEqual(["24h", "gateway", "inventory", "orders"])
    expect(scenario?.broken).toBe(false)
    const failed = r.requests.find((q) => q.ok === false)!
    expect(failed.correlationId).toBe("baseline-000005") // sku-4
    const files = readFileSync(join(r.dir, "results", "traces", "sut.jsonl"), "utf8")
    expect(files).toContain('"service.name"')
  })

  it("json protocol: the same spans arrive over OTLP/HTTP JSON", async () => {
    const r = await Effect.runPromise(program({ requests: 3, protocol: "http/json" }))
    expect(r.sutSpans).toHaveLength(15)
    expect(r.checks.every((c) => c.outcome !== "fail")).toBe(true)
  })

  it("a hop that drops the trace context is reported as a broken trace, with a finding", async () => {
    const r = await Effect.runPromise(program({ requests: 4, dropContext: "orders" }))
    const traced = r.checks.find((c) => c.name === "every request has one trace")!
    expect(traced.outcome).toBe("fail")
    expect(traced.message).toBe("4 requests are split across several traces (a broken trace)")
    expect(traced.evidence?.join("\n")).toMatch(
      /broken \(context dropped\): baseline-000001 → traces [0-9a-f]{32} \+ [0-9a-f]{32}/
    )
    const hops = r.checks.find((c) => c.name === "every expected hop has a span")!
    expect(hops.outcome).toBe("fail")
    expect(hops.evidence).toContain(
      `baseline-000001 (trace ${r.sutSpans.find((s) => s.attributes["correlation.id"] === "baseline-000001" && s.service === "gateway")!.traceId}) lacks inventory`
    )
    expect(r.findings.map((f) => f.title)).toEqual([
      "Broken telemetry: every request has one trace — 4 requests are split across several traces (a broken trace)",
      "Broken telemetry: every expected hop has a span — 4 of 4 traced requests miss a hop in their trace"
    ])
    expect(r.findings[0]!.evidence.some((e) => e.includes("baseline-000001 → traces"))).toBe(true)
  })

  it("collector down, batching exporter: requests keep their latency, the outage's spans are lost — verdict drops", async () => {
    const r = await Effect.runPromise(program({ requests: 6, outage: { switch: { kind: "down" }, requests: 4 } }))
    expect(r.outage?.verdict).toBe("drops")
    expect(r.outage?.lost).toEqual(["outage-000001", "outage-000002", "outage-000003", "outage-000004"])
    expect(r.outage?.message).toBe(
      "the exporter drops telemetry: requests kept their latency, but 4 of 4 requests lost their spans"
    )
    // After the collector came back, the next requests are traced again.
    const traced = new Set(r.sutSpans.map((s) => s.attributes["correlation.id"]))
    expect(traced.has("recovered-000001") && traced.has("recovered-000002")).toBe(true)
    expect(r.findings.map((f) => f.type)).toEqual(["silent_failure"])
  })

  it("collector slow, exporter flushed on the request path: requests slow down, no span is lost — verdict blocks", async () => {
    const r = await Effect.runPromise(
      program({
        requests: 4,
        flushPerRequest: true,
        outage: { switch: { kind: "slow", ms: 400, rate: 1 }, requests: 3 }
      })
    )
    expect(r.outage?.verdict).toBe("blocks")
    expect(r.outage?.lost).toEqual([])
    expect(r.outage!.duringP50Ms).toBeGreaterThan(r.outage!.baselineP50Ms + 300)
    expect(r.findings.map((f) => f.type)).toEqual(["reliability"])
  })
})

describe("docs/tracing.md", () => {
  it("quotes this example verbatim", () => {
    const sources = ["./main.ts", "./sut.ts"].map((f) => readFileSync(new URL(f, import.meta.url), "utf8")).join("\n")
    const guide = readFileSync(new URL("../../docs/tracing.md", import.meta.url), "utf8")
    const quoted = [...guide.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!)
    expect(quoted.length).toBeGreaterThanOrEqual(6)
    for (const block of quoted) expect(sources).toContain(block)
  })
})
