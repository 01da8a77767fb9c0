#!/usr/bin/env node
// Runs every benchmark/*.ts of the package in the current directory (or the files given), one process each,
// from source: `npm run bench -w packages/chaos`, or `node scripts/bench.mjs packages/chaos/benchmark/TcpProxy.ts`.
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { join, resolve } from "node:path"

const given = process.argv.slice(2)
const files =
  given.length > 0
    ? given.map((f) => resolve(f))
    : existsSync("benchmark")
      ? readdirSync("benchmark")
          .filter((f) => f.endsWith(".ts"))
          .sort()
          .map((f) => resolve(join("benchmark", f)))
      : []
let failed = 0
for (const file of files) {
  console.log(`\n▶ ${file}`)
  const r = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@24h/source", "--expose-gc", file], {
    stdio: "inherit"
  })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
