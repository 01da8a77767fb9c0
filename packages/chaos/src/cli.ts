/**
 * `24h proxy …` — the subcommands contributed by `@24h/chaos`.
 *
 * - `24h proxy serve [--host 127.0.0.1] [--port 8474] [--config populate.json] [--seed 42] [--json]` runs a server
 *   that speaks Toxiproxy's management API until interrupted. It prints the address it bound (one JSON document with
 *   `--json`), so `--port 0` can be used by scripts and agents.
 * - `24h proxy http --upstream URL [--host] [--port] [--seed] [--rules rules.json] [--header-control] [--json]` runs
 *   an `HttpFaultProxy` in front of a real upstream until interrupted.
 *
 * The implementations are imported when a handler runs, not when the command tree is built, so `24h --help` and
 * the other subcommands do not load them, and a long-running proxy holds only what it uses.
 *
 * @since 0.1.0
 */
import { readFile } from "node:fs/promises"
import * as v8 from "node:v8"
import { Seed } from "@24h/core"
import { emit, exitOnError, json } from "@24h/core/cli"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { type ChaosError, make as chaosError, withDetails } from "./ChaosError.ts"

const readJson = (flag: string, path: string): Effect.Effect<unknown, ChaosError> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (e) =>
        withDetails("InvalidBody", `${flag} ${path}: ${(e as Error).message}`, { field: flag, value: path }, e)
    })
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) =>
        withDetails("InvalidBody", `${flag} ${path}: ${(e as Error).message}`, { field: flag, value: path }, e)
    })
  })

/**
 * V8's incremental marking makes a long-running byte mover with a live heap of a few MB or more run a useless
 * Mark-Compact every ~100 ms after its first full GC, costing about 2× the CPU per GiB (measured; see the chaos
 * README's aged benchmark). A proxy server is a dedicated process, so it turns it off; full GCs are then atomic,
 * which on this heap means pauses of a few ms.
 */
const withoutIncrementalMarking = (keep: boolean) =>
  Effect.sync(() => {
    if (!keep) v8.setFlagsFromString("--no-incremental-marking")
  })

const readConfig = (path: string): Effect.Effect<ReadonlyArray<unknown>, ChaosError> =>
  Effect.gen(function* () {
    const ToxiproxyApi = yield* Effect.promise(() => import("./ToxiproxyApi.ts"))
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (e) => chaosError("InvalidProxy", `--config ${path}: ${(e as Error).message}`, e)
    })
    const raw = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => chaosError("InvalidProxy", `--config ${path}: ${(e as Error).message}`, e)
    })
    const parsed = ToxiproxyApi.PopulateBody.safeParse(raw)
    if (!parsed.success)
      return yield* Effect.fail(chaosError("InvalidProxy", `--config ${path}: expected a JSON array of proxies`))
    return parsed.data
  })

