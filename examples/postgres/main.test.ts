import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import * as Cluster from "./cluster.ts"
import { scenario } from "./main.ts"

const root = mkdtempSync(join(tmpdir(), "24h-postgres-runs-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Neither the postmaster nor its directory outlives the scenario. */
const expectGone = (cluster: { readonly pid: number | undefined; readonly dir: string | undefined }) => {
  if (process.env.DATABASE_URL) return
  expect(cluster.pid).toBeGreaterThan(0)
  expect(alive(cluster.pid)).toBe(false)
  expect(existsSync(cluster.dir!)).toBe(false)
}

describe("the PostgreSQL bank scenario", () => {
  it("the correct service (SELECT … FOR UPDATE) passes every pipeline, faults included", async () => {
    const r = await Effect.runPromise(scenario({ mode: "correct", root, seed: 7, scale: 0.5 }))
    expect(r.pipelines.map((p) => [p.kind, p.verdict])).toEqual([
      ["baseline", "pass"],
      ["stress", "pass"],
      ["chaos", "pass"],
      ["adversarial", "pass"],
      ["recovery", "pass"]
    ])
    for (const p of r.pipelines) {
      expect(p.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          "total balance conserved",
          "no acknowledged transfer lost",
          "per-account history linearizable"
        ])
      )
      expect(p.linearizability?.verdict).toBe("linearizable")
      expect(existsSync(p.history)).toBe(true)
    }
    expect(r.findings).toEqual([])
    expect(readFileSync(r.report, "utf8")).not.toContain('<section id="linearizability">')
    expectGone(r.cluster)
  })

  it("the lost-update service fails with a linearizability finding and a conservation finding", async () => {
    const r = await Effect.runPromise(scenario({ mode: "lost-update", root, seed: 7, scale: 0.5 }))
    expect(r.pipelines.some((p) => p.verdict === "fail")).toBe(true)
    const titles = r.findings.map((f) => f.title)
    expect(titles).toContain("Account histories are not linearizable (lost-update service)")
    expect(titles).toContain('Transfers break "total balance conserved" (lost-update service)')
    // The findings are in the run's ledger and cite the checker's evidence.
    const ledger = readFileSync(join(r.dir, "findings.json"), "utf8")
    expect(ledger).toMatch(/cannot be placed after the longest linearizable prefix/)
    expect(ledger).toMatch(/SUM\(balance\) = \d+, expected 4 × 1000 = 4000/)
    const lin = r.pipelines.find((p) => p.linearizability?.verdict === "not-linearizable")!.linearizability!
    expect(lin.evidence?.blocked?.f).toBe("transfer")
    // The HTML report draws the failing account's operations, the impossible transfer marked.
    const page = readFileSync(r.report, "utf8")
    expect(page).toContain('<section id="linearizability">')
    expect(page.match(/data-role="blocked"/g)?.length).toBeGreaterThan(0)
    expectGone(r.cluster)
  })

  it("stops the server and removes its directory when the body fails", async () => {
    let seen: Cluster.Cluster | undefined
    const exit = await Effect.runPromiseExit(
      Effect.scoped(
        Effect.flatMap(Cluster.make({ databaseUrl: "" }), (c) => {
          seen = c
          expect(alive(c.pid)).toBe(true)
          return Effect.fail("the scenario failed")
        })
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(alive(seen!.pid)).toBe(false)
    expect(existsSync(seen!.dir!)).toBe(false)
  })
})
