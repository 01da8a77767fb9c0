import { Seed } from "@24h/core"
import { describe, expect, it } from "vitest"
import { Adversarial } from "../src/index.ts"

describe("Adversarial", () => {
  it("has every category, non-empty, and the flattened list", () => {
    for (const c of Adversarial.categories) expect(Adversarial.corpus[c].length).toBeGreaterThan(3)
    expect(Adversarial.strings.length).toBe(
      Adversarial.categories.reduce((n, c) => n + Adversarial.corpus[c].length, 0)
    )
    expect(Adversarial.corpus.bidi.some((s) => s.includes("\u202E"))).toBe(true)
  })

  it("draws deterministically and builds own __proto__ keys", () => {
    const a = Seed.stream(Seed.make(1))
    const b = Seed.stream(Seed.make(1))
    expect(Array.from({ length: 5 }, () => Adversarial.pick(a, "sql"))).toEqual(
      Array.from({ length: 5 }, () => Adversarial.pick(b, "sql"))
    )
    const o = Adversarial.poisoned("__proto__", { isAdmin: true })
    expect(JSON.stringify(o)).toBe('{"__proto__":{"isAdmin":true}}')
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined()
    expect(Adversarial.oversized(10)).toBe("AAAAAAAAAA")
    expect(() => Adversarial.oversized(-1)).toThrow("bytes must be a non-negative integer (got -1)")
  })
})
