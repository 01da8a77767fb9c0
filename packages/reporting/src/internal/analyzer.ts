/**
 * The log analyzer's hot path: plain, allocation-light, constant memory. Text goes in as chunks; lines are cut
 * with `indexOf("\n")`, parsed with `JSON.parse`, and folded into fixed-size accumulators:
 *
 * ```
 * chunk ─▶ lines ─▶ JSON.parse ─┬─▶ levels / components (capped map) / first+last time
 *                 (torn: counted, ├─▶ gaps (previous time)      bursts (current window, open burst)
 *                  10 examples)  ├─▶ slow operations (top N)
 *                                └─▶ errors ─▶ fingerprint map (capped) ─▶ first example + before/after lines
 * ```
 *
 * Every string kept beyond the current line is copied (`Buffer.from(...).toString()`), so no kept value pins a
 * whole chunk in memory.
 */
import { createHash } from "node:crypto"

export type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal"

export interface AnalyzerOptions {
  readonly gapMs: number
  readonly burstWindowMs: number
  readonly burstThreshold: number
  readonly slowMs: number
  readonly contextLines: number
  readonly maxFingerprints: number
  readonly maxAnomalies: number
  readonly maxComponents: number
  readonly maxLineChars: number
}

export interface TornExample {
  readonly line: number
  readonly preview: string
}
export interface Burst {
  start: string
  end: string
  errors: number
  windows: number
}
export interface Gap {
  readonly from: string
  readonly to: string
  readonly gapMs: number
  readonly line: number
}
export interface SlowOperation {
  readonly line: number
  readonly time: string | null
  readonly durationMs: number
  readonly field: string
  readonly component: string | null
  readonly correlationId: string | null
  readonly msg: string
}
export interface ContextLine {
  readonly line: number
  readonly text: string
}
export interface ErrorGroup {
  readonly fingerprint: string
  count: number
  firstSeen: string | null
  lastSeen: string | null
  readonly level: string
  readonly component: string | null
  readonly type: string
  readonly message: string
  readonly stack: string | null
  readonly correlationIds: Array<string>
  readonly example: {
    readonly line: number
    readonly time: string | null
    readonly correlationId: string | null
    readonly msg: string
    readonly before: Array<ContextLine>
    readonly after: Array<ContextLine>
  }
}

export interface Raw {
  lines: number
  blank: number
  parsed: number
  torn: number
  tornExamples: Array<TornExample>
  oversized: number
  levels: Record<Level | "other", number>
  /** Counters are boxed so that a hit costs one map lookup. */
  components: Map<string, { n: number }>
  componentsOther: number
  untimed: number
  firstMs: number | null
  lastMs: number | null
  errorLines: number
  groups: Map<string, ErrorGroup>
  groupsOther: number
  bursts: Array<Burst>
  burstsTotal: number
  gaps: Array<Gap>
  gapsTotal: number
  slow: Array<SlowOperation>
  slowTotal: number
}

const NUMERIC_LEVEL: Record<number, Level> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal"
}
const DURATION_FIELDS = [
  "durationMs",
  "duration_ms",
  "latencyMs",
  "latency_ms",
  "elapsedMs",
  "elapsed_ms",
  "responseTime",
  "duration"
] as const
const MAX_CORRELATION_IDS = 10
const MAX_TORN_EXAMPLES = 10
const MAX_TEXT = 2000

/** Copies a string so that it does not share memory with the chunk it was cut from. */
const own = (s: string, max = MAX_TEXT): string => {
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s
  return Buffer.from(cut, "utf8").toString("utf8")
}

const LABEL: Record<string, Level> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  error: "error",
  fatal: "fatal"
}

const levelOf = (value: unknown): Level | "other" => {
  if (typeof value === "string") {
    // Plain comparisons first: parsed values are not internalised, so a keyed lookup would hash every one.
    if (value === "info") return "info"
    if (value === "debug") return "debug"
    if (value === "warn") return "warn"
    if (value === "error") return "error"
    return LABEL[value] ?? LABEL[value.toLowerCase()] ?? "other"
  }
  if (typeof value === "number") return NUMERIC_LEVEL[Math.floor(value / 10) * 10] ?? (value > 60 ? "fatal" : "other")
  return "other"
}

/**
 * Parses `time`. ISO strings of the usual shape (`2026-11-24T10:00:00.123Z`) are parsed once per second: lines of
 * the same second reuse the second's epoch and add the milliseconds, which saves a `Date.parse` per line.
 */
