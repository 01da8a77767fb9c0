/**
 * Client-resilience verdicts computed from an `HttpMock` journal: did the client retry at most k times, honour
 * `Retry-After`, put jitter in its backoff, avoid duplicate non-idempotent POSTs, and recover within T after a fault
 * ended?
 *
 * Requests are grouped into *operations*: by `Idempotency-Key` when present, otherwise by method, path, query and
 * body. A *retry* is a request that follows a failed attempt of the same operation (no response, a 5xx or a 429).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpMock, Verdict } from "@24h/mocks"
 *
 * const check = (mock: HttpMock.HttpMock) =>
 *   Effect.map(mock.journal, (journal) =>
 *     Verdict.all([
 *       Verdict.retriedAtMost(journal, { k: 3 }),
 *       Verdict.honouredRetryAfter(journal),
 *       Verdict.noDuplicatePost(journal)
 *     ])
 *   )
 * ```
 *
 * @since 0.1.0
 */
import type { Check } from "@24h/core"
import type { Journal, JournalEntry } from "./HttpMock.ts"

/**
 * The outcome of one check. `inconclusive` means the journal had too little evidence (then `pass` is false).
 *
 * @example
 * ```ts
 * import type { Verdict } from "@24h/mocks"
 * const report = (v: Verdict.Verdict) => `${v.pass ? "PASS" : "FAIL"} ${v.name}: ${v.message}`
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Verdict {
  readonly name: string
  readonly pass: boolean
  readonly inconclusive: boolean
  readonly message: string
  readonly evidence: ReadonlyArray<string>
}

/**
 * Which requests a verdict looks at. Default: all of them.
 *
 * @example
 * ```ts
 * import type { Verdict } from "@24h/mocks"
 * const payments: Verdict.Filter = { method: "POST", path: /^\/payments/ }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Filter {
  readonly method?: string
  readonly path?: string | RegExp
  readonly route?: string
}

const select = (journal: Journal, f: Filter): Array<JournalEntry> =>
  journal.requests.filter(
    (e) =>
      (f.method === undefined || e.method === f.method.toUpperCase()) &&
      (f.route === undefined || e.route === f.route) &&
      (f.path === undefined || (typeof f.path === "string" ? e.path === f.path : f.path.test(e.path)))
  )

/**
 * The operation a request belongs to: its idempotency key, or method + path + query + body.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const operations = (entries: ReadonlyArray<HttpMock.JournalEntry>) => new Set(entries.map(Verdict.operationOf)).size
 * ```
 *
 * @category grouping
 * @since 0.1.0
 */
export const operationOf = (e: JournalEntry): string =>
  e.idempotencyKey !== undefined
    ? `key:${e.idempotencyKey}`
    : `${e.method} ${e.path}?${new URLSearchParams(e.query as Record<string, string>).toString()} ${e.body}`

const failed = (e: JournalEntry): boolean =>
  e.status === undefined || e.status >= 500 || e.status === 429 || e.fault === "truncate" || e.fault === "malformed"

const groups = (entries: ReadonlyArray<JournalEntry>): Map<string, Array<JournalEntry>> => {
  const m = new Map<string, Array<JournalEntry>>()
  for (const e of entries) {
    const k = operationOf(e)
    const g = m.get(k)
    if (g === undefined) m.set(k, [e])
    else g.push(e)
  }
  return m
}

const label = (e: JournalEntry): string => `#${e.seq} ${e.method} ${e.path}`
const make = (
  name: string,
  pass: boolean,
  message: string,
  evidence: ReadonlyArray<string> = [],
  inconclusive = false
): Verdict => ({
  name,
  pass: pass && !inconclusive,
  inconclusive,
  message,
  evidence
})

/**
 * Passes when no operation was retried more than `k` times in a row after failures.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const v = (journal: HttpMock.Journal) => Verdict.retriedAtMost(journal, { k: 3, method: "GET" })
 * ```
 *
 * @category verdicts
 * @since 0.1.0
 */
export const retriedAtMost = (journal: Journal, options: Filter & { readonly k: number }): Verdict => {
  const name = `retried at most ${options.k} times`
  let worst = 0
  const evidence: Array<string> = []
  for (const [op, g] of groups(select(journal, options))) {
    let streak = 0
    for (let i = 1; i < g.length; i++) {
      streak = failed(g[i - 1]!) ? streak + 1 : 0
      if (streak > worst) worst = streak
      if (streak === options.k + 1) evidence.push(`${op.slice(0, 80)}: retry ${streak} at ${label(g[i]!)}`)
    }
  }
  return worst <= options.k
    ? make(name, true, `at most ${worst} retr${worst === 1 ? "y" : "ies"} in a row`)
    : make(name, false, `an operation was retried ${worst} times in a row (limit ${options.k})`, evidence)
}

/**
 * Passes when, after every response carrying `Retry-After`, the next attempt of the same operation waited at least
 * that long (minus `toleranceMs`, default 50). Inconclusive when no response carried `Retry-After`.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const v = (journal: HttpMock.Journal) => Verdict.honouredRetryAfter(journal, { toleranceMs: 20 })
 * ```
 *
 * @category verdicts
 * @since 0.1.0
 */
