/**
 * The request path of `HttpMock`, kept plain: route matching over precompiled segments, static responses
 * pre-serialised once, fault decisions drawn from seeded streams, and a bounded journal.
 *
 * ```
 *  request ─▶ admin? ─▶ read body (only when there is one) ─▶ journal entry ─▶ first matching route
 *     │                                                                           │ none: 404 + nearest route
 *     └─────────────────────────────────────────────────────────────────────────▶ decide(faults: one draw per switch)
 *                                                            ─▶ [latency] ─▶ throttle | reset | hang | error
 *                                                                          | respond (+ truncate | malformed | drift)
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Seed } from "@24h/core"
import * as Dataset from "../Dataset.ts"
import type * as FS from "../FailureSwitch.ts"
import * as SchemaDrift from "../SchemaDrift.ts"
import {
  type CompiledRoute,
  compilePath,
  explain,
  type Matcher,
  type MockRequest,
  matchPath,
  mismatch,
  splitPath
} from "./route.ts"

export interface ResponseSpec {
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly json?: unknown
  readonly body?: string | Uint8Array
}

export interface DatasetResponse {
  readonly dataset: Dataset.Dataset<unknown>
  readonly tier?: Dataset.Tier
  readonly count?: number
  readonly status?: number
  readonly headers?: Readonly<Record<string, string>>
}

export type Respond = ResponseSpec | DatasetResponse | ((req: MockRequest) => ResponseSpec | Promise<ResponseSpec>)

export interface RouteDef {
  readonly id?: string
  readonly method?: string
  readonly path: string
  readonly query?: Readonly<Record<string, Matcher>>
  readonly headers?: Readonly<Record<string, Matcher>>
  readonly body?: unknown
  readonly times?: number
  readonly scenario?: { readonly name: string; readonly state?: string; readonly next?: string }
  readonly respond: Respond
}

export type FaultKind = FS.Kind

export interface JournalEntry {
  readonly seq: number
  /** Arrival, epoch milliseconds (sub-millisecond precision). */
  readonly at: number
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: string
  readonly idempotencyKey: string | undefined
  route: string | undefined
  /** The status sent; undefined when no response was sent (reset, hang, client gone). */
  status: number | undefined
  /** The fault applied, if any (`throttle` for a 429 from a throttle switch). */
  fault: FaultKind | undefined
  delayMs: number
  /** The `Retry-After` sent, in milliseconds. */
  retryAfterMs: number | undefined
  /** When the response was handed to the socket (or the connection was cut). */
  endedAt: number | undefined
  /** The request's `x-correlation-id` header, if any. */
  readonly correlationId: string | undefined
  /** The trace id of the request's W3C `traceparent` header, if any. */
  readonly traceId: string | undefined
}

/**
 * HttpMock's telemetry, set only when telemetry is enabled: told when a request is journalled and when its
 * response ended (or the connection was cut), once each.
 */
export interface MockTelemetry {
  /** Returns what {@link MockTelemetry.ended} gets back (its span), or undefined. */
  started(entry: JournalEntry, rawHeaders: ReadonlyArray<string>): unknown
  ended(entry: JournalEntry, routePath: string | undefined, started: unknown): void
}

export interface SwitchEvent {
  readonly at: number
  readonly action: "set" | "add" | "remove" | "clear"
  readonly switches: ReadonlyArray<FS.FailureSwitch>
}

export interface Unmatched {
  readonly seq: number
  readonly method: string
  readonly path: string
  readonly nearest: string | undefined
  readonly explanation: string
}

interface Route extends CompiledRoute {
  readonly respond: Respond
  readonly times: number | undefined
  readonly scenario: RouteDef["scenario"]
  readonly fixed: { status: number; headers: Record<string, string | number>; buf: Buffer; json: unknown } | undefined
  readonly next: (() => unknown) | undefined
  calls: number
}

interface Decision {
  delayMs: number
  terminal: FS.FailureSwitch | undefined
  throttle: { limit: number; resetMs: number; windowMs: number } | undefined
  /** Rate-limit headers for a request a throttle switch let through. */
  rate: Record<string, string> | undefined
}

