/**
 * An HTTP fault proxy in front of a real upstream, as a scoped Effect resource: a reverse proxy (HTTP/1.1,
 * keep-alive both sides, request and response bodies streamed through, `x-correlation-id` passed upstream and
 * generated when absent) that applies seeded per-route fault rules to live traffic.
 *
 * A rule matches on method, path pattern and headers, fires with a probability, and applies one action: a status
 * (with `Retry-After`), a delay before the response head or between body chunks, a reset, a hang, a truncated body
 * (N bytes or a fraction), malformed JSON, schema drift of the upstream's real JSON body (core's `SchemaDrift`),
 * header changes, or event-level faults on a proxied SSE stream. The first matching rule that fires applies; one
 * fault per request. From Envoy's HTTP fault filter come percentages (`probability`), header-controlled faults
 * (`headerControl`: `x-24h-fault-abort: 503`, `x-24h-fault-delay: 200`, `x-24h-fault-reset: 1`) and
 * `maxActiveFaults`. Every request is journaled (status, latency, the fault, the correlation id), and an admin API on
 * the same port (`/__admin` by default) manages rules like HttpMock's does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpFaultProxy } from "@24h/chaos"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const proxy = yield* HttpFaultProxy.make({ upstream: "http://127.0.0.1:8080", seed: 42 })
 *     yield* proxy.addRule({
 *       id: "checkout-503",
 *       match: { method: "POST", path: "/checkout/**" },
 *       probability: 0.2,
 *       action: { type: "status", status: 503, retryAfter: 2 }
 *     })
 *     // point the client under test at proxy.url …
 *     return yield* proxy.journal
 *   })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { Fault, Seed, Telemetry } from "@24h/core"
import { Clock, Effect, Metric, Option, Result, type Scope } from "effect"
import { type ChaosError, make as chaosError, withDetails } from "./ChaosError.ts"
import { Engine, type JournalEntry as EngineJournalEntry } from "./internal/http/engine.ts"
import * as S from "./internal/http/schema.ts"

/**
 * A fault rule: `id`, an optional `match` (`method`: one or several; `path`: a glob where `*` stays within a
 * segment and `**` crosses segments, or a regular expression starting with `^`; `headers`: exact value, `"*"` for
 * present, or `^regex`), a `probability` (default 1) and an `action`. The zod schema validates admin bodies and
 * `--rules` files.
 *
 * @example
 * ```ts
 * import { HttpFaultProxy } from "@24h/chaos"
 * const rule = HttpFaultProxy.Rule.parse({ id: "slow", match: { path: "/api/*" }, action: { type: "delay", ms: 300 } })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const Rule = S.Rule
/**
 * A fault rule (see the schema {@link Rule}).
 *
 * @example
 * ```ts
 * import type { HttpFaultProxy } from "@24h/chaos"
 * const rule: HttpFaultProxy.Rule = { id: "reset", action: { type: "reset" } }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Rule = S.Rule

/**
 * What a rule does, discriminated by `type`:
 *
 * | type | fields | effect |
 * |---|---|---|
 * | `status` | `status`, `retryAfter?` s, `body?`, `headers?` | answered by the proxy; the upstream never sees it |
 * | `delay` | `ms`, `jitter?`, `phase?: "headers" \| "chunks"` | wait before forwarding (default), or before each body chunk |
 * | `reset` | – | TCP RST on the client connection |
 * | `hang` | – | no response, ever (until the client gives up) |
 * | `truncate` | `bytes` or `fraction` | the body is cut and the connection closed (`content-length` kept) |
 * | `malformed_json` | – | the body is cut at a seeded point and given a non-JSON tail |
 * | `drift` | `operations?`, `fieldRate?` | the upstream's JSON body through `SchemaDrift.mutate` |
 * | `headers` | `add?`, `remove?`, `rewrite?` | response headers changed (`rewrite` replaces only present ones) |
 * | `sse` | `drop?`, `duplicate?`, `corrupt?` (probabilities), `delay?` ms, `cutAfter?` events | per-event faults on `text/event-stream` |
 *
 * @example
 * ```ts
 * import { HttpFaultProxy } from "@24h/chaos"
 * const action = HttpFaultProxy.Action.parse({ type: "truncate", fraction: 0.5 })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const Action = S.Action
/**
 * A rule's action (see the schema {@link Action}).
 *
 * @example
 * ```ts
 * import type { HttpFaultProxy } from "@24h/chaos"
 * const a: HttpFaultProxy.Action = { type: "sse", drop: 0.1, cutAfter: 20 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Action = S.Action

/**
 * One proxied request in the journal: index (arrival order), arrival time, method, path, correlation id, the
 * status the client got and the upstream's, latency, bytes, outcome, the fault applied and what it did.
 *
 * @example
 * ```ts
 * import type { HttpFaultProxy } from "@24h/chaos"
 * const faulted = (j: ReadonlyArray<HttpFaultProxy.JournalEntry>) => j.filter((e) => e.fault !== null).length
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type JournalEntry = EngineJournalEntry

/**
 * Counters of a proxy.
 *
 * @example
 * ```ts
 * import type { HttpFaultProxy } from "@24h/chaos"
 * const ratio = (s: HttpFaultProxy.Stats) => s.faulted / Math.max(1, s.requests)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Stats {
  readonly requests: number
  readonly faulted: number
  readonly activeFaults: number
  readonly connectionsTotal: number
  readonly connectionsActive: number
}

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import type { HttpFaultProxy } from "@24h/chaos"
 * const options: HttpFaultProxy.Options = { upstream: "http://127.0.0.1:8080", port: 0, seed: 42, maxActiveFaults: 10 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** The upstream's origin, `http://host:port` (a path is ignored). Required. */
  readonly upstream: string
  /** Interface to listen on. Default `"127.0.0.1"`. */
  readonly host?: string
  /** Port to listen on; 0 picks a free one. Default `0`. */
  readonly port?: number
  /** The proxy's name, used in seeds and messages. Default `"http"`. */
  readonly name?: string
  /** The root seed. Default: the `Seed.RootSeed` service, else `H24_SEED`, else fresh (read it from `proxy.seed`). */
  readonly seed?: Seed.Seed | Seed.Root
  /** Rules installed before the first request. Default none. */
  readonly rules?: ReadonlyArray<unknown>
  /** Path prefix of the admin API, or `false` for none. Default `"/__admin"`. */
  readonly admin?: string | false
  /** Honour `x-24h-fault-abort`, `x-24h-fault-delay` and `x-24h-fault-reset` request headers (Envoy's header-controlled faults). Default `false`. */
  readonly headerControl?: boolean
  /** At most this many faulted requests in flight; further matches pass through (journaled with a note). Default unlimited. */
  readonly maxActiveFaults?: number
  /** Journal entries kept (oldest dropped first). Default `10_000`. */
  readonly journalLimit?: number
  /** Largest body `malformed_json`/`drift` hold in memory; larger bodies pass through. Default 16 MiB. */
  readonly maxBodyBytes?: number
  /** Upstream connections in the undici pool. Default `128`. */
  readonly connections?: number
}

