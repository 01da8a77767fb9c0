/**
 * Merging shards, against a baseline measured in the same run:
 * - `Merge.histograms` of 4 encoded shard histograms (decode + exact add), against one process recording the same
 *   values itself (`Histogram.record`, the single-machine run the shards replace), and against what a tool that keeps
 *   raw samples must do to get an exact p99 across instances: concatenate and sort them.
 *
 *   node scripts/bench.mjs packages/core/benchmark/merge.ts
 */
import { Histogram, Merge, Seed } from "@24h/core"
import { Bench } from "tinybench"

const SHARDS = 4
const PER_SHARD = 25_000
const rng = Seed.stream(Seed.make(14))
const samples = Array.from({ length: SHARDS }, () =>
  Float64Array.from({ length: PER_SHARD }, () => 0.5 + -Math.log(1 - rng.next()) * 20)
)
const encoded = samples.map((s) => {
  const h = Histogram.make()
  for (const v of s) Histogram.record(h, v)
  return Histogram.encode(h)
})

const bench = new Bench({ time: 1500, warmupTime: 300 })
let sink = 0
bench
  .add("record all 100k values in one histogram (baseline)", () => {
    const h = Histogram.make()
    for (const s of samples) for (const v of s) Histogram.record(h, v)
    sink += Histogram.percentile(h, 99)
  })
  .add("concatenate + sort 100k raw samples for p99", () => {
    const all = new Float64Array(SHARDS * PER_SHARD)
    for (const [i, s] of samples.entries()) all.set(s, i * PER_SHARD)
    all.sort()
    sink += all[Math.ceil(all.length * 0.99) - 1]!
  })
  .add("Merge.histograms of 4 encoded shards for p99", () => {
    sink += Histogram.percentile(Merge.histograms(encoded), 99)
  })

await bench.run()
const hz = (name: string) =>
  (bench.tasks.find((t) => t.name === name)!.result as { throughput?: { mean: number } }).throughput?.mean ?? 0
const base = hz("record all 100k values in one histogram (baseline)")
console.log("| task | ops/s | ratio to recording every value |")
console.log("|---|---:|---:|")
for (const t of bench.tasks)
  console.log(`| ${t.name} | ${hz(t.name).toFixed(1)} | ${(hz(t.name) / base).toFixed(2)}× |`)
console.log(
  `| bytes: 4 encoded shards vs 100k raw samples | ${encoded.reduce((n, e) => n + e.encoded.length, 0)} | ${SHARDS * PER_SHARD * 8} |`
)
if (sink === 42) console.log("")
