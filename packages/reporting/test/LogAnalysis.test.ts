import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { LogAnalysis } from "../src/index.ts"
import { fixtureRun, read, tempDir } from "./helpers.ts"

const T0 = Date.parse("2026-11-24T10:00:00.000Z")
const line = (fields: Record<string, unknown>) => `${JSON.stringify(fields)}\n`
const at = (ms: number) => new Date(T0 + ms).toISOString()

const analyze = (text: string, options: LogAnalysis.Options = {}) => {
  const a = LogAnalysis.analyzer({ name: "t", ...options })
  a.push(text)
  return a.end()
}

describe("LogAnalysis.analyzer", () => {
  it("counts levels given as labels or pino numbers, components, and times given as ISO or epoch ms", () => {
    const text =
      line({ level: "info", time: at(0), component: "api", msg: "a" }) +
      line({ level: 30, time: T0 + 1000, component: "api", msg: "b" }) +
      line({ level: 40, time: T0 + 2000, component: "db", msg: "c" }) +
      line({ level: "ERROR", time: at(2500), component: "db", msg: "d" }) +
      line({ level: 60, time: T0 + 3000, msg: "e" }) +
      line({ level: "verbose", msg: "f" }) +
      "\n"
    const { stats } = analyze(text)
    expect(stats.levels).toEqual({ trace: 0, debug: 0, info: 2, warn: 1, error: 1, fatal: 1, other: 1 })
    expect(stats.components).toEqual({ api: 2, db: 2 })
    expect(stats.lines).toBe(7)
    expect(stats.blank).toBe(1)
    expect(stats.parsed).toBe(6)
    expect(stats.untimed).toBe(1)
    expect(stats.firstTime).toBe(at(0))
    expect(stats.lastTime).toBe(at(3000))
    expect(stats.durationMs).toBe(3000)
  })

  it("counts torn, non-JSON and non-object lines and carries on", () => {
    const text = `${line({ level: "info", time: at(0), msg: "ok" })}{"level":"info","ti\nSegfault\n[1,2]\n"str"\n${line({ level: "info", time: at(10), msg: "after" })}{"level":"info"`
    const { stats } = analyze(text)
    expect(stats.torn.count).toBe(5)
    expect(stats.torn.examples.map((e) => e.line)).toEqual([2, 3, 4, 5, 7])
    expect(stats.parsed).toBe(2)
  })

  it("gives the same analysis however the text is split into chunks (also through multi-byte characters)", () => {
    const text =
      line({ level: "info", time: at(0), component: "é-api", msg: "héllo ✓" }) +
      "torn {\r\n" +
      line({
        level: "error",
        time: at(5),
        component: "db",
        err: { type: "E", message: "boom 1", stack: "E: boom 1\n    at f (a.ts:1:1)" }
      }) +
      line({
        level: "error",
        time: at(9000),
        component: "db",
        err: { type: "E", message: "boom 2", stack: "E: boom 2\n    at f (a.ts:1:1)" }
      }) +
      line({ level: "warn", time: at(9100), durationMs: 2500, msg: "slow" })
    const whole = analyze(text)
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b)
        const a = LogAnalysis.analyzer({ name: "t" })
        let prev = 0
        for (const p of points) {
          a.push(text.slice(prev, p))
          prev = p
        }
        a.push(text.slice(prev))
        expect(a.end()).toEqual(whole)
      }),
      { seed: 42, numRuns: 200 }
    )
  })

  it("treats over-long lines the same however they are split", () => {
    const long = (n: number) => `{"level":"info","msg":"${"y".repeat(n)}"}`
    const text = `${line({ level: "info", time: at(0), msg: "a" })}${long(1500)}\r\n${long(1100)}\n${long(990)}\r\n${line({ level: "error", time: at(5), err: { type: "E", message: "m" } })}${line({ level: "info", time: at(6), msg: "z" })}`
    const options = { maxLineChars: 1024 }
    const whole = analyze(text, options)
    expect(whole.stats.torn.oversized).toBe(2)
    expect(whole.stats.parsed).toBe(4)
    fc.assert(
      fc.property(fc.array(fc.nat(text.length), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b)
        const a = LogAnalysis.analyzer({ name: "t", ...options })
        let prev = 0
        for (const p of points) {
          a.push(text.slice(prev, p))
          prev = p
        }
        a.push(text.slice(prev))
        expect(a.end()).toEqual(whole)
      }),
      { seed: 7, numRuns: 300 }
    )
  })

  it("groups errors by type, normalised message and top frame, with counts, first/last seen and context", () => {
    let text = ""
    for (let i = 0; i < 6; i++) {
      text += line({ level: "info", time: at(i * 100), msg: `before ${i}` })
      text += line({
        level: "error",
        time: at(i * 100 + 50),
        component: "db",
        correlationId: `c-${i}`,
        err: {
          type: "TimeoutError",
          message: `timed out after ${500 + i} ms`,
          stack: `TimeoutError: x\n    at Pool.query (/srv/app/src/pool.ts:${10 + i}:3)`
        },
        msg: "insert failed"
      })
    }
    text += line({
      level: "error",
      time: at(900),
      err: "Error: worker exited with code 137\n    at watch (s.ts:1:1)",
      msg: "crash"
    })
    text += line({ level: "warn", time: at(950), err: { type: "RangeError", message: "bad" }, msg: "recovered" })
    const { errors, stats } = analyze(text)
    expect(errors.total).toBe(8)
    expect(stats.errors).toEqual({ lines: 8, fingerprints: 3, untracked: 0 })
    const [timeouts, crash, range] = errors.groups
    expect(timeouts).toMatchObject({
      count: 6,
      type: "TimeoutError",
      component: "db",
      firstSeen: at(50),
      lastSeen: at(550),
      correlationIds: ["c-0", "c-1", "c-2", "c-3", "c-4", "c-5"]
    })
    expect(timeouts!.example.before.map((l) => l.line)).toEqual([1])
    expect(timeouts!.example.after.map((l) => l.line)).toEqual([3, 4, 5])
    expect(crash).toMatchObject({ type: "Error", message: "worker exited with code 137", count: 1 })
    expect(range).toMatchObject({ type: "RangeError", level: "warn" })
    expect(new Set(errors.groups.map((g) => g.fingerprint)).size).toBe(3)
  })

  it("finds error bursts, silent gaps and slow operations", () => {
    let text = line({ level: "info", time: at(0), msg: "start" })
    for (let i = 0; i < 25; i++) text += line({ level: "error", time: at(1000 + i * 60), msg: `e${i}` })
    text += line({ level: "info", time: at(20_000), msg: "after silence" })
    text += line({ level: "info", time: at(20_100), durationMs: 1500, msg: "slow a" })
    text += line({ level: "info", time: at(20_200), latency_ms: 3000, msg: "slow b" })
    text += line({ level: "info", time: at(20_300), responseTime: 900, msg: "fast" })
    const { stats } = analyze(text, { burstThreshold: 5, gapMs: 5000, slowMs: 1000 })
    expect(stats.anomalies.errorBursts).toEqual({
      total: 1,
      items: [{ start: at(1000), end: at(3000), errors: 25, windows: 2 }]
    })
    expect(stats.anomalies.silentGaps.items).toEqual([{ from: at(2440), to: at(20_000), gapMs: 17_560, line: 27 }])
    expect(stats.anomalies.slowOperations.items.map((s) => [s.msg, s.durationMs, s.field])).toEqual([
      ["slow b", 3000, "latency_ms"],
      ["slow a", 1500, "durationMs"]
    ])
  })

  it("keeps memory bounded: fingerprints, anomalies and line length are capped while totals stay exact", () => {
    let text = ""
    for (let i = 0; i < 50; i++)
      text += line({ level: "error", time: at(i * 10_000), err: { type: `E${i}`, message: "m" } })
    for (let i = 0; i < 30; i++) text += line({ level: "info", time: at(600_000 + i), durationMs: 5000 + i })
    text += `{"level":"info","msg":"${"x".repeat(5000)}"}\n`
    text += line({ level: "info", time: at(700_000), msg: "still parsed" })
    const { stats, errors } = analyze(text, { maxFingerprints: 10, maxAnomalies: 5, maxLineChars: 1024 })
    expect(errors.groups).toHaveLength(10)
    expect(errors.untracked).toBe(40)
    expect(stats.anomalies.silentGaps.total).toBe(51)
    expect(stats.anomalies.silentGaps.items).toHaveLength(5)
    expect(stats.anomalies.slowOperations.total).toBe(30)
    expect(stats.anomalies.slowOperations.items.map((s) => s.durationMs)).toEqual([5029, 5028, 5027, 5026, 5025])
    expect(stats.torn.oversized).toBe(1)
    expect(stats.lastTime).toBe(at(700_000))
  })
})

