/**
 * `FINAL_REPORT.md`, rendered from a run directory: summary, run metadata, research link, each pipeline with its
 * thresholds and verdicts, invariants (violated, never hit), silent-failure probes, telemetry pack links, the DX
 * scorecard, findings by severity, recommendations in two sets (each citing finding ids or evidence paths), and the
 * seed's success checklist evaluated from the artifacts actually present.
 *
 * The report holds no wall-clock time: rendering the same run twice gives the same bytes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FinalReport } from "@24h/reporting"
 *
 * const program = FinalReport.write("runs/payments-01/latest").pipe(
 *   Effect.map(({ path, checklist }) => `${path}: ${checklist.filter((c) => c.done).length}/8`)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { readFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { type Invariant, type Pipeline, Run } from "@24h/core"
import { Finding as F, Markdown } from "@24h/findings"
import { Effect } from "effect"
import { md, mdCode, mdInlineCode, mdLink } from "./internal/escape.ts"
import * as fmt from "./internal/format.ts"
import { write as writeFile } from "./internal/fs.ts"
import { type Inputs as LoadedInputs, type LoadOptions, load as loadRun } from "./internal/load.ts"
import * as Recommendations from "./Recommendations.ts"
import type { ReportingError } from "./ReportingError.ts"
import * as Scorecard from "./Scorecard.ts"
import * as SilentFailures from "./SilentFailures.ts"

/**
 * Everything a report renders, loaded from a run directory.
 *
 * @example
 * ```ts
 * import type { FinalReport } from "@24h/reporting"
 * declare const inputs: FinalReport.Inputs
 * inputs.pipelines.map((p) => p.result.verdict)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Inputs = LoadedInputs

/**
 * Options for loading a run.
 *
 * @example
 * ```ts
 * import type { FinalReport } from "@24h/reporting"
 * const options: FinalReport.Options = { findings: "." }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options extends LoadOptions {
  /** Where to write the report. Default `<run>/FINAL_REPORT.md`. */
  readonly out?: string
}

/**
 * Loads a run directory: `run.json`, phase checkpoints, research summaries, pipeline results, logs and telemetry
 * packs, the scorecard, the findings ledger, recommendations and silent-failure probes. Input files are validated
 * (`InvalidInput` names the file and fields); citations are not checked here (see {@link make}).
 *
 * @example
 * ```ts
 * import { FinalReport } from "@24h/reporting"
 * const inputs = FinalReport.load("runs/payments-01/latest")
 * ```
 *
 * @category loading
 * @since 0.1.0
 */
export const load = (dir: string, options: LoadOptions = {}): Effect.Effect<Inputs, ReportingError> =>
  loadRun(dir, options)

/**
 * One item of the seed's success checklist, with the artifacts it was judged from.
 *
 * @example
 * ```ts
 * import type { FinalReport } from "@24h/reporting"
 * declare const item: FinalReport.ChecklistItem
 * item.done ? item.evidence : item.missing
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ChecklistItem {
  readonly item: string
  readonly done: boolean
  /** What was found (paths, counts). */
  readonly evidence: string
  /** What is missing, when not done. */
  readonly missing: string
}

const KINDS = ["baseline", "stress", "chaos", "adversarial", "recovery"] as const

/**
 * Evaluates the seed's success checklist from the artifacts present in the run (the report itself counts as
 * delivered when recommendations exist in both sets).
 *
 * @example
 * ```ts
 * import { FinalReport } from "@24h/reporting"
 * declare const inputs: FinalReport.Inputs
 * FinalReport.checklist(inputs).filter((c) => !c.done).map((c) => c.missing)
 * ```
 *
 * @category checklist
 * @since 0.1.0
 */