const now = (): number => performance.timeOrigin + performance.now()
const JSON_TYPE = "application/json; charset=utf-8"
export const DEFAULT_STATE = "start"
const EMPTY_QUERY: Record<string, string> = Object.freeze({}) as Record<string, string>

/** A header from `rawHeaders` ([name, value, name, value, …], names as sent), case-insensitively. */
const rawHeader = (raw: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!
    if (k.length === name.length && k.toLowerCase() === name) return raw[i + 1]
  }
  return undefined
}

/**
 * A journal entry. It keeps the request's `rawHeaders` (already built by the parser) and makes the header object only
 * when someone reads `headers`, so journalling costs the hot path one small object.
 */
class Entry implements JournalEntry {
  route: string | undefined = undefined
  /** The matched route's path pattern, for telemetry's `http.route`. */
  routePath: string | undefined = undefined
  /** What telemetry returned when the request started; undefined once it ended (or with no telemetry). */
  telemetry: unknown = undefined
  status: number | undefined = undefined
  fault: FaultKind | undefined = undefined
  delayMs = 0
  retryAfterMs: number | undefined = undefined
  endedAt: number | undefined = undefined
  readonly idempotencyKey: string | undefined
  private parsed: Record<string, string | Array<string>> | undefined
  constructor(
    readonly seq: number,
    readonly at: number,
    readonly method: string,
    readonly path: string,
    readonly query: Readonly<Record<string, string>>,
    private readonly raw: ReadonlyArray<string>,
    readonly body: string
  ) {
    this.idempotencyKey = rawHeader(raw, "idempotency-key")
  }
  /** Read from `rawHeaders` on first use, like `headers`: journalling costs the hot path nothing for it. */
  get correlationId(): string | undefined {
    return rawHeader(this.raw, "x-correlation-id")
  }
  get traceId(): string | undefined {
    const tp = rawHeader(this.raw, "traceparent")
    if (tp === undefined) return undefined
    const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(tp.trim().toLowerCase())
    return m === null ? undefined : m[1]
  }
  get headers(): Readonly<Record<string, string | ReadonlyArray<string> | undefined>> {
    if (this.parsed === undefined) {
      const h: Record<string, string | Array<string>> = {}
      for (let i = 0; i < this.raw.length; i += 2) {
        const k = this.raw[i]!.toLowerCase()
        const v = this.raw[i + 1]!
        const prev = h[k]
        if (prev === undefined) h[k] = k === "set-cookie" ? [v] : v
        else if (Array.isArray(prev)) prev.push(v)
        else h[k] = `${prev}, ${v}`
      }
      this.parsed = h
    }
    return this.parsed
  }
  toJSON(): Record<string, unknown> {
    return {
      seq: this.seq,
      at: this.at,
      method: this.method,
      path: this.path,
      query: this.query,
      headers: this.headers,
      body: this.body,
      idempotencyKey: this.idempotencyKey,
      correlationId: this.correlationId,
      traceId: this.traceId,
      route: this.route,
      status: this.status,
      fault: this.fault,
      delayMs: this.delayMs,
      retryAfterMs: this.retryAfterMs,
      endedAt: this.endedAt
    }
  }
}

/** Static and dataset responses never read the request: they get this instead of a fresh object. */
const EMPTY_REQUEST: MockRequest = {
  method: "",
  path: "",
  params: {},
  query: {},
  headers: {},
  body: "",
  json: undefined
}

export class Engine {
  readonly routes: Array<Route> = []
  switches: Array<FS.FailureSwitch> = []
  readonly events: Array<SwitchEvent> = []
  journal: Array<JournalEntry> = []
  unmatched: Array<Unmatched> = []
  readonly scenarios = new Map<string, string>()
  readonly timers = new Set<NodeJS.Timeout>()
  private readonly windows = new Map<string, { start: number; count: number }>()
  private faultRng: Seed.Stream
  private driftRng: Seed.Stream
  private seq = 0
  private switchSeq = 0
  private routeSeq = 0
  /** Set by HttpMock.make when telemetry is enabled. */
  telemetry: MockTelemetry | undefined = undefined