describe("LogAnalysis.analyzeFile / analyzeRun", () => {
  it("throws a ReportingError for bad analyzer options", () => {
    expect(() => LogAnalysis.analyzer({ name: "x", burstThreshold: 0 })).toThrow(/burstThreshold: must be >= 1/)
  })

  it("streams a file, and rejects bad options with the field named", async () => {
    const dir = tempDir()
    const path = join(dir, "app.log")
    writeFileSync(path, line({ level: "info", time: at(0), msg: "x" }).repeat(1000))
    const a = await Effect.runPromise(LogAnalysis.analyzeFile(path))
    expect(a.stats).toMatchObject({
      name: "app",
      lines: 1000,
      parsed: 1000,
      bytes: 1000 * line({ level: "info", time: at(0), msg: "x" }).length
    })
    const bad = await Effect.runPromise(Effect.flip(LogAnalysis.analyzeFile(path, { gapMs: -1 })))
    expect(bad.reason).toBe("InvalidInput")
    expect(bad.message).toContain("gapMs")
    const missing = await Effect.runPromise(Effect.flip(LogAnalysis.analyzeFile(join(dir, "nope.log"))))
    expect(missing.reason).toBe("Io")
    const notDir = await Effect.runPromise(Effect.flip(LogAnalysis.analyzeRun(join(dir, "nope"))))
    expect(notDir.reason).toBe("RunDirectory")
    expect(await Effect.runPromise(LogAnalysis.analyzeRun(dir))).toEqual([])
  })

  it("writes a telemetry pack per log of the fixture run", async () => {
    const run = fixtureRun()
    const packs = await Effect.runPromise(LogAnalysis.analyzeRun(run))
    expect(packs.map((p) => [p.log, p.stats.lines, p.stats.torn.count, p.stats.errors.lines])).toEqual([
      ["results/logs/run.log", 61, 2, 14],
      ["results/logs/worker.log", 3, 0, 1]
    ])
    const stats = LogAnalysis.Stats.parse(JSON.parse(read(join(run, "results/telemetry/run_stats.json"))))
    expect(stats.anomalies.errorBursts.total).toBe(1)
    const errors = LogAnalysis.Errors.parse(JSON.parse(read(join(run, "results/telemetry/run_errors.json"))))
    expect(errors.groups[0]!.stack).toContain("at Pool.query")
    expect(read(join(run, "results/telemetry/run_analysis.md"))).toMatchInlineSnapshot(`
      "# Telemetry: run

      \`results/logs/run.log\`: 61 lines, 12,239 bytes, 30.6 s (2026-11-24T10:00:00.000Z → 2026-11-24T10:00:30.620Z).

      ## Summary

      - 14 error lines (14 at level error or fatal, 1 fatal) in 3 distinct fingerprints.
      - Most frequent: \`TimeoutError: query timed out after 500 ms\` ×12, first at 2026-11-24T10:00:21.060Z in \`db\`.
      - 1 error burst; the first from 2026-11-24T10:00:21.000Z to 2026-11-24T10:00:22.000Z with 13 errors.
      - 2 silent gaps longer than 5 s; the longest is 11.1 s before line 44 (2026-11-24T10:00:10.000Z → 2026-11-24T10:00:21.060Z).
      - 1 slow operation over 1 s; the slowest took 1.8 s (line 58: \`batch settled\`).
      - 2 torn or non-JSON lines (skipped and counted), the first at line 31.

      ## Levels

      | level | lines |
      |---|---:|
      | info | 43 |
      | warn | 2 |
      | error | 13 |
      | fatal | 1 |

      ## Components

      | component | lines |
      |---|---:|
      | api | 45 |
      | db | 12 |
      | supervisor | 1 |
      | worker | 1 |

      ## Errors by fingerprint

      | fingerprint | count | first seen | last seen | component | error |
      |---|---:|---|---|---|---|
      | \`a1b6a93e539e\` | 12 | 2026-11-24T10:00:21.060Z | 2026-11-24T10:00:21.720Z | db | TimeoutError: query timed out after 500 ms |
      | \`ea86dd959815\` | 1 | 2026-11-24T10:00:21.820Z | 2026-11-24T10:00:21.820Z | worker | DoubleDebitError: account acct-7 debited twice for &lt;payment p-31&gt; |
      | \`51f50c1775c9\` | 1 | 2026-11-24T10:00:30.120Z | 2026-11-24T10:00:30.120Z | supervisor | Error: worker exited with code 137 |

      First occurrence of the most frequent error (line 44), with its surrounding lines:

      \`\`\`
      41  {"level":"info","time":"2026-11-24T10:00:09.500Z","component":"api","correlationId":"req-000038","route":"/payments","durationMs":52,"msg":"payment accepted"}
      42  {"level":"info","time":"2026-11-24T10:00:09.750Z","component":"api","correlationId":"req-000039","route":"/payments","durationMs":43,"msg":"payment accepted"}
      43  {"level":"info","time":"2026-11-24T10:00:10.000Z","component":"api","correlationId":"req-000040","route":"/payments","durationMs":57,"msg":"payment accepted"}
      44▶ TimeoutError: query timed out after 500 ms
      45  {"level":"error","time":"2026-11-24T10:00:21.120Z","component":"db","correlationId":"req-000101","err":{"type":"TimeoutError","message":"query timed out after 501 ms","stack":"TimeoutError: query timed out after 501 ms\\n    at Pool.query (src/db/pool.ts:88:11)\\n    at PaymentsRepo.insert (src/payments/repo.ts:41:5)","name":"TimeoutError"},"msg":"payment insert failed"}
      46  Segmentation fault (core dumped) <script>alert(1)</script>
      47  {"level":"error","time":"2026-11-24T10:00:21.180Z","component":"db","correlationId":"req-000102","err":{"type":"TimeoutError","message":"query timed out after 502 ms","stack":"TimeoutError: query timed out after 502 ms\\n    at Pool.query (src/db/pool.ts:88:11)\\n    at PaymentsRepo.insert (src/payments/repo.ts:41:5)","name":"TimeoutError"},"msg":"payment insert failed"}
      \`\`\`

      Full stacks and context for every group: \`run_errors.json\`.

      ## Anomalies

      ### Error bursts

      | start | end | errors |
      |---|---|---:|
      | 2026-11-24T10:00:21.000Z | 2026-11-24T10:00:22.000Z | 13 |

      ### Silent gaps

      | from | to | gap | before line |
      |---|---|---:|---:|
      | 2026-11-24T10:00:10.000Z | 2026-11-24T10:00:21.060Z | 11.1 s | 44 |
      | 2026-11-24T10:00:22.020Z | 2026-11-24T10:00:30.020Z | 8 s | 59 |

      ### Slow operations

      | line | time | duration | component | message |
      |---:|---|---:|---|---|
      | 58 | 2026-11-24T10:00:22.020Z | 1.8 s | api | batch settled |

      ## Torn or non-JSON lines

      | line | preview |
      |---:|---|
      | 31 | {"level":"info","time":"2026-11-24T10:00:07.300Z","component":"api","msg":"paym |
      | 46 | Segmentation fault (core dumped) &lt;script&gt;alert(1)&lt;/script&gt; |

      ## Files

      - \`run_stats.json\` — counts, time span and anomalies
      - \`run_errors.json\` — exception blocks by fingerprint with context
      "
    `)
    expect(read(join(run, "results/telemetry/worker_analysis.md"))).toMatchInlineSnapshot(`
      "# Telemetry: worker

      \`results/logs/worker.log\`: 3 lines, 437 bytes, 2 s (2026-11-24T10:00:01.000Z → 2026-11-24T10:00:03.000Z).

      ## Summary

      - 1 error line (1 at level error or fatal, 0 fatal) in 1 distinct fingerprint.
      - Most frequent: \`TimeoutError: settlement batch timed out\` ×1, first at 2026-11-24T10:00:03.000Z in \`worker\`.
      - No error bursts (≥ 10 errors in 1 s).
      - No silent gaps longer than 5 s.
      - No slow operations over 1 s.
      - Every non-blank line parsed as JSON.

      ## Levels

      | level | lines |
      |---|---:|
      | info | 1 |
      | warn | 1 |
      | error | 1 |

      ## Components

      | component | lines |
      |---|---:|
      | worker | 3 |

      ## Errors by fingerprint

      | fingerprint | count | first seen | last seen | component | error |
      |---|---:|---|---|---|---|
      | \`6c100b03fabb\` | 1 | 2026-11-24T10:00:03.000Z | 2026-11-24T10:00:03.000Z | worker | TimeoutError: settlement batch timed out |

      First occurrence of the most frequent error (line 3), with its surrounding lines:

      \`\`\`
      1  {"level":30,"time":1795514401000,"component":"worker","msg":"worker started"}
      2  {"level":40,"time":1795514402500,"component":"worker","queue":"settlements","msg":"queue depth 900"}
      3▶ TimeoutError: settlement batch timed out
      \`\`\`

      Full stacks and context for every group: \`worker_errors.json\`.

      ## Files

      - \`worker_stats.json\` — counts, time span and anomalies
      - \`worker_errors.json\` — exception blocks by fingerprint with context
      "
    `)
  })
})