/**
 * A running HTTP fault proxy.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { HttpFaultProxy } from "@24h/chaos"
 * declare const proxy: HttpFaultProxy.HttpFaultProxy
 * const clear = Effect.andThen(proxy.clearRules, proxy.clearJournal)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface HttpFaultProxy {
  readonly name: string
  readonly seed: Seed.Seed
  /** `http://host:port` of the proxy. */
  readonly url: string
  readonly host: string
  readonly port: number
  /** The upstream origin. */
  readonly upstream: string
  readonly rules: Effect.Effect<ReadonlyArray<Rule>>
  /** Validates and appends a rule; `InvalidRule` naming the field and value, `Conflict` when the id exists. */
  readonly addRule: (rule: unknown) => Effect.Effect<Rule, ChaosError>
  /** Replaces every rule. */
  readonly setRules: (rules: ReadonlyArray<unknown>) => Effect.Effect<ReadonlyArray<Rule>, ChaosError>
  /** Removes a rule; `NotFound` when absent. */
  readonly removeRule: (id: string) => Effect.Effect<void, ChaosError>
  readonly clearRules: Effect.Effect<void>
  /** Completed requests, oldest first (a request is journaled when its response ends or its connection closes). */
  readonly journal: Effect.Effect<ReadonlyArray<JournalEntry>>
  readonly clearJournal: Effect.Effect<void>
  readonly stats: Effect.Effect<Stats>
}

/**
 * Validates a rule without installing it.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { HttpFaultProxy } from "@24h/chaos"
 * const r = HttpFaultProxy.parseRule({ id: "x", probability: 2, action: { type: "reset" } })
 * if (Result.isFailure(r)) r.failure.message // "HttpFaultProxy: rule.probability: Too big: expected number to be <=1 (got 2)"
 * ```
 *
 * @category validation
 * @since 0.2.0
 */
