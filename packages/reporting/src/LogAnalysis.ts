/**
 * Telemetry packs: from a run's pino NDJSON logs, `<name>_analysis.md` (the narrative a person reads first),
 * `<name>_stats.json` (counts per level and component, duration, anomalies) and `<name>_errors.json` (exception
 * blocks grouped by fingerprint, with stack, surrounding lines, counts and first/last seen).
 *
 * Logs are streamed in constant memory; torn or non-JSON lines are counted and reported, never fatal.
 *
 * With traces and metrics in the run (`results/traces/*.jsonl`, `results/metrics/*.json`, see core's `Telemetry`
 * and mocks' `OtlpSink`), the pack also has `run_traces.json` (per-trace summaries, the slowest, failing and broken
 * traces) and `run_metrics.json` ({@link analyzeTelemetry}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LogAnalysis } from "@24h/reporting"
 *
 * const packs = LogAnalysis.analyzeRun("runs/payments-01/latest")
 * const files = Effect.map(packs, (ps) => ps.map((p) => p.files.analysis))
 * ```
 *
 * @since 0.1.0
 */
import { createReadStream } from "node:fs"
import { readdir, stat } from "node:fs/promises"
import { basename, join, relative, resolve } from "node:path"
import { StringDecoder } from "node:string_decoder"
import { formatIssues, Telemetry } from "@24h/core"
import { Effect } from "effect"
import { z } from "zod"
import { make as makeAnalyzer, type Raw } from "./internal/analyzer.ts"
import { md, mdCode, mdInlineCode, truncate } from "./internal/escape.ts"
import * as fmt from "./internal/format.ts"
import { validate, write } from "./internal/fs.ts"
import * as traces from "./internal/traces.ts"
import { type ReportingError, reportingError } from "./ReportingError.ts"

/**
 * Options of the analysis. Every field has a default.
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * const options: LogAnalysis.Options = { gapMs: 10_000, slowMs: 500 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** A silence between two consecutive timestamped lines longer than this is a gap. Default 5000 ms. */
  readonly gapMs?: number
  /** Width of the windows errors are counted in for bursts. Default 1000 ms. */
  readonly burstWindowMs?: number
  /** Errors (level ≥ error) in one window that make a burst; adjacent burst windows merge. Default 10. */
  readonly burstThreshold?: number
  /** A line whose `durationMs` (or `duration_ms`, `latencyMs`, `elapsedMs`, `responseTime`, `duration`) exceeds this is a slow operation. Default 1000 ms. */
  readonly slowMs?: number
  /** Raw lines kept before and after the first occurrence of each error. Default 3. */
  readonly contextLines?: number
  /** Distinct error fingerprints kept; later new ones are only counted. Default 500. */
  readonly maxFingerprints?: number
  /** Entries kept per anomaly list (bursts, gaps, slow operations); totals are always exact. Default 50. */
  readonly maxAnomalies?: number
  /** Distinct components counted by name; the rest are counted together. Default 1000. */
  readonly maxComponents?: number
  /** Lines longer than this many characters are counted as torn and skipped. Default 16 MiB. */
  readonly maxLineChars?: number
}

const positive = (name: string) => z.number({ error: `${name}: must be a number` }).positive(`${name}: must be > 0`)
const nonNegativeInt = (name: string) =>
  z
    .number({ error: `${name}: must be a number` })
    .int(`${name}: must be an integer`)
    .nonnegative(`${name}: must be >= 0`)

const OptionsSchema = z.object({
  gapMs: positive("gapMs").default(5000),
  burstWindowMs: positive("burstWindowMs").default(1000),
  burstThreshold: nonNegativeInt("burstThreshold").min(1, "burstThreshold: must be >= 1").default(10),
  slowMs: z.number().nonnegative().default(1000),
  contextLines: nonNegativeInt("contextLines").max(50).default(3),
  maxFingerprints: nonNegativeInt("maxFingerprints").min(1).default(500),
  maxAnomalies: nonNegativeInt("maxAnomalies").min(1).default(50),
  maxComponents: nonNegativeInt("maxComponents").min(1).default(1000),
  maxLineChars: nonNegativeInt("maxLineChars")
    .min(1024)
    .default(16 * 1024 * 1024)
})