export const honouredRetryAfter = (
  journal: Journal,
  options: Filter & { readonly toleranceMs?: number } = {}
): Verdict => {
  const name = "honoured Retry-After"
  const tol = options.toleranceMs ?? 50
  let seen = 0
  const evidence: Array<string> = []
  for (const g of groups(select(journal, options)).values()) {
    for (let i = 0; i < g.length - 1; i++) {
      const e = g[i]!
      if (e.retryAfterMs === undefined) continue
      seen++
      const earliest = (e.endedAt ?? e.at) + e.retryAfterMs - tol
      const next = g[i + 1]!
      if (next.at < earliest) {
        evidence.push(
          `${label(next)} came ${Math.round(next.at - (e.endedAt ?? e.at))} ms after ${label(e)} answered ${e.status} with Retry-After ${e.retryAfterMs / 1000} s`
        )
      }
    }
  }
  if (seen === 0) return make(name, false, "no retried response carried Retry-After", [], true)
  return evidence.length === 0
    ? make(name, true, `waited as asked after ${seen} Retry-After response(s)`)
    : make(name, false, `${evidence.length} of ${seen} retries came before Retry-After elapsed`, evidence)
}

/**
 * Passes when retry delays vary more than a deterministic schedule would: the k-th retry delays of different
 * operations spread by more than `tolerance` (default 0.15, relative to their mean), or a delay within one operation
 * departs from the constant (median) ratio of a deterministic backoff by more than `tolerance` — in both cases also by more
 * than `noiseMs` (default 20 ms, timer and scheduling noise on a busy machine). Within an operation, delays are only compared when all
 * are at least 4 × `noiseMs`. Inconclusive with nothing to compare.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const v = (journal: HttpMock.Journal) => Verdict.backoffHadJitter(journal)
 * ```
 *
 * @category verdicts
 * @since 0.1.0
 */
export const backoffHadJitter = (
  journal: Journal,
  options: Filter & { readonly tolerance?: number; readonly noiseMs?: number } = {}
): Verdict => {
  const name = "backoff had jitter"
  const tol = options.tolerance ?? 0.15
  const noise = options.noiseMs ?? 20
  const byIndex: Array<Array<number>> = []
  const ratios: Array<Array<number>> = [] // operations whose delays are all long enough to compare ratios
  for (const g of groups(select(journal, options)).values()) {
    const gaps: Array<number> = []
    for (let i = 1; i < g.length; i++) {
      const prev = g[i - 1]!
      if (!failed(prev)) continue
      gaps.push(g[i]!.at - (prev.endedAt ?? prev.at))
    }
    gaps.forEach((d, i) => {
      byIndex[i] ??= []
      byIndex[i]!.push(d)
    })
    if (gaps.length >= 3 && gaps.every((d) => d >= 4 * noise)) ratios.push(gaps)
  }
  const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
  const evidence: Array<string> = []
  let hits = 0
  let best = 0
  let comparable = 0
  byIndex.forEach((xs, i) => {
    if (xs.length < 2) return
    comparable++
    const abs = Math.max(...xs) - Math.min(...xs)
    const rel = abs / Math.max(mean(xs), 1e-9)
    best = Math.max(best, rel)
    if (rel > tol && abs > noise) hits++
    evidence.push(
      `retry ${i + 1} delays across operations: ${xs.map((x) => Math.round(x)).join(", ")} ms (spread ${rel.toFixed(2)})`
    )
  })
  for (const gaps of ratios) {
    comparable++
    // A deterministic schedule has a constant ratio between successive delays: compare each delay with the one
    // that ratio predicts, in milliseconds, so timer noise on short delays is not mistaken for jitter.
    const rs = gaps.slice(1).map((d, i) => d / gaps[i]!)
    const r = rs.slice().sort((a, b) => a - b)[rs.length >> 1]!
    let worst = 0
    let departs = false
    for (let i = 1; i < gaps.length; i++) {
      const off = Math.abs(gaps[i]! - r * gaps[i - 1]!)
      const rel = off / gaps[i]!
      worst = Math.max(worst, rel)
      if (rel > tol && off > noise) departs = true
    }
    if (departs) hits++
    best = Math.max(best, worst)
    evidence.push(
      `delay ratios within an operation: ${rs.map((x) => x.toFixed(2)).join(", ")} (largest deviation ${worst.toFixed(2)})`
    )
  }
  if (comparable === 0) return make(name, false, "too few retries to compare delays", [], true)
  // A scheduling hiccup can make one group look jittered; jitter makes most of them spread.
  return hits * 2 > comparable
    ? make(
        name,
        true,
        `retry delays vary in ${hits} of ${comparable} comparisons (largest spread ${best.toFixed(2)})`,
        evidence
      )
    : make(
        name,
        false,
        `retry delays look deterministic: ${hits} of ${comparable} comparisons vary by more than ${tol} and ${noise} ms`,
        evidence
      )
}

