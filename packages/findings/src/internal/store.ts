/**
 * The file-backed ledger: an fsync'd append-only journal (`findings.ndjson`, the source of truth) and JSON-array
 * views (`findings.json`, `findings/{bugs,strengths,improvements}.json`) extended in place.
 *
 * A view with k entries is exactly `"[\n" + lines.join(",\n") + "\n]\n"` (or `"[]\n"` when empty), every line being
 * the journal's line byte for byte. An append overwrites the closing `"\n]\n"` with `",\n" + line + "\n]\n"`, so it
 * writes O(entry) bytes whatever the size of the ledger. Because the expected size and tail of each view follow from
 * the journal (size = Σ line bytes + 2k + 3), every writer checks the views under the lock with one `fstat` and one
 * tail read, and rebuilds a view that a crash or a hand edit left inconsistent (keeping the old one as `.bak`).
 *
 * The process keeps a cache of what it has read (byte offset, count, fingerprints, view sizes) and, under the lock,
 * reads only the bytes appended since — by itself or by other processes.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { type Finding, formatId, parseId } from "../Finding.ts"
import { FindingsError, findingsError } from "../FindingsError.ts"
import { fingerprintOf } from "./fingerprint.ts"
import { type Entry, scan } from "./journal.ts"
import { acquire, type LockOptions } from "./lock.ts"
import { type Paths, pathsOf, TYPE_LEDGER, TYPE_LEDGERS, type TypeLedger } from "./paths.ts"
import { legacyItems, readLegacy } from "./read.ts"

interface ViewState {
  count: number
  bytes: number
  last: string | undefined
}

interface State {
  dev: number
  ino: number
  offset: number
  lineNo: number
  lastId: number
  findings: Array<Finding>
  lines: Array<string>
  fingerprints: Map<string, string>
  views: Record<"all" | TypeLedger, ViewState>
}

const emptyViews = (): State["views"] => ({
  all: { count: 0, bytes: 0, last: undefined },
  bugs: { count: 0, bytes: 0, last: undefined },
  strengths: { count: 0, bytes: 0, last: undefined },
  improvements: { count: 0, bytes: 0, last: undefined }
})

const freshState = (): State => ({
  dev: -1,
  ino: -1,
  offset: 0,
  lineNo: 1,
  lastId: 0,
  findings: [],
  lines: [],
  fingerprints: new Map(),
  views: emptyViews()
})

export interface StoreOptions extends LockOptions {
  /** fsync the views too, not only the journal (default false: views are derived and rebuilt from the journal). */
  readonly syncViews?: boolean
}

const io = (what: string, e: unknown): FindingsError =>
  e instanceof FindingsError ? e : findingsError("Io", `${what}: ${(e as Error).message ?? String(e)}`, { cause: e })

const expectedSize = (v: ViewState): number => (v.count === 0 ? 3 : v.bytes + 2 * v.count + 3)

const render = (lines: ReadonlyArray<string>): string => (lines.length === 0 ? "[]\n" : `[\n${lines.join(",\n")}\n]\n`)

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

