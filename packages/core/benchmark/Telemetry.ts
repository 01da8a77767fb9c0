/**
 * The cost of recording spans with `Telemetry.layer`, each against a baseline measured in the same run:
 * - a tight Effect loop, one span per iteration (`Effect.withSpan`), vs the same loop with the tracer disabled and
 *   vs no span at all;
 * - a `node:http` handler that runs one Effect per request with a span around it, tracing on vs off, driven by an
 *   undici client over loopback (8 connections, a fixed number of requests per round, rounds alternated).
 *
 * With tracing on, every span goes through Effect's OtlpTracer into `results/traces/24h.jsonl` of a temporary run.
 *
 *   npm run bench -w packages/core          (or: node scripts/bench.mjs packages/core/benchmark/Telemetry.ts)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Telemetry } from "@24h/core"
import { Effect, Layer, ManagedRuntime } from "effect"
import { Bench } from "tinybench"
import { Agent, request } from "undici"

const dir = mkdtempSync(join(tmpdir(), "24h-bench-telemetry-"))
const traced = ManagedRuntime.make(Telemetry.layer({ dir, endpoint: null }))
const plain = ManagedRuntime.make(Layer.empty)

// ── 1. a tight Effect loop ────────────────────────────────────────────────────────────────────────────────────────
const N = 1000
const work = (i: number) => Effect.sync(() => (i * 2654435761) >>> 0)
const loop = (span: boolean, captureStackTrace = true) =>
  Effect.forEach(
    Array.from({ length: N }, (_, i) => i),
    (i) => (span ? work(i).pipe(Effect.withSpan("iteration", undefined, { captureStackTrace })) : work(i)),
    {
      discard: true
    }
  )
const noSpan = loop(false)
const withSpan = loop(true)
const disabled = withSpan.pipe(Effect.withTracerEnabled(false))
const withSpanNoStack = loop(true, false)

const bench = new Bench({ time: 1500, warmupTime: 300 })
bench
  .add("loop ×1000, no span (baseline)", () => plain.runPromise(noSpan))
  .add("loop ×1000, span per iteration, tracer disabled", () => plain.runPromise(disabled))
  .add("loop ×1000, span per iteration, Telemetry.layer", () => traced.runPromise(withSpan))
  .add("loop ×1000, span per iteration, Telemetry.layer, no stack capture", () => traced.runPromise(withSpanNoStack))
await bench.run()
const hz = (name: string) => {
  const r = bench.tasks.find((t) => t.name === name)!.result as { throughput?: { mean: number } }
  return (r.throughput?.mean ?? 0) * N
}
const base = hz("loop ×1000, no span (baseline)")
const off = hz("loop ×1000, span per iteration, tracer disabled")
const on = hz("loop ×1000, span per iteration, Telemetry.layer")
const onNoStack = hz("loop ×1000, span per iteration, Telemetry.layer, no stack capture")

// ── 2. a node:http handler, one span per request ──────────────────────────────────────────────────────────────────
const handle = Effect.sync(() => JSON.stringify({ ok: true, at: 1 }))
const serve = (runtime: ManagedRuntime.ManagedRuntime<never, never>, span: boolean) => {
  const program = span ? handle.pipe(Effect.withSpan("http.request", { kind: "server" })) : handle
  const server = createServer((_req, res) => {
    runtime.runPromise(program).then((body) => res.writeHead(200, { "content-type": "application/json" }).end(body))
  })
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise((r) => server.close(() => r()))
      })
    )
  )
}
const REQUESTS = 3000
const round = async (url: string): Promise<number> => {
  const agent = new Agent({ connections: 8, pipelining: 1 })
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < REQUESTS) {
      next++
      const r = await request(url, { dispatcher: agent })
      await r.body.dump()
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  const s = (performance.now() - t0) / 1000
  await agent.close()
  return REQUESTS / s
}
const offServer = await serve(plain, false)
const onServer = await serve(traced as unknown as ManagedRuntime.ManagedRuntime<never, never>, true)
await round(offServer.url) // warm-up
await round(onServer.url)
const offRps: Array<number> = []
const onRps: Array<number> = []
for (let i = 0; i < 3; i++) {
  offRps.push(await round(offServer.url))
  onRps.push(await round(onServer.url))
}
await offServer.close()
await onServer.close()
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

await traced.dispose()
await plain.dispose()
const spans = await Effect.runPromise(Telemetry.readSpans(dir))
rmSync(dir, { recursive: true, force: true })

const f = (n: number) => Math.round(n).toLocaleString("en-US")
const us = (a: number, b: number) => (1e6 / a - 1e6 / b).toFixed(1)
console.log("| case | ops/s | baseline | baseline ops/s | ratio | added µs per span |")
console.log("|---|---:|---|---:|---:|---:|")
console.log(
  `| span per iteration, tracer disabled | ${f(off)} | no span | ${f(base)} | ${(off / base).toFixed(2)} | ${us(off, base)} |`
)
console.log(
  `| span per iteration, Telemetry.layer | ${f(on)} | no span | ${f(base)} | ${(on / base).toFixed(2)} | ${us(on, base)} |`
)
console.log(
  `| span per iteration, Telemetry.layer, \`captureStackTrace: false\` | ${f(onNoStack)} | no span | ${f(base)} | ${(onNoStack / base).toFixed(2)} | ${us(onNoStack, base)} |`
)
console.log(
  `| node:http, span per request, Telemetry.layer (req/s) | ${f(median(onRps))} | no span (req/s) | ${f(median(offRps))} | ${(median(onRps) / median(offRps)).toFixed(2)} | ${us(median(onRps), median(offRps))} |`
)
console.log(`\n${spans.length.toLocaleString("en-US")} spans written to results/traces/24h.jsonl during the run.`)
