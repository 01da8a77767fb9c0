/**
 * The linearizability checker on Porcupine's own test histories (../shared/data/porcupine beside the repository,
 * or the folder given as the first argument), beside Porcupine's times from issue 13 (Go 1.19, one run of its own
 * tests, on this machine):
 *
 *   | histories                                   | Porcupine     |
 *   | all 102 etcd histories                      | 1.14 s        |
 *   | kv 50 clients, partitioned (ok / bad)       | 0.58 / 0.10 s |
 *   | kv 10 clients, not partitioned (ok / bad)   | 5.5 / 6.4 s   |
 *
 * Measured in the same run: parsing, and the partitioned check against the unpartitioned one (P-compositionality).
 * Each case runs a few rounds; the median is reported.
 *
 *   npm run bench -w packages/core      (or: node scripts/bench.mjs packages/core/benchmark/Linearizability.ts)
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { History, Linearizability } from "@24h/core"
import { Effect } from "effect"

const here = import.meta.dirname
const candidates = [join(here, "..", "..", "..", ".."), join(here, "..", "..", "..", "..", "..")].map((d) =>
  join(d, "shared", "data", "porcupine")
)
const dir = process.argv[2] ?? candidates.find((d) => existsSync(d))
if (dir === undefined || !existsSync(dir)) {
  process.stdout.write(`no Porcupine histories found (looked in ${candidates.join(", ")}); pass a folder\n`)
  process.exit(0)
}

const load = (file: string) => {
  const text = readFileSync(file, "utf8")
  const t0 = performance.now()
  const events = Effect.runSync(History.parse(text, History.detectFormat(file, text)))
  const ops = Effect.runSync(History.operations(events))
  return { ops, parseMs: performance.now() - t0 }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const time = (rounds: number, f: () => void) => {
  const ms: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    f()
    ms.push(performance.now() - t0)
  }
  return median(ms)
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`)

const etcd = readdirSync(join(dir, "etcd"))
  .filter((f) => f.endsWith(".log"))
  .sort()
  .map((f) => load(join(dir, "etcd", f)))
const register = Linearizability.register()
const etcdMs = time(5, () => {
  for (const h of etcd) Linearizability.checkOperations(register, h.ops)
})
const etcdParse = etcd.reduce((a, h) => a + h.parseMs, 0)

const rows: Array<readonly [string, string, string, string]> = [
  [
    `all ${etcd.length} etcd histories (register)`,
    `${fmt(etcdMs)} (+ ${fmt(etcdParse)} parsing)`,
    `1.14 s for 102 (${fmt((1140 * etcd.length) / 102)} pro rata)`,
    `${((etcdMs + etcdParse) / ((1140 * etcd.length) / 102)).toFixed(2)}× pro rata`
  ]
]

const kvFiles = readdirSync(join(dir, "kv"))
  .filter((f) => f.endsWith(".txt"))
  .sort()
const porcupineUnpartitioned: Record<string, number> = { "c10-ok.txt": 5500, "c10-bad.txt": 6400 }
for (const name of kvFiles) {
  const h = load(join(dir, "kv", name))
  const part = time(20, () => Linearizability.checkOperations(Linearizability.kv(), h.ops))
  const wholeModel = Linearizability.kv({ partitioned: false })
  const whole = time(name.startsWith("c01") ? 20 : 1, () => Linearizability.checkOperations(wholeModel, h.ops))
  const p = porcupineUnpartitioned[name]
  rows.push([
    `kv ${name}, partitioned`,
    `${fmt(part)} (+ ${fmt(h.parseMs)} parsing)`,
    name.startsWith("c50") ? (name.endsWith("ok.txt") ? "0.58 s" : "0.10 s") : "—",
    "—"
  ])
  rows.push([
    `kv ${name}, not partitioned`,
    `${fmt(whole)} (${(whole / part).toFixed(whole / part < 10 ? 1 : 0)}× the partitioned check)`,
    p === undefined ? "—" : fmt(p),
    p === undefined ? "—" : `${((whole + h.parseMs) / p).toFixed(2)}×`
  ])
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), 12))
const line = (r: ReadonlyArray<string>) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
process.stdout.write(
  [
    line(["histories", "24h (median)", "Porcupine (issue 13)", "24h / Porcupine"]),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line)
  ].join("\n") + "\n"
)
