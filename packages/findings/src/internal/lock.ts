/**
 * The cross-process ledger lock: a lock file created atomically with `link(2)` (it fails with EEXIST when the lock
 * is held), holding `{ pid, host, nonce, at }`.
 *
 * A holder killed with `kill -9` leaves its lock file behind. A waiter breaks it when the holder is provably gone —
 * same host and `kill(pid, 0)` says no such process — or, for a holder on another host, when the file is older than
 * `staleMs`. Breaking takes a second lock (`<lock>.break`) so two waiters never both break and one of them removes
 * the other's fresh lock.
 *
 * Waiters queue: each writes a ticket `<lock>.queue/<time>-<pid>-<n>` and only the first live ticket tries the lock,
 * so writers are served in arrival order instead of racing (under 16 writers a retry race let some wait for seconds
 * while others went through). Tickets of dead processes are removed by the next waiter. Waiting is bounded by
 * `timeoutMs` (default 30 s, or `H24_LOCK_TIMEOUT_MS`); then a `LockTimeout` error says how long it waited, its place
 * in the queue, who held the lock, and how to raise the limit. A waiter that gives up removes its ticket.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { findingsError } from "../FindingsError.ts"

export interface LockOptions {
  /**
   * How long to wait for the lock before failing with `LockTimeout` (default: `H24_LOCK_TIMEOUT_MS`, else 30 s).
   */
  readonly timeoutMs?: number
  /** Age after which a lock held from another host is considered abandoned (default 30 s). */
  readonly staleMs?: number
}

interface Holder {
  readonly pid: number
  readonly host: string
  readonly nonce: string
  readonly at: string
}

const HOST = os.hostname()
let counter = 0

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

const readHolder = (
  file: string
): { readonly text: string; readonly holder?: Holder; readonly ageMs: number } | undefined => {
  try {
    const text = fs.readFileSync(file, "utf8")
    const ageMs = Date.now() - fs.statSync(file).mtimeMs
    try {
      return { text, holder: JSON.parse(text) as Holder, ageMs }
    } catch {
      return { text, ageMs }
    }
  } catch {
    return undefined
  }
}

/** Creates `file` atomically with `content`; false when it already exists. Leaves no temporary file behind. */
const tryCreate = (file: string, content: string): boolean => {
  const tmp = `${file}.${process.pid}.${++counter}.tmp`
  try {
    fs.writeFileSync(tmp, content)
    fs.linkSync(tmp, file)
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false
    throw e
  } finally {
    fs.rmSync(tmp, { force: true })
  }
}

const isStale = (seen: { readonly holder?: Holder; readonly ageMs: number }, staleMs: number): boolean =>
  seen.holder !== undefined && seen.holder.host === HOST && typeof seen.holder.pid === "number"
    ? !alive(seen.holder.pid)
    : seen.ageMs > staleMs

/**
 * Removes temporary files (`<name>.<pid>.tmp`, `<name>.<pid>.<n>.tmp`) that processes now dead left in the ledger
 * directory when they were killed mid-write. Runs only when a stale lock is broken, i.e. after a crash.
 */
const sweepTemporaries = (dir: string): void => {
  for (const d of [dir, path.join(dir, "findings")]) {
    let names: Array<string>
    try {
      names = fs.readdirSync(d)
    } catch {
      continue
    }
    for (const name of names) {
      const m = /^\.?(?:findings|bugs|strengths|improvements)[^/]*?\.(\d+)(?:\.\d+)?\.tmp$/.exec(name)
      if (m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1])))
        fs.rmSync(path.join(d, name), { force: true })
    }
  }
}

/** Removes an abandoned lock whose content is still `text`, under the break lock; true when it did. */
const breakStale = (lock: string, text: string, staleMs: number): boolean => {
  const brk = `${lock}.break`
  const me = JSON.stringify({
    pid: process.pid,
    host: HOST,
    nonce: `${process.pid}-${++counter}`,
    at: new Date().toISOString()
  })
  if (!tryCreate(brk, me)) {
    const other = readHolder(brk)
    if (other !== undefined && isStale(other, Math.min(staleMs, 5_000))) fs.rmSync(brk, { force: true })
    return false
  }
  try {
    const now = readHolder(lock)
    if (now === undefined || now.text !== text) return false
    fs.rmSync(lock, { force: true })
    sweepTemporaries(path.dirname(lock))
    return true
  } finally {
    fs.rmSync(brk, { force: true })
  }
}

