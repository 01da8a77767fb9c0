import { Histogram, Threshold } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const parse = (e: string) => Effect.runSync(Threshold.parse(e))
const parseError = (e: string) => Effect.runSync(Effect.flip(Threshold.parse(e)))

describe("Threshold", () => {
  it("parses metrics, operators and units into base units", () => {
    expect(parse("p95 < 200ms")).toMatchObject({ metric: "p95", op: "<", target: 200 })
    expect(parse("p99<=1.5s")).toMatchObject({ metric: "p99", op: "<=", target: 1500 })
    expect(parse("max < 800us")).toMatchObject({ target: 0.8 })
    expect(parse("p50 < 10")).toMatchObject({ target: 10 })
    expect(parse("errorRate < 1%")).toMatchObject({ metric: "errorRate", target: 0.01 })
    expect(parse("throughput >= 50/s")).toMatchObject({ metric: "throughput", op: ">=", target: 50 })
    expect(parse("retries == 0")).toMatchObject({ metric: "retries", op: "==", target: 0 })
  })

  it("rejects malformed expressions, quoting them", () => {
    expect(parseError("p95 <").message).toMatch(/got "p95 <"/)
    expect(parseError("p95 < 10%").message).toMatch(/latency; use us, ms, s or m/)
    expect(parseError("errorRate < 5ms").message).toMatch(/only applies to latency/)
    expect(parseError("").reason).toBe("InvalidThreshold")
  })

  it("evaluates against a histogram and counters", () => {
    const latency = Histogram.make()
    for (let i = 1; i <= 100; i++) Histogram.record(latency, i)
    const metrics = { latency, requests: 200, errors: 3, durationMs: 2000, counters: { retries: 4 } }
    const v = Effect.runSync(
      Threshold.evaluateAll(
        ["p95 < 200ms", "p50 > 60ms", "errorRate < 1%", "throughput >= 100/s", "retries <= 4"],
        metrics
      )
    )
    expect(v.map((x) => x.verdict)).toEqual(["pass", "fail", "fail", "pass", "pass"])
    expect(v[2]!.message).toBe("errorRate < 1%: errorRate was 1.5% (fail)")
    expect(v[0]!.actual).toBeCloseTo(95, 0)
  })

  it("never passes silently on missing data", () => {
    const v = Threshold.evaluate(parse("p95 < 200ms"), { requests: 0 })
    expect(v.verdict).toBe("error")
    expect(v.message).toMatch(/no data for metric "p95"/)
    expect(Threshold.evaluate(parse("unknownCounter < 1"), {}).verdict).toBe("error")
    expect(Threshold.Verdict.safeParse(v).success).toBe(true)
  })
})