const makeTimeOf = () => {
  let secondPrefix = "\u0000"
  let secondMs = 0
  return (value: unknown): number | undefined => {
    if (typeof value === "number") return Number.isFinite(value) ? value : undefined
    if (typeof value !== "string") return undefined
    if (value.length === 24 && value.charCodeAt(19) === 46 && value.charCodeAt(23) === 90) {
      const a = value.charCodeAt(20) - 48
      const b = value.charCodeAt(21) - 48
      const c = value.charCodeAt(22) - 48
      if (a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) {
        if (!value.startsWith(secondPrefix)) {
          const base = Date.parse(`${value.slice(0, 19)}Z`)
          if (Number.isNaN(base)) return undefined
          secondPrefix = Buffer.from(value.slice(0, 19), "latin1").toString("latin1")
          secondMs = base
        }
        return secondMs + a * 100 + b * 10 + c
      }
    }
    const t = Date.parse(value)
    return Number.isNaN(t) ? undefined : t
  }
}

/** Replaces the parts of a message that vary between occurrences of the same error. */
export const normalizeMessage = (message: string): string =>
  message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b/gi, "<hex>")
    .replace(/\d+(\.\d+)?/g, "<n>")
    .slice(0, 300)

/** The first `at …` frame of a stack, without line and column. */
export const topFrame = (stack: string | null): string => {
  if (stack === null) return ""
  const m = /^\s*at\s+(.+)$/m.exec(stack)
  return m === null ? "" : m[1]!.replace(/:\d+:\d+\)?$/, "").replace(/\(?(?:file:\/\/)?[^()\s]*[/\\]/, "")
}

interface ErrInfo {
  type: string
  message: string
  stack: string | null
}

const errInfo = (err: unknown, msg: string): ErrInfo => {
  if (typeof err === "string") {
    const first = err.split("\n", 1)[0]!.trim()
    const m = /^([A-Za-z_$][\w$.]*(?:Error|Exception|Defect)?):\s*(.*)$/.exec(first)
    return m === null
      ? { type: "Error", message: first || msg, stack: err.includes("\n") ? err : null }
      : { type: m[1]!, message: m[2]!, stack: err.includes("\n") ? err : null }
  }
  if (err !== null && typeof err === "object") {
    const e = err as Record<string, unknown>
    const type = typeof e.type === "string" ? e.type : typeof e.name === "string" ? e.name : "Error"
    const message = typeof e.message === "string" ? e.message : msg
    const stack = typeof e.stack === "string" ? e.stack : null
    return { type, message, stack }
  }
  return { type: "(log)", message: msg, stack: null }
}

const str = (value: unknown): string | null => (typeof value === "string" ? value : null)

