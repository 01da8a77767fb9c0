import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Load, Pipeline, Telemetry } from "@24h/core"
import { Ledger } from "@24h/findings"
import { Effect, Metric } from "effect"
import { describe, expect, it } from "vitest"
import { HtmlReport, LogAnalysis } from "../src/index.ts"
import { fixtureRun, launchChromium, read, tempDir } from "./helpers.ts"

const served = Metric.counter("checkout.requests")
const validate = Effect.fn("checkout.validate")(function* (i: number) {
  yield* Effect.annotateCurrentSpan("order", i)
})
const charge = Effect.fn("payments.charge")(function* (i: number) {
  // a deterministic slow iteration (5) and a failing one (3)
  if (i === 5) yield* Effect.sleep("40 millis")
  if (i === 3) return yield* Effect.fail(new Error("card declined"))
})
const iteration: Load.Iteration<Error> = ({ index }) =>
  Effect.gen(function* () {
    yield* validate(index)
    yield* charge(index)
    yield* Metric.update(served, 1)
    return true
  })

/** A real pipeline run (core's Pipeline.baseline over Load, with its own spans), recorded by Telemetry.layer. */
const pipelineRun = (dir: string) =>
  Pipeline.baseline({
    name: "traced",
    dir,
    load: { model: Load.closed({ vus: 1, duration: "20s", maxIterations: 8 }), iteration, options: { spans: true } }
  }).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))

/** A SUT trace whose second hop names a parent that never arrived (an orphan). */
const plantOrphan = (dir: string) => {
  mkdirSync(join(dir, "results", "traces"), { recursive: true })
  const span = (spanId: string, parentSpanId: string | undefined, name: string) => ({
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId,
    ...(parentSpanId === undefined ? {} : { parentSpanId }),
    name,
    kind: 2,
    startTimeUnixNano: "1700000000000000000",
    endTimeUnixNano: "1700000000003000000",
    attributes: [{ key: "correlation.id", value: { stringValue: "req-sut" } }]
  })
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "orders" } }] },
        scopeSpans: [
          { spans: [span("b7ad6b7169203331", undefined, "GET /a"), span("00f067aa0ba902b7", "ffffffffffffffff", "db")] }
        ]
      }
    ]
  }
  writeFileSync(join(dir, "results", "traces", "sut.jsonl"), `${JSON.stringify(body)}\n`)
}

