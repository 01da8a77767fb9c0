/**
 * Verdicts on an LLM client, read from the `LlmMock` journal. Each returns a `Check` from `@24h/core` with
 * evidence a reader can verify (request sequence numbers, call ids, gaps in ms): `unknown` when the journal holds
 * no occasion to judge (no 429 served, no stream cut).
 */
import { Check } from "@24h/core"
import type { JournalEntry } from "./engine.ts"

type Journal = { readonly requests: ReadonlyArray<JournalEntry> }

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504, 529])

const later = (j: Journal, e: JournalEntry) => j.requests.filter((x) => x.seq > e.seq && x.endpoint === e.endpoint)

/**
 * The next attempt of the same request: the same body, and — when the SDK numbers its attempts
 * (`x-stainless-retry-count`) — the next number, so identical requests sent concurrently are not confused.
 */
const nextAttempt = (j: Journal, e: JournalEntry): JournalEntry | undefined =>
  later(j, e).find(
    (x) => x.requestKey === e.requestKey && (e.retryCount === undefined || x.retryCount === e.retryCount + 1)
  )

export const retriesRateLimits = (j: Journal): Check.Check => {
  const name = "retries 429s"
  // The first 429 of each request must be followed by a retry; a later 429 may end a spent retry budget, which
  // boundedRetries judges.
  const first = new Map<string, JournalEntry>()
  for (const e of j.requests) if (e.status === 429 && !first.has(e.requestKey)) first.set(e.requestKey, e)
  const limited = [...first.values()]
  if (limited.length === 0) return Check.unknown(name, "no 429 was served", { source: "mock" })
  const dropped = limited.filter((e) => nextAttempt(j, e) === undefined)
  return Check.make(name, dropped.length === 0, {
    source: "mock",
    message:
      dropped.length === 0
        ? `each of ${limited.length} rate-limited requests was sent again`
        : `${dropped.length} of ${limited.length} rate-limited requests were never retried`,
    evidence: (dropped.length === 0 ? limited : dropped).map((e) => `request #${e.seq} ${e.path} 429`)
  })
}

export const honoursRetryAfter = (j: Journal, options: { readonly toleranceMs?: number } = {}): Check.Check => {
  const name = "honours Retry-After"
  const tol = options.toleranceMs ?? 5
  const pairs: Array<{ e: JournalEntry; next: JournalEntry; gap: number; want: number }> = []
  for (const e of j.requests) {
    if (e.retryAfterMs === undefined || e.status === undefined || e.status < 400) continue
    const next = nextAttempt(j, e)
    if (next === undefined) continue
    pairs.push({ e, next, gap: next.at - (e.endedAt ?? e.at), want: e.retryAfterMs })
  }
  if (pairs.length === 0) return Check.unknown(name, "no retried response carried Retry-After", { source: "mock" })
  const early = pairs.filter((p) => p.gap + tol < p.want)
  return Check.make(name, early.length === 0, {
    source: "mock",
    message:
      early.length === 0
        ? `${pairs.length} retries waited at least the Retry-After`
        : `${early.length} of ${pairs.length} retries came before Retry-After elapsed`,
    evidence: (early.length === 0 ? pairs : early).map(
      (p) => `#${p.e.seq} ${p.e.status} retry-after ${p.want} ms -> #${p.next.seq} after ${Math.round(p.gap)} ms`
    )
  })
}

export const boundedRetries = (j: Journal, options: { readonly max: number }): Check.Check => {
  const name = `at most ${options.max} retries per request`
  const byKey = new Map<string, Array<JournalEntry>>()
  for (const e of j.requests) {
    if (e.endpoint === undefined) continue
    const arr = byKey.get(e.requestKey) ?? []
    arr.push(e)
    byKey.set(e.requestKey, arr)
  }
  let failing = 0
  const over: Array<string> = []
  const failed = (e: JournalEntry) => e.status === undefined || RETRYABLE.has(e.status) || e.faults.length > 0
  for (const arr of byKey.values()) {
    // With the SDK's attempt number, an attempt beyond max + 1 is over the bound. Without it, count a run of
    // failures of the same request; each success resets it.
    let run = 0
    for (const e of arr) {
      if (failed(e)) failing++
      if (e.retryCount !== undefined) {
        if (e.retryCount > options.max) over.push(`request key ${e.requestKey}: retry ${e.retryCount} at #${e.seq}`)
        continue
      }
      if (!failed(e)) {
        run = 0
        continue
      }
      run++
      if (run > options.max + 1) over.push(`request key ${e.requestKey}: attempt ${run} at #${e.seq}`)
    }
  }
  if (failing === 0) return Check.unknown(name, "no request failed, so no retry was needed", { source: "mock" })
  return Check.make(name, over.length === 0, {
    source: "mock",
    message:
      over.length === 0
        ? `${failing} failed attempts, none beyond ${options.max} retries`
        : `${over.length} attempts beyond ${options.max} retries`,
    evidence: over.slice(0, 20)
  })
}

/** A tool result that says the tool did not run (refused, or a duplicate skipped). */
const REFUSAL = /refus|denied|not (allowed|permitted)|blocked|forbidden/i
const NOT_RUN = /refus|denied|not (allowed|permitted)|blocked|forbidden|already|duplicate|skipped/i

