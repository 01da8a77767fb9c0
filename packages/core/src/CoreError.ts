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
export class CoreError extends Data.TaggedError("CoreError")<
  {
    readonly reason: CoreErrorReason
    readonly message: string
    readonly cause?: unknown
  } & ErrorData
> {}

/**
 * The structured facts every 24h error may carry beside its `reason` and `message`: the `module` that refused
 * (`"Toxic.bandwidth"`, `"HttpMock.make"`), the `field` (`"rate"`, `"port"`) and the offending `value`, JSON-safe.
 * CLIs print them under `--json` and HTTP admin APIs may answer them, so an agent need not parse the message.
 *
 * @example
 * ```ts
 * import type { ErrorData } from "@24h/core"
 * const data: ErrorData = { module: "Toxic.bandwidth", field: "rate", value: 0 }
 * ```
 *
 * @category errors
 * @since 0.3.0
 */
export interface ErrorData {
  readonly module?: string
  readonly field?: string
  readonly value?: unknown
}

/** @internal */
export const coreError = (reason: CoreErrorReason, message: string, cause?: unknown, data?: ErrorData): CoreError =>
  new CoreError({ reason, message, ...(cause === undefined ? {} : { cause }), ...errorData(data) })

/**
 * `data` without its absent fields, the value made JSON-safe (see {@link jsonSafe}); spread it into an error's fields.
 *
 * @example
 * ```ts
 * import { errorData } from "@24h/core"
 * errorData({ module: "Seed.make", field: "seed", value: 1.5 }) // { module: "Seed.make", field: "seed", value: 1.5 }
 * ```
 *
 * @category errors
 * @since 0.3.0
 */
export const errorData = (data: ErrorData | undefined): ErrorData => {
  if (data === undefined) return {}
  const out: { module?: string; field?: string; value?: unknown } = {}
  if (data.module !== undefined) out.module = data.module
  if (data.field !== undefined) out.field = data.field
  if ("value" in data && data.value !== undefined) out.value = jsonSafe(data.value)
  return out
}

/**
 * A value as JSON can carry it: numbers, strings, booleans, `null`, arrays and plain objects as they are (non-finite
 * numbers, bigints and symbols as strings); anything larger than 1 KiB once serialised, or not serialisable, becomes
 * its {@link preview}.
 *
 * @example
 * ```ts
 * import { jsonSafe } from "@24h/core"
 * jsonSafe(Number.NaN) // "NaN"
 * jsonSafe({ rate: 0 }) // { rate: 0 }
 * ```
 *
 * @category errors
 * @since 0.3.0
 */
export const jsonSafe = (value: unknown): unknown => {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value)
  if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function") return String(value)
  if (value === undefined) return null
  try {
    const text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v))
    if (text === undefined) return preview(value)
    return text.length > 1024 ? preview(value) : JSON.parse(text)
  } catch {
    return preview(value)
  }
}

/**
 * The {@link ErrorData} of the first zod issue: its `field` named as {@link issuesOf} names it, and its input as
 * `value` (parse with `{ reportInput: true }` to have it). `module` is passed through.
 *
 * @example
 * ```ts
 * import { issueData } from "@24h/core"
 * import { z } from "zod"
 *
 * const r = z.object({ port: z.number().max(65_535) }).safeParse({ port: 70_000 }, { reportInput: true })
 * if (!r.success) issueData(r.error.issues, { module: "HttpMock.make" }) // { module: "HttpMock.make", field: "port", value: 70000 }
 * ```
 *
 * @category errors
 * @since 0.3.0
 */
export const issueData = (
  issues: ReadonlyArray<ZodIssueLike>,
  options: { readonly root?: string; readonly prefix?: string; readonly module?: string } = {}
): ErrorData => {
  const first = issues[0]
  const out: { module?: string; field?: string; value?: unknown } = {}
  if (options.module !== undefined) out.module = options.module
  if (first === undefined) return out
  const [issue] = issuesOf([first], options)
  if (issue !== undefined) out.field = issue.field
  if (first.input !== undefined && (first.keys === undefined || first.keys.length === 0))
    out.value = jsonSafe(first.input)
  return out
}

/**
 * A {@link CoreError} for zod issues: the message is `where: ` + {@link formatIssues}, and `module`/`field`/`value`
 * come from the first issue ({@link issueData}).
 *
 * @example
 * ```ts
 * import { invalidInput } from "@24h/core"
 * import { z } from "zod"
 *
 * const r = z.object({ port: z.number() }).safeParse({ port: "80" }, { reportInput: true })
 * if (!r.success) invalidInput("Run.make", r.error.issues) // CoreError { reason: "InvalidInput", field: "port", value: "80" }
 * ```
 *
 * @category errors
 * @since 0.3.0
 */
export const invalidInput = (
  where: string,
  issues: ReadonlyArray<ZodIssueLike>,
  options: { readonly root?: string; readonly prefix?: string; readonly module?: string } = {}
): CoreError =>
  coreError("InvalidInput", `${where}: ${formatIssues(issues, options)}`, undefined, {
    ...issueData(issues, options),
    module: options.module ?? where
  })

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
