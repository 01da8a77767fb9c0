/**
 * The switch schemas of `LlmMock` (validated with zod, messages naming the kind, the field and the value), in the
 * style of `FailureSwitch`: every switch is plain JSON, so the Effect API, `POST /__admin/switches` and the
 * per-request `x-24h-switches` header share one parser.
 */
import { Result } from "effect"
import { z } from "zod"
import { type MocksError, mocksError, zodError } from "../../MocksError.ts"
import { Operation } from "../../SchemaDrift.ts"

/** The endpoints a switch can be scoped to. */
export const Endpoint = z.enum(["chat", "responses", "embeddings", "models", "messages", "transcriptions", "speech"])
export type Endpoint = z.infer<typeof Endpoint>

const common = {
  /** Set by the mock when absent: `sw-<n>`. */
  id: z.string().min(1).optional(),
  /** Fraction of the requests in scope that the switch hits (seeded). Default 1. */
  rate: z.number().min(0).max(1).default(1),
  /** Only these endpoints. Default: every endpoint the kind applies to. */
  endpoint: z.union([Endpoint, z.array(Endpoint).min(1)]).optional(),
  /** Only requests for this model (exact). */
  model: z.string().min(1).optional(),
  /** Hit at most this many requests, then stay inert. */
  times: z.int().min(1).optional()
}
const events = z.int().min(0)

const ErrorSw = z
  .object({
    ...common,
    kind: z.literal("error"),
    status: z.int().min(400).max(599).default(500),
    /** Seconds; sent as `retry-after` (rounded up) and `retry-after-ms`. */
    retryAfter: z.number().min(0).optional(),
    message: z.string().optional()
  })
  .strict()
const Throttle = z
  .object({
    ...common,
    kind: z.literal("throttle"),
    /** Requests allowed per window. */
    requests: z.int().min(0).optional(),
    /** Tokens (prompt + completion estimate) allowed per window. */
    tokens: z.int().min(0).optional(),
    windowMs: z.int().min(1).default(60_000)
  })
  .strict()
  .refine((s) => s.requests !== undefined || s.tokens !== undefined, {
    message: "needs requests or tokens (a per-window budget)",
    path: ["requests"]
  })
const Overloaded = z
  .object({ ...common, kind: z.literal("overloaded"), retryAfter: z.number().min(0).optional() })
  .strict()
const Stall = z
  .object({ ...common, kind: z.literal("stall"), afterEvents: events.default(0), ms: z.int().min(0) })
  .strict()
const TruncateStream = z.object({ ...common, kind: z.literal("truncate-stream"), afterEvents: events }).strict()
const MalformedEvent = z.object({ ...common, kind: z.literal("malformed-event"), atEvent: events }).strict()
const DuplicateEvent = z.object({ ...common, kind: z.literal("duplicate-event"), atEvent: events }).strict()
const Disconnect = z.object({ ...common, kind: z.literal("disconnect"), afterEvents: events.default(0) }).strict()
const BadToolArguments = z.object({ ...common, kind: z.literal("bad-tool-arguments") }).strict()
const FinishReason = z
  .object({ ...common, kind: z.literal("finish-reason"), reason: z.enum(["length", "content_filter"]) })
  .strict()
const Drift = z
  .object({
    ...common,
    kind: z.literal("drift"),
    operations: z.array(Operation).min(1).optional(),
    fieldRate: z.number().min(0).max(1).default(0.3)
  })
  .strict()
const Wer = z.object({ ...common, kind: z.literal("wer"), wordErrorRate: z.number().min(0).max(1) }).strict()
const EmptyTranscript = z.object({ ...common, kind: z.literal("empty-transcript") }).strict()
const Timeout = z.object({ ...common, kind: z.literal("timeout"), ms: z.int().min(0).optional() }).strict()
const UploadLimit = z.object({ ...common, kind: z.literal("upload-limit"), maxBytes: z.int().min(0) }).strict()
const TruncatedAudio = z
  .object({ ...common, kind: z.literal("truncated-audio"), fraction: z.number().min(0).lt(1).default(0.5) })
  .strict()
const Silence = z.object({ ...common, kind: z.literal("silence") }).strict()
const WrongSampleRate = z
  .object({ ...common, kind: z.literal("wrong-sample-rate"), sampleRate: z.int().min(1).default(48_000) })
  .strict()