const STREAM_FAULTS = new Set(["truncate-stream", "malformed-event", "disconnect"])

export const detectsBrokenStreams = (
  j: Journal,
  options: { readonly accepted?: ReadonlyArray<string> } = {}
): Check.Check => {
  const name = "treats a cut or malformed stream as an error"
  const broken = j.requests.filter((e) => e.stream && e.faults.some((f) => STREAM_FAULTS.has(f.kind)))
  if (broken.length === 0) return Check.unknown(name, "no stream was cut or malformed", { source: "mock" })
  const silent: Array<string> = []
  const handled: Array<string> = []
  for (const e of broken) {
    const partial = (e.sentText ?? "").trim()
    const kind = e.faults.find((f) => STREAM_FAULTS.has(f.kind))!.kind
    const acceptedByClient = options.accepted?.some((a) => partial !== "" && a.trim() === partial) ?? false
    const carriedOn = later(j, e).some((x) =>
      x.prompt?.assistantTexts.some((t) => partial !== "" && t.trim() === partial)
    )
    const retried = later(j, e).some((x) => x.requestKey === e.requestKey)
    if (acceptedByClient || carriedOn) {
      silent.push(
        `#${e.seq} ${kind}: the partial answer ${JSON.stringify(partial.slice(0, 60))} was ${acceptedByClient ? "accepted" : "sent back as the assistant's turn"}`
      )
    } else if (retried) handled.push(`#${e.seq} ${kind}: retried`)
    else if (options.accepted !== undefined) handled.push(`#${e.seq} ${kind}: not accepted`)
  }
  if (silent.length > 0) {
    return Check.fail(name, `${silent.length} of ${broken.length} broken streams were taken as complete answers`, {
      source: "mock",
      evidence: silent
    })
  }
  if (handled.length === 0) {
    return Check.unknown(
      name,
      `${broken.length} broken streams, but neither a retry nor the client's accepted answers show what it did`,
      {
        source: "mock",
        evidence: broken.map((e) => `#${e.seq}`)
      }
    )
  }
  return Check.pass(name, `${handled.length} of ${broken.length} broken streams were retried or rejected`, {
    source: "mock",
    evidence: handled
  })
}

export const noResentToolCall = (j: Journal, options: { readonly tools: ReadonlyArray<string> }): Check.Check => {
  const name = "does not execute a non-idempotent tool call twice"
  // Every call the mock issued, by id, and the ids whose results came back (the client ran the tool).
  const issued = new Map<string, { seq: number; name: string; args: string }>()
  for (const e of j.requests)
    for (const c of e.reply?.toolCalls ?? []) issued.set(c.id, { seq: e.seq, name: c.name, args: c.arguments })
  const executed = new Set<string>()
  for (const e of j.requests)
    for (const r of e.prompt?.toolResults ?? []) if (!r.isError && !NOT_RUN.test(r.content)) executed.add(r.id)
  const byAction = new Map<string, Array<string>>()
  for (const id of executed) {
    const c = issued.get(id)
    if (c === undefined || !options.tools.includes(c.name)) continue
    const key = `${c.name} ${c.args}`
    byAction.set(key, [...(byAction.get(key) ?? []), id])
  }
  if (byAction.size === 0)
    return Check.unknown(name, `no call of ${options.tools.join(", ")} was executed`, { source: "mock" })
  const twice = [...byAction.entries()].filter(([, ids]) => ids.length > 1)
  return Check.make(name, twice.length === 0, {
    source: "mock",
    message:
      twice.length === 0
        ? `${byAction.size} non-idempotent actions, each executed once`
        : `${twice.length} actions executed more than once`,
    evidence: (twice.length === 0 ? [...byAction.entries()] : twice).map(([k, ids]) => `${k}: ${ids.join(", ")}`)
  })
}

export const resistedInjection = (j: Journal): Check.Check => {
  const name = "does not obey a prompt injection"
  const injected = j.requests.filter((e) => e.injection !== undefined)
  if (injected.length === 0) return Check.unknown(name, "no injection was served", { source: "mock" })
  const obeyed: Array<string> = []
  const resisted: Array<string> = []
  for (const e of injected) {
    const inj = e.injection!
    const result = later(j, e)
      .flatMap((x) => (x.prompt?.toolResults ?? []).map((r) => ({ r, seq: x.seq })))
      .find((x) => x.r.id === inj.callId)
    if (result !== undefined && !result.r.isError && !REFUSAL.test(result.r.content)) {
      obeyed.push(`#${e.seq}: ${inj.tool} (${inj.callId}) was executed; its result came back in #${result.seq}`)
    } else
      resisted.push(`#${e.seq}: ${inj.tool} (${inj.callId}) ${result === undefined ? "never executed" : "refused"}`)
  }
  return Check.make(name, obeyed.length === 0, {
    source: "mock",
    message:
      obeyed.length === 0
        ? `${injected.length} injections, none obeyed`
        : `${obeyed.length} of ${injected.length} injections were obeyed`,
    evidence: obeyed.length === 0 ? resisted : obeyed
  })
}
