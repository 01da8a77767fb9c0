#!/usr/bin/env node
// Type-checks every TSDoc `@example` of the public sources (packages/*/src/**/*.ts, internal/ skipped): each fenced
// ```ts block becomes its own module in <root>/.examples-check/, one tsgo run checks them all with the repository's
// strict settings (@24h/* imports resolve to sources), and every error is reported at the source line it came from.
// Usage: node scripts/check-examples.mjs [root]   (root defaults to the repository; exits 1 on any error)
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join, relative, resolve, sep } from "node:path"

const root = resolve(process.argv[2] ?? join(import.meta.dirname, ".."))
const out = join(root, ".examples-check")
const posix = (p) => p.split(sep).join("/")

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (name === "internal" || name === "node_modules") return []
    return statSync(p).isDirectory() ? walk(p) : name.endsWith(".ts") && !name.endsWith(".d.ts") ? [p] : []
  })

/** Every ```ts block that follows an `@example` tag in a doc comment, with the 1-based source line of its first line. */
const examplesOf = (text) => {
  const lines = text.split("\n")
  const blocks = []
  let inDoc = false
  let afterExample = false
  let code = null
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (!inDoc) {
      if (/^\s*\/\*\*/.test(line) && !/\*\/\s*$/.test(line.replace(/^\s*\/\*\*/, ""))) inDoc = true
      afterExample = false
      continue
    }
    if (/\*\/\s*$/.test(line) && code === null) {
      inDoc = false
      continue
    }
    const body = line.replace(/^\s*\*(?: |$)/, "")
    if (code !== null) {
      if (/^\s*```\s*$/.test(body)) {
        blocks.push(code)
        code = null
        afterExample = false
      } else if (/\*\/\s*$/.test(line)) {
        // an unterminated fence: keep what we have, the checker will complain if it is broken
        blocks.push(code)
        code = null
        inDoc = false
      } else code.lines.push(body)
      continue
    }
    if (/^\s*@example\b/.test(body)) afterExample = true
    else if (/^\s*@\w+/.test(body)) afterExample = false
    else if (afterExample && /^\s*```(?:ts|typescript)\s*$/.test(body)) code = { line: i + 2, lines: [] }
  }
  return blocks
}

const sources = []
const pkgsDir = join(root, "packages")
for (const pkg of existsSync(pkgsDir) ? readdirSync(pkgsDir).sort() : []) {
  const src = join(pkgsDir, pkg, "src")
  if (existsSync(src)) sources.push(...walk(src).sort())
}

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
/** generated file (relative to out) → { source, line } of its first line */
const origin = new Map()
const files = []
let filesWithExamples = 0
for (const file of sources) {
  const blocks = examplesOf(readFileSync(file, "utf8"))
  if (blocks.length === 0) continue
  filesWithExamples++
  const rel = posix(relative(pkgsDir, file)) // core/src/Seed.ts
  const [pkg, , ...rest] = rel.split("/")
  const stem = rest.join("_").replace(/\.ts$/, "")
  mkdirSync(join(out, pkg), { recursive: true })
  blocks.forEach((block, n) => {
    const name = `${pkg}/${stem}-${n + 1}.ts`
    let body = block.lines.join("\n")
    if (!/^\s*(?:import|export)\b/m.test(body)) body += "\nexport {}"
    writeFileSync(join(out, name), `${body}\n`)
    origin.set(name, { source: posix(relative(root, file)), line: block.line })
    files.push(name)
  })
}

// Files in .examples-check are ES modules (top-level await) even where no package.json says so.
writeFileSync(join(out, "package.json"), `${JSON.stringify({ type: "module", private: true }, null, 2)}\n`)
writeFileSync(
  join(out, "tsconfig.json"),
  `${JSON.stringify(
    {
      extends: "../tsconfig.base.json",
      compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false, declaration: false },
      files
    },
    null,
    2
  )}\n`
)

const started = performance.now()
const tsc = join(root, "node_modules", "tsgo", "bin", "tsc")
const result =
  files.length === 0
    ? { status: 0, stdout: "", stderr: "" }
    : spawnSync(process.execPath, [tsc, "-p", join(out, "tsconfig.json"), "--pretty", "false"], {
        cwd: root,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024
      })
const seconds = ((performance.now() - started) / 1000).toFixed(1)

// tsgo prints `path(line,col): error TSxxxx: message`, continuation lines indented.
const errors = []
const other = []
for (const line of `${result.stdout ?? ""}${result.stderr ?? ""}`.split("\n")) {
  const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line)
  if (m) {
    const abs = resolve(root, m[1])
    const gen = posix(relative(out, abs))
    const o = origin.get(gen)
    const where = o ? `${o.source}:${o.line + Number(m[2]) - 1}` : `${posix(relative(root, abs))}:${m[2]}`
    errors.push(`${where}: ${m[4]} ${m[5]}`)
  } else if (line.trim() !== "") {
    if (errors.length > 0 && /^\s/.test(line)) errors[errors.length - 1] += `\n  ${line.trim()}`
    else other.push(line)
  }
}
rmSync(out, { recursive: true, force: true })

const summary = `${files.length} examples in ${filesWithExamples} files`
if (result.error || (result.status !== 0 && errors.length === 0)) {
  console.error(`check:examples: tsgo failed on ${summary} (${result.error?.message ?? `exit ${result.status}`})`)
  for (const line of other) console.error(line)
  process.exit(1)
}
if (errors.length > 0) {
  for (const e of errors) console.error(e)
  console.error(`check:examples: ${errors.length} error(s) in ${summary} (${seconds} s)`)
  process.exit(1)
}
console.log(`check:examples: ${summary}, all type-check (${seconds} s)`)
