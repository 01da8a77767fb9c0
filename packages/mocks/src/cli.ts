/**
 * `24h dataset …` and `24h mock …` — the subcommands contributed by `@24h/mocks`.
 *
 * ```
 * 24h dataset --pack customer --tier scale --count 1000000 --seed 42 --out customers.ndjson [--format json] [--json]
 * 24h dataset generate …   (the same flags)
 * 24h dataset packs [--json]
 * 24h mock otlp [--port 4318] [--dir <run>] [--name sut] [--json]
 * ```
 *
 * Without `--out` the records go to stdout. With `--json` a summary `{ ok, dataset, tier, seed, records, bytes, path,
 * format }` is printed (and `--out` is required). An unknown pack or tier exits 2 with the valid names.
 *
 * @since 0.1.0
 */
import { Seed } from "@24h/core"
import { emit, exitOnError, json } from "@24h/core/cli"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Dataset from "./Dataset.ts"
import { mocksError } from "./MocksError.ts"
import * as Packs from "./Packs.ts"

const flags = {
  pack: Flag.String("pack").pipe(Flag.withDescription(`Domain pack: ${Packs.names.join(", ")}`)),
  tier: Flag.String("tier").pipe(
    Flag.withDefault("happy"),
    Flag.withDescription("Tier: happy, edge, adversarial or scale")
  ),
  count: Flag.Int("count").pipe(Flag.withDefault(100), Flag.withDescription("Number of records")),
  seed: Flag.String("seed").pipe(
    Flag.optional,
    Flag.withDescription(`Root seed (default: ${Seed.ENV_VAR} or a fresh one, printed in the summary)`)
  ),
  out: Flag.String("out").pipe(Flag.optional, Flag.withDescription("File to write (default: stdout)")),
  format: Flag.String("format").pipe(Flag.withDefault("ndjson"), Flag.withDescription("ndjson (default) or json")),
  json
}

type Flags = {
  readonly pack: string
  readonly tier: string
  readonly count: number
  readonly seed: Option.Option<string>
  readonly out: Option.Option<string>
  readonly format: string
  readonly json: boolean
}

const generate = (f: Flags) =>
  Effect.gen(function* () {
    const dataset = yield* Packs.get(f.pack)
    const tier = yield* Dataset.parseTier(f.tier)
    if (f.format !== "ndjson" && f.format !== "json") {
      return yield* mocksError("InvalidOptions", `--format must be ndjson or json (got ${JSON.stringify(f.format)})`)
    }
    if (f.count < 0) return yield* mocksError("InvalidOptions", `--count must be >= 0 (got ${f.count})`)
    const seed = Option.isSome(f.seed) ? yield* Seed.parse(f.seed.value) : yield* Seed.fromEnv()
    if (Option.isNone(f.out)) {
      if (f.json)
        return yield* mocksError("InvalidOptions", "--json needs --out (records and the summary would share stdout)")
      // The records own stdout; a seed the user did not give goes to stderr so the output can be replayed.
      if (Option.isNone(f.seed))
        yield* Effect.sync(() => process.stderr.write(`24h dataset: ${Seed.replayHint(seed)}\n`))
      const write = (s: string) =>
        new Promise<void>((resolve) => (process.stdout.write(s) ? resolve() : process.stdout.once("drain", resolve)))
      yield* Effect.promise(async () => {
        let buf = f.format === "json" ? "[\n" : ""
        let i = 0
        for (const r of Dataset.records(dataset, { tier, seed, count: f.count })) {
          buf += Dataset.toJson(r) + (f.format === "json" ? (i < f.count - 1 ? ",\n" : "\n") : "\n")
          i++
          if (buf.length > 65536) {
            await write(buf)
            buf = ""
          }
        }
        if (f.format === "json") buf += "]\n"
        await write(buf)
      })
      return
    }
    const summary = yield* Dataset.write(dataset, {
      tier,
      seed,
      count: f.count,
      path: f.out.value,
      format: f.format
    })
    yield* emit(
      { ok: true, ...summary },
      f.json,
      (s) =>
        `wrote ${s.records} ${s.dataset} records (${s.tier}, seed ${JSON.stringify(s.seed)}, ${s.bytes} bytes) to ${s.path}`
    )
  }).pipe(exitOnError(f.json))