export const parseRule = (input: unknown): Result.Result<Rule, ChaosError> => S.parseRule(input)

/**
 * Validates a rule or an array of rules (ids must be unique), e.g. a `--rules` file.
 *
 * @example
 * ```ts
 * import { HttpFaultProxy } from "@24h/chaos"
 * const r = HttpFaultProxy.parseRules([{ id: "a", action: { type: "hang" } }])
 * ```
 *
 * @category validation
 * @since 0.2.0
 */
export const parseRules = (input: unknown): Result.Result<ReadonlyArray<Rule>, ChaosError> => S.parseRules(input)

const requestsMetric = Metric.counter("24h.http_proxy.requests", {
  description: "requests through an HTTP fault proxy, by method and status class",
  incremental: true
})
const faultsMetric = Metric.counter("24h.http_proxy.faults_injected", {
  description: "faults an HTTP fault proxy applied, by rule and action",
  incremental: true
})

/**
 * Counts the journal's new entries into the `24h.http_proxy.*` counters, once a second and when the proxy closes:
 * the request path is left as it is (the journal already holds what the counters need).
 */
const journalMetrics = (inst: Telemetry.Instruments, name: string, engine: Engine) => {
  const series = new Map<string, Telemetry.CounterHandle>()
  const counter = (base: Metric.Counter<number>, key: string, attrs: Record<string, string>) => {
    let m = series.get(key)
    if (m === undefined) {
      m = inst.counter(base, { "24h.proxy": name, ...attrs })
      series.set(key, m)
    }
    return m
  }
  let last: EngineJournalEntry | undefined
  const poll = () => {
    const j = engine.journal
    const from = last === undefined ? 0 : j.lastIndexOf(last) + 1
    for (let i = from; i < j.length; i++) {
      const e = j[i]!
      const status = e.status === null ? "none" : `${Math.floor(e.status / 100)}xx`
      counter(requestsMetric, `r ${e.method} ${status}`, {
        "http.request.method": e.method,
        "http.response.status_class": status
      }).add(1)
      if (e.fault !== null)
        counter(faultsMetric, `f ${e.fault.rule} ${e.fault.action}`, {
          "24h.fault.rule": e.fault.rule,
          "24h.fault.action": e.fault.action
        }).add(1)
    }
    if (j.length > 0) last = j[j.length - 1]
  }
  const timer = setInterval(poll, 1000)
  timer.unref()
  return () => {
    clearInterval(timer)
    poll()
  }
}

const rootSeed = (seed: Options["seed"]): Effect.Effect<Seed.Seed, ChaosError> => {
  if (seed !== undefined)
    return Effect.mapError(Effect.fromResult(Seed.makeResult(seed)), (e) =>
      withDetails("InvalidProxy", `HttpFaultProxy: seed: ${e.message}`, { field: "seed", value: seed })
    )
  return Effect.flatMap(Effect.serviceOption(Seed.RootSeed), (o) =>
    Option.isSome(o)
      ? Effect.succeed(o.value)
      : Effect.mapError(Seed.fromEnv(), (e) => chaosError("InvalidProxy", `HttpFaultProxy: ${e.message}`, e))
  )
}

const invalid = (field: string, value: unknown, message: string) =>
  Effect.fail(
    withDetails("InvalidProxy", `HttpFaultProxy: ${field}: ${message} (got ${JSON.stringify(value)})`, { field, value })
  )

const positiveInt = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 1

