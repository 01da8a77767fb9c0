import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Run } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { HtmlReport, LogAnalysis } from "../src/index.ts"
import { fixtureRun, launchChromium, PACKAGE, read, tempDir } from "./helpers.ts"

const reportOf = async () => {
  const run = fixtureRun()
  await Effect.runPromise(LogAnalysis.analyzeRun(run))
  const written = await Effect.runPromise(HtmlReport.write(run))
  return { run, ...written }
}

describe("HtmlReport.render", () => {
  it("is one self-contained page: strict CSP, uPlot inlined, no external reference, escaped text", async () => {
    const { path, charts } = await reportOf()
    const page = read(path)
    expect(charts).toBe(13)
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`
    )
    expect(page).toContain(HtmlReport.chartLibrary().js.slice(0, 200))
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|url\(\s*["']?https?:/i)
    expect(page).toContain('<td class="finding-title">&lt;script&gt;alert(1)&lt;/script&gt;</td>')
    expect(page).not.toContain("<script>alert(1)")
    expect(page.match(/<script/g)).toHaveLength(3)
  })

  it("puts chart data in a JSON block where no '<' can close the script", async () => {
    const run = fixtureRun()
    const inputs = await Effect.runPromise(HtmlReport.loadInputs(run))
    const evil = "</script><script>alert(2)</script>\u2028"
    const page = HtmlReport.render({
      ...inputs,
      pipelines: inputs.pipelines.map((p) => ({ ...p, result: { ...p.result, name: evil } }))
    })
    const block = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(page)![1]!
    expect(block).not.toMatch(/[<>\u2028]/)
    expect(JSON.parse(block).invariants.labels[0]).toBe(`baseline/${evil}`)
    expect(page).not.toContain("<script>alert(2)")
  })

  it("is deterministic", async () => {
    const run = fixtureRun()
    const inputs = await Effect.runPromise(HtmlReport.loadInputs(run))
    expect(HtmlReport.render(inputs)).toBe(HtmlReport.render(inputs))
  })
})

describe("HtmlReport in headless Chromium", () => {
  it("renders every chart, logs no console error, makes no request, and shows a hostile finding title as text", async () => {
    const { path, charts } = await reportOf()
    const url = pathToFileURL(path).href
    const context = await launchChromium()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      const problems: Array<string> = []
      const requests: Array<string> = []
      const dialogs: Array<string> = []
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`)
      })
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`))
      context.on("request", (r) => requests.push(r.url()))
      page.on("dialog", (d) => {
        dialogs.push(d.message())
        void d.dismiss()
      })
      await page.goto(url, { waitUntil: "load" })
      await page.waitForSelector("body[data-charts-done='true']", { timeout: 30_000 })

      const drawn = await page.$$eval("[data-chart]", (els) =>
        els.map((el) => {
          const canvas = el.querySelector("canvas")
          let inked = 0
          if (canvas !== null) {
            const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data
            for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) inked++
          }
          return {
            chart: el.getAttribute("data-chart"),
            rendered: el.getAttribute("data-rendered"),
            width: canvas?.width ?? 0,
            inked
          }
        })
      )
      expect(drawn).toHaveLength(charts)
      for (const d of drawn) {
        expect(d.rendered, d.chart!).toBe("true")
        expect(d.width, d.chart!).toBeGreaterThan(0)
        expect(d.inked, `${d.chart} has drawn pixels`).toBeGreaterThan(500)
      }
      // the fault window of the chaos pipeline is shaded (a translucent red band) on its latency chart
      const shaded = await page.$eval('[data-chart="latency-2"] canvas', (canvas) => {
        // (the test's tsconfig has no DOM lib: describe the canvas structurally)
        const c = canvas as unknown as {
          width: number
          height: number
          getContext(kind: "2d"): {
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
          }
        }
        const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data
        let n = 0
        for (let i = 0; i < px.length; i += 4)
          if (px[i]! > 150 && px[i + 1]! < 120 && px[i + 3]! > 0 && px[i + 3]! < 80) n++
        return n
      })
      expect(shaded).toBeGreaterThan(1000)

      expect(await page.locator(".finding-title").allTextContents()).toContain("<script>alert(1)</script>")
      expect(await page.locator("script").count()).toBe(3)
      expect(dialogs).toEqual([])
      expect(problems).toEqual([])
      expect(requests.filter((r) => r !== url)).toEqual([])

      mkdirSync(join(PACKAGE, "test-results"), { recursive: true })
      await page.screenshot({ path: join(PACKAGE, "test-results", "html-report.png"), fullPage: true })

      // A bare run (no pipelines, findings or invariants) renders too, with no chart and no error.
      const bare = await Effect.runPromise(
        Run.create({ root: tempDir(), metadata: { ENTRY_ID: "bare", ENTRY_TITLE: "Bare run" }, seed: 1 })
      )
      const empty = await Effect.runPromise(HtmlReport.write(bare.dir))
      const emptyUrl = pathToFileURL(empty.path).href
      await page.goto(emptyUrl, { waitUntil: "load" })
      await page.waitForSelector("body[data-charts-done='true']", { timeout: 30_000 })
      expect(empty.charts).toBe(0)
      expect(await page.locator("[data-chart]").count()).toBe(0)
      expect(problems).toEqual([])
      expect(requests.filter((r) => r !== url && r !== emptyUrl)).toEqual([])
    } finally {
      await context.close()
    }
  })

  it("draws a pipeline with one window on its own time range, not an empty chart with an axis years away", async () => {
    const run = fixtureRun()
    const dir = join(run, "results", "pipelines")
    const file = join(dir, readdirSync(dir).sort()[0] as string)
    const result = JSON.parse(readFileSync(file, "utf8")) as { windows: Array<{ start: string; end: string }> }
    const only = result.windows[0] as { start: string; end: string }
    writeFileSync(file, JSON.stringify({ ...result, windows: [only] }, null, 2))
    const inputs = await Effect.runPromise(HtmlReport.loadInputs(run))
    const index = inputs.pipelines.findIndex((p) => p.result.windows.length === 1)
    expect(index).toBeGreaterThanOrEqual(0)
    const data = HtmlReport.chartData(inputs).pipelines[index]
    const start = Date.parse(only.start) / 1000
    const end = Math.max(Date.parse(only.end) / 1000, start + 1) // at least one second wide
    expect(data?.x).toEqual([start, end])
    const { path } = await Effect.runPromise(HtmlReport.write(run))
    const context = await launchChromium()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      await page.goto(pathToFileURL(path).href, { waitUntil: "load" })
      await page.waitForSelector("body[data-charts-done='true']", { timeout: 30_000 })
      await page.waitForSelector(`[data-chart="latency-${index}"][data-x-range]`, { timeout: 30_000 })
      const chart = page.locator(`[data-chart="latency-${index}"]`)
      const attr = await chart.getAttribute("data-x-range")
      expect(attr).toMatch(/^[\d.]+,[\d.]+$/)
      const [min, max] = (attr ?? "").split(",").map(Number)
      expect(min).toBe(start)
      expect(max).toBe(end)
      // The p50 point is drawn in its colour (#2b8a3e), not just the axes.
      const green = await chart.locator("canvas").evaluate((canvas) => {
        const c = canvas as unknown as {
          width: number
          height: number
          getContext(kind: "2d"): {
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray }
          }
        }
        const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data
        let n = 0
        for (let i = 0; i < px.length; i += 4)
          if (Math.abs(px[i]! - 43) < 20 && Math.abs(px[i + 1]! - 138) < 20 && Math.abs(px[i + 2]! - 62) < 20) n++
        return n
      })
      expect(green).toBeGreaterThan(10)
    } finally {
      await context.close()
    }
  })
})
