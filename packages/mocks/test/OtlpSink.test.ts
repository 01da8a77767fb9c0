import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { Telemetry } from "@24h/core"
import { Effect, Exit, Scope } from "effect"
import { Agent, request } from "undici"
import { afterEach, describe, expect, it } from "vitest"
import { OtlpSink } from "../src/index.ts"

const here = dirname(fileURLToPath(import.meta.url))
const sut = join(here, "fixtures", "otel-sdk-sut.mjs")

const scopes: Array<Scope.Closeable> = []
const agents: Array<Agent> = []
afterEach(async () => {
  for (const a of agents.splice(0)) await a.close()
  for (const s of scopes.splice(0)) await Effect.runPromise(Scope.close(s, Exit.void))
})

const start = async (options: OtlpSink.Options = {}) => {
  const scope = await Effect.runPromise(Scope.make())
  scopes.push(scope)
  return Effect.runPromise(OtlpSink.make(options).pipe(Scope.provide(scope)))
}
const agent = () => {
  const a = new Agent({ connections: 4 })
  agents.push(a)
  return a
}
const post = async (dispatcher: Agent, url: string, body: string | Buffer, headers: Record<string, string>) => {
  const r = await request(url, { dispatcher, method: "POST", body, headers })
  return { status: r.statusCode, headers: r.headers, text: await r.body.text() }
}

/** Runs the SDK fixture with the sink's OTEL_* environment; resolves with the spans it says it made. */
const runSdk = (env: Record<string, string>) =>
  new Promise<{ protocol: string; made: Array<{ traceId: string; spanId: string }> }>((resolve, reject) => {
    const child = spawn(process.execPath, [sut], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d
    })
    child.stderr.on("data", (d: Buffer) => {
      err += d
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.on("close", (code) => {
      clearTimeout(timer)
      if (code !== 0) reject(new Error(`SDK fixture exited ${code}: ${err}`))
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!))
    })
  })

const span = (id: { traceId: string; spanId: string }, parent?: string, name = "op") => ({
  traceId: id.traceId,
  spanId: id.spanId,
  ...(parent === undefined ? {} : { parentSpanId: parent }),
  name,
  kind: 2,
  startTimeUnixNano: "1700000000000000000",
  endTimeUnixNano: "1700000000005000000",
  attributes: [{ key: "http.route", value: { stringValue: "/x" } }],
  status: { code: 0 }
})
const traces = (spans: Array<unknown>) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "json-client" } }] },
      scopeSpans: [{ scope: { name: "t" }, spans }]
    }
  ]
})
const ids = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" }

