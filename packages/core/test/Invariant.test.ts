import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Invariant } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

describe("Invariant", () => {
  it("passes when every assertion holds and every sometimes/reachable was hit", () => {
    const c = Invariant.catalog()
    const always = c.always("balance never negative")
    const sometimes = c.sometimes("a retry happens")
    const reachable = c.reachable("fallback path taken")
    c.unreachable("double charge")
    c.alwaysOrUnreachable("refund matches charge")
    for (let i = 0; i < 10; i++) always.check(i >= 0, { i })
    sometimes.check(false)
    sometimes.check(true)
    reachable.hit()
    const s = c.summary()
    expect(s).toMatchObject({ passed: true, total: 5, violated: 0, neverHit: 0 })
    expect(s.entries.find((e) => e.kind === "alwaysOrUnreachable")?.message).toBe("never reached (allowed)")
    expect(Invariant.format(s)).toBe("invariants: all 5 passed")
  })

  it("fails on a violated always/unreachable and on a sometimes/reachable never hit, keeping examples", () => {
    const c = Invariant.catalog({ now: () => 0 })
    const always = c.always("status is 2xx")
    c.always("never evaluated")
    const sometimes = c.sometimes("circuit opens")
    c.reachable("timeout path")
    const unreachable = c.unreachable("duplicate POST")
    for (let i = 0; i < 20; i++) always.check(i % 5 !== 0, { i })
    sometimes.check(false)
    unreachable.hit({ key: "idem-1" })
    const s = c.summary()
    expect(s.passed).toBe(false)
    expect(s.violated).toBe(2)
    expect(s.neverHit).toBe(3)
    const byName = Object.fromEntries(s.entries.map((e) => [e.name, e]))
    expect(byName["status is 2xx"]).toMatchObject({
      verdict: "violated",
      hits: 20,
      falses: 4,
      message: "false 4 of 20 times"
    })
    expect(byName["status is 2xx"]!.examples[0]).toEqual({ at: "1970-01-01T00:00:00.000Z", details: { i: 0 } })
    expect(byName["never evaluated"]!.verdict).toBe("never-hit")
    expect(byName["circuit opens"]!.message).toBe("reached 1 times, never true")
    expect(byName["timeout path"]!.verdict).toBe("never-hit")
    expect(Invariant.format(s)).toContain("✗ [unreachable] duplicate POST: reached 1 times")
  })

  it("keeps a bounded number of failing examples", () => {
    const a = Invariant.catalog().always("x")
    const c = Invariant.catalog()
    const b = c.always("y")
    for (let i = 0; i < 10_000; i++) b.check(false, { i })
    a.check(true)
    expect(c.summary().entries[0]!.examples).toHaveLength(10)
    expect(c.summary().entries[0]!.falses).toBe(10_000)
  })

  it("returns the same assertion for the same name and refuses a different kind", () => {
    const c = Invariant.catalog()
    expect(c.always("a")).toBe(c.always("a"))
    expect(() => c.sometimes("a")).toThrow(/"a" is already declared as always/)
    expect(() => c.always("  ")).toThrow(/non-empty/)
  })

  it("writes the catalogue and tallies as JSON Lines", async () => {
    const c = Invariant.catalog()
    c.always("a").check(true)
    c.sometimes("b")
    const path = join(mkdtempSync(join(tmpdir(), "24h-inv-")), "results", "invariants.jsonl")
    await Effect.runPromise(Invariant.write(c, path))
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => Invariant.Entry.parse(JSON.parse(l)))
    expect(lines.map((l) => [l.name, l.verdict])).toEqual([
      ["a", "pass"],
      ["b", "never-hit"]
    ])
  })

  it("is available as a service", () => {
    const s = Effect.runSync(
      Effect.gen(function* () {
        const c = yield* Invariant.Invariants
        c.reachable("r").hit()
        return c.summary()
      }).pipe(Effect.provide(Invariant.layer()))
    )
    expect(s.passed).toBe(true)
  })
})
