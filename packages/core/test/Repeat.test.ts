import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Load, Pipeline, Repeat, Seed, Threshold } from "../src/index.ts"

const round3 = (x: number) => Math.round(x * 1000) / 1000

describe("Repeat", () => {
  it("Wilson score intervals match known values", () => {
    const w = Repeat.wilson(8, 10, 0.95)
    assert.deepStrictEqual([round3(w.lower), round3(w.upper)], [0.49, 0.943])
    const none = Repeat.wilson(0, 10)
    assert.deepStrictEqual([none.lower, round3(none.upper)], [0, 0.278])
    const all = Repeat.wilson(10, 10)
    assert.deepStrictEqual([round3(all.lower), all.upper], [0.722, 1])
    const one = Repeat.wilson(1, 1)
    assert.deepStrictEqual([round3(one.lower), one.upper], [0.207, 1])
    // 99%: z = 2.5758, centre 0.6803 ± 0.2795
    const w99 = Repeat.wilson(8, 10, 0.99)
    assert.deepStrictEqual([round3(w99.lower), round3(w99.upper)], [0.401, 0.96])
    assert.deepStrictEqual(Repeat.wilson(0, 0), { rate: 0, lower: 0, upper: 1, confidence: 0.95 })
    assert.throws(() => Repeat.wilson(11, 10), /successes must be an integer in \[0, 10\] \(got 11\)/)
    assert.throws(() => Repeat.wilson(1, 10, 1.5), /confidence must be in \(0, 1\) \(got 1.5\)/)
  })

  it("pass^k, pass@k and the classification", () => {
    const flaky = Repeat.summarize("refund", [true, false, true], { k: 2 })
    assert.strictEqual(round3(flaky.passK), round3(1 / 3))
    assert.strictEqual(flaky.passAtK, 1)
    assert.strictEqual(flaky.classification, "flaky")
    const all = Repeat.summarize("login", [true, true, true])
    assert.deepStrictEqual([all.passK, all.passAtK, all.classification], [1, 1, "pass"])
    const none = Repeat.summarize("search", [false, false])
    assert.deepStrictEqual([none.passK, none.passAtK, none.classification], [0, 0, "fail"])
    const check = Repeat.toCheck(Repeat.summarize("refund", [true, false]))
    assert.strictEqual(check.outcome, "fail")
    assert.match(check.message, /^flaky: 1 of 2 runs passed \(50\.0%, 95% Wilson interval \[9\.5%, 90\.5%\]\)/)
    const cases = Repeat.byCase([
      { name: "a", ok: true },
      { name: "b", ok: false },
      { name: "a", ok: false }
    ])
    assert.deepStrictEqual(
      cases.map((c) => [c.name, c.classification]),
      [
        ["a", "flaky"],
        ["b", "fail"]
      ]
    )
  })

  it.effect("thresholds read the statistics as counters, per case with a prefix", () =>
    Effect.gen(function* () {
      const s = Repeat.summarize("checkout", [true, true, true, true, true, true, true, true, false, true])
      const verdicts = yield* Threshold.evaluateAll(
        ["successRate.lower > 95%", "passK == 1", "checkout.successRate >= 80%"],
        { counters: { ...Repeat.counters(s), ...Repeat.counters(s, "checkout") } }
      )
      assert.deepStrictEqual(
        verdicts.map((v) => v.verdict),
        ["fail", "fail", "pass"]
      )
    })
  )

  it.effect("Repeat.run counts failures of the effect as failed runs", () =>
    Effect.gen(function* () {
      const s = yield* Repeat.run("sometimes", 5, (i) => (i === 2 ? Effect.fail("boom") : Effect.succeed(i % 2 === 0)))
      assert.deepStrictEqual(s.outcomes, [true, false, false, false, true])
    })
  )

  it.live("Repeat.pipeline runs k pipelines with their own seeds and judges them on the repeat counters", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "24h-repeat-"))
      try {
        let run = 0
        const r = yield* Repeat.pipeline(
          "adversarial",
          4,
          {
            name: "flaky answer",
            load: {
              model: Load.iterations(3),
              iteration: (ctx) => Effect.sync(() => !(ctx.index === 0 && run++ === 1))
            },
            thresholds: ["errorRate == 0"],
            dir
          },
          { thresholds: ["successRate.lower > 10%"] }
        ).pipe(Effect.provideService(Seed.RootSeed, Seed.make(1)))
        assert.deepStrictEqual(
          r.runs.map((x) => x.verdict),
          ["pass", "fail", "pass", "pass"]
        )
        assert.strictEqual(r.summary.classification, "flaky")
        assert.strictEqual(r.result.counts.successRate, 0.75)
        assert.strictEqual(r.result.counts.passK, 0)
        assert.strictEqual(r.result.requests, 12)
        assert.strictEqual(r.result.checks.at(-1)?.source, "repeat")
        // errorRate == 0 on the merged data fails (one run had an error): the verdict says so.
        assert.strictEqual(r.result.verdict, "fail")
        const written = Pipeline.Result.parse(JSON.parse(readFileSync(join(dir, Pipeline.pathOf(r.result)), "utf8")))
        assert.strictEqual(written.counts["successRate.lower"], r.summary.successRate.lower)
        readFileSync(join(dir, "repeats", "3", Pipeline.pathOf(r.result)), "utf8")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  )
})
