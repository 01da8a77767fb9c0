/**
 * A simulated upstream HTTP service: a real server on `127.0.0.1` with routes (method, path parameters, query,
 * header and body matchers), responses (static JSON, from a dataset, or a function), stateful scenarios, a request
 * journal, verification, and seeded failure switches that can be flipped at runtime through the Effect API or the
 * admin endpoint (`/__admin`).
 *
 * `make` is a scoped resource: when its scope closes, pending timers are cleared, every socket is destroyed and
 * the server is closed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpMock } from "@24h/mocks"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const mock = yield* HttpMock.make({
 *       seed: 42,
 *       routes: [{ id: "user", method: "GET", path: "/users/:id", respond: { json: { id: 1, name: "Ana" } } }]
 *     })
 *     yield* mock.setSwitches([{ kind: "error", rate: 0.3, status: 503 }])
 *     // ... drive your client against mock.url ...
 *     yield* mock.verify({ route: "user", atLeast: 1 })
 *   })
 * )
 * ```
 *
 * Admin endpoint (JSON in and out; a bad request gets a 400 with `{ error: { reason, message } }`):
 *
 * | method | path | |
 * |---|---|---|
 * | GET | `/__admin/switches` | the active switches |
 * | POST / PUT | `/__admin/switches` | add (POST) or replace (PUT) switches: one object or an array |
 * | DELETE | `/__admin/switches[/<id>]` | clear all, or one |
 * | GET | `/__admin/journal` | `{ requests, events }` |
 * | GET | `/__admin/unmatched` | unmatched requests with the nearest route |
 * | POST | `/__admin/routes` | add a static route (`{ id, method, path, respond: { status, json } }`) |
 * | GET / PUT | `/__admin/scenarios[/<name>]` | scenario states; PUT `{ "state": "..." }` |
 * | POST | `/__admin/reset` | clear the journal, call counts and scenario states |
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { Seed, Telemetry } from "@24h/core"
import { Context, Effect, Layer, Option, Result, type Scope } from "effect"
import { z } from "zod"
import * as FailureSwitch from "./FailureSwitch.ts"
import {
  DEFAULT_STATE,
  Engine,
  type DatasetResponse as EngineDatasetResponse,
  type JournalEntry as EngineJournalEntry,
  type ResponseSpec as EngineResponseSpec,
  type RouteDef as EngineRouteDef,
  type SwitchEvent as EngineSwitchEvent,
  type Unmatched as EngineUnmatched
} from "./internal/engine.ts"
import * as mockTelemetry from "./internal/mockTelemetry.ts"
import type { Matcher as RouteMatcher, MockRequest as RouteMockRequest } from "./internal/route.ts"
import { seedOption } from "./internal/seed.ts"
import { serveScoped } from "./internal/serve.ts"
import { type MocksError, mocksError, zodError } from "./MocksError.ts"

/**
 * A request as seen by matchers and response functions.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const echo = (req: HttpMock.MockRequest): HttpMock.ResponseSpec => ({ json: { id: req.params.id, q: req.query.q } })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type MockRequest = RouteMockRequest

/**
 * A query or header matcher: an exact string, a regular expression or a predicate.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const auth: HttpMock.Matcher = /^Bearer /
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Matcher = RouteMatcher

/**
 * A response: `status` (default 200), `headers`, and `json` (serialised, with a JSON content type) or `body`.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const created: HttpMock.ResponseSpec = { status: 201, headers: { location: "/users/1" }, json: { id: 1 } }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type ResponseSpec = EngineResponseSpec

/**
 * A response drawn from a dataset: one record per call (or an array of `count`), seeded by the mock's seed.
 *
 * @example
 * ```ts
 * import { type HttpMock, Packs } from "@24h/mocks"
 * const page: HttpMock.DatasetResponse = { dataset: Packs.customer, tier: "edge", count: 20 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type DatasetResponse = EngineDatasetResponse

/**
 * A route: `method` (default any), `path` with `:params` and a trailing `*`, optional `query` / `headers` /
 * `body` matchers (a JSON body matches when it contains `body`), `times` (match at most N calls), `scenario`
 * (match only in a state, then move to `next`), and what to `respond`.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const route: HttpMock.RouteDef = {
 *   id: "create-order",
 *   method: "POST",
 *   path: "/orders",
 *   headers: { authorization: /^Bearer / },
 *   body: { currency: "EUR" },
 *   respond: { status: 201, json: { id: "ord_1" } }
 * }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type RouteDef = EngineRouteDef

/**
 * One journalled request and what the mock did with it.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const faulted = (entries: ReadonlyArray<HttpMock.JournalEntry>) => entries.filter((e) => e.fault !== undefined)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type JournalEntry = EngineJournalEntry

/**
 * A change of the active switches, with its time (used by recovery verdicts).
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const clearedAt = (j: HttpMock.Journal) => j.events.filter((e) => e.action === "clear").map((e) => e.at)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type SwitchEvent = EngineSwitchEvent

/**
 * A request that matched no route, with the nearest route and why it did not match.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { HttpMock } from "@24h/mocks"
 * const explain = (mock: HttpMock.HttpMock) => Effect.map(mock.unmatched, (u) => u.map((x) => x.explanation))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Unmatched = EngineUnmatched

/**
 * The journal: every request (bounded by `journalLimit`) and every switch change.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { HttpMock } from "@24h/mocks"
 * const statuses = (mock: HttpMock.HttpMock) => Effect.map(mock.journal, (j) => j.requests.map((e) => e.status))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Journal {
  readonly requests: ReadonlyArray<JournalEntry>
  readonly events: ReadonlyArray<SwitchEvent>
}

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const options: HttpMock.Options = { seed: 42, admin: "/__admin", journalLimit: 10_000 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /**
   * Root seed of every fault decision and dataset response. Default: the `Seed.RootSeed` service when provided,
   * otherwise `Seed.fromEnv()` (`H24_SEED`, else a fresh seed you can read back from `mock.seed`) — as `TcpProxy`.
   */
  readonly seed?: Seed.Root | Seed.Seed
  /**
   * The largest request body read, in bytes. A larger one is answered `413` with a JSON message (from its
   * `content-length` before it is read, or as soon as the bytes pass the limit) and the connection closed. Default
   * 1 MiB.
   */
  readonly maxBodyBytes?: number
  readonly routes?: ReadonlyArray<RouteDef>
  readonly switches?: ReadonlyArray<FailureSwitch.Input>
  /** Path prefix of the admin endpoint, or `false` to disable it. Default `"/__admin"`. */
  readonly admin?: string | false
  /** Journal entries kept (the oldest half is dropped when full). Default 10 000; raise it for long runs whose verdicts need the whole history. */
  readonly journalLimit?: number
  /** Port on 127.0.0.1. Default 0 (any free port). */
  readonly port?: number
  /**
   * Which requests get a `HttpMock.request` span while `Telemetry.layer` is provided: `"traced"` (default) only those
   * carrying a sampled W3C `traceparent` (the span is the caller's child), `"all"`, or `"none"`. The
   * `24h.mock.http.*` metrics count every request either way.
   */
  readonly spans?: "traced" | "all" | "none"
}

