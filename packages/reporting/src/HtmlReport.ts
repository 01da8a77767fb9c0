/**
 * One self-contained HTML file that works offline: latency percentiles over time with fault windows shaded,
 * throughput and error rate, findings by severity and type, invariant coverage — drawn with uPlot, whose script and
 * style are inlined. A strict Content-Security-Policy (`default-src 'none'`) means the page cannot make a network
 * request; every string from logs, findings or payloads is escaped, and chart data travels as JSON inside
 * `<script type="application/json">` with `<` written as `\u003c`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HtmlReport } from "@24h/reporting"
 *
 * const written = HtmlReport.write("runs/payments-01/latest") // <run>/report.html
 * ```
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join, resolve } from "node:path"
import { Finding as F } from "@24h/findings"
import { Effect } from "effect"
import { html, jsonForScript } from "./internal/escape.ts"
import * as fmt from "./internal/format.ts"
import { write as writeFile } from "./internal/fs.ts"
import { type Inputs, type LoadOptions, load } from "./internal/load.ts"
import { CSP, SCRIPT, STYLE } from "./internal/template.ts"
import * as timeline from "./internal/timeline.ts"
import * as waterfall from "./internal/waterfall.ts"
import { type ReportingError, reportingError } from "./ReportingError.ts"

let uplotCache: { readonly js: string; readonly css: string } | undefined

/**
 * The inlined chart library: uPlot's minified IIFE build and stylesheet, read once from the installed `uplot`
 * package (resolved from this module, so it works from source and from `dist/`).
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * const { js, css } = HtmlReport.chartLibrary()
 * ```
 *
 * @category internals
 * @since 0.1.0
 */
export const chartLibrary = (): { readonly js: string; readonly css: string } => {
  if (uplotCache === undefined) {
    const req = createRequire(import.meta.url)
    const js = readFileSync(req.resolve("uplot/dist/uPlot.iife.min.js"), "utf8")
    const css = readFileSync(req.resolve("uplot/dist/uPlot.min.css"), "utf8")
    // Neither may close its element early.
    uplotCache = { js: js.replace(/<\/(script)/gi, "<\\/$1"), css: css.replace(/<\/(style)/gi, "<\\/$1") }
  }
  return uplotCache
}

/**
 * The data the page's charts draw, as embedded in the page.
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * declare const inputs: HtmlReport.Inputs
 * HtmlReport.chartData(inputs).pipelines.length
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ChartData {
  readonly pipelines: ReadonlyArray<{
    readonly t: ReadonlyArray<number>
    /**
     * The x range in seconds: from the first window's start to the last window's end (and any fault window), so a
     * pipeline with one window still gets a real time axis instead of an empty one.
     */
    readonly x: readonly [number, number]
    readonly p50: ReadonlyArray<number>
    readonly p95: ReadonlyArray<number>
    readonly p99: ReadonlyArray<number>
    readonly rps: ReadonlyArray<number>
    readonly errPct: ReadonlyArray<number>
    readonly faults: ReadonlyArray<{ readonly name: string; readonly start: number; readonly end: number }>
  }>
  readonly severity: { readonly labels: ReadonlyArray<string>; readonly values: ReadonlyArray<number> }
  readonly types: { readonly labels: ReadonlyArray<string>; readonly values: ReadonlyArray<number> }
  readonly invariants: {
    readonly labels: ReadonlyArray<string>
    readonly pass: ReadonlyArray<number>
    readonly violated: ReadonlyArray<number>
    readonly neverHit: ReadonlyArray<number>
  }
}

/**
 * What the page renders (the same as the final report's inputs).
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * const inputs = HtmlReport.loadInputs("runs/payments-01/latest")
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type { Inputs }

/**
 * Loads a run directory for rendering (see `FinalReport.load`).
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * const inputs = HtmlReport.loadInputs("runs/payments-01/latest")
 * ```
 *
 * @category loading
 * @since 0.1.0
 */
export const loadInputs = (dir: string, options: LoadOptions = {}): Effect.Effect<Inputs, ReportingError> =>
  load(dir, options)

const seconds = (iso: string) => Date.parse(iso) / 1000

