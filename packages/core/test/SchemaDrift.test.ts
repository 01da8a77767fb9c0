import { describe, expect, it } from "vitest"
import { SchemaDrift, Seed } from "../src/index.ts"

const rng = (n: number) => Seed.stream(Seed.derive(Seed.make(n), "core/drift"))

describe("SchemaDrift (core)", () => {
  it("is deterministic per seed and leaves the input untouched", () => {
    const input = { userId: 1, items: [{ unitPrice: 2, sku: "a" }], note: "x" }
    const copy = structuredClone(input)
    const a = SchemaDrift.mutate(input, rng(7))
    const b = SchemaDrift.mutate(input, rng(7))
    expect(a).toEqual(b)
    expect(a.changes.length).toBeGreaterThan(0)
    expect(input).toEqual(copy)
  })

  it("applies only the requested operations", () => {
    const { value, changes } = SchemaDrift.mutate({ a: 1, b: "2" }, rng(1), { operations: ["null"], fieldRate: 1 })
    expect(value).toEqual({ a: null, b: null })
    expect(changes.map((c) => c.operation)).toEqual(["null", "null"])
  })

  it("rejects an out-of-range fieldRate naming the value", () => {
    expect(() => SchemaDrift.mutate({}, rng(1), { fieldRate: 2 })).toThrow("fieldRate must be in [0, 1] (got 2)")
  })
})
