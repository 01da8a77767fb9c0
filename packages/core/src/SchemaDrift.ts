/**
 * Schema drift: a seeded mutator that renames, drops, retypes or nulls fields of any JSON value — what happens when
 * an upstream ships a new version without telling you. Pure JSON transformation, used by `HttpMock`'s `drift`
 * switch (`@24h/mocks`, which re-exports this module) and `HttpFaultProxy`'s `drift` action (`@24h/chaos`), and
 * usable alone on fixtures.
 *
 * @example
 * ```ts
 * import { SchemaDrift, Seed } from "@24h/core"
 *
 * const rng = Seed.stream(Seed.derive(Seed.make(42), "mocks/drift"))
 * const { value, changes } = SchemaDrift.mutate({ userId: 1, name: "Ana" }, rng)
 * // e.g. value = { user_id: 1, name: "Ana" }, changes = [{ path: "userId", operation: "rename", to: "user_id" }]
 * ```
 *
 * @since 0.1.0
 */

import { z } from "zod"
import type * as Seed from "./Seed.ts"

/**
 * A drift operation.
 *
 * @example
 * ```ts
 * import { SchemaDrift } from "@24h/core"
 * const op: SchemaDrift.Operation = SchemaDrift.Operation.parse("retype")
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Operation = z.enum(["rename", "drop", "retype", "null"])
/**
 * A drift operation.
 *
 * @example
 * ```ts
 * import { SchemaDrift } from "@24h/core"
 * const op: SchemaDrift.Operation = SchemaDrift.Operation.parse("retype")
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Operation = z.infer<typeof Operation>

/**
 * Every operation.
 *
 * @example
 * ```ts
 * import { SchemaDrift } from "@24h/core"
 * SchemaDrift.operations // ["rename", "drop", "retype", "null"]
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const operations: ReadonlyArray<Operation> = Operation.options

/**
 * Options of {@link mutate}.
 *
 * @example
 * ```ts
 * import type { SchemaDrift } from "@24h/core"
 * const options: SchemaDrift.Options = { operations: ["drop", "null"], fieldRate: 0.2 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Which operations to apply. Default: all four. */
  readonly operations?: ReadonlyArray<Operation>
  /** Probability that a given field drifts. Default `0.3`. */
  readonly fieldRate?: number
  /** When no field was drawn, drift one anyway so every call changes something. Default `true`. */
  readonly atLeastOne?: boolean
}

/**
 * One change made by {@link mutate}: the JSON path of the field and what happened to it.
 *
 * @example
 * ```ts
 * import type { SchemaDrift } from "@24h/core"
 * const describe = (c: SchemaDrift.Change) => `${c.operation} ${c.path}${c.to ? ` -> ${c.to}` : ""}`
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Change {
  readonly path: string
  readonly operation: Operation
  /** The new key (rename) or the new type (retype). */
  readonly to?: string
}

const snake = (k: string): string => k.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()
const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())

/** The renamed key: camelCase ↔ snake_case, or a `V2` suffix when neither changes it. */
const renamed = (k: string): string => {
  const s = snake(k)
  if (s !== k) return s
  const c = camel(k)
  if (c !== k) return c
  return `${k}V2`
}

const retyped = (v: unknown): [unknown, string] => {
  switch (typeof v) {
    case "number":
      return [String(v), "string"]
    case "string":
      return v !== "" && Number.isFinite(Number(v)) ? [Number(v), "number"] : [[v], "array"]
    case "boolean":
      return [v ? "true" : "false", "string"]
    default:
      if (v === null) return [0, "number"]
      if (Array.isArray(v)) return [{ items: v }, "object"]
      return [JSON.stringify(v), "string"]
  }
}

/**
 * Mutates a JSON value with seeded drift; the input is not modified. Objects are walked recursively (arrays
 * element by element); each field drifts with probability `fieldRate`, by one of `operations`.
 *
 * @example
 * ```ts
 * import { SchemaDrift, Seed } from "@24h/core"
 * const rng = Seed.stream(Seed.make(1))
 * SchemaDrift.mutate([{ a: 1 }, { a: 2 }], rng, { operations: ["null"], fieldRate: 1 }).value // [{ a: null }, { a: null }]
 * ```
 *
 * @category mutating
 * @since 0.1.0
 */
export const mutate = (
  value: unknown,
  rng: Seed.Stream,
  options: Options = {}
): { readonly value: unknown; readonly changes: ReadonlyArray<Change> } => {
  const ops = options.operations ?? operations
  if (ops.length === 0) throw new RangeError("SchemaDrift.mutate: operations must be non-empty")
  const rate = options.fieldRate ?? 0.3
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`SchemaDrift.mutate: fieldRate must be in [0, 1] (got ${rate})`)
  const changes: Array<Change> = []
  const candidates: Array<{ holder: Record<string, unknown>; key: string; path: string }> = []

  const apply = (holder: Record<string, unknown>, key: string, path: string): void => {
    const op = rng.pick(ops)
    const v = holder[key]
    switch (op) {
      case "rename": {
        const to = renamed(key)
        // Keep key order: rebuild the holder around the renamed key.
        const entries = Object.entries(holder)
        for (const k of Object.keys(holder)) delete holder[k]
        for (const [k, x] of entries) holder[k === key ? to : k] = x
        changes.push({ path, operation: op, to })
        return
      }
      case "drop":
        delete holder[key]
        changes.push({ path, operation: op })
        return
      case "retype": {
        const [nv, type] = retyped(v)
        holder[key] = nv
        changes.push({ path, operation: op, to: type })
        return
      }
      case "null":
        holder[key] = null
        changes.push({ path, operation: op })
        return
    }
  }

  const walk = (v: unknown, path: string): unknown => {
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`))
    if (v === null || typeof v !== "object") return v
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      out[k] = walk(x, path === "" ? k : `${path}.${k}`)
    for (const k of Object.keys(out)) {
      const p = path === "" ? k : `${path}.${k}`
      candidates.push({ holder: out, key: k, path: p })
      if (rng.next() < rate) apply(out, k, p)
    }
    return out
  }

  const result = walk(value, "")
  if (changes.length === 0 && options.atLeastOne !== false && candidates.length > 0) {
    const c = rng.pick(candidates)
    apply(c.holder, c.key, c.path)
  }
  return { value: result, changes }
}
