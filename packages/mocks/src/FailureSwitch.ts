/**
 * Failure switches for `HttpMock`: latency (fixed, uniform, log-normal tail), error rate with a status, windowed
 * throttling (429 with `Retry-After` and rate-limit headers), connection reset, hang, truncated body, malformed
 * JSON, schema drift, and a chaos toggle that mixes them with weights.
 *
 * A switch is plain JSON, so the same value works through the Effect API (`mock.setSwitches([...])`) and the admin
 * endpoint (`POST /__admin/switches`); {@link parse} validates either with messages that name the field.
 * Every probabilistic decision draws from the mock's seed.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 *
 * const flaky: FailureSwitch.FailureSwitch = { kind: "error", rate: 0.2, status: 503 }
 * const slow: FailureSwitch.FailureSwitch = { kind: "latency", rate: 1, mode: "lognormal", medianMs: 40, sigma: 0.8 }
 * ```
 *
 * @since 0.1.0
 */
import { Fault as CoreFault } from "@24h/core"
import { Effect, Result } from "effect"
import { z } from "zod"
import { type MocksError, mocksError, zodError } from "./MocksError.ts"
import { Operation } from "./SchemaDrift.ts"

const rate = z.number().min(0).max(1).default(1)
const common = {
  /** Set by the mock when absent: `sw-<n>`. */
  id: z.string().min(1).optional(),
  /** Only requests matched by this route id. Default: every non-admin request. */
  route: z.string().min(1).optional()
}

/**
 * Latency: `fixed` (`ms`), `uniform` (`minMs`..`maxMs`) or `lognormal` (`medianMs`, `sigma`, capped at `maxMs`,
 * default 30 000) — the last gives a realistic long tail.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Latency.parse({ kind: "latency", mode: "lognormal", medianMs: 40, sigma: 0.8, maxMs: 2000 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Latency = z
  .object({
    ...common,
    kind: z.literal("latency"),
    rate,
    mode: z.enum(["fixed", "uniform", "lognormal"]).default("fixed"),
    ms: z.number().min(0).optional(),
    minMs: z.number().min(0).optional(),
    maxMs: z.number().min(0).optional(),
    medianMs: z.number().positive().optional(),
    sigma: z.number().min(0).optional()
  })
  .strict()
  .superRefine((s, ctx) => {
    const need = (field: "ms" | "minMs" | "maxMs" | "medianMs" | "sigma") => {
      if (s[field] === undefined)
        ctx.addIssue({ code: "custom", path: [field], message: `required when mode is "${s.mode}"` })
    }
    if (s.mode === "fixed") need("ms")
    if (s.mode === "uniform") {
      need("minMs")
      need("maxMs")
      if (s.minMs !== undefined && s.maxMs !== undefined && s.maxMs < s.minMs) {
        ctx.addIssue({ code: "custom", path: ["maxMs"], message: `must be >= minMs (${s.minMs})`, input: s.maxMs })
      }
    }
    if (s.mode === "lognormal") {
      need("medianMs")
      need("sigma")
    }
  })

/**
 * An error response with `status` (default 503) for a fraction `rate` of requests, optionally with `Retry-After`
 * (seconds) and a JSON `body`.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.ErrorRate.parse({ kind: "error", rate: 0.1, status: 503, retryAfter: 2 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const ErrorRate = z
  .object({
    ...common,
    kind: z.literal("error"),
    rate,
    status: z.int().min(400).max(599).default(503),
    retryAfter: z.number().min(0).optional(),
    body: z.unknown().optional()
  })
  .strict()

/**
 * Windowed throttling: after `limit` requests in a fixed window of `windowMs`, answer 429 with `Retry-After` (the
 * seconds until the window ends). Every answer in scope carries `RateLimit-Limit`, `-Remaining` and `-Reset` (and
 * their `X-RateLimit-*` twins).
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Throttle.parse({ kind: "throttle", limit: 100, windowMs: 60_000 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Throttle = z
  .object({
    ...common,
    kind: z.literal("throttle"),
    limit: z.int().min(0),
    windowMs: z.int().min(1)
  })
  .strict()

/**
 * Connection reset (TCP RST) before any response byte.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Reset.parse({ kind: "reset", rate: 0.05, route: "get-user" })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Reset = z.object({ ...common, kind: z.literal("reset"), rate }).strict()

/**
 * Hang: never answer; the socket stays open until the client gives up or the mock closes.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Hang.parse({ kind: "hang", rate: 0.01 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Hang = z.object({ ...common, kind: z.literal("hang"), rate }).strict()

/**
 * Truncated body: the full `Content-Length` is announced, `fraction` of the body is sent, then the socket closes.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Truncate.parse({ kind: "truncate", rate: 0.1, fraction: 0.3 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Truncate = z
  .object({ ...common, kind: z.literal("truncate"), rate, fraction: z.number().min(0).lt(1).default(0.5) })
  .strict()

/**
 * Malformed JSON: a 200 with `content-type: application/json` whose body does not parse.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Malformed.parse({ kind: "malformed", rate: 0.1 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Malformed = z.object({ ...common, kind: z.literal("malformed"), rate }).strict()

/**
 * Schema drift of JSON responses (see `SchemaDrift`): rename, drop, retype or null fields.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Drift.parse({ kind: "drift", operations: ["rename", "null"], fieldRate: 0.5 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Drift = z
  .object({
    ...common,
    kind: z.literal("drift"),
    rate,
    operations: z.array(Operation).min(1).optional(),
    fieldRate: z.number().min(0).max(1).default(0.3)
  })
  .strict()

const ChaosKind = z.enum(["latency", "error", "reset", "hang", "truncate", "malformed", "drift"])

/**
 * Chaos: for a fraction `rate` of requests, one fault drawn by `weights` (defaults: latency 3, error 3, reset 1,
 * truncate 1, malformed 1, drift 1; hang only when weighted), each with default parameters (latency log-normal
 * median 100 ms, error 503).
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.Chaos.parse({ kind: "chaos", rate: 0.2, weights: { error: 2, reset: 1 } })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Chaos = z
  .object({
    ...common,
    kind: z.literal("chaos"),
    rate,
    weights: z
      .partialRecord(ChaosKind, z.number().min(0))
      .default({ latency: 3, error: 3, reset: 1, truncate: 1, malformed: 1, drift: 1 })
      .refine((w) => Object.values(w).some((x) => (x ?? 0) > 0), "at least one weight must be > 0")
  })
  .strict()

const schemas = {
  latency: Latency,
  error: ErrorRate,
  throttle: Throttle,
  reset: Reset,
  hang: Hang,
  truncate: Truncate,
  malformed: Malformed,
  drift: Drift,
  chaos: Chaos
} as const

/**
 * The kinds of switch.
 *
 * @example
 * ```ts
 * import type { FailureSwitch } from "@24h/mocks"
 * const kind: FailureSwitch.Kind = "throttle"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Kind = keyof typeof schemas

/**
 * Every switch kind.
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * FailureSwitch.kinds.includes("throttle") // true
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const kinds: ReadonlyArray<Kind> = Object.keys(schemas) as Array<Kind>

/**
 * Any switch, as validated (defaults filled in).
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * const sw: FailureSwitch.FailureSwitch = FailureSwitch.FailureSwitch.parse({ kind: "error", rate: 0.5 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const FailureSwitch = z
  .discriminatedUnion("kind", [ErrorRate, Throttle, Reset, Hang, Truncate, Malformed, Drift, Chaos])
  .or(Latency)

/**
 * Any switch, as validated (defaults filled in).
 *
 * @example
 * ```ts
 * import { FailureSwitch } from "@24h/mocks"
 * const sw: FailureSwitch.FailureSwitch = FailureSwitch.FailureSwitch.parse({ kind: "error", rate: 0.5 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type FailureSwitch = z.output<typeof FailureSwitch>

/**
 * A switch as written by a user (defaults optional).
 *
 * @example
 * ```ts
 * import type { FailureSwitch } from "@24h/mocks"
 * const input: FailureSwitch.Input = { kind: "error" } // rate 1, status 503 by default
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Input = z.input<typeof FailureSwitch>

/**
 * Validates a switch: `InvalidSwitch` with a message naming the kind, the field and the value.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FailureSwitch } from "@24h/mocks"
 * Effect.runSync(FailureSwitch.parse({ kind: "throttle", limit: 10, windowMs: 1000 }))
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const parse = Effect.fn("FailureSwitch.parse")(
  (input: unknown): Effect.Effect<FailureSwitch, MocksError> =>
    Effect.suspend(() => Effect.fromResult(parseResult(input)))
)

/** @internal The switch, or an `InvalidSwitch` error naming the kind, the field and the value. */
export const parseResult = (input: unknown): Result.Result<FailureSwitch, MocksError> => {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return Result.fail(
      mocksError(
        "InvalidSwitch",
        `FailureSwitch: expected an object with a "kind" (got ${Array.isArray(input) ? "an array" : JSON.stringify(input)})`,
        undefined,
        { module: "FailureSwitch", value: input }
      )
    )
  }
  const kind = (input as { kind?: unknown }).kind
  if (typeof kind !== "string" || !Object.hasOwn(schemas, kind)) {
    return Result.fail(
      mocksError(
        "InvalidSwitch",
        `FailureSwitch.kind: must be one of ${kinds.join(", ")} (got ${JSON.stringify(kind)})`,
        undefined,
        { module: "FailureSwitch", field: "kind", value: kind }
      )
    )
  }
  const r = schemas[kind as Kind].safeParse(input, { reportInput: true })
  return r.success
    ? Result.succeed(r.data as FailureSwitch)
    : Result.fail(zodError("InvalidSwitch", `FailureSwitch(${kind})`, r.error.issues))
}

