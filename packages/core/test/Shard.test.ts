import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Load, Pipeline, Seed, Shard } from "../src/index.ts"

const all = (n: number) =>
  Effect.forEach(
    Array.from({ length: n }, (_, i) => i),
    (i) => Shard.make(i, n)
  )

describe("Shard", () => {
  it.effect("parses i/n (0-based) and rejects what is not a shard, naming the value", () =>
    Effect.gen(function* () {
      const s = yield* Shard.parse("3/4")
      assert.deepStrictEqual([s.index, s.count], [3, 4])
      assert.strictEqual(Shard.format(s), "3/4")
      for (const bad of ["4/4", "1", "-1/4", "a/b", "0/0"]) {
        const e = yield* Effect.flip(Shard.parse(bad))
        assert.strictEqual(e.reason, "InvalidInput")
        assert.include(
          e.message,
          bad.includes("/") && /^\d+\/\d+$/.test(bad) ? bad.split("/")[0]! : JSON.stringify(bad)
        )
      }
    })
  )

  it.effect("reads JOB_COMPLETION_INDEX (or H24_SHARD_INDEX) and H24_SHARD_COUNT", () =>
    Effect.gen(function* () {
      const k8s = yield* Shard.fromEnv({ JOB_COMPLETION_INDEX: "2", H24_SHARD_COUNT: "4" })
      assert.strictEqual(Option.map(k8s, Shard.format).pipe(Option.getOrUndefined), "2/4")
      const ci = yield* Shard.fromEnv({ H24_SHARD_INDEX: "0", H24_SHARD_COUNT: "2" })
      assert.strictEqual(Option.map(ci, Shard.format).pipe(Option.getOrUndefined), "0/2")
      assert.isTrue(Option.isNone(yield* Shard.fromEnv({})))
      const missing = yield* Effect.flip(Shard.fromEnv({ JOB_COMPLETION_INDEX: "1" }))
      assert.include(missing.message, "H24_SHARD_COUNT")
      const outOfRange = yield* Effect.flip(Shard.fromEnv({ JOB_COMPLETION_INDEX: "4", H24_SHARD_COUNT: "4" }))
      assert.include(outOfRange.message, "got 4")
    })
  )

  it.effect("shares of a rate, of VUs and of an iteration budget sum to the whole", () =>
    Effect.gen(function* () {
      for (const n of [1, 3, 4, 7]) {
        const shards = yield* all(n)
        const open = Load.constantRate({ rate: 1000, duration: "10s", vus: 100, maxIterations: 9_999 })
        const parts = yield* Effect.forEach(shards, (s) => Shard.model(open, s))
        const rates = parts.map((p) => (p._tag === "constant-rate" ? p.rate : Number.NaN))
        assert.strictEqual(
          rates.reduce((a, b) => a + b, 0),
          1000
        )
        assert.strictEqual(
          parts.reduce((a, p) => a + (p.maxIterations ?? 0), 0),
          9_999
        )
        assert.strictEqual(
          parts.reduce((a, p) => a + p.vus, 0),
          100
        )
        const closed = Load.closed({ vus: 10, duration: "1s" })
        const vus = yield* Effect.forEach(shards, (s) => Shard.model(closed, s))
        assert.strictEqual(
          vus.reduce((a, p) => a + p.vus, 0),
          10
        )
      }
      const [a, b] = yield* all(2)
      const ramp = Load.rampingRate({ startRate: 5, stages: [{ target: 101, duration: "1s" }] })
      const r0 = yield* Shard.model(ramp, a!)
      const r1 = yield* Shard.model(ramp, b!)
      assert.isTrue(r0._tag === "ramping-rate" && r1._tag === "ramping-rate")
      if (r0._tag === "ramping-rate" && r1._tag === "ramping-rate") {
        assert.strictEqual(r0.startRate + r1.startRate, 5)
        assert.strictEqual(r0.stages[0]!.target + r1.stages[0]!.target, 101)
      }
      const tooFew = yield* Effect.flip(Shard.model(Load.closed({ vus: 3, duration: "1s" }), (yield* all(4))[3]!))
      assert.include(tooFew.message, "vus 3 cannot be split into 4 shards")
    })
  )

  it("derives a distinct seed per shard, and the shard directory", () => {
    const root = Seed.make(42)
    const shards = [0, 1, 2, 3].map((i) => Effect.runSync(Shard.make(i, 4)))
    const firsts = shards.map((s) => Seed.stream(Shard.seed(root, s)).next())
    assert.strictEqual(new Set(firsts).size, 4)
    assert.strictEqual(Seed.identity(Shard.seed(root, shards[2]!)), Seed.identity(Seed.derive(root, "shard/2")))
    assert.strictEqual(Shard.dir("runs/r1", shards[3]!), join("runs/r1", "shards", "3"))
  })

  it.live("Shard.pipeline runs its share and writes under shards/<i>/", () =>
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "24h-shard-"))
      try {
        const seen: Array<string> = []
        for (const shard of yield* all(2)) {
          const r = yield* Shard.pipeline(
            "baseline",
            {
              name: "orders",
              load: {
                model: Load.closed({ vus: 2, duration: "5s", maxIterations: 11 }),
                iteration: (ctx) => Effect.sync(() => seen.push(ctx.correlationId)).pipe(Effect.as(true))
              },
              thresholds: ["requests >= 1"],
              dir
            },
            shard
          )
          assert.include(r.notes, `shard ${Shard.format(shard)}`)
          const written = Pipeline.Result.parse(
            JSON.parse(readFileSync(join(dir, "shards", String(shard.index), Pipeline.pathOf(r)), "utf8"))
          )
          assert.strictEqual(written.requests, shard.index === 0 ? 6 : 5)
        }
        assert.strictEqual(seen.length, 11)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  )
})
