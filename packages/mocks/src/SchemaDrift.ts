/**
 * Schema drift: a seeded mutator that renames, drops, retypes or nulls fields of any JSON value — what happens when
 * an upstream ships a new version without telling you. Used by `HttpMock`'s `drift` switch, and usable alone on
 * fixtures. The implementation is `@24h/core`'s `SchemaDrift` (shared with `@24h/chaos`'s `HttpFaultProxy`); this
 * module re-exports it unchanged.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { SchemaDrift } from "@24h/mocks"
 *
 * const rng = Seed.stream(Seed.derive(Seed.make(42), "mocks/drift"))
 * const { value, changes } = SchemaDrift.mutate({ userId: 1, name: "Ana" }, rng)
 * // e.g. value = { user_id: 1, name: "Ana" }, changes = [{ path: "userId", operation: "rename", to: "user_id" }]
 * ```
 *
 * @since 0.1.0
 */
import { SchemaDrift } from "@24h/core"

/**
 * A drift operation (`rename`, `drop`, `retype`, `null`).
 *
 * @example
 * ```ts
 * import { SchemaDrift } from "@24h/mocks"
 * const op: SchemaDrift.Operation = SchemaDrift.Operation.parse("retype")
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Operation = SchemaDrift.Operation
/**
 * A drift operation.
 *
 * @example
 * ```ts
 * import { SchemaDrift } from "@24h/mocks"
 * const op: SchemaDrift.Operation = "drop"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Operation = SchemaDrift.Operation

/**
 * Every operation.
 *
 * @example
 * ```ts
 * import { SchemaDrift } from "@24h/mocks"
 * SchemaDrift.operations // ["rename", "drop", "retype", "null"]
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const operations: ReadonlyArray<Operation> = SchemaDrift.operations

/**
 * Options of {@link mutate}.
 *
 * @example
 * ```ts
 * import type { SchemaDrift } from "@24h/mocks"
 * const options: SchemaDrift.Options = { operations: ["drop", "null"], fieldRate: 0.2 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Options = SchemaDrift.Options

/**
 * One change made by {@link mutate}: the JSON path of the field and what happened to it.
 *
 * @example
 * ```ts
 * import type { SchemaDrift } from "@24h/mocks"
 * const describe = (c: SchemaDrift.Change) => `${c.operation} ${c.path}${c.to ? ` -> ${c.to}` : ""}`
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Change = SchemaDrift.Change

/**
 * Mutates a JSON value with seeded drift; the input is not modified.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { SchemaDrift } from "@24h/mocks"
 * const rng = Seed.stream(Seed.make(1))
 * SchemaDrift.mutate([{ a: 1 }, { a: 2 }], rng, { operations: ["null"], fieldRate: 1 }).value // [{ a: null }, { a: null }]
 * ```
 *
 * @category mutating
 * @since 0.1.0
 */
export const mutate: typeof SchemaDrift.mutate = SchemaDrift.mutate
