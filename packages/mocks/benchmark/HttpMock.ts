/**
 * HttpMock request-path benchmark, one run: requests/s and p99 latency under load against a bare `node:http` server
 * returning the same JSON, and against `mockttp` with the same route. The load generator (`child/load.ts`: N
 * concurrent undici clients, bounded by count and duration, loopback only) runs in a child process; the servers run
 * here (the load is `Load.run`). Targets are measured in interleaved rounds; medians are reported, and the ratio to
 * bare is the median of the per-round ratios.
 *
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/HttpMock.ts                       # 5 rounds × 5 s
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/HttpMock.ts --seconds 2 --rounds 1 # quick
 *
 * Tracing: "24h HttpMock, tracing on" is the same mock under `Telemetry.layer({ dir: <temp>, endpoint: null })` (the
 * `24h.mock.http.*` metrics on every request; no request carries a `traceparent`, so no span, the default policy);
 * "tracing on, a span per request" adds `spans: "all"` (a `HttpMock.request` span for every request). Both are
 * compared with "24h HttpMock" (tracing off) round by round. Target (issue #16): ≤ 5% slower with tracing on.
 * The peer for the span's own cost is the official OpenTelemetry SDK on the bare server ("bare node:http + OTel SDK
 * span"): `sdk-trace-base`'s BatchSpanProcessor (1 s delay, a queue that never drops, batches of 512) into the SDK's
 * own OTLP/JSON serializer, appended to a file like 24h's `results/traces/*.jsonl`; its cost is read against bare.
 * A span per request costs CPU whoever records it (span, OTLP/JSON serialisation, file write), so at saturation it
 * shows as fewer requests/s; "added" is that CPU per request, in µs.
 *
 * Target (issue): HttpMock ≥ 0.8× bare requests/s. The servers' CPU time per request (`process.cpuUsage`) is reported too: on a shared machine it is steadier than requests/s, which follows the neighbours' load.
 */
import { spawn } from "node:child_process"
import { appendFileSync, mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server, type ServerResponse } from "node:http"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Telemetry } from "@24h/core"
import { SpanKind } from "@opentelemetry/api"
import { ExportResultCode } from "@opentelemetry/core"
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer"
import { resourceFromAttributes } from "@opentelemetry/resources"
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base"
import { Effect, Exit, Layer, Scope } from "effect"
import * as mockttp from "mockttp"
import { HttpMock } from "../src/index.ts"

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt)
const SECONDS = opt("--seconds", 5)
const ROUNDS = opt("--rounds", 5)
const CONNECTIONS = opt("--connections", 16)
const BODY = { id: 1, name: "Ana Silva", email: "ana.silva@example.com", plan: "pro", tags: ["a", "b"] }
const PATH = "/users/1"

interface Result {
  /** CPU time (user + system) this process — the servers — spent per request, in microseconds. */
  cpuUs: number
  readonly requests: number
  readonly errors: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
}

const load = (url: string, seconds: number): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--conditions=@24h/source",
        fileURLToPath(new URL("./child/load.ts", import.meta.url)),
        url,
        String(CONNECTIONS),
        String(seconds * 1000),
        "5000000"
      ],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Result) : reject(new Error(`load exited ${code}`))
    )
  })

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port))
  )

const freePort = async () => {
  const s = net.createServer()
  const port = await new Promise<number>((r) =>
    s.listen(0, "127.0.0.1", () => r((s.address() as net.AddressInfo).port))
  )
  await new Promise((r) => s.close(r))
  return port
}

/** mockttp listens on every interface; force loopback while it starts (the benchmark never leaves 127.0.0.1). */
const startMockttp = async () => {
  const server = mockttp.getLocal()
  const original = net.Server.prototype.listen
  net.Server.prototype.listen = function (this: net.Server, ...a: Array<unknown>) {
    if (typeof a[0] === "number" && typeof a[1] !== "string") a.splice(1, 0, "127.0.0.1")
    return (original as (...x: Array<unknown>) => net.Server).apply(this, a)
  } as typeof original
  try {
    await server.start(await freePort())
  } finally {
    net.Server.prototype.listen = original
  }
  await server.forGet(PATH).thenJson(200, BODY)
  return server
}