describe("telemetry pack: traces and metrics", () => {
  it("writes run_traces.json (slowest, failing, broken) and run_metrics.json next to the log packs", async () => {
    const run = fixtureRun()
    // Start from this test's own telemetry: the fixture run's sample trace and metric files are dropped.
    rmSync(join(run, "results", "traces"), { recursive: true, force: true })
    rmSync(join(run, "results", "metrics"), { recursive: true, force: true })
    await Effect.runPromise(pipelineRun(run))
    plantOrphan(run)
    await Effect.runPromise(LogAnalysis.analyzeRun(run))
    const traces = LogAnalysis.TraceReport.parse(JSON.parse(read(join(run, "results/telemetry/run_traces.json"))))
    expect(traces.sources).toEqual(["results/traces/24h.jsonl", "results/traces/sut.jsonl"])
    // one trace for the whole pipeline run (pipeline → load.run → iterations), one planted SUT trace
    expect(traces.traces).toBe(2)
    const pipeline = traces.summaries.find((t) => t.root === "24h 24h.pipeline.baseline")!
    expect(pipeline).toMatchObject({ broken: false, errorSpans: 2, correlationId: null })
    expect(pipeline.spanCount).toBe(2 + 8 * 3)
    // requests: the 8 load iterations (and the two spans of the planted trace, which carry an id of their own)
    expect(traces.requests.total).toBe(10)
    const slowest = traces.requests.slowest[0]!
    expect(slowest).toMatchObject({ root: "24h 24h.load.iteration", traceId: pipeline.traceId, errorSpans: 0 })
    expect(slowest.durationMs).toBeGreaterThanOrEqual(35)
    expect(traces.requests.failing).toHaveLength(1)
    const failing = traces.requests.failing[0]!
    expect(failing.key).toBe(`${pipeline.traceId}-${failing.spanId}`)
    expect(traces.waterfalls[failing.key]!.kind).toBe("failing request")
    expect(traces.waterfalls[failing.key]!.spans.map((s) => [s.name, s.error])).toEqual([
      ["24h.load.iteration", true],
      ["checkout.validate", false],
      ["payments.charge", true]
    ])
    expect(traces.broken).toHaveLength(1)
    expect(traces.broken[0]!.problems[0]).toBe(
      "1 orphan span(s): db (00f067aa0ba902b7) names parent ffffffffffffffff, which never arrived"
    )
    expect(traces.waterfalls[traces.broken[0]!.traceId]!.kind).toBe("broken trace")
    const metrics = LogAnalysis.MetricReport.parse(JSON.parse(read(join(run, "results/telemetry/run_metrics.json"))))
    expect(metrics.metrics.find((m) => m.name === "checkout.requests")?.value).toBeGreaterThanOrEqual(7)
  })

  it("a run without traces or metrics gets no such files", async () => {
    const dir = tempDir()
    expect(await Effect.runPromise(LogAnalysis.analyzeTelemetry(dir))).toEqual({
      traces: undefined,
      metrics: undefined
    })
  })

  it("the HTML report's waterfall shows a pipeline run's slowest and failing requests, linked from their finding (Chromium)", async () => {
    const run = fixtureRun()
    await Effect.runPromise(pipelineRun(run))
    await Effect.runPromise(LogAnalysis.analyzeRun(run))
    const traces = LogAnalysis.TraceReport.parse(JSON.parse(read(join(run, "results/telemetry/run_traces.json"))))
    const failing0 = traces.requests.failing[0]!
    const failingId = failing0.key
    const slowId = traces.requests.slowest[0]!.key
    const finding = await Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        return yield* ledger.add({
          type: "bug",
          entryId: "payments-01",
          agent: "traces-test",
          payload: {
            severity: "high",
            title: "Charge fails for order 3",
            description: `payments.charge failed for ${failing0.correlationId}.`,
            component: "payments",
            reproduction: "see the trace",
            expected_behavior: "charged",
            actual_behavior: "declined",
            evidence: ["results/traces/24h.jsonl"],
            impact: "lost order",
            recommendation: "retry",
            metadata: {}
          }
        })
      }).pipe(Effect.provide(Ledger.layerFile({ dir: run })))
    )
    const { path } = await Effect.runPromise(HtmlReport.write(run))
    const page0 = read(path)
    expect(page0).toContain(`id="trace-${failingId}"`)
    expect(page0).toContain(`<a href="#trace-${failingId}">trace ${failingId.slice(0, 8)}</a>`)

    const context = await launchChromium()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      const problems: Array<string> = []
      page.on("pageerror", (e) => problems.push(e.message))
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(m.text())
      })
      await page.goto(pathToFileURL(path).href, { waitUntil: "load" })
      const bars = async (id: string) =>
        page.$$eval(`#trace-${id} .wf-row`, (rows) =>
          rows.map((row) => {
            const r = row as unknown as {
              querySelector(s: string): { getBoundingClientRect(): { width: number; left: number }; className: string }
              textContent: string
            }
            const bar = r.querySelector(".wf-bar")
            const track = r.querySelector(".wf-track")
            return {
              text: r.textContent,
              width: bar.getBoundingClientRect().width,
              track: track.getBoundingClientRect().width,
              error: bar.className.includes("err")
            }
          })
        )
      const failing = await bars(failingId)
      expect(failing.map((b) => b.error)).toEqual([true, false, true])
      expect(failing[0]!.text).toContain("24h.load.iteration")
      for (const b of failing) expect(b.width).toBeGreaterThan(0)
      // the root bar spans the whole track
      expect(failing[0]!.width).toBeGreaterThan(failing[0]!.track * 0.95)
      const slow = await bars(slowId)
      expect(slow.map((b) => b.text.replace(/[\d.]+ ms$/, "")).map((t) => t.trim())).toEqual([
        "24h24h.load.iteration",
        "24hcheckout.validate",
        "24hpayments.charge"
      ])
      // payments.charge slept 40 ms of the iteration: its bar is most of the track
      expect(slow[2]!.width).toBeGreaterThan(slow[2]!.track * 0.5)

      await page.click(`tr#${finding.id.toLowerCase()} a[href="#trace-${failingId}"]`)
      expect(await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe(
        `#trace-${failingId}`
      )
      expect(await page.locator(`#trace-${failingId}`).isVisible()).toBe(true)
      expect(await page.locator(`#trace-${failingId} a[href="#${finding.id.toLowerCase()}"]`).count()).toBe(1)
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })
})
