import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Histogram, Invariant, Pipeline, Repeat, Run } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as FinalReport from "../src/FinalReport.ts"
import * as HtmlReport from "../src/HtmlReport.ts"
import { Junit } from "../src/index.ts"

const flakyCase = () =>
  Repeat.toCheck(Repeat.summarize("cites a source", [true, true, false, true, true, true, true, true, false, true]))

const result = (checks: Pipeline.Result["checks"]): Pipeline.Result => ({
  schemaVersion: 1,
  kind: "adversarial",
  name: "assistant",
  startedAt: "2026-12-01T00:00:00.000Z",
  endedAt: "2026-12-01T00:00:01.000Z",
  durationMs: 1000,
  verdict: "fail",
  thresholds: [],
  invariants: Invariant.summarize([]),
  latency: Histogram.encode(Histogram.make()),
  requests: 0,
  errors: 0,
  counts: {},
  windows: [],
  faultWindows: [],
  checks,
  notes: []
})

describe("repeated cases in JUnit, FINAL_REPORT.md and report.html", () => {
  it("a flaky case is a failure of type Flaky with its rate and interval; a steady one passes", () => {
    const flaky = Repeat.toCheck(
      Repeat.summarize("cites a source", [true, true, false, true, true, true, true, true, false, true])
    )
    const steady = Repeat.toCheck(Repeat.summarize("refuses injection", [true, true, true]))
    const broken = Repeat.toCheck(Repeat.summarize("answers in French", [false, false]))
    const { xml, totals } = Junit.fromPipelines([result([flaky, steady, broken])])
    expect(xml).toContain('<testcase name="repeat: cites a source" classname="adversarial.assistant.repeats"')
    expect(xml).toContain(
      'message="flaky: 8 of 10 runs passed (80.0%, 95% Wilson interval [49.0%, 94.3%]); pass^10 0, pass@10 1" type="Flaky"'
    )
    expect(xml).toContain(
      '<testcase name="repeat: refuses injection" classname="adversarial.assistant.repeats" time="0.000"/>'
    )
    expect(xml).toContain('type="RepeatFailed"')
    expect(totals.failures).toBe(2)
  })

  it("FINAL_REPORT.md and the HTML report list each repeated case with its runs, rate and interval", async () => {
    const root = mkdtempSync(join(tmpdir(), "24h-repeat-report-"))
    try {
      const run = await Effect.runPromise(
        Run.create({ root, metadata: { ENTRY_ID: "repeat-01", ENTRY_TITLE: "Repeats" }, seed: 1 })
      )
      await Effect.runPromise(Pipeline.write(run.dir, result([flakyCase()])))
      const { path } = await Effect.runPromise(FinalReport.write(run.dir))
      expect(readFileSync(path, "utf8")).toContain(
        "| cites a source | flaky: 8 of 10 runs passed (80.0%, 95% Wilson interval \\[49.0%, 94.3%\\]); pass^10 0, pass@10 1 |"
      )
      const html = await Effect.runPromise(HtmlReport.write(run.dir))
      expect(readFileSync(html.path, "utf8")).toContain(
        '<tr><td>cites a source</td><td>flaky: 8 of 10 runs passed (80.0%, 95% Wilson interval [49.0%, 94.3%]); pass^10 0, pass@10 1</td><td><span class="verdict unknown">flaky</span></td></tr>'
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
