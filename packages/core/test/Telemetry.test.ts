import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Fault, Load, Log, Pipeline, Run, Telemetry } from "@24h/core"
import { Effect, Layer, Metric } from "effect"
import { afterEach, describe, expect, it } from "vitest"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

const hop = Effect.fn("checkout.reserve")(function* (sku: string) {
  yield* Effect.annotateCurrentSpan("sku", sku)
  yield* Effect.logInfo("reserved")
})
const pay = Effect.fn("checkout.pay")(function* (amount: number) {
  if (amount > 1000) return yield* Effect.fail(new Error(`declined ${amount}`))
  return amount
})
const requests = Metric.counter("checkout.requests")
const latency = Metric.histogram("checkout.latency_ms", { boundaries: [1, 10, 100] })

const iteration = (i: number) =>
  Effect.gen(function* () {
    yield* hop(`sku-${i}`)
    yield* Metric.update(requests, 1)
    yield* Metric.update(latency, i)
    return yield* pay(i === 2 ? 5000 : 100)
  }).pipe(
    Effect.withSpan("load.iteration"),
    Telemetry.withCorrelationId(`req-${String(i).padStart(4, "0")}`),
    Effect.ignore
  )

describe("Telemetry", () => {
  it("records every Effect.fn span and metric of a run as OTLP/JSON files in the run directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    const layer = Layer.mergeAll(
      Telemetry.layer({ dir, endpoint: null, attributes: { "24h.run": "r1" } }),
      Log.layer({ dir, pretty: false })
    )
    await Effect.runPromise(Effect.forEach([0, 1, 2], iteration, { discard: true }).pipe(Effect.provide(layer)))

    const raw = readFileSync(join(dir, "results", "traces", "24h.jsonl"), "utf8")
      .trim()
      .split("\n")
    expect(raw.length).toBeGreaterThan(0)
    for (const line of raw) expect(Telemetry.TracesData.safeParse(JSON.parse(line)).success).toBe(true)

    const spans = await Effect.runPromise(Telemetry.readSpans(dir))
    expect(spans.map((s) => s.name).sort()).toEqual(
      [0, 1, 2].flatMap(() => ["checkout.pay", "checkout.reserve", "load.iteration"]).sort()
    )
    const traces = Telemetry.summarize(spans)
    expect(traces).toHaveLength(3)
    for (const t of traces) {
      expect(t.broken).toBe(false)
      expect(t.spanCount).toBe(3)
      expect(t.root).toBe("24h load.iteration")
    }
    expect(traces.map((t) => t.correlationId)).toEqual(["req-0000", "req-0001", "req-0002"])
    const failed = spans.filter((s) => s.status.code === Telemetry.STATUS_ERROR).map((s) => s.name)
    expect(failed.sort()).toEqual(["checkout.pay", "load.iteration"])
    const reserve = spans.find((s) => s.name === "checkout.reserve" && s.attributes.sku === "sku-1")!
    const parent = spans.find((s) => s.spanId === reserve.parentSpanId)!
    expect(parent.name).toBe("load.iteration")
    expect(reserve.attributes["correlation.id"]).toBe("req-0001")
    expect(reserve.service).toBe("24h")

    // The log line of a span carries the correlation id that the span carries.
    const logLines = readFileSync(Log.pathIn(dir), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(logLines.map((l: { correlationId: string }) => l.correlationId)).toEqual([
      "req-0000",
      "req-0001",
      "req-0002"
    ])

    const metrics = await Effect.runPromise(Telemetry.readMetrics(dir))
    expect(metrics.find((p) => p.name === "checkout.requests")?.value).toBe(3)
    const hist = metrics.find((p) => p.name === "checkout.latency_ms")!
    expect(hist.kind).toBe("histogram")
    expect(hist.value).toBe(3)
    expect(hist.sum).toBe(3)
  })

  it("without a correlation id, a log line carries its span's trace id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    const layer = Layer.mergeAll(Telemetry.layer({ dir, endpoint: null }), Log.layer({ dir, pretty: false }))
    // a fresh metric registry: the default one is process-wide, and the first test updated metrics in it
    await Effect.runPromise(
      Effect.logInfo("inside").pipe(
        Effect.withSpan("lonely"),
        Effect.provide(layer),
        Effect.provideService(Metric.MetricRegistry, new Map())
      )
    )
    const [span] = await Effect.runPromise(Telemetry.readSpans(dir))
    // no metric was updated: no metrics file
    expect(existsSync(join(dir, "results", "metrics", "24h.json"))).toBe(false)
    const [line] = readFileSync(Log.pathIn(dir), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(line.correlationId).toBe(span!.traceId)
  })

  it("also exports to OTEL_EXPORTER_OTLP_ENDPOINT when it is set, and keeps the files when the endpoint fails", async () => {
    const bodies: Array<{ path: string; body: unknown }> = []
    let fail = false
    const server = http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        if (fail) {
          res.writeHead(503).end()
          return
        }
        bodies.push({ path: req.url ?? "", body: JSON.parse(Buffer.concat(chunks).toString("utf8")) })
        res.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    cleanups.push(() => new Promise((r) => server.close(() => r())))
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

    const dir = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    const previous = process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = endpoint
    try {
      await Effect.runPromise(iteration(1).pipe(Effect.provide(Telemetry.layer({ dir }))))
    } finally {
      if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT
      else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = previous
    }
    const traceBodies = bodies.filter((b) => b.path === "/v1/traces")
    const exported = traceBodies.flatMap((b) => Telemetry.spansOf(Telemetry.TracesData.parse(b.body)))
    const stored = await Effect.runPromise(Telemetry.readSpans(dir))
    expect(exported.map((s) => s.spanId).sort()).toEqual(stored.map((s) => s.spanId).sort())
    expect(bodies.some((b) => b.path === "/v1/metrics")).toBe(true)

    fail = true
    const dir2 = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    await Effect.runPromise(iteration(1).pipe(Effect.provide(Telemetry.layer({ dir: dir2, endpoint }))))
    expect(await Effect.runPromise(Telemetry.readSpans(dir2))).toHaveLength(3)
  })

  it("layerRun records into the current run, with its run id as a resource attribute", async () => {
    const root = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    const runLayer = Run.layer({ root, seed: 1, metadata: { ENTRY_ID: "tele-01", ENTRY_TITLE: "telemetry" } })
    const dir = await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.void.pipe(Effect.withSpan("in-run"))
        return (yield* Run.CurrentRun).dir
      }).pipe(Effect.provide(Telemetry.layerRun().pipe(Layer.provideMerge(runLayer))))
    )
    const raw = JSON.parse(readFileSync(join(dir, "results", "traces", "24h.jsonl"), "utf8").split("\n")[0]!)
    const attrs = raw.resourceSpans[0].resource.attributes as Array<{ key: string; value: { stringValue?: string } }>
    expect(attrs.find((a) => a.key === "24h.run")?.value.stringValue).toMatch(/^run-\d{4}-\d{2}-\d{2}-01$/)
    expect((await Effect.runPromise(Telemetry.readSpans(dir))).map((s) => s.name)).toEqual(["in-run"])
  })

  it("rejects a traces file line that is not OTLP/JSON, naming the file, line and field", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs")
    const dir = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    mkdirSync(join(dir, "results", "traces"), { recursive: true })
    const file = join(dir, "results", "traces", "bad.jsonl")
    writeFileSync(file, `${JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "zz" }] }] }] })}\n`)
    const error = await Effect.runPromise(Effect.flip(Telemetry.readSpans(dir)))
    expect(error.reason).toBe("InvalidInput")
    expect(error.message).toContain(`${file}:1`)
    expect(error.message).toContain("resourceSpans.0.scopeSpans.0.spans.0.traceId")
  })
})