const Time = z.string().nullable()
const ContextLine = z.object({ line: z.number().int(), text: z.string() })

/**
 * `<name>_stats.json`: counts per level and component, time span, torn lines and anomalies.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs"
 * import { LogAnalysis } from "@24h/reporting"
 * const stats = LogAnalysis.Stats.parse(JSON.parse(readFileSync("results/telemetry/run_stats.json", "utf8")))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Stats = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  file: z.string(),
  bytes: z.number().int().nonnegative(),
  lines: z.number().int().nonnegative(),
  blank: z.number().int().nonnegative(),
  parsed: z.number().int().nonnegative(),
  torn: z.object({
    count: z.number().int().nonnegative(),
    oversized: z.number().int().nonnegative(),
    examples: z.array(z.object({ line: z.number().int(), preview: z.string() }))
  }),
  levels: z.record(z.string(), z.number().int().nonnegative()),
  components: z.record(z.string(), z.number().int().nonnegative()),
  componentsOther: z.number().int().nonnegative(),
  untimed: z.number().int().nonnegative(),
  firstTime: Time,
  lastTime: Time,
  durationMs: z.number().nonnegative(),
  errors: z.object({
    lines: z.number().int().nonnegative(),
    fingerprints: z.number().int().nonnegative(),
    untracked: z.number().int().nonnegative()
  }),
  anomalies: z.object({
    errorBursts: z.object({
      total: z.number().int().nonnegative(),
      items: z.array(z.object({ start: z.string(), end: z.string(), errors: z.number(), windows: z.number() }))
    }),
    silentGaps: z.object({
      total: z.number().int().nonnegative(),
      items: z.array(z.object({ from: z.string(), to: z.string(), gapMs: z.number(), line: z.number().int() }))
    }),
    slowOperations: z.object({
      total: z.number().int().nonnegative(),
      items: z.array(
        z.object({
          line: z.number().int(),
          time: Time,
          durationMs: z.number(),
          field: z.string(),
          component: z.string().nullable(),
          correlationId: z.string().nullable(),
          msg: z.string()
        })
      )
    })
  }),
  settings: z.object({
    gapMs: z.number(),
    burstWindowMs: z.number(),
    burstThreshold: z.number(),
    slowMs: z.number()
  })
})
/**
 * The type of a validated `Stats` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * declare const value: LogAnalysis.Stats
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Stats = z.infer<typeof Stats>

/**
 * One group of `<name>_errors.json`: every error with the same type, normalised message, top stack frame and
 * component.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * declare const group: LogAnalysis.ErrorGroup
 * console.log(`${group.type}: ${group.message} ×${group.count}`)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const ErrorGroup = z.object({
  fingerprint: z.string(),
  count: z.number().int().positive(),
  firstSeen: Time,
  lastSeen: Time,
  level: z.string(),
  component: z.string().nullable(),
  type: z.string(),
  message: z.string(),
  stack: z.string().nullable(),
  correlationIds: z.array(z.string()),
  example: z.object({
    line: z.number().int(),
    time: Time,
    correlationId: z.string().nullable(),
    msg: z.string(),
    before: z.array(ContextLine),
    after: z.array(ContextLine)
  })
})
/**
 * The type of a validated `ErrorGroup` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * declare const value: LogAnalysis.ErrorGroup
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type ErrorGroup = z.infer<typeof ErrorGroup>

/**
 * `<name>_errors.json`: exception blocks grouped by fingerprint, most frequent first.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * declare const errors: LogAnalysis.Errors
 * errors.groups.map((g) => g.fingerprint)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Errors = z.object({
  schemaVersion: z.literal(1),
  name: z.string(),
  file: z.string(),
  total: z.number().int().nonnegative(),
  untracked: z.number().int().nonnegative(),
  groups: z.array(ErrorGroup)
})
/**
 * The type of a validated `Errors` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * declare const value: LogAnalysis.Errors
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Errors = z.infer<typeof Errors>

/**
 * The analysis of one log: its stats and its errors.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * declare const a: LogAnalysis.Analysis
 * a.stats.levels.error
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Analysis {
  readonly stats: Stats
  readonly errors: Errors
}

/**
 * A streaming analyzer: `push` text chunks (any split, even mid-line), then `end` for the analysis. Constant
 * memory; the plain core under {@link analyzeFile}. Throws a `ReportingError` (`InvalidInput`) for bad options.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * const a = LogAnalysis.analyzer({ name: "run" })
 * a.push('{"level":"error","time":"2026-11-24T10:00:00.000Z","component":"api","msg":"boom"}\n')
 * const { stats } = a.end()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const analyzer = (
  options: Options & { readonly name: string; readonly file?: string }
): { readonly push: (chunk: string) => void; readonly end: (bytes?: number) => Analysis } => {
  const parsed = OptionsSchema.safeParse(stripUndefined(options))
  if (!parsed.success)
    throw reportingError("InvalidInput", `LogAnalysis.analyzer: ${formatIssues(parsed.error.issues)}`)
  const settings = parsed.data
  const core = makeAnalyzer(settings)
  let bytes = 0
  return {
    push: (chunk) => {
      // `end(bytes)` callers (analyzeFile) count bytes as they read; others get them counted here.
      bytes += Buffer.byteLength(chunk)
      core.push(chunk)
    },
    end: (total) => toAnalysis(core.end(), options.name, options.file ?? options.name, total ?? bytes, settings)
  }
}

const stripUndefined = (o: object): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const toAnalysis = (
  raw: Raw,
  name: string,
  file: string,
  bytes: number,
  settings: z.infer<typeof OptionsSchema>
): Analysis => {
  const groups = [...raw.groups.values()].sort(
    (a, b) =>
      b.count - a.count || (a.firstSeen ?? "").localeCompare(b.firstSeen ?? "") || a.example.line - b.example.line
  )
  const components = Object.fromEntries(
    [...raw.components.entries()]
      .map(([k, c]) => [k, c.n] as const)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  )
  const stats: Stats = {
    schemaVersion: 1,
    name,
    file,
    bytes,
    lines: raw.lines,
    blank: raw.blank,
    parsed: raw.parsed,
    torn: { count: raw.torn, oversized: raw.oversized, examples: raw.tornExamples },
    levels: { ...raw.levels },
    components,
    componentsOther: raw.componentsOther,
    untimed: raw.untimed,
    firstTime: raw.firstMs === null ? null : new Date(raw.firstMs).toISOString(),
    lastTime: raw.lastMs === null ? null : new Date(raw.lastMs).toISOString(),
    durationMs: raw.firstMs === null || raw.lastMs === null ? 0 : raw.lastMs - raw.firstMs,
    errors: { lines: raw.errorLines, fingerprints: raw.groups.size, untracked: raw.groupsOther },
    anomalies: {
      errorBursts: { total: raw.burstsTotal, items: raw.bursts },
      silentGaps: {
        total: raw.gapsTotal,
        items: [...raw.gaps].sort((a, b) => b.gapMs - a.gapMs || a.line - b.line)
      },
      slowOperations: { total: raw.slowTotal, items: raw.slow }
    },
    settings: {
      gapMs: settings.gapMs,
      burstWindowMs: settings.burstWindowMs,
      burstThreshold: settings.burstThreshold,
      slowMs: settings.slowMs
    }
  }
  return { stats, errors: { schemaVersion: 1, name, file, total: raw.errorLines, untracked: raw.groupsOther, groups } }
}

/**
 * Analyzes one NDJSON log file, streaming it in 64 KiB chunks (small enough that no chunk string needs V8's
 * large-object space, which keeps peak memory flat).
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * const analysis = LogAnalysis.analyzeFile("runs/x/latest/results/logs/run.log", { slowMs: 500 })
 * ```
 *
 * @category analysis
 * @since 0.1.0
 */
