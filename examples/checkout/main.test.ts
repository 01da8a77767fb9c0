import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Pipeline, Run } from "@24h/core"
import { Ledger } from "@24h/findings"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { program } from "./main.ts"

const main = fileURLToPath(new URL("./main.ts", import.meta.url))
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
const temps: Array<string> = []
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true })
})

describe("examples/checkout", () => {
  it("runs the whole process: five pipelines, audits, silent-failure probes, findings, telemetry and reports", async () => {
    const root = temp("24h-checkout-")
    const r = await Effect.runPromise(program({ root, seed: 42, scale: 0.3, datasetCount: 50 }))

    // Every phase completed and checkpointed.
    expect((await Effect.runPromise(Run.status(r.dir))).next).toBeNull()

    // The five pipelines wrote their results, built by the library's pipeline builders.
    const results = await Effect.runPromise(Pipeline.readAll(r.dir))
    expect(results.map((x) => x.kind)).toEqual(["baseline", "stress", "chaos", "adversarial", "recovery"])
    const chaos = results.find((x) => x.kind === "chaos")!
    expect(chaos.faultWindows.map((f) => f.name)).toEqual(["latency 120±40 ms", "slow answers 400±200 ms"])
    expect(chaos.faultWindows.every((f) => f.end !== null && f.target === "proxy/payments")).toBe(true)
    // The audits count in the verdict; on the correct SUT they hold.
    const audits = chaos.checks.filter((c) => c.source === "audit")
    expect(audits.map((c) => [c.name, c.outcome])).toEqual([
      ["every 201 has a charge", "pass"],
      ["an order is charged at most once", "pass"]
    ])
    expect(chaos.checks.filter((c) => c.source === "probe").every((c) => c.outcome === "pass")).toBe(true)
    const adversarial = results.find((x) => x.kind === "adversarial")!
    expect(adversarial.verdict).toBe("pass")
    const recovery = results.find((x) => x.kind === "recovery")!
    expect(recovery.counts.recoveryMs).toBeGreaterThanOrEqual(0)
    expect(recovery.faultWindows[0]!.details?.recoveryMs).toBe(recovery.counts.recoveryMs)

    // The SUT's deliberate weakness is caught by both probes and filed as findings, with replay instructions.
    expect(r.probes).toEqual([
      { name: "malformed 200 body", outcome: "detected" },
      { name: "drifted 200 body (chargeId renamed)", outcome: "detected" }
    ])
    const findings = await Effect.runPromise(Ledger.read(r.dir))
    const silent = findings.filter((f) => f.type === "silent_failure")
    expect(silent.map((f) => f.id)).toEqual(["FND-001", "FND-002"])
    expect(silent[0]!.reproduction).toContain("H24_SEED=42")
    expect(silent[0]!.replay?.seed).toBe(42)
    // The probe's request, the fault that hit it and the finding it caused share one correlation id in the log.
    const log = readFileSync(join(r.dir, "results", "logs", "run.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { correlationId: string; component: string; msg: string })
    const thread = log.filter((l) => l.correlationId === "probe-malformed-200-body")
    expect(thread.map((l) => l.component)).toEqual(["chaos", "probe", "findings"])
    expect(thread[2]!.msg).toContain("finding FND-001 filed")
    // Fault windows are logged by the schedule itself, in the pipeline's context.
    expect(log.some((l) => l.component === "core/FaultSchedule" && l.msg.includes("slow answers"))).toBe(true)

    // Telemetry pack, JUnit, FINAL_REPORT.md and the HTML report.
    expect(readdirSync(join(r.dir, "results", "telemetry"))).toContain("run_analysis.md")
    expect(readFileSync(r.artifacts.finalReport, "utf8")).toContain("FND-001")
    expect(readFileSync(r.artifacts.junit, "utf8")).toContain("<testsuites")
    expect(existsSync(r.artifacts.html)).toBe(true)
    for (const tier of ["happy", "edge", "adversarial", "scale"])
      expect(existsSync(join(r.dir, "mocks", `payments-${tier}.ndjson`))).toBe(true)
  }, 120_000)

  it("a planted double-charge bug fails the chaos pipeline's audit with a finding, and `npm start` exits 1", () => {
    // Retries that send a fresh Idempotency-Key charge an order twice when an answer times out: the audit of
    // payments' journal sees two keys for one order, the chaos verdict fails, a finding cites the evidence.
    const cwd = temp("24h-checkout-bug-")
    const ran = spawnSync(process.execPath, ["--import", tsx, "--conditions=@24h/source", main], {
      cwd,
      env: { ...process.env, H24_CHECKOUT_BUG: "double-charge", H24_CHECKOUT_SCALE: "0.5", H24_SEED: "42" },
      encoding: "utf8",
      timeout: 120_000
    })
    expect(ran.status, ran.stderr).toBe(1)
    expect(ran.stdout).toContain("exit 1: a pipeline's verdict failed")
    const dir = join(cwd, "runs", "checkout", "latest")
    const chaos = JSON.parse(
      readFileSync(join(dir, "results", "pipelines", "chaos-payments-latency-then-slow-answers.json"), "utf8")
    ) as Pipeline.Result
    expect(chaos.verdict).toBe("fail")
    const audit = chaos.checks.find((c) => c.name === "an order is charged at most once")!
    expect(audit.outcome).toBe("fail")
    expect(audit.evidence?.[0]).toMatch(/^payments-latency-then-slow-answers-\d{6}: /)
    const findings = readFileSync(join(dir, "findings.json"), "utf8")
    expect(findings).toContain("an order is charged at most once")
    expect(findings).toContain("silent_failure")
  }, 150_000)
})
