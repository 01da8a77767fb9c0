/**
 * 24h's own telemetry across the packages: a chaos pipeline whose `Load` drives a real HttpMock through a real
 * TcpProxy (HttpLoad over 127.0.0.1), under `Telemetry.layer`; the metrics and spans it wrote agree with what each
 * part reports about itself.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
import { Load, Pipeline, Telemetry } from "@24h/core"
import { HttpLoad, HttpMock } from "@24h/mocks"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"

const dirs: Array<string> = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const REQUESTS = 24

/** The scenario; returns what each part says about itself. */
const scenario = (dir: string, spans = true) =>
  Effect.scoped(
    Effect.gen(function* () {
      const mock = yield* HttpMock.make({
        seed: 1,
        routes: [{ method: "GET", path: "/orders/:id", respond: { status: 200, json: { ok: true } } }]
      })
      const proxy = yield* TcpProxy.make({ name: "orders", upstream: `127.0.0.1:${mock.port}`, seed: 1 })
      const get = yield* HttpLoad.iteration({ url: `http://127.0.0.1:${proxy.port}/orders/1`, connections: 2 })
      const latency = FaultSchedule.toxic(proxy, Toxic.latency({ name: "slow", latency: 5 }))
      const result = yield* Pipeline.chaos({
        name: "orders",
        dir,
        load: { model: Load.iterations(REQUESTS, 2), iteration: get, options: { spans } },
        faults: [
          { fault: latency, at: 0, duration: 40 },
          { fault: latency, at: 80, duration: 40 }
        ]
      })
      const journal = yield* mock.journal
      return { result, journal, proxy }
    })
  )

describe("24h's own telemetry", () => {
  it("metrics and spans of a pipeline with a load through a proxy to a mock agree with each part's own counts", async () => {
    const dir = tempDir()
    const { result, journal, proxy, stats } = await Effect.runPromise(
      Effect.gen(function* () {
        const out = yield* scenario(dir)
        // The proxy closed with its scope: every connection reported its bytes.
        return { ...out, stats: yield* out.proxy.stats }
      }).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))
    )
    expect(result.verdict).toBe("pass")
    expect(proxy.name).toBe("orders")
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    const total = (name: string, where: (a: Readonly<Record<string, unknown>>) => boolean = () => true) =>
      points.filter((p) => p.name === name && where(p.attributes)).reduce((n, p) => n + p.value, 0)

    expect(total("24h.load.iterations", (a) => a.load === "orders")).toBe(REQUESTS)
    expect(total("24h.load.errors")).toBe(0)
    expect(total("24h.load.latency")).toBe(REQUESTS) // a histogram's value is its count
    expect(journal.requests).toHaveLength(REQUESTS)
    expect(total("24h.mock.http.requests")).toBe(journal.requests.length)
    expect(
      total(
        "24h.mock.http.requests",
        (a) => a["http.route"] === "/orders/:id" && a["http.response.status_class"] === "2xx"
      )
    ).toBe(REQUESTS)
    const up = total("24h.proxy.bytes", (a) => a.direction === "upstream")
    const down = total("24h.proxy.bytes", (a) => a.direction === "downstream")
    expect(up).toBeGreaterThan(0)
    expect(up).toBe(stats.upstream.received)
    expect(down).toBe(stats.downstream.received)
    expect(total("24h.proxy.connections")).toBe(stats.connectionsTotal)
    expect(total("24h.proxy.toxics_applied")).toBe(2)
    expect(total("24h.faults.applied", (a) => a["fault.name"] === "slow")).toBe(result.faultWindows.length)
    expect(result.faultWindows).toHaveLength(2)
    expect(total("24h.pipeline.runs", (a) => a["pipeline.kind"] === "chaos" && a["pipeline.verdict"] === "pass")).toBe(
      1
    )

    const spans = await Effect.runPromise(Telemetry.readSpans(dir))
    const connections = spans.filter((s) => s.name === "TcpProxy.connection")
    expect(connections).toHaveLength(stats.connectionsTotal)
    expect(connections.reduce((n, s) => n + Number(s.attributes["24h.proxy.bytes.upstream"]), 0)).toBe(up)
    // HttpLoad's traceparent makes every HttpMock request span a child of its load iteration span.
    const iterations = new Map(spans.filter((s) => s.name === "24h.load.iteration").map((s) => [s.spanId, s]))
    expect(iterations.size).toBe(REQUESTS)
    const requests = spans.filter((s) => s.name === "HttpMock.request")
    expect(requests).toHaveLength(REQUESTS)
    for (const r of requests) {
      const parent = iterations.get(r.parentSpanId ?? "")
      expect(parent?.traceId).toBe(r.traceId)
      expect(r.attributes[Telemetry.CORRELATION_ATTRIBUTE]).toBe(parent?.attributes.correlationId)
    }
    // The journal carries the same ids.
    const entry = journal.requests[0]!
    expect(entry.correlationId).toMatch(/^orders-\d{6}$/)
    expect(requests.some((r) => r.traceId === entry.traceId)).toBe(true)
  })

  it("without the layer nothing is written and nothing fails", async () => {
    const dir = tempDir()
    const { result, journal } = await Effect.runPromise(scenario(dir, false))
    expect(result.verdict).toBe("pass")
    expect(journal.requests).toHaveLength(REQUESTS)
    expect(readdirSync(join(dir, "results"))).not.toContain("traces")
    expect(readdirSync(join(dir, "results"))).not.toContain("metrics")
    expect(await Effect.runPromise(Telemetry.readMetrics(dir))).toEqual([])
    // Without iteration spans, HttpLoad sends no traceparent.
    expect(journal.requests.every((e) => e.traceId === undefined)).toBe(true)
  })
})
