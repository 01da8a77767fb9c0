/**
 * `24h report …` — the subcommands contributed by `@24h/reporting`:
 *
 * ```
 * 24h report logs   <run-dir> [--out DIR] [--gap-ms N] [--slow-ms N] [--json]   telemetry packs for results/logs/*.log
 * 24h report final  <run-dir> [--out FILE] [--findings DIR] [--json]            FINAL_REPORT.md
 * 24h report html   <run-dir> [--out FILE] [--findings DIR] [--json]            report.html (offline, with charts)
 * 24h report junit  <run-dir> [--out FILE] [--json]                              results/junit.xml
 * ```
 *
 * Exit codes: 0 written; 2 bad input (invalid input file, uncited recommendation, unknown citation, not a run
 * directory); 3 runtime failure (I/O). With `--json`, exactly one JSON document is printed.
 *
 * @since 0.1.0
 */
import { type CoreError, Pipeline } from "@24h/core"
import { CliExit, ExitCode, emit, json } from "@24h/core/cli"
import { type FindingsError, Junit } from "@24h/findings"
import { Console, Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import * as FinalReport from "./FinalReport.ts"
import * as HtmlReport from "./HtmlReport.ts"
import * as LogAnalysis from "./LogAnalysis.ts"
import { isInputReason, type ReportingError, reportingError } from "./ReportingError.ts"

const runDir = Argument.String("run-dir").pipe(Argument.withDescription("A run directory (or runs/<entry>/latest)"))
const out = Flag.String("out").pipe(
  Flag.optional,
  Flag.withDescription("Where to write (default: inside the run directory)")
)
const findings = Flag.String("findings").pipe(
  Flag.optional,
  Flag.withDescription("A directory holding the findings ledger, when it is not the run directory")
)

const failOn = Flag.Literals("fail-on", ["never", "fail", "unknown"]).pipe(
  Flag.withDefault("never" as const),
  Flag.withDescription(
    "Exit 1 when a pipeline's verdict is fail or error (fail), also unknown (unknown); default never"
  )
)

/** Exit 1 (after the one JSON document) when a pipeline's verdict fails the run under `--fail-on`. */
const verdictGate = (
  pipelines: ReadonlyArray<{ readonly verdict: Pipeline.Verdict; readonly kind: string; readonly name: string }>,
  mode: Pipeline.FailOn
): Effect.Effect<void, CliExit> => {
  if (Pipeline.exitCode(pipelines, mode) === 0) return Effect.void
  const bad = pipelines.filter((p) => Pipeline.exitCode([p], mode) !== 0)
  return Effect.fail(
    new CliExit({
      code: ExitCode.Failed,
      message: `--fail-on ${mode}: ${bad.map((p) => `${p.kind}/${p.name} is ${p.verdict}`).join(", ")}`
    })
  )
}

const opt = <K extends string, A>(key: K, value: Option.Option<A>): { [P in K]?: A } =>
  (Option.isSome(value) ? { [key]: value.value } : {}) as { [P in K]?: A }

/** Maps a ReportingError to an exit: 2 for bad input, 3 for I/O; with `--json` prints it as the one JSON document. */
const fail =
  (asJson: boolean) =>
  <A, R>(self: Effect.Effect<A, ReportingError | CliExit, R>): Effect.Effect<A, CliExit, R> =>
    Effect.catch(self, (e: ReportingError | CliExit) => {
      if (e instanceof CliExit) return Effect.fail(e)
      const error = {
        tag: e._tag,
        reason: e.reason,
        message: e.message,
        ...(e.issues === undefined ? {} : { issues: e.issues })
      }
      const code = isInputReason(e.reason) ? ExitCode.Usage : ExitCode.Runtime
      // Without --json, effect/cli prints the CliExit message (reason first) on stderr.
      return Effect.andThen(
        asJson ? Console.log(JSON.stringify({ ok: false, error })) : Effect.void,
        Effect.fail(new CliExit({ code, message: `${e.reason}: ${e.message}`, details: error }))
      )
    })

const logs = Command.make(
  "logs",
  {
    dir: runDir,
    out,
    gapMs: Flag.Int("gap-ms").pipe(Flag.optional, Flag.withDescription("Silent gap threshold in ms (default 5000)")),
    slowMs: Flag.Int("slow-ms").pipe(
      Flag.optional,
      Flag.withDescription("Slow operation threshold in ms (default 1000)")
    ),
    json
  },
  (a) =>
    Effect.gen(function* () {
      const packs = yield* LogAnalysis.analyzeRun(a.dir, {
        ...opt("out", a.out),
        ...opt("gapMs", a.gapMs),
        ...opt("slowMs", a.slowMs)
      })
      const summary = {
        ok: true,
        packs: packs.map((p) => ({
          log: p.log,
          files: p.files,
          lines: p.stats.lines,
          torn: p.stats.torn.count,
          errorLines: p.stats.errors.lines,
          fingerprints: p.stats.errors.fingerprints,
          errorBursts: p.stats.anomalies.errorBursts.total,
          silentGaps: p.stats.anomalies.silentGaps.total,
          slowOperations: p.stats.anomalies.slowOperations.total
        }))
      }
      yield* emit(summary, a.json, (s) =>
        s.packs.length === 0
          ? "no logs in results/logs/"
          : s.packs
              .map(
                (p) =>
                  `${p.log}: ${p.lines} lines, ${p.errorLines} error lines in ${p.fingerprints} fingerprints, ${p.torn} torn → ${p.files.analysis}`
              )
              .join("\n")
      )
    }).pipe(fail(a.json))
).pipe(
  Command.withDescription("Telemetry packs (<name>_analysis.md, _stats.json, _errors.json) from results/logs/*.log")
)

const final = Command.make("final", { dir: runDir, out, findings, failOn, json }, (a) =>
  Effect.gen(function* () {
    const r = yield* FinalReport.write(a.dir, { ...opt("out", a.out), ...opt("findings", a.findings) })
    const summary = {
      ok: true,
      path: r.path,
      pipelines: r.inputs.pipelines.map((p) => ({
        kind: p.result.kind,
        name: p.result.name,
        verdict: p.result.verdict
      })),
      findings: r.inputs.findings.length,
      checklist: r.checklist.map((c) => ({ item: c.item, done: c.done, ...(c.done ? {} : { missing: c.missing }) }))
    }
    yield* emit(
      summary,
      a.json,
      (s) => `${s.path}\nchecklist: ${s.checklist.filter((c) => c.done).length}/${s.checklist.length} complete`
    )
    yield* verdictGate(summary.pipelines, a.failOn)
  }).pipe(fail(a.json))
).pipe(
  Command.withDescription(
    "FINAL_REPORT.md: pipelines, invariants, findings, scorecard, cited recommendations, checklist"
  )
)

const htmlCommand = Command.make("html", { dir: runDir, out, findings, json }, (a) =>
  Effect.gen(function* () {
    const r = yield* HtmlReport.write(a.dir, { ...opt("out", a.out), ...opt("findings", a.findings) })
    yield* emit({ ok: true, ...r }, a.json, (s) => `${s.path} (${s.charts} charts, ${s.bytes} bytes)`)
  }).pipe(fail(a.json))
).pipe(Command.withDescription("A self-contained offline HTML report with charts"))

/** `Junit.write` fails with core's error (reading the run) or findings' `Io` (writing); `report` speaks ReportingError. */
const fromJunit = (e: CoreError | FindingsError): ReportingError =>
  reportingError(e.reason === "Io" ? "Io" : e.reason === "RunDirectory" ? "RunDirectory" : "InvalidInput", e.message, {
    cause: e
  })

const junit = Command.make("junit", { dir: runDir, out, failOn, json }, (a) =>
  Effect.gen(function* () {
    const r = yield* Junit.write(a.dir, opt("out", a.out)).pipe(Effect.mapError(fromJunit))
    const pipelines =
      a.failOn === "never"
        ? []
        : yield* FinalReport.load(a.dir).pipe(Effect.map((i) => i.pipelines.map((p) => p.result)))
    yield* emit(
      { ok: true, ...r },
      a.json,
      (s) => `${s.path}: ${s.totals.tests} tests, ${s.totals.failures} failures, ${s.totals.errors} errors`
    )
    yield* verdictGate(pipelines, a.failOn)
  }).pipe(fail(a.json))
).pipe(Command.withDescription("Pipeline, threshold and invariant verdicts as JUnit XML"))

/**
 * The `report` command group: `logs`, `final`, `html`, `junit`.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { command } from "@24h/reporting/cli"
 * const root = Command.make("24h").pipe(Command.withSubcommands([command]))
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("report").pipe(
  Command.withDescription("Telemetry packs, FINAL_REPORT.md, HTML and JUnit reports from a run directory"),
  Command.withSubcommands([logs, final, htmlCommand, junit])
)
export { mergeCommand } from "./mergeCli.ts"
