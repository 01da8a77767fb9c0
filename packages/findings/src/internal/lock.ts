/**
 * The cross-process ledger lock: a lock file created atomically with `link(2)` (it fails with EEXIST when the lock
 * is held), holding `{ pid, host, nonce, at }`.
 *
 * A holder killed with `kill -9` leaves its lock file behind. A waiter breaks it when the holder is provably gone —
 * same host and `kill(pid, 0)` says no such process — or, for a holder on another host, when the file is older than
 * `staleMs`. Breaking takes a second lock (`<lock>.break`) so two waiters never both break and one of them removes
 * the other's fresh lock. Waiting is bounded by `timeoutMs`; then a `LockTimeout` error names the holder.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { findingsError } from "../FindingsError.ts"

export interface LockOptions {
  /** How long to wait for the lock before failing with `LockTimeout` (default 10 s). */
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

/** Creates `file` atomically with `content`; false when it already exists. */
const tryCreate = (file: string, content: string): boolean => {
  const tmp = `${file}.${process.pid}.${++counter}.tmp`
  fs.writeFileSync(tmp, content)
  try {
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
  let names: Array<string>
  try {
    names = fs.readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    const m = /^findings[^/]*?\.(\d+)(?:\.\d+)?\.tmp$/.exec(name)
    if (m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1])))
      fs.rmSync(path.join(dir, name), { force: true })
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

/**
 * Acquires the lock at `lock`; resolves to its release function.
 */
export const acquire = async (lock: string, options: LockOptions = {}): Promise<() => void> => {
  const timeoutMs = options.timeoutMs ?? 10_000
  const staleMs = options.staleMs ?? 30_000
  const nonce = `${process.pid}-${Date.now()}-${++counter}`
  const content = JSON.stringify({ pid: process.pid, host: HOST, nonce, at: new Date().toISOString() } satisfies Holder)
  const started = Date.now()
  let delay = 1
  let attempt = 0
  for (;;) {
    if (tryCreate(lock, content)) {
      return () => {
        const now = readHolder(lock)
        if (now !== undefined && now.text === content) fs.rmSync(lock, { force: true })
      }
    }
    const seen = readHolder(lock)
    if (seen !== undefined && isStale(seen, staleMs) && breakStale(lock, seen.text, staleMs)) continue
    if (Date.now() - started > timeoutMs) {
      const who =
        seen?.holder !== undefined
          ? `pid ${seen.holder.pid} on ${seen.holder.host} since ${seen.holder.at}`
          : "an unknown holder"
      throw findingsError(
        "LockTimeout",
        `${lock}: held by ${who} for more than ${timeoutMs} ms. If that process is gone (on another host), delete ${lock} and retry.`
      )
    }
    // Deterministic spread: waiters of different pids wake at different moments.
    attempt++
    await sleep(delay + ((process.pid + attempt) % 3))
    delay = Math.min(delay * 2, 25)
  }
}
