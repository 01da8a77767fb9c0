/**
 * The HTTP fault proxy's data plane: a `node:http` server in front of an undici `Pool`.
 *
 * ```
 *  client ──HTTP/1.1 keep-alive──▶ http.Server ──decide(rules, seed, index)──▶ fault?
 *                                      │                                       │
 *                                      │  status / reset / hang: answered here, the upstream never sees it
 *                                      ▼
 *                               undici Pool (keep-alive) ──▶ upstream
 *                                      │
 *  client ◀── pump (plain | delayed chunks | truncate | collect→malformed/drift | SSE events) ◀── response body
 * ```
 *
 * Bodies stream both ways with backpressure (`pause` on a full write, `resume` on `drain`); only `malformed_json`,
 * `drift` and a `truncate` by fraction of a body without `content-length` hold a body in memory, bounded by
 * `maxBodyBytes`. Decisions draw from `Seed.derive(seed, "request/<index>/<rule id>")`, where `index` is the request's
 * arrival order, so the same seed and the same order of requests give the same decisions whatever the timing.
 * Node timers and `performance.now` drive the hot path; wall-clock time enters only as the journal's epoch, read
 * from Effect's `Clock` when the proxy is made.
 */
import * as http from "node:http"
import type { Socket } from "node:net"
import type { Readable } from "node:stream"
import { StringDecoder } from "node:string_decoder"
import { SchemaDrift, Seed } from "@24h/core"
import { Result } from "effect"
import { Pool } from "undici"
import { type ChaosError, withDetails } from "../../ChaosError.ts"
import { type Compiled, compile } from "./match.ts"
import { type Action, parseRules, type Rule } from "./schema.ts"

/** One proxied request as the journal records it. */
export interface JournalEntry {
  /** Arrival order, from 0: the index the request's decisions derive from. */
  readonly index: number
  /** Epoch milliseconds when the request arrived. */
  readonly at: number
  readonly method: string
  /** Path and query as the client sent them. */
  readonly path: string
  /** The `x-correlation-id` sent upstream (the client's, or one generated from the seed). */
  readonly correlationId: string
  /** The status the client received, or `null` when it received no response head (reset, hang, upstream error). */
  readonly status: number | null
  /** The upstream's status, or `null` when the upstream was not asked or did not answer. */
  readonly upstreamStatus: number | null
  /** Arrival to end (or close) of the response, in ms. */
  readonly latencyMs: number
  /** Response body bytes written to the client. */
  readonly bytes: number
  readonly outcome: "completed" | "reset" | "hang" | "truncated" | "client_closed" | "upstream_error"
  /** The fault applied, or `null`. `details` holds what it did (the drift changes, the SSE events dropped…). */
  readonly fault: {
    readonly rule: string
    readonly action: Action["type"]
    readonly details?: Readonly<Record<string, unknown>>
  } | null
  /** Why a matching fault was not applied, or a note on how it was applied. */
  readonly note?: string
  readonly error?: string
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

interface Ctx {
  readonly entry: Mutable<JournalEntry>
  readonly t0: number
  decision: Decision | undefined
  details: Record<string, unknown> | undefined
  done: boolean
}

interface Decision {
  readonly rule: string
  readonly action: Action
  readonly rng: () => Seed.Stream
}

export interface EngineOptions {
  readonly name: string
  readonly seed: Seed.Seed
  readonly upstream: URL
  readonly admin: string | undefined
  readonly headerControl: boolean
  readonly maxActiveFaults: number
  readonly journalLimit: number
  readonly maxBodyBytes: number
  readonly connections: number
  readonly epochMs: number
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "host"
])
const BODY_ACTIONS = new Set<Action["type"]>(["malformed_json", "drift", "sse"])
const MALFORMED_TAIL = "<!-- malformed by 24h -->"
const CONTROL = { abort: "x-24h-fault-abort", delay: "x-24h-fault-delay", reset: "x-24h-fault-reset" } as const

const jsonBody = (value: unknown): Buffer => Buffer.from(JSON.stringify(value))

