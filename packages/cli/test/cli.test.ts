import { spawnSync } from "node:child_process"
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { version } from "@24h/cli"
import { version as coreVersion } from "@24h/core"
import { describe, expect, it } from "vitest"

const repo = join(import.meta.dirname, "..", "..", "..")
const tsx = pathToFileURL(createRequire(join(repo, "package.json")).resolve("tsx")).href
const bin = join(repo, "packages", "cli", "src", "bin.ts")
const run24h = (args: ReadonlyArray<string>, cwd = repo) =>
  spawnSync(process.execPath, ["--import", tsx, "--conditions=@24h/source", bin, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000
  })

describe("24h", () => {
  it("lists every package's command group in --help and prints its version", () => {
    const help = run24h(["--help"])
    expect(help.status).toBe(0)
    for (const group of ["run", "proxy", "finding", "report", "dataset", "mock"])
      expect(help.stdout).toMatch(new RegExp(`\\n\\s+${group}\\s`))
    const v = run24h(["--version"])
    expect(v.status).toBe(0)
    expect(v.stdout.trim()).toBe(`24h v${version}`)
  })

  it("exits 2 with a message on unknown commands and flags", () => {
    const r = run24h(["nope"])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/Unknown subcommand "nope"/)
    const f = run24h(["run", "status", "--bogus"])
    expect(f.status).toBe(2)
  })

  it("keeps version constants in step with package.json", () => {
    const pkg = (name: string) => JSON.parse(readFileSync(join(repo, "packages", name, "package.json"), "utf8")).version
    expect(version).toBe(pkg("cli"))
    expect(coreVersion).toBe(pkg("core"))
  })
})

describe("check:deps", () => {
  it("passes on the repository and fails on a forbidden edge, naming the file and the edge", () => {
    const ok = spawnSync(process.execPath, [join(repo, "scripts", "check-deps.mjs")], { encoding: "utf8" })
    expect(ok.status, ok.stderr).toBe(0)
    // A copy of the packages' manifests and sources with one bad import: chaos → mocks.
    const copy = mkdtempSync(join(tmpdir(), "24h-deps-"))
    cpSync(join(repo, "scripts"), join(copy, "scripts"), { recursive: true })
    for (const p of ["core", "mocks", "chaos", "findings", "reporting", "cli"]) {
      cpSync(join(repo, "packages", p, "package.json"), join(copy, "packages", p, "package.json"), { recursive: true })
      cpSync(join(repo, "packages", p, "src"), join(copy, "packages", p, "src"), { recursive: true })
    }
    writeFileSync(
      join(copy, "packages", "chaos", "src", "Bad.ts"),
      'import { Dataset } from "@24h/mocks"\nexport const x = Dataset\n'
    )
    const bad = spawnSync(process.execPath, [join(copy, "scripts", "check-deps.mjs")], { encoding: "utf8" })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain("packages/chaos/src/Bad.ts: chaos → mocks is not an allowed edge")
  })
})