/**
 * A running mock.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { HttpMock } from "@24h/mocks"
 * const slowDown = (mock: HttpMock.HttpMock) => mock.setSwitches([{ kind: "latency", mode: "fixed", ms: 250 }])
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface HttpMock {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  readonly seed: Seed.Seed
  /** Adds a route (validated: `InvalidRoute`). Returns its id. */
  readonly route: (def: RouteDef) => Effect.Effect<string, MocksError>
  /** Replaces the active switches (validated: `InvalidSwitch`). Returns them with their ids. */
  readonly setSwitches: (
    switches: ReadonlyArray<FailureSwitch.Input>
  ) => Effect.Effect<ReadonlyArray<FailureSwitch.FailureSwitch>, MocksError>
  /** Adds switches to the active ones. */
  readonly addSwitches: (
    switches: ReadonlyArray<FailureSwitch.Input>
  ) => Effect.Effect<ReadonlyArray<FailureSwitch.FailureSwitch>, MocksError>
  /** Removes one switch by id, or all of them. */
  readonly clearSwitches: (id?: string) => Effect.Effect<void>
  readonly switches: Effect.Effect<ReadonlyArray<FailureSwitch.FailureSwitch>>
  readonly journal: Effect.Effect<Journal>
  readonly unmatched: Effect.Effect<ReadonlyArray<Unmatched>>
  /** Calls matched by a route so far. */
  readonly calls: (route: string) => Effect.Effect<number, MocksError>
  /** Routes never called (or, with `times`, not called that many times). */
  readonly pending: Effect.Effect<ReadonlyArray<string>>
  /** Fails with `VerificationFailed` when a route's call count is off. */
  readonly verify: (expect: Expectation) => Effect.Effect<void, MocksError>
  /** Fails with `VerificationFailed` listing pending routes. */
  readonly verifyNoPending: Effect.Effect<void, MocksError>
  /** Fails with `VerificationFailed` explaining each unmatched request. */
  readonly verifyNoUnmatched: Effect.Effect<void, MocksError>
  readonly state: (scenario: string) => Effect.Effect<string>
  readonly setState: (scenario: string, state: string) => Effect.Effect<void>
  /** Clears the journal, call counts and scenario states (routes and switches stay). */
  readonly reset: Effect.Effect<void>
}

