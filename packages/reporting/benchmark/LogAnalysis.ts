/**
 * LogAnalysis throughput and memory, against plain `readline` + `JSON.parse` of the same file (and `jq -c .` on the
 * smaller file when `jq` is installed), one run each, every measurement in its own process so that peak RSS is
 * that run's alone.
 *
 *   npm run bench -w packages/reporting      (or: node scripts/bench.mjs packages/reporting/benchmark/LogAnalysis.ts)
 *   BENCH_SIZES_MB=10,50 node scripts/bench.mjs packages/reporting/benchmark/LogAnalysis.ts     (a quick run)
 *   BENCH_ROUNDS=3 node scripts/bench.mjs …     (alternate baseline and LogAnalysis 3 times, keep each one's best:
 *                                                 for a machine shared with other work, where one run is noisy)
 *
 * Generates deterministic pino NDJSON logs (default 100 MB and 1 GB) into os.tmpdir() and deletes them afterwards.
 * Target: LogAnalysis ≥ 0.8× the readline baseline's MB/s, and peak RSS flat as the file grows.
 */
import { spawnSync } from "node:child_process"
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Bench } from "tinybench"
import { LogAnalysis } from "../src/index.ts"

type Mode = "baseline" | "analyze"
interface Measurement {
  readonly mode: Mode | "jq"
  readonly bytes: number
  readonly seconds: number
  readonly maxRssMb: number
  readonly lines: number
}

const T0 = Date.parse("2026-11-24T00:00:00.000Z")
const MB = 1024 * 1024

/** Writes `bytes` of realistic pino lines: 96% info, 3% warn, 1% errors with stacks, a 10 s silence every 1M lines. */
const generate = async (path: string, bytes: number): Promise<void> => {
  const out = createWriteStream(path, { highWaterMark: 4 * MB })
  let written = 0
  let i = 0
  let t = T0
  while (written < bytes) {
    const parts: Array<string> = []
    let size = 0
    while (size < 4 * MB) {
      i++
      t += i % 1_000_000 === 0 ? 10_000 : 1
      const time = new Date(t).toISOString()
      const id = `req-${String(i % 1_000_000).padStart(6, "0")}`
      const k = i % 100
      let line: string
      if (k === 7)
        line = `{"level":"error","time":"${time}","pid":4242,"hostname":"bench","component":"db","correlationId":"${id}","err":{"type":"TimeoutError","message":"query timed out after ${500 + (i % 50)} ms","stack":"TimeoutError: query timed out\\n    at Pool.query (src/db/pool.ts:88:11)\\n    at Repo.insert (src/repo.ts:41:5)\\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"},"msg":"insert failed"}\n`
      else if (k < 4)
        line = `{"level":"warn","time":"${time}","pid":4242,"hostname":"bench","component":"client","correlationId":"${id}","attempt":${1 + (i % 3)},"msg":"retrying after 503"}\n`
      else
        line = `{"level":"info","time":"${time}","pid":4242,"hostname":"bench","component":"api","correlationId":"${id}","route":"/payments/${i % 997}","status":200,"durationMs":${(i * 37) % 1500},"msg":"request completed"}\n`
      parts.push(line)
      size += line.length
    }
    const chunk = parts.join("")
    written += chunk.length
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()))
  }
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())))
}

/** One measurement, in this (child) process. */
const measure = async (mode: Mode, path: string): Promise<Measurement> => {
  let lines = 0
  const bench = new Bench({ iterations: 1, time: 0, warmup: false })
  bench.add(mode, async () => {
    if (mode === "baseline") {
      lines = 0
      const rl = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY })
      let sink = 0
      for await (const l of rl) {
        try {
          const o = JSON.parse(l) as { level?: unknown }
          if (o.level === "error") sink++
        } catch {
          sink--
        }
        lines++
      }
      if (sink === Number.MIN_SAFE_INTEGER) console.log(sink)
    } else {
      const a = await Effect.runPromise(LogAnalysis.analyzeFile(path))
      lines = a.stats.lines
    }
  })
  await bench.run()
  const task = bench.tasks[0]!
  const r = task.result as { latency?: { mean: number } }
  const ms = r.latency?.mean ?? Number.NaN
  return {
    mode,
    bytes: statSync(path).size,
    seconds: ms / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    lines
  }
}

const child = (mode: Mode, path: string): Measurement => {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", "--conditions=@24h/source", fileURLToPath(import.meta.url), "--child", mode, path],
    { encoding: "utf8", maxBuffer: 16 * MB }
  )
  if (r.status !== 0) throw new Error(`benchmark child ${mode} failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measurement
}

const jq = (path: string): Measurement | undefined => {
  const which = spawnSync("sh", ["-c", "command -v jq"], { encoding: "utf8" })
  if (which.status !== 0) return undefined
  const started = performance.now()
  const r = spawnSync("sh", ["-c", `jq -c . "${path}" > /dev/null`])
  const seconds = (performance.now() - started) / 1000
  return r.status === 0
    ? { mode: "jq", bytes: statSync(path).size, seconds, maxRssMb: Number.NaN, lines: 0 }
    : undefined
}

const main = async () => {
  const sizes = (process.env.BENCH_SIZES_MB ?? "100,1024").split(",").map((s) => Number(s.trim()))
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? "1"))
  const dir = mkdtempSync(join(tmpdir(), "24h-logbench-"))
  const rows: Array<{ size: number; base: Measurement; ours: Measurement; jq?: Measurement }> = []
  try {
    for (const [i, size] of sizes.entries()) {
      const path = join(dir, `bench-${size}MB.log`)
      const g = performance.now()
      await generate(path, size * MB)
      console.log(
        `generated ${path} (${(statSync(path).size / MB).toFixed(0)} MB) in ${((performance.now() - g) / 1000).toFixed(1)} s`
      )
      let base = child("baseline", path)
      let ours = child("analyze", path)
      for (let round = 1; round < rounds; round++) {
        const b = child("baseline", path)
        const o = child("analyze", path)
        if (b.seconds < base.seconds) base = b
        if (o.seconds < ours.seconds) ours = o
      }
      const q = i === 0 ? jq(path) : undefined
      rows.push({ size, base, ours, ...(q === undefined ? {} : { jq: q }) })
      rmSync(path, { force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const mbs = (m: Measurement) => m.bytes / MB / m.seconds
  console.log(
    `\nnode ${process.version}, ${rounds === 1 ? "one run each" : `best of ${rounds} alternating runs each`}\n`
  )
  console.log(
    "| file | readline + JSON.parse | LogAnalysis | ratio | peak RSS baseline | peak RSS LogAnalysis | jq -c . |"
  )
  console.log("|---:|---:|---:|---:|---:|---:|---:|")
  for (const r of rows)
    console.log(
      `| ${r.size} MB | ${mbs(r.base).toFixed(0)} MB/s | ${mbs(r.ours).toFixed(0)} MB/s | ${(mbs(r.ours) / mbs(r.base)).toFixed(2)}× | ${r.base.maxRssMb.toFixed(0)} MB | ${r.ours.maxRssMb.toFixed(0)} MB | ${r.jq === undefined ? "-" : `${mbs(r.jq).toFixed(0)} MB/s`} |`
    )
  for (const r of rows)
    if (r.ours.lines !== r.base.lines) throw new Error(`line counts differ: ${r.ours.lines} vs ${r.base.lines}`)
}

const args = process.argv.slice(2)
if (args[0] === "--child") console.log(JSON.stringify(await measure(args[1] as Mode, args[2]!)))
else await main()
