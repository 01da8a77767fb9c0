/**
 * The recommendations of Phase 7, in two sets — framework/SUT and industry persona — where every recommendation
 * cites finding ids (`FND-003`) or evidence paths relative to the run directory (`results/logs/run.log`,
 * `results/pipelines/chaos-db.json`). An uncited recommendation is an error, and so is a citation that does not
 * resolve.
 *
 * Stored as `<run>/recommendations.json`:
 *
 * ```json
 * {
 *   "framework": [{ "text": "Make retries idempotent by default", "cites": ["FND-003", "results/logs/run.log"] }],
 *   "persona": [{ "text": "Set a 300 ms p95 SLO for card authorisation", "cites": ["results/pipelines/stress-load.json"] }]
 * }
 * ```
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 *
 * const recs = Recommendations.make({
 *   framework: [{ text: "Make retries idempotent by default", cites: ["FND-003"] }],
 *   persona: [{ text: "Alert on silent gaps over 30 s", cites: ["results/telemetry/run_stats.json"] }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { Effect, Result } from "effect"
import { z } from "zod"
import { resolve } from "./internal/citations.ts"
import { md, truncate } from "./internal/escape.ts"
import { readJsonOptional, validate, write as writeFile } from "./internal/fs.ts"
import { type ReportingError, reportingError } from "./ReportingError.ts"

/**
 * One recommendation: its text and what it cites. `cites` may be empty in the file so that the error says
 * "uncited" rather than "invalid"; {@link check} rejects it.
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * Recommendations.Recommendation.parse({ text: "Cap queue depth", cites: ["FND-002"] })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Recommendation = z.strictObject({
  text: z.string().trim().min(1, "must not be empty").max(10_000),
  cites: z.array(z.string().max(1000)).max(100).default([]),
  priority: z.enum(["high", "medium", "low"]).optional()
})
/**
 * The type of a validated `Recommendation` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { Recommendations } from "@24h/reporting"
 * declare const value: Recommendations.Recommendation
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Recommendation = z.infer<typeof Recommendation>

/**
 * Both sets of recommendations.
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * Recommendations.Recommendations.parse({ framework: [], persona: [] })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Recommendations = z.strictObject({
  framework: z.array(Recommendation).max(1000).default([]),
  persona: z.array(Recommendation).max(1000).default([])
})
/**
 * The type of a validated `Recommendations` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { Recommendations } from "@24h/reporting"
 * declare const value: Recommendations.Recommendations
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Recommendations = z.infer<typeof Recommendations>

/**
 * Validates the shape of a set of recommendations (citations are checked against a run by {@link check}).
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * const recs = Recommendations.make({ framework: [{ text: "Add jitter", cites: ["FND-001"] }] })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fn("Recommendations.make")(
  (input: z.input<typeof Recommendations>): Effect.Effect<Recommendations, ReportingError> =>
    validate(Recommendations, input, "Recommendations.make")
)

/**
 * The file a run keeps its recommendations in.
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * Recommendations.PATH // "recommendations.json"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const PATH = "recommendations.json"

/**
 * Reads `<run>/recommendations.json` (`undefined` when absent), validating its shape.
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * const recs = Recommendations.read("runs/payments-01/latest")
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const read = Effect.fn("Recommendations.read")(
  (dir: string): Effect.Effect<Recommendations | undefined, ReportingError> =>
    readJsonOptional(join(dir, PATH), Recommendations, "Recommendations.read")
)

/**
 * Writes `<run>/recommendations.json` after validating its shape.
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * Recommendations.write("runs/payments-01/latest", { framework: [{ text: "Add jitter", cites: ["FND-001"] }] })
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = Effect.fn("Recommendations.write")(
  (dir: string, input: z.input<typeof Recommendations>): Effect.Effect<string, ReportingError> =>
    Effect.flatMap(make(input), (recs) =>
      writeFile(join(dir, PATH), `${JSON.stringify(recs, null, 2)}\n`, "Recommendations.write")
    )
)

/**
 * Checks every recommendation against a run: each must cite at least one finding id or path
 * (`UncitedRecommendation` otherwise), each finding id must be in `findingIds` and each path must exist inside
 * `dir` (`UnknownCitation` otherwise). The error lists every problem, uncited ones first.
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * declare const recs: Recommendations.Recommendations
 * const ok = Recommendations.check(recs, { dir: "runs/x/latest", findingIds: new Set(["FND-001"]) })
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const check = Effect.fn("Recommendations.check")(
  (
    recs: Recommendations,
    against: { readonly dir: string; readonly findingIds: ReadonlySet<string> }
  ): Effect.Effect<void, ReportingError> =>
    Effect.gen(function* () {
      const uncited: Array<{ field: string; message: string }> = []
      const unknown: Array<{ field: string; message: string }> = []
      for (const set of ["framework", "persona"] as const) {
        for (const [i, r] of recs[set].entries()) {
          const field = `recommendations.${set}[${i}]`
          const label = JSON.stringify(truncate(r.text, 80))
          const cites = r.cites.filter((c) => c.trim() !== "")
          if (cites.length === 0) {
            uncited.push({
              field,
              message: `${field} ${label} cites no finding id or evidence path (every recommendation must cite at least one)`
            })
            continue
          }
          for (const c of cites) {
            const p = yield* Effect.promise(() => resolve(c, against.dir, against.findingIds))
            if (Result.isFailure(p)) unknown.push({ field, message: `${field} ${label} ${p.failure}` })
          }
        }
      }
      if (uncited.length === 0 && unknown.length === 0) return
      const issues = [...uncited, ...unknown]
      return yield* Effect.fail(
        reportingError(
          uncited.length > 0 ? "UncitedRecommendation" : "UnknownCitation",
          issues.map((i) => i.message).join("; "),
          {
            issues
          }
        )
      )
    })
)

/**
 * Renders one set as a Markdown list, each recommendation followed by its citations (finding ids and paths as
 * links relative to the report).
 *
 * @example
 * ```ts
 * import { Recommendations } from "@24h/reporting"
 * declare const recs: Recommendations.Recommendations
 * const markdown = Recommendations.renderMarkdown(recs.framework)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const renderMarkdown = (set: ReadonlyArray<Recommendation>): string =>
  set.length === 0
    ? "- None."
    : set
        .map(
          (r, i) =>
            `${i + 1}. ${r.priority === undefined ? "" : `**[${r.priority}]** `}${md(r.text)} — cites ${r.cites
              .filter((c) => c.trim() !== "")
              .map((c) => (/^FND-\d{3,}$/.test(c) ? `[${c}](#${c.toLowerCase()})` : `[${md(c)}](${encodeURI(c)})`))
              .join(", ")}`
        )
        .join("\n")
