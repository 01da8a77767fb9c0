/**
 * The one error type of `@24h/mocks`: a tag, a `reason` users can match on, and a message that says what was wrong
 * and where.
 *
 * @since 0.1.0
 */
import { type ErrorData, errorData, formatIssues, issueData, type ZodIssueLike } from "@24h/core"
import { Data } from "effect"

/**
 * Why a mocks operation failed.
 *
 * - `InvalidSchema` — a zod schema uses a type the dataset generator cannot produce.
 * - `InvalidPack` — an unknown dataset pack name.
 * - `InvalidTier` — an unknown dataset tier.
 * - `InvalidOptions` — options failed validation (the message names the field and the value).
 * - `InvalidRoute` — an `HttpMock` route definition failed validation.
 * - `InvalidSwitch` — a failure switch failed validation (Effect API or admin endpoint).
 * - `InvalidFixture` — an `LlmMock` fixture failed validation (options, fixtures file or admin endpoint).
 * - `InvalidAdminRequest` — a request to the admin endpoint could not be understood.
 * - `VerificationFailed` — an `HttpMock` verification (call counts, pending routes, unmatched requests) failed.
 * - `QueueRejected` — `QueueMock` refused an operation as SQS would (unknown queue, bad receipt handle, bad
 *   attribute); the message starts with the SQS error code.
 * - `QueueUnavailable` — a `QueueMock` outage or throttle switch answered (`ServiceUnavailable`, `RequestThrottled`).
 * - `Server` — the HTTP server could not listen or close.
 * - `Io` — a dataset file could not be written, or a load run failed unexpectedly.
 *
 * @example
 * ```ts
 * import type { MocksErrorReason } from "@24h/mocks"
 * const isBadInput = (r: MocksErrorReason) => r.startsWith("Invalid")
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type MocksErrorReason =
  | "InvalidSchema"
  | "InvalidPack"
  | "InvalidTier"
  | "InvalidOptions"
  | "InvalidRoute"
  | "InvalidSwitch"
  | "InvalidFixture"
  | "InvalidAdminRequest"
  | "VerificationFailed"
  | "QueueRejected"
  | "QueueUnavailable"
  | "Server"
  | "Io"

/**
 * A failure of `@24h/mocks`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Packs } from "@24h/mocks"
 *
 * Packs.get("nope").pipe(Effect.catchTag("MocksError", (e) => Effect.succeed(`${e.reason}: ${e.message}`)))
 * ```
 *
 * @category errors
 * @since 0.1.0
 */
export class MocksError extends Data.TaggedError("MocksError")<{
  readonly reason: MocksErrorReason
  readonly message: string
  readonly cause?: unknown
  /** The module that refused (`"HttpMock.make"`), the field (`"port"`) and the offending value, JSON-safe. */
  readonly module?: string
  readonly field?: string
  readonly value?: unknown
}> {}

/** @internal */
export const mocksError = (reason: MocksErrorReason, message: string, cause?: unknown, data?: ErrorData): MocksError =>
  new MocksError({ reason, message, ...(cause === undefined ? {} : { cause }), ...errorData(data) })

/** Zod issues under `where` (`HttpMock.make.port: …`), with core's one formatter. @internal */
export const formatZodIssues = (where: string, issues: ReadonlyArray<ZodIssueLike>): string =>
  formatIssues(issues, { prefix: where })

/** @internal A `MocksError` for zod issues: `module` is `where`, `field` / `value` from the first issue. */
export const zodError = (reason: MocksErrorReason, where: string, issues: ReadonlyArray<ZodIssueLike>): MocksError =>
  mocksError(reason, formatZodIssues(where, issues), undefined, issueData(issues, { module: where }))
