/** Loads everything the reports render from a run directory, mapping other packages' errors to ReportingError. */
import { readdir, readFile, stat } from "node:fs/promises"
import { join, relative, resolve } from "node:path"
import { type CoreError, formatIssues, Pipeline, Run } from "@24h/core"
import { Finding as F, type FindingsError, Ledger } from "@24h/findings"
import { Effect } from "effect"
import * as LogAnalysis from "../LogAnalysis.ts"
import * as Recommendations from "../Recommendations.ts"
import { type ReportingError, reportingError } from "../ReportingError.ts"
import * as Scorecard from "../Scorecard.ts"
import * as SilentFailures from "../SilentFailures.ts"

export interface PackRef {
  readonly name: string
  readonly stats: LogAnalysis.Stats
  /** Paths relative to the run directory. */
  readonly files: { readonly analysis: string; readonly stats: string; readonly errors: string }
}

export interface Inputs {
  readonly dir: string
  readonly metadata: Run.RunMetadata
  readonly phases: ReadonlyArray<Run.Checkpoint>
  /** research/*-summary.md, relative. */
  readonly research: ReadonlyArray<string>
  /** Number of non-empty files under mocks/ and tests/fixtures/. */
  readonly mockFiles: number
  /** Number of non-empty files under tests/fixtures/ alone (the datasets). */
  readonly fixtureFiles: number
  /** Non-empty results/metrics/*.json, relative. */
  readonly metrics: ReadonlyArray<string>
  /** Non-empty results/traces/*.jsonl, relative. */
  readonly traces: ReadonlyArray<string>
  readonly pipelines: ReadonlyArray<{ readonly result: Pipeline.Result; readonly path: string }>
  /** results/logs/*.log, relative. */
  readonly logs: ReadonlyArray<string>
  readonly packs: ReadonlyArray<PackRef>
  readonly scorecard: { readonly scorecard: Scorecard.Scorecard; readonly path: string } | undefined
  readonly findings: ReadonlyArray<F.Finding>
  readonly recommendations: Recommendations.Recommendations | undefined
  readonly probes: ReadonlyArray<SilentFailures.Probe>
}

export interface LoadOptions {
  /** A directory holding the findings ledger, when it is not the run directory (e.g. the repository root). */
  readonly findings?: string
}

const fromCore = (e: CoreError): ReportingError =>
  reportingError(e.reason === "RunDirectory" ? "RunDirectory" : e.reason === "Io" ? "Io" : "InvalidInput", e.message, {
    cause: e
  })

const fromFindings = (e: FindingsError): ReportingError =>
  reportingError(e.reason === "Io" ? "Io" : "InvalidInput", `findings ledger: ${e.message}`, { cause: e })

const io = (what: string) => (cause: unknown) =>
  reportingError("Io", `${what} (${cause instanceof Error ? cause.message : String(cause)})`, { cause })

const list = async (dir: string): Promise<Array<string>> => {
  try {
    return (await readdir(dir)).sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR")
      return []
    throw error
  }
}

const nonEmpty = async (file: string): Promise<boolean> => {
  try {
    return (await stat(file)).size > 0
  } catch {
    return false
  }
}

/** The non-empty files of `dir` ending in `suffix`, relative to `root`. */
const nonEmptyFiles = async (root: string, dir: string, suffix: string): Promise<Array<string>> => {
  const out: Array<string> = []
  for (const f of await list(join(root, dir))) {
    if (f.endsWith(suffix) && (await nonEmpty(join(root, dir, f)))) out.push(`${dir}/${f}`)
  }
  return out
}