const main = async () => {
  const json = Buffer.from(JSON.stringify(BODY))
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": json.length })
    res.end(json)
  }
  const bare = createServer((_req, res) => answer(res))
  const barePort = await listen(bare)

  // The peer for a span per request: the official OpenTelemetry SDK on the bare server, exporting every span as
  // OTLP/JSON into a file (its own serializer), as 24h's Telemetry.layer does.
  const telemetryDir = mkdtempSync(join(tmpdir(), "24h-bench-httpmock-"))
  const otelFile = join(telemetryDir, "otel-sdk.jsonl")
  let otelSpans = 0
  const fileExporter: SpanExporter = {
    export: (spans, done) => {
      otelSpans += spans.length
      const body = JsonTraceSerializer.serializeRequest(spans)
      if (body !== undefined) appendFileSync(otelFile, Buffer.concat([body, Buffer.from("\n")]))
      done({ code: ExportResultCode.SUCCESS })
    },
    shutdown: async () => {},
    forceFlush: async () => {}
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "bench" }),
    spanProcessors: [
      new BatchSpanProcessor(fileExporter, {
        scheduledDelayMillis: 1000,
        maxExportBatchSize: 512,
        maxQueueSize: 10_000_000
      })
    ]
  })
  const otelTracer = provider.getTracer("bench")
  const otel = createServer((req, res) => {
    const span = otelTracer.startSpan("request", {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": req.method ?? "GET", "url.path": req.url ?? "/" }
    })
    res.on("finish", () => {
      span.setAttribute("http.route", "/users/:id")
      span.setAttribute("http.response.status_code", res.statusCode)
      span.end()
    })
    answer(res)
  })
  const otelPort = await listen(otel)

  const scope = Effect.runSync(Scope.make())
  const mock = await Effect.runPromise(
    HttpMock.make({ routes: [{ id: "user", method: "GET", path: "/users/:id", respond: { json: BODY } }] }).pipe(
      Scope.provide(scope)
    )
  )
  // One Telemetry layer per traced mock, each flushed after its round (untimed): an exporter still writing the
  // spans of one round must not run during the next one.
  const tracing = (name: string) =>
    Effect.runPromise(Layer.buildWithScope(Telemetry.layer({ dir: telemetryDir, name, endpoint: null }), scope))
  const [metricsOnly, everySpan] = await Promise.all([tracing("metrics"), tracing("spans")])
  const routes = [{ id: "user", method: "GET", path: "/users/:id", respond: { json: BODY } }] as const
  const mockOn = await Effect.runPromise(
    HttpMock.make({ routes }).pipe(Scope.provide(scope), Effect.provide(metricsOnly))
  )
  const mockSpans = await Effect.runPromise(
    HttpMock.make({ routes, spans: "all" }).pipe(Scope.provide(scope), Effect.provide(everySpan))
  )
  const flushAfter: Record<string, () => Promise<void>> = {
    "  … OTel SDK span per request": () => provider.forceFlush(),
    "24h HttpMock, tracing on": () => Effect.runPromise(Telemetry.flush.pipe(Effect.provide(metricsOnly))),
    "  … a span per request": () => Effect.runPromise(Telemetry.flush.pipe(Effect.provide(everySpan)))
  }
  const mtt = await startMockttp()

  const targets: Record<string, string> = {
    "bare node:http": `http://127.0.0.1:${barePort}${PATH}`,
    "  … OTel SDK span per request": `http://127.0.0.1:${otelPort}${PATH}`,
    "24h HttpMock": `${mock.url}${PATH}`,
    "24h HttpMock, tracing on": `${mockOn.url}${PATH}`,
    "  … a span per request": `${mockSpans.url}${PATH}`,
    "mockttp 4.6.5": `http://127.0.0.1:${mtt.port}${PATH}`
  }
  const rounds: Record<string, Array<Result>> = {}
  try {
    for (const [name, url] of Object.entries(targets)) {
      await load(url, 1) // warm-up
      await flushAfter[name]?.()
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of Object.entries(targets)) {
        const cpu0 = process.cpuUsage()
        const r = await load(url, SECONDS)
        const cpu = process.cpuUsage(cpu0)
        r.cpuUs = (cpu.user + cpu.system) / r.requests
        console.log(
          `  round ${round + 1} ${name.padEnd(16)} ${Math.round(r.rps)} req/s, p99 ${r.p99.toFixed(2)} ms, ${r.cpuUs.toFixed(1)} µs CPU/request, errors ${r.errors}`
        )
        rounds[name] = [...(rounds[name] ?? []), r]
        await flushAfter[name]?.()
      }
    }
  } finally {
    await mtt.stop()
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await new Promise((r) => bare.close(r))
    await provider.shutdown()
    await new Promise((r) => otel.close(r))
  }
  const spans = await Effect.runPromise(Telemetry.readSpans(telemetryDir))
  const points = await Effect.runPromise(Telemetry.readMetrics(telemetryDir))
  rmSync(telemetryDir, { recursive: true, force: true })
  // Neighbours' load moves every figure; each round measures the three targets back to back, so the median of the
  // per-round ratios to bare is the steadiest comparison. Medians of the absolute figures are shown alongside.
  const median = (xs: ReadonlyArray<number>) => {
    const s = xs.slice().sort((a, b) => a - b)
    return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
  }
  const bare0 = rounds["bare node:http"]!
  console.log(
    `\nGET ${PATH} (${json.length}-byte JSON), ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds × ${SECONDS} s (medians), Node ${process.version}:`
  )
  for (const [name, rs] of Object.entries(rounds)) {
    const ratio = median(rs.map((r, i) => r.rps / bare0[i]!.rps))
    const cpuRatio = median(rs.map((r, i) => bare0[i]!.cpuUs / r.cpuUs))
    console.log(
      `  ${name.padEnd(16)} ${Math.round(median(rs.map((r) => r.rps)))
        .toLocaleString("en")
        .padStart(8)} req/s  ` +
        `p50 ${median(rs.map((r) => r.p50)).toFixed(2)} ms  p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms  ` +
        `${ratio.toFixed(2)}× bare req/s  server CPU ${median(rs.map((r) => r.cpuUs)).toFixed(1)} µs/request (${cpuRatio.toFixed(2)}× bare efficiency)`
    )
  }
  // Each traced target against its own untraced base, round by round: 24h's against HttpMock off, the OTel SDK's
  // against bare. "added" is the CPU a request gained, in µs: what one span costs there, export included.
  const versus: Array<[string, string]> = [
    ["24h HttpMock, tracing on", "24h HttpMock"],
    ["  … a span per request", "24h HttpMock"],
    ["  … OTel SDK span per request", "bare node:http"]
  ]
  console.log("\nTracing on vs off at saturation (medians of per-round ratios):")
  for (const [name, baseName] of versus) {
    const rs = rounds[name]!
    const base = rounds[baseName]!
    const rps = median(rs.map((r, i) => r.rps / base[i]!.rps))
    const cpu = median(rs.map((r, i) => r.cpuUs / base[i]!.cpuUs))
    const added = median(rs.map((r, i) => r.cpuUs - base[i]!.cpuUs))
    console.log(
      `  ${name.trim().padEnd(28)} vs ${baseName.padEnd(14)} ${rps.toFixed(3)}× req/s (${((1 - rps) * 100).toFixed(1)}% slower), ${cpu.toFixed(3)}× server CPU/request (${added >= 0 ? "+" : ""}${added.toFixed(1)} µs)`
    )
  }
  console.log(`  (the OTel SDK exported ${otelSpans.toLocaleString("en")} spans)`)
  const requestPoints = points.filter((p) => p.name === "24h.mock.http.requests").reduce((n, p) => n + p.value, 0)
  console.log(
    `  (tracing on recorded ${requestPoints.toLocaleString("en")} requests in 24h.mock.http.requests and ${spans.filter((s) => s.name === "HttpMock.request").length.toLocaleString("en")} HttpMock.request spans)`
  )
  const journal = await Effect.runPromise(mock.journal)
  console.log(
    `  (HttpMock journalled ${journal.requests.length.toLocaleString("en")} requests, bounded at 10,000 by default)`
  )
}

await main()
