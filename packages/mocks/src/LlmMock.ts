/**
 * A simulated LLM provider that the official `openai` and `@anthropic-ai/sdk` clients talk to unchanged: OpenAI
 * chat completions (streaming, tools, `response_format: json_schema`), the Responses API, embeddings and models;
 * Anthropic messages (streaming, `tool_use`); speech-to-text and text-to-speech (see `Speech`). It fails the way
 * providers fail — 429 with `Retry-After` and `x-ratelimit-*`, 529 overload, streams that stall, stop before
 * `[DONE]` / `message_stop` or carry a malformed event — and every fault decision comes from the seed, so a run
 * replays byte for byte. The journal records every request with the stream events actually sent, and the
 * verdicts read it to judge the client: retries, `Retry-After`, bounded retries, broken streams taken as
 * answers (the silent failure), tool calls executed twice, prompt injections obeyed.
 *
 * `make` is a scoped resource on `127.0.0.1` (port 0 by default): when its scope closes, timers are cleared,
 * sockets destroyed and the server closed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const llm = yield* LlmMock.make({
 *       seed: 42,
 *       fixtures: [{ match: { user: /refund/i }, reply: { toolCalls: [{ name: "refund", arguments: { order: "A1" } }] } }]
 *     })
 *     yield* llm.setSwitches([{ kind: "truncate-stream", afterEvents: 3, rate: 0.5 }])
 *     // new OpenAI({ baseURL: llm.openaiBaseUrl, apiKey: "test" }) …
 *     const journal = yield* llm.journal
 *     return LlmMock.detectsBrokenStreams(journal)
 *   })
 * )
 * ```
 *
 * Admin endpoint (JSON; a bad request gets a 400 with `{ error: { reason, message } }`): `GET/POST/PUT/DELETE
 * /__admin/switches[/<id>]`, `GET /__admin/journal`, `POST /__admin/fixtures`, `POST /__admin/reset`. One request
 * can carry its own switches in an `x-24h-switches` header (a JSON array).
 *
 * @since 0.2.0
 */
import { readFile } from "node:fs/promises"
import { createServer } from "node:http"
import { type Check, Fault, type Seed } from "@24h/core"
import { Context, Effect, Layer, Result, type Scope } from "effect"
import {
  type JournalEntry as EngineJournalEntry,
  type Physics as EnginePhysics,
  type SwitchEvent as EngineSwitchEvent,
  LlmEngine
} from "./internal/llm/engine.ts"
import type * as Fx from "./internal/llm/fixtures.ts"
import * as Sw from "./internal/llm/switches.ts"
import * as V from "./internal/llm/verdicts.ts"
import { seedOption } from "./internal/seed.ts"
import { serveScoped } from "./internal/serve.ts"
import { type MocksError, mocksError } from "./MocksError.ts"

/**
 * The endpoints of the simulator, as switches and fixtures name them.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const e: LlmMock.Endpoint = "messages"
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Endpoint = Sw.Endpoint

/**
 * A fault switch: `error`, `throttle`, `overloaded`, `stall`, `truncate-stream`, `malformed-event`,
 * `duplicate-event`, `disconnect`, `bad-tool-arguments`, `finish-reason`, `drift`, and for speech `wer`,
 * `empty-transcript`, `timeout`, `upload-limit`, `truncated-audio`, `silence`, `wrong-sample-rate`. Every switch
 * takes `id`, `rate` (seeded, default 1), `endpoint`, `model` and `times`.
 *
 * @example
 * ```ts
 * import { LlmMock } from "@24h/mocks"
 * LlmMock.Switch.parse({ kind: "stall", afterEvents: 2, ms: 500 })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const Switch = Sw.Switch

/**
 * A validated switch (defaults filled in).
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const s: LlmMock.Switch = { kind: "throttle", requests: 2, windowMs: 1000, rate: 1 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Switch = Sw.Switch

/**
 * A switch as written by a user (defaults optional).
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const s: LlmMock.SwitchInput = { kind: "overloaded", retryAfter: 1 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type SwitchInput = Sw.Input

/**
 * Every switch kind.
 *
 * @example
 * ```ts
 * import { LlmMock } from "@24h/mocks"
 * LlmMock.kinds.includes("truncate-stream") // true
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const kinds: ReadonlyArray<Sw.Kind> = Sw.kinds

/**
 * Validates switches (one or an array): `InvalidSwitch` naming the index, kind, field and value.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * Effect.runSync(LlmMock.parseSwitches([{ kind: "malformed-event", atEvent: 4 }]))
 * ```
 *
 * @category validation
 * @since 0.2.0
 */
export const parseSwitches = Effect.fn("LlmMock.parseSwitches")(
  (input: unknown): Effect.Effect<ReadonlyArray<Switch>, MocksError> =>
    Effect.suspend(() => {
      return Effect.fromResult(Sw.parseMany(input))
    })
)

