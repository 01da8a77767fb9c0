import { spawn } from "node:child_process"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { fixtureRun, REPO, read, tempDir } from "./helpers.ts"

const BIN = join(REPO, "packages", "cli", "src", "bin.ts")

/** Runs the real `24h` binary from source. */
const cli = (...args: Array<string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@24h/source", BIN, "report", ...args], {
      cwd: REPO,
      env: { ...process.env, CI: "1", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.on("error", reject)
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }))
  })

describe("24h report", () => {
  it("logs → final → html → junit on the fixture run, one JSON document each", async () => {
    const run = fixtureRun()
    const logs = await cli("logs", run, "--json")
    expect(logs.code, logs.stderr).toBe(0)
    const packs = JSON.parse(logs.stdout) as {
      ok: boolean
      packs: Array<{ log: string; torn: number; errorLines: number }>
    }
    expect(packs.packs.map((p) => [p.log, p.torn, p.errorLines])).toEqual([
      ["results/logs/run.log", 2, 14],
      ["results/logs/worker.log", 0, 1]
    ])

    const final = await cli("final", run, "--json")
    expect(final.code, final.stderr).toBe(0)
    const summary = JSON.parse(final.stdout) as { path: string; checklist: Array<{ done: boolean }> }
    expect(summary.path).toBe(join(run, "FINAL_REPORT.md"))
    expect(summary.checklist.filter((c) => c.done)).toHaveLength(8)
    expect(read(summary.path)).toContain("# Final report: Payments API under database faults")

    const out = join(tempDir(), "page.html")
    const html = await cli("html", run, "--out", out, "--json")
    expect(html.code, html.stderr).toBe(0)
    expect(JSON.parse(html.stdout)).toMatchObject({ ok: true, path: out, charts: 13 })

    const junit = await cli("junit", run, "--json")
    expect(junit.code, junit.stderr).toBe(0)
    expect(JSON.parse(junit.stdout)).toMatchObject({ totals: { tests: 21, failures: 4, errors: 1 } })
    expect(existsSync(join(run, "results", "junit.xml"))).toBe(true)
  })

  it("exits 2 on an uncited recommendation, naming it, and writes no report", async () => {
    const run = fixtureRun()
    writeFileSync(
      join(run, "recommendations.json"),
      JSON.stringify({ framework: [{ text: "Retry harder", cites: [] }], persona: [] })
    )
    const json = await cli("final", run, "--json")
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: {
        tag: "ReportingError",
        reason: "UncitedRecommendation",
        message:
          'recommendations.framework[0] "Retry harder" cites no finding id or evidence path (every recommendation must cite at least one)',
        issues: [
          {
            field: "recommendations.framework[0]",
            message:
              'recommendations.framework[0] "Retry harder" cites no finding id or evidence path (every recommendation must cite at least one)'
          }
        ]
      }
    })
    const human = await cli("final", run)
    expect(human.code).toBe(2)
    expect(human.stderr).toContain('UncitedRecommendation: recommendations.framework[0] "Retry harder"')
    expect(existsSync(join(run, "FINAL_REPORT.md"))).toBe(false)
  })

  it("exits 2 when the directory is not a run directory", async () => {
    const r = await cli("html", tempDir(), "--json")
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stdout).error.reason).toBe("RunDirectory")
  })
})