  constructor(
    readonly seed: Seed.Seed,
    readonly adminPrefix: string | undefined,
    readonly journalLimit: number,
    readonly maxBodyBytes: number = 1_048_576
  ) {
    this.faultRng = Seed.stream(Seed.derive(seed, "mocks/HttpMock/faults"))
    this.driftRng = Seed.stream(Seed.derive(seed, "mocks/HttpMock/drift"))
  }

  // -- configuration -------------------------------------------------------------------------------------------

  addRoute(def: RouteDef): string {
    const id = def.id ?? `${(def.method ?? "*").toUpperCase()} ${def.path}#${++this.routeSeq}`
    const { segments, wildcard } = compilePath(def.path)
    const respond = def.respond
    let fixed: Route["fixed"]
    let next: Route["next"]
    if (typeof respond !== "function" && !("dataset" in respond)) {
      const status = respond.status ?? 200
      const isJson = respond.json !== undefined
      const buf = isJson
        ? Buffer.from(Dataset.toJson(respond.json))
        : respond.body === undefined
          ? Buffer.alloc(0)
          : Buffer.from(respond.body as string)
      const headers: Record<string, string | number> = {}
      if (isJson) headers["content-type"] = JSON_TYPE
      for (const [k, v] of Object.entries(respond.headers ?? {})) headers[k.toLowerCase()] = v
      headers["content-length"] = buf.length
      fixed = { status, headers, buf, json: respond.json }
    } else if (typeof respond !== "function") {
      const sampler = Dataset.sampler(
        respond.dataset,
        respond.tier ?? "happy",
        Seed.derive(this.seed, `mocks/HttpMock/route/${id}`)
      )
      const count = respond.count
      next =
        count === undefined
          ? sampler
          : () => {
              const out = new Array<unknown>(count)
              for (let i = 0; i < count; i++) out[i] = sampler()
              return out
            }
    }
    this.routes.push({
      id,
      method: (def.method ?? "*").toUpperCase(),
      path: def.path,
      segments,
      wildcard,
      query: Object.entries(def.query ?? {}),
      headers: Object.entries(def.headers ?? {}).map(([k, m]) => [k.toLowerCase(), m] as const),
      body: def.body,
      hasBody: def.body !== undefined,
      respond,
      times: def.times,
      scenario: def.scenario,
      fixed,
      next,
      calls: 0
    })
    return id
  }

  setSwitches(list: ReadonlyArray<FS.FailureSwitch>, action: SwitchEvent["action"]): ReadonlyArray<FS.FailureSwitch> {
    const withIds = list.map((s) => (s.id === undefined ? { ...s, id: `sw-${++this.switchSeq}` } : s))
    this.switches = action === "add" ? [...this.switches, ...withIds] : withIds
    this.windows.clear()
    this.events.push({ at: now(), action, switches: this.switches })
    return withIds
  }

  removeSwitch(id: string): boolean {
    const before = this.switches.length
    this.switches = this.switches.filter((s) => s.id !== id)
    if (this.switches.length === before) return false
    this.events.push({ at: now(), action: "remove", switches: this.switches })
    return true
  }

  reset(): void {
    this.journal = []
    this.unmatched = []
    this.scenarios.clear()
    this.windows.clear()
    for (const r of this.routes) r.calls = 0
  }

  // -- request path --------------------------------------------------------------------------------------------

