import * as fs from "node:fs"
import type { Finding } from "../Finding.ts"
import { FindingsError, findingsError } from "../FindingsError.ts"
import { checkLine, scan } from "./journal.ts"
import { pathsOf } from "./paths.ts"

/**
 * Reads every acknowledged finding of the ledger in `dir`, without taking the lock. An unterminated last line (an
 * append cut by a crash, never acknowledged) is ignored; any other bad line is a `CorruptLedger` error. A directory
 * with no journal but a `findings.json` (an `add_finding.py` ledger) is read from that file.
 */
export const readSync = (dir: string): ReadonlyArray<Finding> => {
  const p = pathsOf(dir)
  let buf: Buffer
  try {
    buf = fs.readFileSync(p.journal)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw findingsError("Io", `cannot read ${p.journal}: ${(e as Error).message}`, { cause: e })
    return readLegacy(p.view)
  }
  const result = scan(buf, p.journal, 1, 0)
  if (result instanceof FindingsError) throw result
  return result.entries.map((e) => e.finding)
}

/** Reads a plain `findings.json` (an array, or `{ "findings": [...] }`) when no journal exists yet. */
export const readLegacy = (file: string): ReadonlyArray<Finding> => {
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return []
    throw findingsError("Io", `cannot read ${file}: ${(e as Error).message}`, { cause: e })
  }
  const items = legacyItems(text, file)
  const out: Array<Finding> = []
  let prev = 0
  for (const [i, item] of items.entries()) {
    const checked = checkItem(item, prev)
    if (checked.problem !== undefined) {
      throw findingsError(
        "CorruptLedger",
        `${file}: entry ${i + 1}: ${checked.problem}. Run \`24h finding repair\` to import the valid entries.`,
        { file, line: i + 1 }
      )
    }
    out.push(checked.finding)
    prev = Number(checked.finding.id.slice(4))
  }
  return out
}

const checkItem = (item: unknown, prev: number) => checkLine(JSON.stringify(item), prev)

/** The entries of a plain `findings.json`. */
export const legacyItems = (text: string, file: string): ReadonlyArray<unknown> => {
  if (text.trim() === "") return []
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw findingsError("CorruptLedger", `${file}: not valid JSON (${(e as Error).message})`, { file })
  }
  if (Array.isArray(json)) return json
  if (typeof json === "object" && json !== null && Array.isArray((json as { findings?: unknown }).findings)) {
    return (json as { findings: Array<unknown> }).findings
  }
  throw findingsError("CorruptLedger", `${file}: expected a JSON array of findings (or {"findings": [...]})`, { file })
}