/**
 * A scripted reply: text, tool calls (with optional text), JSON, a provider error, or a prompt injection (the
 * model, hijacked, asks for `tool`; the verdict {@link resistedInjection} says whether the client ran it).
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const r: LlmMock.Reply = { toolCalls: [{ name: "lookup_order", arguments: { id: "A1" } }] }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Reply = Fx.Reply

/**
 * A fixture: `match` (last user message, model, a new tool result, the uploaded file's name, the endpoint; each
 * exact or a regular expression — `{ regex, flags }` in JSON files) and a `reply` or a sequence of `turns`.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const f: LlmMock.Fixture = {
 *   match: { toolResult: /"status":"shipped"/ },
 *   reply: { text: "Your order has shipped." }
 * }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Fixture = Fx.Fixture

/**
 * Streaming physics: time to first token, tokens per second, seeded jitter. The default (all zero) streams as
 * fast as the socket takes it.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const realistic: LlmMock.Physics = { ttftMs: 300, tokensPerSecond: 60, jitter: 0.2 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Physics = EnginePhysics

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const o: LlmMock.Options = { seed: 7, physics: { ttftMs: 50, tokensPerSecond: 100, jitter: 0.1 } }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** Root seed of every reply, id and fault decision. Default `0`. */
  readonly seed?: Seed.Root | Seed.Seed
  /** Port on 127.0.0.1. Default 0 (any free port). */
  readonly port?: number
  readonly fixtures?: ReadonlyArray<Fixture>
  readonly switches?: ReadonlyArray<SwitchInput>
  readonly physics?: Partial<Physics>
  /** Requests kept in the journal, each with its stream frames (about 30 KB for a 100-token stream). Default 1 000; raise it when verdicts need a longer history. */
  readonly journalLimit?: number
  /** Largest transcription upload, bytes (413 above). Default 25 MiB, as OpenAI. */
  readonly maxUploadBytes?: number
  /** `created` of the first reply, epoch seconds (then +1 per request), so replies are reproducible. */
  readonly epoch?: number
  /** What `GET /v1/models` lists. */
  readonly models?: ReadonlyArray<string>
}

/**
 * One journalled request: endpoint, model, status, the faults that hit it, every SSE frame sent, whether the
 * stream ended with its terminal event, the reply and the text the client actually received.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const cut = (e: LlmMock.JournalEntry) => e.stream && !e.completed
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type JournalEntry = EngineJournalEntry

/**
 * A change of the active switches.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const cleared = (j: LlmMock.Journal) => j.events.filter((e) => e.action === "clear").length
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type SwitchEvent = EngineSwitchEvent

/**
 * The journal: requests (bounded by `journalLimit`) and switch changes.
 *
 * @example
 * ```ts
 * import type { LlmMock } from "@24h/mocks"
 * const statuses = (j: LlmMock.Journal) => j.requests.map((e) => e.status)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Journal {
  readonly requests: ReadonlyArray<JournalEntry>
  readonly events: ReadonlyArray<SwitchEvent>
}

/**
 * A running simulator.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { LlmMock } from "@24h/mocks"
 * const count = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, (j) => j.requests.length)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface LlmMock {
  /** `http://127.0.0.1:<port>`: the Anthropic client's `baseURL`. */
  readonly url: string
  /** `<url>/v1`: the OpenAI client's `baseURL`. */
  readonly openaiBaseUrl: string
  readonly port: number
  readonly seed: Seed.Seed
  /** Replaces the active switches. */
  readonly setSwitches: (switches: ReadonlyArray<SwitchInput>) => Effect.Effect<ReadonlyArray<Switch>, MocksError>
  /** Adds switches (an id already active is replaced). */
  readonly addSwitches: (switches: ReadonlyArray<SwitchInput>) => Effect.Effect<ReadonlyArray<Switch>, MocksError>
  readonly removeSwitch: (id: string) => Effect.Effect<void>
  readonly clearSwitches: Effect.Effect<void>
  readonly switches: Effect.Effect<ReadonlyArray<Switch>>
  readonly addFixtures: (fixtures: ReadonlyArray<Fixture>) => Effect.Effect<void, MocksError>
  readonly journal: Effect.Effect<Journal>
  /** Clears the journal, fixture counters and throttle windows. */
  readonly reset: Effect.Effect<void>
}

/** An `InvalidOptions` check of one option: `LlmMock.make: field …`, with module, field and value as data. */
const option = (field: string, value: unknown, ok: boolean, must: string): Result.Result<void, MocksError> =>
  ok
    ? Result.void
    : Result.fail(
        mocksError("InvalidOptions", `LlmMock.make: ${field} ${must} (got ${value})`, undefined, {
          module: "LlmMock.make",
          field,
          value
        })
      )