export const analyzeFile = (
  path: string,
  options: Options & { readonly name?: string; readonly file?: string } = {}
): Effect.Effect<Analysis, ReportingError> =>
  Effect.gen(function* () {
    yield* validate(OptionsSchema, stripUndefined(options), "LogAnalysis.analyzeFile: options")
    const name = options.name ?? basename(path).replace(/\.(log|ndjson|jsonl)$/, "")
    const settings = OptionsSchema.parse(stripUndefined(options))
    const core = makeAnalyzer(settings)
    return yield* Effect.tryPromise({
      try: async (signal) => {
        const stream = createReadStream(path, { highWaterMark: 64 * 1024, signal })
        const decoder = new StringDecoder("utf8")
        let bytes = 0
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          bytes += chunk.length
          core.push(decoder.write(chunk))
        }
        const tail = decoder.end()
        if (tail.length > 0) core.push(tail)
        return toAnalysis(core.end(), name, options.file ?? path, bytes, settings)
      },
      catch: (cause) =>
        reportingError(
          "Io",
          `LogAnalysis.analyzeFile: cannot read ${path} (${cause instanceof Error ? cause.message : String(cause)})`,
          { cause }
        )
    })
  })

/**
 * Renders `<name>_analysis.md`: the narrative summary, then levels, components, error groups and anomalies.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * declare const analysis: LogAnalysis.Analysis
 * const markdown = LogAnalysis.renderMarkdown(analysis)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const renderMarkdown = (analysis: Analysis): string => {
  const { stats, errors } = analysis
  const out: Array<string> = []
  const span =
    stats.firstTime === null
      ? "no timestamps"
      : `${fmt.duration(stats.durationMs)} (${stats.firstTime} → ${stats.lastTime})`
  out.push(`# Telemetry: ${md(stats.name)}`, "")
  out.push(
    `${mdInlineCode(stats.file)}: ${fmt.plural(stats.lines, "line")}, ${fmt.int(stats.bytes)} bytes, ${span}.`,
    ""
  )
  out.push("## Summary", "")
  const fatal = stats.levels.fatal ?? 0
  const errorLevel = (stats.levels.error ?? 0) + fatal
  if (errors.total === 0) out.push("- No errors: no line at level error or fatal and no `err` field.")
  else {
    const top = errors.groups[0]
    out.push(
      `- ${fmt.plural(errors.total, "error line")} (${fmt.int(errorLevel)} at level error or fatal, ${fmt.int(fatal)} fatal) in ${fmt.plural(stats.errors.fingerprints, "distinct fingerprint")}${stats.errors.untracked > 0 ? ` (+${fmt.int(stats.errors.untracked)} lines beyond the fingerprint cap)` : ""}.`
    )
    if (top !== undefined)
      out.push(
        `- Most frequent: ${mdInlineCode(truncate(`${top.type}: ${top.message}`, 160))} ×${fmt.int(top.count)}, first at ${top.firstSeen ?? `line ${top.example.line}`}${top.component === null ? "" : ` in ${mdInlineCode(top.component)}`}.`
      )
  }
  const bursts = stats.anomalies.errorBursts
  out.push(
    bursts.total === 0
      ? `- No error bursts (≥ ${stats.settings.burstThreshold} errors in ${fmt.duration(stats.settings.burstWindowMs)}).`
      : `- ${fmt.plural(bursts.total, "error burst")}; the first from ${bursts.items[0]!.start} to ${bursts.items[0]!.end} with ${fmt.plural(bursts.items[0]!.errors, "error")}.`
  )
  const gaps = stats.anomalies.silentGaps
  out.push(
    gaps.total === 0
      ? `- No silent gaps longer than ${fmt.duration(stats.settings.gapMs)}.`
      : `- ${fmt.plural(gaps.total, "silent gap")} longer than ${fmt.duration(stats.settings.gapMs)}; the longest is ${fmt.duration(gaps.items[0]!.gapMs)} before line ${gaps.items[0]!.line} (${gaps.items[0]!.from} → ${gaps.items[0]!.to}).`
  )
  const slow = stats.anomalies.slowOperations
  out.push(
    slow.total === 0
      ? `- No slow operations over ${fmt.duration(stats.settings.slowMs)}.`
      : `- ${fmt.plural(slow.total, "slow operation")} over ${fmt.duration(stats.settings.slowMs)}; the slowest took ${fmt.duration(slow.items[0]!.durationMs)} (line ${slow.items[0]!.line}: ${mdInlineCode(truncate(slow.items[0]!.msg, 120))}).`
  )
  out.push(
    stats.torn.count === 0
      ? "- Every non-blank line parsed as JSON."
      : `- ${fmt.plural(stats.torn.count, "torn or non-JSON line")} (skipped and counted), the first at line ${stats.torn.examples[0]?.line ?? "?"}.`
  )
  if (stats.untimed > 0) out.push(`- ${fmt.plural(stats.untimed, "line")} had no usable \`time\`.`)
  out.push("", "## Levels", "", "| level | lines |", "|---|---:|")
  for (const [level, n] of Object.entries(stats.levels)) if (n > 0) out.push(`| ${md(level)} | ${fmt.int(n)} |`)
  const comps = Object.entries(stats.components)
  if (comps.length > 0) {
    out.push("", "## Components", "", "| component | lines |", "|---|---:|")
    for (const [c, n] of comps.slice(0, 20)) out.push(`| ${md(c)} | ${fmt.int(n)} |`)
    const more = comps.slice(20).reduce((s, [, n]) => s + n, 0) + stats.componentsOther
    if (more > 0) out.push(`| (others) | ${fmt.int(more)} |`)
  }
  if (errors.groups.length > 0) {
    out.push(
      "",
      "## Errors by fingerprint",
      "",
      "| fingerprint | count | first seen | last seen | component | error |",
      "|---|---:|---|---|---|---|"
    )
    for (const g of errors.groups.slice(0, 20))
      out.push(
        `| ${mdInlineCode(g.fingerprint)} | ${fmt.int(g.count)} | ${g.firstSeen ?? "-"} | ${g.lastSeen ?? "-"} | ${md(g.component ?? "-")} | ${md(truncate(`${g.type}: ${g.message}`, 160))} |`
      )
    const top = errors.groups[0]!
    out.push(
      "",
      `First occurrence of the most frequent error (line ${top.example.line}), with its surrounding lines:`,
      ""
    )
    const block = [
      ...top.example.before.map((l) => `${l.line}  ${l.text}`),
      `${top.example.line}▶ ${truncate(`${top.type}: ${top.message}`, 500)}`,
      ...top.example.after.map((l) => `${l.line}  ${l.text}`)
    ].join("\n")
    out.push(mdCode(block), "")
    out.push(`Full stacks and context for every group: ${mdInlineCode(`${stats.name}_errors.json`)}.`)
  }
  if (bursts.total + gaps.total + slow.total > 0) out.push("", "## Anomalies")
  if (bursts.total > 0) {
    out.push("", "### Error bursts", "", "| start | end | errors |", "|---|---|---:|")
    for (const b of bursts.items.slice(0, 20)) out.push(`| ${b.start} | ${b.end} | ${fmt.int(b.errors)} |`)
  }
  if (gaps.total > 0) {
    out.push("", "### Silent gaps", "", "| from | to | gap | before line |", "|---|---|---:|---:|")
    for (const g of gaps.items.slice(0, 20)) out.push(`| ${g.from} | ${g.to} | ${fmt.duration(g.gapMs)} | ${g.line} |`)
  }
  if (slow.total > 0) {
    out.push(
      "",
      "### Slow operations",
      "",
      "| line | time | duration | component | message |",
      "|---:|---|---:|---|---|"
    )
    for (const s of slow.items.slice(0, 20))
      out.push(
        `| ${s.line} | ${s.time ?? "-"} | ${fmt.duration(s.durationMs)} | ${md(s.component ?? "-")} | ${md(truncate(s.msg, 120))} |`
      )
  }
  if (stats.torn.count > 0) {
    out.push("", "## Torn or non-JSON lines", "", "| line | preview |", "|---:|---|")
    for (const t of stats.torn.examples) out.push(`| ${t.line} | ${md(t.preview)} |`)
  }
  out.push("", "## Files", "", `- ${mdInlineCode(`${stats.name}_stats.json`)} — counts, time span and anomalies`)
  out.push(`- ${mdInlineCode(`${stats.name}_errors.json`)} — exception blocks by fingerprint with context`, "")
  return out.join("\n")
}

/**
 * The files of a written telemetry pack.
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * declare const pack: LogAnalysis.Pack
 * pack.files.analysis // ".../results/telemetry/run_analysis.md"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Pack {
  readonly name: string
  readonly log: string
  readonly files: { readonly analysis: string; readonly stats: string; readonly errors: string }
  readonly stats: Stats
}

/**
 * Writes the three files of a pack into `outDir`: `<name>_analysis.md`, `<name>_stats.json`, `<name>_errors.json`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LogAnalysis } from "@24h/reporting"
 * const pack = Effect.flatMap(LogAnalysis.analyzeFile("app.log"), (a) => LogAnalysis.writePack("out", a))
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const writePack = (
  outDir: string,
  analysis: Analysis,
  log = analysis.stats.file
): Effect.Effect<Pack, ReportingError> =>
  Effect.gen(function* () {
    const n = analysis.stats.name
    const files = {
      analysis: join(outDir, `${n}_analysis.md`),
      stats: join(outDir, `${n}_stats.json`),
      errors: join(outDir, `${n}_errors.json`)
    }
    yield* write(files.stats, `${JSON.stringify(analysis.stats, null, 2)}\n`, "LogAnalysis.writePack")
    yield* write(files.errors, `${JSON.stringify(analysis.errors, null, 2)}\n`, "LogAnalysis.writePack")
    yield* write(files.analysis, renderMarkdown(analysis), "LogAnalysis.writePack")
    return { name: n, log, files, stats: analysis.stats }
  })

/**
 * Where packs go in a run directory: `results/telemetry/`.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * LogAnalysis.TELEMETRY_DIR // "results/telemetry"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const TELEMETRY_DIR = "results/telemetry"

/**
 * Analyzes every `<run>/results/logs/*.log` and writes a pack per log into `<run>/results/telemetry/` (or
 * `options.out`). Paths inside the packs are relative to the run directory.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * const packs = LogAnalysis.analyzeRun("runs/payments-01/run-2026-11-24-01", { gapMs: 10_000 })
 * ```
 *
 * @category analysis
 * @since 0.1.0
 */
