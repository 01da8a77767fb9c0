/**
 * Markdown export: a summary table by severity and type, then one section per finding.
 *
 * @since 0.1.0
 */
import { type Finding, FindingType, Severity, severityRank } from "./Finding.ts"

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")

const fence = (s: string): string => {
  const longest = Math.max(2, ...(s.match(/`+/g) ?? []).map((m) => m.length))
  const ticks = "`".repeat(longest + 1)
  return `${ticks}\n${s}\n${ticks}`
}

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
        `| location | \`${cell(f.location.file)}${f.location.line === undefined ? "" : `:${f.location.line}`}\` |`
      )
    if (f.replay?.seed !== undefined) out.push(`| seed | ${cell(String(f.replay.seed))} |`)
    out.push("")
    if (f.description !== "") out.push(f.description, "")
    const sections: Array<[string, string]> = [
      ["Reproduction", f.reproduction],
      ["Expected", f.expected_behavior],
      ["Actual", f.actual_behavior],
      ["Impact", f.impact],
      ["Recommendation", f.recommendation]
    ]
    for (const [name, value] of sections) if (value !== "") out.push(`**${name}.** ${value}`, "")
    if (f.evidence.length > 0) out.push("**Evidence.**", "", ...f.evidence.map((e) => fence(e)), "")
    if (f.replay?.command !== undefined) out.push("**Replay.**", "", fence(f.replay.command), "")
  }
  return out.join("\n")
}