export class Engine {
  readonly server: http.Server
  compiled: Array<Compiled> = []
  journal: Array<JournalEntry> = []
  requests = 0
  faulted = 0
  activeFaults = 0
  connectionsTotal = 0
  private readonly pool: Pool
  private readonly ids: Seed.Stream
  private readonly sockets = new Set<Socket>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly perf0 = performance.now()
  private closed = false

  constructor(readonly options: EngineOptions) {
    this.pool = new Pool(options.upstream.origin, { connections: options.connections, pipelining: 1 })
    this.ids = Seed.stream(Seed.derive(options.seed, "correlation-ids"))
    this.server = http.createServer({ requestTimeout: 0 }, (req, res) => this.handle(req, res))
    this.server.keepAliveTimeout = 65_000
    this.server.on("connection", (s: Socket) => {
      this.connectionsTotal++
      this.sockets.add(s)
      s.once("close", () => this.sockets.delete(s))
    })
  }

  get rules(): ReadonlyArray<Rule> {
    return this.compiled.map((c) => c.rule)
  }

  listen(host: string, port: number): Promise<Result.Result<void, ChaosError>> {
    return new Promise((resolve) => {
      const onError = (e: Error) =>
        resolve(
          Result.fail(
            withDetails("Listen", `HttpFaultProxy ${this.options.name}: listen ${host}:${port}: ${e.message}`, {
              host,
              port
            })
          )
        )
      this.server.once("error", onError)
      this.server.listen(port, host, () => {
        this.server.off("error", onError)
        resolve(Result.void)
      })
    })
  }

