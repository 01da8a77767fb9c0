/**
 * Ledger append benchmark: the cost of one `add` at ledger sizes 100, 1,000 and 10,000, against what
 * `add_finding.py` does (load `findings.json`, append, rewrite the whole file atomically: temp file, fsync, rename),
 * and against a bare fsync'd NDJSON append (the floor), all measured in the same run.
 *
 *   npx tsx --conditions=@24h/source packages/findings/benchmark/Ledger.ts
 *   npx tsx --conditions=@24h/source packages/findings/benchmark/Ledger.ts --iterations 30   # quicker
 *   npx tsx --conditions=@24h/source packages/findings/benchmark/Ledger.ts --sync-views     # fsync the views too
 *
 * Each task runs a fixed number of appends on a ledger prefilled to the size (so the ledger grows by at most that
 * many entries during the measurement), in rounds that interleave the sizes; the table shows the median of the
 * per-round means, which keeps load from other processes on a shared machine from landing on one size only. Files live in a temporary directory on the same filesystem as os.tmpdir().
 * At 100 entries a second ledger runs the same adds under core's `Telemetry.layer` (spans and metrics exported to
 * files, `endpoint: null`): the "traced ÷ untraced" ratio is the cost of the `Ledger.add` span and metrics.
 * Targets: ≤ 1.5× growth of the ledger's append latency from 100 to 10,000 entries, and ≥ 10× faster than the atomic
 * rewrite at 10,000.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Telemetry } from "@24h/core"
import { Effect, ManagedRuntime } from "effect"
import { Bench } from "tinybench"
import { Finding, Ledger } from "../src/index.ts"

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const ITERATIONS = flag("iterations", 100)
const SIZES = [100, 1_000, 10_000]

const payloadOf = (i: number) => ({
  title: `Retries hide upstream 503s (variant ${i})`,
  severity: "high",
  description: `The payments client retries 503 responses forever and reports success to the caller. ${"Evidence follows. ".repeat(12)}`,
  component: "payments-client",
  reproduction: "Start the mock with a 503 toxic, run the checkout scenario, watch the ledger.",
  expected_behavior: "A failure surfaced to the caller after 3 attempts.",
  actual_behavior: "HTTP 200 with an empty body.",
  evidence: ["results/logs/run-01.log:120-180"],
  impact: "Orders silently dropped.",
  recommendation: "Cap retries and propagate the error.",
  metadata: { persona: "sre", run: "run-2026-11-24-01" }
})

const findingOf = (i: number): Finding.Finding => ({
  id: Finding.formatId(i),
  entry_id: "bench",
  type: "bug",
  ...(payloadOf(i) as Omit<Finding.Payload, "type" | "entry_id">),
  severity: "high",
  created_at: new Date(1_764_000_000_000 + i).toISOString(),
  agent: "benchmark"
})

const fsyncDir = (dir: string) => {
  const fd = fs.openSync(dir, "r")
  fs.fsyncSync(fd)
  fs.closeSync(fd)
}

/** What add_finding.py does: load findings.json, append, write a temp file, fsync, rename over the original. */
const rewriteAppend = (file: string, i: number) => {
  const all = JSON.parse(fs.readFileSync(file, "utf8")) as Array<Finding.Finding>
  all.push(findingOf(i))
  const tmp = `${file}.tmp`
  const fd = fs.openSync(tmp, "w")
  fs.writeFileSync(fd, `${JSON.stringify(all, null, 2)}\n`)
  fs.fsyncSync(fd)
  fs.closeSync(fd)
  fs.renameSync(tmp, file)
  fsyncDir(path.dirname(file))
}

