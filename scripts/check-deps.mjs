#!/usr/bin/env node
// Fails on any import edge between 24h packages other than core ← {mocks, chaos, findings} ← reporting, with cli and
// examples on top; on relative imports that reach into another package; and on an imported @24h package that is
// missing from the importer's package.json dependencies.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative, resolve, sep } from "node:path"

const root = resolve(import.meta.dirname, "..")
const allowed = {
  core: [],
  mocks: ["core"],
  chaos: ["core"],
  findings: ["core"],
  reporting: ["core", "mocks", "chaos", "findings"],
  cli: ["core", "mocks", "chaos", "findings", "reporting"]
}
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (name === "node_modules" || name === "dist") return []
    return statSync(p).isDirectory() ? walk(p) : /\.(ts|mts|js|mjs)$/.test(name) ? [p] : []
  })
// Doc comments hold usage examples that import the package itself: scan code only.
const code = (text) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
const importsOf = (text) =>
  [...code(text).matchAll(/(?:import|export)[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map(
    (m) => m[1] ?? m[2]
  )

const problems = []
let edges = 0
for (const [pkg, ok] of Object.entries(allowed)) {
  const dir = join(root, "packages", pkg)
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const declared = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies })
  )
  for (const sub of ["src", "test", "benchmark"]) {
    let files = []
    try {
      files = walk(join(dir, sub))
    } catch {
      continue
    }
    for (const file of files) {
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        const where = relative(root, file)
        const m = /^@24h\/([^/]+)/.exec(spec)
        if (m) {
          edges++
          const target = m[1]
          if (target === pkg) {
            if (sub === "src") problems.push(`${where}: imports its own package "${spec}" (use a relative .ts import)`)
            continue
          }
          if (!ok.includes(target))
            problems.push(
              `${where}: ${pkg} → ${target} is not an allowed edge (${pkg} may import: ${ok.join(", ") || "nothing"})`
            )
          if (sub === "src" && !declared.has(`@24h/${target}`))
            problems.push(`${where}: imports @24h/${target} but packages/${pkg}/package.json does not depend on it`)
        } else if (spec.startsWith(".")) {
          const target = resolve(file, "..", spec)
          if (!target.startsWith(dir + sep)) problems.push(`${where}: relative import "${spec}" leaves packages/${pkg}`)
        }
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`check:deps: ${problems.length} problem(s)\n${problems.map((p) => `  ✗ ${p}`).join("\n")}`)
  process.exit(1)
}
console.log(
  `check:deps: ok (${edges} cross-package imports, all along core ← {mocks, chaos, findings} ← reporting ← cli)`
)
