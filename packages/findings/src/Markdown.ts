/**
 * Markdown export of findings, the one Markdown renderer of findings in 24h: {@link toMarkdown} (a summary table by
 * severity and type, then one section per finding) and {@link bySeverity} (one table per severity, the "Findings by
 * severity" section of `FINAL_REPORT.md`). Every text from a finding goes through {@link Escape.md}.
 *
 * @since 0.1.0
 */
import { md, mdCode, mdInlineCode } from "./Escape.ts"
import { type Finding, FindingType, Severity, severityRank } from "./Finding.ts"

const cell = (s: string): string => md(s)

const fence = (s: string): string => mdCode(s)

/** A block of text from a finding: every line escaped like inline text, line breaks kept. */
const block = (s: string): string =>
  s
    .split(/\r?\n/)
    .map((l) => md(l))
    .join("  \n")

/**
 * Renders findings as Markdown, most severe first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger, Markdown } from "@24h/findings"
 * const md = Markdown.toMarkdown(await Effect.runPromise(Ledger.read(".")))
 * ```
 *
 * @category export
 * @since 0.1.0
 */
export const toMarkdown = (findings: ReadonlyArray<Finding>, title = "Findings"): string => {
  const out: Array<string> = [`# ${title}`, ""]
  if (findings.length === 0) return `${out.join("\n")}\nNo findings.\n`
  out.push(
    `| type | ${Severity.options.join(" | ")} | total |`,
    `|---|${Severity.options.map(() => "---:").join("|")}|---:|`
  )
  for (const t of FindingType.options) {
    const items = findings.filter((f) => f.type === t)
    if (items.length === 0) continue
    out.push(
      `| ${t} | ${Severity.options.map((s) => items.filter((f) => f.severity === s).length).join(" | ")} | ${items.length} |`
    )
  }
  out.push("")
  const sorted = [...findings].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id)
  )
  for (const f of sorted) {
    out.push(`## ${f.id} — ${cell(f.title)}`, "")
    out.push(`| | |`, `|---|---|`)
    out.push(`| type | ${f.type} |`, `| severity | ${f.severity} |`, `| component | ${cell(f.component)} |`)
    out.push(`| entry | ${cell(f.entry_id)} |`, `| agent | ${cell(f.agent)} |`, `| filed | ${f.created_at} |`)
    if (f.metadata.run !== "") out.push(`| run | ${cell(f.metadata.run)} |`)
    if (f.metadata.persona !== "") out.push(`| persona | ${cell(f.metadata.persona)} |`)
    if (f.location !== undefined)
      out.push(
        `| location | ${mdInlineCode(`${f.location.file}${f.location.line === undefined ? "" : `:${f.location.line}`}`).replace(/\|/g, "\\|")} |`
      )
    if (f.replay?.seed !== undefined) out.push(`| seed | ${cell(String(f.replay.seed))} |`)
    out.push("")
    if (f.description !== "") out.push(block(f.description), "")
    const sections: Array<[string, string]> = [
      ["Reproduction", f.reproduction],
      ["Expected", f.expected_behavior],
      ["Actual", f.actual_behavior],
      ["Impact", f.impact],
      ["Recommendation", f.recommendation]
    ]
    for (const [name, value] of sections) if (value !== "") out.push(`**${name}.** ${block(value)}`, "")
    if (f.evidence.length > 0) out.push("**Evidence.**", "", ...f.evidence.map((e) => fence(e)), "")
    if (f.replay?.command !== undefined) out.push("**Replay.**", "", fence(f.replay.command), "")
  }
  return out.join("\n")
}

/** Truncates to `max` characters with an ellipsis. */
const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

/**
 * Options of {@link bySeverity}.
 *
 * @example
 * ```ts
 * import type { Markdown } from "@24h/findings"
 * const options: Markdown.BySeverityOptions = { headingLevel: 2, evidenceItems: 5 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface BySeverityOptions {
  /** The level of each severity's heading (default 3: `### high (2)`). */
  readonly headingLevel?: number
  /** How many evidence items a row shows (default 3); the rest are counted as `(+N)`. */
  readonly evidenceItems?: number
  /** How long an evidence item may be before it is cut with an ellipsis (default 80 characters). */
  readonly evidenceChars?: number
}

/**
 * Renders findings as one table per severity, most severe first: id (with an anchor `<a id="fnd-001">` that links
 * can point at), type, component, title and the first evidence items, each cut to a length. Severities with no
 * finding are left out; no findings at all reads "No findings.". The result ends with an empty line.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger, Markdown } from "@24h/findings"
 * const section = `## Findings by severity\n\n${Markdown.bySeverity(await Effect.runPromise(Ledger.read(".")))}`
 * ```
 *
 * @category export
 * @since 0.2.0
 */
export const bySeverity = (findings: ReadonlyArray<Finding>, options: BySeverityOptions = {}): string => {
  const items = options.evidenceItems ?? 3
  const chars = options.evidenceChars ?? 80
  const heading = "#".repeat(options.headingLevel ?? 3)
  const out: Array<string> = []
  if (findings.length === 0) out.push("No findings.", "")
  for (const severity of Severity.options) {
    const fs = findings.filter((f) => f.severity === severity)
    if (fs.length === 0) continue
    out.push(
      `${heading} ${severity} (${fs.length})`,
      "",
      "| id | type | component | title | evidence |",
      "|---|---|---|---|---|"
    )
    for (const f of fs) {
      const evidence =
        f.evidence.length === 0
          ? "-"
          : f.evidence
              .slice(0, items)
              .map((e) => md(truncate(e, chars)))
              .join(", ") + (f.evidence.length > items ? ` (+${f.evidence.length - items})` : "")
      out.push(
        `| <a id="${f.id.toLowerCase()}"></a>${f.id} | ${f.type} | ${cell(f.component)} | ${cell(f.title)} | ${evidence} |`
      )
    }
    out.push("")
  }
  return out.join("\n")
}
