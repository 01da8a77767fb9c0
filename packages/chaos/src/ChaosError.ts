/**
 * The one error type of `@24h/chaos`: a tag, a `reason` users can match on, and a message that names the field and
 * the value that was wrong.
 *
 * @since 0.1.0
 */
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
export type ChaosErrorReason = "InvalidToxic" | "InvalidProxy" | "InvalidBody" | "NotFound" | "Conflict" | "Listen"

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
      return 400
    case "NotFound":
      return 404
    case "Conflict":
      return 409
    case "Listen":
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
export const make = (reason: ChaosErrorReason, message: string, cause?: unknown): ChaosError =>
  cause === undefined ? new ChaosError({ reason, message }) : new ChaosError({ reason, message, cause })

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
