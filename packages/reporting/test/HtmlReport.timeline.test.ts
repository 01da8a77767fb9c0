import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { type History, Linearizability } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { HtmlReport, LogAnalysis } from "../src/index.ts"
import { fixtureRun, launchChromium, PACKAGE, read } from "./helpers.ts"

/** Three processes on one register (key "<b>x</b>", to check escaping); p2's last read of 1 cannot be placed. */
const history: ReadonlyArray<History.Event> = [
  [0, "invoke", "write", 1, 0],
  [1, "invoke", "read", null, 5],
  [0, "ok", "write", 1, 10],
  [1, "ok", "read", 1, 15],
  [0, "invoke", "write", 2, 20],
  [0, "ok", "write", 2, 30],
  [2, "invoke", "cas", [2, 3], 32],
  [1, "invoke", "write", 9, 34],
  [2, "ok", "cas", [2, 3], 40],
  [2, "invoke", "read", null, 45],
  [2, "ok", "read", 1, 50]
].map(([process, type, f, value, time]) => ({
  process: process as number,
  type: type as History.EventType,
  f: f as string,
  value,
  time: time as number,
  key: "<b>x</b>"
}))

const runWithTimeline = async () => {
  const run = fixtureRun()
  const result = await Effect.runPromise(Linearizability.check(Linearizability.register(), history))
  expect(result.verdict).toBe("not-linearizable")
  const file = join(run, "results", "linearizability", "register.json")
  expect(await Effect.runPromise(Linearizability.writeTimeline(result, "register <history>", file))).toBe(true)
  await Effect.runPromise(LogAnalysis.analyzeRun(run))
  return { run, result, written: await Effect.runPromise(HtmlReport.write(run)) }
}

describe("HtmlReport linearizability timeline", () => {
  it("draws each process's operations of the failing partition, the impossible one marked, text escaped", async () => {
    const { written, result } = await runWithTimeline()
    const page = read(written.path)
    expect(page).toContain('<section id="linearizability"><h2>Linearizability</h2>')
    expect(page).toContain("<h3>register &lt;history&gt; <span")
    expect(page).not.toContain("<b>x</b>")
    expect(page.match(/class="lin-op lin-blocked/g)).toHaveLength(1)
    expect(page).toContain(`data-index="${result.evidence!.blocked!.index}" data-role="blocked"`)
    // The unknown-outcome write (never completed) is drawn open to the right.
    expect(page).toMatch(/class="lin-op lin-\w+ lin-open" data-index="4"/)
    // A run without timelines has no such section.
    const bare = fixtureRun()
    await Effect.runPromise(LogAnalysis.analyzeRun(bare))
    expect(read((await Effect.runPromise(HtmlReport.write(bare))).path)).not.toContain('id="linearizability"')
  })

  it("renders in headless Chromium: every bar visible, the blocked one red, no error, no request", async () => {
    const { written, result } = await runWithTimeline()
    const url = pathToFileURL(written.path).href
    const context = await launchChromium()
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      const problems: Array<string> = []
      const requests: Array<string> = []
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console: ${m.text()}`)
      })
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`))
      context.on("request", (r) => requests.push(r.url()))
      await page.goto(url, { waitUntil: "load" })
      await page.waitForSelector("body[data-charts-done='true']", { timeout: 30_000 })
      const svg = page.locator("svg.lin-timeline")
      await svg.scrollIntoViewIfNeeded()
      expect(await svg.isVisible()).toBe(true)
      const bars = await page.$$eval(".lin-op", (els) =>
        els.map((el) => {
          const rect = el.querySelector("rect") as unknown as {
            getBoundingClientRect(): { width: number; height: number }
          }
          const box = rect.getBoundingClientRect()
          const style = (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(
            rect
          )
          return { role: el.getAttribute("data-role"), width: box.width, height: box.height, fill: style.fill }
        })
      )
      const t = Linearizability.timeline(result, "register")!
      expect(bars).toHaveLength(t.operations.length)
      for (const b of bars) {
        expect(b.width).toBeGreaterThan(2)
        expect(b.height).toBeGreaterThan(10)
      }
      expect(bars.filter((b) => b.role === "blocked").map((b) => b.fill)).toEqual(["rgb(255, 201, 201)"])
      expect(new Set(bars.filter((b) => b.role === "prefix").map((b) => b.fill))).toEqual(
        new Set(["rgb(178, 242, 187)"])
      )
      expect(await page.locator(".lin-mark").allTextContents()).toEqual(["✗"])
      expect(await page.locator(".lin-process").allTextContents()).toEqual(["process 0", "process 1", "process 2"])
      expect(problems).toEqual([])
      expect(requests.filter((r) => r !== url)).toEqual([])
      mkdirSync(join(PACKAGE, "test-results"), { recursive: true })
      await svg.screenshot({ path: join(PACKAGE, "test-results", "linearizability-timeline.png") })
    } finally {
      await context.close()
    }
  })
})
