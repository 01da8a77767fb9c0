/**
 * `24h dataset …` and `24h mock …` — the subcommands contributed by `@24h/mocks`.
 *
 * ```
 * 24h dataset --pack customer --tier scale --count 1000000 --seed 42 --out customers.ndjson [--format json] [--json]
 * 24h dataset generate …   (the same flags)
 * 24h dataset packs [--json]
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

const queueFlags = {
  port: Flag.Int("port").pipe(Flag.withDefault(0), Flag.withDescription("Port on 127.0.0.1 (default: a free one)")),
  seed: Flag.String("seed").pipe(
    Flag.optional,
    Flag.withDescription(`Root seed of every fault decision (default: ${Seed.ENV_VAR} or a fresh one, printed)`)
  ),
  queue: Flag.String("queue").pipe(
    Flag.optional,
    Flag.withDescription("Queues to create at start, comma-separated (a name ending in .fifo makes a FIFO queue)")
  ),
  json
}

const serveQueue = (f: {
  readonly port: number
  readonly seed: Option.Option<string>
  readonly queue: Option.Option<string>
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    const seed = Option.isSome(f.seed) ? yield* Seed.parse(f.seed.value) : yield* Seed.fromEnv()
    const names = Option.isSome(f.queue)
      ? f.queue.value
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
      : []
    // Loaded on demand: `24h --help` and the other commands do not pay for the queue simulator.
    const QueueMock = yield* Effect.promise(() => import("./QueueMock.ts"))
    yield* Effect.scoped(
      Effect.gen(function* () {
        const mock = yield* QueueMock.make({
          seed,
          port: f.port,
          queues: names.map((name) => ({
            name,
            ...(name.endsWith(".fifo") ? { attributes: { FifoQueue: "true" } } : {})
          }))
        })
        yield* emit(
          {
            ok: true,
            endpoint: mock.url,
            port: mock.port,
            seed: seed.root,
            queues: names.map((n) => mock.queueUrl(n)),
            admin: `${mock.url}/__24h`
          },
          f.json,
          (v) =>
            [
              `SQS endpoint ${v.endpoint} (seed ${JSON.stringify(v.seed)}; replay with ${Seed.replayHint(seed)})`,
              ...v.queues.map((q) => `queue ${q}`),
              `journal ${v.admin}/journal, switches ${v.admin}/switches`,
              "serving until interrupted (Ctrl-C)"
            ].join("\n")
        )
        return yield* Effect.never
      })
    )
  }).pipe(exitOnError(f.json))

const queueCommand = Command.make("queue", queueFlags, serveQueue).pipe(
  Command.withDescription("Serve a simulated SQS (AWS JSON protocol) on 127.0.0.1 for @aws-sdk/client-sqs")
)

/**
 * The `mock` command: simulated services served until interrupted — `24h mock queue [--port] [--seed] [--queue a,b]
 * [--json]` prints the SQS endpoint (one JSON document with `--json`).
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
  Command.withSubcommands([queueCommand])
)
