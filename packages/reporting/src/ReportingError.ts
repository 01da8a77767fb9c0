/**
 * The one error type of `@24h/reporting`: a tag, a `reason` users can match on, and a message that says what was
 * wrong and where.
 *
 * @since 0.1.0
 */
import { errorData } from "@24h/core"
import { Data } from "effect"

/**
 * Why a reporting operation failed.
 *
 * - `InvalidInput` — an input file or value (scorecard, recommendations, silent-failure probes, options) failed
 *   validation; the message names every field (`dimensions.clarity.score: must be <= 5 (got 7)`).
 * - `UncitedRecommendation` — a recommendation cites no finding id and no evidence path.
 * - `UnknownCitation` — a recommendation or probe cites a finding id that is not in the ledger, or a path that does
 *   not exist in the run directory.
 * - `RunDirectory` — the directory is not a readable run directory (no valid `run.json`, unreadable results).
 * - `Io` — a file could not be read or written.
 *
 * @example
 * ```ts
 * import type { ReportingErrorReason } from "@24h/reporting"
 * const usage: ReadonlyArray<ReportingErrorReason> = ["InvalidInput", "UncitedRecommendation", "UnknownCitation"]
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export type ReportingErrorReason = "InvalidInput" | "UncitedRecommendation" | "UnknownCitation" | "RunDirectory" | "Io"

/**
 * A failure of `@24h/reporting`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FinalReport } from "@24h/reporting"
 *
 * FinalReport.write("runs/payments/latest").pipe(
 *   Effect.catchTag("ReportingError", (e) => Effect.succeed(`${e.reason}: ${e.message}`))
 * )
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class ReportingError extends Data.TaggedError("ReportingError")<{
  readonly reason: ReportingErrorReason
  readonly message: string
  /** For `InvalidInput`: one entry per field. */
  readonly issues?: ReadonlyArray<{ readonly field: string; readonly message: string }>
  readonly cause?: unknown
  /** The module that refused (`"FinalReport.render"`), the (first) field and its offending value, JSON-safe. */
  readonly module?: string
  readonly field?: string
  readonly value?: unknown
}> {}

/**
 * Builds a {@link ReportingError}.
 *
 * @example
 * ```ts
 * import { reportingError } from "@24h/reporting"
 * reportingError("UnknownCitation", "recommendations.framework[0]: cites FND-999, which is not in the ledger")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const reportingError = (
  reason: ReportingErrorReason,
  message: string,
  extra: Omit<ConstructorParameters<typeof ReportingError>[0], "reason" | "message"> = {}
): ReportingError => new ReportingError({ reason, message, ...extra, ...errorData(extra) })

/**
 * Whether a reason means the input was bad (the CLI exits 2) rather than a runtime failure (exit 3).
 *
 * @example
 * ```ts
 * import { isInputReason } from "@24h/reporting"
 * isInputReason("UncitedRecommendation") // true
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isInputReason = (reason: ReportingErrorReason): boolean =>
  reason === "InvalidInput" ||
  reason === "UncitedRecommendation" ||
  reason === "UnknownCitation" ||
  reason === "RunDirectory"