export const schemas = {
  error: ErrorSw,
  throttle: Throttle,
  overloaded: Overloaded,
  stall: Stall,
  "truncate-stream": TruncateStream,
  "malformed-event": MalformedEvent,
  "duplicate-event": DuplicateEvent,
  disconnect: Disconnect,
  "bad-tool-arguments": BadToolArguments,
  "finish-reason": FinishReason,
  drift: Drift,
  wer: Wer,
  "empty-transcript": EmptyTranscript,
  timeout: Timeout,
  "upload-limit": UploadLimit,
  "truncated-audio": TruncatedAudio,
  silence: Silence,
  "wrong-sample-rate": WrongSampleRate
} as const

export type Kind = keyof typeof schemas
export const kinds: ReadonlyArray<Kind> = Object.keys(schemas) as Array<Kind>

export const Switch = z
  .discriminatedUnion("kind", [
    ErrorSw,
    Overloaded,
    Stall,
    TruncateStream,
    MalformedEvent,
    DuplicateEvent,
    Disconnect,
    BadToolArguments,
    FinishReason,
    Drift,
    Wer,
    EmptyTranscript,
    Timeout,
    UploadLimit,
    TruncatedAudio,
    Silence,
    WrongSampleRate
  ])
  .or(Throttle)
export type Switch = z.output<typeof Switch>
export type Input = z.input<typeof Switch>
export type SwitchOf<K extends Kind> = Extract<Switch, { kind: K }>

/** The switch, or an `InvalidSwitch` error naming the kind, the field and the value. */
export const parseOne = (input: unknown): Result.Result<Switch, MocksError> => {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return Result.fail(
      mocksError(
        "InvalidSwitch",
        `LlmMock.Switch: expected an object with a "kind" (got ${Array.isArray(input) ? "an array" : JSON.stringify(input)})`,
        undefined,
        { module: "LlmMock.Switch", value: input }
      )
    )
  }
  const kind = (input as { kind?: unknown }).kind
  if (typeof kind !== "string" || !Object.hasOwn(schemas, kind)) {
    return Result.fail(
      mocksError(
        "InvalidSwitch",
        `LlmMock.Switch.kind: must be one of ${kinds.join(", ")} (got ${JSON.stringify(kind)})`,
        undefined,
        { module: "LlmMock.Switch", field: "kind", value: kind }
      )
    )
  }
  const r = schemas[kind as Kind].safeParse(input, { reportInput: true })
  return r.success
    ? Result.succeed(r.data as Switch)
    : Result.fail(zodError("InvalidSwitch", `LlmMock.Switch(${kind})`, r.error.issues))
}

/** One switch or an array of them; the message of the first bad one names its index. */
export const parseMany = (input: unknown): Result.Result<Array<Switch>, MocksError> => {
  const items = Array.isArray(input) ? input : [input]
  const out: Array<Switch> = []
  for (let i = 0; i < items.length; i++) {
    const r = parseOne(items[i])
    if (Result.isFailure(r))
      return Array.isArray(input)
        ? Result.fail(mocksError("InvalidSwitch", `switches[${i}]: ${r.failure.message}`, undefined, r.failure))
        : Result.fail(r.failure)
    out.push(r.success)
  }
  return Result.succeed(out)
}

/** Endpoints each kind applies to when the switch names none. */
const defaultScope: Record<Kind, ReadonlyArray<Endpoint>> = {
  error: ["chat", "responses", "embeddings", "models", "messages", "transcriptions", "speech"],
  throttle: ["chat", "responses", "embeddings", "messages", "transcriptions", "speech"],
  overloaded: ["chat", "responses", "embeddings", "messages", "transcriptions", "speech"],
  stall: ["chat", "responses", "messages"],
  "truncate-stream": ["chat", "responses", "messages"],
  "malformed-event": ["chat", "responses", "messages"],
  "duplicate-event": ["chat", "responses", "messages"],
  disconnect: ["chat", "responses", "embeddings", "messages", "transcriptions", "speech"],
  "bad-tool-arguments": ["chat", "responses", "messages"],
  "finish-reason": ["chat", "responses", "messages"],
  drift: ["chat", "responses", "embeddings", "messages", "transcriptions"],
  wer: ["transcriptions"],
  "empty-transcript": ["transcriptions"],
  timeout: ["transcriptions", "speech", "chat", "responses", "embeddings", "messages"],
  "upload-limit": ["transcriptions"],
  "truncated-audio": ["speech"],
  silence: ["speech"],
  "wrong-sample-rate": ["speech"]
}

export const inScope = (s: Switch, endpoint: Endpoint, model: string | undefined): boolean => {
  const eps =
    s.endpoint === undefined ? defaultScope[s.kind] : typeof s.endpoint === "string" ? [s.endpoint] : s.endpoint
  if (!eps.includes(endpoint)) return false
  return s.model === undefined || s.model === model
}