export const analyzeRun = (
  dir: string,
  options: Options & { readonly out?: string } = {}
): Effect.Effect<ReadonlyArray<Pack>, ReportingError> =>
  Effect.gen(function* () {
    const root = resolve(dir)
    const isDir = yield* Effect.promise(() =>
      stat(root).then(
        (st) => st.isDirectory(),
        () => false
      )
    )
    if (!isDir)
      return yield* Effect.fail(reportingError("RunDirectory", `LogAnalysis.analyzeRun: ${root} is not a directory`))
    const logsDir = join(root, "results", "logs")
    const logs = yield* Effect.tryPromise({
      try: async () => {
        try {
          return (await readdir(logsDir)).filter((f) => f.endsWith(".log")).sort()
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
          throw error
        }
      },
      catch: (cause) =>
        reportingError("Io", `LogAnalysis.analyzeRun: cannot list ${logsDir} (${String(cause)})`, { cause })
    })
    const { out, ...rest } = options
    const outDir = out === undefined ? join(root, TELEMETRY_DIR) : resolve(out)
    const packs: Array<Pack> = []
    for (const f of logs) {
      const path = join(logsDir, f)
      const rel = relative(root, path)
      const analysis = yield* analyzeFile(path, { ...rest, file: rel })
      packs.push(yield* writePack(outDir, analysis, rel))
    }
    yield* analyzeTelemetry(root, { out: outDir })
    return packs
  })