export const checklist = (
  inputs: Inputs,
  research: ReadonlyArray<{ path: string; text: string }> = []
): Array<ChecklistItem> => {
  const items: Array<ChecklistItem> = []
  const withHypotheses = research.filter((r) => /hypothes/i.test(r.text) && /risk/i.test(r.text))
  items.push({
    item: "Research summary with hypotheses and risks",
    done: withHypotheses.length > 0,
    evidence: withHypotheses.map((r) => r.path).join(", ") || inputs.research.join(", "),
    missing:
      inputs.research.length === 0
        ? "no research/<entry>-summary.md"
        : `${inputs.research.join(", ")} does not mention both hypotheses and risks`
  })
  const mocksOnly = inputs.mockFiles - inputs.fixtureFiles
  items.push({
    item: "Mocks + datasets representing happy/edge/adversarial/scale cases",
    done: mocksOnly > 0 && inputs.fixtureFiles > 0,
    evidence: `${fmt.plural(mocksOnly, "file")} under mocks/, ${fmt.plural(inputs.fixtureFiles, "file")} under tests/fixtures/`,
    missing:
      mocksOnly === 0 && inputs.fixtureFiles === 0
        ? "mocks/ and tests/fixtures/ are empty"
        : mocksOnly === 0
          ? "mocks/ is empty"
          : "tests/fixtures/ is empty (no datasets; `24h dataset` writes them)"
  })
  const kinds = new Set(inputs.pipelines.map((p) => p.result.kind))
  const absent = KINDS.filter((k) => !kinds.has(k))
  items.push({
    item: "Full pipeline suite (baseline, stress, chaos, adversarial, recovery)",
    done: absent.length === 0,
    evidence: KINDS.filter((k) => kinds.has(k)).join(", "),
    missing: `no ${absent.join(", ")} result in results/pipelines/`
  })
  const probed = inputs.probes.filter((p) => p.evidence.length > 0)
  items.push({
    item: "Silent failure probes with evidence",
    done: probed.length > 0,
    evidence: `${fmt.plural(probed.length, "probe")} with evidence (${probed.filter((p) => p.outcome === "detected").length} detected)`,
    missing:
      inputs.probes.length === 0 ? `no ${SilentFailures.PATH} and no silent-failure: notes` : "no probe cites evidence"
  })
  const packed = new Set(inputs.packs.map((p) => p.stats.file))
  const unpacked = inputs.logs.filter((l) => !packed.has(l))
  const telemetryMissing = [
    ...(inputs.logs.length === 0 ? ["no results/logs/*.log"] : []),
    ...(unpacked.length > 0 ? [`no pack for ${unpacked.join(", ")} (run \`24h report logs\`)`] : []),
    ...(inputs.metrics.length === 0 ? ["no non-empty results/metrics/*.json"] : []),
    ...(inputs.traces.length === 0 ? ["no non-empty results/traces/*.jsonl"] : [])
  ]
  items.push({
    item: "Complete telemetry packs (logs, metrics, traces) per run",
    done: telemetryMissing.length === 0,
    evidence: `${fmt.plural(inputs.logs.length, "log")}, ${fmt.plural(inputs.packs.length, "pack")}, ${fmt.plural(inputs.metrics.length, "metrics file")}, ${fmt.plural(inputs.traces.length, "trace file")}`,
    missing: telemetryMissing.join("; ")
  })
  items.push({
    item: "DX evaluation + documentation feedback",
    done: inputs.scorecard !== undefined,
    evidence:
      inputs.scorecard === undefined
        ? ""
        : `${inputs.scorecard.path} (average ${Scorecard.average(inputs.scorecard.scorecard)}, ${fmt.plural(inputs.scorecard.scorecard.documentationGaps.length, "documentation gap")})`,
    missing: `no ${Scorecard.PATHS.join(" or ")}`
  })
  const unadvised = inputs.findings.filter((f) => f.type === "security" && f.recommendation.trim() === "")
  items.push({
    item: "Findings captured in the ledger",
    done: inputs.findings.length > 0 && unadvised.length === 0,
    evidence: fmt.plural(inputs.findings.length, "finding"),
    missing:
      inputs.findings.length === 0
        ? "the findings ledger is empty (if findings were filed elsewhere, e.g. the repository root, pass --findings DIR)"
        : `security ${unadvised.length === 1 ? "finding" : "findings"} without a recommendation: ${unadvised.map((f) => f.id).join(", ")}`
  })
  const recs = inputs.recommendations
  items.push({
    item: "Final report + recommendations delivered",
    done: recs !== undefined && recs.framework.length > 0 && recs.persona.length > 0,
    evidence:
      recs === undefined
        ? ""
        : `FINAL_REPORT.md, ${recs.framework.length} framework and ${recs.persona.length} persona recommendations`,
    missing:
      recs === undefined
        ? `no ${Recommendations.PATH}`
        : recs.framework.length === 0
          ? "no framework/SUT recommendation"
          : "no industry persona recommendation"
  })
  return items
}

const overall = (inputs: Inputs): string => {
  const v = inputs.pipelines.map((p) => p.result.verdict)
  if (v.length === 0) return "no pipelines"
  return v.includes("error") ? "ERROR" : v.includes("fail") ? "FAIL" : v.includes("unknown") ? "UNKNOWN" : "PASS"
}