describe("OtlpSink", () => {
  it.each(["http/protobuf", "http/json"])(
    "stores what the official OpenTelemetry SDK exports over %s: ids, parents, attributes, events and status",
    async (protocol) => {
      const dir = mkdtempSync(join(tmpdir(), "24h-otlp-"))
      const sink = await start({ dir })
      const sent = await runSdk({ ...sink.env, OTEL_EXPORTER_OTLP_PROTOCOL: protocol })
      expect(sent.protocol).toBe(protocol)
      const spans = await Effect.runPromise(sink.awaitSpans(3, "20 seconds"))
      expect(spans.map((s) => s.spanId).sort()).toEqual(sent.made.map((m) => m.spanId).sort())
      const [root, db, pay] = sent.made.map((m) => spans.find((s) => s.spanId === m.spanId)!)
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([sent.made[0]!.traceId]))
      expect(root!.parentSpanId).toBeUndefined()
      expect(db!.parentSpanId).toBe(root!.spanId)
      expect(pay!.parentSpanId).toBe(root!.spanId)
      expect(root).toMatchObject({ name: "GET /orders", kind: 2, service: "sdk-sut", scope: "sdk-sut-tracer" })
      expect(root!.status.code).toBe(1)
      expect(pay!.status).toEqual({ code: 2, message: "card declined" })
      expect(db!.attributes).toEqual({
        "db.rows": 3,
        "db.ratio": 0.5,
        "db.cached": true,
        "db.tables": ["orders", "lines"]
      })
      expect(db!.events.map((e) => e.name)).toEqual(["rows fetched"])
      expect(db!.durationMs).toBeGreaterThanOrEqual(0)
      // The same spans are in the run directory, as OTLP/JSON, readable by Telemetry.
      const stored = await Effect.runPromise(Telemetry.readSpans(dir))
      expect(stored.map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanId).sort())
      const stats = await Effect.runPromise(sink.stats)
      expect(stats.traces.items).toBe(3)
      expect(stats.traces.rejected).toBe(0)
    }
  )

  it("answers a body that is not OTLP with a 400 naming the field and the value, and stores nothing", async () => {
    const sink = await start()
    const a = agent()
    const json = { "content-type": "application/json" }
    const bad = await post(a, `${sink.url}/v1/traces`, JSON.stringify(traces([{ ...span(ids), traceId: "xyz" }])), json)
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.text).message).toBe(
      '/v1/traces: resourceSpans.0.scopeSpans.0.spans.0.traceId: must be 32 hex digits (OTLP/JSON ids are hex) (got "xyz")'
    )
    const notJson = await post(a, `${sink.url}/v1/metrics`, "{nope", json)
    expect(notJson.status).toBe(400)
    expect(JSON.parse(notJson.text).message).toMatch(/^\/v1\/metrics: body is not JSON/)
    const missing = await post(a, `${sink.url}/v1/logs`, JSON.stringify({ logs: [] }), json)
    expect(JSON.parse(missing.text).message).toMatch(/^\/v1\/logs: resourceLogs: .* \(got undefined\)$/)
    const proto = await post(a, `${sink.url}/v1/traces`, Buffer.from([0x0a, 0xff, 0xff]), {
      "content-type": "application/x-protobuf"
    })
    expect(proto.status).toBe(400)
    expect(proto.headers["content-type"]).toBe("application/x-protobuf")
    const type = await post(a, `${sink.url}/v1/traces`, "x", { "content-type": "text/plain" })
    expect(type.status).toBe(415)
    const route = await post(a, `${sink.url}/v2/traces`, "{}", json)
    expect(route.status).toBe(404)
    expect(await Effect.runPromise(sink.spans)).toEqual([])
    const stats = await Effect.runPromise(sink.stats)
    expect(stats.traces.accepted + stats.metrics.accepted + stats.logs.accepted).toBe(0)
    expect(stats.traces.rejected).toBe(3)
  })

  it("accepts gzip bodies, metrics and logs, and stores them in the run directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-otlp-"))
    const sink = await start({ dir, name: "checkout" })
    const a = agent()
    const gz = { "content-type": "application/json", "content-encoding": "gzip" }
    const ok = await post(a, `${sink.url}/v1/traces`, gzipSync(JSON.stringify(traces([span(ids)]))), gz)
    expect(ok.status).toBe(200)
    const metrics = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "checkout" } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "http.server.requests",
                  sum: { dataPoints: [{ asInt: "7", timeUnixNano: "1" }], isMonotonic: true }
                }
              ]
            }
          ]
        }
      ]
    }
    expect(
      (await post(a, `${sink.url}/v1/metrics`, JSON.stringify(metrics), { "content-type": "application/json" })).status
    ).toBe(200)
    const logs = {
      resourceLogs: [
        {
          scopeLogs: [{ logRecords: [{ severityText: "ERROR", body: { stringValue: "boom" }, traceId: ids.traceId }] }]
        }
      ]
    }
    expect(
      (await post(a, `${sink.url}/v1/logs`, JSON.stringify(logs), { "content-type": "application/json" })).status
    ).toBe(200)
    expect(await Effect.runPromise(sink.metrics)).toMatchObject([
      { name: "http.server.requests", value: 7, service: "checkout" }
    ])
    expect(await Effect.runPromise(sink.logs)).toMatchObject([
      { body: "boom", severityText: "ERROR", traceId: ids.traceId }
    ])
    expect((await Effect.runPromise(Telemetry.readMetrics(dir)))[0]?.value).toBe(7)
    expect(readFileSync(sink.files!.traces, "utf8")).toContain(ids.spanId)
    expect(readFileSync(sink.files!.logs, "utf8")).toContain("boom")
  })

  it("switches: status answers 429 with Retry-After, slow delays, down refuses connections, and back up again", async () => {
    const sink = await start()
    const a = agent()
    const json = { "content-type": "application/json" }
    const body = JSON.stringify(traces([span(ids)]))
    await Effect.runPromise(sink.setSwitches([{ kind: "status", status: 429, retryAfter: 2, signal: "traces" }]))
    const throttled = await post(a, `${sink.url}/v1/traces`, body, json)
    expect(throttled.status).toBe(429)
    expect(throttled.headers["retry-after"]).toBe("2")
    expect((await post(a, `${sink.url}/v1/metrics`, JSON.stringify({ resourceMetrics: [] }), json)).status).toBe(200)

    await Effect.runPromise(sink.setSwitches([{ kind: "slow", ms: 150 }]))
    const t0 = performance.now()
    expect((await post(a, `${sink.url}/v1/traces`, body, json)).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140)

    await Effect.runPromise(sink.setSwitches([{ kind: "down" }]))
    const refused = await post(agent(), `${sink.url}/v1/traces`, body, json).then(
      () => "answered",
      (e: { code?: string }) => e.code
    )
    expect(refused).toBe("ECONNREFUSED")
    await Effect.runPromise(sink.setSwitches([]))
    expect((await post(agent(), `${sink.url}/v1/traces`, body, json)).status).toBe(200)
    const stats = await Effect.runPromise(sink.stats)
    expect(stats.traces).toMatchObject({ requests: 3, accepted: 2, switched: 2, items: 2 })
  })

  it("the admin endpoint flips switches over HTTP; down with forMs comes back by itself on the same port", async () => {
    const sink = await start()
    const a = agent()
    const json = { "content-type": "application/json" }
    const body = JSON.stringify(traces([span(ids)]))
    const set = await post(a, `${sink.url}/__admin/switches`, JSON.stringify({ kind: "status", status: 503 }), json)
    expect(set.status).toBe(200)
    expect((await post(a, `${sink.url}/v1/traces`, body, json)).status).toBe(503)
    const bad = await post(a, `${sink.url}/__admin/switches`, JSON.stringify([{ kind: "slow" }]), json)
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.text).error.message).toContain("OtlpSink.switches[0].ms")
    const stats = await request(`${sink.url}/__admin/stats`, { dispatcher: a })
    expect(((await stats.body.json()) as { traces: { switched: number } }).traces.switched).toBe(1)

    const t0 = performance.now()
    expect(
      (await post(a, `${sink.url}/__admin/switches`, JSON.stringify([{ kind: "down", forMs: 300 }]), json)).status
    ).toBe(200)
    // Bounded: the sink listens again after forMs; until then connections are refused.
    let answer = "ECONNREFUSED"
    while (answer !== "200" && performance.now() - t0 < 10_000) {
      answer = await post(a, `${sink.url}/v1/traces`, body, json).then(
        (r) => String(r.status),
        (e: { code?: string }) => e.code ?? "error"
      )
      if (answer !== "200") expect(answer).toBe("ECONNREFUSED")
    }
    expect(answer).toBe("200")
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290)
    expect(await Effect.runPromise(sink.spans)).toHaveLength(1)
  })

  it("rejects invalid switches and options with messages that name the field", async () => {
    const sink = await start()
    const e = await Effect.runPromise(Effect.flip(sink.setSwitches([{ kind: "status", status: 200 }])))
    expect(e.reason).toBe("InvalidSwitch")
    expect(e.message).toContain("OtlpSink.switches[0].status")
    expect(e.message).toContain("(got 200)")
    const o = await Effect.runPromise(Effect.flip(Effect.scoped(OtlpSink.make({ port: 70000 }))))
    expect(o.reason).toBe("InvalidOptions")
    expect(o.message).toContain("OtlpSink.make.port")
  })
})