/**
 * Starts a proxy in front of `upstream`. Its finalizer closes the listener, destroys every client connection (hung
 * requests included) and the upstream pool.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpFaultProxy } from "@24h/chaos"
 *
 * const url = Effect.scoped(
 *   Effect.map(
 *     HttpFaultProxy.make({ upstream: "http://127.0.0.1:8080", rules: [{ id: "slow", action: { type: "delay", ms: 200 } }] }),
 *     (p) => p.url
 *   )
 * )
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make: (options: Options) => Effect.Effect<HttpFaultProxy, ChaosError, Scope.Scope> = Effect.fn(
  "HttpFaultProxy.make"
)(function* (options: Options) {
  const name = options.name ?? "http"
  if (name === "") return yield* invalid("name", name, "must be non-empty")
  let upstream: URL
  try {
    upstream = new URL(options.upstream)
  } catch {
    return yield* invalid("upstream", options.upstream, "must be an http:// URL")
  }
  if (upstream.protocol !== "http:") return yield* invalid("upstream", options.upstream, "must be an http:// URL")
  const admin = options.admin === undefined ? "/__admin" : options.admin === false ? undefined : options.admin
  if (admin !== undefined && !/^\/[^?#]*[^/?#]$/.test(admin))
    return yield* invalid("admin", admin, 'must be a path like "/__admin" or false')
  const port = options.port ?? 0
  if (!(Number.isSafeInteger(port) && port >= 0 && port <= 65535))
    return yield* invalid("port", port, "must be an integer in [0, 65535]")
  for (const [field, v] of [
    ["maxActiveFaults", options.maxActiveFaults],
    ["journalLimit", options.journalLimit],
    ["maxBodyBytes", options.maxBodyBytes],
    ["connections", options.connections]
  ] as const)
    if (v !== undefined && !positiveInt(v)) return yield* invalid(field, v, "must be an integer >= 1")
  const rules = options.rules === undefined ? [] : yield* Effect.fromResult(S.parseRules(options.rules))
  const root = yield* rootSeed(options.seed)
  const seed = Seed.derive(root, `chaos/http/${name}`)
  const epochMs = yield* Clock.currentTimeMillis
  const engine = yield* Effect.acquireRelease(
    Effect.sync(
      () =>
        new Engine({
          name,
          seed,
          upstream,
          admin,
          headerControl: options.headerControl ?? false,
          maxActiveFaults: options.maxActiveFaults ?? Number.POSITIVE_INFINITY,
          journalLimit: options.journalLimit ?? 10_000,
          maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
          connections: options.connections ?? 128,
          epochMs
        })
    ),
    (e) => Effect.promise(() => e.close())
  )
  const inst = yield* Telemetry.instruments
  if (inst !== undefined) {
    const stop = journalMetrics(inst, name, engine)
    yield* Effect.addFinalizer(() => Effect.sync(stop))
  }
  engine.setRules(rules)
  yield* Effect.flatMap(
    Effect.promise(() => engine.listen(options.host ?? "127.0.0.1", port)),
    Effect.fromResult
  )
  const bound = engine.address
  const host = bound.host.includes(":") ? `[${bound.host}]` : bound.host
  const proxy: HttpFaultProxy = {
    name,
    seed: root,
    url: `http://${host}:${bound.port}`,
    host: bound.host,
    port: bound.port,
    upstream: upstream.origin,
    rules: Effect.sync(() => engine.rules),
    addRule: (input) =>
      Effect.flatMap(Effect.fromResult(S.parseRule(input)), (rule) => {
        return Effect.as(Effect.fromResult(engine.addRules([rule])), rule)
      }),
    setRules: (inputs) =>
      Effect.map(Effect.fromResult(S.parseRules(inputs)), (rs) => {
        engine.setRules(rs)
        return rs
      }),
    removeRule: (id) =>
      Effect.suspend(() =>
        engine.removeRule(id)
          ? Effect.void
          : Effect.fail(withDetails("NotFound", `HttpFaultProxy: rule not found: ${id}`, { id }))
      ),
    clearRules: Effect.sync(() => engine.setRules([])),
    journal: Effect.sync(() => engine.journal.slice(-engine.options.journalLimit)),
    clearJournal: Effect.sync(() => {
      engine.journal = []
    }),
    stats: Effect.sync(() => engine.stats())
  }
  return proxy
})

/**
 * A rule as a core `Fault`: `apply` installs it, `revert` removes it (and is a no-op when it is not installed), so
 * `FaultSchedule` and the pipeline builders can drive it. The rule is validated when the fault is made.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "@24h/core"
 * import { HttpFaultProxy } from "@24h/chaos"
 *
 * declare const proxy: HttpFaultProxy.HttpFaultProxy
 * const outage = HttpFaultProxy.fault(proxy, { id: "orders-503", match: { path: "/orders/**" }, action: { type: "status", status: 503 } })
 * const during = Effect.flatMap(Effect.fromResult(outage), (f) => Fault.during(f, Effect.sleep("5 seconds")))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const fault = (proxy: HttpFaultProxy, rule: unknown): Result.Result<Fault.Fault<ChaosError>, ChaosError> =>
  Result.map(S.parseRule(rule), (r) =>
    Fault.make<ChaosError>({
      name: `http ${r.action.type} ${r.id}`,
      target: `http/${proxy.name}`,
      details: { rule: r },
      apply: proxy.addRule(r),
      revert: Effect.catchTag(proxy.removeRule(r.id), "ChaosError", (e) =>
        e.reason === "NotFound" ? Effect.void : Effect.fail(e)
      )
    })
  )