/** The default wait: `H24_LOCK_TIMEOUT_MS` when set to a positive integer, else 30 s. */
export const defaultTimeoutMs = (): number => {
  const env = process.env.H24_LOCK_TIMEOUT_MS
  const n = env === undefined ? Number.NaN : Number(env)
  return Number.isSafeInteger(n) && n > 0 ? n : 30_000
}

const TICKET = /^(\d{15})-(\d+)-(\d+)$/

/** Waits until something changes in `dir` or `ms` pass. */
class Waker {
  private watcher: fs.FSWatcher | undefined
  private wake: (() => void) | undefined
  constructor(dir: string) {
    try {
      this.watcher = fs.watch(dir, () => this.wake?.())
      this.watcher.on("error", () => this.close())
    } catch {
      this.watcher = undefined
    }
  }
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      const self = this
      function done() {
        clearTimeout(timer)
        self.wake = undefined
        resolve()
      }
      this.wake = done
    })
  }
  close(): void {
    this.watcher?.close()
    this.watcher = undefined
  }
}

/**
 * Acquires the lock at `lock`, waiting in its queue; resolves to its release function.
 */
export const acquire = async (lock: string, options: LockOptions = {}): Promise<() => void> => {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs()
  const staleMs = options.staleMs ?? 30_000
  const queue = `${lock}.queue`
  const nonce = `${process.pid}-${Date.now()}-${++counter}`
  const content = JSON.stringify({ pid: process.pid, host: HOST, nonce, at: new Date().toISOString() } satisfies Holder)
  const started = Date.now()
  const release = () => {
    const now = readHolder(lock)
    if (now !== undefined && now.text === content) fs.rmSync(lock, { force: true })
  }
  // Nobody waiting (no queue): take the lock at once if it is free, without a ticket.
  if (!fs.existsSync(queue) && tryCreate(lock, content)) return release
  const ticketName = `${String(started).padStart(15, "0")}-${process.pid}-${++counter}`
  const ticket = path.join(queue, ticketName)
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(queue, { recursive: true })
      fs.writeFileSync(ticket, content, { flag: "wx" })
      break
    } catch (e) {
      fs.rmSync(ticket, { force: true })
      // The queue directory was removed by a releasing holder between mkdir and write: make it again.
      if ((e as NodeJS.ErrnoException).code === "ENOENT" && attempt < 100) continue
      throw findingsError("Io", `cannot join the lock queue ${queue}: ${(e as Error).message}`, { cause: e })
    }
  }
  const leave = () => {
    fs.rmSync(ticket, { force: true })
    try {
      fs.rmdirSync(queue)
    } catch {
      // Not empty: others are waiting.
    }
  }
  // Watching the queue costs a little: only a waiter that has to wait sets it up.
  let waker: Waker | undefined
  let lastSweep = 0
  try {
    for (;;) {
      let names: Array<string>
      try {
        names = fs.readdirSync(queue).filter((n) => TICKET.test(n))
      } catch {
        names = [ticketName]
      }
      names.sort()
      let ahead = names.filter((n) => n < ticketName)
      if (ahead.length > 0 && Date.now() - lastSweep > 100) {
        lastSweep = Date.now()
        ahead = ahead.filter((n) => {
          const seen = readHolder(path.join(queue, n))
          if (seen === undefined) return false
          if (!isStale(seen, staleMs)) return true
          fs.rmSync(path.join(queue, n), { force: true })
          return false
        })
      }
      if (ahead.length === 0) {
        if (tryCreate(lock, content)) {
          waker?.close()
          return () => {
            release()
            leave()
          }
        }
        const seen = readHolder(lock)
        if (seen !== undefined && isStale(seen, staleMs) && breakStale(lock, seen.text, staleMs)) continue
      }
      const waited = Date.now() - started
      if (waited > timeoutMs) {
        const seen = readHolder(lock)
        const who =
          seen?.holder !== undefined
            ? `the lock is held by pid ${seen.holder.pid} on ${seen.holder.host} since ${seen.holder.at}`
            : "the lock is free but an earlier waiter was about to take it"
        throw findingsError(
          "LockTimeout",
          `${lock}: waited ${waited} ms (the limit) at place ${ahead.length + 1} of ${names.length} in the queue; ${who}. The writers ahead are alive and being served in turn: raise the limit with --lock-timeout MS or H24_LOCK_TIMEOUT_MS (now ${timeoutMs}). A holder on another host that is gone: delete ${lock}.`
        )
      }
      waker ??= new Waker(queue)
      await waker.wait(ahead.length === 0 ? 2 : 25)
    }
  } catch (e) {
    waker?.close()
    leave()
    throw e
  }
}
