import { Histogram, Seed } from "@24h/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const exactPercentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!

describe("Histogram", () => {
  it("merging two histograms equals one histogram fed both streams (property)", () => {
    const values = fc.array(fc.double({ min: 0, max: 600_000, noNaN: true }), { maxLength: 200 })
    fc.assert(
      fc.property(values, values, (xs, ys) => {
        const a = Histogram.make()
        const b = Histogram.make()
        const both = Histogram.make()
        for (const x of xs) {
          Histogram.record(a, x)
          Histogram.record(both, x)
        }
        for (const y of ys) {
          Histogram.record(b, y)
          Histogram.record(both, y)
        }
        expect(Histogram.summary(Histogram.merge(a, b))).toEqual(Histogram.summary(both))
        const into = Histogram.make()
        Histogram.addInto(into, a)
        Histogram.addInto(into, b)
        expect(Histogram.summary(into)).toEqual(Histogram.summary(both))
      }),
      { numRuns: 50 }
    )
  })

  it("reads percentiles within 1% of exact on a lognormal latency distribution", () => {
    const rng = Seed.stream(Seed.make("histogram/lognormal"))
    const h = Histogram.make()
    const values: Array<number> = []
    for (let i = 0; i < 100_000; i++) {
      const v = Math.exp(rng.nextGaussian(Math.log(20), 0.8)) // median 20 ms, long tail
      values.push(v)
      Histogram.record(h, v)
    }
    values.sort((x, y) => x - y)
    const s = Histogram.summary(h)
    for (const [p, got] of [
      [50, s.p50],
      [90, s.p90],
      [95, s.p95],
      [99, s.p99],
      [99.9, s.p999]
    ] as const) {
      const exact = exactPercentile(values, p)
      expect(Math.abs(got - exact) / exact, `p${p}: ${got} vs ${exact}`).toBeLessThan(0.01)
    }
    expect(Math.abs(s.max - values[values.length - 1]!) / values[values.length - 1]!).toBeLessThan(0.01)
    expect(s.count).toBe(100_000)
  })

  it("keeps memory bounded: 1.1 million values fit in under 128 KB", () => {
    const rng = Seed.stream(Seed.make(1))
    const h = Histogram.make()
    for (let i = 0; i < 100_000; i++) Histogram.record(h, rng.nextRange(0, 1000))
    for (let i = 0; i < 1_000_000; i++) Histogram.record(h, rng.nextRange(0, 1000))
    // 1.1 million doubles would take 8.8 MB; the histogram stays under 128 KB, and a compact one far smaller.
    expect(h.hdr.estimatedFootprintInBytes).toBeLessThan(128 * 1024)
    const compact = Histogram.make({ storage: "compact" })
    for (let i = 0; i < 100_000; i++) Histogram.record(compact, rng.nextRange(0, 1000))
    expect(compact.hdr.estimatedFootprintInBytes).toBeLessThan(64 * 1024)
    expect(Histogram.percentile(compact, 50)).toBeCloseTo(Histogram.percentile(h, 50), -1)
  })

  it("round-trips through its serialised form and merges decoded windows", () => {
    const a = Histogram.make()
    const b = Histogram.make()
    for (let i = 1; i <= 1000; i++) Histogram.record(i % 2 ? a : b, i / 10)
    const decoded = Histogram.merge(
      Histogram.decode(Histogram.encode(a)),
      Histogram.decode(JSON.parse(JSON.stringify(Histogram.encode(b))))
    )
    const direct = Histogram.merge(a, b)
    expect(Histogram.count(decoded)).toBe(1000)
    expect(Histogram.percentile(decoded, 99)).toBeCloseTo(Histogram.percentile(direct, 99), 1)
    expect(Histogram.Encoded.safeParse(Histogram.encode(a)).success).toBe(true)
  })

  it("ignores impossible values and reads an empty histogram as zeros", () => {
    const h = Histogram.make()
    Histogram.record(h, -1)
    Histogram.record(h, Number.NaN)
    Histogram.record(h, Number.POSITIVE_INFINITY)
    expect(Histogram.summary(h)).toMatchObject({ count: 0, p99: 0, max: 0 })
    Histogram.recordMany(h, 5, 10)
    expect(Histogram.summary(h).count).toBe(10)
    expect(Histogram.summary(h).p50).toBeCloseTo(5, 1)
    Histogram.record(h, 7_200_000) // beyond the default 1 h: auto-resizes
    expect(Histogram.summary(h).max).toBeGreaterThan(7_100_000)
  })

  it("rejects corrupt serialised input with a clear error", () => {
    const bad = Histogram.decodeSafe({ count: 1 })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.message).toMatch(/not an encoded histogram/)
    const garbage = Histogram.decodeSafe({ ...Histogram.encode(Histogram.make()), encoded: "@@@not-base64" })
    expect(garbage.ok).toBe(false)
    expect(() => Histogram.make({ highestMs: 0 })).toThrow(/got 0/)
  })
})
