/**
 * One home per output format, tried with hostile text: the findings Markdown export and FINAL_REPORT.md (both
 * rendered by `Markdown` of @24h/findings) read as GitHub would render them, and the two JUnit sources (findings and
 * pipelines, one serialiser) read by a real XML parser (headless Chromium's DOMParser).
 */
import { createRequire } from "node:module"
import { Pipeline, Run } from "@24h/core"
import { Junit as FindingsJunit, Ledger, Markdown } from "@24h/findings"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { FinalReport, Junit } from "../src/index.ts"
import { fixtureRun, tempDir, withChromium } from "./helpers.ts"

/** markdown-it with raw HTML on and GFM tables: what GitHub would do with the Markdown before sanitising. */
interface MarkdownIt {
  render(src: string): string
}
const markdownIt = createRequire(import.meta.url)("markdown-it") as (options: { html: boolean }) => MarkdownIt
const gfm = markdownIt({ html: true })

const HOSTILE = [
  "<img src=x onerror=alert(1)>",
  "[click me](javascript:alert(1))",
  "a | b | c",
  "</td></tr><script>alert(2)</script>",
  "line one\n## injected heading",
  "`code` and ``two`` ticks",
  "| leading pipe and trailing |"
]

/** Files one finding per hostile string: it is the title, the next one the component, all of them the evidence. */
const fileHostile = (dir: string) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    for (const [i, title] of HOSTILE.entries())
      yield* ledger.add({
        type: i % 2 === 0 ? "bug" : "security",
        entryId: "hostile-01",
        agent: "formats-test",
        force: true,
        payload: {
          title,
          severity: (["critical", "high", "medium", "low"] as const)[i % 4],
          description: HOSTILE.join("\n"),
          component: HOSTILE[(i + 1) % HOSTILE.length]!.replace(/\n/g, " "),
          evidence: HOSTILE.slice(0, 1 + (i % 5)),
          recommendation: "escape it"
        }
      })
    return yield* ledger.list()
  }).pipe(Effect.provide(Ledger.layerFile({ dir })))

/** The text of an HTML fragment as a reader sees it: tags dropped, markdown-it's entities decoded. */
const textOf = (html: string): string =>
  html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")

/** Each rendered table as rows of cell texts (the header row first). */
const tablesOf = (html: string): Array<Array<Array<string>>> =>
  [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)].map((t) =>
    [...t[1]!.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
      [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => textOf(c[1]!))
    )
  )

const headingsOf = (html: string): Array<string> =>
  [...html.matchAll(/<h(\d)>([\s\S]*?)<\/h\1>/g)].map((h) => `h${h[1]} ${textOf(h[2]!)}`)

/** Nothing hostile became markup: no element, no script link, no heading of its own. */
const expectInert = (html: string): void => {
  expect(html).not.toMatch(/<img|<script|<\/td><\/tr><script/i)
  expect(html).not.toMatch(/href="javascript|onerror=alert\(1\)>/)
  expect(headingsOf(html).filter((h) => /^h\d injected/.test(h))).toEqual([])
  // markdown-it keeps a table's width by dropping extra cells, so a split cell shows as lost text: each row has its
  // header's width, and the text checks below find every hostile string whole.
  for (const rows of tablesOf(html)) for (const row of rows) expect(row).toHaveLength(rows[0]!.length)
}

const oneLine = (s: string): string => s.replace(/\r?\n|\r/g, " ")

describe("hostile findings through both Markdown renderers, rendered as GitHub-flavoured Markdown", () => {
  it("the findings export and FINAL_REPORT.md show every title, component and evidence item as its own text", async () => {
    const run = await Effect.runPromise(
      Run.create({ root: tempDir(), metadata: { ENTRY_ID: "hostile-01", ENTRY_TITLE: "Hostile <b>|</b>" }, seed: 1 })
    )
    const findings = await Effect.runPromise(fileHostile(run.dir))
    expect(findings).toHaveLength(HOSTILE.length)

    // 1. `24h finding export --format md`
    const exported = gfm.render(Markdown.toMarkdown(findings))
    expectInert(exported)
    expect(headingsOf(exported)).toEqual([
      "h1 Findings",
      ...[...findings]
        .sort(
          (a, b) =>
            ["critical", "high", "medium", "low"].indexOf(a.severity) -
              ["critical", "high", "medium", "low"].indexOf(b.severity) || a.id.localeCompare(b.id)
        )
        .map((f) => `h2 ${f.id} — ${oneLine(f.title)}`)
    ])
    const properties = tablesOf(exported).slice(1)
    expect(properties).toHaveLength(findings.length)
    expect(properties.map((rows) => rows.find((r) => r[0] === "component")?.[1]).sort()).toEqual(
      findings.map((f) => f.component).sort()
    )

    // 2. FINAL_REPORT.md, from the run directory holding that ledger
    const report = await Effect.runPromise(FinalReport.make(run.dir))
    const final = gfm.render(report.markdown)
    expectInert(final)
    const h2 = headingsOf(final).filter((h) => h.startsWith("h2 "))
    expect(h2).toEqual([
      "h2 Summary",
      "h2 Run metadata",
      "h2 Research",
      "h2 Pipelines",
      "h2 Invariants",
      "h2 Silent-failure probes",
      "h2 Telemetry packs",
      "h2 Developer experience",
      "h2 Findings by severity",
      "h2 Recommendations",
      "h2 Success checklist"
    ])
    expect(headingsOf(final)[0]).toBe("h1 Final report: Hostile <b>|</b>")
    const rows = tablesOf(final)
      .filter((t) => t[0]!.join(",") === "id,type,component,title,evidence")
      .flatMap((t) => t.slice(1))
    expect(rows.map((r) => r[0]).sort()).toEqual(findings.map((f) => f.id).sort())
    for (const f of findings) {
      const row = rows.find((r) => r[0] === f.id)!
      expect(row.slice(1, 4)).toEqual([f.type, f.component, oneLine(f.title)])
      const shown = f.evidence.slice(0, 3).map(oneLine).join(", ")
      expect(row[4]).toBe(f.evidence.length > 3 ? `${shown} (+${f.evidence.length - 3})` : shown)
    }
    // The anchors recommendations link to survive (markdown-it passes the `<a id>` through).
    for (const f of findings) expect(final).toContain(`<a id="${f.id.toLowerCase()}"></a>`)
  })
})

/** The part of the browser's DOM the XML check reads (the tests compile without the DOM lib). */
interface XmlElement {
  readonly nodeName: string
  readonly textContent: string | null
  getAttribute(name: string): string | null
}
interface XmlDocument {
  readonly documentElement: XmlElement
  getElementsByTagName(name: string): ArrayLike<XmlElement> & Iterable<XmlElement>
  querySelectorAll(selector: string): ArrayLike<XmlElement> & Iterable<XmlElement>
}
declare const DOMParser: new () => { parseFromString(text: string, type: "application/xml"): XmlDocument }

/** Parses XML with Chromium's DOMParser: the parse error, if any, and every testcase's name and outcome message. */
const parseXml = (xml: string) =>
  withChromium((page) =>
    page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "application/xml")
      const error = doc.getElementsByTagName("parsererror")[0]
      return {
        error: error === undefined ? null : (error.textContent ?? "parsererror"),
        root: doc.documentElement.nodeName,
        names: [...doc.getElementsByTagName("testcase")].map((c) => c.getAttribute("name")),
        messages: [...doc.querySelectorAll("failure, error")].map((c) => c.getAttribute("message")),
        texts: [...doc.querySelectorAll("failure, error, system-out")].map((c) => c.textContent)
      }
    }, xml)
  )