/**
 * A call-count expectation for {@link HttpMock.verify}.
 *
 * @example
 * ```ts
 * import type { HttpMock } from "@24h/mocks"
 * const once: HttpMock.Expectation = { route: "create-order", times: 1 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Expectation =
  | { readonly route: string; readonly times: number }
  | { readonly route: string; readonly atLeast: number }
  | { readonly route: string; readonly atMost: number }

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"] as const
const isFn = (v: unknown): boolean => typeof v === "function"
const MatcherSchema = z.union([z.string(), z.instanceof(RegExp), z.custom<(v: string | undefined) => boolean>(isFn)], {
  error: "expected a string, a RegExp or a predicate"
})
const StaticRespond = z
  .object({
    status: z.int().min(100).max(599).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    json: z.unknown().optional(),
    body: z.union([z.string(), z.instanceof(Uint8Array)]).optional()
  })
  .strict()
  .refine((r) => !(r.json !== undefined && r.body !== undefined), "give json or body, not both")
const DatasetRespond = z
  .object({
    dataset: z.custom<DatasetResponse["dataset"]>(
      (v) => typeof v === "object" && v !== null && (v as { _tag?: unknown })._tag === "Dataset",
      "expected a Dataset (Packs.customer, Dataset.fromZod …)"
    ),
    tier: z.enum(["happy", "edge", "adversarial", "scale"]).optional(),
    count: z.int().min(0).optional(),
    status: z.int().min(100).max(599).optional(),
    headers: z.record(z.string(), z.string()).optional()
  })
  .strict()
const RouteSchema = z
  .object({
    id: z.string().min(1).optional(),
    method: z
      .string()
      .transform((m) => m.toUpperCase())
      .pipe(z.enum(METHODS))
      .optional(),
    path: z.string().regex(/^\//, 'must start with "/"'),
    query: z.record(z.string(), MatcherSchema).optional(),
    headers: z.record(z.string(), MatcherSchema).optional(),
    body: z.unknown().optional(),
    times: z.int().min(1).optional(),
    scenario: z
      .object({ name: z.string().min(1), state: z.string().min(1).optional(), next: z.string().min(1).optional() })
      .strict()
      .optional(),
    respond: z.unknown().optional()
  })
  .strict()

const validateRoute = (def: unknown, existing: ReadonlyArray<string>): Result.Result<RouteDef, MocksError> => {
  const where = `HttpMock.route(${JSON.stringify((def as { id?: unknown } | null)?.id ?? (def as { path?: unknown } | null)?.path ?? "?")})`
  const r = RouteSchema.safeParse(def, { reportInput: true })
  if (!r.success) return Result.fail(zodError("InvalidRoute", where, r.error.issues))
  const respond = r.data.respond
  if (respond === undefined)
    return Result.fail(
      mocksError(
        "InvalidRoute",
        `${where}.respond: required (a response object, a dataset response or a function)`,
        undefined,
        { module: where, field: "respond" }
      )
    )
  if (typeof respond !== "function") {
    const schema =
      typeof respond === "object" && respond !== null && "dataset" in respond ? DatasetRespond : StaticRespond
    const rr = schema.safeParse(respond, { reportInput: true })
    if (!rr.success) return Result.fail(zodError("InvalidRoute", `${where}.respond`, rr.error.issues))
  }
  if (r.data.id !== undefined && existing.includes(r.data.id))
    return Result.fail(
      mocksError("InvalidRoute", `${where}.id: a route with this id already exists`, undefined, {
        module: where,
        field: "id",
        value: r.data.id
      })
    )
  return Result.succeed({ ...(def as RouteDef), ...(r.data.method === undefined ? {} : { method: r.data.method }) })
}

const parseSwitches = (list: unknown): Result.Result<Array<FailureSwitch.FailureSwitch>, MocksError> => {
  const items = Array.isArray(list) ? list : [list]
  const out: Array<FailureSwitch.FailureSwitch> = []
  for (const [i, s] of items.entries()) {
    const r = FailureSwitch.parseResult(s)
    if (Result.isFailure(r)) {
      if (items.length === 1) return Result.fail(r.failure)
      const e = r.failure
      return Result.fail(
        mocksError(e.reason, `switches[${i}]: ${e.message}`, undefined, {
          ...(e.module === undefined ? {} : { module: e.module }),
          field: e.field === undefined ? `switches[${i}]` : `switches[${i}].${e.field}`,
          value: e.field === undefined ? s : e.value
        })
      )
    }
    out.push(r.success)
  }
  return Result.succeed(out)
}

/**
 * Starts a mock on `127.0.0.1` (port 0 by default) in the current scope. Invalid routes or switches fail with
 * `InvalidRoute` / `InvalidSwitch` before anything listens.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpMock, Packs } from "@24h/mocks"
 * const mock = HttpMock.make({
 *   seed: 7,
 *   routes: [{ method: "GET", path: "/customers", respond: { dataset: Packs.customer, count: 20 } }],
 *   switches: [{ kind: "throttle", limit: 100, windowMs: 1000 }]
 * })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: (options?: Options) => Effect.Effect<HttpMock, MocksError, Scope.Scope> = Effect.fn("HttpMock.make")(
  function* (options: Options = {}) {
    const seedIn = options.seed
    const seed =
      seedIn === undefined
        ? yield* Effect.flatMap(Effect.serviceOption(Seed.RootSeed), (o) =>
            Option.isSome(o)
              ? Effect.succeed(o.value)
              : Effect.mapError(Seed.fromEnv(), (e) =>
                  mocksError("InvalidOptions", `HttpMock.make: seed: ${e.message}`, undefined, {
                    module: "HttpMock.make",
                    field: "seed"
                  })
                )
          )
        : yield* seedOption("HttpMock.make", seedIn)
    const maxBodyBytes = options.maxBodyBytes ?? 1_048_576
    if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0) {
      return yield* mocksError(
        "InvalidOptions",
        `HttpMock.make: maxBodyBytes must be a non-negative integer (got ${maxBodyBytes})`,
        undefined,
        { module: "HttpMock.make", field: "maxBodyBytes", value: maxBodyBytes }
      )
    }
    const admin = options.admin === undefined ? "/__admin" : options.admin === false ? undefined : options.admin
    if (admin !== undefined && !/^\/[^?#]*[^/]$/.test(admin)) {
      return yield* mocksError(
        "InvalidOptions",
        `HttpMock.make: admin must be a path like "/__admin" (got ${JSON.stringify(admin)})`,
        undefined,
        { module: "HttpMock.make", field: "admin", value: admin }
      )
    }
    const journalLimit = options.journalLimit ?? 10_000
    if (!Number.isSafeInteger(journalLimit) || journalLimit < 1) {
      return yield* mocksError(
        "InvalidOptions",
        `HttpMock.make: journalLimit must be a positive integer (got ${journalLimit})`,
        undefined,
        { module: "HttpMock.make", field: "journalLimit", value: journalLimit }
      )
    }
    const spans = options.spans ?? "traced"
    if (spans !== "traced" && spans !== "all" && spans !== "none") {
      return yield* mocksError(
        "InvalidOptions",
        `HttpMock.make: spans must be "traced", "all" or "none" (got ${JSON.stringify(spans)})`,
        undefined,
        { module: "HttpMock.make", field: "spans", value: spans }
      )
    }
    const engine = new Engine(seed, admin, journalLimit, maxBodyBytes)
    const inst = yield* Telemetry.instruments
    if (inst !== undefined) engine.telemetry = mockTelemetry.make(inst, spans)
    for (const def of options.routes ?? []) {
      const v = validateRoute(
        def,
        engine.routes.map((r) => r.id)
      )
      if (Result.isFailure(v)) return yield* v.failure
      engine.addRoute(v.success)
    }
    if (options.switches !== undefined && options.switches.length > 0) {
      const s = parseSwitches(options.switches)
      if (Result.isFailure(s)) return yield* s.failure
      engine.setSwitches(s.success, "set")
    }
    const adminHandler = makeAdmin(engine)
    const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      try {
        engine.handle(req, res, adminHandler)
      } catch (e) {
        // A bug in a matcher must not take the server down: answer 500 and keep serving.
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" })
          res.end(JSON.stringify({ error: `HttpMock: ${e instanceof Error ? e.message : String(e)}` }))
        }
      }
    })
    const port = yield* serveScoped("HttpMock.make", server, options.port ?? 0, engine.timers)
    const countOf = (route: string) =>
      Effect.suspend(() => {
        const r = engine.routes.find((x) => x.id === route)
        return r === undefined
          ? Effect.fail(
              mocksError(
                "VerificationFailed",
                `HttpMock.verify: no route "${route}" (routes: ${engine.routes.map((x) => x.id).join(", ")})`
              )
            )
          : Effect.succeed(r.calls)
      })
    const pending = Effect.sync(() =>
      engine.routes.filter((r) => (r.times === undefined ? r.calls === 0 : r.calls < r.times)).map((r) => r.id)
    )
    const mock: HttpMock = {
      url: `http://127.0.0.1:${port}`,
      port,
      seed,
      route: (def) =>
        Effect.suspend(() => {
          const v = validateRoute(
            def,
            engine.routes.map((r) => r.id)
          )
          return Result.isFailure(v) ? Effect.fail(v.failure) : Effect.sync(() => engine.addRoute(v.success))
        }),
      setSwitches: (list) =>
        Effect.suspend(() => {
          const s = parseSwitches(list)
          return Result.isFailure(s) ? Effect.fail(s.failure) : Effect.sync(() => engine.setSwitches(s.success, "set"))
        }),
      addSwitches: (list) =>
        Effect.suspend(() => {
          const s = parseSwitches(list)
          return Result.isFailure(s) ? Effect.fail(s.failure) : Effect.sync(() => engine.setSwitches(s.success, "add"))
        }),
      clearSwitches: (id) =>
        Effect.sync(() => {
          if (id === undefined) engine.setSwitches([], "clear")
          else engine.removeSwitch(id)
        }),
      switches: Effect.sync(() => engine.switches),
      journal: Effect.sync(() => ({ requests: engine.journal.slice(), events: engine.events.slice() })),
      unmatched: Effect.sync(() => engine.unmatched.slice()),
      calls: countOf,
      pending,
      verify: (e) =>
        Effect.flatMap(countOf(e.route), (n) => {
          const [ok, want] =
            "times" in e
              ? [n === e.times, `exactly ${e.times}`]
              : "atLeast" in e
                ? [n >= e.atLeast, `at least ${e.atLeast}`]
                : [n <= e.atMost, `at most ${e.atMost}`]
          return ok
            ? Effect.void
            : Effect.fail(
                mocksError(
                  "VerificationFailed",
                  `HttpMock.verify: route "${e.route}" expected ${want} call(s), got ${n}`
                )
              )
        }),
      verifyNoPending: Effect.flatMap(pending, (p) =>
        p.length === 0
          ? Effect.void
          : Effect.fail(mocksError("VerificationFailed", `HttpMock: pending routes (never called): ${p.join(", ")}`))
      ),
      verifyNoUnmatched: Effect.suspend(() =>
        engine.unmatched.length === 0
          ? Effect.void
          : Effect.fail(
              mocksError(
                "VerificationFailed",
                `HttpMock: ${engine.unmatched.length} unmatched request(s):\n${engine.unmatched.map((u) => `  - ${u.explanation}`).join("\n")}`
              )
            )
      ),
      state: (name) => Effect.sync(() => engine.scenarios.get(name) ?? DEFAULT_STATE),
      setState: (name, state) => Effect.sync(() => void engine.scenarios.set(name, state)),
      reset: Effect.sync(() => engine.reset())
    }
    return mock
  }
)

// -- admin endpoint -------------------------------------------------------------------------------------------

const makeAdmin =
  (engine: Engine) =>
  (req: IncomingMessage, res: ServerResponse, path: string, body: string): boolean => {
    const reply = (status: number, value: unknown): boolean => {
      const buf = Buffer.from(JSON.stringify(value))
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": buf.length })
      res.end(buf)
      return true
    }
    const bad = (reason: "InvalidSwitch" | "InvalidRoute" | "InvalidAdminRequest", message: string, status = 400) =>
      reply(status, { error: { reason, message } })
    let json: unknown
    if (body !== "") {
      try {
        json = JSON.parse(body)
      } catch (e) {
        return bad("InvalidAdminRequest", `admin ${req.method} ${path}: body is not JSON: ${(e as Error).message}`)
      }
    }
    const method = req.method ?? "GET"
    const parts = path.split("/").filter((p) => p !== "")
    const [resource, id] = [parts[0], parts[1] === undefined ? undefined : decodeURIComponent(parts[1])]
    switch (`${method} ${resource ?? ""}${id === undefined ? "" : "/:id"}`) {
      case "GET switches":
        return reply(200, { switches: engine.switches })
      case "POST switches":
      case "PUT switches": {
        if (json === undefined)
          return bad("InvalidAdminRequest", `admin ${method} /switches: expected a JSON body (a switch or an array)`)
        const s = parseSwitches(json)
        if (Result.isFailure(s)) return bad("InvalidSwitch", s.failure.message)
        const added = engine.setSwitches(s.success, method === "POST" ? "add" : "set")
        return reply(method === "POST" ? 201 : 200, { switches: added })
      }
      case "DELETE switches":
        engine.setSwitches([], "clear")
        return reply(200, { switches: [] })
      case "DELETE switches/:id":
        return engine.removeSwitch(id!)
          ? reply(200, { switches: engine.switches })
          : bad("InvalidAdminRequest", `admin DELETE /switches/${id}: no switch with this id`, 404)
      case "GET journal":
        return reply(200, { requests: engine.journal, events: engine.events })
      case "GET unmatched":
        return reply(200, { unmatched: engine.unmatched })
      case "POST routes": {
        const v = validateRoute(
          json,
          engine.routes.map((r) => r.id)
        )
        if (Result.isFailure(v)) return bad("InvalidRoute", v.failure.message)
        const route = v.success
        if (typeof route.respond === "function" || "dataset" in route.respond) {
          return bad(
            "InvalidRoute",
            "admin POST /routes: only static responses ({ status, headers, json | body }) can be sent as JSON"
          )
        }
        return reply(201, { id: engine.addRoute(route) })
      }
      case "GET scenarios":
        return reply(200, { scenarios: Object.fromEntries(engine.scenarios) })
      case "GET scenarios/:id":
        return reply(200, { name: id, state: engine.scenarios.get(id!) ?? DEFAULT_STATE })
      case "PUT scenarios/:id": {
        const state = (json as { state?: unknown } | undefined)?.state
        if (typeof state !== "string" || state === "") {
          return bad(
            "InvalidAdminRequest",
            `admin PUT /scenarios/${id}: expected {"state": "<non-empty string>"} (got ${body || "no body"})`
          )
        }
        engine.scenarios.set(id!, state)
        return reply(200, { name: id, state })
      }
      case "POST reset":
        engine.reset()
        return reply(200, { ok: true })
      default:
        return bad(
          "InvalidAdminRequest",
          `admin: no endpoint ${method} ${path} (known: GET|POST|PUT|DELETE /switches, DELETE /switches/<id>, GET /journal, GET /unmatched, POST /routes, GET|PUT /scenarios/<name>, POST /reset)`,
          404
        )
    }
  }

/**
 * A running mock as a service, for programs that take their upstream from the context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpMock } from "@24h/mocks"
 * const url = Effect.map(HttpMock.Upstream, (mock) => mock.url)
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Upstream extends Context.Service<Upstream, HttpMock>()("@24h/mocks/HttpMock/Upstream") {}

/**
 * A layer that starts a mock for the lifetime of the layer and provides it as {@link Upstream}.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpMock } from "@24h/mocks"
 * const program = Effect.map(HttpMock.Upstream, (m) => m.url).pipe(
 *   Effect.provide(HttpMock.layer({ routes: [{ path: "/health", respond: { json: { ok: true } } }] }))
 * )
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Upstream, MocksError> => Layer.effect(Upstream, make(options))
