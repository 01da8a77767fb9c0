/**
 * The file-backed ledger: an fsync'd append-only journal (`findings.ndjson`, the source of truth) and JSON-array
 * views (`findings.json`, `findings/{bugs,strengths,improvements}.json`) derived from it.
 *
 * A view with k entries is exactly `"[\n" + lines.join(",\n") + "\n]\n"` (or `"[]\n"` when empty), every line being
 * the journal's line byte for byte. Views are replaced whole (a temporary file, then `rename`), so a reader only ever
 * sees a complete one. An append is ordered so that nothing is acknowledged unless everything was written:
 *
 * 1. the new views are written to temporary files (a full disk fails here, and nothing changed);
 * 2. the journal line is appended and fdatasync'd (on failure the journal is cut back and the temporaries removed);
 * 3. the temporaries are renamed over the views.
 *
 * Under the lock every writer compares each view with what the journal says it should be. A view that is only
 * behind the journal (a crash between 2 and 3) is brought up to date; any other difference is a hand edit, and the
 * writer refuses (`ViewEdited`) with the difference and the command that takes the edit in, instead of discarding it.
 *
 * The process keeps a cache of what it has read (byte offset, count, fingerprints) and, under the lock, reads only
 * the bytes appended since — by itself or by other processes.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Result } from "effect"
import { type Finding, formatId, parseId } from "../Finding.ts"
import { FindingsError, findingsError } from "../FindingsError.ts"
import { fingerprintOf } from "./fingerprint.ts"
import { type Entry, scan } from "./journal.ts"
import { acquire, type LockOptions } from "./lock.ts"
import { type Paths, pathsOf, TYPE_LEDGER, TYPE_LEDGERS, type TypeLedger } from "./paths.ts"
import { legacyFiles, readLegacy } from "./read.ts"

interface State {
  dev: number
  ino: number
  offset: number
  lineNo: number
  lastId: number
  findings: Array<Finding>
  lines: Array<string>
  fingerprints: Map<string, string>
  /** Per view: entries and Σ line bytes, so its exact size is known without reading it. */
  counts: Record<ViewName, { n: number; bytes: number }>
}

type ViewName = "all" | TypeLedger

/** What a writer last wrote (or verified) a view as: its identity on disk and how many entries it holds. */
interface Seen {
  readonly ino: string
  readonly size: number
  readonly mtimeNs: string
  readonly count: number
}

const emptyCounts = (): State["counts"] => ({
  all: { n: 0, bytes: 0 },
  bugs: { n: 0, bytes: 0 },
  strengths: { n: 0, bytes: 0 },
  improvements: { n: 0, bytes: 0 }
})