const generateCommand = Command.make("generate", flags, generate).pipe(
  Command.withDescription("Generate a seeded dataset (same as `24h dataset` with flags)")
)

const packsCommand = Command.make("packs", { json }, (f) =>
  emit(
    { ok: true, packs: Packs.names, tiers: Dataset.tiers },
    f.json,
    (v) => `packs: ${v.packs.join(", ")}\ntiers: ${v.tiers.join(", ")}`
  )
).pipe(Command.withDescription("List the dataset packs and tiers"))

/**
 * The `dataset` command: `24h dataset --pack customer --tier scale --count 1000000 --seed 42 --out file.ndjson`,
 * plus the `generate` and `packs` subcommands.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { command } from "@24h/mocks/cli"
 * const root = Command.make("24h").pipe(Command.withSubcommands([command]))
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("dataset", flags, generate).pipe(
  Command.withDescription("Seeded datasets in four tiers (happy, edge, adversarial, scale) from domain packs"),
  Command.withSubcommands([generateCommand, packsCommand])
)

/**
 * `24h mock otlp [--port 4318] [--dir <run>] [--name sut] [--json]`: an OTLP/HTTP receiver (`OtlpSink`) on
 * 127.0.0.1 until interrupted. It prints the URL and the `OTEL_*` variables to give the system under test; with
 * `--dir`, what it receives is stored in that run directory.
 *
 * @example
 * ```sh
 * 24h mock otlp --port 4318 --dir runs/payments-01/latest --json
 * # {"ok":true,"url":"http://127.0.0.1:4318","port":4318,"env":{"OTEL_EXPORTER_OTLP_ENDPOINT":"http://127.0.0.1:4318",…},…}
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const otlpCommand = Command.make(
  "otlp",
  {
    port: Flag.Int("port").pipe(Flag.withDefault(4318), Flag.withDescription("Port on 127.0.0.1; 0 picks a free one")),
    dir: Flag.String("dir").pipe(
      Flag.optional,
      Flag.withDescription("Run directory to store into (results/traces, results/metrics, results/logs)")
    ),
    name: Flag.String("name").pipe(Flag.withDefault("sut"), Flag.withDescription("File name inside the run folders")),
    json
  },
  (f) =>
    Effect.gen(function* () {
      // Loaded on demand: `24h dataset` never pays for the OTLP decoder.
      const OtlpSink = yield* Effect.promise(() => import("./OtlpSink.ts"))
      const sink = yield* OtlpSink.make({
        port: f.port,
        name: f.name,
        ...(Option.isSome(f.dir) ? { dir: f.dir.value } : {})
      })
      yield* emit(
        { ok: true, url: sink.url, port: sink.port, env: sink.env, files: sink.files ?? null },
        f.json,
        (v) =>
          `OTLP/HTTP receiver listening on ${v.url} (POST /v1/traces, /v1/metrics, /v1/logs; protobuf or JSON)\nexport OTEL_EXPORTER_OTLP_ENDPOINT=${v.url}${v.files === null ? "" : `\nstoring into ${v.files.traces}, ${v.files.metrics}, ${v.files.logs}`}`
      )
      return yield* Effect.never
    }).pipe(Effect.scoped, exitOnError(f.json))
).pipe(Command.withDescription("An OTLP/HTTP receiver for the system under test's traces, metrics and logs"))

/**
 * The `mock` command group: simulated services run from the command line.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { mockCommand } from "@24h/mocks/cli"
 * const root = Command.make("24h").pipe(Command.withSubcommands([mockCommand]))
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const mockCommand = Command.make("mock").pipe(
  Command.withDescription("Simulated services"),
  Command.withSubcommands([otlpCommand])
)
