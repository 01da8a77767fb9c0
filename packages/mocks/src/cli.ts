/**
 * `24h dataset …`, `24h load …` and `24h mock …` — the subcommands contributed by `@24h/mocks`.
 *
 * ```
 * 24h dataset --pack customer --tier scale --count 1000000 --seed 42 --out customers.ndjson [--format json] [--json]
 * 24h dataset generate …   (the same flags)
 * 24h dataset packs [--json]
 * 24h mock llm [--port 0] [--seed 42] [--fixtures fixtures.json] [--json]
 * 24h mock http [--port 0] [--seed 42] [--routes routes.json] [--json]
 * 24h mock queue [--port 0] [--seed 42] [--queue orders,orders.fifo] [--journal-limit N] [--json]
 * ```
 *
 * Without `--out` the records go to stdout. With `--json` a summary `{ ok, dataset, tier, seed, records, bytes, path,
 * format }` is printed (and `--out` is required). An unknown pack or tier exits 2 with the valid names.
 *
 * @since 0.1.0
 */
import { Load, Seed, Threshold } from "@24h/core"
import { CliExit, ExitCode, emit, exitOnError, json } from "@24h/core/cli"
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as Dataset from "./Dataset.ts"
import type * as HttpLoad from "./HttpLoad.ts"
import { MocksError, mocksError } from "./MocksError.ts"
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

// ── 24h load ────────────────────────────────────────────────────────────────────────────────────────────────────

const loadFlags = {
  url: Argument.String("url").pipe(
    Argument.withDescription("Where every request goes (loopback unless --allow-remote)")
  ),
  rate: Flag.String("rate").pipe(
    Flag.optional,
    Flag.withDescription("Open model: iterations per second (200, 200/s, 12000/m); with --stage, the start rate")
  ),
  stage: Flag.String("stage").pipe(
    Flag.atLeast(0),
    Flag.withDescription("Ramping open model: DURATION:TARGET, repeatable or comma-separated (30s:200,1m:200,10s:0)")
  ),
  vus: Flag.Int("vus").pipe(
    Flag.optional,
    Flag.withDescription(
      "Closed model: N virtual users back to back; with --rate, the users allowed (default rate × 1 s)"
    )
  ),
  duration: Flag.String("duration").pipe(Flag.withDefault("10s"), Flag.withDescription("How long: 500ms, 10s, 2m")),
  maxIterations: Flag.Int("max-iterations").pipe(Flag.optional, Flag.withDescription("Stop after this many")),
  poisson: Flag.Boolean("poisson").pipe(Flag.withDefault(false), Flag.withDescription("Seeded Poisson arrivals")),
  method: Flag.String("method").pipe(Flag.withDefault("GET")),
  header: Flag.String("header").pipe(Flag.atLeast(0), Flag.withDescription("'name: value', repeatable")),
  body: Flag.String("body").pipe(Flag.optional),
  threshold: Flag.String("threshold").pipe(
    Flag.atLeast(0),
    Flag.withDescription("'p95 < 200ms', 'errorRate < 1%' …, repeatable; a failing one exits 1")
  ),
  seed: Flag.String("seed").pipe(Flag.optional, Flag.withDescription(`Root seed (default: ${Seed.ENV_VAR} or 0)`)),
  allowRemote: Flag.Boolean("allow-remote").pipe(Flag.withDefault(false)),
  json
}

const invalid = (message: string) => mocksError("InvalidOptions", `24h load: ${message}`)

const loadModel = (f: {
  readonly rate: Option.Option<string>
  readonly stage: ReadonlyArray<string>
  readonly vus: Option.Option<number>
  readonly duration: string
  readonly maxIterations: Option.Option<number>
  readonly poisson: boolean
}): Effect.Effect<Load.Model, MocksError> =>
  Effect.try({
    try: () => {
      const max = Option.isSome(f.maxIterations) ? { maxIterations: f.maxIterations.value } : {}
      const vus = Option.isSome(f.vus) ? { vus: f.vus.value } : {}
      const arrivals = f.poisson ? ("poisson" as const) : ("uniform" as const)
      const stages = f.stage.flatMap((s) => s.split(",")).filter((s) => s.trim() !== "")
      if (stages.length > 0) {
        return Load.rampingRate({
          ...(Option.isSome(f.rate) ? { startRate: f.rate.value } : {}),
          stages: stages.map((s, i) => {
            const m = /^\s*([^:]+):\s*(.+)\s*$/.exec(s)
            if (m === null) throw invalid(`--stage ${i + 1} must look like 30s:200 (got ${JSON.stringify(s)})`)
            return { duration: m[1]!.trim(), target: m[2]!.trim() }
          }),
          arrivals,
          ...vus,
          ...max
        })
      }
      if (Option.isSome(f.rate))
        return Load.constantRate({ rate: f.rate.value, duration: f.duration, arrivals, ...vus, ...max })
      if (Option.isSome(f.vus)) return Load.closed({ vus: f.vus.value, duration: f.duration, ...max })
      throw invalid("give --rate N (open model), --stage D:T (ramping) or --vus N (closed model)")
    },
    catch: (e) => (e instanceof MocksError ? e : invalid(e instanceof Error ? e.message : String(e)))
  })