  handle(
    req: IncomingMessage,
    res: ServerResponse,
    admin: (req: IncomingMessage, res: ServerResponse, path: string, body: string) => void
  ): void {
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    // rawHeaders is filled by the parser; req.headers is built lazily on first access — skip it on the hot path.
    const length = rawHeader(req.rawHeaders, "content-length")
    const hasBody = length !== undefined ? length !== "0" : rawHeader(req.rawHeaders, "transfer-encoding") !== undefined
    if (this.adminPrefix !== undefined && path.startsWith(this.adminPrefix)) {
      readBody(req, res, this.maxBodyBytes, (body) =>
        admin(req, res, path.slice(this.adminPrefix!.length) || "/", body)
      )
      return
    }
    if (!hasBody) {
      this.dispatch(req, res, path, q === -1 ? "" : url.slice(q + 1), "")
      return
    }
    readBody(req, res, this.maxBodyBytes, (body) =>
      this.dispatch(req, res, path, q === -1 ? "" : url.slice(q + 1), body)
    )
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, path: string, search: string, body: string): void {
    const method = req.method ?? "GET"
    let query: Record<string, string> = EMPTY_QUERY
    if (search !== "") {
      query = {}
      for (const [k, v] of new URLSearchParams(search)) query[k] = v
    }
    const entry = new Entry(++this.seq, now(), method, path, query, req.rawHeaders, body)
    if (this.journal.length >= this.journalLimit) this.journal.splice(0, Math.ceil(this.journalLimit / 2))
    this.journal.push(entry)
    if (this.telemetry !== undefined) entry.telemetry = this.telemetry.started(entry, req.rawHeaders)

    let json: unknown
    if (body !== "") {
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
    }
    const segs = splitPath(path)
    let params: Record<string, string> = {}
    let matched: Route | undefined
    let request: MockRequest | undefined
    for (const r of this.routes) {
      if (r.method !== "*" && r.method !== method) continue
      if (!matchPath(r, segs, params)) {
        params = {}
        continue
      }
      if (r.times !== undefined && r.calls >= r.times) continue
      if (
        r.scenario !== undefined &&
        (this.scenarios.get(r.scenario.name) ?? DEFAULT_STATE) !== (r.scenario.state ?? DEFAULT_STATE)
      )
        continue
      if (r.query.length > 0 || r.headers.length > 0 || r.hasBody) {
        request = { method, path, params, query, headers: req.headers, body, json }
        if (mismatch(r, request) !== undefined) {
          params = {}
          continue
        }
      }
      matched = r
      break
    }
    if (matched === undefined) {
      const { nearest, explanation } = explain(
        this.routes,
        { method, path, params: {}, query, headers: req.headers, body, json },
        (r) => this.blocked(r as Route)
      )
      this.unmatched.push({ seq: entry.seq, method, path, nearest, explanation })
      this.send(
        res,
        entry,
        404,
        { "content-type": JSON_TYPE },
        Buffer.from(JSON.stringify({ error: "no route matched", nearest, explanation }))
      )
      return
    }
    matched.calls++
    entry.route = matched.id
    entry.routePath = matched.path
    if (matched.scenario?.next !== undefined) this.scenarios.set(matched.scenario.name, matched.scenario.next)
    const decision = this.switches.length === 0 ? undefined : this.decide(matched.id)
    const req2 =
      typeof matched.respond === "function"
        ? (request ?? { method, path, params, query, headers: req.headers, body, json })
        : EMPTY_REQUEST
    if (decision === undefined) {
      this.respond(res, entry, matched, req2, undefined)
      return
    }
    if (decision.delayMs > 0) {
      entry.delayMs = decision.delayMs
      const t = setTimeout(() => {
        this.timers.delete(t)
        if (res.destroyed || res.socket === null) {
          this.ended(entry)
          return
        }
        this.afterDelay(req, res, entry, matched, req2, decision)
      }, decision.delayMs)
      this.timers.add(t)
      return
    }
    this.afterDelay(req, res, entry, matched, req2, decision)
  }

  /** Why a route that matches the request was skipped: its call limit, or its scenario's state. */
  private blocked(r: Route): string | undefined {
    if (r.times !== undefined && r.calls >= r.times) return `its call limit is used up (times: ${r.times})`
    if (r.scenario !== undefined) {
      const state = this.scenarios.get(r.scenario.name) ?? DEFAULT_STATE
      const want = r.scenario.state ?? DEFAULT_STATE
      if (state !== want) return `scenario "${r.scenario.name}" is in state "${state}", the route needs "${want}"`
    }
    return undefined
  }