/**
 * `<name>_traces.json`: per-trace summaries (root, services, spans, errors, duration, what makes it broken), the
 * slowest, failing and broken traces, and the spans of those for the HTML waterfall.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs"
 * import { LogAnalysis } from "@24h/reporting"
 * const report = LogAnalysis.TraceReport.parse(JSON.parse(readFileSync("results/telemetry/run_traces.json", "utf8")))
 * report.broken.map((t) => `${t.traceId}: ${t.problems.join("; ")}`)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export const TraceReport = traces.TraceReport
/**
 * A validated `<name>_traces.json`.
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * declare const report: LogAnalysis.TraceReport
 * const slowest = report.slowest[0]?.durationMs
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type TraceReport = traces.TraceReport

/**
 * `<name>_metrics.json`: every metric of the run, per service, with its series count and total.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs"
 * import { LogAnalysis } from "@24h/reporting"
 * const report = LogAnalysis.MetricReport.parse(JSON.parse(readFileSync("results/telemetry/run_metrics.json", "utf8")))
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export const MetricReport = traces.MetricReport
/**
 * A validated `<name>_metrics.json`.
 *
 * @example
 * ```ts
 * import type { LogAnalysis } from "@24h/reporting"
 * declare const report: LogAnalysis.MetricReport
 * const names = report.metrics.map((m) => m.name)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type MetricReport = traces.MetricReport

/**
 * Builds the trace and metric parts of a run's telemetry pack from every `results/traces/*.jsonl` and
 * `results/metrics/*.json`, and writes `<name>_traces.json` / `<name>_metrics.json` (default name `run`) into
 * `results/telemetry/` (or `options.out`). A part whose folder holds no file is not written (its path is
 * `undefined`). `analyzeRun` calls it.
 *
 * @example
 * ```ts
 * import { LogAnalysis } from "@24h/reporting"
 * const written = LogAnalysis.analyzeTelemetry("runs/payments-01/run-2026-11-24-01")
 * ```
 *
 * @category analysis
 * @since 0.2.0
 */
