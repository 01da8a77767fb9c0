#!/usr/bin/env node
// The `24h` command. Committed (not built) so that npm links it at install time, in a checkout as from the registry.
// `24h --version` answers here without loading anything; every other command runs the built program, dist/cli/bin.js,
// and when it is missing this says how to build it (exit 3; one JSON document under --json).
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const args = process.argv.slice(2)
const json = args.includes("--json")
const rest = args.filter((a) => a !== "--json")
if (rest.length === 1 && (rest[0] === "--version" || rest[0] === "-v")) {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(json ? `${JSON.stringify({ ok: true, name: "24h", version })}\n` : `24h v${version}\n`)
} else {
  const built = new URL("../dist/cli/bin.js", import.meta.url)
  if (existsSync(built)) {
    await import(built.href)
  } else {
    const file = fileURLToPath(built)
    const message = `24h is not built yet: ${file} is missing. Build it with \`npm run build\` at the repository root (or \`npm run build -w @24h/cli\`), then run the command again.`
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ ok: false, error: { tag: "CliExit", reason: "NotBuilt", message, file } })}\n`
      )
    }
    process.stderr.write(`${message}\n`)
    process.exitCode = 3
  }
}
