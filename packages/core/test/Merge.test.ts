import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Check, Histogram, Invariant, Merge, Pipeline, Seed, Shard } from "../src/index.ts"

/** A shard's result, built from a seeded stream of latencies with a fixed clock. */
const shardResult = (index: number, startMs: number, options: { fail?: boolean; sometimes?: boolean } = {}) =>
  Effect.gen(function* () {
    const rng = Seed.stream(Seed.derive(Seed.make(7), `shard/${index}`))
    let now = startMs
    const invariants = Invariant.catalog({ now: () => now })
    const always = invariants.always("no order is lost")
    const sometimes = invariants.sometimes("a retry happened")
    const result = yield* Pipeline.run(
      {
        kind: "chaos",
        name: "db flap",
        thresholds: ["p99 < 500ms", "errorRate < 50%"],
        invariants,
        windowMs: 1000,
        now: () => now
      },
      (rec) =>
        Effect.sync(() => {
          const end = rec.fault("db down", { target: "postgres" })
          for (let i = 0; i < 500; i++) {
            const ok = rng.chance(0.95)
            rec.record(1 + rng.next() * 300, ok)
            if (!ok) rec.count("retries")
            always.check(!(options.fail === true && i === 250), { i })
            sometimes.check(options.sometimes === true && i === 10)
            now += 7
          }
          end()
          rec.set("recoveryMs", 100 * (index + 1))
          rec.check(Check.pass("audit", `shard ${index} balanced`))
        })
    )
    return { source: `shards/${index}`, result }
  })

describe("Merge", () => {
  it.effect("adds histograms exactly, sums counters and keeps the worst …Ms gauge", () =>
    Effect.gen(function* () {
      const inputs = yield* Effect.forEach([0, 1, 2, 3], (i) => shardResult(i, 1_700_000_000_000 + i * 333))
      const merged = yield* Merge.results(inputs)
      const expected = Histogram.make()
      for (const s of inputs) Histogram.addInto(expected, Histogram.decode(s.result.latency))
      assert.strictEqual(merged.latency.encoded, Histogram.encode(expected).encoded)
      assert.strictEqual(merged.latency.count, 2000)
      assert.strictEqual(merged.requests, 2000)
      assert.strictEqual(
        merged.errors,
        inputs.reduce((n, s) => n + s.result.errors, 0)
      )
      assert.strictEqual(merged.counts.retries, merged.errors)
      assert.strictEqual(merged.counts.recoveryMs, 400)
      assert.strictEqual(
        merged.windows.reduce((n, w) => n + w.requests, 0),
        2000
      )
      // Windows sit on a wall-clock grid of the shards' window width.
      for (const w of merged.windows) assert.strictEqual(Date.parse(w.start) % 1000, 0)
      assert.strictEqual(merged.faultWindows.length, 4)
      assert.deepStrictEqual(
        merged.faultWindows.map((f) => f.details?.source),
        ["shards/0", "shards/1", "shards/2", "shards/3"]
      )
      assert.strictEqual(merged.checks.length, 4)
      assert.include(merged.checks[0]!.evidence ?? [], "source: shards/0")
      // Thresholds evaluated again on the merged data.
      const p99 = merged.thresholds.find((t) => t.metric === "p99")
      assert.strictEqual(p99?.actual, Histogram.summary(expected).p99)
      assert.strictEqual(merged.startedAt, inputs[0]!.result.startedAt)
      assert.strictEqual(merged.verdict, "fail") // the `sometimes` was never true in any shard
    })
  )

  it.effect("a violated always anywhere is violated; a sometimes hit anywhere is hit", () =>
    Effect.gen(function* () {
      const clean = yield* shardResult(0, 1_700_000_000_000)
      const hit = yield* shardResult(1, 1_700_000_000_000, { sometimes: true })
      const merged = yield* Merge.results([clean, hit])
      assert.strictEqual(merged.invariants.entries.find((e) => e.kind === "sometimes")?.verdict, "pass")
      assert.strictEqual(merged.invariants.entries.find((e) => e.kind === "always")?.verdict, "pass")
      assert.strictEqual(merged.verdict, "pass")
      const broken = yield* shardResult(2, 1_700_000_000_000, { fail: true })
      const bad = yield* Merge.results([clean, hit, broken])
      const always = bad.invariants.entries.find((e) => e.kind === "always")!
      assert.strictEqual(always.verdict, "violated")
      assert.strictEqual(always.message, "false 1 of 1500 times")
      assert.strictEqual(bad.verdict, "fail")
    })
  )

  it.effect("output depends only on the inputs: any order, twice, the same bytes", () =>
    Effect.gen(function* () {
      const inputs = yield* Effect.forEach([0, 1, 2], (i) => shardResult(i, 1_700_000_000_000 + i * 10))
      const a = yield* Merge.results(inputs)
      const b = yield* Merge.results([...inputs].reverse())
      assert.strictEqual(JSON.stringify(a), JSON.stringify(b))
    })
  )

  it.effect("rejects results of different pipelines and an empty input", () =>
    Effect.gen(function* () {
      const a = yield* shardResult(0, 1_700_000_000_000)
      const other = { source: "x", result: { ...a.result, name: "other" } }
      const e = yield* Effect.flip(Merge.results([a, other]))
      assert.include(e.message, "chaos/other, not chaos/db flap")
      assert.include((yield* Effect.flip(Merge.results([]))).message, "got 0 results")
    })
  )

  it.effect("Merge.dirs reads shards/<i>/ of a run directory, writes the merged results, and is idempotent", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "24h-merge-"))
      try {
        for (const i of [0, 1, 2, 3]) {
          const { result } = yield* shardResult(i, 1_700_000_000_000 + i)
          yield* Pipeline.write(Shard.dir(dir, yield* Shard.make(i, 4)), result)
        }
        const once = yield* Merge.dirs([dir], { out: dir, thresholds: ["requests == 2000"] })
        const path = join(dir, Pipeline.pathOf(once[0]!))
        const first = readFileSync(path, "utf8")
        yield* Merge.dirs([dir], { out: dir, thresholds: ["requests == 2000"] })
        assert.strictEqual(readFileSync(path, "utf8"), first)
        assert.strictEqual(once[0]!.thresholds.find((t) => t.expression === "requests == 2000")?.verdict, "pass")
        assert.isTrue(readFileSync(join(dir, Pipeline.invariantsPathOf(once[0]!)), "utf8").includes("no order is lost"))
        const none = yield* Effect.flip(Merge.dirs([join(dir, "results")]))
        assert.include(none.message, "no results/pipelines/*.json")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  )
})
