import { existsSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Pipeline, Run } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { program } from "./main.ts"

describe("examples/quickstart", () => {
  it("creates a run, drives a real HTTP service through a baseline, and writes logs and a pipeline result", async () => {
    const root = mkdtempSync(join(tmpdir(), "24h-quickstart-"))
    const r = await Effect.runPromise(program({ root, seed: 42, requests: 150 }))
    expect(r.verdict).toBe("pass")
    expect(r.summary.count).toBe(150)
    expect(r.dir).toMatch(/quickstart\/run-\d{4}-\d{2}-\d{2}-01$/)
    const result = Pipeline.Result.parse(JSON.parse(readFileSync(r.resultPath, "utf8")))
    expect(result).toMatchObject({ kind: "baseline", name: "orders", requests: 150, errors: 0, seed: 42 })
    expect(result.invariants.passed).toBe(true)
    expect(result.thresholds.every((t) => t.verdict === "pass")).toBe(true)
    const lines = readFileSync(r.logPath, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(lines.some((l) => l.msg === "pipeline baseline/orders: pass")).toBe(true)
    expect(lines.every((l) => typeof l.correlationId === "string" && typeof l.component === "string")).toBe(true)
    expect(existsSync(join(r.dir, "run.json"))).toBe(true)
    const status = await Effect.runPromise(Run.status(r.dir))
    expect(status.completed.map((c) => c.phase)).toEqual(["research"])
  })
})
