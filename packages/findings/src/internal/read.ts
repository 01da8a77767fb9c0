import * as fs from "node:fs"
import { Result } from "effect"
import { type Finding, parseId } from "../Finding.ts"
import { FindingsError, findingsError } from "../FindingsError.ts"
import { checkLine, scan } from "./journal.ts"
import { type Paths, pathsOf, TYPE_LEDGERS } from "./paths.ts"

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
    return readLegacy(p)
  }
  const result = scan(buf, p.journal, 1, 0)
  if (Result.isFailure(result)) throw result.failure
  return result.success.entries.map((e) => e.finding)
}

/**
 * The entries of a directory written by `add_finding.py` (no journal): `findings.json`, or when it is absent or
 * empty, `findings/{bugs,strengths,improvements}.json` merged in id order. `undefined` when there is nothing to import.
 */
export const legacyFiles = (
  p: Paths
):
  | { readonly source: string; readonly items: ReadonlyArray<unknown>; readonly texts: ReadonlyArray<[string, string]> }
  | undefined => {
  const readText = (file: string): string | undefined => {
    try {
      return fs.readFileSync(file, "utf8")
    } catch {
      return undefined
    }
  }
  const main = readText(p.view)
  if (main !== undefined && legacyItems(main, p.view).length > 0)
    return { source: p.view, items: legacyItems(main, p.view), texts: [[p.view, main]] }
  const texts: Array<[string, string]> = []
  const items: Array<unknown> = []
  for (const t of TYPE_LEDGERS) {
    const file = p.typeViews[t]
    const text = readText(file)
    if (text === undefined) continue
    const these = legacyItems(text, file)
    if (these.length === 0) continue
    texts.push([file, text])
    items.push(...these)
  }
  if (items.length === 0) return undefined
  const idOf = (i: unknown) =>
    typeof i === "object" && i !== null && typeof (i as { id?: unknown }).id === "string"
      ? (i as { id: string }).id
      : ""
  items.sort((a, b) => (parseId(idOf(a)) ?? 0) - (parseId(idOf(b)) ?? 0))
  return { source: texts.length === 1 ? (texts[0] as [string, string])[0] : p.typeViews.bugs, items, texts }
}

/** Reads an `add_finding.py` ledger (see {@link legacyFiles}) when no journal exists yet. */
export const readLegacy = (p: Paths): ReadonlyArray<Finding> => {
  let found: ReturnType<typeof legacyFiles>
  try {
    found = legacyFiles(p)
  } catch (e) {
    if (e instanceof FindingsError) throw e
    throw findingsError("Io", `cannot read ${p.view}: ${(e as Error).message}`, { cause: e })
  }
  if (found === undefined) return []
  const out: Array<Finding> = []
  let prev = 0
  for (const [i, item] of found.items.entries()) {
    const checked = checkItem(item, prev)
    if (Result.isFailure(checked)) {
      throw findingsError(
        "CorruptLedger",
        `${found.source}: entry ${i + 1}: ${checked.failure}. Run \`24h finding repair --output ${p.dir}\` to import the valid entries.`,
        { file: found.source, line: i + 1 }
      )
    }
    out.push(checked.success)
    prev = Number(checked.success.id.slice(4))
  }
  return out
}

const checkItem = (item: unknown, prev: number) => checkLine(JSON.stringify(item), prev)

/** The entries of a plain `findings.json`. */
export const legacyItems = (text: string, file: string): ReadonlyArray<unknown> => {
  if (text.trim() === "" || text.trim() === "\uFEFF") return []
  let json: unknown
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ""))
  } catch (e) {
    throw findingsError("CorruptLedger", `${file}: not valid JSON (${(e as Error).message})`, { file })
  }
  if (Array.isArray(json)) return json
  if (typeof json === "object" && json !== null && Array.isArray((json as { findings?: unknown }).findings)) {
    return (json as { findings: Array<unknown> }).findings
  }
  throw findingsError("CorruptLedger", `${file}: expected a JSON array of findings (or {"findings": [...]})`, { file })
}
