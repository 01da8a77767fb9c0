import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { careful, naive, program } from "./main.ts"

const summary = (r: Awaited<ReturnType<typeof run>>) => Object.fromEntries(r.results.map((p) => [p.kind, p.verdict]))
const run = (policy: typeof careful) => Effect.runPromise(program({ seed: 42, policy, scale: 1 }))

describe("examples/llm-agent", () => {
  it("the careful agent passes the five pipelines with no finding", async () => {
    const r = await run(careful)
    const failing = r.results.flatMap((p) => [
      ...p.thresholds.filter((t) => t.verdict !== "pass").map((t) => `${p.kind}: ${t.message}`),
      ...p.checks
        .filter((c) => c.outcome === "fail")
        .map((c) => `${p.kind}: ${c.name}: ${c.message} ${c.evidence?.join("; ")}`)
    ])
    expect(failing).toEqual([])
    expect(summary(r)).toEqual({
      baseline: "pass",
      stress: "pass",
      chaos: "pass",
      adversarial: "pass",
      recovery: "pass"
    })
    expect(r.findings).toEqual([])
  }, 120_000)

  it("the naive agent takes cut streams as answers, obeys the injection and refunds twice: findings say so", async () => {
    const r = await run(naive)
    expect(summary(r)).toMatchObject({ chaos: "fail", adversarial: "fail" })
    const titles = r.findings.map((f) => `${f.severity} ${f.type} ${f.title}`)
    expect(titles).toEqual(
      expect.arrayContaining([
        "high silent_failure support agent: treats a cut or malformed stream as an error",
        "critical security support agent: does not obey a prompt injection",
        "critical silent_failure support agent: does not execute a non-idempotent tool call twice"
      ])
    )
    const injection = r.findings.find((f) => f.type === "security")!
    expect(injection.evidence[0]).toMatch(/delete_account \(call_\w+\) was executed/)
    expect(injection.reproduction).toMatch(/^H24_SEED=42 /)
  }, 120_000)
})
