import { spawn } from "node:child_process"
import { mkdtemp, readFile, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Dataset, Packs } from "../src/index.ts"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const run = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@24h/source", bin, "dataset", ...args], {
      cwd: repo,
      env: { ...process.env, CI: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", fail)
    child.on("close", (code) => done({ code, stdout, stderr }))
  })

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "24h-mocks-cli-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("24h dataset", () => {
  it("the issue's exact form writes a scale NDJSON file and --json prints one summary", async () => {
    const out = join(dir, "customers.ndjson")
    const r = await run([
      "--pack",
      "customer",
      "--tier",
      "scale",
      "--count",
      "20000",
      "--seed",
      "42",
      "--out",
      out,
      "--json"
    ])
    expect(r.code).toBe(0)
    expect(r.stderr).not.toMatch(/records \(\d+%\)/) // no progress in CI
    const summary = JSON.parse(r.stdout)
    const size = (await stat(out)).size
    expect(summary).toEqual({
      ok: true,
      dataset: "customer",
      tier: "scale",
      seed: 42,
      records: 20000,
      bytes: size,
      path: out,
      format: "ndjson"
    })
    const expected = Dataset.sample(Packs.customer, { tier: "scale", seed: 42, count: 20000 })
      .map((x) => `${Dataset.toJson(x)}\n`)
      .join("")
    expect(await readFile(out, "utf8")).toBe(expected)
  })

  it("`generate` with --format json writes a JSON array; without --out records go to stdout", async () => {
    const out = join(dir, "p.json")
    const r = await run([
      "generate",
      "--pack",
      "payment",
      "--tier",
      "edge",
      "--count",
      "50",
      "--seed",
      "7",
      "--format",
      "json",
      "--out",
      out
    ])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/wrote 50 payment records \(edge, seed 7/)
    expect(JSON.parse(await readFile(out, "utf8"))).toEqual(
      Dataset.sample(Packs.payment, { tier: "edge", seed: 7, count: 50 })
    )
    const s = await run(["--pack", "logLine", "--count", "3", "--seed", "1"])
    expect(s.code).toBe(0)
    expect(
      s.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l))
    ).toEqual(JSON.parse(JSON.stringify(Dataset.sample(Packs.logLine, { seed: 1, count: 3 }))))
  })

  it("an unknown pack or tier exits 2 with the valid names", async () => {
    const p = await run(["--pack", "nope", "--count", "1", "--json"])
    expect(p.code).toBe(2)
    expect(JSON.parse(p.stdout)).toMatchObject({ ok: false, error: { reason: "InvalidPack" } })
    expect(p.stdout).toContain("known: customer, payment, clinical, chatPrompt, logLine")
    const t = await run(["--pack", "customer", "--tier", "huge", "--count", "1"])
    expect(t.code).toBe(2)
    expect(t.stderr + t.stdout).toContain('tier must be one of happy, edge, adversarial, scale (got "huge")')
  })
})
