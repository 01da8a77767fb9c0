import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { makePackage, oneDocument, repo, run, tmpDir } from "./helpers.ts"

const made: Array<string> = []
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true })
})

describe("the committed launcher bin/24h.mjs", () => {
  it("is what npm links as `24h` in a checkout (package.json bin; node_modules/.bin/24h after npm ci)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, "packages", "cli", "package.json"), "utf8")) as {
      bin: Record<string, string>
    }
    expect(pkg.bin["24h"]).toBe("./bin/24h.mjs")
    expect(fs.realpathSync(path.join(repo, "node_modules", ".bin", "24h"))).toBe(
      path.join(repo, "packages", "cli", "bin", "24h.mjs")
    )
    expect(fs.statSync(path.join(repo, "packages", "cli", "bin", "24h.mjs")).mode & 0o111).not.toBe(0)
  })

  it("from a clean state (not built) says how to build, exit 3, one document under --json", async () => {
    const { dir, launcher } = await makePackage(false)
    made.push(dir)
    const human = await run(launcher, ["finding", "list"], { cwd: dir })
    expect(human.code).toBe(3)
    expect(human.stdout).toBe("")
    expect(human.stderr).toContain("24h is not built yet")
    expect(human.stderr).toContain("npm run build")
    const json = await run(launcher, ["finding", "list", "--json"], { cwd: dir })
    expect(json.code).toBe(3)
    expect(oneDocument(json.stdout)).toMatchObject({ ok: false, error: { reason: "NotBuilt" } })
    // --version needs no build.
    const v = await run(launcher, ["--version"], { cwd: dir })
    expect(v.code).toBe(0)
    expect(v.stdout).toMatch(/^24h v\d+\.\d+\.\d+\n$/)
  })

  it("loads only the command group it runs: finding and run work with the other groups' code deleted", async () => {
    const { dir, launcher } = await makePackage()
    made.push(dir)
    const dist = path.join(dir, "dist", "cli")
    const markers = [
      "TCP fault proxies with Toxiproxy",
      "Seeded datasets in four tiers",
      "Telemetry packs, FINAL_REPORT.md"
    ]
    const removed = fs.readdirSync(dist).filter((name) => {
      const text = fs.readFileSync(path.join(dist, name), "utf8")
      if (!markers.some((m) => text.includes(m))) return false
      fs.rmSync(path.join(dist, name))
      return true
    })
    expect(removed.length).toBeGreaterThanOrEqual(3)
    const ledger = tmpDir()
    made.push(ledger)
    const add = await run(
      launcher,
      [
        "finding",
        "add",
        "--type",
        "bug",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        JSON.stringify({ title: "t", severity: "low", description: "d", component: "c" }),
        "--output",
        ledger,
        "--json"
      ],
      { cwd: ledger }
    )
    expect(add.stderr).toBe("")
    expect(oneDocument(add.stdout)).toMatchObject({ ok: true, id: "FND-001" })
    const status = await run(launcher, ["run", "status", ledger, "--json"], { cwd: ledger })
    expect(oneDocument(status.stdout)).toMatchObject({ ok: false, error: { tag: "CoreError" } })
    // …while the full help, which loads every group, now fails: the deleted files were really those groups.
    const help = await run(launcher, ["--help"], { cwd: ledger })
    expect(help.code).not.toBe(0)
  })
})
