import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Run } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { FinalReport, LogAnalysis } from "../src/index.ts"
import { fixtureRun, read, tempDir } from "./helpers.ts"

const withPacks = async () => {
  const run = fixtureRun()
  await Effect.runPromise(LogAnalysis.analyzeRun(run))
  return run
}

describe("FinalReport", () => {
  it("renders FINAL_REPORT.md from the fixture run", async () => {
    const run = await withPacks()
    const { path, checklist } = await Effect.runPromise(FinalReport.write(run))
    expect(path).toBe(join(run, "FINAL_REPORT.md"))
    expect(checklist.every((c) => c.done)).toBe(true)
    expect(read(path)).toMatchInlineSnapshot(`
      "# Final report: Payments API under database faults

      ## Summary

      - **Overall verdict: ERROR** — 5 pipelines: 1 pass, 3 fail, 1 error.
      - Findings: 6 (1 critical, 1 high, 1 medium, 1 low, 2 info).
      - Invariants: 7 checked, 1 violated, 1 never hit.
      - Telemetry: 2 logs, 15 error lines across 2 packs.
      - Success checklist: 8/8 complete.

      ## Run metadata

      | field | value |
      |---|---|
      | ENTRY_ID | payments-01 |
      | ENTRY_TITLE | Payments API under database faults |
      | PRIORITY | P1 |
      | RISK_CLASS | high |
      | INDUSTRY | fintech |
      | DEPLOYMENT_MODE | kubernetes |
      | Run | run-2026-11-24-01 |
      | Seed | 42 |
      | Started | 2026-11-24T10:00:00.000Z |
      | Replay | \`H24_SEED=42 npx vitest run payments\` |
      | version: @24h/core | 0.1.0 |
      | version: node | v20.20.2 |

      Phases: research ✓ (2026-11-24T09:59:00.000Z), simulate (not completed), pipelines (not completed), execute (not completed), dx-review (not completed), report (not completed), recommend (not completed).

      ## Research

      - [research/payments-01-summary.md](research/payments-01-summary.md)

      ## Pipelines

      ### baseline: happy-path — ✅ pass

      2026-11-24T10:00:00.000Z → 2026-11-24T10:00:03.000Z (3 s); 60 requests, 0 errors (0%); latency p50 51.007 ms, p95 61.023 ms, p99 62.015 ms, max 62 ms. Result: [results/pipelines/baseline-happy-path.json](results/pipelines/baseline-happy-path.json).

      | threshold | actual | verdict |
      |---|---|---|
      | \`p95 < 200ms\` | p95 was 61.023ms (pass) | ✅ pass |
      | \`errorRate < 1%\` | errorRate was 0% (pass) | ✅ pass |

      ### stress: ramp — ❌ fail

      2026-11-24T10:00:10.000Z → 2026-11-24T10:00:13.200Z (3.2 s); 80 requests, 2 errors (2.5%); latency p50 189.055 ms, p95 295.167 ms, p99 311.039 ms, max 311 ms. Result: [results/pipelines/stress-ramp.json](results/pipelines/stress-ramp.json).

      | threshold | actual | verdict |
      |---|---|---|
      | \`p99 < 250ms\` | p99 was 311.039ms (fail) | ❌ fail |
      | \`throughput > 10/s\` | throughput was 25/s (pass) | ✅ pass |

      Counters: retries 4.

      ### chaos: db-flap — ❌ fail

      2026-11-24T10:00:20.000Z → 2026-11-24T10:00:23.000Z (3 s); 60 requests, 7 errors (11.67%); latency p50 64.031 ms, p95 339.199 ms, p99 342.015 ms, max 342 ms. Result: [results/pipelines/chaos-db-flap.json](results/pipelines/chaos-db-flap.json).

      | threshold | actual | verdict |
      |---|---|---|
      | \`errorRate < 5%\` | errorRate was 11.667% (fail) | ❌ fail |
      | \`p95 < 400ms\` | p95 was 339.199ms (pass) | ✅ pass |

      Faults: latency on db 2026-11-24T10:00:21.050Z → 2026-11-24T10:00:22.300Z.

      > db latency toxic at 300 ms between 21.0 s and 22.3 s

      ### adversarial: prompt-injection — ❌ fail

      2026-11-24T10:00:30.000Z → 2026-11-24T10:00:32.000Z (2 s); 20 requests, 0 errors (0%); latency p50 91.007 ms, p95 101.055 ms, p99 102.015 ms, max 102 ms. Result: [results/pipelines/adversarial-prompt-injection.json](results/pipelines/adversarial-prompt-injection.json).

      | threshold | actual | verdict |
      |---|---|---|
      | \`blocked >= 10\` | blocked was 20 (pass) | ✅ pass |

      Counters: blocked 20.

      ### recovery: failover — ⚠️ error

      2026-11-24T10:00:40.000Z → 2026-11-24T10:00:41.800Z (1.8 s); 30 requests, 3 errors (10%); latency p50 86.015 ms, p95 219.007 ms, p99 220.031 ms, max 220 ms. Result: [results/pipelines/recovery-failover.json](results/pipelines/recovery-failover.json).

      | threshold | actual | verdict |
      |---|---|---|
      | \`p95 < 500ms\` | p95 was 219.007ms (pass) | ✅ pass |
      | \`resumed >= 1\` | no data for metric "resumed" | ⚠️ error |

      ## Invariants

      5 of 7 held.

      Violated:

      | pipeline | invariant | kind | what happened |
      |---|---|---|---|
      | chaos/db-flap | no double debit | always | false 1 of 60 times |

      Never hit:

      | pipeline | invariant | kind | what happened |
      |---|---|---|---|
      | adversarial/prompt-injection | rate limiter tripped | reachable | never reached |

      ## Silent-failure probes

      | probe | pipeline | method | outcome | evidence |
      |---|---|---|---|---|
      | ledger balance audit after the db fault — acct-7 debited twice | chaos/db-flap | state audit | **detected** | FND-002, results/pipelines/chaos-db-flap.json |
      | metrics counters moved with traffic | \\- | metric check | clean | results/pipelines/baseline-happy-path.json |
      | retries masked 3 timeouts as successful payments | chaos/db-flap | pipeline note | noted | results/pipelines/chaos-db-flap.json |

      ## Telemetry packs

      | log | lines | errors | fingerprints | bursts | gaps | slow | torn | pack |
      |---|---:|---:|---:|---:|---:|---:|---:|---|
      | results/logs/run.log | 61 | 14 | 3 | 1 | 2 | 1 | 2 | [analysis](results/telemetry/run_analysis.md), [stats](results/telemetry/run_stats.json), [errors](results/telemetry/run_errors.json) |
      | results/logs/worker.log | 3 | 1 | 1 | 0 | 0 | 0 | 0 | [analysis](results/telemetry/worker_analysis.md), [stats](results/telemetry/worker_stats.json), [errors](results/telemetry/worker_errors.json) |

      ## Developer experience

      From [dx-review/scorecard.json](dx-review/scorecard.json):

      | dimension | score | explanation |
      |---|:---:|---|
      | Discoverability of APIs and configuration | 4/5 | Every module is reachable from the barrel; \\\`24h --help\\\` lists the commands. |
      | Clarity of contracts and docs | 3/5 | Result records are typed, but threshold syntax is only shown by example. (evidence: FND-005) |
      | Error messages and debuggability | 4/5 | Errors name the field and the value. |
      | Boilerplate vs reusable helpers | 3/5 | Each pipeline wires its own recorder and invariants. |
      | Flexibility and extensibility | 5/5 | Any Effect can be a pipeline body. |
      | **Average** | **3.8** | |

      Documentation gaps:

      - **Threshold expressions** — No reference lists the metrics and units. (docs/pipelines.md)
      - **Fault windows** — Reports shade fault windows, but no guide shows how to record them.

      Reviewed by fixture agent.

      ## Findings by severity

      ### critical (1)

      | id | type | component | title | evidence |
      |---|---|---|---|---|
      | <a id="fnd-001"></a>FND-001 | silent_failure | payments-api | Retries mask timeouts as successful payments | results/logs/run.log, results/pipelines/chaos-db-flap.json |

      ### high (1)

      | id | type | component | title | evidence |
      |---|---|---|---|---|
      | <a id="fnd-002"></a>FND-002 | bug | ledger | Double debit under db latency | results/pipelines/chaos-db-flap.json |

      ### medium (1)

      | id | type | component | title | evidence |
      |---|---|---|---|---|
      | <a id="fnd-003"></a>FND-003 | performance | api | p99 over 250 ms from 60 req/s | - |

      ### low (1)

      | id | type | component | title | evidence |
      |---|---|---|---|---|
      | <a id="fnd-004"></a>FND-004 | security | api | &lt;script&gt;alert(1)&lt;/script&gt; | - |

      ### info (2)

      | id | type | component | title | evidence |
      |---|---|---|---|---|
      | <a id="fnd-005"></a>FND-005 | dx | sdk | Threshold syntax is only documented by example \\| pipes &amp; \\*stars\\* | - |
      | <a id="fnd-006"></a>FND-006 | strength | api | Circuit breaker recovers within 2 s | - |

      ## Recommendations

      ### Framework / SUT

      1. **[high]** Make payment retries idempotent (idempotency keys on insert) — cites [FND-001](#fnd-001), [FND-002](#fnd-002)
      2. Publish a threshold reference with every metric and unit — cites [FND-005](#fnd-005)

      ### Industry persona (fintech)

      1. Page on-call when silent gaps exceed 5 s during settlement — cites [results/logs/run.log](results/logs/run.log)
      2. Set a 250 ms p99 SLO for card authorisation — cites [FND-003](#fnd-003), [results/pipelines/stress-ramp.json](results/pipelines/stress-ramp.json)

      ## Success checklist

      - [x] Research summary with hypotheses and risks — research/payments-01-summary.md
      - [x] Mocks + datasets representing happy/edge/adversarial/scale cases — 1 file under mocks/, 1 file under tests/fixtures/
      - [x] Full pipeline suite (baseline, stress, chaos, adversarial, recovery) — baseline, stress, chaos, adversarial, recovery
      - [x] Silent failure probes with evidence — 3 probes with evidence (1 detected)
      - [x] Complete telemetry packs (logs, metrics, traces) per run — 2 logs, 2 packs, 1 metrics file, 1 trace file
      - [x] DX evaluation + documentation feedback — dx-review/scorecard.json (average 3.8, 2 documentation gaps)
      - [x] Findings captured in the ledger — 6 findings
      - [x] Final report + recommendations delivered — FINAL\\_REPORT.md, 2 framework and 2 persona recommendations
      "
    `)
  })

  it("is deterministic: the same run renders to the same bytes", async () => {
    const run = await withPacks()
    const a = await Effect.runPromise(FinalReport.make(run))
    const b = await Effect.runPromise(FinalReport.make(run))
    expect(a.markdown).toBe(b.markdown)
  })

  it("fails on an uncited recommendation, naming it, and writes nothing", async () => {
    const run = await withPacks()
    writeFileSync(
      join(run, "recommendations.json"),
      JSON.stringify({ framework: [{ text: "Add retries everywhere", cites: [] }], persona: [] })
    )
    const e = await Effect.runPromise(Effect.flip(FinalReport.write(run)))
    expect(e._tag).toBe("ReportingError")
    expect(e.reason).toBe("UncitedRecommendation")
    expect(e.message).toContain(
      'recommendations.framework[0] "Add retries everywhere" cites no finding id or evidence path'
    )
    expect(existsSync(join(run, "FINAL_REPORT.md"))).toBe(false)
  })

  it("fails on a citation of a finding id that is not in the ledger", async () => {
    const run = await withPacks()
    writeFileSync(join(run, "recommendations.json"), JSON.stringify({ framework: [{ text: "X", cites: ["FND-042"] }] }))
    const e = await Effect.runPromise(Effect.flip(FinalReport.make(run)))
    expect(e.reason).toBe("UnknownCitation")
    expect(e.message).toContain("FND-042, which is not in the findings ledger")
  })

  it("evaluates the checklist from what exists: a bare run has everything missing", async () => {
    const run = await Effect.runPromise(
      Run.create({ root: tempDir(), metadata: { ENTRY_ID: "bare", ENTRY_TITLE: "Bare run" }, seed: 1 })
    )
    const report = await Effect.runPromise(FinalReport.make(run.dir))
    expect(report.checklist.map((c) => `${c.done ? "x" : " "} ${c.missing}`)).toMatchInlineSnapshot(`
      [
        "  no research/<entry>-summary.md",
        "  mocks/ and tests/fixtures/ are empty",
        "  no baseline, stress, chaos, adversarial, recovery result in results/pipelines/",
        "  no results/silent-failures.json and no silent-failure: notes",
        "  no results/logs/*.log; no non-empty results/metrics/*.json; no non-empty results/traces/*.jsonl",
        "  no dx-review/scorecard.json or results/scorecard.json",
        "  the findings ledger is empty (if findings were filed elsewhere, e.g. the repository root, pass --findings DIR)",
        "  no recommendations.json",
      ]
    `)
    expect(report.markdown).toContain("**Overall verdict: no pipelines**")
  })

  it("reads findings from the type-specific ledgers when there is no findings.json, or from another directory", async () => {
    const run = await withPacks()
    const findings = JSON.parse(read(join(run, "findings.json"))) as Array<{ type: string }>
    rmSync(join(run, "findings.json"))
    mkdirSync(join(run, "findings"), { recursive: true })
    writeFileSync(
      join(run, "findings", "bugs.json"),
      JSON.stringify(findings.filter((f) => f.type !== "strength" && f.type !== "dx"))
    )
    writeFileSync(
      join(run, "findings", "strengths.json"),
      JSON.stringify(findings.filter((f) => f.type === "strength"))
    )
    writeFileSync(join(run, "findings", "improvements.json"), JSON.stringify(findings.filter((f) => f.type === "dx")))
    const inputs = await Effect.runPromise(FinalReport.load(run))
    expect(inputs.findings.map((f) => f.id)).toEqual(["FND-001", "FND-002", "FND-003", "FND-004", "FND-005", "FND-006"])
    const elsewhere = tempDir()
    writeFileSync(join(elsewhere, "findings.json"), JSON.stringify(findings.slice(0, 2)))
    const other = await Effect.runPromise(FinalReport.load(run, { findings: elsewhere }))
    expect(other.findings).toHaveLength(2)
  })

  it("rejects a directory that is not a run, and an invalid input file, naming the file and field", async () => {
    const notRun = await Effect.runPromise(Effect.flip(FinalReport.make(tempDir())))
    expect(notRun.reason).toBe("RunDirectory")
    const run = await withPacks()
    writeFileSync(
      join(run, "results", "silent-failures.json"),
      JSON.stringify({ probes: [{ name: "p", method: "m", outcome: "maybe" }] })
    )
    const bad = await Effect.runPromise(Effect.flip(FinalReport.make(run)))
    expect(bad.reason).toBe("InvalidInput")
    expect(bad.message).toContain("silent-failures.json: probes.0.outcome:")
  })

  it("ticks telemetry only with non-empty metrics and traces, datasets only with a non-empty tests/fixtures/", async () => {
    const run = await withPacks()
    const item = async (name: string) => {
      const report = await Effect.runPromise(FinalReport.make(run))
      return report.checklist.find((c) => c.item.startsWith(name))
    }
    expect((await item("Complete telemetry"))?.done).toBe(true)
    writeFileSync(join(run, "results", "metrics", "baseline-happy-path.json"), "")
    expect(await item("Complete telemetry")).toMatchObject({
      done: false,
      missing: "no non-empty results/metrics/*.json"
    })
    rmSync(join(run, "results", "metrics"), { recursive: true })
    rmSync(join(run, "results", "traces"), { recursive: true })
    expect((await item("Complete telemetry"))?.missing).toBe(
      "no non-empty results/metrics/*.json; no non-empty results/traces/*.jsonl"
    )
    expect((await item("Mocks + datasets"))?.done).toBe(true)
    rmSync(join(run, "tests", "fixtures"), { recursive: true })
    mkdirSync(join(run, "tests", "fixtures"))
    writeFileSync(join(run, "tests", "fixtures", "empty.json"), "")
    expect(await item("Mocks + datasets")).toMatchObject({
      done: false,
      missing: "tests/fixtures/ is empty (no datasets; `24h dataset` writes them)"
    })
  })

  it("flags a security finding without a recommendation, and lists every phase including recommend", async () => {
    const run = await withPacks()
    const view = join(run, "findings.json")
    const findings = JSON.parse(read(view)) as Array<{ id: string; type: string; recommendation: string }>
    writeFileSync(
      view,
      JSON.stringify(findings.map((f) => (f.type === "security" ? { ...f, recommendation: " " } : f)))
    )
    const report = await Effect.runPromise(FinalReport.make(run))
    const security = findings.filter((f) => f.type === "security").map((f) => f.id)
    expect(report.checklist.find((c) => c.item.startsWith("Findings captured"))).toMatchObject({
      done: false,
      missing: `security finding without a recommendation: ${security.join(", ")}`
    })
    expect(report.markdown).toMatch(
      /Phases: research ✓ \([^)]*\), simulate \(not completed\),.* recommend \(not completed\)\./
    )
  })
})