const statOf = (file: string): fs.BigIntStats | undefined => {
  try {
    return fs.statSync(file, { bigint: true })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
}

const sameFile = (seen: Seen | undefined, st: fs.BigIntStats): boolean =>
  seen !== undefined &&
  seen.ino === String(st.ino) &&
  seen.size === Number(st.size) &&
  seen.mtimeNs === String(st.mtimeNs)

const freshState = (): State => ({
  dev: -1,
  ino: -1,
  offset: 0,
  lineNo: 1,
  lastId: 0,
  findings: [],
  lines: [],
  fingerprints: new Map(),
  counts: emptyCounts()
})

export interface StoreOptions extends LockOptions {
  /** fsync the views too, not only the journal (default false: the journal is what acknowledges a finding). */
  readonly syncViews?: boolean
}

const io = (what: string, e: unknown): FindingsError =>
  e instanceof FindingsError ? e : findingsError("Io", `${what}: ${(e as Error).message ?? String(e)}`, { cause: e })

export const render = (lines: ReadonlyArray<string>): string =>
  lines.length === 0 ? "[]\n" : `[\n${lines.join(",\n")}\n]\n`

const fsyncDir = (dir: string): void => {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, "r")
    fs.fsyncSync(fd)
  } catch {
    // Some filesystems cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

let tmpCounter = 0

/** A temporary name next to `file` that the lock's sweep recognises (`<name>.<pid>.<n>.tmp`). */
const tmpOf = (file: string): string => `${file}.${process.pid}.${++tmpCounter}.tmp`

/** Writes `data` to a new temporary file next to `file` (fsync'd when `sync`); removes it again on failure. */
export const writeTemp = (file: string, data: string | Buffer, sync = true): string => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = tmpOf(file)
  try {
    const fd = fs.openSync(tmp, "wx")
    try {
      fs.writeFileSync(fd, data)
      if (sync) fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
  return tmp
}

/** Writes `file` atomically: a temporary file, fsync, rename, fsync of the directory. No temporary is left behind. */
export const writeAtomic = (file: string, data: string | Buffer): void => {
  const tmp = writeTemp(file, data)
  try {
    fs.renameSync(tmp, file)
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    throw e
  }
  fsyncDir(path.dirname(file))
}

/**
 * Copies `file` to a backup that never replaces another: `<file>.bak-<timestamp>`, with `-2`, `-3`… when that name is
 * taken. Returns the backup's path.
 */
export const backup = (file: string, data?: string | Buffer): string => {
  const content = data ?? fs.readFileSync(file)
  const base = `${file}.bak-${new Date().toISOString().replace(/[:.]/g, "-")}`
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`
    try {
      fs.writeFileSync(name, content, { flag: "wx" })
      return name
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
        fs.rmSync(name, { force: true })
        throw e
      }
    }
  }
}

/** How a view on disk differs from what the journal says, or `undefined` when it is the journal's (or behind it). */
export const viewDifference = (
  text: string,
  lines: ReadonlyArray<string>,
  name: string
): { readonly stale: boolean; readonly difference?: string } => {
  if (text === render(lines)) return { stale: false }
  let items: unknown
  try {
    items = JSON.parse(text.replace(/^\uFEFF/, ""))
  } catch (e) {
    return { stale: false, difference: `${name} is not valid JSON (${(e as Error).message})` }
  }
  if (!Array.isArray(items)) return { stale: false, difference: `${name} is not a JSON array` }
  const ids = (i: unknown): string =>
    typeof i === "object" && i !== null && typeof (i as { id?: unknown }).id === "string"
      ? (i as { id: string }).id
      : "(no id)"
  for (let k = 0; k < items.length; k++) {
    const item = items[k]
    const want = lines[k]
    if (want === undefined)
      return {
        stale: false,
        difference: `${name} has ${items.length} entries but the journal ${lines.length}: entry ${k + 1} (${ids(item)}) is not in the journal`
      }
    if (JSON.stringify(item) === want) continue
    const journal = JSON.parse(want) as Record<string, unknown>
    if (typeof item !== "object" || item === null || Array.isArray(item))
      return { stale: false, difference: `${name} entry ${k + 1} is not an object (the journal has ${journal.id})` }
    const mine = item as Record<string, unknown>
    const keys = [...new Set([...Object.keys(journal), ...Object.keys(mine)])]
    const changed = keys.filter((key) => JSON.stringify(journal[key]) !== JSON.stringify(mine[key]))
    const first = changed[0]
    if (first === undefined) continue // same fields in another order: not an edit
    const shown = (v: unknown) => {
      const t = v === undefined ? "(absent)" : JSON.stringify(v)
      return t.length > 60 ? `${t.slice(0, 57)}...` : t
    }
    return {
      stale: false,
      difference: `${name} entry ${k + 1} (${journal.id}) differs from the journal in ${changed.join(", ")}: ${first} is ${shown(mine[first])} in ${name} but ${shown(journal[first])} in the journal`
    }
  }
  return { stale: true }
}

/** A file-backed store for one directory. Not safe for concurrent use inside one process: callers serialise. */
export class Store {
  readonly paths: Paths
  private state: State = freshState()
  private readonly options: StoreOptions
  /** The views as writers left them (shared through `.findings.views.json`, read under the lock). */
  private seen: Partial<Record<ViewName, Seen>> = {}

  constructor(dir: string, options: StoreOptions = {}) {
    this.paths = pathsOf(dir)
    this.options = options
  }

  /** Runs `f` holding the cross-process lock, after bringing the cache up to date and checking the views. */
  async locked<A>(f: () => A): Promise<A> {
    try {
      fs.mkdirSync(this.paths.dir, { recursive: true })
    } catch (e) {
      throw io(`cannot create ${this.paths.dir}`, e)
    }
    const release = await acquire(this.paths.lock, this.options)
    try {
      this.catchUp(true)
      this.loadSeen()
      this.checkViews()
      return f()
    } finally {
      this.saveSeen()
      release()
    }
  }

  /** Every finding, read without the lock (plus the cache). */
  snapshot(): ReadonlyArray<Finding> {
    if (!fs.existsSync(this.paths.journal)) return readLegacy(this.paths)
    this.catchUp(false)
    return this.state.findings
  }

  /** Appends one finding built by `build(nextId)`; returns it. Duplicate checks happen in `build`. */
  append(build: (id: string, duplicates: ReadonlyMap<string, string>) => Finding): Promise<Finding> {
    return this.locked(() => {
      const finding = build(formatId(this.state.lastId + 1), this.state.fingerprints)
      const line = JSON.stringify(finding)
      this.writeLine(line, finding)
      return finding
    })
  }

  private linesOf(name: "all" | TypeLedger): Array<string> {
    if (name === "all") return this.state.lines
    return this.state.lines.filter((_, i) => {
      const f = this.state.findings[i]
      return f !== undefined && TYPE_LEDGER[f.type] === name
    })
  }

  private viewFile(name: "all" | TypeLedger): string {
    return name === "all" ? this.paths.view : this.paths.typeViews[name]
  }

  private writeLine(line: string, finding: Finding): void {
    const sync = this.options.syncViews === true
    const ledger = TYPE_LEDGER[finding.type]
    const temps: Array<[string, string]> = []
    const cleanup = () => {
      for (const [, tmp] of temps) fs.rmSync(tmp, { force: true })
    }
    // 1. The new views, complete, in temporary files: a kernel copy of the verified view with the entry spliced in
    //    before its closing bracket (a view with k entries ends in "\n]\n"), or the whole view when it is new.
    try {
      for (const name of ["all", ledger] as const) {
        const file = this.viewFile(name)
        const st = statOf(file)
        if (this.state.counts[name].n === 0 || st === undefined) {
          temps.push([file, writeTemp(file, render([...this.linesOf(name), line]), sync)])
          continue
        }
        const tmp = tmpOf(file)
        temps.push([file, tmp])
        fs.copyFileSync(file, tmp)
        const fd = fs.openSync(tmp, "r+")
        try {
          fs.writeSync(fd, `,\n${line}\n]\n`, Number(st.size) - 3)
          if (sync) fs.fsyncSync(fd)
        } finally {
          fs.closeSync(fd)
        }
      }
    } catch (e) {
      cleanup()
      throw io(`nothing was filed: cannot write the new ${path.basename(this.viewFile("all"))} views`, e)
    }
    // 2. The journal line, durable before anything is acknowledged.
    const created = !fs.existsSync(this.paths.journal)
    let fd: number
    try {
      fd = this.openJournal()
    } catch (e) {
      cleanup()
      throw e
    }
    try {
      const data = Buffer.from(`${line}\n`)
      let done = 0
      while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, this.state.offset + done)
      fs.fdatasyncSync(fd)
      // A new journal's directory entry must be durable too before the first finding is acknowledged.
      if (created) fsyncDir(this.paths.dir)
      const st = fs.fstatSync(fd)
      this.state.dev = st.dev
      this.state.ino = st.ino
    } catch (e) {
      try {
        fs.ftruncateSync(fd, this.state.offset)
      } catch {
        // The next writer cuts an unterminated tail itself (see catchUp).
      }
      cleanup()
      throw io(`nothing was filed: cannot append to ${this.paths.journal}`, e)
    } finally {
      fs.closeSync(fd)
    }
    this.state.offset += Buffer.byteLength(line) + 1
    this.state.lineNo++
    this.rememberFinding(finding, line)
    // 3. The views, replaced whole.
    try {
      for (const [file, tmp] of temps) fs.renameSync(tmp, file)
      for (const name of ["all", ledger] as const) this.remember1(name)
    } catch (e) {
      cleanup()
      throw io(
        `${finding.id} is in the journal ${this.paths.journal} but its views could not be replaced (the next add or \`24h finding repair\` brings them up to date)`,
        e
      )
    }
  }

  private openJournal(): number {
    try {
      return fs.openSync(this.paths.journal, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644)
    } catch (e) {
      throw io(`cannot open ${this.paths.journal}`, e)
    }
  }

  private rememberFinding(f: Finding, line: string): void {
    const s = this.state
    s.findings.push(f)
    s.lines.push(line)
    const bytes = Buffer.byteLength(line)
    for (const c of [s.counts.all, s.counts[TYPE_LEDGER[f.type]]]) {
      c.n++
      c.bytes += bytes
    }
    s.lastId = parseId(f.id) ?? s.lastId
    const fp = fingerprintOf(f)
    if (!s.fingerprints.has(fp)) s.fingerprints.set(fp, f.id)
  }

  private remember(entry: Entry): void {
    this.rememberFinding(entry.finding, entry.line)
  }

  /**
   * Reads the journal bytes appended since the last call. With the lock held, an unterminated tail (an append cut
   * by a crash, never acknowledged) is moved to `findings.rejected.ndjson` and cut off.
   */
  private catchUp(holdingLock: boolean): void {
    const p = this.paths
    let fd: number
    try {
      fd = fs.openSync(p.journal, holdingLock ? fs.constants.O_RDWR : fs.constants.O_RDONLY)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw io(`cannot open ${p.journal}`, e)
      if (this.state.offset > 0) this.state = freshState()
      if (holdingLock) this.importLegacy()
      return
    }
    try {
      const st = fs.fstatSync(fd)
      if (st.ino !== this.state.ino || st.dev !== this.state.dev || st.size < this.state.offset) {
        this.state = freshState()
        this.state.dev = st.dev
        this.state.ino = st.ino
      }
      const length = st.size - this.state.offset
      if (length === 0) return
      const buf = Buffer.allocUnsafe(length)
      let got = 0
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, this.state.offset + got)
        if (n === 0) break
        got += n
      }
      const scanned = scan(buf.subarray(0, got), p.journal, this.state.lineNo, this.state.lastId)
      if (Result.isFailure(scanned)) throw scanned.failure
      const result = scanned.success
      for (const entry of result.entries) {
        this.remember(entry)
        this.state.lineNo++
      }
      this.state.offset += result.consumed
      if (holdingLock && result.tail.length > 0) {
        fs.appendFileSync(
          p.rejected,
          `${JSON.stringify({ at: new Date().toISOString(), file: p.journal, line: this.state.lineNo, reason: "unterminated last line: an append cut by a crash, never acknowledged", text: result.tail.toString("utf8") })}\n`
        )
        fs.ftruncateSync(fd, this.state.offset)
        fs.fdatasyncSync(fd)
      }
    } finally {
      fs.closeSync(fd)
    }
  }

  /**
   * A directory holding only `add_finding.py`-style files (`findings.json`, or only `findings/*.json`): import them
   * into a new journal (timestamps normalised), back each one up, and rewrite every view from the journal.
   */
  private importLegacy(): void {
    const items = legacyFiles(this.paths)
    if (items === undefined) return
    const buf = Buffer.from(items.items.map((i) => `${JSON.stringify(i)}\n`).join(""))
    const scanned = scan(buf, items.source, 1, 0)
    if (Result.isFailure(scanned)) {
      const result = scanned.failure
      throw findingsError(
        "CorruptLedger",
        `${result.message.replace(/Run `24h finding repair.*$/, "")} (entry ${result.line} of the existing ${path.basename(items.source)}). Run \`24h finding repair --output ${this.paths.dir}\` to import the valid entries and set the others aside.`,
        { file: items.source, ...(result.line === undefined ? {} : { line: result.line }) }
      )
    }
    for (const [file, text] of items.texts) backup(file, text)
    writeAtomic(this.paths.journal, scanned.success.entries.map((e) => `${JSON.stringify(e.finding)}\n`).join(""))
    this.state = freshState()
    this.catchUp(true)
    for (const name of ["all", ...TYPE_LEDGERS] as const) writeAtomic(this.viewFile(name), render(this.linesOf(name)))
  }

  private get seenFile(): string {
    return path.join(this.paths.dir, ".findings.views.json")
  }

  private loadSeen(): void {
    try {
      this.seen = JSON.parse(fs.readFileSync(this.seenFile, "utf8")) as Partial<Record<ViewName, Seen>>
    } catch {
      this.seen = {}
    }
  }

  /**
   * Best effort, written in place (a rename per add costs more than the rest of the record is worth): a torn or
   * missing record only makes the next writer verify the views by reading them.
   */
  private saveSeen(): void {
    try {
      fs.writeFileSync(this.seenFile, JSON.stringify(this.seen))
    } catch {
      fs.rmSync(this.seenFile, { force: true })
    }
  }

  /** Records the view `name` as it is on disk now, holding the entries the journal says it holds. */
  private remember1(name: ViewName): void {
    const st = statOf(this.viewFile(name))
    if (st === undefined) delete this.seen[name]
    else
      this.seen[name] = {
        ino: String(st.ino),
        size: Number(st.size),
        mtimeNs: String(st.mtimeNs),
        count: this.state.counts[name].n
      }
  }

  private expectedSize(name: ViewName): number {
    const c = this.state.counts[name]
    return c.n === 0 ? 3 : c.bytes + 2 * c.n + 3
  }

  private rebuild(name: ViewName): void {
    writeAtomic(this.viewFile(name), render(this.linesOf(name)))
    this.remember1(name)
  }

  /**
   * Checks each view against the journal: brings one that is behind up to date, refuses one edited by hand. A view
   * that is still the file a writer left (same inode, size and mtime as recorded) is known without reading it; any
   * other is read and compared entry by entry.
   */
  private checkViews(): void {
    for (const name of ["all", ...TYPE_LEDGERS] as const) {
      const file = this.viewFile(name)
      const n = this.state.counts[name].n
      const st = statOf(file)
      if (st === undefined) {
        if (n > 0) this.rebuild(name)
        continue
      }
      const seen = this.seen[name]
      if (sameFile(seen, st) && seen !== undefined) {
        if (seen.count === n && Number(st.size) === this.expectedSize(name)) continue
        if (seen.count < n) {
          this.rebuild(name) // a complete older view: a crash came between the journal and the rename
          continue
        }
      }
      let text: string
      try {
        text = fs.readFileSync(file, "utf8")
      } catch (e) {
        throw io(`cannot read ${file}`, e)
      }
      // An empty file is what an unsynced rename can leave after a power loss: behind, not edited.
      if (text.length === 0) {
        this.rebuild(name)
        continue
      }
      const lines = this.linesOf(name)
      const d = viewDifference(text, lines, path.relative(this.paths.dir, file))
      if (d.difference !== undefined) {
        throw findingsError(
          "ViewEdited",
          `${d.difference}. The journal ${this.paths.journal} is the source of truth and nothing was changed. To keep the edit run \`24h finding repair --from-view --output ${this.paths.dir}\`; to discard it (a backup is kept) run \`24h finding repair --output ${this.paths.dir}\`.`,
          { file }
        )
      }
      // Equal but not byte for byte (reformatted, keys reordered) or behind: rewrite it in the journal's bytes.
      if (d.stale || text !== render(lines)) this.rebuild(name)
      else this.remember1(name)
    }
  }
}