/** A streaming analyzer: feed text with `push`, finish with `end`. */
export const make = (options: AnalyzerOptions) => {
  const raw: Raw = {
    lines: 0,
    blank: 0,
    parsed: 0,
    torn: 0,
    tornExamples: [],
    oversized: 0,
    levels: { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, other: 0 },
    components: new Map(),
    componentsOther: 0,
    untimed: 0,
    firstMs: null,
    lastMs: null,
    errorLines: 0,
    groups: new Map(),
    groupsOther: 0,
    bursts: [],
    burstsTotal: 0,
    gaps: [],
    gapsTotal: 0,
    slow: [],
    slowTotal: 0
  }
  const k = options.contextLines
  // Ring buffer of the last k raw lines (as cut: slices of a chunk, copied only when kept).
  const ring: Array<string> = new Array(k)
  const ringLine: Array<number> = new Array(k)
  let ringSize = 0
  let ringHead = 0
  // Examples still collecting their `after` lines.
  let pending: Array<ContextLine[]> = []
  let prevMs: number | null = null
  let burstWindow = Number.NaN
  let burstCount = 0
  let openBurst: Burst | null = null
  let openBurstLastWindow = Number.NaN
  let rest = ""
  let skipping = false
  const timeOf = makeTimeOf()
  let minSlow = 0

  const flushBurstWindow = () => {
    if (burstCount >= options.burstThreshold) {
      const start = burstWindow * options.burstWindowMs
      const end = start + options.burstWindowMs
      if (openBurst !== null && openBurstLastWindow === burstWindow - 1) {
        openBurst.end = new Date(end).toISOString()
        openBurst.errors += burstCount
        openBurst.windows++
      } else {
        raw.burstsTotal++
        const b: Burst = {
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          errors: burstCount,
          windows: 1
        }
        if (raw.bursts.length < options.maxAnomalies) raw.bursts.push(b)
        openBurst = b
      }
      openBurstLastWindow = burstWindow
    }
  }

  const torn = (line: string, lineNo: number) => {
    raw.torn++
    if (raw.tornExamples.length < MAX_TORN_EXAMPLES) raw.tornExamples.push({ line: lineNo, preview: own(line, 120) })
  }

  /** A line over `maxLineChars`: torn, and only its first 120 characters are kept anywhere. */
  const oversized = (text: string, lineNo: number) => {
    const preview = text.slice(0, 120)
    raw.oversized++
    torn(preview, lineNo)
    remember(preview, lineNo)
  }

  const remember = (line: string, lineNo: number) => {
    if (pending.length > 0) {
      const text = own(line)
      for (const p of pending) p.push({ line: lineNo, text })
      if (pending[0]!.length >= k) pending = pending.filter((p) => p.length < k)
    }
    if (k === 0) return
    ring[ringHead] = line
    ringLine[ringHead] = lineNo
    ringHead = (ringHead + 1) % k
    if (ringSize < k) ringSize++
  }

  const before = (): Array<ContextLine> => {
    const out: Array<ContextLine> = []
    for (let i = 0; i < ringSize; i++) {
      const at = (ringHead - ringSize + i + k) % k
      out.push({ line: ringLine[at]!, text: own(ring[at]!) })
    }
    return out
  }

  /** Folds an error line into its group; returns the `after` list of a new group's example, to be filled. */
  const onError = (
    obj: Record<string, unknown>,
    level: string,
    ms: number | undefined,
    lineNo: number
  ): Array<ContextLine> | undefined => {
    raw.errorLines++
    const msg = str(obj.msg) ?? str(obj.message) ?? ""
    const info = errInfo(obj.err ?? obj.error, msg)
    const component = str(obj.component)
    const key = `${info.type}\u0000${normalizeMessage(info.message)}\u0000${topFrame(info.stack)}\u0000${component ?? ""}`
    const time = ms === undefined ? null : new Date(ms).toISOString()
    const correlationId = str(obj.correlationId)
    let fresh: Array<ContextLine> | undefined
    let g = raw.groups.get(key)
    if (g === undefined) {
      if (raw.groups.size >= options.maxFingerprints) {
        raw.groupsOther++
        return undefined
      }
      const after: Array<ContextLine> = []
      g = {
        fingerprint: createHash("sha1").update(key).digest("hex").slice(0, 12),
        count: 0,
        firstSeen: time,
        lastSeen: time,
        level,
        component: component === null ? null : own(component, 200),
        type: own(info.type, 200),
        message: own(info.message),
        stack: info.stack === null ? null : own(info.stack, 8000),
        correlationIds: [],
        example: {
          line: lineNo,
          time,
          correlationId: correlationId === null ? null : own(correlationId, 200),
          msg: own(msg),
          before: before(),
          after
        }
      }
      raw.groups.set(key, g)
      fresh = k > 0 ? after : undefined
    }
    g.count++
    if (time !== null) {
      if (g.firstSeen === null || time < g.firstSeen) g.firstSeen = time
      if (g.lastSeen === null || time > g.lastSeen) g.lastSeen = time
    }
    if (
      correlationId !== null &&
      g.correlationIds.length < MAX_CORRELATION_IDS &&
      !g.correlationIds.includes(correlationId)
    )
      g.correlationIds.push(own(correlationId, 200))
    return fresh
  }

  const line = (text: string, lineNo: number) => {
    raw.lines++
    if (text.length === 0) {
      raw.blank++
      return
    }
    if (text.length > options.maxLineChars) {
      oversized(text, lineNo)
      return
    }
    let obj: Record<string, unknown>
    if (text.charCodeAt(0) !== 123 /* { */) {
      torn(text, lineNo)
      remember(text, lineNo)
      return
    }
    try {
      obj = JSON.parse(text)
    } catch {
      torn(text, lineNo)
      remember(text, lineNo)
      return
    }
    if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
      torn(text, lineNo)
      remember(text, lineNo)
      return
    }
    raw.parsed++
    const level = levelOf(obj.level)
    switch (level) {
      case "info":
        raw.levels.info++
        break
      case "debug":
        raw.levels.debug++
        break
      case "warn":
        raw.levels.warn++
        break
      case "error":
        raw.levels.error++
        break
      case "trace":
        raw.levels.trace++
        break
      case "fatal":
        raw.levels.fatal++
        break
      default:
        raw.levels.other++
    }
    const component = obj.component
    if (typeof component === "string") {
      const c = raw.components.get(component)
      if (c !== undefined) c.n++
      else if (raw.components.size < options.maxComponents) raw.components.set(own(component, 200), { n: 1 })
      else raw.componentsOther++
    }
    const ms = timeOf(obj.time)
    if (ms === undefined) raw.untimed++
    else {
      if (raw.firstMs === null || ms < raw.firstMs) raw.firstMs = ms
      if (raw.lastMs === null || ms > raw.lastMs) raw.lastMs = ms
      if (prevMs !== null && ms - prevMs > options.gapMs) {
        raw.gapsTotal++
        const gap: Gap = {
          from: new Date(prevMs).toISOString(),
          to: new Date(ms).toISOString(),
          gapMs: ms - prevMs,
          line: lineNo
        }
        if (raw.gaps.length < options.maxAnomalies) raw.gaps.push(gap)
        else {
          // keep the longest gaps
          let min = 0
          for (let i = 1; i < raw.gaps.length; i++) if (raw.gaps[i]!.gapMs < raw.gaps[min]!.gapMs) min = i
          if (raw.gaps[min]!.gapMs < gap.gapMs) raw.gaps[min] = gap
        }
      }
      if (prevMs === null || ms > prevMs) prevMs = ms
    }
    // Named loads (one inline cache each) are much cheaper than a loop of keyed loads over JSON.parse's objects.
    const d =
      obj.durationMs ??
      obj.duration_ms ??
      obj.latencyMs ??
      obj.latency_ms ??
      obj.elapsedMs ??
      obj.elapsed_ms ??
      obj.responseTime ??
      obj.duration
    if (typeof d === "number" && d > options.slowMs) {
      raw.slowTotal++
      if (raw.slow.length < options.maxAnomalies || d > minSlow) {
        const op: SlowOperation = {
          line: lineNo,
          time: ms === undefined ? null : new Date(ms).toISOString(),
          durationMs: d,
          field: DURATION_FIELDS.find((f) => obj[f] !== undefined && obj[f] !== null) ?? "duration",
          component: typeof component === "string" ? own(component, 200) : null,
          correlationId: typeof obj.correlationId === "string" ? own(obj.correlationId, 200) : null,
          msg: own(str(obj.msg) ?? "", 500)
        }
        raw.slow.push(op)
        raw.slow.sort((a, b) => b.durationMs - a.durationMs || a.line - b.line)
        if (raw.slow.length > options.maxAnomalies) raw.slow.length = options.maxAnomalies
        minSlow = raw.slow.length < options.maxAnomalies ? 0 : raw.slow[raw.slow.length - 1]!.durationMs
      }
    }
    const rank = level === "error" ? 50 : level === "fatal" ? 60 : 0
    let after: Array<ContextLine> | undefined
    if (rank >= 50 || obj.err !== undefined) {
      after = onError(obj, level, ms, lineNo)
      if (rank >= 50 && ms !== undefined) {
        const w = Math.floor(ms / options.burstWindowMs)
        if (w === burstWindow) burstCount++
        else {
          if (!Number.isNaN(burstWindow)) flushBurstWindow()
          burstWindow = w
          burstCount = 1
        }
      }
    }
    remember(text, lineNo)
    if (after !== undefined) pending.push(after)
  }

  let lineNo = 0
  const emit = (text: string, start: number, nl: number) => {
    if (skipping) {
      skipping = false
      return
    }
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl
    line(text.slice(start, end), ++lineNo)
  }

  const push = (chunk: string) => {
    let start = 0
    if (rest.length > 0) {
      // Only the partial line is joined with the new chunk; the chunk itself is never copied.
      const nl = chunk.indexOf("\n")
      if (nl === -1) {
        rest += chunk
        // +1: the line may still end in "\r", which is not part of it.
        if (rest.length > options.maxLineChars + 1) {
          raw.lines++
          oversized(rest, ++lineNo)
          rest = ""
          skipping = true
        }
        return
      }
      const joined = rest + chunk.slice(0, nl)
      rest = ""
      emit(joined, 0, joined.length)
      start = nl + 1
    }
    for (;;) {
      const nl = chunk.indexOf("\n", start)
      if (nl === -1) break
      emit(chunk, start, nl)
      start = nl + 1
    }
    if (start < chunk.length) {
      if (skipping) return
      const tail = chunk.slice(start)
      if (tail.length > options.maxLineChars + 1) {
        // A line longer than the cap: count it as torn and drop it up to the next newline (constant memory).
        raw.lines++
        oversized(tail, ++lineNo)
        skipping = true
      } else rest = tail
    }
  }

  const end = (): Raw => {
    if (rest.length > 0 && !skipping) line(rest.endsWith("\r") ? rest.slice(0, -1) : rest, ++lineNo)
    rest = ""
    if (!Number.isNaN(burstWindow)) flushBurstWindow()
    burstWindow = Number.NaN
    return raw
  }

  return { push, end }
}