/**
 * `24h proxy serve`: Toxiproxy's HTTP API on `--host`:`--port` (default `127.0.0.1:8474`).
 *
 * @example
 * ```sh
 * 24h proxy serve --port 8474 --config toxiproxy.json --seed 42 --json
 * # {"ok":true,"url":"http://127.0.0.1:8474","host":"127.0.0.1","port":8474,"seed":42,"version":"2.12.0","proxies":[...]}
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const serve = Command.make(
  "serve",
  {
    host: Flag.String("host").pipe(
      Flag.withDefault("127.0.0.1"),
      Flag.withDescription("Interface to bind the API to (loopback by default)")
    ),
    port: Flag.Int("port").pipe(Flag.withDefault(8474), Flag.withDescription("Port of the API; 0 picks a free one")),
    config: Flag.String("config").pipe(
      Flag.optional,
      Flag.withDescription("A JSON file of proxies to create at start (a /populate body)")
    ),
    seed: Flag.String("seed").pipe(
      Flag.optional,
      Flag.withDescription("Root seed of every toxicity roll, jitter and slicer size (default: H24_SEED or fresh)")
    ),
    incrementalMarking: Flag.Boolean("incremental-marking").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Keep V8's incremental marking (lower GC pauses, about 2x the CPU per GiB once aged)")
    ),
    json
  },
  (flags) =>
    Effect.gen(function* () {
      yield* withoutIncrementalMarking(flags.incrementalMarking)
      const ToxiproxyApi = yield* Effect.promise(() => import("./ToxiproxyApi.ts"))
      const populate = Option.isSome(flags.config) ? yield* readConfig(flags.config.value) : undefined
      const seed = Option.isSome(flags.seed)
        ? yield* Effect.mapError(Seed.parse(flags.seed.value), (e) =>
            chaosError("InvalidProxy", `--seed: ${e.message}`)
          )
        : undefined
      const api = yield* ToxiproxyApi.make({
        host: flags.host,
        port: flags.port,
        ...(seed !== undefined ? { seed } : {}),
        ...(populate !== undefined ? { populate } : {})
      })
      const proxies = yield* api.proxyNames
      yield* emit(
        {
          ok: true,
          url: api.url,
          host: api.host,
          port: api.port,
          seed: api.seed.root,
          version: ToxiproxyApi.TOXIPROXY_VERSION,
          proxies
        },
        flags.json,
        (v) =>
          `Toxiproxy API (24h) listening on ${v.url} — ${v.proxies.length} proxies, ${Seed.describe(api.seed)}; replay with ${Seed.replayHint(api.seed)}`
      )
      return yield* Effect.never
    }).pipe(Effect.scoped, exitOnError(flags.json))
).pipe(Command.withDescription("Serve Toxiproxy's HTTP management API (drop-in for toxiproxy-server)"))

/**
 * `24h proxy http`: an `HttpFaultProxy` on `--host`:`--port` (default `127.0.0.1:0`) in front of `--upstream`, with
 * the rules of `--rules` (a JSON rule or array of rules) installed; more rules via its admin API (`/__admin/rules`).
 *
 * @example
 * ```sh
 * 24h proxy http --upstream http://127.0.0.1:8080 --port 9090 --rules faults.json --seed 42 --json
 * # {"ok":true,"url":"http://127.0.0.1:9090","upstream":"http://127.0.0.1:8080","admin":"http://127.0.0.1:9090/__admin","seed":42,"rules":["checkout-503"]}
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const http = Command.make(
  "http",
  {
    upstream: Flag.String("upstream").pipe(Flag.withDescription("The upstream's origin, http://host:port")),
    host: Flag.String("host").pipe(Flag.withDefault("127.0.0.1"), Flag.withDescription("Interface to listen on")),
    port: Flag.Int("port").pipe(Flag.withDefault(0), Flag.withDescription("Port to listen on; 0 picks a free one")),
    seed: Flag.String("seed").pipe(
      Flag.optional,
      Flag.withDescription("Root seed of every fault decision (default: H24_SEED or fresh)")
    ),
    rules: Flag.String("rules").pipe(
      Flag.optional,
      Flag.withDescription("A JSON file with a rule or an array of rules to install at start")
    ),
    headerControl: Flag.Boolean("header-control").pipe(
      Flag.withDefault(false),
      Flag.withDescription("Honour x-24h-fault-abort / -delay / -reset request headers (Envoy-style)")
    ),
    json
  },
  (flags) =>
    Effect.gen(function* () {
      const HttpFaultProxy = yield* Effect.promise(() => import("./HttpFaultProxy.ts"))
      const rulesPath = Option.getOrUndefined(flags.rules)
      const rules =
        rulesPath === undefined
          ? []
          : yield* Effect.flatMap(readJson("--rules", rulesPath), (raw) =>
              Effect.mapError(Effect.fromResult(HttpFaultProxy.parseRules(raw)), (e) =>
                withDetails(e.reason, `--rules ${rulesPath}: ${e.message}`, e.details ?? {})
              )
            )
      const seed = Option.isSome(flags.seed)
        ? yield* Effect.mapError(Seed.parse(flags.seed.value), (e) =>
            withDetails("InvalidProxy", `--seed: ${e.message}`, { field: "--seed", value: flags.seed })
          )
        : undefined
      const proxy = yield* HttpFaultProxy.make({
        upstream: flags.upstream,
        host: flags.host,
        port: flags.port,
        rules,
        headerControl: flags.headerControl,
        ...(seed !== undefined ? { seed } : {})
      })
      yield* emit(
        {
          ok: true,
          url: proxy.url,
          upstream: proxy.upstream,
          admin: `${proxy.url}/__admin`,
          seed: proxy.seed.root,
          rules: rules.map((r) => r.id)
        },
        flags.json,
        (v) =>
          `HTTP fault proxy (24h) on ${v.url} → ${v.upstream} — ${v.rules.length} rules, admin ${v.admin}, ${Seed.describe(proxy.seed)}; replay with ${Seed.replayHint(proxy.seed)}`
      )
      return yield* Effect.never
    }).pipe(Effect.scoped, exitOnError(flags.json))
).pipe(Command.withDescription("Serve an HTTP fault proxy in front of a real upstream"))

/**
 * The `proxy` command group.
 *
 * @example
 * ```sh
 * 24h proxy serve --help
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("proxy").pipe(
  Command.withDescription("TCP fault proxies with Toxiproxy's toxics and management API, and an HTTP fault proxy"),
  Command.withSubcommands([serve, http])
)