  /** One uniform draw per switch in scope (so the sequence of draws depends only on the requests), then extras. */
  private decide(routeId: string): Decision {
    const rng = this.faultRng
    const d: Decision = { delayMs: 0, terminal: undefined, throttle: undefined, rate: undefined }
    for (const s of this.switches) {
      if (s.route !== undefined && s.route !== routeId) continue
      if (s.kind === "throttle") {
        const key = s.id!
        const t = Date.now()
        let w = this.windows.get(key)
        if (w === undefined || t - w.start >= s.windowMs) {
          w = { start: t - ((t - (w?.start ?? t)) % s.windowMs), count: 0 }
          this.windows.set(key, w)
        }
        w.count++
        const resetMs = w.start + s.windowMs - t
        if (w.count > s.limit && d.throttle === undefined)
          d.throttle = { limit: s.limit, resetMs, windowMs: s.windowMs }
        else if (d.rate === undefined) {
          const limit = String(s.limit)
          const remaining = String(s.limit - w.count)
          const reset = String(Math.max(1, Math.ceil(resetMs / 1000)))
          d.rate = {
            "ratelimit-limit": limit,
            "ratelimit-remaining": remaining,
            "ratelimit-reset": reset,
            "x-ratelimit-limit": limit,
            "x-ratelimit-remaining": remaining,
            "x-ratelimit-reset": reset
          }
        }
        continue
      }
      const fired = rng.next() < s.rate
      if (!fired) continue
      const eff = s.kind === "chaos" ? chaosPick(s, rng) : s
      if (eff.kind === "latency") d.delayMs += sampleLatency(eff, rng)
      else if (d.terminal === undefined) d.terminal = eff
    }
    return d
  }

  private afterDelay(
    req: IncomingMessage,
    res: ServerResponse,
    entry: JournalEntry,
    route: Route,
    mreq: MockRequest,
    d: Decision
  ): void {
    if (d.throttle !== undefined) {
      const secs = Math.max(1, Math.ceil(d.throttle.resetMs / 1000))
      entry.fault = "throttle"
      entry.retryAfterMs = secs * 1000
      const body = Buffer.from(JSON.stringify({ error: "too many requests", retryAfterSeconds: secs }))
      this.send(
        res,
        entry,
        429,
        {
          "content-type": JSON_TYPE,
          "retry-after": String(secs),
          "ratelimit-limit": String(d.throttle.limit),
          "ratelimit-remaining": "0",
          "ratelimit-reset": String(secs),
          "x-ratelimit-limit": String(d.throttle.limit),
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(secs)
        },
        body
      )
      return
    }
    const t = d.terminal
    if (t === undefined) {
      this.respond(res, entry, route, mreq, undefined, d.rate)
      return
    }
    switch (t.kind) {
      case "reset": {
        entry.fault = "reset"
        this.ended(entry)
        const sock = req.socket as { resetAndDestroy?: () => void; destroy: () => void }
        if (typeof sock.resetAndDestroy === "function") sock.resetAndDestroy()
        else sock.destroy()
        return
      }
      case "hang":
        entry.fault = "hang"
        res.on("close", () => {
          this.ended(entry)
        })
        return
      case "error": {
        entry.fault = "error"
        const headers: Record<string, string> = { "content-type": JSON_TYPE }
        if (t.retryAfter !== undefined) {
          headers["retry-after"] = String(t.retryAfter)
          entry.retryAfterMs = t.retryAfter * 1000
        }
        const body = Buffer.from(Dataset.toJson(t.body ?? { error: "injected failure", status: t.status }))
        this.send(res, entry, t.status, headers, body)
        return
      }
      default:
        this.respond(res, entry, route, mreq, t, d.rate)
    }
  }

