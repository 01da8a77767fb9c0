/**
 * The one error type of `@24h/core`: a tag, a `reason` users can match on, and a message that says what was wrong
 * and where.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why a core operation failed.
 *
 * - `InvalidSeed` — a root seed that is not a safe integer or a non-empty string.
 * - `InvalidInput` — options, metadata or a file failed validation (the message names the field and value).
 * - `InvalidThreshold` — a threshold expression that does not parse.
 * - `RunDirectory` — the run directory could not be created, read or allocated.
 * - `Io` — a file could not be read or written.
 * - `NotFound` — a file or directory named on the command line does not exist.
 * - `NotADirectory` — a path given where a directory is expected is a file (`--output x.sarif`).
 *
 * @category models
 * @since 0.1.0
 */
export type CoreErrorReason =
  | "InvalidSeed"
  | "InvalidInput"
  | "InvalidThreshold"
  | "RunDirectory"
  | "Io"
  | "NotFound"
  | "NotADirectory"

/**
 * A failure of `@24h/core`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Threshold } from "@24h/core"
 *
 * Threshold.parse("p95 <").pipe(
 *   Effect.catchTag("CoreError", (e) => Effect.succeed(`${e.reason}: ${e.message}`))
 * )
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class CoreError extends Data.TaggedError("CoreError")<{
  readonly reason: CoreErrorReason
  readonly message: string
  readonly cause?: unknown
}> {}

/** @internal */
export const coreError = (reason: CoreErrorReason, message: string, cause?: unknown): CoreError =>
  cause === undefined ? new CoreError({ reason, message }) : new CoreError({ reason, message, cause })

/**
 * Formats zod issues as `field: message (got value)` lines.
 *
 * @internal
 */
export const formatIssues = (
  issues: ReadonlyArray<{
    readonly path: ReadonlyArray<PropertyKey>
    readonly message: string
    readonly input?: unknown
  }>
): string =>
  issues
    .map((i) => {
      const field = i.path.length === 0 ? "(root)" : i.path.map(String).join(".")
      const got = i.input === undefined ? "" : ` (got ${preview(i.input)})`
      return `${field}: ${i.message}${got}`
    })
    .join("; ")

/** A short, safe preview of a value for an error message. @internal */
export const preview = (value: unknown): string => {
  let text: string
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
