import { Seed } from "@24h/core"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SchemaDrift } from "../src/index.ts"

const fieldCount = (v: unknown): number =>
  Array.isArray(v)
    ? v.reduce((n: number, x) => n + fieldCount(x), 0)
    : v !== null && typeof v === "object"
      ? Object.values(v).reduce((n: number, x) => n + 1 + fieldCount(x), 0)
      : 0

const rng = (n: number) => Seed.stream(Seed.derive(Seed.make(n), "mocks/drift"))

describe("SchemaDrift.mutate", () => {
  it("applies each operation and reports it", () => {
    const input = { userId: 7, first_name: "Ana", active: true, tags: ["a"], address: { zip: "10115" } }
    expect(SchemaDrift.mutate(input, rng(1), { operations: ["rename"], fieldRate: 1 }).value).toEqual({
      user_id: 7,
      firstName: "Ana",
      activeV2: true,
      tagsV2: ["a"],
      addressV2: { zipV2: "10115" }
    })
    expect(SchemaDrift.mutate(input, rng(1), { operations: ["null"], fieldRate: 1 }).value).toEqual({
      userId: null,
      first_name: null,
      active: null,
      tags: null,
      address: null
    })
    const retyped = SchemaDrift.mutate(input, rng(1), { operations: ["retype"], fieldRate: 1 })
    expect(retyped.value).toEqual({
      userId: "7",
      first_name: ["Ana"],
      active: "true",
      tags: { items: ["a"] },
      address: '{"zip":10115}'
    })
    expect(SchemaDrift.mutate(input, rng(1), { operations: ["drop"], fieldRate: 1 }).value).toEqual({})
    expect(SchemaDrift.mutate(input, rng(1), { operations: ["drop"], fieldRate: 0 }).changes).toHaveLength(1)
    expect(input.userId).toBe(7)
  })

  it("is deterministic per seed and always changes something (any JSON value with a field)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
        const a = SchemaDrift.mutate(value, rng(seed))
        const b = SchemaDrift.mutate(value, rng(seed))
        expect(a).toEqual(b)
        const hasField = fieldCount(value) > 0
        if (hasField) expect(a.changes.length).toBeGreaterThan(0)
        else expect(a.value).toEqual(value)
      }),
      { seed: 42, numRuns: 300 }
    )
  })

  it("validates its options", () => {
    expect(() => SchemaDrift.mutate({}, rng(1), { fieldRate: 2 })).toThrow("fieldRate must be in [0, 1] (got 2)")
    expect(() => SchemaDrift.mutate({}, rng(1), { operations: [] })).toThrow("operations must be non-empty")
  })
})