/** Writes `file` atomically: a temporary file, fsync, rename, fsync of the directory. */
export const writeAtomic = (file: string, data: string | Buffer): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, "w")
  try {
    fs.writeFileSync(fd, data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  fsyncDir(path.dirname(file))
}

/** A file-backed store for one directory. Not safe for concurrent use inside one process: callers serialise. */
export class Store {
  readonly paths: Paths
  private state: State = freshState()
  private readonly options: StoreOptions

  constructor(dir: string, options: StoreOptions = {}) {
    this.paths = pathsOf(dir)
    this.options = options
  }

  /** Runs `f` holding the cross-process lock, after bringing the cache and the views up to date. */
  async locked<A>(f: () => A): Promise<A> {
    try {
      fs.mkdirSync(this.paths.dir, { recursive: true })
    } catch (e) {
      throw io(`cannot create ${this.paths.dir}`, e)
    }
    const release = await acquire(this.paths.lock, this.options)
    try {
      this.catchUp(true)
      this.checkViews()
      return f()
    } finally {
      release()
    }
  }

  /** Every finding, read without the lock (plus the cache). */
  snapshot(): ReadonlyArray<Finding> {
    if (!fs.existsSync(this.paths.journal)) return readLegacy(this.paths.view)
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

  private writeLine(line: string, finding: Finding): void {
    const bytes = Buffer.byteLength(line)
    const created = !fs.existsSync(this.paths.journal)
    const fd = this.openJournal()
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
      throw io(`cannot append to ${this.paths.journal}`, e)
    } finally {
      fs.closeSync(fd)
    }
    this.state.offset += bytes + 1
    this.state.lineNo++
    const ledger = TYPE_LEDGER[finding.type]
    this.extendView(this.paths.view, this.state.views.all, line, bytes)
    this.extendView(this.paths.typeViews[ledger], this.state.views[ledger], line, bytes)
    this.rememberFinding(finding, line)
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
    s.lastId = parseId(f.id) ?? s.lastId
    const fp = fingerprintOf(f)
    if (!s.fingerprints.has(fp)) s.fingerprints.set(fp, f.id)
  }

  private remember(entry: Entry): void {
    const s = this.state
    const f = entry.finding
    this.rememberFinding(f, entry.line)
    for (const v of [s.views.all, s.views[TYPE_LEDGER[f.type]]]) {
      v.count++
      v.bytes += entry.bytes
      v.last = entry.line
    }
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
      const result = scan(buf.subarray(0, got), p.journal, this.state.lineNo, this.state.lastId)
      if (result instanceof FindingsError) throw result
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

  /** A directory holding only an `add_finding.py`-style `findings.json`: import it into a new journal. */
  private importLegacy(): void {
    let text: string
    try {
      text = fs.readFileSync(this.paths.view, "utf8")
    } catch {
      return
    }
    if (text.trim() === "" || text.trim() === "[]") return
    const items = legacyItems(text, this.paths.view)
    const lines: Array<string> = []
    const buf = Buffer.from(items.map((i) => `${JSON.stringify(i)}\n`).join(""))
    const result = scan(buf, this.paths.view, 1, 0)
    if (result instanceof FindingsError) {
      throw findingsError(
        "CorruptLedger",
        `${result.message.replace(/Run `24h finding repair.*$/, "")} (entry ${result.line} of the existing findings.json). Run \`24h finding repair\` to import the valid entries and set the others aside.`,
        { file: this.paths.view, ...(result.line === undefined ? {} : { line: result.line }) }
      )
    }
    for (const e of result.entries) lines.push(e.line)
    writeAtomic(`${this.paths.view}.bak`, text)
    writeAtomic(this.paths.journal, lines.map((l) => `${l}\n`).join(""))
    this.state = freshState()
    this.catchUp(true)
  }

  /** Checks each view's size and tail against the journal; rebuilds any that differ. */
  private checkViews(): void {
    const views: Array<[string, ViewState, "all" | TypeLedger]> = [
      [this.paths.view, this.state.views.all, "all"],
      ...TYPE_LEDGERS.map((t): [string, ViewState, TypeLedger] => [this.paths.typeViews[t], this.state.views[t], t])
    ]
    for (const [file, v, name] of views) {
      if (!this.viewMatches(file, v)) this.rebuildView(file, name)
    }
  }

  private viewMatches(file: string, v: ViewState): boolean {
    let fd: number
    try {
      fd = fs.openSync(file, "r")
    } catch {
      return false
    }
    try {
      const size = fs.fstatSync(fd).size
      if (size !== expectedSize(v)) return false
      const tail = v.last === undefined ? "[]\n" : `${v.last}\n]\n`
      const want = Buffer.from(tail)
      const got = Buffer.alloc(want.length)
      fs.readSync(fd, got, 0, want.length, size - want.length)
      return got.equals(want)
    } finally {
      fs.closeSync(fd)
    }
  }

  private rebuildView(file: string, name: "all" | TypeLedger): void {
    const lines = this.state.lines.filter((_, i) => {
      const f = this.state.findings[i]
      return name === "all" || (f !== undefined && TYPE_LEDGER[f.type] === name)
    })
    if (fs.existsSync(file)) {
      try {
        fs.copyFileSync(file, `${file}.bak`)
      } catch (e) {
        throw io(`cannot back up ${file}`, e)
      }
    }
    writeAtomic(file, render(lines))
  }

  /**
   * Extends a view in place. The finding is already acknowledged by the journal, so a failure here is not the
   * caller's: the counters move on regardless, the file then no longer matches them, and the next writer rebuilds it.
   */
  private extendView(file: string, v: ViewState, line: string, bytes: number): void {
    const at = v.count === 0 ? 1 : expectedSize(v) - 3
    const chunk = v.count === 0 ? `\n${line}\n]\n` : `,\n${line}\n]\n`
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644)
      try {
        if (v.count === 0) fs.writeSync(fd, "[]\n", 0)
        fs.writeSync(fd, chunk, at)
        if (this.options.syncViews === true) fs.fdatasyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
    } catch {
      // Rebuilt from the journal by the next writer (see checkViews).
    }
    v.count++
    v.bytes += bytes
    v.last = line
  }
}