const NON_IDEMPOTENT = new Set(["POST", "PATCH"])

/**
 * Passes when no non-idempotent request (POST, PATCH) was duplicated: an `Idempotency-Key` sent again after a
 * success, or — without a key — the same body sent twice to the same path.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const v = (journal: HttpMock.Journal) => Verdict.noDuplicatePost(journal, { path: "/payments" })
 * ```
 *
 * @category verdicts
 * @since 0.1.0
 */
export const noDuplicatePost = (journal: Journal, options: Filter = {}): Verdict => {
  const name = "no duplicate non-idempotent POST"
  const evidence: Array<string> = []
  let checked = 0
  for (const [op, g] of groups(select(journal, options).filter((e) => NON_IDEMPOTENT.has(e.method)))) {
    checked += g.length
    if (op.startsWith("key:")) {
      const ok = g.findIndex((e) => e.status !== undefined && e.status >= 200 && e.status < 300)
      if (ok !== -1 && ok < g.length - 1)
        evidence.push(`${label(g[ok + 1]!)} repeats ${op} after ${label(g[ok]!)} succeeded`)
    } else if (g.length > 1) {
      evidence.push(
        `${g.length} identical ${g[0]!.method} ${g[0]!.path} without an Idempotency-Key: ${g.map((e) => `#${e.seq}`).join(", ")}`
      )
    }
  }
  return evidence.length === 0
    ? make(name, true, `${checked} non-idempotent request(s), none duplicated`)
    : make(name, false, `${evidence.length} duplicated non-idempotent operation(s)`, evidence)
}

/**
 * Passes when a request succeeded (2xx) within `withinMs` after the fault ended. The fault's end is `faultEndedAt`
 * (epoch ms) or, by default, the last time the mock's switches were cleared. Inconclusive when there is no such
 * moment.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const v = (journal: HttpMock.Journal) => Verdict.recoveredWithin(journal, { withinMs: 2000 })
 * ```
 *
 * @category verdicts
 * @since 0.1.0
 */
export const recoveredWithin = (
  journal: Journal,
  options: Filter & { readonly withinMs: number; readonly faultEndedAt?: number }
): Verdict => {
  const name = `recovered within ${options.withinMs} ms`
  let end = options.faultEndedAt
  if (end === undefined) {
    const cleared = journal.events.filter(
      (e, i) => e.switches.length === 0 && i > 0 && journal.events[i - 1]!.switches.length > 0
    )
    end = cleared.at(-1)?.at
    if (end === undefined && journal.events.length > 0 && journal.events[0]!.switches.length === 0) end = undefined
  }
  if (end === undefined)
    return make(name, false, "no fault end found (switches never cleared after being set)", [], true)
  const first = select(journal, options).find(
    (e) => e.at >= end && e.status !== undefined && e.status >= 200 && e.status < 300 && e.fault === undefined
  )
  if (first === undefined) return make(name, false, "no successful request after the fault ended")
  const took = (first.endedAt ?? first.at) - end
  return took <= options.withinMs
    ? make(name, true, `first success ${Math.round(took)} ms after the fault ended (${label(first)})`)
    : make(name, false, `first success came ${Math.round(took)} ms after the fault ended (limit ${options.withinMs})`, [
        label(first)
      ])
}

/**
 * Combines verdicts: passes when every one passes; the message lists the failures.
 *
 * @example
 * ```ts
 * import { HttpMock, Verdict } from "@24h/mocks"
 * const v = (j: HttpMock.Journal) => Verdict.all([Verdict.retriedAtMost(j, { k: 2 }), Verdict.noDuplicatePost(j)])
 * ```
 *
 * @category verdicts
 * @since 0.1.0
 */
export const all = (verdicts: ReadonlyArray<Verdict>): Verdict & { readonly verdicts: ReadonlyArray<Verdict> } => {
  const failing = verdicts.filter((v) => !v.pass)
  return {
    name: "all",
    pass: failing.length === 0,
    inconclusive: false,
    message:
      failing.length === 0
        ? `${verdicts.length} verdict(s) passed`
        : failing.map((v) => `${v.name}: ${v.message}`).join("; "),
    evidence: failing.flatMap((v) => v.evidence),
    verdicts
  }
}

/**
 * A verdict in core's one vocabulary, so it counts in a pipeline's verdict: `pass`, `fail`, or `unknown` when the
 * journal was inconclusive. Pass it as a pipeline check: `checks: [Effect.map(mock.journal, (j) =>
 * Verdict.toCheck(Verdict.noDuplicatePost(j)))]`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpMock, Verdict } from "@24h/mocks"
 * declare const mock: HttpMock.HttpMock
 * const check = Effect.map(mock.journal, (j) => Verdict.toCheck(Verdict.honouredRetryAfter(j)))
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const toCheck = (v: Verdict): Check.Check => ({
  name: v.name,
  outcome: v.inconclusive ? "unknown" : v.pass ? "pass" : "fail",
  message: v.message,
  source: "mock",
  evidence: [...v.evidence]
})