describe("24h's own metrics and spans", () => {
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-telemetry-"))
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
    return dir
  }
  const total = (
    points: ReadonlyArray<Telemetry.MetricPoint>,
    name: string,
    where: (a: Readonly<Record<string, unknown>>) => boolean = () => true
  ) => points.filter((p) => p.name === name && where(p.attributes)).reduce((n, p) => n + p.value, 0)

  it("Load counts iterations, errors and latency by load name; spans: true hands the iteration span to Promise iterations", async () => {
    const dir = tempDir()
    const seen: Array<string | undefined> = []
    const summary = await Effect.runPromise(
      Load.run(
        Load.iterations(10, 2),
        async (ctx) => {
          seen.push(ctx.span?.spanId)
          return ctx.index % 5 !== 4
        },
        { name: "orders", spans: true }
      ).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))
    )
    expect(summary.errors).toBe(2)
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    expect(total(points, "24h.load.iterations", (a) => a.load === "orders")).toBe(10)
    expect(total(points, "24h.load.errors", (a) => a.load === "orders")).toBe(2)
    expect(total(points, "24h.load.dropped")).toBe(0)
    expect(points.find((p) => p.name === "24h.load.latency")).toMatchObject({ kind: "histogram", value: 10 })
    const spans = await Effect.runPromise(Telemetry.readSpans(dir))
    const run = spans.find((s) => s.name === "24h.load.run")!
    const iterations = spans.filter((s) => s.name === "24h.load.iteration")
    expect(iterations).toHaveLength(10)
    for (const s of iterations) expect([s.traceId, s.parentSpanId]).toEqual([run.traceId, run.spanId])
    expect(new Set(seen)).toEqual(new Set(iterations.map((s) => s.spanId)))
    expect(iterations.filter((s) => s.attributes["24h.load.ok"] === false)).toHaveLength(2)
  })

  it("FaultSchedule counts applied windows and failed reverts; Pipeline counts runs by kind and verdict", async () => {
    const dir = tempDir()
    const ok = Fault.make({ name: "latency", target: "db", apply: Effect.void, revert: Effect.void })
    const stuck = Fault.make({ name: "partition", target: "db", apply: Effect.void, revert: Effect.fail("stuck") })
    const result = await Effect.runPromise(
      Pipeline.chaos({
        name: "db",
        faults: [
          { fault: ok, at: 0, duration: 5 },
          { fault: ok, at: 10, duration: 5 },
          { fault: stuck, at: 0, duration: 5 }
        ]
      }).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))
    )
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    expect(
      total(points, "24h.faults.applied", (a) => a["fault.name"] === "latency" && a["fault.target"] === "db")
    ).toBe(2)
    expect(total(points, "24h.faults.applied", (a) => a["fault.name"] === "partition")).toBe(1)
    expect(total(points, "24h.faults.revert_errors", (a) => a["fault.name"] === "partition")).toBe(1)
    expect(
      total(
        points,
        "24h.pipeline.runs",
        (a) => a["pipeline.kind"] === "chaos" && a["pipeline.verdict"] === result.verdict
      )
    ).toBe(1)
  })

  it("without the layer: no instruments, no iteration span, no files", async () => {
    const dir = tempDir()
    expect(await Effect.runPromise(Telemetry.instruments)).toBeUndefined()
    const spans: Array<unknown> = []
    await Effect.runPromise(
      Pipeline.baseline({
        name: "quiet",
        dir,
        load: {
          model: Load.iterations(5, 1),
          iteration: async (ctx) => {
            spans.push(ctx.span)
            return true
          }
        }
      })
    )
    expect(spans).toEqual([undefined, undefined, undefined, undefined, undefined])
    expect(existsSync(Telemetry.pathsIn(dir).traces)).toBe(false)
    expect(existsSync(Telemetry.pathsIn(dir).metrics)).toBe(false)
  })

  it("traceparent: formats a span and parses it back; rejects malformed and all-zero ids", () => {
    const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    const parent = Telemetry.parseTraceparent(header)!
    expect(parent).toMatchObject({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      sampled: true
    })
    expect(Telemetry.traceparentOf(parent)).toBe(header)
    expect(Telemetry.parseTraceparent(header.replace(/-01$/, "-00"))?.sampled).toBe(false)
    for (const bad of [
      undefined,
      "",
      "00-xyz",
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
      header.replace(/^00/, "ff")
    ])
      expect(Telemetry.parseTraceparent(bad)).toBeUndefined()
  })
})