const ROUNDS = flag("rounds", 5)
const root = fs.mkdtempSync(path.join(os.tmpdir(), "24h-ledger-bench-"))
const rows: Array<{
  size: number
  ledger: number
  ledgerP99: number
  rewrite: number
  floor: number
  traced: number | undefined
}> = []
const TRACED_SIZE = 100
const memory = { plain: [] as Array<number>, traced: [] as Array<number> }
const telemetry = ManagedRuntime.make(
  Telemetry.layer({ dir: path.join(root, "telemetry"), endpoint: null, exportInterval: "1 second" })
)
const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}
try {
  // Prefill every size first; then measure in rounds that interleave the sizes, so that load from other processes
  // on the machine falls on all sizes alike, and report the median of the per-round means.
  const cases = []
  for (const size of SIZES) {
    const ledgerDir = path.join(root, `ledger-${size}`)
    const rewriteDir = path.join(root, `rewrite-${size}`)
    fs.mkdirSync(ledgerDir, { recursive: true })
    fs.mkdirSync(rewriteDir, { recursive: true })
    const prefill = Array.from({ length: size }, (_, i) => findingOf(i + 1))
    fs.writeFileSync(path.join(ledgerDir, "findings.ndjson"), prefill.map((f) => `${JSON.stringify(f)}\n`).join(""))
    await Effect.runPromise(Ledger.repair(ledgerDir)) // builds findings.json and findings/*.json from the journal
    fs.writeFileSync(path.join(rewriteDir, "findings.json"), `${JSON.stringify(prefill, null, 2)}\n`)
    const floorFile = path.join(rewriteDir, "floor.ndjson")
    fs.writeFileSync(floorFile, prefill.map((f) => `${JSON.stringify(f)}\n`).join(""))
    const ledger = await Effect.runPromise(
      Ledger.makeFile({ dir: ledgerDir, syncViews: process.argv.includes("--sync-views") })
    )
    let n = size
    const addOne = () =>
      Effect.runPromise(ledger.add({ type: "bug", entryId: "bench", agent: "benchmark", payload: payloadOf(++n) }))
    await addOne() // the process's first add reads the journal once; later adds read only what others appended
    let addTraced: (() => Promise<unknown>) | undefined
    if (size === TRACED_SIZE) {
      const tracedDir = path.join(root, `traced-${size}`)
      fs.cpSync(ledgerDir, tracedDir, { recursive: true })
      const traced = await telemetry.runPromise(Ledger.makeFile({ dir: tracedDir }))
      let t = n
      addTraced = () =>
        telemetry.runPromise(traced.add({ type: "bug", entryId: "bench", agent: "benchmark", payload: payloadOf(++t) }))
      await addTraced()
    }
    let m = size
    let k = size
    cases.push({
      size,
      ledgerDir,
      addOne,
      addTraced,
      rewrite: () => rewriteAppend(path.join(rewriteDir, "findings.json"), ++m),
      floor: () => {
        const fd = fs.openSync(floorFile, "a")
        fs.writeSync(fd, `${JSON.stringify(findingOf(++k))}\n`)
        fs.fdatasyncSync(fd)
        fs.closeSync(fd)
      },
      samples: {
        ledger: [] as Array<number>,
        ledgerP99: [] as Array<number>,
        rewrite: [] as Array<number>,
        floor: [] as Array<number>,
        traced: [] as Array<number>
      }
    })
  }
  const perRound = Math.max(1, Math.ceil(ITERATIONS / ROUNDS))
  const kinds = ["ledger", "traced", "floor", "rewrite"] as const
  for (let r = 0; r < ROUNDS; r++) {
    // The ledger's appends at every size run back to back, before the rewrites' large writes of the round.
    for (const kind of kinds) {
      for (const c of cases) {
        if (kind === "traced" && c.addTraced === undefined) continue
        const bench = new Bench({ iterations: perRound, time: 0, warmupIterations: 2, warmupTime: 0 })
        bench.add(
          kind,
          kind === "ledger" ? c.addOne : kind === "traced" ? c.addTraced! : kind === "floor" ? c.floor : c.rewrite
        )
        await bench.run()
        const result = bench.tasks[0]?.result as unknown as { latency: { mean: number; p99: number } } | undefined
        if (result === undefined) throw new Error(`no result for ${kind} @${c.size}`)
        const latency = result.latency
        c.samples[kind].push(latency.mean)
        if (kind === "ledger") c.samples.ledgerP99.push(latency.p99)
      }
    }
  }
  for (const c of cases) {
    rows.push({
      size: c.size,
      ledger: median(c.samples.ledger),
      ledgerP99: median(c.samples.ledgerP99),
      rewrite: median(c.samples.rewrite),
      floor: median(c.samples.floor),
      traced: c.samples.traced.length === 0 ? undefined : median(c.samples.traced)
    })
    // Sanity: the ledger is still whole and plain JSON.
    const view = JSON.parse(fs.readFileSync(path.join(c.ledgerDir, "findings.json"), "utf8")) as Array<unknown>
    if (view.length !== Ledger.readSync(c.ledgerDir).length) throw new Error(`findings.json out of step at ${c.size}`)
  }
  // The span and metrics alone, without the disk: the in-memory ledger, untraced and under Telemetry.layer.
  const memPlain = await Effect.runPromise(Ledger.makeMemory())
  const memTraced = await telemetry.runPromise(Ledger.makeMemory())
  let p = 0
  let q = 0
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of ["plain", "traced"] as const) {
      const bench = new Bench({ iterations: 1_000, time: 0, warmupIterations: 50, warmupTime: 0 })
      bench.add(kind, () =>
        kind === "plain"
          ? Effect.runPromise(
              memPlain.add({ type: "bug", entryId: "bench", agent: "benchmark", payload: payloadOf(++p) })
            )
          : telemetry.runPromise(
              memTraced.add({ type: "bug", entryId: "bench", agent: "benchmark", payload: payloadOf(++q) })
            )
      )
      await bench.run()
      const result = bench.tasks[0]?.result as unknown as { latency: { mean: number } } | undefined
      if (result === undefined) throw new Error(`no result for memory ${kind}`)
      memory[kind].push(result.latency.mean)
    }
  }
} finally {
  await telemetry.dispose()
  fs.rmSync(root, { recursive: true, force: true })
}

