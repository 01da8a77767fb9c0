/**
 * The developer-experience scorecard of Phase 5: the five dimensions, each scored 1–5 with an explanation, and a
 * separate list of documentation gaps.
 *
 * Stored as `<run>/dx-review/scorecard.json` (also read from `<run>/results/scorecard.json`):
 *
 * ```json
 * {
 *   "dimensions": {
 *     "discoverability": { "score": 4, "explanation": "…", "evidence": ["FND-004"] },
 *     "contracts":       { "score": 3, "explanation": "…" },
 *     "errors":          { "score": 2, "explanation": "…" },
 *     "boilerplate":     { "score": 4, "explanation": "…" },
 *     "flexibility":     { "score": 5, "explanation": "…" }
 *   },
 *   "documentationGaps": [{ "topic": "Retries", "description": "…", "location": "docs/retries.md" }]
 * }
 * ```
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Scorecard } from "@24h/reporting"
 *
 * const card = Scorecard.make({
 *   dimensions: {
 *     discoverability: { score: 4, explanation: "Everything is reachable from the barrel" },
 *     contracts: { score: 3, explanation: "Result schema is typed; thresholds syntax is only in examples" },
 *     errors: { score: 4, explanation: "Errors name the field and value" },
 *     boilerplate: { score: 3, explanation: "Each pipeline needs a recorder wiring" },
 *     flexibility: { score: 5, explanation: "Any Effect is a pipeline body" }
 *   },
 *   documentationGaps: [{ topic: "Fault windows", description: "No guide shows fault windows in reports" }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { Effect } from "effect"
import { z } from "zod"
import { md } from "./internal/escape.ts"
import { readJsonOptional, validate, write as writeFile } from "./internal/fs.ts"
import type { ReportingError } from "./ReportingError.ts"

/**
 * The five dimensions, in the seed's order, with the names used in the report.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * Scorecard.DIMENSIONS.map((d) => d.key) // ["discoverability", "contracts", "errors", "boilerplate", "flexibility"]
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const DIMENSIONS = [
  { key: "discoverability", label: "Discoverability of APIs and configuration" },
  { key: "contracts", label: "Clarity of contracts and docs" },
  { key: "errors", label: "Error messages and debuggability" },
  { key: "boilerplate", label: "Boilerplate vs reusable helpers" },
  { key: "flexibility", label: "Flexibility and extensibility" }
] as const

/**
 * A dimension's key.
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@24h/reporting"
 * const k: Scorecard.DimensionKey = "errors"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type DimensionKey = (typeof DIMENSIONS)[number]["key"]

/**
 * One dimension: an integer score 1–5, an explanation, and optional evidence (finding ids or paths).
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * Scorecard.Dimension.parse({ score: 4, explanation: "Clear" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Dimension = z.strictObject({
  score: z.number().int("must be an integer from 1 to 5").min(1, "must be >= 1").max(5, "must be <= 5"),
  explanation: z.string().trim().min(1, "must explain the score").max(10_000),
  evidence: z.array(z.string().min(1)).max(100).optional()
})
/**
 * The type of a validated `Dimension` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@24h/reporting"
 * declare const value: Scorecard.Dimension
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Dimension = z.infer<typeof Dimension>

/**
 * A documentation gap, logged separately from the scores so it can be actioned.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * Scorecard.DocumentationGap.parse({ topic: "Retries", description: "No page explains retry budgets" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const DocumentationGap = z.strictObject({
  topic: z.string().trim().min(1, "must not be empty").max(200),
  description: z.string().trim().min(1, "must not be empty").max(10_000),
  location: z.string().max(1000).optional()
})
/**
 * The type of a validated `DocumentationGap` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@24h/reporting"
 * declare const value: Scorecard.DocumentationGap
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type DocumentationGap = z.infer<typeof DocumentationGap>

/**
 * The scorecard: every dimension is required; unknown keys are rejected (typos are caught).
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * const parsed = Scorecard.Scorecard.safeParse({ dimensions: {} })
 * parsed.success // false: dimensions.discoverability is required
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Scorecard = z.strictObject({
  dimensions: z.strictObject({
    discoverability: Dimension,
    contracts: Dimension,
    errors: Dimension,
    boilerplate: Dimension,
    flexibility: Dimension
  }),
  documentationGaps: z.array(DocumentationGap).max(1000).default([]),
  reviewer: z.string().max(200).optional()
})
/**
 * The type of a validated `Scorecard` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@24h/reporting"
 * declare const value: Scorecard.Scorecard
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Scorecard = z.infer<typeof Scorecard>

/**
 * Validates a scorecard; an `InvalidInput` error names every bad field.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * declare const input: Scorecard.Scorecard
 * const card = Scorecard.make(input)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fn("Scorecard.make")(
  (input: z.input<typeof Scorecard>): Effect.Effect<Scorecard, ReportingError> =>
    validate(Scorecard, input, "Scorecard.make")
)

/**
 * Where a run keeps its scorecard, in the order they are looked for.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * Scorecard.PATHS[0] // "dx-review/scorecard.json"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const PATHS = ["dx-review/scorecard.json", "results/scorecard.json"] as const

/**
 * Reads a run's scorecard (`undefined` when there is none), with the path it came from.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * const found = Scorecard.read("runs/payments-01/latest")
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const read = Effect.fn("Scorecard.read")(
  (dir: string): Effect.Effect<{ readonly scorecard: Scorecard; readonly path: string } | undefined, ReportingError> =>
    Effect.gen(function* () {
      for (const p of PATHS) {
        const card = yield* readJsonOptional(join(dir, p), Scorecard, "Scorecard.read")
        if (card !== undefined) return { scorecard: card, path: p }
      }
      return undefined
    })
)

/**
 * Writes a scorecard to `<run>/dx-review/scorecard.json` after validating it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Scorecard } from "@24h/reporting"
 * declare const card: Scorecard.Scorecard
 * Scorecard.write("runs/payments-01/latest", card)
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = Effect.fn("Scorecard.write")(
  (dir: string, scorecard: z.input<typeof Scorecard>): Effect.Effect<string, ReportingError> =>
    Effect.flatMap(make(scorecard), (card) =>
      writeFile(join(dir, PATHS[0]), `${JSON.stringify(card, null, 2)}\n`, "Scorecard.write")
    )
)

/**
 * The mean of the five scores, to one decimal.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * declare const card: Scorecard.Scorecard
 * Scorecard.average(card) // e.g. 3.8
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const average = (card: Scorecard): number =>
  Math.round((DIMENSIONS.reduce((s, d) => s + card.dimensions[d.key].score, 0) / DIMENSIONS.length) * 10) / 10

/**
 * Renders the scorecard as Markdown: a table of the five dimensions and the list of documentation gaps.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@24h/reporting"
 * declare const card: Scorecard.Scorecard
 * const markdown = Scorecard.renderMarkdown(card)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const renderMarkdown = (card: Scorecard): string => {
  const out = ["| dimension | score | explanation |", "|---|:---:|---|"]
  for (const d of DIMENSIONS) {
    const dim = card.dimensions[d.key]
    const ev =
      dim.evidence === undefined || dim.evidence.length === 0 ? "" : ` (evidence: ${dim.evidence.map(md).join(", ")})`
    out.push(`| ${d.label} | ${dim.score}/5 | ${md(dim.explanation)}${ev} |`)
  }
  out.push(`| **Average** | **${average(card)}** | |`, "")
  out.push("Documentation gaps:", "")
  if (card.documentationGaps.length === 0) out.push("- None recorded.")
  for (const g of card.documentationGaps)
    out.push(`- **${md(g.topic)}** — ${md(g.description)}${g.location === undefined ? "" : ` (${md(g.location)})`}`)
  if (card.reviewer !== undefined) out.push("", `Reviewed by ${md(card.reviewer)}.`)
  return out.join("\n")
}
