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
 * A zod issue as {@link issuesOf} reads it (zod 4's `$ZodIssue` fits).
 *
 * @example
 * ```ts
 * import type { ZodIssueLike } from "@24h/core"
 * const issue: ZodIssueLike = { path: ["port"], message: "Too big: expected number to be <=65535", input: 70000 }
 * ```
 *
 * @category errors
 * @since 0.2.0
 */
export interface ZodIssueLike {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  readonly input?: unknown
  readonly keys?: ReadonlyArray<string>
}

/**
 * One field's problem: the field as written in a message (`metadata.run`, `evidence.2`, `"odd key"`) and what is wrong
 * with it, with the value it got.
 *
 * @example
 * ```ts
 * import type { FieldIssue } from "@24h/core"
 * const issue: FieldIssue = { field: "port", message: "Too big: expected number to be <=65535 (got 70000)" }
 * ```
 *
 * @category errors
 * @since 0.2.0
 */
export interface FieldIssue {
  readonly field: string
  readonly message: string
}

/**
 * The one zod-issue formatter of 24h, used by every package: one {@link FieldIssue} per issue, the field named by its
 * path (unknown keys each named), the value it got (parse with `{ reportInput: true }`), and "is required" for a
 * missing field. `root` names an issue at the root (default `"(root)"`); `prefix` puts every field under a name
 * (`HttpMock.make.port`).
 *
 * @example
 * ```ts
 * import { issuesOf } from "@24h/core"
 * import { z } from "zod"
 *
 * const r = z.strictObject({ port: z.number().max(65_535) }).safeParse({ port: 70_000, colour: 1 }, { reportInput: true })
 * if (!r.success) issuesOf(r.error.issues) // [{ field: "port", … (got 70000) }, { field: "colour", … }]
 * ```
 *
 * @category errors
 * @since 0.2.0
 */
export const issuesOf = (
  issues: ReadonlyArray<ZodIssueLike>,
  options: { readonly root?: string; readonly prefix?: string } = {}
): Array<FieldIssue> =>
  issues.map((i) => {
    const base = [...(options.prefix === undefined ? [] : [options.prefix]), ...i.path.map(segment)].join(".")
    const keys = i.keys !== undefined && i.keys.length > 0 ? i.keys : undefined
    const field =
      keys !== undefined
        ? keys.map((k) => (base === "" ? segment(k) : `${base}.${segment(k)}`)).join(", ")
        : base === ""
          ? (options.root ?? "(root)")
          : base
    const got = i.input === undefined || keys !== undefined ? "" : ` (got ${preview(i.input)})`
    const message = i.input === undefined && /received undefined$/.test(i.message) ? "is required" : i.message
    return { field, message: `${message}${got}` }
  })

/** A path segment as written in a message: plain names as they are, anything else quoted. */
const segment = (k: PropertyKey): string =>
  typeof k === "number"
    ? String(k)
    : typeof k === "string" && /^[A-Za-z_][\w-]*$/.test(k)
      ? k
      : JSON.stringify(String(k))

/**
 * {@link issuesOf} as one line: `field: message (got value); …`.
 *
 * @example
 * ```ts
 * import { formatIssues } from "@24h/core"
 * import { z } from "zod"
 *
 * const r = z.object({ port: z.number() }).safeParse({ port: "80" }, { reportInput: true })
 * if (!r.success) formatIssues(r.error.issues) // 'port: Invalid input: expected number, received string (got "80")'
 * ```
 *
 * @category errors
 * @since 0.2.0
 */
export const formatIssues = (
  issues: ReadonlyArray<ZodIssueLike>,
  options: { readonly root?: string; readonly prefix?: string } = {}
): string =>
  issuesOf(issues, options)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ")

/**
 * A short, safe preview of a value for an error message (JSON, at most 80 characters).
 *
 * @example
 * ```ts
 * import { preview } from "@24h/core"
 * preview("x".repeat(1000)) // "\"xxx…..." (80 characters)
 * ```
 *
 * @category errors
 * @since 0.2.0
 */
export const preview = (value: unknown): string => {
  let text: string
  try {
    text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