export const analyzeTelemetry = (
  dir: string,
  options: { readonly out?: string; readonly name?: string } = {}
): Effect.Effect<{ readonly traces: string | undefined; readonly metrics: string | undefined }, ReportingError> =>
  Effect.gen(function* () {
    const root = resolve(dir)
    const outDir = options.out === undefined ? join(root, TELEMETRY_DIR) : resolve(options.out)
    const name = options.name ?? "run"
    const paths = Telemetry.pathsIn(root)
    const listed = (folder: string, ext: string) =>
      Effect.promise(() =>
        readdir(folder).then(
          (fs) =>
            fs
              .filter((f) => f.endsWith(ext))
              .sort()
              .map((f) => relative(root, join(folder, f)).split("\\").join("/")),
          () => [] as Array<string>
        )
      )
    const fromCore = (e: { readonly message: string }) => reportingError("InvalidInput", `LogAnalysis: ${e.message}`)
    const traceFiles = yield* listed(paths.traces, ".jsonl")
    const metricFiles = yield* listed(paths.metrics, ".json")
    let tracesPath: string | undefined
    let metricsPath: string | undefined
    if (traceFiles.length > 0) {
      const spans = yield* Telemetry.readSpans(root).pipe(Effect.mapError(fromCore))
      tracesPath = join(outDir, `${name}_traces.json`)
      const report = traces.buildTraceReport(name, traceFiles, spans)
      yield* write(tracesPath, `${JSON.stringify(report, null, 2)}\n`, "LogAnalysis.analyzeTelemetry")
    }
    if (metricFiles.length > 0) {
      const points = yield* Telemetry.readMetrics(root).pipe(Effect.mapError(fromCore))
      metricsPath = join(outDir, `${name}_metrics.json`)
      const report = traces.buildMetricReport(name, metricFiles, points)
      yield* write(metricsPath, `${JSON.stringify(report, null, 2)}\n`, "LogAnalysis.analyzeTelemetry")
    }
    return { traces: tracesPath, metrics: metricsPath }
  })
