/**
 * The span waterfall of the HTML report: for the slowest and failing requests and the broken traces of the run's
 * telemetry pack (`results/telemetry/*_traces.json`), one `<article id="trace-<key>">` whose rows are the spans,
 * indented by depth, with a bar placed by offset and width by duration (CSS percentages: no script, allowed by the
 * page's CSP). A request's key is its trace id, or `<traceId>-<spanId>` inside a larger trace (a pipeline's).
 *
 * ```
 * trace 4bf9…  24h load.request · 12.4 ms · req-0003 · broken: …          ← header, linked findings
 * 24h        load.request        |████████████████████████████|  12.4 ms
 *   gateway  GET /checkout        |  ██████████████████████    |  10.1 ms
 *     orders POST /orders         |     ██████████████▒▒▒▒     |   8.0 ms   (▒ = error)
 * ```
 *
 * Findings link to a waterfall when their title, description or evidence names its trace id or its correlation id.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Finding } from "@24h/findings"
import { html } from "./escape.ts"
import * as fmt from "./format.ts"
import { TraceReport, type Waterfall, type WaterfallSpan } from "./traces.ts"

/** Reads every `results/telemetry/*_traces.json` of a run (invalid or absent files are skipped). */
export const load = (dir: string): Array<TraceReport> => {
  const folder = join(dir, "results", "telemetry")
  let files: Array<string> = []
  try {
    files = readdirSync(folder).filter((f) => f.endsWith("_traces.json"))
  } catch {
    return []
  }
  const out: Array<TraceReport> = []
  for (const f of files.sort()) {
    try {
      const parsed = TraceReport.safeParse(JSON.parse(readFileSync(join(folder, f), "utf8")))
      if (parsed.success) out.push(parsed.data)
    } catch {
      // a torn pack file is left to LogAnalysis to report
    }
  }
  return out
}

