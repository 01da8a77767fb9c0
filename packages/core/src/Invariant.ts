/**
 * Invariant assertions in the style of property-based system testing: declared once in a catalogue, tallied while a
 * pipeline runs, summarised at the end.
 *
 * | kind                  | passes when                                        |
 * |-----------------------|----------------------------------------------------|
 * | `always`              | reached at least once, and true every time         |
 * | `alwaysOrUnreachable` | true every time it is reached (never reached is ok) |
 * | `sometimes`           | true at least once                                  |
 * | `reachable`           | reached at least once                               |
 * | `unreachable`         | never reached                                       |
 *
 * A `sometimes`/`reachable` never hit fails the summary: a fault path that was never exercised is a finding too.
 * Checking is a plain function call (no Effect, no allocation unless it fails) so it can sit on hot paths.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * const invariants = Invariant.catalog()
 * const nonNegative = invariants.always("balance is never negative")
 * const retried = invariants.sometimes("a request is retried after a 503")
 * nonNegative.check(10 >= 0, { balance: 10 })
 * retried.check(true)
 * invariants.summary().passed // true
 * ```
 *
 * @since 0.1.0
 */

import { mkdir, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { Clock, Context, Effect, Layer } from "effect"
import { z } from "zod"
import { type CoreError, coreError } from "./CoreError.ts"

/**
 * The kinds of assertion.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * Invariant.Kind.parse("sometimes") // "sometimes"
 * Invariant.Kind.safeParse("usually").success // false
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Kind = z.enum(["always", "alwaysOrUnreachable", "sometimes", "reachable", "unreachable"])
/**
 * One of `always`, `alwaysOrUnreachable`, `sometimes`, `reachable`, `unreachable`.
 *
 * @category models
 * @since 0.1.0
 */
export type Kind = z.infer<typeof Kind>

/** How many failing examples an assertion keeps (bounded memory). */
const MAX_EXAMPLES = 10

/**
 * The tally of one assertion, as written to `invariants.jsonl` and pipeline results.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * declare const line: string // one line of results/invariants.jsonl
 * const entry = Invariant.Entry.parse(JSON.parse(line))
 * if (entry.verdict !== "pass") console.log(entry.name, entry.message)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Entry = z.object({
  name: z.string(),
  kind: Kind,
  hits: z.number().int().nonnegative(),
  trues: z.number().int().nonnegative(),
  falses: z.number().int().nonnegative(),
  verdict: z.enum(["pass", "violated", "never-hit"]),
  message: z.string(),
  examples: z.array(z.object({ at: z.string(), details: z.unknown() }))
})
/**
 * The tally of one assertion.
 *
 * @category models
 * @since 0.1.0
 */
export type Entry = z.infer<typeof Entry>

/**
 * The summary of a catalogue. `passed` is false on any violation or any assertion that had to be hit and was not.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * declare const lines: ReadonlyArray<string>
 * const summary = Invariant.summarize(lines.map((l) => Invariant.Entry.parse(JSON.parse(l))))
 * Invariant.Summary.parse(summary).passed
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Summary = z.object({
  passed: z.boolean(),
  total: z.number().int().nonnegative(),
  violated: z.number().int().nonnegative(),
  neverHit: z.number().int().nonnegative(),
  entries: z.array(Entry)
})
/**
 * The summary of a catalogue: passed, totals and every entry.
 *
 * @category models
 * @since 0.1.0
 */
export type Summary = z.infer<typeof Summary>

/**
 * A declared assertion. `check(condition, details?)` records one evaluation; `hit(details?)` records reaching it
 * (for `reachable`/`unreachable`, or a `true` check for the others).
 *
 * @category models
 * @since 0.1.0
 */
export interface Assertion {
  readonly name: string
  readonly kind: Kind
  check(condition: boolean, details?: unknown): boolean
  hit(details?: unknown): void
}

class AssertionImpl implements Assertion {
  hits = 0
  trues = 0
  falses = 0
  readonly examples: Array<{ at: string; details: unknown }> = []
  constructor(
    readonly name: string,
    readonly kind: Kind,
    private readonly now: () => number
  ) {}
  check(condition: boolean, details?: unknown): boolean {
    this.hits++
    if (condition) this.trues++
    else this.falses++
    const bad =
      this.kind === "unreachable" || ((this.kind === "always" || this.kind === "alwaysOrUnreachable") && !condition)
    if (bad && this.examples.length < MAX_EXAMPLES) {
      this.examples.push({ at: new Date(this.now()).toISOString(), details: details ?? null })
    }
    return condition
  }
  hit(details?: unknown): void {
    this.check(true, details)
  }
  entry(): Entry {
    const { name, kind, hits, trues, falses } = this
    let verdict: Entry["verdict"] = "pass"
    let message: string
    switch (kind) {
      case "always":
        verdict = hits === 0 ? "never-hit" : falses > 0 ? "violated" : "pass"
        message =
          hits === 0 ? "never reached" : falses > 0 ? `false ${falses} of ${hits} times` : `held all ${hits} times`
        break
      case "alwaysOrUnreachable":
        verdict = falses > 0 ? "violated" : "pass"
        message =
          hits === 0
            ? "never reached (allowed)"
            : falses > 0
              ? `false ${falses} of ${hits} times`
              : `held all ${hits} times`
        break
      case "sometimes":
        verdict = trues > 0 ? "pass" : "never-hit"
        message =
          trues > 0
            ? `true ${trues} of ${hits} times`
            : hits === 0
              ? "never reached"
              : `reached ${hits} times, never true`
        break
      case "reachable":
        verdict = hits > 0 ? "pass" : "never-hit"
        message = hits > 0 ? `reached ${hits} times` : "never reached"
        break
      case "unreachable":
        verdict = hits > 0 ? "violated" : "pass"
        message = hits > 0 ? `reached ${hits} times` : "never reached"
        break
    }
    return { name, kind, hits, trues, falses, verdict, message, examples: this.examples.slice() }
  }
}

/**
 * A catalogue of assertions: declare with `always`, `sometimes`…, read with `summary`, persist with `write`.
 *
 * @category models
 * @since 0.1.0
 */
export interface Catalog {
  always(name: string): Assertion
  alwaysOrUnreachable(name: string): Assertion
  sometimes(name: string): Assertion
  reachable(name: string): Assertion
  unreachable(name: string): Assertion
  /** Every declared assertion, in declaration order. */
  readonly assertions: ReadonlyArray<Assertion>
  summary(): Summary
}

/**
 * Options for {@link catalog}.
 *
 * @category models
 * @since 0.1.0
 */
export interface CatalogOptions {
  /** Where example timestamps come from. Default `Date.now`. */
  readonly now?: () => number
}

/**
 * Makes an empty catalogue. Declaring the same name twice returns the same assertion (so helpers may declare
 * lazily); declaring it with another kind throws, naming both kinds.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * const invariants = Invariant.catalog()
 * const noDoubleCharge = invariants.always("an order is charged at most once")
 * const fallback = invariants.reachable("the fallback provider is used")
 * noDoubleCharge.check(1 <= 1, { orderId: "o-1" })
 * fallback.hit()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const catalog = (options: CatalogOptions = {}): Catalog => {
  const now = options.now ?? Date.now
  const byName = new Map<string, AssertionImpl>()
  const declare =
    (kind: Kind) =>
    (name: string): Assertion => {
      if (typeof name !== "string" || name.trim() === "") {
        throw new TypeError(`Invariant.${kind}: name must be a non-empty string (got ${JSON.stringify(name)})`)
      }
      const existing = byName.get(name)
      if (existing !== undefined) {
        if (existing.kind !== kind) {
          throw new TypeError(`Invariant.${kind}: "${name}" is already declared as ${existing.kind}`)
        }
        return existing
      }
      const a = new AssertionImpl(name, kind, now)
      byName.set(name, a)
      return a
    }
  return {
    always: declare("always"),
    alwaysOrUnreachable: declare("alwaysOrUnreachable"),
    sometimes: declare("sometimes"),
    reachable: declare("reachable"),
    unreachable: declare("unreachable"),
    get assertions() {
      return [...byName.values()]
    },
    summary: () => summarize([...byName.values()].map((a) => a.entry()))
  }
}

/**
 * A catalogue whose example timestamps come from Effect's `Clock` (so `TestClock` drives them).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Invariant } from "@24h/core"
 *
 * const program = Effect.gen(function* () {
 *   const invariants = yield* Invariant.make
 *   invariants.always("no order is lost").check(true)
 *   return invariants.summary()
 * })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make: Effect.Effect<Catalog> = Effect.map(Clock.Clock, (clock) =>
  catalog({ now: () => clock.currentTimeMillisUnsafe() })
)

/**
 * Builds a summary from entries (e.g. entries merged from several processes).
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * declare const fromWorkers: ReadonlyArray<ReadonlyArray<Invariant.Entry>>
 * const summary = Invariant.summarize(fromWorkers.flat())
 * console.log(Invariant.format(summary))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const summarize = (entries: ReadonlyArray<Entry>): Summary => {
  const violated = entries.filter((e) => e.verdict === "violated").length
  const neverHit = entries.filter((e) => e.verdict === "never-hit").length
  return { passed: violated === 0 && neverHit === 0, total: entries.length, violated, neverHit, entries: [...entries] }
}

/**
 * Writes the catalogue and its tallies as JSON Lines (one entry per line) — by convention to
 * `<run>/results/invariants.jsonl`.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const invariants = Invariant.catalog()
 * invariants.always("balance is never negative").check(true)
 * const summary = await Effect.runPromise(Invariant.write(invariants, "runs/demo/results/invariants.jsonl"))
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = Effect.fn("Invariant.write")(
  (self: Catalog | Summary, path: string): Effect.Effect<Summary, CoreError> => {
    const summary = "summary" in self ? self.summary() : self
    return Effect.tryPromise({
      try: async () => {
        await mkdir(dirname(path), { recursive: true })
        await writeFile(
          path,
          summary.entries.map((e) => JSON.stringify(e)).join("\n") + (summary.entries.length > 0 ? "\n" : "")
        )
        return summary
      },
      catch: (cause) => coreError("Io", `Invariant.write: cannot write ${path} (${String(cause)})`, cause)
    })
  }
)

/**
 * Formats a summary for people: one line per assertion that did not pass.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 *
 * const invariants = Invariant.catalog()
 * invariants.sometimes("a request is retried")
 * console.log(Invariant.format(invariants.summary()))
 * // invariants: 0 violated, 1 never hit (of 1)
 * //   ✗ [sometimes] a request is retried: never reached
 * ```
 *
 * @category formatting
 * @since 0.1.0
 */
export const format = (summary: Summary): string =>
  summary.passed
    ? `invariants: all ${summary.total} passed`
    : [
        `invariants: ${summary.violated} violated, ${summary.neverHit} never hit (of ${summary.total})`,
        ...summary.entries.filter((e) => e.verdict !== "pass").map((e) => `  ✗ [${e.kind}] ${e.name}: ${e.message}`)
      ].join("\n")

/**
 * The catalogue of the current run as a service, so deep code can declare and check assertions.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const charge = (amount: number) =>
 *   Effect.gen(function* () {
 *     const invariants = yield* Invariant.Invariants
 *     invariants.always("amounts are positive").check(amount > 0, { amount })
 *   })
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Invariants extends Context.Service<Invariants, Catalog>()("@24h/core/Invariant/Invariants") {}

/**
 * A layer with a fresh catalogue.
 *
 * @example
 * ```ts
 * import { Invariant } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const invariants = yield* Invariant.Invariants
 *   invariants.reachable("the program ran").hit()
 *   return invariants.summary()
 * })
 * const summary = await Effect.runPromise(program.pipe(Effect.provide(Invariant.layer())))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options?: CatalogOptions): Layer.Layer<Invariants> =>
  Layer.sync(Invariants, () => catalog(options))