/**
 * What {@link fault} needs of a mock: `HttpMock` has it (and any simulator with the same switch API).
 *
 * @category models
 * @since 0.2.0
 */
export interface Switchable {
  readonly url: string
  readonly addSwitches: (switches: ReadonlyArray<Input>) => Effect.Effect<ReadonlyArray<FailureSwitch>, MocksError>
  readonly clearSwitches: (id?: string) => Effect.Effect<void>
}

/**
 * Switches on a mock as a core `Fault`: `apply` adds them, `revert` removes exactly those (other switches stay), so
 * `FaultSchedule` and the pipeline builders can drive them.
 *
 * @example
 * ```ts
 * import { FailureSwitch, HttpMock } from "@24h/mocks"
 * declare const payments: HttpMock.HttpMock
 * const outage = FailureSwitch.fault(payments, [{ kind: "error", rate: 1, status: 503 }], { name: "payments 503" })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const fault = (
  mock: Switchable,
  switches: ReadonlyArray<Input>,
  options: { readonly name?: string; readonly target?: string } = {}
): CoreFault.Fault<MocksError> => {
  let active: ReadonlyArray<string> = []
  return CoreFault.make({
    name: options.name ?? switches.map((s) => s.kind).join("+"),
    target: options.target ?? `mock/${mock.url}`,
    details: { switches },
    apply: Effect.gen(function* () {
      const added = yield* mock.addSwitches(switches)
      active = added.map((s) => s.id).filter((id): id is string => id !== undefined)
    }),
    revert: Effect.suspend(() => {
      const ids = active
      active = []
      return Effect.forEach(ids, (id) => mock.clearSwitches(id), { discard: true })
    })
  })
}
