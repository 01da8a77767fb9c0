import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Recommendations, SilentFailures } from "../src/index.ts"
import { fixtureRun } from "./helpers.ts"

const ids = new Set(["FND-001", "FND-002"])

const check = async (input: Parameters<typeof Recommendations.make>[0]) => {
  const dir = fixtureRun()
  const recs = await Effect.runPromise(Recommendations.make(input))
  return Effect.runPromise(Effect.flip(Recommendations.check(recs, { dir, findingIds: ids })))
}

describe("Recommendations", () => {
  it("accepts recommendations citing finding ids and existing paths (with a line or an anchor)", async () => {
    const dir = fixtureRun()
    const recs = await Effect.runPromise(
      Recommendations.make({
        framework: [{ text: "Idempotent retries", cites: ["FND-001", "results/logs/run.log:12"] }],
        persona: [{ text: "SLO", cites: ["research/payments-01-summary.md#risks"] }]
      })
    )
    await Effect.runPromise(Recommendations.check(recs, { dir, findingIds: ids }))
  })

  it("fails an uncited recommendation with UncitedRecommendation naming it", async () => {
    const e = await check({
      framework: [{ text: "Cited", cites: ["FND-001"] }],
      persona: [
        { text: "Adopt chaos days quarterly", cites: [] },
        { text: "Blank cite", cites: ["  "] }
      ]
    })
    expect(e.reason).toBe("UncitedRecommendation")
    expect(e.message).toMatchInlineSnapshot(
      `"recommendations.persona[0] "Adopt chaos days quarterly" cites no finding id or evidence path (every recommendation must cite at least one); recommendations.persona[1] "Blank cite" cites no finding id or evidence path (every recommendation must cite at least one)"`
    )
  })

  it("fails citations of unknown finding ids, missing paths and paths outside the run", async () => {
    const e = await check({
      framework: [{ text: "A", cites: ["FND-009", "results/nope.log", "../../etc/passwd", "/etc/passwd"] }]
    })
    expect(e.reason).toBe("UnknownCitation")
    expect(e.issues?.map((i) => i.message)).toMatchInlineSnapshot(`
      [
        "recommendations.framework[0] "A" cites FND-009, which is not in the findings ledger",
        "recommendations.framework[0] "A" cites "results/nope.log", which does not exist in the run directory",
        "recommendations.framework[0] "A" cites "../../etc/passwd", which is not a path inside the run directory",
        "recommendations.framework[0] "A" cites "/etc/passwd", which is not a path inside the run directory",
      ]
    `)
  })

  it("validates the shape with field-level errors", async () => {
    const e = await Effect.runPromise(
      Effect.flip(Recommendations.make({ framework: [{ text: "", cites: "FND-001" }], extra: 1 } as never))
    )
    expect(e.reason).toBe("InvalidInput")
    expect(e.issues?.map((i) => i.field)).toEqual(["framework.0.text", "framework.0.cites", "extra"])
  })

  it("checks silent-failure evidence the same way", async () => {
    const dir = fixtureRun()
    const probes = await Effect.runPromise(
      SilentFailures.make({
        probes: [{ name: "audit", method: "state audit", outcome: "detected", evidence: ["FND-404"] }]
      })
    )
    const e = await Effect.runPromise(Effect.flip(SilentFailures.check(probes.probes, { dir, findingIds: ids })))
    expect(e.reason).toBe("UnknownCitation")
    expect(e.message).toBe('silent-failure probe "audit" cites FND-404, which is not in the findings ledger')
  })

  it("renders a set with links", () => {
    expect(
      Recommendations.renderMarkdown([{ text: "Use *keys*", cites: ["FND-001", "results/a b.log"], priority: "high" }])
    ).toBe("1. **[high]** Use \\*keys\\* — cites [FND-001](#fnd-001), [results/a b.log](results/a%20b.log)")
  })
})