  get address(): { readonly host: string; readonly port: number } {
    const a = this.server.address()
    if (a === null || typeof a === "string") return { host: "127.0.0.1", port: 0 }
    return { host: a.address, port: a.port }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const s of this.sockets) s.destroy()
    await closed
    await this.pool.destroy()
  }

  addRules(rules: ReadonlyArray<Rule>): Result.Result<void, ChaosError> {
    for (const r of rules)
      if (this.compiled.some((c) => c.rule.id === r.id))
        return Result.fail(
          withDetails("Conflict", `HttpFaultProxy: rule already exists: ${r.id}`, { field: "id", value: r.id })
        )
    for (const r of rules) this.compiled.push(compile(r))
    return Result.void
  }

  setRules(rules: ReadonlyArray<Rule>): void {
    this.compiled = rules.map(compile)
  }

  removeRule(id: string): boolean {
    const before = this.compiled.length
    this.compiled = this.compiled.filter((c) => c.rule.id !== id)
    return this.compiled.length !== before
  }

  private later(ms: number, f: () => void): void {
    if (this.closed) return
    const t = setTimeout(() => {
      this.timers.delete(t)
      if (!this.closed) f()
    }, ms)
    this.timers.add(t)
  }

  private record(entry: JournalEntry): void {
    this.journal.push(entry)
    if (this.journal.length > 2 * this.options.journalLimit)
      this.journal.splice(0, this.journal.length - this.options.journalLimit)
  }

  private correlationId(index: number): string {
    return `24h-${index.toString(36)}-${this.ids.nextUint32().toString(16).padStart(8, "0")}`
  }

  private decide(index: number, req: http.IncomingMessage, path: string, ctx: Ctx): Decision | undefined {
    const rngOf = (id: string) => {
      let s: Seed.Stream | undefined
      return () => {
        if (s === undefined) s = Seed.stream(Seed.derive(this.options.seed, `request/${index}/${id}`))
        return s
      }
    }
    if (this.options.headerControl) {
      const h = req.headers
      const abort = h[CONTROL.abort]
      const delay = h[CONTROL.delay]
      if (typeof abort === "string" && /^[1-5]\d\d$/.test(abort))
        return { rule: "header", action: { type: "status", status: Number(abort) }, rng: rngOf("header") }
      if (h[CONTROL.reset] !== undefined) return { rule: "header", action: { type: "reset" }, rng: rngOf("header") }
      if (typeof delay === "string" && /^\d{1,9}$/.test(delay))
        return { rule: "header", action: { type: "delay", ms: Number(delay) }, rng: rngOf("header") }
    }
    const method = req.method ?? "GET"
    for (const c of this.compiled) {
      if (!c.matches(method, path, req.headers)) continue
      const rng = rngOf(c.rule.id)
      if (c.probability <= 0) continue
      if (c.probability < 1 && !(rng().next() < c.probability)) continue
      if (this.activeFaults >= this.options.maxActiveFaults) {
        ctx.entry.note = `rule ${c.rule.id} matched, not applied: max_active_faults (${this.options.maxActiveFaults}) reached`
        return undefined
      }
      return { rule: c.rule.id, action: c.rule.action, rng }
    }
    return undefined
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "/"
    const admin = this.options.admin
    if (admin !== undefined && url.startsWith(admin)) {
      const rest = url.slice(admin.length)
      if (rest === "" || rest[0] === "/" || rest[0] === "?") {
        const q = rest.indexOf("?")
        this.admin(req, res, q === -1 ? rest : rest.slice(0, q))
        return
      }
    }
    const t0 = performance.now()
    const index = this.requests++
    const q = url.indexOf("?")
    const path = q === -1 ? url : url.slice(0, q)
    const given = req.headers["x-correlation-id"]
    const present = typeof given === "string" && given !== ""
    const entry: Mutable<JournalEntry> = {
      index,
      at: Math.round(this.options.epochMs + (t0 - this.perf0)),
      method: req.method ?? "GET",
      path: url,
      correlationId: present ? given : this.correlationId(index),
      status: null,
      upstreamStatus: null,
      latencyMs: 0,
      bytes: 0,
      outcome: "completed",
      fault: null
    }
    const ctx: Ctx = { entry, t0, decision: undefined, details: undefined, done: false }
    ctx.decision =
      this.compiled.length === 0 && !this.options.headerControl ? undefined : this.decide(index, req, path, ctx)
    const d = ctx.decision
    if (d !== undefined) {
      this.faulted++
      this.activeFaults++
    }
    res.once("close", () => this.finish(ctx, res))
    if (d === undefined) {
      this.forward(req, res, ctx, present)
      return
    }
    const a = d.action
    switch (a.type) {
      case "status": {
        req.resume()
        const body = Buffer.from(
          a.body ?? JSON.stringify({ error: `fault injected by 24h (rule ${d.rule})`, status: a.status })
        )
        const headers: Record<string, string | number> = {
          "content-type": a.body === undefined ? "application/json" : "text/plain; charset=utf-8",
          "content-length": body.length,
          "x-correlation-id": entry.correlationId
        }
        if (a.retryAfter !== undefined) headers["retry-after"] = a.retryAfter
        for (const [k, v] of Object.entries(a.headers ?? {})) headers[k.toLowerCase()] = v
        res.writeHead(a.status, headers)
        entry.bytes = body.length
        res.end(body)
        return
      }
      case "reset":
        req.resume()
        entry.outcome = "reset"
        req.socket.resetAndDestroy()
        return
      case "hang":
        req.resume()
        entry.outcome = "hang"
        return
      case "delay":
        if (a.phase !== "chunks") {
          const wait = this.delayOf(a, d)
          ctx.details = { ms: wait }
          this.later(wait, () => {
            if (!res.destroyed) this.forward(req, res, ctx, present)
          })
          return
        }
        this.forward(req, res, ctx, present)
        return
      default:
        this.forward(req, res, ctx, present)
    }
  }

  private delayOf(a: Extract<Action, { type: "delay" }>, d: Decision): number {
    const j = a.jitter ?? 0
    return j === 0 ? a.ms : Math.max(0, a.ms + d.rng().nextInt(-j, j))
  }

  private finish(ctx: Ctx, res: http.ServerResponse): void {
    if (ctx.done) return
    ctx.done = true
    const e = ctx.entry
    if (ctx.decision !== undefined) {
      this.activeFaults--
      e.fault =
        ctx.details === undefined
          ? { rule: ctx.decision.rule, action: ctx.decision.action.type }
          : { rule: ctx.decision.rule, action: ctx.decision.action.type, details: ctx.details }
    }
    e.status = res.headersSent ? res.statusCode : null
    if (e.outcome === "completed" && !res.writableFinished) e.outcome = "client_closed"
    e.latencyMs = Math.round((performance.now() - ctx.t0) * 1000) / 1000
    this.record(e)
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, ctx: Ctx, present: boolean): void {
    const raw = req.rawHeaders
    const stripEncoding = ctx.decision !== undefined && BODY_ACTIONS.has(ctx.decision.action.type)
    const control = this.options.headerControl
    const headers: Array<string> = []
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase()
      if (HOP_BY_HOP.has(k)) continue
      if (stripEncoding && k === "accept-encoding") continue
      if (control && k.startsWith("x-24h-fault-")) continue
      headers.push(raw[i]!, raw[i + 1]!)
    }
    if (!present) headers.push("x-correlation-id", ctx.entry.correlationId)
    const cl = req.headers["content-length"]
    const hasBody = cl !== undefined ? cl !== "0" : req.headers["transfer-encoding"] !== undefined
    this.pool.request(
      {
        method: (req.method ?? "GET") as "GET",
        path: req.url ?? "/",
        headers,
        body: hasBody ? req : null
      },
      (err, data) => {
        if (err !== null) {
          if (res.destroyed) return
          ctx.entry.outcome = "upstream_error"
          ctx.entry.error = err.message
          const body = jsonBody({ error: `HttpFaultProxy: upstream ${this.options.upstream.origin}: ${err.message}` })
          if (!res.headersSent)
            res.writeHead(502, { "content-type": "application/json", "content-length": body.length }).end(body)
          else res.destroy()
          return
        }
        ctx.entry.upstreamStatus = data.statusCode
        if (res.destroyed) {
          data.body.destroy()
          return
        }
        res.once("close", () => {
          if (!res.writableFinished) data.body.destroy()
        })
        this.respond(res, ctx, data.statusCode, data.headers, data.body)
      }
    )
  }

  private respond(
    res: http.ServerResponse,
    ctx: Ctx,
    status: number,
    upstream: http.IncomingHttpHeaders,
    body: Readable
  ): void {
    const headers: Record<string, string | Array<string>> = {}
    for (const k in upstream) {
      if (HOP_BY_HOP.has(k)) continue
      const v = upstream[k]
      if (v !== undefined) headers[k] = v
    }
    const a = ctx.decision?.action
    if (a === undefined) {
      res.writeHead(status, headers)
      this.pump(body, res, ctx)
      return
    }
    switch (a.type) {
      case "headers": {
        for (const name of a.remove ?? []) delete headers[name.toLowerCase()]
        for (const [k, v] of Object.entries(a.rewrite ?? {}))
          if (headers[k.toLowerCase()] !== undefined) headers[k.toLowerCase()] = v
        for (const [k, v] of Object.entries(a.add ?? {})) {
          const key = k.toLowerCase()
          const cur = headers[key]
          headers[key] = cur === undefined ? v : [...(Array.isArray(cur) ? cur : [cur]), v]
        }
        res.writeHead(status, headers)
        this.pump(body, res, ctx)
        return
      }
      case "delay":
        res.writeHead(status, headers)
        if (a.phase === "chunks") this.pumpDelayed(body, res, ctx, a, ctx.decision!)
        else this.pump(body, res, ctx)
        return
      case "truncate": {
        const length = Number(headers["content-length"])
        if (a.bytes !== undefined || Number.isFinite(length)) {
          const limit = a.bytes ?? Math.floor(a.fraction! * length)
          ctx.details = { limit }
          res.writeHead(status, headers)
          this.pumpTruncated(body, res, ctx, limit)
        } else
          this.collect(body, res, ctx, status, headers, (buf) => {
            const limit = Math.floor(a.fraction! * buf.length)
            ctx.details = { limit, of: buf.length }
            res.writeHead(status, headers)
            ctx.entry.bytes = limit
            res.write(buf.subarray(0, limit))
            ctx.entry.outcome = "truncated"
            cutConnection(res)
          })
        return
      }
      case "malformed_json":
        this.collect(body, res, ctx, status, headers, (buf) => {
          const text = buf.toString("utf8")
          const cut = text.length <= 1 ? text.length : ctx.decision!.rng().nextInt(1, text.length - 1)
          const out = Buffer.from(text.slice(0, cut) + MALFORMED_TAIL)
          ctx.details = { cutAt: cut, of: text.length }
          this.sendWhole(res, ctx, status, headers, out)
        })
        return
      case "drift":
        this.collect(body, res, ctx, status, headers, (buf) => {
          let parsed: unknown
          try {
            parsed = JSON.parse(buf.toString("utf8"))
          } catch {
            ctx.entry.note = "drift: the body is not JSON, passed through unchanged"
            this.sendWhole(res, ctx, status, headers, buf)
            return
          }
          const opts: SchemaDrift.Options = {
            ...(a.operations !== undefined ? { operations: a.operations } : {}),
            ...(a.fieldRate !== undefined ? { fieldRate: a.fieldRate } : {})
          }
          const { value, changes } = SchemaDrift.mutate(parsed, ctx.decision!.rng(), opts)
          ctx.details = { changes }
          this.sendWhole(res, ctx, status, headers, Buffer.from(JSON.stringify(value)))
        })
        return
      case "sse": {
        const ct = headers["content-type"]
        res.writeHead(status, headers)
        if (typeof ct === "string" && ct.toLowerCase().startsWith("text/event-stream"))
          this.pumpSse(body, res, ctx, a, ctx.decision!)
        else {
          ctx.entry.note = "sse: the response is not text/event-stream, passed through unchanged"
          this.pump(body, res, ctx)
        }
        return
      }
      default:
        res.writeHead(status, headers)
        this.pump(body, res, ctx)
    }
  }

  private upstreamError(res: http.ServerResponse, ctx: Ctx, e: Error): void {
    // A body the proxy destroyed itself (truncate, SSE cut, client gone) is not an upstream error.
    if (ctx.entry.outcome !== "completed" || res.destroyed) return
    ctx.entry.outcome = "upstream_error"
    ctx.entry.error = e.message
    res.destroy()
  }

  private pump(body: Readable, res: http.ServerResponse, ctx: Ctx): void {
    const entry = ctx.entry
    body.on("data", (chunk: Buffer) => {
      entry.bytes += chunk.length
      if (!res.write(chunk)) body.pause()
    })
    res.on("drain", () => body.resume())
    body.once("end", () => res.end())
    body.once("error", (e) => this.upstreamError(res, ctx, e))
  }

  private pumpDelayed(
    body: Readable,
    res: http.ServerResponse,
    ctx: Ctx,
    a: Extract<Action, { type: "delay" }>,
    d: Decision
  ): void {
    let pending = false
    let ended = false
    let chunks = 0
    ctx.details = { chunks: 0, ms: a.ms }
    body.on("data", (chunk: Buffer) => {
      body.pause()
      pending = true
      this.later(this.delayOf(a, d), () => {
        pending = false
        if (res.destroyed) return
        ctx.entry.bytes += chunk.length
        ctx.details = { chunks: ++chunks, ms: a.ms }
        const ok = res.write(chunk)
        if (ended) res.end()
        else if (ok) body.resume()
      })
    })
    res.on("drain", () => {
      if (!pending) body.resume()
    })
    body.once("end", () => {
      ended = true
      if (!pending) res.end()
    })
    body.once("error", (e) => this.upstreamError(res, ctx, e))
  }

  private pumpTruncated(body: Readable, res: http.ServerResponse, ctx: Ctx, limit: number): void {
    let sent = 0
    const cut = () => {
      ctx.entry.outcome = "truncated"
      body.destroy()
      cutConnection(res)
    }
    if (limit === 0) {
      res.flushHeaders()
      cut()
      return
    }
    body.on("data", (chunk: Buffer) => {
      if (sent >= limit) return
      const room = limit - sent
      const piece = chunk.length <= room ? chunk : chunk.subarray(0, room)
      sent += piece.length
      ctx.entry.bytes = sent
      if (sent >= limit) res.write(piece, cut)
      else if (!res.write(piece)) body.pause()
    })
    res.on("drain", () => body.resume())
    body.once("end", () => {
      if (sent < limit) {
        ctx.entry.note = `truncate: the body (${sent} B) is shorter than the limit (${limit} B), passed through`
        res.end()
      }
    })
    body.once("error", (e) => this.upstreamError(res, ctx, e))
  }

  /** Holds the body (up to `maxBodyBytes`) and hands it to `use`; a larger body streams through unchanged. */
  private collect(
    body: Readable,
    res: http.ServerResponse,
    ctx: Ctx,
    status: number,
    headers: Record<string, string | Array<string>>,
    use: (buf: Buffer) => void
  ): void {
    const chunks: Array<Buffer> = []
    let size = 0
    let over = false
    const onData = (chunk: Buffer) => {
      size += chunk.length
      chunks.push(chunk)
      if (size > this.options.maxBodyBytes) {
        over = true
        body.off("data", onData)
        ctx.entry.note = `${ctx.decision!.action.type}: the body is over maxBodyBytes (${this.options.maxBodyBytes} B), passed through unchanged`
        res.writeHead(status, headers)
        for (const c of chunks) res.write(c)
        ctx.entry.bytes = size
        chunks.length = 0
        this.pump(body, res, ctx)
      }
    }
    body.on("data", onData)
    body.once("end", () => {
      if (!over && !res.destroyed) use(Buffer.concat(chunks, size))
    })
    body.once("error", (e) => this.upstreamError(res, ctx, e))
  }

  private sendWhole(
    res: http.ServerResponse,
    ctx: Ctx,
    status: number,
    headers: Record<string, string | Array<string>>,
    buf: Buffer
  ): void {
    headers["content-length"] = String(buf.length)
    delete headers["content-encoding"]
    res.writeHead(status, headers)
    ctx.entry.bytes = buf.length
    res.end(buf)
  }

  private pumpSse(
    body: Readable,
    res: http.ServerResponse,
    ctx: Ctx,
    a: Extract<Action, { type: "sse" }>,
    d: Decision
  ): void {
    const decoder = new StringDecoder("utf8")
    const stats = { events: 0, delivered: 0, dropped: 0, duplicated: 0, corrupted: 0, cut: false }
    ctx.details = stats
    const queue: Array<string> = []
    let text = ""
    let ended = false
    let busy = false
    const sep = /\r?\n\r?\n/g
    const write = (s: string): boolean => {
      ctx.entry.bytes += Buffer.byteLength(s)
      return res.write(s)
    }
    const run = (): void => {
      busy = true
      while (!res.destroyed) {
        const ev = queue.shift()
        if (ev === undefined) break
        if (a.cutAfter !== undefined && stats.events >= a.cutAfter) {
          stats.cut = true
          ctx.entry.outcome = "truncated"
          body.destroy()
          cutConnection(res)
          return
        }
        stats.events++
        const rng = d.rng()
        if (a.drop !== undefined && rng.chance(a.drop)) {
          stats.dropped++
          continue
        }
        let out = ev
        if (a.corrupt !== undefined && rng.chance(a.corrupt)) {
          stats.corrupted++
          out = corruptEvent(ev)
        }
        if (a.duplicate !== undefined && rng.chance(a.duplicate)) {
          stats.duplicated++
          out += out
        }
        stats.delivered++
        if (a.delay !== undefined && a.delay > 0) {
          this.later(a.delay, () => {
            if (write(out)) run()
            else res.once("drain", run)
          })
          return
        }
        if (!write(out)) {
          res.once("drain", run)
          return
        }
      }
      busy = false
      if (ended) {
        const rest = text + decoder.end()
        if (rest !== "") write(rest)
        res.end()
      } else body.resume()
    }
    body.on("data", (chunk: Buffer) => {
      text += decoder.write(chunk)
      sep.lastIndex = 0
      let start = 0
      for (let m = sep.exec(text); m !== null; m = sep.exec(text)) {
        queue.push(text.slice(start, m.index + m[0].length))
        start = m.index + m[0].length
      }
      text = text.slice(start)
      if (queue.length > 0) {
        body.pause()
        if (!busy) run()
      }
    })
    body.once("end", () => {
      ended = true
      if (!busy) run()
    })
    body.once("error", (e) => this.upstreamError(res, ctx, e))
  }

  // -- admin API ------------------------------------------------------------------------------------------------

  private admin(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size <= 1 << 20) chunks.push(c)
    })
    req.once("end", () => {
      const reply = (status: number, value?: unknown) => {
        if (value === undefined) {
          res.writeHead(status).end()
          return
        }
        const buf = jsonBody(value)
        res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": buf.length })
        res.end(buf)
      }
      const fail = (e: ChaosError, status: number) =>
        reply(status, { error: { reason: e.reason, message: e.message, ...(e.details ?? {}) } })
      const method = req.method ?? "GET"
      if (size > 1 << 20)
        return fail(
          withDetails("InvalidBody", `admin ${method} ${path}: body over 1 MiB (got ${size} B)`, { size }),
          413
        )
      const text = Buffer.concat(chunks).toString("utf8")
      let json: unknown
      if (text !== "") {
        try {
          json = JSON.parse(text)
        } catch (e) {
          return fail(
            withDetails("InvalidBody", `admin ${method} ${path}: body is not JSON: ${(e as Error).message}`, {
              body: text.slice(0, 80)
            }),
            400
          )
        }
      }
      const parts = path.split("/").filter((p) => p !== "")
      const id = parts[1] === undefined ? undefined : decodeURIComponent(parts[1])
      switch (`${method} ${parts[0] ?? ""}${id === undefined ? "" : "/:id"}`) {
        case "GET rules":
          return reply(200, { rules: this.rules })
        case "POST rules":
        case "PUT rules": {
          if (json === undefined)
            return fail(
              withDetails("InvalidBody", `admin ${method} /rules: expected a JSON rule or an array of rules`, {
                body: ""
              }),
              400
            )
          const parsed = parseRules(json)
          if (parsed._tag === "Failure") return fail(parsed.failure, parsed.failure.reason === "Conflict" ? 409 : 400)
          if (method === "PUT") {
            this.setRules(parsed.success)
            return reply(200, { rules: this.rules })
          }
          const added = this.addRules(parsed.success)
          if (Result.isFailure(added)) return fail(added.failure, 409)
          return reply(201, { rules: parsed.success })
        }
        case "DELETE rules": {
          const removed = this.compiled.length
          this.setRules([])
          return reply(200, { removed })
        }
        case "DELETE rules/:id":
          return this.removeRule(id!)
            ? reply(200, { removed: 1 })
            : fail(withDetails("NotFound", `admin DELETE /rules/${id}: no rule with this id`, { id }), 404)
        case "GET journal":
          return reply(200, { entries: this.journal.slice(-this.options.journalLimit), total: this.requests })
        case "DELETE journal":
        case "POST reset":
          this.journal = []
          return reply(200, { ok: true })
        case "GET stats":
          return reply(200, this.stats())
        default:
          return fail(
            withDetails(
              "NotFound",
              `admin: no endpoint ${method} ${path} (known: GET|POST|PUT|DELETE /rules, DELETE /rules/<id>, GET|DELETE /journal, POST /reset, GET /stats)`,
              { method, path }
            ),
            404
          )
      }
    })
  }

  stats() {
    return {
      requests: this.requests,
      faulted: this.faulted,
      activeFaults: this.activeFaults,
      connectionsTotal: this.connectionsTotal,
      connectionsActive: this.sockets.size
    }
  }
}

/**
 * Ends the client connection mid-body: what was written is flushed first (a `destroy` would drop it), then FIN. The
 * response is incomplete (short of its `content-length`, or without the final chunk), so the client sees an error.
 */
const cutConnection = (res: http.ServerResponse): void => {
  const s = res.socket
  if (s === null) return
  s.end()
  s.once("finish", () => s.destroy())
}

/** An SSE event whose `data:` lines are cut in half, so a JSON payload no longer parses. */
export const corruptEvent = (ev: string): string =>
  ev.replace(
    /^data:( ?)(.*)$/gm,
    (_m, sp: string, v: string) => `data:${sp}${v.slice(0, Math.max(1, v.length >> 1))}\u0000`
  )
