/**
 * `24h proxy …` — the subcommands contributed by `@24h/chaos`.
 *
 * - `24h proxy serve [--host 127.0.0.1] [--port 8474] [--config populate.json] [--seed 42] [--json]` runs a server
 *   that speaks Toxiproxy's management API until interrupted. It prints the address it bound (one JSON document with
 *   `--json`), so `--port 0` can be used by scripts and agents.
 *
 * @since 0.1.0
 */
import { readFile } from "node:fs/promises"
import { Seed } from "@24h/core"
import { emit, exitOnError, json } from "@24h/core/cli"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { type ChaosError, make as chaosError } from "./ChaosError.ts"
import * as ToxiproxyApi from "./ToxiproxyApi.ts"

const readConfig = (path: string): Effect.Effect<ReadonlyArray<unknown>, ChaosError> =>
  Effect.gen(function* () {
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
    json
  },
  (flags) =>
    Effect.gen(function* () {
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
  Command.withDescription("TCP fault proxies with Toxiproxy's toxics and management API"),
  Command.withSubcommands([serve])
)
