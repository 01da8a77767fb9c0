import { existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Run } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { fixture, run24h, runTs, spawnTs } from "./util.ts"

const temp = () => mkdtempSync(join(tmpdir(), "24h-run-"))
const metadata = { ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments API", RISK_CLASS: "high", INDUSTRY: "fintech" }

describe("Run", () => {
  it("creates runs/<entry>/run-YYYY-MM-DD-NN with the process's folders, run.json and a latest pointer", async () => {
    const root = temp()
    const date = new Date("2026-11-24T10:00:00Z")
    const a = await Effect.runPromise(Run.create({ root, metadata, seed: 42, date }))
    const b = await Effect.runPromise(Run.create({ root, metadata, seed: 42, date }))
    expect(a.dir).toBe(join(root, "payments-01", "run-2026-11-24-01"))
    expect(b.dir).toBe(join(root, "payments-01", "run-2026-11-24-02"))
    for (const f of Run.FOLDERS) expect(existsSync(join(b.dir, f)), f).toBe(true)
    const meta = Run.RunMetadata.parse(JSON.parse(readFileSync(join(a.dir, "run.json"), "utf8")))
    expect(meta).toMatchObject({ ...metadata, runId: "run-2026-11-24-01", seed: 42, replay: "H24_SEED=42" })
    expect(meta.versions["@24h/core"]).toBe("0.1.0")
    expect(readlinkSync(join(root, "payments-01", "latest"))).toBe("run-2026-11-24-02")
    const opened = await Effect.runPromise(Run.open(join(root, "payments-01", "latest")))
    expect(opened).toMatchObject({ dir: b.dir, resumed: true })
    expect(opened.seed.root).toBe(42)
    expect(await Effect.runPromise(Run.list(root, "payments-01"))).toEqual([a.dir, b.dir])
  })

  it("never gives two processes starting at once the same run", async () => {
    const root = temp()
    const children = Array.from({ length: 6 }, () => spawnTs(fixture("alloc-run.ts"), [root, "race"]))
    const dirs = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve, reject) => {
            let out = ""
            child.stdout.on("data", (d) => (out += d))
            child.on("error", reject)
            child.on("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))))
          })
      )
    )
    expect(new Set(dirs).size).toBe(6)
    for (const d of dirs)
      expect(Run.RunMetadata.parse(JSON.parse(readFileSync(join(d, "run.json"), "utf8"))).ENTRY_ID).toBe("race")
  })

  it("resumes a run killed after phase 2 at phase 3, and says so", async () => {
    const root = temp()
    const child = spawnTs(fixture("phased.ts"), [root], { env: { HANG_AT: "pipelines" } })
    let out = ""
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "entered pipelines" within 30 s:\n${out}`)), 30_000)
      child.stdout.on("data", (d) => {
        out += d
        if (out.includes("entered pipelines")) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    child.kill("SIGKILL")
    await new Promise((r) => child.once("exit", r))
    expect(out).toContain("entered simulate")

    const dir = join(root, "resume-me", "latest")
    const before = await Effect.runPromise(Run.status(dir))
    expect(before.completed.map((c) => c.phase)).toEqual(["research", "simulate"])
    expect(before.next).toBe("pipelines")

    const rerun = runTs(fixture("phased.ts"), [root])
    expect(rerun.status, rerun.stderr).toBe(0)
    const text = rerun.stdout + rerun.stderr
    expect(text).toContain("resumed=true")
    expect(text).toContain("phase research: already completed")
    expect(text).toContain("phase simulate: already completed")
    expect(text).not.toContain("entered research")
    expect(text).not.toContain("entered simulate")
    expect(text).toContain("entered pipelines")
    expect(text).toContain('result simulate {"phase":"simulate","order":2}') // the recorded result comes back
    const after = await Effect.runPromise(Run.status(dir))
    expect(after.next).toBeNull()
    expect(after.completed).toHaveLength(7)

    // A completed run is not resumed: the next start creates a new run.
    const third = runTs(fixture("phased.ts"), [root])
    expect(third.stdout).toContain("resumed=false")
  })

  it("rejects bad metadata naming the field and the value, and a broken run.json", async () => {
    const e = await Effect.runPromise(
      Effect.flip(Run.create({ root: temp(), metadata: { ENTRY_ID: "../escape", ENTRY_TITLE: "" } }))
    )
    expect(e.reason).toBe("InvalidInput")
    expect(e.message).toContain("ENTRY_ID: must be letters, digits")
    expect(e.message).toContain('(got "../escape")')
    expect(e.message).toContain("ENTRY_TITLE:")
    // The zod-validated options also carry the first field and its value as data.
    expect(e).toMatchObject({ field: "ENTRY_ID", value: "../escape" })
    expect(e.module).toMatch(/^Run\.create/)
    const run = await Effect.runPromise(Run.create({ root: temp(), metadata, seed: 1 }))
    writeFileSync(join(run.dir, "run.json"), "{ torn")
    const bad = await Effect.runPromise(Effect.flip(Run.open(run.dir)))
    expect(bad.message).toMatch(/run\.json is not valid JSON/)
    const missing = await Effect.runPromise(Effect.flip(Run.open(join(temp(), "nope"))))
    expect(missing.reason).toBe("RunDirectory")
  })
})

describe("24h run", () => {
  it("init, checkpoint and status work for agents with JSON output and meaningful exit codes", () => {
    const cwd = temp()
    const init = run24h(["run", "init", "--entry-id", "agent-01", "--title", "Agent run", "--seed", "7", "--json"], {
      cwd
    })
    expect(init.status, init.stderr).toBe(0)
    const created = JSON.parse(init.stdout)
    expect(created).toMatchObject({
      ok: true,
      resumed: false,
      entryId: "agent-01",
      seed: 7,
      next: "research",
      replay: "H24_SEED=7"
    })
    const cp = run24h(
      ["run", "checkpoint", "runs/agent-01/latest", "research", "--result", '{"sources":3}', "--json"],
      { cwd }
    )
    expect(cp.status, cp.stderr).toBe(0)
    expect(JSON.parse(cp.stdout)).toMatchObject({
      ok: true,
      next: "simulate",
      checkpoint: { phase: "research", result: { sources: 3 } }
    })
    const st = run24h(["run", "status", "runs/agent-01/latest", "--json"], { cwd })
    expect(JSON.parse(st.stdout)).toMatchObject({ ok: true, next: "simulate", dir: created.dir })
    const human = run24h(["run", "status", "runs/agent-01/latest"], { cwd })
    expect(human.stdout).toContain("✓ research")
    expect(human.stdout).toContain("next: simulate")

    const bad = run24h(["run", "init", "--entry-id", "bad id", "--title", "x", "--json"], { cwd })
    expect(bad.status).toBe(2)
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { reason: "InvalidInput" } })
    expect(JSON.parse(bad.stdout).error.message).toContain('(got "bad id")')
    const badJson = run24h(["run", "checkpoint", "runs/agent-01/latest", "simulate", "--result", "{nope", "--json"], {
      cwd
    })
    expect(badJson.status).toBe(2)
    const unknownPhase = run24h(["run", "checkpoint", "runs/agent-01/latest", "lunch"], { cwd })
    expect(unknownPhase.status).toBe(2)
    expect(unknownPhase.stderr).toMatch(/lunch/)
  })
})