const verdictMark = (v: string): string =>
  v === "pass" ? "✅ pass" : v === "fail" ? "❌ fail" : v === "error" ? "⚠️ error" : v === "unknown" ? "❔ unknown" : v

type Research = ReadonlyArray<{ path: string; text: string }>
type InvariantRow = { readonly p: Pipeline.Result; readonly e: Invariant.Entry }

const invariantRows = (inputs: Inputs): ReadonlyArray<InvariantRow> =>
  inputs.pipelines.flatMap((p) => p.result.invariants.entries.map((e) => ({ p: p.result, e })))

const summarySection = (inputs: Inputs, list: ReadonlyArray<ChecklistItem>): Array<string> => {
  const invariants = invariantRows(inputs)
  const counts = { pass: 0, fail: 0, unknown: 0, error: 0 }
  for (const p of inputs.pipelines) counts[p.result.verdict]++
  const bySeverity = F.Severity.options
    .map((s) => [s, inputs.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
  const errorLines = inputs.packs.reduce((s, p) => s + p.stats.errors.lines, 0)
  return [
    "## Summary",
    "",
    `- **Overall verdict: ${overall(inputs)}** — ${fmt.plural(inputs.pipelines.length, "pipeline")}: ${counts.pass} pass, ${counts.fail} fail, ${counts.unknown > 0 ? `${counts.unknown} unknown, ` : ""}${counts.error} error.`,
    `- Findings: ${inputs.findings.length}${
      inputs.findings.length === 0 ? "" : ` (${bySeverity.map(([s, n]) => `${n} ${s}`).join(", ")})`
    }.`,
    `- Invariants: ${invariants.length} checked, ${invariants.filter((i) => i.e.verdict === "violated").length} violated, ${invariants.filter((i) => i.e.verdict === "never-hit").length} never hit.`,
    `- Telemetry: ${fmt.plural(inputs.logs.length, "log")}, ${fmt.plural(errorLines, "error line")} across ${fmt.plural(inputs.packs.length, "pack")}.`,
    `- Success checklist: ${list.filter((c) => c.done).length}/${list.length} complete.`,
    ""
  ]
}

const metadataSection = (inputs: Inputs): Array<string> => {
  const m = inputs.metadata
  const out = ["## Run metadata", "", "| field | value |", "|---|---|"]
  const fields: Array<[string, unknown]> = [
    ["ENTRY_ID", m.ENTRY_ID],
    ["ENTRY_TITLE", m.ENTRY_TITLE],
    ["PRIORITY", m.PRIORITY],
    ["RISK_CLASS", m.RISK_CLASS],
    ["INDUSTRY", m.INDUSTRY],
    ["DEPLOYMENT_MODE", m.DEPLOYMENT_MODE],
    ["CHECKLIST_FILE", m.CHECKLIST_FILE],
    ["Run", m.runId],
    ["Seed", m.seed],
    ["Started", m.startedAt],
    ["Replay", m.replay]
  ]
  for (const [k, v] of fields)
    if (v !== undefined) out.push(`| ${k} | ${k === "Replay" ? mdInlineCode(String(v)) : md(v)} |`)
  for (const [k, v] of Object.entries(m.versions)) out.push(`| version: ${md(k)} | ${md(v)} |`)
  out.push("")
  out.push(
    `Phases: ${Run.PHASES.map((p) => {
      const c = inputs.phases.find((x) => x.phase === p)
      return c === undefined ? `${p} (not completed)` : `${p} ✓ (${c.completedAt})`
    }).join(", ")}.`,
    ""
  )
  if (m.MISSION_BRIEF !== undefined) out.push(`Mission brief: ${md(m.MISSION_BRIEF)}`, "")
  return out
}

const researchSection = (inputs: Inputs): Array<string> => [
  "## Research",
  "",
  ...(inputs.research.length === 0 ? ["No research summary (`research/<entry>-summary.md`)."] : []),
  ...inputs.research.map((r) => `- ${mdLink(r, r)}`),
  ""
]

const pipelineLines = ({
  result: r,
  path
}: {
  readonly result: Pipeline.Result
  readonly path: string
}): Array<string> => {
  const out = [`### ${r.kind}: ${md(r.name)} — ${verdictMark(r.verdict)}`, ""]
  const rate = r.requests === 0 ? "-" : fmt.pct(r.errors / r.requests)
  out.push(
    `${r.startedAt} → ${r.endedAt} (${fmt.duration(r.durationMs)}); ${fmt.int(r.requests)} requests, ${fmt.int(r.errors)} errors (${rate}); latency p50 ${fmt.ms(r.latency.p50)}, p95 ${fmt.ms(r.latency.p95)}, p99 ${fmt.ms(r.latency.p99)}, max ${fmt.ms(r.latency.max)}. Result: ${mdLink(path, path)}.`,
    ""
  )
  if (r.thresholds.length > 0) {
    out.push("| threshold | actual | verdict |", "|---|---|---|")
    for (const t of r.thresholds)
      out.push(`| ${mdInlineCode(t.expression)} | ${md(t.message.replace(/^.*?: /, ""))} | ${verdictMark(t.verdict)} |`)
    out.push("")
  }
  const repeats = r.checks.filter((c) => c.source === "repeat")
  if (repeats.length > 0) {
    out.push("| repeated case | runs |", "|---|---|")
    for (const c of repeats) out.push(`| ${md(c.name)} | ${md(c.message)} |`)
    out.push("")
  }
  if (r.faultWindows.length > 0)
    out.push(
      `Faults: ${r.faultWindows.map((f) => `${md(f.name)}${f.target === undefined ? "" : ` on ${md(f.target)}`} ${f.start} → ${f.end ?? "end of run"}`).join("; ")}.`,
      ""
    )
  const counters = Object.entries(r.counts)
  if (counters.length > 0) out.push(`Counters: ${counters.map(([k, v]) => `${md(k)} ${v}`).join(", ")}.`, "")
  if (r.error !== undefined) out.push("The pipeline body failed:", "", mdCode(r.error), "")
  const notes = r.notes.filter((n) => !n.toLowerCase().startsWith(SilentFailures.NOTE_PREFIX))
  for (const n of notes) out.push(`> ${md(n)}`)
  if (notes.length > 0) out.push("")
  return out
}

const pipelinesSection = (inputs: Inputs): Array<string> => [
  "## Pipelines",
  "",
  ...(inputs.pipelines.length === 0 ? ["No pipeline results in `results/pipelines/`.", ""] : []),
  ...inputs.pipelines.flatMap(pipelineLines)
]

const invariantsSection = (inputs: Inputs): Array<string> => {
  const out = ["## Invariants", ""]
  const invariants = invariantRows(inputs)
  const violated = invariants.filter((i) => i.e.verdict === "violated")
  const neverHit = invariants.filter((i) => i.e.verdict === "never-hit")
  if (invariants.length === 0) return [...out, "No invariants were declared.", ""]
  out.push(`${invariants.length - violated.length - neverHit.length} of ${invariants.length} held.`, "")
  for (const [title, rows] of [
    ["Violated", violated],
    ["Never hit", neverHit]
  ] as const) {
    out.push(`${title}:`, "")
    if (rows.length === 0) out.push("- None.", "")
    else {
      out.push("| pipeline | invariant | kind | what happened |", "|---|---|---|---|")
      for (const { p, e } of rows)
        out.push(`| ${p.kind}/${md(p.name)} | ${md(e.name)} | ${e.kind} | ${md(e.message)} |`)
      out.push("")
    }
  }
  return out
}

const telemetrySection = (inputs: Inputs): Array<string> => {
  const out = ["## Telemetry packs", ""]
  if (inputs.packs.length === 0) return [...out, "No telemetry packs (run `24h report logs <run-dir>`).", ""]
  out.push(
    "| log | lines | errors | fingerprints | bursts | gaps | slow | torn | pack |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|"
  )
  for (const p of inputs.packs) {
    const s = p.stats
    out.push(
      `| ${md(s.file)} | ${fmt.int(s.lines)} | ${fmt.int(s.errors.lines)} | ${s.errors.fingerprints} | ${s.anomalies.errorBursts.total} | ${s.anomalies.silentGaps.total} | ${s.anomalies.slowOperations.total} | ${s.torn.count} | ${mdLink("analysis", p.files.analysis)}, ${mdLink("stats", p.files.stats)}, ${mdLink("errors", p.files.errors)} |`
    )
  }
  out.push("")
  return out
}

const developerExperienceSection = (inputs: Inputs): Array<string> => [
  "## Developer experience",
  "",
  inputs.scorecard === undefined
    ? `No scorecard (\`${Scorecard.PATHS[0]}\`).`
    : `From ${mdLink(inputs.scorecard.path, inputs.scorecard.path)}:\n\n${Scorecard.renderMarkdown(inputs.scorecard.scorecard)}`,
  ""
]

/** The findings table has one home, `Markdown.bySeverity` of `@24h/findings`, shared with `24h finding export`. */
const findingsSection = (inputs: Inputs): Array<string> => [
  "## Findings by severity",
  "",
  Markdown.bySeverity(inputs.findings)
]

const recommendationsSection = (inputs: Inputs): Array<string> => {
  const recs = inputs.recommendations
  if (recs === undefined) return ["## Recommendations", "", `No recommendations (\`${Recommendations.PATH}\`).`, ""]
  const industry = inputs.metadata.INDUSTRY
  return [
    "## Recommendations",
    "",
    "### Framework / SUT",
    "",
    Recommendations.renderMarkdown(recs.framework),
    "",
    `### Industry persona${industry === undefined ? "" : ` (${md(industry)})`}`,
    "",
    Recommendations.renderMarkdown(recs.persona),
    ""
  ]
}

const checklistSection = (list: ReadonlyArray<ChecklistItem>): Array<string> => [
  "## Success checklist",
  "",
  ...list.map((c) => `- [${c.done ? "x" : " "}] ${c.item} — ${md(c.done ? c.evidence : c.missing)}`),
  ""
]

/**
 * Renders `FINAL_REPORT.md` from loaded inputs (pure; citations are not checked here).
 *
 * @example
 * ```ts
 * import { FinalReport } from "@24h/reporting"
 * declare const inputs: FinalReport.Inputs
 * const markdown = FinalReport.render(inputs)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const render = (inputs: Inputs, research: Research = []): string => {
  const list = checklist(inputs, research)
  return [
    `# Final report: ${md(inputs.metadata.ENTRY_TITLE)}`,
    "",
    ...summarySection(inputs, list),
    ...metadataSection(inputs),
    ...researchSection(inputs),
    ...pipelinesSection(inputs),
    ...invariantsSection(inputs),
    "## Silent-failure probes",
    "",
    SilentFailures.renderMarkdown(inputs.probes),
    "",
    ...telemetrySection(inputs),
    ...developerExperienceSection(inputs),
    ...findingsSection(inputs),
    ...recommendationsSection(inputs),
    ...checklistSection(list)
  ].join("\n")
}

/**
 * What {@link make} returns: the Markdown, the inputs it came from and the evaluated checklist.
 *
 * @example
 * ```ts
 * import type { FinalReport } from "@24h/reporting"
 * declare const report: FinalReport.Report
 * report.markdown.length
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Report {
  readonly markdown: string
  readonly inputs: Inputs
  readonly checklist: ReadonlyArray<ChecklistItem>
}

const readResearch = (inputs: Inputs) =>
  Effect.promise(() =>
    Promise.all(
      inputs.research.map(async (path) => ({
        path,
        text: await readFile(join(inputs.dir, path), "utf8").catch(() => "")
      }))
    )
  )

/**
 * Loads a run, checks every citation (an uncited recommendation is `UncitedRecommendation`; an unknown finding id
 * or a missing path is `UnknownCitation`, for recommendations and silent-failure evidence alike) and renders the
 * report.
 *
 * @example
 * ```ts
 * import { FinalReport } from "@24h/reporting"
 * const report = FinalReport.make("runs/payments-01/latest")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (dir: string, options: LoadOptions = {}): Effect.Effect<Report, ReportingError> =>
  Effect.gen(function* () {
    const inputs = yield* load(dir, options)
    const findingIds = new Set(inputs.findings.map((f) => f.id))
    if (inputs.recommendations !== undefined)
      yield* Recommendations.check(inputs.recommendations, { dir: inputs.dir, findingIds })
    yield* SilentFailures.check(inputs.probes, { dir: inputs.dir, findingIds })
    const research = yield* readResearch(inputs)
    return { markdown: render(inputs, research), inputs, checklist: checklist(inputs, research) }
  })

/**
 * {@link make}, then writes `FINAL_REPORT.md` (into the run directory unless `out` is given). Nothing is written
 * when a citation fails.
 *
 * @example
 * ```ts
 * import { FinalReport } from "@24h/reporting"
 * const written = FinalReport.write("runs/payments-01/latest")
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = (
  dir: string,
  options: Options = {}
): Effect.Effect<Report & { readonly path: string }, ReportingError> =>
  Effect.gen(function* () {
    const report = yield* make(dir, options)
    const path = options.out === undefined ? join(report.inputs.dir, "FINAL_REPORT.md") : resolve(options.out)
    yield* writeFile(path, report.markdown, "FinalReport.write")
    return { ...report, path }
  })
