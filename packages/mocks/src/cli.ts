/**
 * `24h dataset …` — the subcommands contributed by `@24h/mocks`.
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