  private respond(
    res: ServerResponse,
    entry: JournalEntry,
    route: Route,
    mreq: MockRequest,
    fault: FS.FailureSwitch | undefined,
    extra?: Record<string, string>
  ): void {
    const fixed = route.fixed
    if (fixed !== undefined && fault === undefined && extra === undefined) {
      entry.status = fixed.status
      res.writeHead(fixed.status, fixed.headers)
      res.end(fixed.buf)
      this.ended(entry)
      return
    }
    if (fixed !== undefined) {
      this.shaped(res, entry, fixed.status, fixed.headers, fixed.json, fixed.buf, fault, extra)
      return
    }
    if (route.next !== undefined) {
      const value = route.next()
      const r = route.respond as DatasetResponse
      const headers: Record<string, string | number> = { "content-type": JSON_TYPE, ...lower(r.headers) }
      this.shaped(res, entry, r.status ?? 200, headers, value, undefined, fault, extra)
      return
    }
    const fn = route.respond as (req: MockRequest) => ResponseSpec | Promise<ResponseSpec>
    let out: ResponseSpec | Promise<ResponseSpec>
    try {
      out = fn(mreq)
    } catch (e) {
      this.responderFailed(res, entry, route, e)
      return
    }
    const finish = (spec: ResponseSpec): void => {
      if (res.destroyed) {
        this.ended(entry)
        return
      }
      const headers: Record<string, string | number> = lower(spec.headers)
      const isJson = spec.json !== undefined
      if (isJson && headers["content-type"] === undefined) headers["content-type"] = JSON_TYPE
      const buf = isJson ? undefined : spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body as string)
      this.shaped(res, entry, spec.status ?? 200, headers, spec.json, buf, fault, extra)
    }
    if (out instanceof Promise) out.then(finish, (e) => this.responderFailed(res, entry, route, e))
    else finish(out)
  }

  private responderFailed(res: ServerResponse, entry: JournalEntry, route: Route, e: unknown): void {
    const message = `HttpMock: the responder of route "${route.id}" failed: ${e instanceof Error ? e.message : String(e)}`
    this.send(res, entry, 500, { "content-type": JSON_TYPE }, Buffer.from(JSON.stringify({ error: message })))
  }

  /** Sends a response, applying a body-shaping fault (drift, malformed, truncate). */
  private shaped(
    res: ServerResponse,
    entry: JournalEntry,
    status: number,
    headers: Record<string, string | number>,
    json: unknown,
    buf: Buffer | undefined,
    fault: FS.FailureSwitch | undefined,
    extra?: Record<string, string>
  ): void {
    let body = buf
    if (fault?.kind === "drift" && json !== undefined) {
      entry.fault = "drift"
      const drifted = SchemaDrift.mutate(json, this.driftRng, {
        ...(fault.operations === undefined ? {} : { operations: fault.operations }),
        fieldRate: fault.fieldRate
      })
      body = Buffer.from(Dataset.toJson(drifted.value))
    }
    if (body === undefined) body = Buffer.from(Dataset.toJson(json))
    const h: Record<string, string | number> = extra === undefined ? { ...headers } : { ...headers, ...extra }
    if (fault?.kind === "malformed") {
      entry.fault = "malformed"
      h["content-type"] = JSON_TYPE
      body = Buffer.concat([body.subarray(0, Math.max(0, body.length - 1)), Buffer.from(',"<truncated')])
    }
    h["content-length"] = body.length
    if (fault?.kind === "truncate") {
      entry.fault = "truncate"
      entry.status = status
      res.writeHead(status, h)
      const cut = Math.floor(body.length * fault.fraction)
      res.write(body.subarray(0, cut), () => {
        this.ended(entry)
        res.socket?.destroy()
      })
      return
    }
    entry.status = status
    res.writeHead(status, h)
    res.end(body)
    this.ended(entry)
  }

  /** The response ended (or the connection was cut): stamps the entry and tells telemetry, once. */
  private ended(entry: JournalEntry): void {
    entry.endedAt = now()
    const e = entry as Entry
    const t = this.telemetry
    if (t !== undefined && e.telemetry !== null) {
      const started = e.telemetry
      e.telemetry = null
      t.ended(e, e.routePath, started)
    }
  }

  private send(
    res: ServerResponse,
    entry: JournalEntry,
    status: number,
    headers: Record<string, string | number>,
    body: Buffer
  ): void {
    entry.status = status
    headers["content-length"] = body.length
    res.writeHead(status, headers)
    res.end(body)
    this.ended(entry)
  }
}

