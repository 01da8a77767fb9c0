/**
 * The linearizability section of the HTML report: for each `results/linearizability/*.json` of a run (core's
 * `Linearizability.Timeline`), an inline SVG with one row per process and one bar per operation, from its call to
 * its return, in the failing partition's time window.
 *
 * ```
 *  process 3  ▕█ 1. write 1 █▏     ▕▓ 2. read → 2 ▓▏        green: in the longest linearizable prefix (n. its position)
 *  process 5       ▕████ cas [1 2] ████████ ✗ ▏            red, marked ✗: the operation that cannot be placed
 *  process 7  ▕░░░ transfer -4 → unknown ░░░░░░░░░░▶       grey: other; an arrow: unknown outcome (returns at +∞)
 * ```
 *
 * Static SVG (no script): every text comes from a history and is escaped.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Linearizability } from "@24h/core"
import { html } from "./escape.ts"

type Timeline = Linearizability.Timeline

const WIDTH = 1000
const LABEL = 110
const ROW = 24
const TOP = 22

const short = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v)
  return text.length > 24 ? `${text.slice(0, 21)}...` : text
}

const outcome = (o: Timeline["operations"][number]): string =>
  o.status === "info" ? " → unknown" : ` → ${o.status} ${short(o.result)}`

/** The bar's text: no index or key (they are in the tooltip), to leave room for the values. */
const labelOf = (o: Timeline["operations"][number]): string =>
  `${o.f}${o.f === "read" || o.f === "get" ? "" : ` ${short(o.value)}`}${outcome(o)}`

const describeOp = (o: Timeline["operations"][number]): string =>
  `#${o.index} ${o.f}${o.key === undefined ? "" : ` ${short(o.key)}`} ${short(o.value)}${outcome(o)}`

/** One timeline as an SVG. */
export const svg = (t: Timeline): string => {
  const processes = [...new Set(t.operations.map((o) => String(o.process)))].sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true })
  )
  const row = new Map(processes.map((p, i) => [p, i]))
  const span = t.end - t.start || 1
  const pad = span * 0.05
  const x0 = t.start - pad
  const x1 = t.end + pad
  const x = (time: number) => LABEL + ((Math.min(Math.max(time, x0), x1) - x0) / (x1 - x0)) * (WIDTH - LABEL - 10)
  const height = TOP + processes.length * ROW + 10
  const o: Array<string> = []
  o.push(
    `<svg class="lin-timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="operations per process">`
  )
  o.push(
    `<text x="${LABEL}" y="14" class="lin-axis">t = ${html(t.start)}</text><text x="${WIDTH - 10}" y="14" text-anchor="end" class="lin-axis">t = ${html(t.end)}</text>`
  )
  processes.forEach((p, i) => {
    const y = TOP + i * ROW
    o.push(
      `<text x="4" y="${y + 16}" class="lin-process">process ${html(p)}</text><line x1="${LABEL}" x2="${WIDTH - 10}" y1="${y + ROW / 2}" y2="${y + ROW / 2}" class="lin-lane"/>`
    )
  })
  for (const op of t.operations) {
    const y = TOP + row.get(String(op.process))! * ROW + 3
    const left = x(op.call)
    const open = op.return === null || op.return > x1
    const right = open ? WIDTH - 10 : Math.max(x(op.return!), left + 3)
    const w = right - left
    const text = `${op.role === "prefix" ? `${op.order! + 1}. ` : ""}${labelOf(op)}`
    const tip =
      `${describeOp(op)} · process ${op.process} · call ${op.call}, return ${op.return ?? "∞ (unknown outcome)"}` +
      (op.role === "blocked"
        ? " · cannot be placed"
        : op.role === "prefix"
          ? ` · position ${op.order! + 1} of the longest linearizable prefix`
          : "")
    o.push(
      `<g class="lin-op lin-${op.role}${open ? " lin-open" : ""}" data-index="${op.index}" data-role="${op.role}"><title>${html(tip)}</title>`
    )
    o.push(`<rect x="${left.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${ROW - 6}" rx="3"/>`)
    if (open)
      o.push(
        `<path d="M${right - 6} ${y} L${right} ${y + (ROW - 6) / 2} L${right - 6} ${y + ROW - 6}" class="lin-arrow"/>`
      )
    // Text only where it fits: about 6.5 px a character at 11 px.
    const fits = Math.floor((w - 6) / 6.5)
    if (fits >= 3) {
      const shown = text.length > fits ? `${text.slice(0, Math.max(1, fits - 1))}…` : text
      o.push(`<text x="${(left + 3).toFixed(1)}" y="${y + 13}" class="lin-label">${html(shown)}</text>`)
    }
    if (op.role === "blocked") o.push(`<text x="${(right + 2).toFixed(1)}" y="${y + 14}" class="lin-mark">✗</text>`)
    o.push("</g>")
  }
  o.push("</svg>")
  return o.join("")
}