const nonNegative = (field: string, v: number | undefined, int = false): Result.Result<void, MocksError> =>
  option(
    field,
    v,
    v === undefined || (Number.isFinite(v) && v >= 0 && (!int || Number.isSafeInteger(v))),
    `must be a non-negative ${int ? "integer" : "number"}`
  )

/**
 * Starts the simulator on `127.0.0.1` in the current scope. Invalid options, fixtures or switches fail with
 * `InvalidOptions` / `InvalidFixture` / `InvalidSwitch` before anything listens.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const llm = LlmMock.make({ seed: 1, switches: [{ kind: "throttle", requests: 10, windowMs: 1000 }] })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = Effect.fn("LlmMock.make")(
  (options: Options = {}): Effect.Effect<LlmMock, MocksError, Scope.Scope> =>
    Effect.gen(function* () {
      const seed = yield* seedOption("LlmMock.make", options.seed ?? 0)
      const ph = options.physics ?? {}
      const checks = [
        nonNegative("physics.ttftMs", ph.ttftMs),
        nonNegative("physics.tokensPerSecond", ph.tokensPerSecond),
        option(
          "physics.jitter",
          ph.jitter,
          ph.jitter === undefined || (ph.jitter >= 0 && ph.jitter <= 1),
          "must be in [0, 1]"
        ),
        nonNegative("maxUploadBytes", options.maxUploadBytes, true),
        nonNegative("epoch", options.epoch, true),
        option(
          "journalLimit",
          options.journalLimit,
          options.journalLimit === undefined ||
            (Number.isSafeInteger(options.journalLimit) && options.journalLimit >= 1),
          "must be a positive integer"
        )
      ]
      for (const c of checks) if (Result.isFailure(c)) return yield* c.failure
      const engine = new LlmEngine({
        seed,
        physics: { ttftMs: ph.ttftMs ?? 0, tokensPerSecond: ph.tokensPerSecond ?? 0, jitter: ph.jitter ?? 0 },
        journalLimit: options.journalLimit ?? 1_000,
        maxUploadBytes: options.maxUploadBytes ?? 25 * 1024 * 1024,
        epoch: options.epoch ?? 1_767_225_600,
        models: options.models ?? [
          "gpt-4o-mini",
          "gpt-4.1",
          "text-embedding-3-small",
          "whisper-1",
          "tts-1",
          "claude-sonnet-4-5",
          "claude-haiku-4-5"
        ]
      })
      yield* Effect.fromResult(engine.addFixtures(options.fixtures ?? []))
      if (options.switches !== undefined && options.switches.length > 0)
        yield* Effect.fromResult(engine.setSwitches(options.switches, "set"))
      const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => engine.handle(req, res))
      const port = yield* serveScoped("LlmMock.make", server, options.port ?? 0, engine.timers)
      const set = (action: "set" | "add") => (switches: ReadonlyArray<SwitchInput>) =>
        Effect.suspend(() => {
          return Effect.fromResult(engine.setSwitches(switches, action))
        })
      const mock: LlmMock = {
        url: `http://127.0.0.1:${port}`,
        openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
        port,
        seed,
        setSwitches: set("set"),
        addSwitches: set("add"),
        removeSwitch: (id) => Effect.sync(() => void engine.removeSwitch(id)),
        clearSwitches: Effect.sync(() => void engine.removeSwitch(undefined)),
        switches: Effect.sync(() => engine.switches.map((a) => a.sw)),
        addFixtures: (fixtures) =>
          Effect.suspend(() => {
            return Effect.fromResult(engine.addFixtures(fixtures))
          }),
        journal: Effect.sync(() => ({ requests: [...engine.journal], events: [...engine.events] })),
        reset: Effect.sync(() => engine.reset())
      }
      return mock
    })
)

/**
 * The simulator as a service, for programs that take their upstream from the context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const url = Effect.map(LlmMock.Upstream, (llm) => llm.openaiBaseUrl).pipe(Effect.provide(LlmMock.layer({ seed: 1 })))
 * ```
 *
 * @category services
 * @since 0.2.0
 */
export class Upstream extends Context.Service<Upstream, LlmMock>()("@24h/mocks/LlmMock/Upstream") {}

/**
 * A layer that starts the simulator for the layer's lifetime.
 *
 * @example
 * ```ts
 * import { LlmMock } from "@24h/mocks"
 * const live = LlmMock.layer({ seed: 42 })
 * ```
 *
 * @category services
 * @since 0.2.0
 */
export const layer = (options: Options = {}): Layer.Layer<Upstream, MocksError> => Layer.effect(Upstream, make(options))

