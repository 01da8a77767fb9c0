import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Scorecard } from "../src/index.ts"
import { fixtureRun, read, tempDir } from "./helpers.ts"

const dim = (score: number, explanation = "because") => ({ score, explanation })
const valid = {
  dimensions: { discoverability: dim(4), contracts: dim(3), errors: dim(2), boilerplate: dim(5), flexibility: dim(1) },
  documentationGaps: [{ topic: "Retries", description: "No page on retry budgets" }]
}

describe("Scorecard", () => {
  it("makes a scorecard and averages the five dimensions", async () => {
    const card = await Effect.runPromise(Scorecard.make(valid))
    expect(Scorecard.average(card)).toBe(3)
    expect(Scorecard.DIMENSIONS.map((d) => d.key)).toEqual(Object.keys(valid.dimensions))
  })

  it("names every bad field", async () => {
    const e = await Effect.runPromise(
      Effect.flip(
        Scorecard.make({
          dimensions: { ...valid.dimensions, errors: dim(7), flexibility: { score: 2.5, explanation: " " } },
          documentationGaps: [{ topic: "", description: "x" }]
        } as never)
      )
    )
    expect(e.reason).toBe("InvalidInput")
    expect(e.issues?.map((i) => i.field)).toEqual([
      "dimensions.errors.score",
      "dimensions.flexibility.score",
      "dimensions.flexibility.explanation",
      "documentationGaps.0.topic"
    ])
    expect(e.message).toContain("dimensions.errors.score: must be <= 5 (got 7)")
  })

  it("rejects a missing dimension and unknown keys", async () => {
    const { errors: _, ...four } = valid.dimensions
    const e = await Effect.runPromise(
      Effect.flip(Scorecard.make({ dimensions: { ...four, clarity: dim(3) } } as never))
    )
    expect(e.issues?.map((i) => i.field).sort()).toEqual(["dimensions.clarity", "dimensions.errors"])
  })

  it("writes dx-review/scorecard.json and reads it back, also from results/scorecard.json", async () => {
    const dir = tempDir()
    expect(await Effect.runPromise(Scorecard.read(dir))).toBeUndefined()
    mkdirSync(join(dir, "results"), { recursive: true })
    writeFileSync(join(dir, "results", "scorecard.json"), JSON.stringify(valid))
    expect((await Effect.runPromise(Scorecard.read(dir)))?.path).toBe("results/scorecard.json")
    await Effect.runPromise(Scorecard.write(dir, valid))
    const found = await Effect.runPromise(Scorecard.read(dir))
    expect(found?.path).toBe("dx-review/scorecard.json")
    expect(JSON.parse(read(join(dir, "dx-review", "scorecard.json")))).toEqual(valid)
  })

  it("reports a file that is not JSON, naming it", async () => {
    const dir = tempDir()
    mkdirSync(join(dir, "dx-review"))
    writeFileSync(join(dir, "dx-review", "scorecard.json"), "{ nope")
    const e = await Effect.runPromise(Effect.flip(Scorecard.read(dir)))
    expect(e.reason).toBe("InvalidInput")
    expect(e.message).toContain("dx-review/scorecard.json is not valid JSON")
  })

  it("renders the fixture's scorecard as Markdown", async () => {
    const found = await Effect.runPromise(Scorecard.read(fixtureRun()))
    expect(Scorecard.renderMarkdown(found!.scorecard)).toMatchInlineSnapshot(`
      "| dimension | score | explanation |
      |---|:---:|---|
      | Discoverability of APIs and configuration | 4/5 | Every module is reachable from the barrel; \\\`24h --help\\\` lists the commands. |
      | Clarity of contracts and docs | 3/5 | Result records are typed, but threshold syntax is only shown by example. (evidence: FND-005) |
      | Error messages and debuggability | 4/5 | Errors name the field and the value. |
      | Boilerplate vs reusable helpers | 3/5 | Each pipeline wires its own recorder and invariants. |
      | Flexibility and extensibility | 5/5 | Any Effect can be a pipeline body. |
      | **Average** | **3.8** | |

      Documentation gaps:

      - **Threshold expressions** — No reference lists the metrics and units. (docs/pipelines.md)
      - **Fault windows** — Reports shade fault windows, but no guide shows how to record them.

      Reviewed by fixture agent."
    `)
  })
})
