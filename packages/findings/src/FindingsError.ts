/**
 * The one error type of `@24h/findings`: a tag, a `reason` users can match on, and a message that says what was
 * wrong and where.
 *
 * @since 0.1.0
 */
import { issuesOf as coreIssuesOf, preview as corePreview, errorData, type ZodIssueLike } from "@24h/core"
import { Data } from "effect"

/**
 * Why a findings operation failed.
 *
 * - `InvalidPayload` — the add payload or a flag failed validation; the message lists every field (`title: must not
 *   be empty`). Nothing was written.
 * - `CorruptLedger` — a ledger file does not parse; the message names the file, the line and what is wrong. Run
 *   `24h finding repair`.
 * - `LockTimeout` — another process held the ledger lock longer than the wait allowed; the message names the holder.
 * - `ViewEdited` — a view (`findings.json`, `findings/*.json`) was edited by hand: the message names the entry and
 *   field that differ from the journal and the command that takes the edit in (`24h finding repair --from-view`) or
 *   discards it (`24h finding repair`). Nothing was written.
 * - `NotFound` — no finding has that id.
 * - `Duplicate` — the same finding (type, component, normalised title) is already filed; `duplicateOf` is its id.
 * - `Io` — a file could not be read or written.
 *
 * @example
 * ```ts
 * import type { FindingsErrorReason } from "@24h/findings"
 * const retryable = (r: FindingsErrorReason) => r === "LockTimeout" || r === "Io"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type FindingsErrorReason =
  | "InvalidPayload"
  | "CorruptLedger"
  | "ViewEdited"
  | "LockTimeout"
  | "NotFound"
  | "Duplicate"
  | "Io"

/**
 * A failure of `@24h/findings`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 *
 * Ledger.read("runs/run-01").pipe(
 *   Effect.catchTag("FindingsError", (e) => Effect.succeed(`${e.reason}: ${e.message}`))
 * )
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class FindingsError extends Data.TaggedError("FindingsError")<{
  readonly reason: FindingsErrorReason
  readonly message: string
  /** For `Duplicate`: the id of the finding filed first. */
  readonly duplicateOf?: string
  /** For `CorruptLedger`: the file and the 1-based line that is wrong. */
  readonly file?: string
  readonly line?: number
  /** For `InvalidPayload`: one entry per field. */
  readonly issues?: ReadonlyArray<{ readonly field: string; readonly message: string }>
  readonly cause?: unknown
  /** The module that refused (`"Ledger.add"`), the (first) field and its offending value, JSON-safe. */
  readonly module?: string
  readonly field?: string
  readonly value?: unknown
}> {}

/**
 * Builds a {@link FindingsError}.
 *
 * @example
 * ```ts
 * import { findingsError, preview } from "@24h/findings"
 * findingsError("NotFound", "no finding FND-007 in findings.ndjson")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const findingsError = (
  reason: FindingsErrorReason,
  message: string,
  extra: Omit<ConstructorParameters<typeof FindingsError>[0], "reason" | "message"> = {}
): FindingsError => new FindingsError({ reason, message, ...extra, ...errorData(extra) })

/**
 * Formats zod issues as `{ field, message }` entries — core's one formatter (`issuesOf` of `@24h/core`), with an issue
 * at the root named `(payload)`.
 *
 * @example
 * ```ts
 * import { Finding, issuesOf } from "@24h/findings"
 * const r = Finding.Payload.safeParse({})
 * if (!r.success) issuesOf(r.error.issues)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const issuesOf = (issues: ReadonlyArray<ZodIssueLike>): Array<{ field: string; message: string }> =>
  coreIssuesOf(issues, { root: "(payload)" })

/**
 * A short, safe preview of a value for an error message (core's `preview`).
 *
 * @example
 * ```ts
 * import { preview } from "@24h/findings"
 * preview("x".repeat(1000)) // "\"xxx…" (80 characters)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const preview = (value: unknown): string => corePreview(value)
