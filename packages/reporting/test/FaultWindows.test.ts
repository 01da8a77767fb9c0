import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Fault, Pipeline, Run } from "@24h/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { HtmlReport } from "../src/index.ts"

describe("fault windows from a FaultSchedule reach the HTML report", () => {
  it.effect("a chaos pipeline driven by TestClock: its windows land in the result and are shaded on its chart", () =>
    Effect.gen(function* () {
      const root = mkdtempSync(join(tmpdir(), "24h-faultwindows-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
      const run = yield* Run.create({ root, seed: 1, metadata: { ENTRY_ID: "fw", ENTRY_TITLE: "fault windows" } })
      const t0 = Date.UTC(2026, 11, 2, 12, 0, 0)
      yield* TestClock.setTime(t0)
      const noop = (name: string) => Fault.make({ name, target: "test", apply: Effect.void, revert: Effect.void })
      const fiber = yield* Effect.forkChild(
        Pipeline.chaos({
          name: "scheduled",
          dir: run.dir,
          faults: [
            { fault: noop("latency 300ms"), at: "1s", duration: "2s" },
            { fault: noop("resets"), at: "4s", duration: "1s" }
          ],
          method: (rec) =>
            Effect.gen(function* () {
              for (let i = 0; i < 6; i++) {
                rec.record(10 + i, true)
                yield* Effect.sleep("1 second")
              }
            })
        })
      )
      yield* TestClock.adjust("10 seconds")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        result.faultWindows.map((w) => [w.name, Date.parse(w.start) - t0, Date.parse(w.end!) - t0]),
        [
          ["latency 300ms", 1000, 3000],
          ["resets", 4000, 5000]
        ]
      )
      const inputs = yield* HtmlReport.loadInputs(run.dir)
      const chart = HtmlReport.chartData(inputs).pipelines[0]!
      assert.deepStrictEqual(chart.faults, [
        { name: "latency 300ms", start: t0 / 1000 + 1, end: t0 / 1000 + 3 },
        { name: "resets", start: t0 / 1000 + 4, end: t0 / 1000 + 5 }
      ])
      assert.strictEqual(chart.t.length, 6)
      const html = HtmlReport.render(inputs)
      assert.include(html, "(faults shaded)")
      assert.include(html, "latency 300ms")
    })
  )
})