/** The waterfall keys a finding names: by trace id, or by the correlation id of a request (as a whole word). */
const keysOf = (f: Finding.Finding, reports: ReadonlyArray<TraceReport>): Array<string> => {
  const text = [f.title, f.description, f.actual_behavior, ...f.evidence].join("\n")
  const keys: Array<string> = []
  for (const r of reports) {
    for (const [key, w] of Object.entries(r.waterfalls)) {
      const byCorrelation =
        w.correlationId !== null &&
        new RegExp(`(^|[^A-Za-z0-9_-])${escapeRe(w.correlationId)}($|[^A-Za-z0-9_-])`).test(text)
      if (text.includes(w.traceId) || byCorrelation) keys.push(key)
    }
  }
  return [...new Set(keys)]
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Links from a finding to the waterfalls of the traces it names (empty when none). */
export const findingLinks = (f: Finding.Finding, reports: ReadonlyArray<TraceReport>): string => {
  const keys = keysOf(f, reports).slice(0, 5)
  if (keys.length === 0) return ""
  return ` <span class="wf-links">${keys.map((k) => `<a href="#trace-${html(k)}">trace ${html(k.slice(0, 8))}</a>`).join(" ")}</span>`
}

const STYLE = `
.wf{margin:1rem 0;border:1px solid #dee2e6;border-radius:6px;padding:.5rem .75rem}
.wf h3{font-size:1rem;margin:.25rem 0}
.wf-row{display:grid;grid-template-columns:minmax(14rem,30%) 1fr 6rem;gap:.5rem;align-items:center;font-size:.8rem;line-height:1.4rem}
.wf-label{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.wf-service{color:#495057;font-weight:600;margin-right:.4rem}
.wf-track{position:relative;height:.8rem;background:#f1f3f5;border-radius:2px}
.wf-bar{position:absolute;top:0;bottom:0;min-width:2px;background:#4c6ef5;border-radius:2px}
.wf-bar.err{background:#c92a2a}
.wf-ms{text-align:right;font-variant-numeric:tabular-nums}
.wf-problem{color:#c92a2a}
.wf-links a{margin-left:.3rem;font-size:.8rem}
`

const depthOf = (spans: ReadonlyArray<WaterfallSpan>): Map<string, number> => {
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const depth = new Map<string, number>()
  const of = (s: WaterfallSpan, guard: number): number => {
    const known = depth.get(s.spanId)
    if (known !== undefined) return known
    const parent = s.parentSpanId === null ? undefined : byId.get(s.parentSpanId)
    const d = parent === undefined || guard > 64 ? 0 : of(parent, guard + 1) + 1
    depth.set(s.spanId, d)
    return d
  }
  for (const s of spans) of(s, 0)
  return depth
}

/** Depth-first order: each span followed by its children, by start. Orphans start their own subtree. */
const ordered = (spans: ReadonlyArray<WaterfallSpan>): Array<WaterfallSpan> => {
  const ids = new Set(spans.map((s) => s.spanId))
  const children = new Map<string, Array<WaterfallSpan>>()
  const tops: Array<WaterfallSpan> = []
  for (const s of [...spans].sort((a, b) => a.offsetMs - b.offsetMs)) {
    if (s.parentSpanId !== null && ids.has(s.parentSpanId)) {
      const l = children.get(s.parentSpanId) ?? []
      l.push(s)
      children.set(s.parentSpanId, l)
    } else tops.push(s)
  }
  const out: Array<WaterfallSpan> = []
  const visit = (s: WaterfallSpan) => {
    out.push(s)
    for (const c of children.get(s.spanId) ?? []) visit(c)
  }
  for (const t of tops) visit(t)
  return out
}

const renderWaterfall = (key: string, w: Waterfall, findings: ReadonlyArray<Finding.Finding>): string => {
  const spans = w.spans
  const total = Math.max(0.001, ...spans.map((s) => s.offsetMs + s.durationMs))
  const depth = depthOf(spans)
  const o: Array<string> = []
  o.push(`<article class="wf" id="trace-${html(key)}" data-kind="${html(w.kind)}">`)
  o.push(
    `<h3>${html(w.kind)}: ${html(w.title)} · ${html(fmt.ms(w.durationMs))}${w.correlationId === null ? "" : ` · <code>${html(w.correlationId)}</code>`} · trace <code>${html(w.traceId)}</code></h3>`
  )
  for (const p of w.problems) o.push(`<div class="wf-problem">${html(p)}</div>`)
  if (findings.length > 0)
    o.push(
      `<div class="muted">findings: ${findings.map((f) => `<a href="#${html(f.id.toLowerCase())}">${html(f.id)}</a>`).join(" ")}</div>`
    )
  for (const s of ordered(spans)) {
    const left = (s.offsetMs / total) * 100
    const width = (s.durationMs / total) * 100
    o.push(
      `<div class="wf-row" data-span="${html(s.spanId)}"><span class="wf-label" style="padding-left:${(depth.get(s.spanId) ?? 0) * 0.9}rem" title="${html(s.statusMessage ?? "")}"><span class="wf-service">${html(s.service)}</span>${html(s.name)}</span><span class="wf-track"><span class="wf-bar${s.error ? " err" : ""}" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%"></span></span><span class="wf-ms">${html(fmt.ms(s.durationMs))}</span></div>`
    )
  }
  o.push("</article>")
  return o.join("\n")
}

/** The `<section id="traces">` of the report, or "" when the run has no trace pack. */
export const section = (reports: ReadonlyArray<TraceReport>, findings: ReadonlyArray<Finding.Finding>): string => {
  if (reports.length === 0) return ""
  const o: Array<string> = ['<section id="traces"><h2>Traces</h2>', `<style>${STYLE}</style>`]
  for (const r of reports) {
    o.push(
      `<p class="muted">${fmt.plural(r.spans, "span")} in ${fmt.plural(r.traces, "trace")} from ${r.sources.map((s) => `<code>${html(s)}</code>`).join(", ")}: ${fmt.plural(r.requests.total, "request")}, ${fmt.plural(r.requests.failing.length, "failing request")}, ${fmt.plural(r.broken.length, "broken trace")}.</p>`
    )
    for (const [key, w] of Object.entries(r.waterfalls)) {
      const linked = findings.filter((f) => keysOf(f, [r]).includes(key))
      o.push(renderWaterfall(key, w, linked))
    }
  }
  o.push("</section>")
  return o.join("\n")
}
