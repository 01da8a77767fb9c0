// Cold start of the built `24h` (through the committed launcher bin/24h.mjs) against `node -e 0`, measured in the
// same run, interleaved round by round so machine noise hits every case alike. Needs `npm run build` first.
//
//   node packages/cli/benchmark/ColdStart.mjs [rounds]     (default 10 rounds, a few seconds)
//
// Targets (issue #15): `24h --version` ≤ 2× and `24h finding add` ≤ 4× the wall time of `node -e 0`, peak RSS of
// `finding add` ≤ 80 MB.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))
const launcher = path.join(here, "..", "bin", "24h.mjs")
const built = path.join(here, "..", "dist", "cli", "bin.js")
if (!fs.existsSync(built)) {
  process.stderr.write(`${built} is missing: run \`npm run build\` first\n`)
  process.exit(3)
}
const rounds = Number(process.argv[2] ?? 10)
const work = fs.mkdtempSync(path.join(os.tmpdir(), "24h-coldstart-"))
const rssFile = path.join(work, "rss.txt")
const preload = ["--import", path.join(here, "rss.mjs")]

let n = 0
const cases = {
  "node -e 0": () => ["-e", "0"],
  "24h --version": () => [launcher, "--version"],
  "24h finding add": () => [
    launcher,
    "finding",
    "add",
    "--type",
    "bug",
    "--entry-id",
    "bench",
    "--agent",
    "bench",
    "--payload",
    JSON.stringify({ title: `cold start ${++n}`, severity: "low", description: "measured", component: "cli" }),
    "--output",
    work,
    "--json"
  ]
}

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, { ms: [], rss: [] }]))
for (let r = 0; r < rounds + 1; r++) {
  for (const [name, argv] of Object.entries(cases)) {
    fs.rmSync(rssFile, { force: true })
    const start = process.hrtime.bigint()
    const res = spawnSync(process.execPath, [...preload, ...argv()], {
      env: { ...process.env, H24_BENCH_RSS: rssFile },
      encoding: "utf8"
    })
    const ms = Number(process.hrtime.bigint() - start) / 1e6
    if (res.status !== 0) {
      process.stderr.write(`${name} failed (${res.status}): ${res.stderr}\n`)
      process.exit(3)
    }
    if (r === 0) continue // warm the file cache once
    samples[name].ms.push(ms)
    samples[name].rss.push(Number(fs.readFileSync(rssFile, "utf8").trim()) / 1024)
  }
}
fs.rmSync(work, { recursive: true, force: true })

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}
const base = median(samples["node -e 0"].ms)
const rows = Object.entries(samples).map(([name, s]) => ({
  name,
  ms: median(s.ms),
  ratio: median(s.ms) / base,
  rss: Math.max(...s.rss)
}))
const line = (cells) => `| ${cells.join(" | ")} |`
const out = [
  `${rounds} rounds, median wall time, Node ${process.version}, ${os.cpus().length} CPUs`,
  "",
  line(["command", "wall (median)", "× node -e 0", "peak RSS"]),
  line(["---", "---:", "---:", "---:"]),
  ...rows.map((r) =>
    line([`\`${r.name}\``, `${r.ms.toFixed(0)} ms`, `${r.ratio.toFixed(2)}×`, `${r.rss.toFixed(0)} MB`])
  )
]
process.stdout.write(`${out.join("\n")}\n`)
