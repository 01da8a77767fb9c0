import { Seed } from "@24h/core"
import { Effect, Random, Result } from "effect"
import { describe, expect, it } from "vitest"
import { fixture, runTs } from "./util.ts"

// Golden vectors: the seed contract. If these change, every recorded seed replays differently — that is a
// breaking change and needs a major version, not a test update.
const GOLDEN = {
  n42: [1474411040, 106388813, 2006170141, 547, 0.5365203373395269],
  "s-nightly": [1488280513, 3819373937, 2827567416, 518, 0.2721253479079281],
  "n42/chaos/p1": [1434156173, 157013009, 3936216857, 599, 0.4072444048834599],
  n0: [3963874907, 1972316571, 953347019, 632, 0.11137544254578835]
}

const firstValues = (seed: Seed.Seed) => {
  const s = Seed.stream(seed)
  return [s.nextUint32(), s.nextUint32(), s.nextUint32(), s.nextInt(0, 999), s.next()]
}

describe("Seed", () => {
  it("pins golden vectors for fixed seeds", () => {
    expect(firstValues(Seed.make(42))).toEqual(GOLDEN.n42)
    expect(firstValues(Seed.make("nightly"))).toEqual(GOLDEN["s-nightly"])
    expect(firstValues(Seed.derive(Seed.make(42), "chaos/p1"))).toEqual(GOLDEN["n42/chaos/p1"])
    expect(firstValues(Seed.make(0))).toEqual(GOLDEN.n0)
  })

  it("gives the same streams in another process (and another Node, when CI runs this on Node 24)", () => {
    const r = runTs(fixture("seed-vectors.ts"), [])
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(GOLDEN)
  })

  it("derives by path: a/b equals a then b, and siblings are independent", () => {
    const root = Seed.make(7)
    expect(firstValues(Seed.derive(root, "chaos/p1"))).toEqual(
      firstValues(Seed.derive(Seed.derive(root, "chaos"), "p1"))
    )
    expect(firstValues(Seed.derive(root, "chaos/p1"))).not.toEqual(firstValues(Seed.derive(root, "chaos/p2")))
    // Adding a consumer never reshuffles another: deriving draws nothing.
    const before = firstValues(Seed.derive(root, "mocks/users"))
    Seed.stream(Seed.derive(root, "mocks/orders")).nextUint32()
    expect(firstValues(Seed.derive(root, "mocks/users"))).toEqual(before)
  })

  it("distinguishes number and string roots and path segment boundaries", () => {
    expect(firstValues(Seed.make(42))).not.toEqual(firstValues(Seed.make("42")))
    expect(Seed.identity(Seed.derive(Seed.make(1), "ab/c"))).not.toEqual(
      Seed.identity(Seed.derive(Seed.make(1), "a/bc"))
    )
  })

  it("draws integers in range without bias and doubles in [0, 1)", () => {
    const s = Seed.stream(Seed.make("uniform"))
    const counts = new Array(6).fill(0)
    for (let i = 0; i < 60_000; i++) {
      const v = s.nextInt(1, 6)
      expect(v >= 1 && v <= 6).toBe(true)
      counts[v - 1]++
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500) // ~5 sigma
    for (let i = 0; i < 10_000; i++) {
      const d = s.next()
      expect(d >= 0 && d < 1).toBe(true)
    }
    expect(() => s.nextInt(5, 1)).toThrow(/min <= max \(got 5, 1\)/)
    expect(s.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5])
  })

  it("rejects bad roots with a message naming the value", async () => {
    expect(() => Seed.make(1.5)).toThrow(/got 1.5/)
    expect(() => Seed.make("")).toThrow(/non-empty/)
    expect(() => Seed.derive(Seed.make(1), "//")).toThrow(/name must be non-empty/)
    const e = await Effect.runPromise(Effect.flip(Seed.parse("   ")))
    expect(e.reason).toBe("InvalidSeed")
    expect(Effect.runSync(Seed.parse("42")).root).toBe(42)
    expect(Effect.runSync(Seed.parse("nightly")).root).toBe("nightly")
  })

  it("reads H24_SEED to replay and says how", () => {
    const seed = Effect.runSync(Seed.fromEnv({ H24_SEED: "1234" }))
    expect(seed.root).toBe(1234)
    expect(Seed.replayHint(seed)).toBe("H24_SEED=1234")
    expect(Seed.replayHint(Seed.make("a b"))).toBe('H24_SEED="a b"')
    expect(Seed.describe(Seed.derive(seed, "chaos/p1"))).toBe("seed 1234 / chaos/p1")
  })

  it("bridges to Effect's Random deterministically", () => {
    const draw = Effect.all([Random.next, Random.nextIntBetween(1, 100), Random.shuffle([1, 2, 3, 4])])
    const a = Effect.runSync(draw.pipe(Seed.withRandom(Seed.make(9))))
    const b = Effect.runSync(draw.pipe(Seed.withRandom(Seed.make(9))))
    const c = Effect.runSync(draw.pipe(Seed.withRandom(Seed.make(10))))
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    // The same effect value run twice replays the stream from its start.
    const roll = Random.nextIntBetween(1, 1_000_000).pipe(Seed.withRandom(Seed.make(11)))
    expect(Effect.runSync(roll)).toBe(Effect.runSync(roll))
  })

  it("derives from the RootSeed in context", () => {
    const seed = Effect.runSync(Seed.derived("mocks/users").pipe(Effect.provide(Seed.layer(42))))
    expect(firstValues(seed)).toEqual(firstValues(Seed.derive(Seed.make(42), "mocks/users")))
  })
})

describe("Seed.makeResult", () => {
  it("is make as a Result: a typed InvalidSeed with the field and value, and a made seed passes through", () => {
    const bad = Seed.makeResult("")
    expect(Result.isFailure(bad) && bad.failure).toMatchObject({
      _tag: "CoreError",
      reason: "InvalidSeed",
      module: "Seed.make",
      field: "root",
      value: ""
    })
    const made = Seed.derive(Seed.make(7), "x")
    expect(Result.getOrThrow(Seed.makeResult(made))).toBe(made)
    expect(Result.getOrThrow(Seed.makeResult(42))).toEqual(Seed.make(42))
  })
})
