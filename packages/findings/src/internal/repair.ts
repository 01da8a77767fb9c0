import * as fs from "node:fs"
import { Result } from "effect"
import { parseId } from "../Finding.ts"
import { findingsError } from "../FindingsError.ts"
import { checkLine } from "./journal.ts"
import { acquire, type LockOptions } from "./lock.ts"
import { pathsOf, TYPE_LEDGER, TYPE_LEDGERS } from "./paths.ts"
import { legacyFiles, legacyItems } from "./read.ts"
import { backup as backupOf, render, writeAtomic } from "./store.ts"

/** Options of `repair`. */
export interface RepairOptions extends LockOptions {
  /**
   * Take `findings.json` (edited by hand) as the truth instead of the journal: its valid entries become the journal,
   * the old journal is backed up, and bad entries are set aside like bad journal lines.
   */
  readonly fromView?: boolean
}

/** What `repair` did. */
export interface RepairReport {
  readonly dir: string
  readonly journal: string
  /** Where the findings were read from: the journal, or `findings.json` (with `fromView`, or when no journal exists). */
  readonly source: string
  /** Findings kept in the journal. */
  readonly kept: number
  /** Lines moved to `findings.rejected.ndjson`, with their 1-based line number and the reason. */
  readonly rejected: ReadonlyArray<{ readonly line: number; readonly reason: string }>
  /** The untouched copy of the source (and of the journal it replaced) taken before anything changed. */
  readonly backup: string | undefined
  /** Every backup written (never overwriting an earlier one). */
  readonly backups: ReadonlyArray<string>
  /** Views rewritten from the journal. */
  readonly rebuilt: ReadonlyArray<string>
}

interface Segment {
  readonly text: string
  readonly terminated: boolean
}

/**
 * The indices of a longest strictly increasing subsequence of `ids` (undefined entries never take part): the lines
 * to keep when ids are out of order, so that one line whose id was changed is the only one set aside.
 */
const increasing = (ids: ReadonlyArray<number | undefined>): Set<number> => {
  const tails: Array<number> = [] // index into ids of the smallest tail of each length
  const prev: Array<number> = new Array(ids.length).fill(-1)
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]
    if (v === undefined) continue
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((ids[tails[mid] as number] as number) < v) lo = mid + 1
      else hi = mid
    }
    // A repeated id: keep the first line carrying it.
    if (lo < tails.length && ids[tails[lo] as number] === v) continue
    if (lo > 0) prev[i] = tails[lo - 1] as number
    tails[lo] = i
  }
  const keep = new Set<number>()
  let k = tails.length === 0 ? -1 : (tails[tails.length - 1] as number)
  while (k !== -1) {
    keep.add(k)
    k = prev[k] as number
  }
  return keep
}

export const repair = async (dir: string, options: RepairOptions = {}): Promise<RepairReport> => {
  const p = pathsOf(dir)
  fs.mkdirSync(p.dir, { recursive: true })
  const release = await acquire(p.lock, options)
  try {
    let source: string
    let segments: Array<Segment>
    let original: Buffer | undefined
    const backups: Array<string> = []
    const fromItems = (file: string, text: string): Array<Segment> => {
      let items: ReadonlyArray<unknown>
      try {
        items = legacyItems(text, file)
      } catch (e) {
        throw findingsError(
          "CorruptLedger",
          `${file} is not a JSON array of findings${options.fromView === true ? "" : " and there is no findings.ndjson to rebuild it from"}: fix it by hand (${(e as Error).message})`,
          { file }
        )
      }
      return items.map((i) => ({ text: JSON.stringify(i), terminated: true }))
    }
    if (options.fromView === true) {
      if (!fs.existsSync(p.view)) throw findingsError("NotFound", `--from-view: there is no ${p.view} to take in`)
      source = p.view
      original = fs.readFileSync(p.view)
      segments = fromItems(p.view, original.toString("utf8"))
    } else if (fs.existsSync(p.journal)) {
      source = p.journal
      original = fs.readFileSync(p.journal)
      let text = original.toString("utf8")
      if (text.startsWith("\uFEFF")) text = text.slice(1)
      const parts = text.split("\n")
      const tail = parts.pop() ?? ""
      segments = parts.map((t) => ({ text: t, terminated: true }))
      if (tail !== "") segments.push({ text: tail, terminated: false })
    } else {
      const legacy = legacyFiles(p)
      if (legacy === undefined) {
        source = p.journal
        segments = []
      } else {
        source = legacy.source
        original = Buffer.from(legacy.texts.map(([, t]) => t).join(""))
        segments = legacy.items.map((i) => ({ text: JSON.stringify(i), terminated: true }))
        for (const [file, text] of legacy.texts) backups.push(backupOf(file, text))
      }
    }
    // Each line on its own, ignoring order; then keep the longest run of increasing ids.
    const checked = segments.map((s, i) => {
      if (!s.terminated)
        return { i, problem: "unterminated last line: an append cut by a crash, never acknowledged" as string }
      if (s.text.trim() === "") return { i, problem: "blank line" }
      const c = checkLine(s.text, 0)
      return Result.isFailure(c) ? { i, problem: c.failure } : { i, finding: c.success }
    })
    const ids = checked.map((c) => (c.finding === undefined ? undefined : parseId(c.finding.id)))
    const keep = increasing(ids)
    const kept: Array<{ readonly line: string; readonly type: keyof typeof TYPE_LEDGER }> = []
    const rejected: Array<{ line: number; reason: string; text: string }> = []
    let previous: { id: string; line: number } | undefined
    for (const c of checked) {
      const text = (segments[c.i] as Segment).text
      if (c.finding === undefined) {
        rejected.push({ line: c.i + 1, reason: c.problem ?? "invalid", text })
        continue
      }
      if (!keep.has(c.i)) {
        rejected.push({
          line: c.i + 1,
          reason: `id ${c.finding.id} is out of order${previous === undefined ? "" : ` (after ${previous.id} on line ${previous.line})`}: ids must increase, and keeping this line would set aside more lines than it`,
          text
        })
        continue
      }
      kept.push({ line: JSON.stringify(c.finding), type: c.finding.type })
      previous = { id: c.finding.id, line: c.i + 1 }
    }
    const journalText = kept.map((k) => `${k.line}\n`).join("")
    const journalBefore = fs.existsSync(p.journal) ? fs.readFileSync(p.journal) : undefined
    const changed = journalBefore === undefined || !journalBefore.equals(Buffer.from(journalText))
    if (changed && original !== undefined && backups.length === 0) backups.push(backupOf(source, original))
    if (changed && source !== p.journal && journalBefore !== undefined) backups.push(backupOf(p.journal, journalBefore))
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
    if (changed) writeAtomic(p.journal, journalText)
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
      if (have !== undefined && !(options.fromView === true && file === p.view)) backups.push(backupOf(file, have))
      writeAtomic(file, want)
      rebuilt.push(file)
    }
    return {
      dir: p.dir,
      journal: p.journal,
      source,
      kept: kept.length,
      rejected: rejected.map(({ line, reason }) => ({ line, reason })),
      backup: backups[0],
      backups,
      rebuilt
    }
  } finally {
    release()
  }
}
