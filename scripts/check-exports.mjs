#!/usr/bin/env node
// Packs each package as npm would publish it and checks the tarball with publint and @arethetypeswrong/cli
// (ESM-only profile). Needs `npm run build` first.
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const packages = ["core", "mocks", "chaos", "findings", "reporting", "cli"]
const bin = (name) => join(root, "node_modules", ".bin", name)
const out = mkdtempSync(join(tmpdir(), "24h-pack-"))
let failed = 0
try {
  for (const p of packages) {
    const dir = join(root, "packages", p)
    if (!existsSync(join(dir, "dist", "index.js"))) {
      console.error(`✗ @24h/${p}: no dist/ — run npm run build first`)
      failed++
      continue
    }
    const tarball = execFileSync("npm", ["pack", "--silent", "--pack-destination", out], { cwd: dir, encoding: "utf8" })
      .trim()
      .split("\n")
      .pop()
    const file = join(out, tarball)
    for (const [tool, args] of [
      ["publint", ["run", file, "--strict"]],
      ["attw", [file, "--profile", "esm-only", "--format", "table-flipped"]]
    ]) {
      try {
        execFileSync(bin(tool), args, { stdio: "pipe", encoding: "utf8" })
        console.log(`✓ @24h/${p}: ${tool}`)
      } catch (e) {
        failed++
        console.error(`✗ @24h/${p}: ${tool}\n${e.stdout ?? ""}${e.stderr ?? ""}`)
      }
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
if (failed > 0) process.exit(1)
console.log("check:exports: ok")
