import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Pipeline, Run } from "@24h/core"
import { Ledger } from "@24h/findings"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { program } from "./main.ts"

describe("examples/checkout", () => {
  it("runs the whole process: five pipelines, silent-failure probes, findings, telemetry and reports", async () => {
    const root = mkdtempSync(join(tmpdir(), "24h-checkout-"))
    const r = await Effect.runPromise(program({ root, seed: 42, scale: 0.3, datasetCount: 50 }))

    // Every phase completed and checkpointed.
    const status = await Effect.runPromise(Run.status(r.dir))
    expect(status.next).toBeNull()

    // The five pipelines wrote their results; the hostile-input pipeline found the unknown-key gap.
    const results = await Effect.runPromise(Pipeline.readAll(r.dir))
    expect(results.map((x) => x.kind)).toEqual(["baseline", "stress", "chaos", "adversarial", "recovery"])
    const adversarial = results.find((x) => x.kind === "adversarial")!
    expect(adversarial.verdict).toBe("fail")
    expect(adversarial.invariants.entries.find((e) => e.name === "hostile input causes a 5xx")?.verdict).toBe("pass")
    const chaos = results.find((x) => x.kind === "chaos")!
    expect(chaos.faultWindows.map((f) => f.name)).toEqual([
      "latency 120±40 ms (payments → checkout)",
      "reset_peer, toxicity 0.2"
    ])
    expect(chaos.faultWindows.every((f) => f.end !== null)).toBe(true)
    expect(chaos.counts.duplicateCharges).toBe(0)

    // The SUT's deliberate weakness is caught by both probes and filed as findings, with replay instructions.
    expect(r.probes).toEqual([
      { name: "malformed 200 body", outcome: "detected" },
      { name: "drifted 200 body (chargeId renamed)", outcome: "detected" }
    ])
    const findings = await Effect.runPromise(Ledger.read(r.dir))
    const silent = findings.filter((f) => f.type === "silent_failure")
    expect(silent.map((f) => f.id)).toEqual(["FND-001", "FND-002"])
    expect(silent[0]!.reproduction).toContain("H24_SEED=42")
    expect(findings.some((f) => f.type === "strength")).toBe(true)
    // The probe's request, the fault that hit it and the finding it caused share one correlation id in the log.
    const log = readFileSync(join(r.dir, "results", "logs", "run.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { correlationId: string; component: string; msg: string })
    const thread = log.filter((l) => l.correlationId === "probe-malformed-200-body")
    expect(thread.map((l) => l.component)).toEqual(["chaos", "probe", "findings"])
    expect(thread[2]!.msg).toContain("finding FND-001 filed")

    // Telemetry pack, JUnit, FINAL_REPORT.md (recommendations cite the findings) and the HTML report.
    expect(readdirSync(join(r.dir, "results", "telemetry")).sort()).toEqual([
      "run_analysis.md",
      "run_errors.json",
      "run_stats.json"
    ])
    const report = readFileSync(r.artifacts.finalReport, "utf8")
    expect(report).toContain("FND-001")
    expect(report).toContain("adversarial")
    expect(readFileSync(r.artifacts.junit, "utf8")).toContain("<testsuites")
    expect(existsSync(r.artifacts.html)).toBe(true)
    for (const tier of ["happy", "edge", "adversarial", "scale"])
      expect(existsSync(join(r.dir, "mocks", `payments-${tier}.ndjson`))).toBe(true)
  })
})
