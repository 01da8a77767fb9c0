import * as fs from "node:fs"
import { parseId } from "../Finding.ts"
import { findingsError } from "../FindingsError.ts"
import { checkLine } from "./journal.ts"
import { acquire, type LockOptions } from "./lock.ts"
import { pathsOf, TYPE_LEDGER, TYPE_LEDGERS } from "./paths.ts"
import { legacyItems } from "./read.ts"
import { writeAtomic } from "./store.ts"

/** What `repair` did. */
export interface RepairReport {
  readonly dir: string
  readonly journal: string
  /** Findings kept in the journal. */
  readonly kept: number
  /** Lines moved to `findings.rejected.ndjson`, with their 1-based line number and the reason. */
  readonly rejected: ReadonlyArray<{ readonly line: number; readonly reason: string }>
  /** The untouched copy of the journal (or `findings.json`) taken before anything changed. */
  readonly backup: string | undefined
  /** Views rewritten from the journal. */
  readonly rebuilt: ReadonlyArray<string>
}

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, "-")

const render = (lines: ReadonlyArray<string>): string => (lines.length === 0 ? "[]\n" : `[\n${lines.join(",\n")}\n]\n`)

export const repair = async (dir: string, options: LockOptions = {}): Promise<RepairReport> => {
  const p = pathsOf(dir)
  fs.mkdirSync(p.dir, { recursive: true })
  const release = await acquire(p.lock, options)
  try {
    let source: string
    let segments: Array<{ readonly text: string; readonly terminated: boolean }>
    let original: Buffer | undefined
    if (fs.existsSync(p.journal)) {
      source = p.journal
      original = fs.readFileSync(p.journal)
      const parts = original.toString("utf8").split("\n")
      const tail = parts.pop() ?? ""
      segments = parts.map((text) => ({ text, terminated: true }))
      if (tail !== "") segments.push({ text: tail, terminated: false })
    } else if (fs.existsSync(p.view)) {
      source = p.view
      original = fs.readFileSync(p.view)
      let items: ReadonlyArray<unknown>
      try {
        items = legacyItems(original.toString("utf8"), p.view)
      } catch (e) {
        throw findingsError(
          "CorruptLedger",
          `${p.view} is not a JSON array of findings and there is no findings.ndjson to rebuild it from: fix it by hand (${(e as Error).message})`,
          { file: p.view }
        )
      }
      segments = items.map((i) => ({ text: JSON.stringify(i), terminated: true }))
    } else {
      source = p.journal
      segments = []
    }
    const kept: Array<{ readonly line: string; readonly type: keyof typeof TYPE_LEDGER }> = []
    const rejected: Array<{ line: number; reason: string; text: string }> = []
    let prev = 0
    segments.forEach((s, i) => {
      if (!s.terminated) {
        rejected.push({
          line: i + 1,
          reason: "unterminated last line: an append cut by a crash, never acknowledged",
          text: s.text
        })
        return
      }
      if (s.text.trim() === "") {
        rejected.push({ line: i + 1, reason: "blank line", text: s.text })
        return
      }
      const checked = checkLine(s.text, prev)
      if (checked.problem !== undefined) {
        rejected.push({ line: i + 1, reason: checked.problem, text: s.text })
        return
      }
      kept.push({ line: JSON.stringify(checked.finding), type: checked.finding.type })
      prev = parseId(checked.finding.id) ?? prev
    })
    let backup: string | undefined
    const journalText = kept.map((k) => `${k.line}\n`).join("")
    const changed = original === undefined ? false : source !== p.journal || !original.equals(Buffer.from(journalText))
    if (original !== undefined && changed) {
      backup = `${source}.bak-${stamp()}`
      fs.writeFileSync(backup, original)
    }
    if (rejected.length > 0) {
      fs.appendFileSync(
        p.rejected,
        rejected
          .map(
            (r) =>
              `${JSON.stringify({ at: new Date().toISOString(), file: source, line: r.line, reason: r.reason, text: r.text })}\n`
          )
          .join("")
      )
    }
    if (changed || !fs.existsSync(p.journal)) writeAtomic(p.journal, journalText)
    const rebuilt: Array<string> = []
    const views: Array<[string, ReadonlyArray<string>]> = [
      [p.view, kept.map((k) => k.line)],
      ...TYPE_LEDGERS.map((t): [string, ReadonlyArray<string>] => [
        p.typeViews[t],
        kept.filter((k) => TYPE_LEDGER[k.type] === t).map((k) => k.line)
      ])
    ]
    for (const [file, lines] of views) {
      const want = render(lines)
      const have = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined
      if (have === want) continue
      if (have !== undefined) fs.writeFileSync(`${file}.bak`, have)
      writeAtomic(file, want)
      rebuilt.push(file)
    }
    return {
      dir: p.dir,
      journal: p.journal,
      kept: kept.length,
      rejected: rejected.map(({ line, reason }) => ({ line, reason })),
      backup,
      rebuilt
    }
  } finally {
    release()
  }
}