const STYLE = [
  ".lin-timeline{font:11px system-ui,sans-serif;max-width:100%;height:auto;background:#fff;border:1px solid #dee2e6;border-radius:4px}",
  ".lin-axis{fill:#868e96}.lin-process{fill:#343a40;font-weight:600}.lin-lane{stroke:#f1f3f5}",
  ".lin-op rect{fill:#ced4da;stroke:#868e96}.lin-prefix rect{fill:#b2f2bb;stroke:#2b8a3e}",
  ".lin-blocked rect{fill:#ffc9c9;stroke:#c92a2a;stroke-width:2.5}.lin-open rect{stroke-dasharray:4 2}",
  ".lin-arrow{fill:none;stroke:#495057}.lin-label{fill:#212529}.lin-mark{fill:#c92a2a;font-weight:700;font-size:14px}",
  ".lin-key span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border:1px solid #868e96}"
].join("")

/** The timelines of a run directory (`results/linearizability/*.json`), and the files that did not parse. */
export const load = (
  dir: string
): { readonly timelines: ReadonlyArray<Timeline>; readonly bad: ReadonlyArray<string> } => {
  const folder = join(dir, "results", "linearizability")
  let names: Array<string>
  try {
    names = readdirSync(folder)
      .filter((n) => n.endsWith(".json"))
      .sort()
  } catch {
    return { timelines: [], bad: [] }
  }
  const timelines: Array<Timeline> = []
  const bad: Array<string> = []
  for (const name of names) {
    try {
      const r = Linearizability.Timeline.safeParse(JSON.parse(readFileSync(join(folder, name), "utf8")))
      if (r.success) timelines.push(r.data)
      else bad.push(name)
    } catch {
      bad.push(name)
    }
  }
  return { timelines, bad }
}

/** The report's "Linearizability" section for a run directory; empty when the run has no timeline. */
export const section = (dir: string): string => {
  const { timelines, bad } = load(dir)
  if (timelines.length === 0 && bad.length === 0) return ""
  const o: Array<string> = [`<style>${STYLE}</style>`, '<section id="linearizability"><h2>Linearizability</h2>']
  o.push(
    '<div class="chart-title lin-key">Each process\'s operations in the failing partition<span style="background:#b2f2bb"></span>longest linearizable prefix (n. its position)<span style="background:#ffc9c9;border-color:#c92a2a"></span>cannot be placed ✗<span style="background:#ced4da"></span>other (dashed, arrow: unknown outcome)</div>'
  )
  for (const t of timelines) {
    o.push(
      `<article class="lin-history" data-timeline="${html(t.name)}"><h3>${html(t.name)} <span class="muted">(${html(t.model)}, partition ${html(JSON.stringify(t.partition))})</span></h3>`
    )
    o.push(`<p class="lin-message">${html(t.message)}</p>`)
    o.push(svg(t))
    if (t.omitted > 0)
      o.push(`<p class="muted">${t.omitted} other operations of the partition lie outside this window.</p>`)
    o.push("</article>")
  }
  for (const name of bad) o.push(`<p class="muted">results/linearizability/${html(name)}: not a timeline, skipped.</p>`)
  o.push("</section>")
  return o.join("\n")
}
