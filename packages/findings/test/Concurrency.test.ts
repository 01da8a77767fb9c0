import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Ledger } from "../src/index.ts"
import { bundleAppender, killAll, run, tmpDir } from "./helpers.ts"

let appender: string
const work = tmpDir()

beforeAll(async () => {
  appender = await bundleAppender(work)
})
afterAll(() => {
  killAll()
  fs.rmSync(work, { recursive: true, force: true })
})

describe("concurrent appends", () => {
  it("8 processes × 50 appends → exactly FND-001…FND-400, each once, every ledger valid JSON", async () => {
    const dir = tmpDir()
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, p) => run(process.execPath, [appender, dir, "50", `p${p}`], 120_000))
    )
    for (const r of results) expect(r.stderr).toBe("")
    for (const r of results) expect(r.code).toBe(0)
    const acks = results.flatMap((r) => r.stdout.split("\n").filter((l) => l.startsWith("ack ")))
    expect(acks).toHaveLength(400)
    const ackedIds = acks.map((l) => l.split(" ")[1])
    expect(new Set(ackedIds).size).toBe(400)

    const findings = Ledger.readSync(dir)
    const expected = Array.from({ length: 400 }, (_, i) => `FND-${String(i + 1).padStart(3, "0")}`)
    expect(findings.map((f) => f.id)).toEqual(expected)
    expect([...ackedIds].sort()).toEqual(expected)
    // Every acknowledged (id, tag) pair is the finding stored under that id.
    const byId = new Map(findings.map((f) => [f.id, f]))
    for (const l of acks) {
      const [, id, tag] = l.split(" ")
      expect(byId.get(id ?? "")?.title).toBe(`finding ${tag}`)
    }

    const view = JSON.parse(fs.readFileSync(path.join(dir, "findings.json"), "utf8")) as Array<{ id: string }>
    expect(view.map((f) => f.id)).toEqual(expected)
    const parts = ["bugs", "strengths", "improvements"].map(
      (n) =>
        JSON.parse(fs.readFileSync(path.join(dir, "findings", `${n}.json`), "utf8")) as Array<{
          id: string
          type: string
        }>
    )
    expect(parts.reduce((n, p) => n + p.length, 0)).toBe(400)
    expect(parts[0]?.every((f) => f.type === "bug")).toBe(true)
    expect(parts[1]?.every((f) => f.type === "strength")).toBe(true)
    expect(parts[2]?.every((f) => f.type === "dx")).toBe(true)
    expect(fs.existsSync(path.join(dir, "findings.lock"))).toBe(false)
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it("16 processes × 50 appends at the default lock limit: no LockTimeout, every id once, no leftovers", async () => {
    const dir = tmpDir()
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, p) => run(process.execPath, [appender, dir, "50", `q${p}`, "default"], 280_000))
    )
    for (const r of results) expect(r.stderr).toBe("")
    for (const r of results) expect(r.code).toBe(0)
    const expected = Array.from({ length: 800 }, (_, i) => `FND-${String(i + 1).padStart(3, "0")}`)
    expect(Ledger.readSync(dir).map((f) => f.id)).toEqual(expected)
    const view = JSON.parse(fs.readFileSync(path.join(dir, "findings.json"), "utf8")) as Array<{ id: string }>
    expect(view.map((f) => f.id)).toEqual(expected)
    const leftovers = [...fs.readdirSync(dir), ...fs.readdirSync(path.join(dir, "findings"))].filter(
      (n) => n.endsWith(".tmp") || n.includes(".lock")
    )
    expect(leftovers).toEqual([])
    fs.rmSync(dir, { recursive: true, force: true })
  }, 300_000)
})
