/**
 * The pipeline recorder: latencies, errors, counters, checks, notes and fault windows, bucketed into time windows.
 *
 *   record(ms, ok) ──► overall HDR histogram ──► Result.latency
 *                 └──► window[floor((now - start) / windowMs)] (compact HDR) ──► Result.windows
 *   fault(name)    ──► { start, end: null } … end() ──► Result.faultWindows
 *
 * `now` is injected: `Pipeline.run` passes Effect's Clock, so `TestClock` drives windows and fault times.
 */
import { Context } from "effect"
import type * as Check from "../Check.ts"
import * as Histogram from "../Histogram.ts"

/** One window of the result. */
export interface WindowPart {
  readonly start: string
  readonly end: string
  readonly requests: number
  readonly errors: number
  readonly latency: Histogram.Encoded
}

/** One fault window of the result. */
export interface FaultWindowPart {
  readonly name: string
  readonly start: string
  readonly end: string | null
  readonly target?: string
  readonly details?: Record<string, unknown>
}

/**
 * Records what happens during a pipeline. Plain methods, safe to call from hot paths and callbacks.
 */
export interface Recorder {
  /** One request/operation: its latency in ms and whether it succeeded. */
  record(latencyMs: number, ok?: boolean): void
  /** Adds to a named counter (`retries`, `bytes`, `dropped`…), usable in thresholds. */
  count(name: string, by?: number): void
  /** Sets a named counter (a gauge such as `recoveryMs`), usable in thresholds. */
  set(name: string, value: number): void
  /** Marks a fault as started; call the returned function when it ends (extra details merge into the window). */
  fault(
    name: string,
    details?: { readonly target?: string; readonly [key: string]: unknown }
  ): (more?: Readonly<Record<string, unknown>>) => void
  /** A judged statement (an audit, a mock verdict, a probe) that counts in the pipeline's verdict. */
  check(check: Check.Check): void
  /** A note for the report. */
  note(text: string): void
  /** The latency histogram so far. */
  readonly latency: Histogram.Histogram
  /** The recorder's clock, in epoch milliseconds. */
  now(): number
}

/** The recorder of the pipeline running here, if any: load and fault schedules record into it by themselves. */
export class CurrentRecorder extends Context.Service<CurrentRecorder, Recorder>()(
  "@24h/core/Pipeline/CurrentRecorder"
) {}

interface WindowAcc {
  requests: number
  errors: number
  latency: Histogram.Histogram
}

const iso = (ms: number) => new Date(ms).toISOString()

export const makeRecorder = (options: { readonly windowMs?: number; readonly now?: () => number } = {}) => {
  const now = options.now ?? Date.now
  const windowMs = options.windowMs ?? 1000
  if (!(windowMs > 0)) throw new RangeError(`Pipeline.recorder: windowMs must be > 0 (got ${windowMs})`)
  const startedAt = now()
  const latency = Histogram.make()
  const windows = new Map<number, WindowAcc>()
  const counts: Record<string, number> = {}
  const checks: Array<Check.Check> = []
  const faults: Array<{
    name: string
    start: number
    end: number | null
    target?: string
    details?: Record<string, unknown>
  }> = []
  const notes: Array<string> = []
  let requests = 0
  let errors = 0
  const rec: Recorder = {
    latency,
    now,
    record(latencyMs, ok = true) {
      requests++
      if (!ok) errors++
      Histogram.record(latency, latencyMs)
      const index = Math.floor((now() - startedAt) / windowMs)
      let w = windows.get(index)
      if (w === undefined) {
        w = { requests: 0, errors: 0, latency: Histogram.make({ storage: "compact" }) }
        windows.set(index, w)
      }
      w.requests++
      if (!ok) w.errors++
      Histogram.record(w.latency, latencyMs)
    },
    count(name, by = 1) {
      counts[name] = (counts[name] ?? 0) + by
    },
    set(name, value) {
      counts[name] = value
    },
    fault(name, details) {
      const { target, ...rest } = details ?? {}
      const f: (typeof faults)[number] = { name, start: now(), end: null }
      if (typeof target === "string") f.target = target
      if (Object.keys(rest).length > 0) f.details = rest
      faults.push(f)
      return (more) => {
        if (f.end === null) f.end = now()
        if (more !== undefined && Object.keys(more).length > 0) f.details = { ...f.details, ...more }
      }
    },
    check(c) {
      checks.push(c)
    },
    note(text) {
      notes.push(text)
    }
  }
  const close = () => {
    const endedAt = now()
    return {
      startedAt,
      endedAt,
      requests,
      errors,
      counts: { ...counts },
      checks: checks.slice(),
      notes: notes.slice(),
      latency,
      windows: [...windows.entries()]
        .sort(([a], [b]) => a - b)
        .map(
          ([i, w]): WindowPart => ({
            start: iso(startedAt + i * windowMs),
            end: iso(Math.max(startedAt + i * windowMs, Math.min(endedAt, startedAt + (i + 1) * windowMs))),
            requests: w.requests,
            errors: w.errors,
            latency: Histogram.encode(w.latency)
          })
        ),
      faultWindows: faults.map(
        (f): FaultWindowPart => ({
          name: f.name,
          start: iso(f.start),
          end: f.end === null ? null : iso(f.end),
          ...(f.target === undefined ? {} : { target: f.target }),
          ...(f.details === undefined ? {} : { details: f.details })
        })
      )
    }
  }
  return { recorder: rec, close }
}
