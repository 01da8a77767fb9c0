#!/usr/bin/env node
// Cross-checks the linearizability checker against Porcupine's test histories: runs it over every file of
// ../shared/data/porcupine/ (etcd logs with the register model, kv EDN files with the kv model) and compares each
// verdict with expected.json. Exits 1 on any mismatch.
// Usage: npm run check:porcupine [-- DIR]     (DIR defaults to ../shared/data/porcupine beside the repository)
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { History, Linearizability } from "@24h/core"
import { Effect } from "effect"

// ../shared beside the repository (or beside the folder holding a worktree of it)
const candidates = [join(import.meta.dirname, "..", ".."), join(import.meta.dirname, "..", "..", "..")].map((d) =>
  join(d, "shared", "data", "porcupine")
)
const dir = resolve(process.argv[2] ?? candidates.find((d) => existsSync(d)) ?? candidates[0]!)
const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")).linearizable as Record<string, boolean>
const files = [
  ...readdirSync(join(dir, "etcd")).map((f) => ({ file: join(dir, "etcd", f), name: f, kind: "etcd" as const })),
  ...readdirSync(join(dir, "kv")).map((f) => ({ file: join(dir, "kv", f), name: f, kind: "kv" as const }))
].sort((a, b) => a.name.localeCompare(b.name))
let mismatches = 0
let total = 0
for (const f of files) {
  const want = expected[f.name]
  if (want === undefined) continue
  total++
  const result = await Effect.runPromise(
    Effect.flatMap(History.readFile(f.file), (events) =>
      f.kind === "etcd"
        ? Linearizability.check(Linearizability.register(), events)
        : Linearizability.check(Linearizability.kv(), events)
    )
  )
  const got = result.verdict === "linearizable"
  const ok = result.verdict !== "unknown" && got === want
  if (!ok) mismatches++
  process.stdout.write(
    `${ok ? "✓" : "✗"} ${f.name.padEnd(14)} expected ${want ? "linearizable" : "not-linearizable"}, got ${result.verdict} (${result.ms.toFixed(1)} ms)\n`
  )
}
process.stdout.write(`${total - mismatches}/${total} verdicts match expected.json\n`)
process.exit(mismatches === 0 && total > 0 ? 0 : 1)
