/**
 * Core hot paths, each against a baseline measured in the same run:
 * - Seed stream `next()` vs `Math.random()`; `nextInt(0, 999)` vs `Math.floor(Math.random() * 1000)`.
 * - Histogram `record(ms)` vs a plain `array.push(ms)` (what naive latency collection does).
 *
 *   npm run bench -w packages/core          (or: node scripts/bench.mjs packages/core/benchmark/hot-paths.ts)
 */
import { Histogram, Seed } from "@24h/core"
import { Bench } from "tinybench"

const N = 1000 // operations per task iteration, to keep timer overhead out of the figures
const bench = new Bench({ time: 1000, warmupTime: 200 })

const rng = Seed.stream(Seed.make(42))
let sink = 0
bench
  .add("Math.random() ×1000 (baseline)", () => {
    for (let i = 0; i < N; i++) sink += Math.random()
  })
  .add("Seed stream next() ×1000", () => {
    for (let i = 0; i < N; i++) sink += rng.next()
  })
  .add("Math.floor(Math.random()*1000) ×1000 (baseline)", () => {
    for (let i = 0; i < N; i++) sink += Math.floor(Math.random() * 1000)
  })
  .add("Seed stream nextInt(0, 999) ×1000", () => {
    for (let i = 0; i < N; i++) sink += rng.nextInt(0, 999)
  })

const values = Array.from({ length: N }, (_, i) => 0.5 + ((i * 7919) % 5000) / 10)
let arr: Array<number> = []
const h = Histogram.make()
bench
  .add("array.push(ms) ×1000 (baseline)", () => {
    if (arr.length > 1_000_000) arr = []
    for (let i = 0; i < N; i++) arr.push(values[i]!)
  })
  .add("Histogram.record(ms) ×1000", () => {
    for (let i = 0; i < N; i++) Histogram.record(h, values[i]!)
  })

await bench.run()

const opsPerSec = (name: string) => {
  const t = bench.tasks.find((x) => x.name === name)!
  const r = t.result as { throughput?: { mean: number } }
  return (r.throughput?.mean ?? 0) * N
}
const rows = [
  ["Seed next()", "Math.random()", "Seed stream next() ×1000", "Math.random() ×1000 (baseline)"],
  [
    "Seed nextInt()",
    "Math.floor(Math.random()*n)",
    "Seed stream nextInt(0, 999) ×1000",
    "Math.floor(Math.random()*1000) ×1000 (baseline)"
  ],
  ["Histogram.record", "array.push", "Histogram.record(ms) ×1000", "array.push(ms) ×1000 (baseline)"]
] as const
console.log("| operation | ops/s | baseline | baseline ops/s | ratio |")
console.log("|---|---:|---|---:|---:|")
for (const [label, baseLabel, task, base] of rows) {
  const a = opsPerSec(task)
  const b = opsPerSec(base)
  console.log(
    `| ${label} | ${(a / 1e6).toFixed(1)} M | ${baseLabel} | ${(b / 1e6).toFixed(1)} M | ${(a / b).toFixed(2)}× |`
  )
}
if (sink === 42) console.log("")