const countFiles = async (dir: string, budget = 10_000): Promise<number> => {
  let n = 0
  const stack = [dir]
  while (stack.length > 0 && n < budget) {
    const d = stack.pop()!
    let entries: Array<import("node:fs").Dirent>
    try {
      entries = await readdir(d, { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue
      if (e.isDirectory()) stack.push(join(d, e.name))
      else if (await nonEmpty(join(d, e.name))) n++
    }
  }
  return n
}

/** The findings of a ledger directory: the ledger itself, else the type-specific views under `findings/`. */
const readFindings = (dir: string): Effect.Effect<ReadonlyArray<F.Finding>, ReportingError> =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.read(dir).pipe(Effect.mapError(fromFindings))
    if (ledger.length > 0) return ledger
    const out: Array<F.Finding> = []
    for (const view of ["bugs", "strengths", "improvements"]) {
      const path = join(dir, "findings", `${view}.json`)
      const text = yield* Effect.tryPromise({
        try: () =>
          readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? "" : Promise.reject(e))),
        catch: io(`findings: cannot read ${path}`)
      })
      if (text.trim() === "") continue
      const raw = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) =>
          reportingError("InvalidInput", `findings: ${path} is not valid JSON (${String(cause)})`, { cause })
      })
      const items = Array.isArray(raw) ? raw : (raw as { findings?: unknown })?.findings
      if (!Array.isArray(items))
        return yield* Effect.fail(reportingError("InvalidInput", `findings: ${path}: expected an array of findings`))
      for (const [i, item] of items.entries()) {
        const parsed = F.Finding.safeParse(item)
        if (!parsed.success)
          return yield* Effect.fail(
            reportingError("InvalidInput", `findings: ${path}: entry ${i + 1}: ${formatIssues(parsed.error.issues)}`)
          )
        out.push(parsed.data)
      }
    }
    const byId = new Map(out.map((f) => [f.id, f] as const))
    return [...byId.values()].sort((a, b) => (F.parseId(a.id) ?? 0) - (F.parseId(b.id) ?? 0))
  })

export const load = (dirInput: string, options: LoadOptions = {}): Effect.Effect<Inputs, ReportingError> =>
  Effect.gen(function* () {
    const run = yield* Run.open(dirInput).pipe(Effect.mapError(fromCore))
    const dir = run.dir
    const status = yield* Run.status(run).pipe(Effect.mapError(fromCore))
    const results = yield* Pipeline.readAll(dir).pipe(Effect.mapError(fromCore))
    const research = (yield* Effect.tryPromise({
      try: () => list(join(dir, "research")),
      catch: io("cannot list research/")
    }))
      .filter((f) => f.endsWith("-summary.md"))
      .map((f) => `research/${f}`)
    const fixtureFiles = yield* Effect.promise(() => countFiles(join(dir, "tests", "fixtures")))
    const mockFiles = (yield* Effect.promise(() => countFiles(join(dir, "mocks")))) + fixtureFiles
    const metrics = yield* Effect.tryPromise({
      try: () => nonEmptyFiles(dir, "results/metrics", ".json"),
      catch: io("cannot list results/metrics/")
    })
    const traces = yield* Effect.tryPromise({
      try: () => nonEmptyFiles(dir, "results/traces", ".jsonl"),
      catch: io("cannot list results/traces/")
    })
    const logs = (yield* Effect.tryPromise({
      try: () => list(join(dir, "results", "logs")),
      catch: io("cannot list results/logs/")
    }))
      .filter((f) => f.endsWith(".log"))
      .map((f) => `results/logs/${f}`)
    const packs: Array<PackRef> = []
    const telemetry = join(dir, LogAnalysis.TELEMETRY_DIR)
    for (const f of yield* Effect.tryPromise({ try: () => list(telemetry), catch: io(`cannot list ${telemetry}`) })) {
      if (!f.endsWith("_stats.json")) continue
      const name = f.slice(0, -"_stats.json".length)
      const path = join(telemetry, f)
      const text = yield* Effect.tryPromise({ try: () => readFile(path, "utf8"), catch: io(`cannot read ${path}`) })
      const parsed = LogAnalysis.Stats.safeParse(
        yield* Effect.try({ try: () => JSON.parse(text) as unknown, catch: io(`${path} is not JSON`) })
      )
      if (!parsed.success)
        return yield* Effect.fail(reportingError("InvalidInput", `${path}: ${formatIssues(parsed.error.issues)}`))
      const rel = (file: string) => relative(dir, join(telemetry, file)).split("\\").join("/")
      const files = { analysis: rel(`${name}_analysis.md`), stats: rel(f), errors: rel(`${name}_errors.json`) }
      packs.push({ name, stats: parsed.data, files })
    }
    const scorecard = yield* Scorecard.read(dir)
    const findings = yield* readFindings(options.findings === undefined ? dir : resolve(options.findings))
    const recommendations = yield* Recommendations.read(dir)
    const fileProbes = (yield* SilentFailures.read(dir))?.probes ?? []
    const pipelines = results.map((result) => ({ result, path: SilentFailures.resultPath(result) }))
    return {
      dir,
      metadata: run.metadata,
      phases: status.completed,
      research,
      mockFiles,
      fixtureFiles,
      metrics,
      traces,
      pipelines,
      logs,
      packs,
      scorecard,
      findings,
      recommendations,
      probes: [...fileProbes, ...SilentFailures.fromNotes(results)]
    }
  })