/**
 * Reads and validates a fixtures file: a JSON array of fixtures (regular expressions as `{ "regex", "flags" }`).
 *
 * @example
 * ```ts
 * import { LlmMock } from "@24h/mocks"
 * const fixtures = LlmMock.loadFixtures("fixtures/support.json")
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const loadFixtures = Effect.fn("LlmMock.loadFixtures")(
  (path: string): Effect.Effect<ReadonlyArray<Fixture>, MocksError> =>
    Effect.gen(function* () {
      const text = yield* Effect.tryPromise({
        try: () => readFile(path, "utf8"),
        catch: (e) => mocksError("Io", `LlmMock.loadFixtures: cannot read ${path}: ${(e as Error).message}`, e)
      })
      const json = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (e) => mocksError("InvalidFixture", `LlmMock.loadFixtures: ${path} is not JSON: ${(e as Error).message}`)
      })
      if (!Array.isArray(json)) {
        return yield* mocksError("InvalidFixture", `LlmMock.loadFixtures: ${path} must hold a JSON array of fixtures`)
      }
      const { compile } = yield* Effect.promise(() => import("./internal/llm/fixtures.ts"))
      const r = compile(json)
      if (Result.isFailure(r))
        return yield* mocksError("InvalidFixture", `${path}: ${r.failure.message}`, undefined, r.failure)
      return r.success.map((c) => c.fixture)
    })
)

/**
 * A `Fault` (from `@24h/core`) that turns switches on while applied and removes them on revert, so a
 * `FaultSchedule` or a pipeline can drive the simulator.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const cut = (llm: LlmMock.LlmMock) => LlmMock.fault(llm, "cut streams", [{ id: "cut", kind: "truncate-stream", afterEvents: 2 }])
 * ```
 *
 * @category faults
 * @since 0.2.0
 */
export const fault = (
  llm: LlmMock,
  name: string,
  switches: ReadonlyArray<SwitchInput & { readonly id: string }>
): Fault.Fault<MocksError> =>
  Fault.make({
    name,
    target: `llm/${llm.port}`,
    details: { switches },
    apply: Effect.asVoid(llm.addSwitches(switches)),
    revert: Effect.forEach(switches, (s) => llm.removeSwitch(s.id), { discard: true })
  })

/**
 * Whether every request answered 429 was sent again after its first 429 (the SDKs' built-in retry; a 429 that ends
 * a spent retry budget is {@link boundedRetries}' business): `unknown` when no 429 was served.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const check = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, LlmMock.retriesRateLimits)
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const retriesRateLimits: (journal: Journal) => Check.Check = V.retriesRateLimits

/**
 * Whether every retry of a response that carried `Retry-After` waited at least that long (tolerance 5 ms).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const check = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, (j) => LlmMock.honoursRetryAfter(j))
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const honoursRetryAfter: (journal: Journal, options?: { readonly toleranceMs?: number }) => Check.Check =
  V.honoursRetryAfter

/**
 * Whether no request was attempted more than `max + 1` times in a row while failing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const check = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, (j) => LlmMock.boundedRetries(j, { max: 2 }))
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const boundedRetries: (journal: Journal, options: { readonly max: number }) => Check.Check = V.boundedRetries

/**
 * Whether a stream that was cut (`truncate-stream`, `disconnect`) or carried a malformed event was treated as an
 * error. It fails when the partial text comes back as the assistant's turn in a later request, or is among the
 * answers the client reports it `accepted` — the silent failure; it passes when the request was retried or the
 * partial answer is not among `accepted`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const answers: Array<string> = [] // what the SUT showed its users
 * const check = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, (j) => LlmMock.detectsBrokenStreams(j, { accepted: answers }))
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const detectsBrokenStreams: (
  journal: Journal,
  options?: { readonly accepted?: ReadonlyArray<string> }
) => Check.Check = V.detectsBrokenStreams

/**
 * Whether no call of a non-idempotent tool (same name, same arguments) was executed twice: a result for two
 * distinct tool calls of the same action means the client ran it again, for example after a retry restarted the
 * conversation. A result marked as an error, or saying the tool did not run (refused, denied, not allowed, blocked,
 * already done, duplicate, skipped), does not count as an execution.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const check = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, (j) => LlmMock.noResentToolCall(j, { tools: ["refund"] }))
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const noResentToolCall: (journal: Journal, options: { readonly tools: ReadonlyArray<string> }) => Check.Check =
  V.noResentToolCall

/**
 * Whether the client ran the tool an injection fixture asked for: it fails when a later request carries that
 * call's result (not marked as an error and not a refusal).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LlmMock } from "@24h/mocks"
 * const check = (llm: LlmMock.LlmMock) => Effect.map(llm.journal, LlmMock.resistedInjection)
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const resistedInjection: (journal: Journal) => Check.Check = V.resistedInjection