const headersOf = (list: ReadonlyArray<string>): Effect.Effect<Record<string, string>, MocksError> =>
  Effect.forEach(list, (h, i) => {
    const at = h.indexOf(":")
    return at <= 0
      ? Effect.fail(invalid(`--header ${i + 1} must look like 'name: value' (got ${JSON.stringify(h)})`))
      : Effect.succeed([h.slice(0, at).trim().toLowerCase(), h.slice(at + 1).trim()] as const)
  }).pipe(Effect.map((pairs) => Object.fromEntries(pairs)))

/**
 * `24h load <url> (--rate N [--stage D:T …] | --vus N) --duration D [--method --header --body --seed --threshold]
 * [--json]`: an open- or closed-model HTTP load, printing `{ requests, ok, errors, dropped, rps, latency: { p50, p90,
 * p95, p99, p999, max } }` (ms) and the encoded HDR histogram; a progress line on a TTY; exit 1 when a threshold
 * fails, 2 for bad input.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { loadCommand } from "@24h/mocks/cli"
 * const root = Command.make("24h").pipe(Command.withSubcommands([loadCommand]))
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const loadCommand = Command.make("load", loadFlags, (f) =>
  Effect.gen(function* () {
    const model = yield* loadModel(f)
    const thresholds = yield* Effect.forEach(f.threshold, Threshold.parse)
    const headers = yield* headersOf(f.header)
    const seed = Option.isSome(f.seed) ? yield* Seed.parse(f.seed.value) : yield* Seed.fromEnv()
    const method = f.method.toUpperCase() as HttpLoad.Options["method"]
    const Http = yield* Effect.promise(() => import("./HttpLoad.ts"))
    const tty = process.stderr.isTTY === true && !f.json
    const onProgress = (p: Load.Progress) =>
      process.stderr.write(
        `\r24h load: ${(p.elapsedMs / 1000).toFixed(0)}/${(p.durationMs / 1000).toFixed(0)} s · ${p.completed} done · ${p.errors} errors · ${p.dropped} dropped · ${p.inFlight} in flight   `
      )
    const summary = yield* Http.run({
      url: f.url,
      method,
      headers,
      ...(Option.isSome(f.body) ? { body: f.body.value } : {}),
      allowRemote: f.allowRemote,
      model,
      load: { seed, name: "load", ...(tty ? { onProgress } : {}) }
    })
    if (tty) process.stderr.write("\n")
    const { ok: succeeded, ...report } = Load.toJson(summary)
    const verdicts = thresholds.map((t) =>
      Threshold.evaluate(t, {
        latency: summary.latency,
        requests: summary.completed,
        errors: summary.errors,
        durationMs: summary.durationMs,
        counters: { dropped: summary.dropped, ok: summary.ok, interrupted: summary.interrupted }
      })
    )
    const failed = verdicts.filter((v) => v.verdict !== "pass")
    const verdict = failed.length > 0 ? "fail" : "pass"
    const out = {
      ok: failed.length === 0,
      verdict,
      seed: Seed.describe(seed),
      succeeded,
      ...report,
      thresholds: verdicts
    }
    yield* emit(out, f.json, (r) =>
      [
        `${r.requests} requests (${r.succeeded} ok, ${r.errors} errors, ${r.dropped} dropped) in ${(r.durationMs / 1000).toFixed(1)} s — ${r.rps.toFixed(1)}/s`,
        `latency ms: p50 ${r.latency.p50} · p90 ${r.latency.p90} · p95 ${r.latency.p95} · p99 ${r.latency.p99} · p99.9 ${r.latency.p999} · max ${r.latency.max}`,
        ...r.thresholds.map((t) => `${t.verdict === "pass" ? "✓" : "✗"} ${t.message}`)
      ].join("\n")
    )
    if (failed.length > 0)
      return yield* new CliExit({
        code: ExitCode.Failed,
        message: `${failed.length} threshold${failed.length === 1 ? "" : "s"} failed: ${failed.map((v) => v.message).join("; ")}`
      })
  }).pipe(exitOnError(f.json))
).pipe(Command.withDescription("Open- or closed-model HTTP load with HDR latency, dropped iterations and thresholds"))

// ── 24h mock ────────────────────────────────────────────────────────────────────────────────────────────────────

const serveFlags = {
  port: Flag.Int("port").pipe(Flag.withDefault(0), Flag.withDescription("Port on 127.0.0.1; 0 picks a free one")),
  seed: Flag.String("seed").pipe(
    Flag.optional,
    Flag.withDescription(
      `Root seed of every reply and fault decision (default: ${Seed.ENV_VAR} or a fresh one, printed)`
    )
  ),
  json
}

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
  journalLimit: Flag.Int("journal-limit").pipe(
    Flag.withDefault(100_000),
    Flag.withDescription("Journal entries kept (the oldest are dropped past it; verdicts then say unknown)")
  ),
  json
}

const seedOf = (seed: Option.Option<string>) => (Option.isSome(seed) ? Seed.parse(seed.value) : Seed.fromEnv())

const checkPort = (port: number) =>
  Number.isSafeInteger(port) && port >= 0 && port <= 65535
    ? Effect.void
    : Effect.fail(mocksError("InvalidOptions", `--port must be an integer in 0..65535 (got ${port})`))

const readJsonArray = (flag: string, path: string) =>
  Effect.gen(function* () {
    const { readFile } = yield* Effect.promise(() => import("node:fs/promises"))
    const text = yield* Effect.tryPromise({
      try: () => readFile(path, "utf8"),
      catch: (e) => mocksError("InvalidOptions", `${flag}: cannot read ${path}: ${(e as Error).message}`)
    })
    const value = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => mocksError("InvalidOptions", `${flag}: ${path} is not JSON: ${(e as Error).message}`)
    })
    if (!Array.isArray(value)) return yield* mocksError("InvalidOptions", `${flag}: ${path} must hold a JSON array`)
    return value as ReadonlyArray<unknown>
  })

/** Prints where the mock listens, then keeps it up until the process is interrupted (Ctrl-C, SIGTERM). */
const serve = <A extends { readonly url: string }>(asJson: boolean, info: A, human: string) =>
  Effect.andThen(
    emit({ ok: true, ...info }, asJson, () => human),
    Effect.never
  )