/** The x range of a pipeline's time charts: its windows and fault windows, at least one second wide. */
const xRange = (r: Inputs["pipelines"][number]["result"]): readonly [number, number] => {
  const starts = [...r.windows.map((w) => seconds(w.start)), ...r.faultWindows.map((f) => seconds(f.start))]
  const ends = [...r.windows.map((w) => seconds(w.end)), ...r.faultWindows.map((f) => seconds(f.end ?? r.endedAt))]
  if (starts.length === 0) return [seconds(r.startedAt), Math.max(seconds(r.endedAt), seconds(r.startedAt) + 1)]
  const lo = Math.min(...starts)
  return [lo, Math.max(lo + 1, ...ends)]
}

/**
 * Computes the chart series from loaded inputs: per pipeline window, p50/p95/p99, requests per second and error
 * rate; fault windows (an open one ends with the pipeline); findings per severity and type; invariant verdicts per
 * pipeline.
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * declare const inputs: HtmlReport.Inputs
 * const data = HtmlReport.chartData(inputs)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const chartData = (inputs: Inputs): ChartData => {
  const pipelines = inputs.pipelines.map(({ result: r }) => {
    const ws = r.windows
    return {
      t: ws.map((w) => seconds(w.start)),
      x: xRange(r),
      p50: ws.map((w) => w.latency.p50),
      p95: ws.map((w) => w.latency.p95),
      p99: ws.map((w) => w.latency.p99),
      rps: ws.map((w) => {
        const s = (Date.parse(w.end) - Date.parse(w.start)) / 1000
        return s > 0 ? Math.round((w.requests / s) * 100) / 100 : w.requests
      }),
      errPct: ws.map((w) => (w.requests === 0 ? 0 : Math.round((w.errors / w.requests) * 10_000) / 100)),
      faults: r.faultWindows.map((f) => ({ name: f.name, start: seconds(f.start), end: seconds(f.end ?? r.endedAt) }))
    }
  })
  const sev = F.Severity.options.map((s) => [s, inputs.findings.filter((f) => f.severity === s).length] as const)
  const types = F.FindingType.options
    .map((t) => [t, inputs.findings.filter((f) => f.type === t).length] as const)
    .filter(([, n]) => n > 0)
  const inv = inputs.pipelines.filter((p) => p.result.invariants.total > 0)
  return {
    pipelines,
    severity:
      inputs.findings.length === 0
        ? { labels: [], values: [] }
        : { labels: sev.map(([s]) => s), values: sev.map(([, n]) => n) },
    types: { labels: types.map(([t]) => t), values: types.map(([, n]) => n) },
    invariants: {
      labels: inv.map((p) => `${p.result.kind}/${p.result.name}`),
      pass: inv.map((p) => p.result.invariants.total - p.result.invariants.violated - p.result.invariants.neverHit),
      violated: inv.map((p) => p.result.invariants.violated),
      neverHit: inv.map((p) => p.result.invariants.neverHit)
    }
  }
}

const verdictBadge = (v: string) => `<span class="verdict ${html(v)}">${html(v)}</span>`

/**
 * Renders the page (pure and deterministic: the same inputs give the same bytes).
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * declare const inputs: HtmlReport.Inputs
 * const page = HtmlReport.render(inputs)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const render = (inputs: Inputs): string => {
  const m = inputs.metadata
  const data = chartData(inputs)
  const lib = chartLibrary()
  const verdicts = inputs.pipelines.map((p) => p.result.verdict)
  const overall =
    verdicts.length === 0 ? "none" : verdicts.includes("error") ? "error" : verdicts.includes("fail") ? "fail" : "pass"
  const invariants = inputs.pipelines.flatMap((p) => p.result.invariants.entries.map((e) => ({ p: p.result, e })))
  const traces = waterfall.load(inputs.dir)
  const o: Array<string> = []
  o.push("<!doctype html>", '<html lang="en">', "<head>", '<meta charset="utf-8">')
  o.push(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`)
  o.push('<meta name="viewport" content="width=device-width, initial-scale=1">', '<link rel="icon" href="data:,">')
  o.push(`<title>24h report: ${html(m.ENTRY_TITLE)} (${html(m.runId)})</title>`)
  o.push(`<style>${lib.css}</style>`, `<style>${STYLE}</style>`, "</head>", "<body>")
  o.push("<header><div>")
  o.push(`<h1>${html(m.ENTRY_TITLE)} ${verdictBadge(overall)}</h1>`)
  o.push(
    `<div class="muted">${html(m.ENTRY_ID)} · ${html(m.runId)} · seed ${html(m.seed)} · started ${html(m.startedAt)}${m.INDUSTRY === undefined ? "" : ` · ${html(m.INDUSTRY)}`}</div>`
  )
  o.push("</div></header>", "<main>")
  const errLines = inputs.packs.reduce((s, p) => s + p.stats.errors.lines, 0)
  o.push('<section id="summary"><div class="cards">')
  const card = (label: string, value: string) =>
    o.push(`<div class="card"><span class="muted">${html(label)}</span><b>${html(value)}</b></div>`)
  card("pipelines", `${verdicts.filter((v) => v === "pass").length}/${verdicts.length} pass`)
  card("findings", String(inputs.findings.length))
  card("invariants held", `${invariants.filter((i) => i.e.verdict === "pass").length}/${invariants.length}`)
  card("log error lines", fmt.int(errLines))
  o.push("</div></section>")

  o.push('<section id="pipelines"><h2>Pipelines</h2>')
  if (inputs.pipelines.length === 0) o.push('<p class="muted">No pipeline results.</p>')
  inputs.pipelines.forEach(({ result: r }, i) => {
    o.push(`<article id="pipeline-${i}"><h3>${html(r.kind)}: ${html(r.name)} ${verdictBadge(r.verdict)}</h3>`)
    o.push(
      `<div class="muted">${html(r.startedAt)} → ${html(r.endedAt)} (${html(fmt.duration(r.durationMs))}) · ${fmt.int(r.requests)} requests · ${fmt.int(r.errors)} errors · p50 ${html(fmt.ms(r.latency.p50))} · p95 ${html(fmt.ms(r.latency.p95))} · p99 ${html(fmt.ms(r.latency.p99))}</div>`
    )
    if (r.windows.length > 0) {
      o.push('<div class="charts">')
      o.push(
        `<div><div class="chart-title">Latency percentiles${r.faultWindows.length > 0 ? " (faults shaded)" : ""}</div><div class="chart" data-chart="latency-${i}"></div></div>`
      )
      o.push(
        `<div><div class="chart-title">Throughput and error rate</div><div class="chart" data-chart="throughput-${i}"></div></div>`
      )
      o.push("</div>")
    } else o.push('<p class="muted">No latency windows recorded.</p>')
    if (r.faultWindows.length > 0) {
      o.push("<table><tr><th>fault</th><th>target</th><th>start</th><th>end</th></tr>")
      for (const f of r.faultWindows)
        o.push(
          `<tr><td>${html(f.name)}</td><td>${html(f.target ?? "")}</td><td>${html(f.start)}</td><td>${html(f.end ?? "end of run")}</td></tr>`
        )
      o.push("</table>")
    }
    if (r.thresholds.length > 0) {
      o.push("<table><tr><th>threshold</th><th>result</th><th>verdict</th></tr>")
      for (const t of r.thresholds)
        o.push(
          `<tr><td><code>${html(t.expression)}</code></td><td>${html(t.message)}</td><td>${verdictBadge(t.verdict)}</td></tr>`
        )
      o.push("</table>")
    }
    const repeats = r.checks.filter((c) => c.source === "repeat")
    if (repeats.length > 0) {
      o.push("<table><tr><th>repeated case</th><th>runs</th><th>verdict</th></tr>")
      for (const c of repeats) {
        const flaky = c.evidence?.includes("classification: flaky") === true
        o.push(
          `<tr><td>${html(c.name)}</td><td>${html(c.message)}</td><td>${flaky ? '<span class="verdict unknown">flaky</span>' : verdictBadge(c.outcome)}</td></tr>`
        )
      }
      o.push("</table>")
    }
    if (r.error !== undefined) o.push(`<pre>${html(r.error)}</pre>`)
    o.push("</article>")
  })
  o.push("</section>")

  // Linearizability timelines (results/linearizability/*.json), when the run wrote any.
  const timelines = timeline.section(inputs.dir)
  if (timelines !== "") o.push(timelines)

  o.push('<section id="findings"><h2>Findings</h2>')
  if (inputs.findings.length === 0) o.push('<p class="muted">No findings.</p>')
  else {
    o.push('<div class="charts">')
    o.push(
      '<div><div class="chart-title">By severity</div><div class="chart" data-chart="findings-severity"></div></div>'
    )
    o.push('<div><div class="chart-title">By type</div><div class="chart" data-chart="findings-type"></div></div>')
    o.push("</div>")
    o.push("<table><tr><th>id</th><th>severity</th><th>type</th><th>component</th><th>title</th></tr>")
    const sorted = [...inputs.findings].sort(
      (a, b) => F.severityRank(a.severity) - F.severityRank(b.severity) || a.id.localeCompare(b.id)
    )
    for (const f of sorted)
      o.push(
        `<tr id="${html(f.id.toLowerCase())}"><td>${html(f.id)}</td><td class="sev-${html(f.severity)}">${html(f.severity)}</td><td>${html(f.type)}</td><td>${html(f.component)}</td><td class="finding-title">${html(f.title)}${waterfall.findingLinks(f, traces)}</td></tr>`
      )
    o.push("</table>")
  }
  o.push("</section>")

  o.push('<section id="invariants"><h2>Invariant coverage</h2>')
  if (invariants.length === 0) o.push('<p class="muted">No invariants were declared.</p>')
  else {
    o.push(
      '<div class="chart-title">Per pipeline <span class="key"><span style="background:#2b8a3e"></span>held<span style="background:#c92a2a"></span>violated<span style="background:#adb5bd"></span>never hit</span></div>'
    )
    o.push('<div class="chart" data-chart="invariants"></div>')
    o.push(
      "<table><tr><th>pipeline</th><th>invariant</th><th>kind</th><th>hits</th><th>verdict</th><th>message</th></tr>"
    )
    for (const { p, e } of invariants)
      o.push(
        `<tr><td>${html(p.kind)}/${html(p.name)}</td><td>${html(e.name)}</td><td>${html(e.kind)}</td><td class="num">${e.hits}</td><td>${html(e.verdict)}</td><td>${html(e.message)}</td></tr>`
      )
    o.push("</table>")
  }
  o.push("</section>")

  if (inputs.packs.length > 0) {
    o.push('<section id="telemetry"><h2>Telemetry</h2>')
    o.push(
      "<table><tr><th>log</th><th>lines</th><th>error lines</th><th>fingerprints</th><th>bursts</th><th>gaps</th><th>slow</th><th>torn</th></tr>"
    )
    for (const p of inputs.packs) {
      const s = p.stats
      o.push(
        `<tr><td>${html(s.file)}</td><td class="num">${fmt.int(s.lines)}</td><td class="num">${fmt.int(s.errors.lines)}</td><td class="num">${s.errors.fingerprints}</td><td class="num">${s.anomalies.errorBursts.total}</td><td class="num">${s.anomalies.silentGaps.total}</td><td class="num">${s.anomalies.slowOperations.total}</td><td class="num">${s.torn.count}</td></tr>`
      )
    }
    o.push("</table></section>")
  }
  o.push(waterfall.section(traces, inputs.findings))
  o.push("</main>")
  o.push(`<script type="application/json" id="report-data">${jsonForScript(data)}</script>`)
  o.push(`<script>${lib.js}</script>`)
  o.push(`<script>${SCRIPT}</script>`)
  o.push("</body>", "</html>", "")
  return o.join("\n")
}

/**
 * The number of chart containers a rendered page has (what the browser should draw).
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * declare const inputs: HtmlReport.Inputs
 * HtmlReport.chartCount(inputs)
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const chartCount = (inputs: Inputs): number =>
  inputs.pipelines.filter((p) => p.result.windows.length > 0).length * 2 +
  (inputs.findings.length > 0 ? 2 : 0) +
  (inputs.pipelines.some((p) => p.result.invariants.total > 0) ? 1 : 0)

/**
 * Loads a run and writes the page to `<run>/report.html` (or `out`).
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@24h/reporting"
 * HtmlReport.write("runs/payments-01/latest", { out: "report.html" })
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = (
  dir: string,
  options: LoadOptions & { readonly out?: string } = {}
): Effect.Effect<{ readonly path: string; readonly charts: number; readonly bytes: number }, ReportingError> =>
  Effect.gen(function* () {
    const inputs = yield* load(dir, options)
    const page = yield* Effect.try({
      try: () => render(inputs),
      catch: (cause) =>
        reportingError(
          "Io",
          `HtmlReport.render: cannot read the uplot chart library (${cause instanceof Error ? cause.message : String(cause)})`,
          { cause }
        )
    })
    const path = options.out === undefined ? join(inputs.dir, "report.html") : resolve(options.out)
    yield* writeFile(path, page, "HtmlReport.write")
    return { path, charts: chartCount(inputs), bytes: Buffer.byteLength(page) }
  })
