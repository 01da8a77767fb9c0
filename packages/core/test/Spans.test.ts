import * as fs from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Run, Seed, Telemetry, Threshold } from "@24h/core"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe("public effects are Effect.fn-named spans", () => {
  it("Run.make, Run.phase, Threshold.parse, Seed.parse and Threshold.evaluateAll show as <Module>.<function>", async () => {
    const root = fs.mkdtempSync(join(tmpdir(), "24h-spans-"))
    const traces = fs.mkdtempSync(join(tmpdir(), "24h-spans-traces-"))
    dirs.push(root, traces)
    const program = Effect.gen(function* () {
      const run = yield* Run.make({ root, metadata: { ENTRY_ID: "spans-01", ENTRY_TITLE: "Spans" } })
      yield* Run.phase(run, "research", Effect.void)
      yield* Seed.parse("42")
      yield* Threshold.parse("p95 < 200ms")
      yield* Threshold.evaluateAll(["errorRate < 1%"], { requests: 100, errors: 0 })
      // A failure is a span too, with an error status.
      yield* Effect.flip(Threshold.parse("p95 <"))
    })
    await Effect.runPromise(program.pipe(Effect.provide(Telemetry.layer({ dir: traces, endpoint: null }))))

    const spans = await Effect.runPromise(Telemetry.readSpans(traces))
    const names = spans.map((s) => s.name)
    expect(names).toEqual(
      expect.arrayContaining(["Run.make", "Run.phase", "Seed.parse", "Threshold.parse", "Threshold.evaluateAll"])
    )
    const failed = spans.filter((s) => s.name === "Threshold.parse" && s.status.code === Telemetry.STATUS_ERROR)
    expect(failed).toHaveLength(1)
  })
})