const lower = (h: Readonly<Record<string, string>> | undefined): Record<string, string | number> => {
  const out: Record<string, string | number> = {}
  if (h !== undefined) for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v
  return out
}

/** Answers 413 with a JSON message and closes the connection (the rest of the body is not read). */
const tooLarge = (res: ServerResponse, limit: number, got: string): void => {
  if (res.headersSent) {
    res.destroy()
    return
  }
  const body = JSON.stringify({
    error: "PayloadTooLarge",
    message: `request body: ${got}, more than the mock's limit of ${limit} bytes (HttpMock option maxBodyBytes)`
  })
  res.writeHead(413, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close"
  })
  res.end(body, () => res.destroy())
}

/**
 * Reads a request body of at most `limit` bytes. Larger: `413` (from `content-length` before reading, or once the
 * bytes pass the limit). A request that fails mid-body (the client went away, a malformed chunk) is ended, never
 * left hanging.
 */
const readBody = (req: IncomingMessage, res: ServerResponse, limit: number, done: (body: string) => void): void => {
  const declared = Number(rawHeader(req.rawHeaders, "content-length") ?? Number.NaN)
  if (Number.isFinite(declared) && declared > limit) {
    tooLarge(res, limit, `content-length ${declared}`)
    return
  }
  const chunks: Array<Buffer> = []
  let size = 0
  let over = false
  req.on("data", (c: Buffer) => {
    if (over) return
    size += c.length
    if (size > limit) {
      over = true
      chunks.length = 0
      tooLarge(res, limit, `more than ${limit} bytes received`)
      return
    }
    chunks.push(c)
  })
  req.on("end", () => {
    if (!over) done(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"))
  })
  req.on("error", () => {
    if (over) return
    over = true
    if (!res.headersSent && !res.destroyed) {
      const body = JSON.stringify({
        error: "BadRequest",
        message: "request body: the request failed while it was read"
      })
      res.writeHead(400, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        connection: "close"
      })
      res.end(body, () => res.destroy())
    } else res.destroy()
  })
}

type Latency = Extract<FS.FailureSwitch, { kind: "latency" }>

const sampleLatency = (s: Latency, rng: Seed.Stream): number => {
  switch (s.mode) {
    case "fixed":
      return s.ms ?? 0
    case "uniform":
      return Math.round(rng.nextRange(s.minMs ?? 0, s.maxMs ?? 0))
    case "lognormal": {
      const v = Math.exp(Math.log(s.medianMs ?? 1) + (s.sigma ?? 0) * rng.nextGaussian())
      return Math.round(Math.min(v, s.maxMs ?? 30_000))
    }
  }
}

const CHAOS_DEFAULTS: Record<string, FS.FailureSwitch> = {
  latency: { kind: "latency", rate: 1, mode: "lognormal", medianMs: 100, sigma: 1, maxMs: 5000 },
  error: { kind: "error", rate: 1, status: 503 },
  reset: { kind: "reset", rate: 1 },
  hang: { kind: "hang", rate: 1 },
  truncate: { kind: "truncate", rate: 1, fraction: 0.5 },
  malformed: { kind: "malformed", rate: 1 },
  drift: { kind: "drift", rate: 1, fieldRate: 0.3 }
}

const chaosPick = (s: Extract<FS.FailureSwitch, { kind: "chaos" }>, rng: Seed.Stream): FS.FailureSwitch => {
  const entries = Object.entries(s.weights).filter(([, w]) => (w ?? 0) > 0) as Array<[string, number]>
  let total = 0
  for (const [, w] of entries) total += w
  let r = rng.next() * total
  for (const [k, w] of entries) {
    r -= w
    if (r < 0) return CHAOS_DEFAULTS[k]!
  }
  return CHAOS_DEFAULTS[entries.at(-1)![0]]!
}
