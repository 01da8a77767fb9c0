/**
 * One verdict vocabulary for everything that judges a run: thresholds, invariants, mock verdicts, state audits and
 * probes all reduce to a `Check` — a name, an outcome of `pass`, `fail` or `unknown` (too little evidence to say), a
 * message, and evidence. A pipeline counts its checks in its verdict: any `fail` fails it, any `unknown` makes it
 * `unknown` unless something failed.
 *
 * @example
 * ```ts
 * import { Check } from "@24h/core"
 *
 * const audit = Check.make("every 201 has a charge", 3 === 3, { message: "3 orders, 3 charges" })
 * Check.combine([audit, Check.unknown("no retries seen", "the load made no retryable errors")]) // "unknown"
 * ```
 *
 * @since 0.2.0
 */
import { z } from "zod"

/**
 * `pass`, `fail`, or `unknown` (too little evidence).
 *
 * @category models
 * @since 0.2.0
 */
export const Outcome = z.enum(["pass", "fail", "unknown"])
/**
 * `pass`, `fail`, or `unknown`.
 *
 * @category models
 * @since 0.2.0
 */
export type Outcome = z.infer<typeof Outcome>

/**
 * One judged statement, with its evidence (message ids, paths, counts: whatever lets a reader verify it).
 *
 * @category models
 * @since 0.2.0
 */
export const Check = z.object({
  name: z.string().min(1),
  outcome: Outcome,
  message: z.string(),
  /** Where the check comes from: `threshold`, `invariant`, `audit`, `probe`, `mock`, … */
  source: z.string().optional(),
  evidence: z.array(z.string()).optional()
})
/**
 * One judged statement.
 *
 * @category models
 * @since 0.2.0
 */
export type Check = z.infer<typeof Check>

/**
 * Extra fields of a check.
 *
 * @category models
 * @since 0.2.0
 */
export interface Extra {
  readonly message?: string
  readonly source?: string
  readonly evidence?: ReadonlyArray<string>
}

const build = (name: string, outcome: Outcome, extra: Extra): Check => ({
  name,
  outcome,
  message: extra.message ?? (outcome === "pass" ? "holds" : outcome === "fail" ? "does not hold" : "no evidence"),
  ...(extra.source === undefined ? {} : { source: extra.source }),
  ...(extra.evidence === undefined ? {} : { evidence: [...extra.evidence] })
})

/**
 * A check that passes when `holds` is true and fails otherwise.
 *
 * @example
 * ```ts
 * import { Check } from "@24h/core"
 * Check.make("no duplicate charge", true).outcome // "pass"
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = (name: string, holds: boolean, extra: Extra = {}): Check =>
  build(name, holds ? "pass" : "fail", extra)

/**
 * A passing check.
 *
 * @example
 * ```ts
 * import { Check } from "@24h/core"
 * Check.pass("ok", "200 on /health")
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const pass = (name: string, message?: string, extra: Omit<Extra, "message"> = {}): Check =>
  build(name, "pass", { ...extra, ...(message === undefined ? {} : { message }) })

/**
 * A failing check.
 *
 * @example
 * ```ts
 * import { Check } from "@24h/core"
 * Check.fail("conservation", "total balance moved from 1000 to 990", { evidence: ["accounts.json"] })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const fail = (name: string, message?: string, extra: Omit<Extra, "message"> = {}): Check =>
  build(name, "fail", { ...extra, ...(message === undefined ? {} : { message }) })

/**
 * A check that could not be decided.
 *
 * @example
 * ```ts
 * import { Check } from "@24h/core"
 * Check.unknown("honours Retry-After", "no 429 was served")
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const unknown = (name: string, message?: string, extra: Omit<Extra, "message"> = {}): Check =>
  build(name, "unknown", { ...extra, ...(message === undefined ? {} : { message }) })

/**
 * The outcome of several checks: `fail` if any failed, else `unknown` if any is unknown, else `pass` (also for none).
 *
 * @example
 * ```ts
 * import { Check } from "@24h/core"
 * Check.combine([Check.pass("a"), Check.fail("b")]) // "fail"
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const combine = (checks: ReadonlyArray<Pick<Check, "outcome">>): Outcome =>
  checks.some((c) => c.outcome === "fail") ? "fail" : checks.some((c) => c.outcome === "unknown") ? "unknown" : "pass"