const EVIL = [`a<b>&"c"'d'`, "]]><!-- x -->", "</testcase></testsuite><x>", "\u0001bell\u0000nul", "lone \uD800 half"]
/** What Escape.xml promises: characters XML 1.0 cannot carry read back as U+FFFD, everything else as itself. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu
const asRead = (s: string): string => s.replace(NOT_XML, "\uFFFD")

describe("the one JUnit writer, read by a real XML parser", () => {
  it("reporting's Junit is findings' Junit: one implementation", () => {
    expect(Junit).toBe(FindingsJunit)
  })

  it("fromFindings and fromPipelines go through the one serialiser; hostile names parse back as themselves", async () => {
    const run = await Effect.runPromise(
      Run.create({ root: tempDir(), metadata: { ENTRY_ID: "hostile-02", ENTRY_TITLE: "x" }, seed: 1 })
    )
    const findings = await Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        for (const [i, evil] of [...EVIL, ...HOSTILE].entries())
          yield* ledger.add({
            type: "bug",
            entryId: "hostile-02",
            agent: "formats-test",
            force: true,
            payload: {
              title: `${i} ${evil}`,
              severity: i % 2 === 0 ? "high" : "low",
              description: evil,
              component: `c${i}`,
              evidence: [evil]
            }
          })
        return yield* ledger.list()
      }).pipe(Effect.provide(Ledger.layerFile({ dir: run.dir })))
    )
    const [base] = await Effect.runPromise(Pipeline.readAll(fixtureRun()))
    const results: Array<Pipeline.Result> = EVIL.map((evil, i) => ({
      ...base!,
      name: `p${i} ${evil}`,
      ...(i === 0 ? { error: `boom ${evil}\n${evil}` } : {}),
      thresholds: base!.thresholds.map((t) => ({
        ...t,
        verdict: "fail" as const,
        message: `${t.expression}: ${evil}`
      })),
      invariants: {
        ...base!.invariants,
        entries: base!.invariants.entries.map((e) => ({ ...e, name: `${e.name} ${evil}` }))
      },
      runId: evil,
      seed: evil
    }))

    const fromFindings = Junit.fromFindings(findings, { failOn: "high", name: EVIL.join(" ") })
    const fromPipelines = Junit.fromPipelines(results, { name: EVIL.join(" ") })
    for (const r of [fromFindings, fromPipelines]) {
      // The XML is exactly the one serialiser's output of the returned model, and the totals are the model's.
      expect(r.xml).toBe(Junit.toXml(r.document))
      expect(r.totals).toEqual(Junit.totals(r.document))
      expect(r.xml.match(NOT_XML)).toBeNull()
    }

    const fx = await parseXml(fromFindings.xml)
    expect(fx.error).toBeNull()
    expect(fx.root).toBe("testsuites")
    expect(fx.names).toEqual(findings.map((f) => asRead(`${f.id} ${f.title}`)))
    expect(fx.messages).toEqual(findings.filter((f) => f.severity === "high").map((f) => asRead(`[high] ${f.title}`)))
    expect(fx.texts.length).toBe(findings.length)

    const px = await parseXml(fromPipelines.xml)
    expect(px.error).toBeNull()
    expect(px.root).toBe("testsuites")
    const expected = fromPipelines.document.suites.flatMap((s) => s.cases)
    expect(px.names).toEqual(expected.map((c) => asRead(c.name)))
    expect(px.messages).toEqual(expected.flatMap((c) => (c.outcome === undefined ? [] : [asRead(c.outcome.message)])))
    expect(px.names.some((n) => n?.includes("</testcase></testsuite><x>"))).toBe(true)
    expect(fromPipelines.totals.errors).toBe(1)
  })
})
