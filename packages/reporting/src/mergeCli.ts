/**
 * `24h merge <dir>… --out <runDir> [--threshold EXPR …] [--fail-on never|fail|unknown] [--json]` — merges the results
 * of a sharded run: every `results/pipelines/*.json` of the given shard directories (or of the `shards/<i>/` of a
 * given run directory) into one result per pipeline (exact HDR histograms, summed counters, wall-clock windows,
 * invariant tallies, fault windows, checks; thresholds evaluated again on the merged data), and their findings
 * ledgers into one (deduplicated, renumbered, each with its source shard). The merged run directory is what
 * `24h report final|html|junit` and `24h finding sarif` read.
 *
 * Exit codes: 0 merged and passing; 1 a merged verdict fails under `--fail-on` (default `fail`); 2 bad input; 3 I/O.
 *
 * @since 0.2.0
 */
import { access, copyFile } from "node:fs/promises"
import { join } from "node:path"
import { CliExit, ExitCode, emit, exitOnError, json } from "@24h/core/cli"
import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { reportingError } from "./ReportingError.ts"

const flags = {
  dirs: Argument.String("dir").pipe(
    Argument.atLeast(1),
    Argument.withDescription("Shard directories, or run directories holding shards/<i>/")
  ),
  out: Flag.String("out").pipe(Flag.withDescription("The merged run directory (may be the run directory itself)")),
  threshold: Flag.String("threshold").pipe(
    Flag.atLeast(0),
    Flag.withDescription("More thresholds evaluated on the merged data ('p99 < 250ms'), repeatable")
  ),
  failOn: Flag.Literals("fail-on", ["never", "fail", "unknown"]).pipe(
    Flag.withDefault("fail" as const),
    Flag.withDescription("Exit 1 when a merged verdict is fail or error (fail, default), also unknown, or never")
  ),
  json
}

/** A merged directory without run.json gets the first given run directory's, so the reports can read it. */
const carryRunJson = (given: ReadonlyArray<string>, out: string) =>
  Effect.tryPromise({
    try: async () => {
      const target = join(out, "run.json")
      if (await exists(target)) return
      for (const d of given)
        if (await exists(join(d, "run.json"))) {
          await copyFile(join(d, "run.json"), target)
          return
        }
    },
    catch: (cause) => reportingError("Io", `24h merge: cannot copy run.json into ${out} (${String(cause)})`)
  })

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false
  )

/**
 * The `merge` command.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { mergeCommand } from "@24h/reporting/cli"
 * const root = Command.make("24h").pipe(Command.withSubcommands([mergeCommand]))
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const mergeCommand = Command.make("merge", flags, (f) =>
  Effect.gen(function* () {
    const [{ Merge, Pipeline }, findings] = yield* Effect.promise(() =>
      Promise.all([import("@24h/core"), import("@24h/findings")])
    )
    const results = yield* Merge.dirs(f.dirs, { out: f.out, thresholds: f.threshold })
    const shardDirs = yield* Merge.shardDirs(f.dirs)
    const ledger = yield* findings.Merge.dirs(shardDirs, { out: f.out })
    yield* carryRunJson(f.dirs, f.out)
    const summary = {
      ok: Pipeline.exitCode(results, f.failOn) === 0,
      out: f.out,
      shards: shardDirs,
      pipelines: results.map((r) => ({
        kind: r.kind,
        name: r.name,
        path: `${f.out}/${Pipeline.pathOf(r)}`,
        verdict: r.verdict,
        requests: r.requests,
        errors: r.errors,
        latency: {
          count: r.latency.count,
          p50: r.latency.p50,
          p90: r.latency.p90,
          p95: r.latency.p95,
          p99: r.latency.p99,
          p999: r.latency.p999,
          max: r.latency.max
        },
        thresholds: r.thresholds
      })),
      findings: { count: ledger.findings.length, duplicates: ledger.duplicates }
    }
    yield* emit(summary, f.json, (s) =>
      [
        `merged ${s.shards.length} shard director${s.shards.length === 1 ? "y" : "ies"} into ${s.out}`,
        ...s.pipelines.flatMap((p) => [
          `${p.kind}/${p.name}: ${p.verdict} — ${p.requests} requests, ${p.errors} errors, p99 ${p.latency.p99} ms`,
          ...p.thresholds.map((t) => `  ${t.verdict === "pass" ? "✓" : "✗"} ${t.message}`)
        ]),
        `findings: ${s.findings.count} (${s.findings.duplicates} duplicates folded)`
      ].join("\n")
    )
    if (!summary.ok) {
      const bad = results.filter((r) => Pipeline.exitCode([r], f.failOn) !== 0)
      return yield* new CliExit({
        code: ExitCode.Failed,
        message: `--fail-on ${f.failOn}: ${bad.map((r) => `${r.kind}/${r.name} is ${r.verdict}`).join(", ")}`
      })
    }
  }).pipe(exitOnError(f.json, { usage: ["Duplicate"] }))
).pipe(
  Command.withDescription(
    "Merge shard results losslessly (exact HDR histograms, counters, windows, invariants, findings) and re-evaluate thresholds"
  )
)
