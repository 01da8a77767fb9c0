/**
 * The one error type of `@24h/chaos`: a tag, a `reason` users can match on, and a message that names the field and
 * the value that was wrong.
 *
 * @since 0.1.0
 */
import { type ErrorData, errorData } from "@24h/core"
import { Data } from "effect"

/**
 * Why a chaos operation failed.
 *
 * - `InvalidToxic` — a toxic's type, stream, toxicity or attribute is invalid (`Toxic.bandwidth: rate must be > 0 KB/s (got 0)`).
 * - `InvalidProxy` — a proxy's name, listen or upstream address is missing or malformed.
 * - `InvalidBody` — an HTTP API request body is not JSON or not the expected shape.
 * - `NotFound` — no proxy or toxic has that name.
 * - `Conflict` — a proxy or toxic with that name already exists.
 * - `Listen` — a listener could not be bound (address in use, permission denied).
 * - `InvalidRule` — an `HttpFaultProxy` rule is malformed (`details: { field, value }`).
 * - `InvalidSut` — `Sut` options are malformed (`details: { field, value }`).
 * - `Spawn` — a `Sut` process could not be started (`details: { command, code }`).
 * - `NotReady` — a `Sut` did not become ready in time, or exited first (`details: { name, probe, timeoutMs, exitCode, logTail }`).
 * - `Process` — a signal could not be delivered to a `Sut` because it is not running (`details: { name, signal }`).
 * - `Unsupported` — a feature needs a tool that is not installed (`details: { tool, install }`), e.g. `faketime`.
 *
 * @example
 * ```ts
 * import type { ChaosError } from "@24h/chaos"
 * const retryable = (r: ChaosError.ChaosErrorReason) => r === "Listen"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type ChaosErrorReason =
  | "InvalidToxic"
  | "InvalidProxy"
  | "InvalidBody"
  | "NotFound"
  | "Conflict"
  | "Listen"
  | "InvalidRule"
  | "InvalidSut"
  | "Spawn"
  | "NotReady"
  | "Process"
  | "Unsupported"

/**
 * A failure of `@24h/chaos`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpProxy, Toxic } from "@24h/chaos"
 *
 * const program = Effect.gen(function* () {
 *   const proxy = yield* TcpProxy.make({ upstream: "127.0.0.1:5432" })
 *   yield* proxy.removeToxic("missing")
 * }).pipe(Effect.catchTag("ChaosError", (e) => Effect.succeed(`${e.reason}: ${e.message}`)))
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class ChaosError extends Data.TaggedError("ChaosError")<{
  readonly reason: ChaosErrorReason
  readonly message: string
  readonly cause?: unknown
  /** Machine-readable facts about the failure (the field and value, the exit code, the log tail…). */
  readonly details?: Readonly<Record<string, unknown>>
  /** The module that refused (`"Toxic.bandwidth"`), the field (`"rate"`) and the offending value, JSON-safe. */
  readonly module?: string
  readonly field?: string
  readonly value?: unknown
}> {}

/**
 * The HTTP status a reason maps to in the Toxiproxy API (400, 404, 409 or 500).
 *
 * @example
 * ```ts
 * import { ChaosError } from "@24h/chaos"
 * ChaosError.statusOf("Conflict") // 409
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const statusOf = (reason: ChaosErrorReason): number => {
  switch (reason) {
    case "InvalidToxic":
    case "InvalidProxy":
    case "InvalidBody":
    case "InvalidRule":
    case "InvalidSut":
      return 400
    case "NotFound":
      return 404
    case "Conflict":
      return 409
    case "Listen":
    case "Spawn":
    case "NotReady":
    case "Process":
    case "Unsupported":
      return 500
  }
}

/**
 * Builds a {@link ChaosError}.
 *
 * @example
 * ```ts
 * import { ChaosError } from "@24h/chaos"
 * const e = ChaosError.make("NotFound", "proxy not found")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (reason: ChaosErrorReason, message: string, cause?: unknown, data?: ErrorData): ChaosError =>
  new ChaosError({ reason, message, ...(cause === undefined ? {} : { cause }), ...errorData(data) })

/**
 * Builds a {@link ChaosError} that carries machine-readable `details` beside its message.
 *
 * @example
 * ```ts
 * import { ChaosError } from "@24h/chaos"
 * const e = ChaosError.withDetails("InvalidRule", "rules[0].probability: must be <= 1 (got 2)", {
 *   field: "rules[0].probability",
 *   value: 2
 * })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const withDetails = (
  reason: ChaosErrorReason,
  message: string,
  details: Readonly<Record<string, unknown>>,
  cause?: unknown
): ChaosError =>
  cause === undefined
    ? new ChaosError({ reason, message, details })
    : new ChaosError({ reason, message, details, cause })

/**
 * `true` when the value is a {@link ChaosError}.
 *
 * @example
 * ```ts
 * import { ChaosError } from "@24h/chaos"
 * ChaosError.isChaosError(new Error("x")) // false
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isChaosError = (u: unknown): u is ChaosError => u instanceof ChaosError