const ms = (x: number) => x.toFixed(2)
console.log(
  `\nLedger append benchmark — ${ITERATIONS} appends per task in ${ROUNDS} interleaved rounds (median of round means), views ${process.argv.includes("--sync-views") ? "" : "not "}fsync'd, Node ${process.version}, ${os.cpus().length} cores\n`
)
console.log(
  "| ledger size | Ledger.add mean (p99) ms | atomic rewrite of findings.json ms | fsync'd NDJSON append ms | rewrite ÷ Ledger.add |"
)
console.log("|---:|---:|---:|---:|---:|")
for (const r of rows) {
  console.log(
    `| ${r.size.toLocaleString("en")} | ${ms(r.ledger)} (${ms(r.ledgerP99)}) | ${ms(r.rewrite)} | ${ms(r.floor)} | ${(r.rewrite / r.ledger).toFixed(1)}× |`
  )
}
const first = rows[0]
const last = rows.at(-1)
if (first !== undefined && last !== undefined) {
  const growth = last.ledger / first.ledger
  const speedup = last.rewrite / last.ledger
  console.log(`\ngrowth 100 → 10,000: ${growth.toFixed(2)}× (target ≤ 1.5×) ${growth <= 1.5 ? "✓" : "✗"}`)
  console.log(`speed-up over the rewrite at 10,000: ${speedup.toFixed(1)}× (target ≥ 10×) ${speedup >= 10 ? "✓" : "✗"}`)
}
for (const r of rows) {
  if (r.traced === undefined) continue
  console.log(
    `Ledger.add at ${r.size.toLocaleString("en")} under Telemetry.layer: ${ms(r.traced)} ms vs ${ms(r.ledger)} ms untraced (traced ÷ untraced ${(r.traced / r.ledger).toFixed(2)}×, ${((r.traced - r.ledger) * 1000).toFixed(0)} µs per add)`
  )
}
const plain = median(memory.plain)
const traced = median(memory.traced)
console.log(
  `In-memory Ledger.add (validation, span, metrics; no disk): ${(plain * 1000).toFixed(0)} µs untraced, ${(traced * 1000).toFixed(0)} µs under Telemetry.layer (traced ÷ untraced ${(traced / plain).toFixed(2)}×, ${((traced - plain) * 1000).toFixed(0)} µs per add)`
)
