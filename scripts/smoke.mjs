#!/usr/bin/env node
// Smoke test of the BUILT packages, as a user gets them from npm: plain `import "@24h/…"` (no source condition, no
// TypeScript loader), a small end-to-end flow, and the `24h` binary from dist/. Run after `npm run build`:
//   node scripts/smoke.mjs            (CI also runs it with Node 24)
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const work = mkdtempSync(join(tmpdir(), "24h-smoke-"))
const check = (cond, what) => {
  if (!cond) throw new Error(`smoke: ${what}`)
  console.log(`  ✓ ${what}`)
}
try {
  console.log(`smoke: built packages on Node ${process.version}`)
  const core = await import("@24h/core")
  const { Effect } = await import("effect")
  for (const name of ["mocks", "chaos", "findings", "reporting", "cli"]) {
    const mod = await import(`@24h/${name}`)
    check(Object.keys(mod).length > 0, `@24h/${name} imports from dist and exports ${Object.keys(mod).length} names`)
  }
  const resolved = import.meta.resolve("@24h/core")
  check(resolved.includes("/dist/"), `@24h/core resolves to dist (${resolved.slice(resolved.indexOf("packages"))})`)
  const s = core.Seed.stream(core.Seed.make(42))
  check(s.nextUint32() === 1474411040, "Seed golden vector holds in the built package")
  const run = await Effect.runPromise(
    core.Run.create({ root: work, seed: 42, metadata: { ENTRY_ID: "smoke", ENTRY_TITLE: "smoke" } })
  )
  const result = await Effect.runPromise(
    core.Pipeline.run({ kind: "baseline", name: "smoke", thresholds: ["p95 < 100ms"], dir: run.dir }, (rec) =>
      Effect.sync(() => {
        for (let i = 0; i < 100; i++) rec.record(1 + (i % 10))
      })
    )
  )
  check(result.verdict === "pass", "a pipeline runs and passes its threshold")
  // The package's bin: the committed launcher, which runs the built program (dist/cli/bin.js).
  const bin = join(root, "packages", "cli", "bin", "24h.mjs")
  const version = execFileSync(process.execPath, [bin, "--version"], { encoding: "utf8" }).trim()
  check(/0\.1\.0/.test(version), `24h --version from the built launcher prints ${version}`)
  const status = JSON.parse(
    execFileSync(process.execPath, [bin, "run", "status", run.dir, "--json"], { encoding: "utf8" })
  )
  check(status.ok === true && status.next === "research", "24h run status --json reads the run")
  const meta = JSON.parse(readFileSync(join(run.dir, "run.json"), "utf8"))
  check(meta.seed === 42, "run.json records the seed")
  const tsc = join(root, "node_modules", "tsgo", "bin", "tsc")
  const consumer = join(root, "scripts", "consumer", "tsconfig.json")
  try {
    execFileSync(process.execPath, [tsc, "-p", consumer], { encoding: "utf8", stdio: "pipe" })
    check(true, "a consumer project type-checks against the built declarations (scripts/consumer/main.ts)")
  } catch (e) {
    throw new Error(
      `smoke: the built declarations do not type-check for a consumer:\n${e.stdout ?? ""}${e.stderr ?? ""}`
    )
  }
  console.log("smoke: ok")
} finally {
  rmSync(work, { recursive: true, force: true })
}
