import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Histogram, Invariant, Pipeline, Run } from "@24h/core"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"

const fakeClock = () => {
  let t = Date.parse("2026-01-01T00:00:00.000Z")
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    }
  }
}

describe("Pipeline", () => {
  it("records latencies into windows, evaluates thresholds and invariants, and writes the result", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-pipe-"))
    const clock = fakeClock()
    const invariants = Invariant.catalog()
    const ok = invariants.always("every response is 200")
    const result = await Effect.runPromise(
      Pipeline.run(
        {
          kind: "baseline",
          name: "happy path",
          thresholds: ["p95 < 50ms", "errorRate < 1%"],
          invariants,
          windowMs: 1000,
          now: clock.now,
          dir
        },
        (rec) =>
          Effect.sync(() => {
            for (let i = 0; i < 30; i++) {
              rec.record(10 + (i % 10), true)
              ok.check(true)
              clock.advance(100)
            }
            const end = rec.fault("latency 200ms", { target: "db" })
            clock.advance(500)
            end()
            rec.count("retries", 2)
            rec.note("warm-up excluded")
          })
      )
    )
    expect(result.verdict).toBe("pass")
    expect(result.requests).toBe(30)
    expect(result.windows.map((w) => w.requests)).toEqual([10, 10, 10])
    expect(result.windows[0]!.start).toBe("2026-01-01T00:00:00.000Z")
    expect(result.faultWindows).toEqual([
      { name: "latency 200ms", start: "2026-01-01T00:00:03.000Z", end: "2026-01-01T00:00:03.500Z", target: "db" }
    ])
    expect(result.counts).toEqual({ retries: 2 })
    expect(result.durationMs).toBe(3500)
    const path = join(dir, "results", "pipelines", "baseline-happy_path.json")
    expect(Pipeline.Result.parse(JSON.parse(readFileSync(path, "utf8")))).toEqual(result)
    expect(Histogram.summary(Histogram.decode(result.windows[1]!.latency)).count).toBe(10)
    const all = await Effect.runPromise(Pipeline.readAll(dir))
    expect(all).toEqual([result])
    const jsonl = readFileSync(join(dir, Pipeline.invariantsPathOf(result)), "utf8")
      .trim()
      .split("\n")
    expect(jsonl.map((l) => Invariant.Entry.parse(JSON.parse(l)).name)).toEqual(["every response is 200"])
  })

  it("fails on a threshold or an invariant never hit, and errors (keeping evidence) when the body fails", async () => {
    const slow = await Effect.runPromise(
      Pipeline.run({ kind: "stress", name: "slow", thresholds: ["p99 < 5ms"] }, (rec) =>
        Effect.sync(() => rec.record(50))
      )
    )
    expect(slow.verdict).toBe("fail")
    const inv = Invariant.catalog()
    inv.sometimes("the breaker opens")
    const unexercised = await Effect.runPromise(
      Pipeline.run({ kind: "chaos", name: "c", invariants: inv }, () => Effect.void)
    )
    expect(unexercised.verdict).toBe("fail")
    const crashed = await Effect.runPromise(
      Pipeline.run({ kind: "recovery", name: "r" }, (rec) =>
        Effect.andThen(
          Effect.sync(() => rec.record(1)),
          Effect.fail("upstream unreachable")
        )
      )
    )
    expect(crashed.verdict).toBe("error")
    expect(crashed.error).toContain("upstream unreachable")
    expect(crashed.requests).toBe(1)
  })

  it("writes into the CurrentRun and stamps its run id and seed", async () => {
    const root = mkdtempSync(join(tmpdir(), "24h-pipe-run-"))
    const layer = Run.layer({ root, seed: 5, metadata: { ENTRY_ID: "e1", ENTRY_TITLE: "t" } })
    const result = await Effect.runPromise(
      Pipeline.run({ kind: "adversarial", name: "injection" }, (rec) => Effect.sync(() => rec.record(3))).pipe(
        Effect.provide(Layer.fresh(layer))
      )
    )
    expect(result.seed).toBe(5)
    expect(result.runId).toMatch(/^run-\d{4}-\d{2}-\d{2}-01$/)
    const all = await Effect.runPromise(Pipeline.readAll(join(root, "e1", "latest")))
    expect(all.map((r) => r.name)).toEqual(["injection"])
  })

  it("rejects bad options and bad result files with the field named", async () => {
    const e = await Effect.runPromise(
      Effect.flip(Pipeline.run({ kind: "soak" as never, name: "x" }, () => Effect.void))
    )
    expect(e.message).toMatch(/kind: .*got "soak"/)
    const t = await Effect.runPromise(
      Effect.flip(Pipeline.run({ kind: "baseline", name: "x", thresholds: ["p9 <"] }, () => Effect.void))
    )
    expect(t.reason).toBe("InvalidThreshold")
    const dir = mkdtempSync(join(tmpdir(), "24h-pipe-bad-"))
    const r = await Effect.runPromise(Pipeline.run({ kind: "baseline", name: "ok", dir }, () => Effect.void))
    await Effect.runPromise(Pipeline.write(dir, { ...r, name: "broken", requests: -1 }))
    const bad = await Effect.runPromise(Effect.flip(Pipeline.readAll(dir)))
    expect(bad.message).toMatch(/baseline-broken\.json: requests: .*got -1/)
  })
})