const llmCommand = Command.make(
  "llm",
  {
    ...serveFlags,
    fixtures: Flag.String("fixtures").pipe(
      Flag.optional,
      Flag.withDescription("JSON file: an array of fixtures (match on the last user message, model, tool result)")
    )
  },
  (f) =>
    Effect.scoped(
      Effect.gen(function* () {
        yield* checkPort(f.port)
        const seed = yield* seedOf(f.seed)
        const LlmMock = yield* Effect.promise(() => import("./LlmMock.ts"))
        const fixtures = Option.isSome(f.fixtures) ? yield* LlmMock.loadFixtures(f.fixtures.value) : []
        const llm = yield* LlmMock.make({ seed, port: f.port, fixtures })
        return yield* serve(
          f.json,
          {
            url: llm.url,
            openaiBaseUrl: llm.openaiBaseUrl,
            anthropicBaseUrl: llm.url,
            port: llm.port,
            seed: seed.root
          },
          `LlmMock on ${llm.url} (OpenAI baseURL ${llm.openaiBaseUrl}, Anthropic baseURL ${llm.url}), ${Seed.replayHint(seed)}; admin at ${llm.url}/__admin; Ctrl-C stops it`
        )
      })
    ).pipe(exitOnError(f.json))
).pipe(Command.withDescription("Serve an OpenAI- and Anthropic-compatible LLM simulator with seeded faults"))

const httpCommand = Command.make(
  "http",
  {
    ...serveFlags,
    routes: Flag.String("routes").pipe(
      Flag.optional,
      Flag.withDescription(
        "JSON file: an array of static routes ({ id, method, path, respond: { status, json } }); default: GET /health"
      )
    )
  },
  (f) =>
    Effect.scoped(
      Effect.gen(function* () {
        yield* checkPort(f.port)
        const seed = yield* seedOf(f.seed)
        const routes = Option.isSome(f.routes)
          ? yield* readJsonArray("--routes", f.routes.value)
          : [{ id: "health", method: "GET", path: "/health", respond: { json: { ok: true } } }]
        const HttpMock = yield* Effect.promise(() => import("./HttpMock.ts"))
        const mock = yield* HttpMock.make({ seed, port: f.port, routes: routes as ReadonlyArray<never> })
        return yield* serve(
          f.json,
          { url: mock.url, port: mock.port, seed: seed.root, routes: routes.length },
          `HttpMock on ${mock.url} with ${routes.length} routes, ${Seed.replayHint(seed)}; admin at ${mock.url}/__admin; Ctrl-C stops it`
        )
      })
    ).pipe(exitOnError(f.json))
).pipe(Command.withDescription("Serve an HttpMock from a routes file (switches and routes via /__admin)"))

const serveQueue = (f: {
  readonly port: number
  readonly seed: Option.Option<string>
  readonly queue: Option.Option<string>
  readonly journalLimit: number
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
          journalLimit: f.journalLimit,
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
 * The `mock` command: `24h mock llm` (the LLM simulator), `24h mock http` (an HttpMock) and `24h mock queue` (a
 * simulated SQS), each printing its base URL (one JSON document with `--json`) and serving until interrupted.
 * Implementations load on demand.
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
  Command.withDescription("Serve simulated upstreams on 127.0.0.1 until interrupted"),
  Command.withSubcommands([llmCommand, httpCommand, queueCommand])
)
