/**
 * The request handler of `LlmMock`: routing, the admin API, switch decisions, fixtures, the journal and the SSE
 * writer. Node callbacks throughout — Effect wraps the server's lifecycle in `LlmMock.make`, not each chunk.
 *
 *   request ─► read body ─► route ─► parse (zod, 400 naming the field) ─► decide switches (seeded per request)
 *      ─► pre-response faults (timeout, upload-limit, throttle, error, overloaded, disconnect)
 *      ─► Turn (fixture | default from the seed) ─► turn faults (bad-tool-arguments, finish-reason)
 *      ─► body | frames ─► drift ─► stream plan (stall, truncate, malformed, duplicate, disconnect, physics)
 *      ─► write, journalling every frame actually sent
 *
 * Every random decision draws from `Seed.derive(seed, "mocks/llm/<what>/<request seq>")`, so a client that sends
 * the same requests in the same order gets the same bytes and the same faults.
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { errorData, Seed } from "@24h/core"
import { Result } from "effect"
import * as Adversarial from "../../Adversarial.ts"
import { type MocksError, mocksError } from "../../MocksError.ts"
import * as SchemaDrift from "../../SchemaDrift.ts"
import * as Speech from "../../Speech.ts"
import { LOREM } from "../words.ts"
import { type Compiled, compile, pick, type Reply } from "./fixtures.ts"
import { generate as generateJson, validate as validateJson } from "./jsonSchema.ts"
import {
  type Prompt,
  parseChat,
  parseEmbeddings,
  parseMessages,
  parseResponses,
  parseSpeech,
  type ToolResult
} from "./request.ts"
import { type Endpoint, inScope, parseMany, type Switch, type SwitchOf } from "./switches.ts"
import {
  chatBody,
  chatFrames,
  errorBody,
  estimateTokens,
  type Family,
  type Finish,
  messagesBody,
  messagesFrames,
  responsesBody,
  responsesFrames,
  type ToolCall,
  type Turn,
  tokenize
} from "./wire.ts"

const now = (): number => performance.timeOrigin + performance.now()

export interface Physics {
  /** Delay before the first event, ms. */
  readonly ttftMs: number
  /** Content events per second; 0 = as fast as the socket takes them. */
  readonly tokensPerSecond: number
  /** Seeded jitter of every delay, as a fraction (0.2 = ±20%). */
  readonly jitter: number
}

export interface JournalEntry {
  readonly seq: number
  /** Arrival, epoch ms (sub-ms precision). */
  readonly at: number
  readonly method: string
  readonly path: string
  readonly endpoint: Endpoint | undefined
  model: string | undefined
  stream: boolean
  /** The SDK's own retry counter (`x-stainless-retry-count`), when sent. */
  readonly retryCount: number | undefined
  readonly correlationId: string | undefined
  /** A hash of the raw body: retries of one request share it. */
  readonly requestKey: string
  body: unknown
  status: number | undefined
  /** The switches that hit this request (id and kind). */
  readonly faults: Array<{ readonly id: string; readonly kind: Switch["kind"] }>
  /** The `Retry-After` sent, ms. */
  retryAfterMs: number | undefined
  /** Every SSE frame actually written, in order (a duplicated frame appears twice). */
  readonly events: Array<string>
  /** Whether the stream's terminal event (`[DONE]`, `message_stop`, `response.completed`) was sent. */
  completed: boolean
  reply: { readonly text: string; readonly toolCalls: ReadonlyArray<ToolCall>; readonly finish: Finish } | undefined
  /** The text the client actually received (for a cut stream, the part before the cut). */
  sentText: string | undefined
  fixture: string | undefined
  injection: { readonly tool: string; readonly callId: string; readonly text: string } | undefined
  prompt:
    | {
        readonly lastUser: string
        readonly tools: ReadonlyArray<string>
        readonly toolResults: ReadonlyArray<ToolResult>
        readonly assistantTexts: ReadonlyArray<string>
      }
    | undefined
  endedAt: number | undefined
}

export interface SwitchEvent {
  readonly at: number
  readonly action: "set" | "add" | "remove" | "clear"
  readonly switches: ReadonlyArray<Switch>
}

interface Active {
  readonly sw: Switch
  hits: number
  window: { start: number; requests: number; tokens: number } | undefined
}

export interface EngineOptions {
  readonly seed: Seed.Seed
  readonly physics: Physics
  readonly journalLimit: number
  readonly maxUploadBytes: number
  readonly epoch: number
  readonly models: ReadonlyArray<string>
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/** FNV-1a, 32 bits, as hex: a short stable key for bodies and prompts. */
export const fnv = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(16).padStart(8, "0")
}

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export class LlmEngine {
  readonly opts: EngineOptions
  readonly seed: Seed.Seed
  readonly timers = new Set<ReturnType<typeof setTimeout>>()
  fixtures: Array<Compiled> = []
  switches: Array<Active> = []
  journal: Array<JournalEntry> = []
  events: Array<SwitchEvent> = []
  private seq = 0
  private nextSwitch = 0

  constructor(opts: EngineOptions) {
    this.opts = opts
    this.seed = opts.seed
  }

  // ---------------------------------------------------------------------------------------------------------------
  // state

  addFixtures(input: ReadonlyArray<unknown>): Result.Result<void, MocksError> {
    const c = compile(input, this.fixtures.length)
    if (Result.isFailure(c)) return Result.fail(c.failure)
    this.fixtures.push(...c.success)
    return Result.void
  }

  setSwitches(input: unknown, action: "set" | "add"): Result.Result<Array<Switch>, MocksError> {
    const parsed = parseMany(input)
    if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
    const withIds = parsed.success.map((s) => (s.id === undefined ? { ...s, id: `sw-${++this.nextSwitch}` } : s))
    const ids = new Set<string>()
    for (const s of withIds) {
      if (ids.has(s.id!))
        return Result.fail(
          mocksError("InvalidSwitch", `LlmMock.Switch.id: duplicate id ${JSON.stringify(s.id)}`, undefined, {
            module: "LlmMock.Switch",
            field: "id",
            value: s.id
          })
        )
      ids.add(s.id!)
    }
    if (action === "set") this.switches = []
    else this.switches = this.switches.filter((a) => !ids.has(a.sw.id!))
    this.switches.push(...withIds.map((sw) => ({ sw, hits: 0, window: undefined })))
    this.events.push({ at: now(), action, switches: withIds })
    return Result.succeed(withIds)
  }

  removeSwitch(id: string | undefined): boolean {
    const before = this.switches.length
    const removed = this.switches.filter((a) => id === undefined || a.sw.id === id).map((a) => a.sw)
    this.switches = id === undefined ? [] : this.switches.filter((a) => a.sw.id !== id)
    this.events.push({ at: now(), action: id === undefined ? "clear" : "remove", switches: removed })
    return id === undefined || this.switches.length < before
  }

  reset() {
    this.journal = []
    this.events = []
    for (const f of this.fixtures) f.calls = 0
    for (const a of this.switches) {
      a.hits = 0
      a.window = undefined
    }
  }

  private rng(what: string, seq: number): Seed.Stream {
    return Seed.stream(Seed.derive(this.seed, `mocks/llm/${what}/${seq}`))
  }

  private id(prefix: string, rng: Seed.Stream, n = 24): string {
    let s = prefix
    for (let i = 0; i < n; i++) s += ID_ALPHABET[rng.nextInt(0, ID_ALPHABET.length - 1)]
    return s
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP

  handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0]!
    const limit = path.endsWith("/audio/transcriptions") ? this.opts.maxUploadBytes : 64 * 1024 * 1024
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size <= limit + 1) chunks.push(c)
    })
    req.on("end", () => {
      try {
        this.dispatch(req, res, path, Buffer.concat(chunks), size)
      } catch (e) {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" })
          res.end(errorBody("openai", 500, `LlmMock: ${e instanceof Error ? e.message : String(e)}`))
        }
      }
    })
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer, size: number) {
    if (path.startsWith("/__admin/") || path === "/__admin") return this.admin(req, res, path, raw)
    const method = req.method ?? "GET"
    const route = ((): Endpoint | undefined => {
      const p = path.replace(/^\/v1(?=\/)/, "")
      if (method === "POST" && p === "/chat/completions") return "chat"
      if (method === "POST" && p === "/responses") return "responses"
      if (method === "POST" && p === "/embeddings") return "embeddings"
      if (method === "GET" && (p === "/models" || p.startsWith("/models/"))) return "models"
      if (method === "POST" && p === "/messages") return "messages"
      if (method === "POST" && p === "/audio/transcriptions") return "transcriptions"
      if (method === "POST" && p === "/audio/speech") return "speech"
      return undefined
    })()
    const family: Family =
      route === "messages" || headerOf(req, "anthropic-version") !== undefined ? "anthropic" : "openai"
    const seq = ++this.seq
    const text = route === "transcriptions" ? "" : raw.toString("utf8")
    const entry: JournalEntry = {
      seq,
      at: now(),
      method,
      path,
      endpoint: route,
      model: undefined,
      stream: false,
      retryCount: ((v) => (v === undefined || !/^\d+$/.test(v) ? undefined : Number(v)))(
        headerOf(req, "x-stainless-retry-count")
      ),
      correlationId: headerOf(req, "x-correlation-id"),
      requestKey: fnv(`${method} ${path} ${route === "transcriptions" ? raw.toString("latin1") : text}`),
      body: undefined,
      status: undefined,
      faults: [],
      retryAfterMs: undefined,
      events: [],
      completed: false,
      reply: undefined,
      sentText: undefined,
      fixture: undefined,
      injection: undefined,
      prompt: undefined,
      endedAt: undefined
    }
    this.journal.push(entry)
    if (this.journal.length > this.opts.journalLimit) this.journal.shift()
    res.on("close", () => {
      entry.endedAt ??= now()
    })
    const reply = new Replier(this, req, res, entry, family)
    if (route === undefined) {
      return reply.error(404, `LlmMock: no endpoint ${method} ${path}`, null)
    }
    // Per-request switches: a JSON array in x-24h-switches.
    let extra: Array<Switch> = []
    const hdr = headerOf(req, "x-24h-switches")
    if (hdr !== undefined) {
      let json: unknown
      try {
        json = JSON.parse(hdr)
      } catch {
        return reply.error(400, `x-24h-switches: not JSON (got ${JSON.stringify(hdr.slice(0, 80))})`, "x-24h-switches")
      }
      if (!Array.isArray(json)) {
        return reply.error(
          400,
          `x-24h-switches: must be a JSON array of switches (got ${hdr.slice(0, 80)})`,
          "x-24h-switches"
        )
      }
      const p = parseMany(json)
      if (Result.isFailure(p)) return reply.error(400, `x-24h-switches: ${p.failure.message}`, "x-24h-switches")
      extra = p.success.map((s, i) => ({ ...s, id: s.id ?? `header-${i}` }))
    }
    if (route === "transcriptions") {
      void this.transcription(reply, req, raw, size, extra)
      return
    }
    let body: unknown
    if (method === "POST") {
      try {
        body = JSON.parse(text)
      } catch {
        return reply.error(
          400,
          `LlmMock: the request body is not JSON (got ${JSON.stringify(text.slice(0, 60))})`,
          null
        )
      }
    }
    entry.body = body
    switch (route) {
      case "models":
        return this.models(reply, path, extra)
      case "embeddings":
        return this.embeddings(reply, body, extra)
      case "speech":
        return this.speech(reply, body, extra)
      default:
        return this.completion(reply, route, body, extra)
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // switch decisions

  /** The switches that hit this request, in list order; each draws from its own seeded stream. */
  decide(endpoint: Endpoint, model: string | undefined, extra: ReadonlyArray<Switch>, seq: number, tokens: number) {
    const hit: Array<Switch> = []
    let throttled: { sw: SwitchOf<"throttle">; retryMs: number; headers: Record<string, string> } | undefined
    let rate: Record<string, string> | undefined
    const consider = (a: Active) => {
      const s = a.sw
      if (!inScope(s, endpoint, model)) return
      if (s.times !== undefined && a.hits >= s.times) return
      if (s.kind === "throttle") {
        const t = now()
        if (a.window === undefined || t - a.window.start >= s.windowMs) a.window = { start: t, requests: 0, tokens: 0 }
        const w = a.window
        const over =
          (s.requests !== undefined && w.requests + 1 > s.requests) ||
          (s.tokens !== undefined && w.tokens + tokens > s.tokens)
        const resetMs = Math.max(1, w.start + s.windowMs - t)
        if (!over) {
          w.requests++
          w.tokens += tokens
        }
        rate = rateHeaders(s, w, resetMs)
        if (over && throttled === undefined) {
          a.hits++
          throttled = { sw: s, retryMs: resetMs, headers: rate }
        }
        return
      }
      if (!this.rng(`switches/${s.id}`, seq).chance(s.rate)) return
      a.hits++
      hit.push(s)
    }
    for (const a of this.switches) consider(a)
    for (const s of extra) consider({ sw: s, hits: 0, window: undefined })
    return { hit, throttled, rate }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // endpoints

  /** Applies the faults that answer before any reply is built; true when the request has been answered. */
  private preFaults(reply: Replier, d: ReturnType<LlmEngine["decide"]>, streaming: boolean, then: () => unknown) {
    const e = reply.entry
    if (d.throttled !== undefined) {
      e.faults.push({ id: d.throttled.sw.id!, kind: "throttle" })
      const retryS = d.throttled.retryMs / 1000
      return reply.error(
        429,
        "Rate limit reached (LlmMock throttle switch). Please retry after the window resets.",
        null,
        {
          ...d.throttled.headers,
          ...retryHeaders(retryS)
        }
      )
    }
    if (d.rate !== undefined) reply.extraHeaders = d.rate
    for (const s of d.hit) {
      switch (s.kind) {
        case "timeout": {
          e.faults.push({ id: s.id!, kind: s.kind })
          if (s.ms === undefined) return // never answer: the client's own timeout ends it
          return reply.later(s.ms, () => reply.error(504, "LlmMock: upstream timed out (timeout switch)", null))
        }
        case "error": {
          e.faults.push({ id: s.id!, kind: s.kind })
          return reply.error(
            s.status,
            s.message ?? `LlmMock: simulated ${s.status} (error switch)`,
            null,
            s.retryAfter === undefined ? {} : retryHeaders(s.retryAfter)
          )
        }
        case "overloaded": {
          e.faults.push({ id: s.id!, kind: s.kind })
          return reply.error(
            reply.family === "anthropic" ? 529 : 503,
            reply.family === "anthropic" ? "Overloaded" : "The server is overloaded or not ready yet.",
            null,
            s.retryAfter === undefined ? {} : retryHeaders(s.retryAfter)
          )
        }
        case "disconnect": {
          if (!streaming || s.afterEvents === 0) {
            e.faults.push({ id: s.id!, kind: s.kind })
            return reply.destroy()
          }
          break
        }
        case "stall": {
          if (!streaming) {
            e.faults.push({ id: s.id!, kind: s.kind })
            return reply.later(s.ms, then)
          }
          break
        }
        default:
          break
      }
    }
    then()
  }

  private completion(reply: Replier, endpoint: Endpoint, body: unknown, extra: ReadonlyArray<Switch>) {
    const parsed =
      endpoint === "chat" ? parseChat(body) : endpoint === "messages" ? parseMessages(body) : parseResponses(body)
    if (!parsed.ok) return reply.error(400, parsed.message, parsed.param)
    const p = parsed.value
    const e = reply.entry
    e.model = p.model
    e.stream = p.stream
    e.prompt = { lastUser: p.lastUser, tools: p.tools, toolResults: p.toolResults, assistantTexts: p.assistantTexts }
    const d = this.decide(endpoint, p.model, extra, e.seq, estimateTokens(p.text))
    this.preFaults(reply, d, p.stream, () => {
      const picked = pick(this.fixtures, p)
      if (picked !== undefined) e.fixture = picked.fixture.id
      const r = picked?.reply
      if (r !== undefined && "error" in r) {
        return reply.error(
          r.error.status,
          r.error.message ?? `LlmMock: fixture ${picked!.fixture.id}`,
          null,
          r.error.retryAfter === undefined ? {} : retryHeaders(r.error.retryAfter)
        )
      }
      const made = this.turn(p, e, r, d.hit)
      if (Result.isFailure(made)) return reply.error(500, made.failure, null)
      const turn = made.success
      e.reply = { text: turn.text, toolCalls: turn.toolCalls, finish: turn.finish }
      const drift = d.hit.find((s): s is SwitchOf<"drift"> => s.kind === "drift")
      const driftRng = drift === undefined ? undefined : this.rng("drift", e.seq)
      const mutate = (v: Record<string, unknown>) =>
        drift === undefined || driftRng === undefined
          ? v
          : SchemaDrift.mutate(v, driftRng, {
              fieldRate: drift.fieldRate,
              ...(drift.operations === undefined ? {} : { operations: drift.operations })
            }).value
      if (drift !== undefined) e.faults.push({ id: drift.id!, kind: "drift" })
      if (!p.stream) {
        const b =
          endpoint === "chat" ? chatBody(turn) : endpoint === "messages" ? messagesBody(turn) : responsesBody(turn)
        e.sentText = turn.text
        return reply.json(200, mutate(b))
      }
      let frames =
        endpoint === "chat"
          ? chatFrames(turn, p.includeUsage)
          : endpoint === "messages"
            ? messagesFrames(turn)
            : responsesFrames(turn)
      if (drift !== undefined) frames = frames.map((f) => driftFrame(f, mutate))
      reply.stream(frames, this.plan(frames.length, d.hit, e), turn)
    })
  }

  private turn(
    p: Prompt,
    e: JournalEntry,
    r: Reply | undefined,
    hit: ReadonlyArray<Switch>
  ): Result.Result<Turn, string> {
    const idRng = this.rng("ids", e.seq)
    const anthropic = p.endpoint === "messages"
    const id = this.id(anthropic ? "msg_" : p.endpoint === "responses" ? "resp_" : "chatcmpl-", idRng)
    const callId = () => (anthropic ? this.id("toolu_", idRng) : this.id("call_", idRng))
    let text = ""
    let toolCalls: Array<ToolCall> = []
    if (r === undefined) {
      if (p.jsonSchema !== undefined) {
        text = JSON.stringify(generateJson(p.jsonSchema, this.rng(`json/${fnv(p.model + p.text)}`, 0)))
      } else {
        const base = this.defaultText(p)
        text = p.jsonObject ? JSON.stringify({ answer: base }) : base
      }
    } else if ("text" in r && !("toolCalls" in r)) {
      text = r.text
    } else if ("toolCalls" in r) {
      text = r.text ?? ""
      toolCalls = r.toolCalls.map((c) => ({
        id: c.id ?? callId(),
        name: c.name,
        arguments: JSON.stringify(c.arguments ?? {})
      }))
    } else if ("json" in r) {
      text = JSON.stringify(r.json)
    } else if ("injection" in r) {
      const inj = r.injection
      text = inj.text ?? Adversarial.pick(this.rng("injection", e.seq), "promptInjection")
      const call = { id: callId(), name: inj.tool, arguments: JSON.stringify(inj.arguments ?? {}) }
      toolCalls = [call]
      e.injection = { tool: inj.tool, callId: call.id, text }
    }
    if (p.jsonSchema !== undefined && toolCalls.length === 0) {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return Result.fail(
          `LlmMock: fixture ${e.fixture ?? ""} reply is not JSON but the request asks for response_format json_schema`
        )
      }
      const valid = validateJson(p.jsonSchema, value)
      if (Result.isFailure(valid))
        return Result.fail(`LlmMock: the reply does not satisfy the request's json_schema: ${valid.failure}`)
    }
    let chunks = tokenize(text)
    let finish: Finish = toolCalls.length > 0 ? "tool_calls" : "stop"
    if (p.maxTokens !== undefined && chunks.length > p.maxTokens) {
      chunks = chunks.slice(0, p.maxTokens)
      finish = "length"
    }
    const bad = hit.find((s) => s.kind === "bad-tool-arguments")
    if (bad !== undefined && toolCalls.length > 0) {
      e.faults.push({ id: bad.id!, kind: bad.kind })
      toolCalls = toolCalls.map((c) => ({
        ...c,
        arguments: c.arguments.slice(0, Math.max(1, c.arguments.length - 1)).replace(/^\{\}?$/, "{") + ',"'
      }))
    }
    const fr = hit.find((s): s is SwitchOf<"finish-reason"> => s.kind === "finish-reason")
    if (fr !== undefined) {
      e.faults.push({ id: fr.id!, kind: fr.kind })
      finish = fr.reason
      chunks = chunks.slice(0, Math.max(1, Math.ceil(chunks.length / 2)))
      toolCalls = []
    }
    const finalText = chunks.join("")
    return Result.succeed({
      id,
      created: this.opts.epoch + e.seq,
      model: p.model,
      text: finalText,
      chunks,
      toolCalls,
      finish,
      inputTokens: estimateTokens(p.text),
      outputTokens: Math.max(1, chunks.length + toolCalls.reduce((n, c) => n + estimateTokens(c.arguments), 0))
    })
  }

  private defaultText(p: Prompt): string {
    const rng = this.rng(
      `reply/${fnv(`${p.endpoint}\n${p.model}\n${p.lastUser}\n${p.newToolResults.map((t) => t.content).join("\n")}`)}`,
      0
    )
    const n = rng.nextInt(8, 24)
    const words: Array<string> = []
    for (let i = 0; i < n; i++) words.push(rng.pick(LOREM))
    const s = words.join(" ")
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`
  }

  /** Where the stream faults and the physics put delays and cuts, frame by frame. */
  private plan(n: number, hit: ReadonlyArray<Switch>, e: JournalEntry): StreamPlan {
    const ph = this.opts.physics
    const delays = new Array<number>(n).fill(0)
    if (ph.ttftMs > 0 || ph.tokensPerSecond > 0) {
      const rng = this.rng("physics", e.seq)
      const j = (ms: number) => (ph.jitter > 0 ? Math.max(0, ms * (1 + ph.jitter * (rng.next() * 2 - 1))) : ms)
      delays[0] = j(ph.ttftMs)
      if (ph.tokensPerSecond > 0) for (let i = 1; i < n; i++) delays[i] = j(1000 / ph.tokensPerSecond)
    }
    const plan: StreamPlan = { delays, cutAt: undefined, cut: "end", malformedAt: undefined, duplicateAt: undefined }
    for (const s of hit) {
      switch (s.kind) {
        case "stall":
          if (s.afterEvents < n) {
            delays[s.afterEvents] = (delays[s.afterEvents] ?? 0) + s.ms
            e.faults.push({ id: s.id!, kind: s.kind })
          }
          break
        case "truncate-stream":
          if (s.afterEvents < n && plan.cutAt === undefined) {
            plan.cutAt = s.afterEvents
            plan.cut = "end"
            e.faults.push({ id: s.id!, kind: s.kind })
          }
          break
        case "disconnect":
          if (s.afterEvents < n && plan.cutAt === undefined) {
            plan.cutAt = s.afterEvents
            plan.cut = "destroy"
            e.faults.push({ id: s.id!, kind: s.kind })
          }
          break
        case "malformed-event":
          if (s.atEvent < n) {
            plan.malformedAt = s.atEvent
            e.faults.push({ id: s.id!, kind: s.kind })
          }
          break
        case "duplicate-event":
          if (s.atEvent < n) {
            plan.duplicateAt = s.atEvent
            e.faults.push({ id: s.id!, kind: s.kind })
          }
          break
        default:
          break
      }
    }
    return plan
  }

  private models(reply: Replier, path: string, extra: ReadonlyArray<Switch>) {
    const d = this.decide("models", undefined, extra, reply.entry.seq, 0)
    this.preFaults(reply, d, false, () => {
      const one = path.match(/\/models\/(.+)$/)?.[1]
      const list = this.opts.models
      if (reply.family === "anthropic") {
        const item = (id: string) => ({
          type: "model",
          id,
          display_name: id,
          created_at: new Date(this.opts.epoch * 1000).toISOString()
        })
        if (one !== undefined)
          return list.includes(one) ? reply.json(200, item(one)) : reply.error(404, `model: ${one}`, "model")
        return reply.json(200, {
          data: list.map(item),
          has_more: false,
          first_id: list[0] ?? null,
          last_id: list[list.length - 1] ?? null
        })
      }
      const item = (id: string) => ({ id, object: "model", created: this.opts.epoch, owned_by: "24h" })
      if (one !== undefined) {
        return list.includes(one)
          ? reply.json(200, item(one))
          : reply.error(404, `The model '${one}' does not exist or you do not have access to it.`, "model")
      }
      return reply.json(200, { object: "list", data: list.map(item) })
    })
  }

  private embeddings(reply: Replier, body: unknown, extra: ReadonlyArray<Switch>) {
    const parsed = parseEmbeddings(body)
    if (!parsed.ok) return reply.error(400, parsed.message, parsed.param)
    const x = parsed.value
    const e = reply.entry
    e.model = x.model
    const tokens = x.inputs.reduce((n, s) => n + estimateTokens(s), 0)
    const d = this.decide("embeddings", x.model, extra, e.seq, tokens)
    this.preFaults(reply, d, false, () => {
      const data = x.inputs.map((input, index) => {
        const v = embed(this.seed, x.model, input, x.dimensions)
        return {
          object: "embedding",
          index,
          embedding: x.base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v)
        }
      })
      let out: unknown = {
        object: "list",
        data,
        model: x.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens }
      }
      const drift = d.hit.find((s): s is SwitchOf<"drift"> => s.kind === "drift")
      if (drift !== undefined) {
        e.faults.push({ id: drift.id!, kind: "drift" })
        out = SchemaDrift.mutate(out, this.rng("drift", e.seq), {
          fieldRate: drift.fieldRate,
          ...(drift.operations === undefined ? {} : { operations: drift.operations })
        }).value
      }
      reply.json(200, out)
    })
  }

  private speech(reply: Replier, body: unknown, extra: ReadonlyArray<Switch>) {
    const parsed = parseSpeech(body)
    if (!parsed.ok) return reply.error(400, parsed.message, parsed.param)
    const x = parsed.value
    const e = reply.entry
    e.model = x.model
    const d = this.decide("speech", x.model, extra, e.seq, estimateTokens(x.input))
    this.preFaults(reply, d, false, () => {
      const opts: { speed: number; silence?: boolean; headerSampleRate?: number; truncateTo?: number } = {
        speed: x.speed
      }
      for (const s of d.hit) {
        if (s.kind === "silence") opts.silence = true
        else if (s.kind === "wrong-sample-rate") opts.headerSampleRate = s.sampleRate
        else if (s.kind === "truncated-audio") opts.truncateTo = s.fraction
        else continue
        e.faults.push({ id: s.id!, kind: s.kind })
      }
      e.sentText = x.input
      if (x.format === "pcm") {
        let pcm = Speech.pcm(x.input, opts)
        if (opts.truncateTo !== undefined) pcm = pcm.slice(0, Math.floor((pcm.byteLength * opts.truncateTo) / 2) * 2)
        return reply.bytes(200, "audio/pcm", pcm)
      }
      const wav = Speech.synthesize(x.input, opts)
      // A truncated file still announces its full length, as a cut download does.
      reply.bytes(200, "audio/wav", wav, opts.truncateTo === undefined ? undefined : "truncate")
    })
  }

  private async transcription(
    reply: Replier,
    req: IncomingMessage,
    raw: Buffer,
    size: number,
    extra: ReadonlyArray<Switch>
  ): Promise<void> {
    const e = reply.entry
    const limitSw = [...this.switches.map((a) => a.sw), ...extra].find(
      (s): s is SwitchOf<"upload-limit"> => s.kind === "upload-limit"
    )
    const limit = Math.min(this.opts.maxUploadBytes, limitSw?.maxBytes ?? Number.POSITIVE_INFINITY)
    if (size > limit) {
      if (limitSw !== undefined && limitSw.maxBytes < this.opts.maxUploadBytes) {
        e.faults.push({ id: limitSw.id!, kind: "upload-limit" })
      }
      return reply.error(413, `audio.transcriptions.file: ${size} bytes exceeds the limit of ${limit} bytes`, "file")
    }
    let form: FormData
    try {
      form = await new Response(raw, { headers: { "content-type": headerOf(req, "content-type") ?? "" } }).formData()
    } catch (err) {
      return reply.error(
        400,
        `audio.transcriptions: the body is not multipart/form-data (${err instanceof Error ? err.message : String(err)})`,
        null
      )
    }
    const file = form.get("file")
    const model = form.get("model")
    const format = String(form.get("response_format") ?? "json")
    if (typeof model !== "string" || model === "") {
      return reply.error(400, `audio.transcriptions.model: required (got ${JSON.stringify(model)})`, "model")
    }
    if (file === null || typeof file === "string") {
      return reply.error(
        400,
        `audio.transcriptions.file: required, an uploaded file (got ${JSON.stringify(file)})`,
        "file"
      )
    }
    if (!["json", "text", "verbose_json", "srt", "vtt"].includes(format)) {
      return reply.error(
        400,
        `audio.transcriptions.response_format: must be one of json, text, verbose_json, srt, vtt (got ${JSON.stringify(format)})`,
        "response_format"
      )
    }
    e.model = model
    const fileName = (file as File).name
    const bytes = new Uint8Array(await (file as Blob).arrayBuffer())
    e.body = { model, response_format: format, file: { name: fileName, bytes: bytes.byteLength } }
    const d = this.decide("transcriptions", model, extra, e.seq, 0)
    this.preFaults(reply, d, false, () => {
      const wav = Speech.readWav(bytes)
      const info = wav._tag === "Success" ? wav.success : undefined
      const durationMs = info?.durationMs ?? (bytes.byteLength / 48_000) * 1000
      const prompt: Prompt = {
        endpoint: "transcriptions",
        model,
        stream: false,
        includeUsage: false,
        lastUser: "",
        newToolResults: [],
        toolResults: [],
        assistantTexts: [],
        tools: [],
        jsonSchema: undefined,
        jsonObject: false,
        maxTokens: undefined,
        text: ""
      }
      const picked = pick(this.fixtures, prompt, fileName)
      if (picked !== undefined) e.fixture = picked.fixture.id
      const r = picked?.reply
      if (r !== undefined && "error" in r)
        return reply.error(r.error.status, r.error.message ?? "LlmMock: fixture error", null)
      let text =
        r !== undefined && "text" in r
          ? r.text
          : (info?.text ??
            Speech.babble(durationMs, this.rng(`transcript/${fnv(Buffer.from(bytes).toString("latin1"))}`, 0)))
      for (const s of d.hit) {
        if (s.kind === "wer") {
          text = Speech.corrupt(text, s.wordErrorRate, this.rng(`wer/${s.id}`, e.seq))
          e.faults.push({ id: s.id!, kind: s.kind })
        } else if (s.kind === "empty-transcript") {
          text = ""
          e.faults.push({ id: s.id!, kind: s.kind })
        }
      }
      e.sentText = text
      e.reply = { text, toolCalls: [], finish: "stop" }
      const seconds = Math.round(durationMs) / 1000
      if (format === "text") return reply.bytes(200, "text/plain; charset=utf-8", new TextEncoder().encode(text))
      if (format === "srt" || format === "vtt") {
        const ts = (s: number, sep: string) => {
          const ms = Math.round(s * 1000)
          const p = (n: number, w = 2) => String(n).padStart(w, "0")
          return `${p(Math.floor(ms / 3_600_000))}:${p(Math.floor(ms / 60_000) % 60)}:${p(Math.floor(ms / 1000) % 60)}${sep}${p(ms % 1000, 3)}`
        }
        const cue = `${ts(0, format === "srt" ? "," : ".")} --> ${ts(seconds, format === "srt" ? "," : ".")}\n${text}\n`
        return reply.bytes(
          200,
          "text/plain; charset=utf-8",
          new TextEncoder().encode(format === "srt" ? `1\n${cue}` : `WEBVTT\n\n${cue}`)
        )
      }
      if (format === "verbose_json") {
        return reply.json(200, {
          task: "transcribe",
          language: "english",
          duration: seconds,
          text,
          segments: [
            {
              id: 0,
              seek: 0,
              start: 0,
              end: seconds,
              text,
              tokens: [],
              temperature: 0,
              avg_logprob: -0.2,
              compression_ratio: 1,
              no_speech_prob: text === "" ? 1 : 0.01
            }
          ],
          usage: { type: "duration", seconds: Math.ceil(seconds) }
        })
      }
      reply.json(200, { text, usage: { type: "duration", seconds: Math.ceil(seconds) } })
    })
  }

  // ---------------------------------------------------------------------------------------------------------------
  // admin

  private admin(req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer) {
    const send = (status: number, body: unknown) => {
      const buf = Buffer.from(JSON.stringify(body))
      res.writeHead(status, { "content-type": "application/json", "content-length": buf.length })
      res.end(buf)
    }
    const bad = (reason: string, message: string, data?: MocksError) =>
      send(400, { error: { reason, message, ...(data === undefined ? {} : fieldData(data)) } })
    const method = req.method ?? "GET"
    const sub = path.slice("/__admin".length)
    const json = (): { ok: true; value: unknown } | { ok: false } => {
      try {
        return { ok: true, value: JSON.parse(raw.toString("utf8")) }
      } catch {
        bad(
          "InvalidAdminRequest",
          `LlmMock admin ${method} ${path}: the body is not JSON (got ${JSON.stringify(raw.toString("utf8").slice(0, 60))})`
        )
        return { ok: false }
      }
    }
    if (sub === "/switches" && method === "GET") return send(200, { switches: this.switches.map((a) => a.sw) })
    if (sub === "/switches" && (method === "POST" || method === "PUT")) {
      const j = json()
      if (!j.ok) return
      const r = this.setSwitches(j.value, method === "PUT" ? "set" : "add")
      if (Result.isFailure(r)) return bad("InvalidSwitch", r.failure.message, r.failure)
      return send(200, { switches: this.switches.map((a) => a.sw), added: r.success })
    }
    if (sub === "/switches" && method === "DELETE") {
      this.removeSwitch(undefined)
      return send(200, { switches: [] })
    }
    const one = sub.match(/^\/switches\/(.+)$/)
    if (one !== null && method === "DELETE") {
      const id = decodeURIComponent(one[1]!)
      if (!this.removeSwitch(id))
        return send(404, {
          error: { reason: "InvalidAdminRequest", message: `LlmMock admin: no switch ${JSON.stringify(id)}` }
        })
      return send(200, { switches: this.switches.map((a) => a.sw) })
    }
    if (sub === "/journal" && method === "GET") return send(200, { requests: this.journal, events: this.events })
    if (sub === "/fixtures" && method === "POST") {
      const j = json()
      if (!j.ok) return
      const r = this.addFixtures(Array.isArray(j.value) ? j.value : [j.value])
      if (Result.isFailure(r)) return bad("InvalidFixture", r.failure.message, r.failure)
      return send(200, { fixtures: this.fixtures.map((f) => f.id) })
    }
    if (sub === "/reset" && method === "POST") {
      this.reset()
      return send(200, { ok: true })
    }
    return send(404, { error: { reason: "InvalidAdminRequest", message: `LlmMock admin: no ${method} ${path}` } })
  }
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

/** The `field` and `value` of an error, for an admin 400 body. */
const fieldData = (e: MocksError): { field?: string; value?: unknown } => {
  const { field, value } = errorData(e)
  return { ...(field === undefined ? {} : { field }), ...(value === undefined ? {} : { value }) }
}

interface StreamPlan {
  readonly delays: Array<number>
  cutAt: number | undefined
  cut: "end" | "destroy"
  malformedAt: number | undefined
  duplicateAt: number | undefined
}

const retryHeaders = (seconds: number): Record<string, string> => ({
  "retry-after": String(Math.ceil(seconds)),
  "retry-after-ms": String(Math.round(seconds * 1000))
})

const rateHeaders = (
  s: SwitchOf<"throttle">,
  w: { requests: number; tokens: number },
  resetMs: number
): Record<string, string> => {
  const h: Record<string, string> = {}
  const reset = `${(resetMs / 1000).toFixed(3).replace(/\.?0+$/, "")}s`
  const at = new Date(Date.now() + resetMs).toISOString()
  if (s.requests !== undefined) {
    h["x-ratelimit-limit-requests"] = String(s.requests)
    h["x-ratelimit-remaining-requests"] = String(Math.max(0, s.requests - w.requests))
    h["x-ratelimit-reset-requests"] = reset
    h["anthropic-ratelimit-requests-limit"] = String(s.requests)
    h["anthropic-ratelimit-requests-remaining"] = String(Math.max(0, s.requests - w.requests))
    h["anthropic-ratelimit-requests-reset"] = at
  }
  if (s.tokens !== undefined) {
    h["x-ratelimit-limit-tokens"] = String(s.tokens)
    h["x-ratelimit-remaining-tokens"] = String(Math.max(0, s.tokens - w.tokens))
    h["x-ratelimit-reset-tokens"] = reset
    h["anthropic-ratelimit-tokens-limit"] = String(s.tokens)
    h["anthropic-ratelimit-tokens-remaining"] = String(Math.max(0, s.tokens - w.tokens))
    h["anthropic-ratelimit-tokens-reset"] = at
  }
  return h
}

const driftFrame = (f: string, mutate: (v: Record<string, unknown>) => unknown): string => {
  const i = f.indexOf("data: ")
  const data = f.slice(i + 6, f.length - 2)
  if (data === "[DONE]") return f
  return `${f.slice(0, i)}data: ${JSON.stringify(mutate(JSON.parse(data) as Record<string, unknown>))}\n\n`
}

/** A frame whose data line is cut in half: not JSON. */
const malformed = (f: string): string => {
  const i = f.indexOf("data: ")
  const data = f.slice(i + 6, f.length - 2)
  return `${f.slice(0, i)}data: ${data.slice(0, Math.max(1, Math.floor(data.length / 2)))}\n\n`
}

/** A deterministic unit vector for (seed, model, input). */
export const embed = (seed: Seed.Seed, model: string, input: string, dims: number): Float32Array => {
  const rng = Seed.stream(Seed.derive(seed, `mocks/llm/embeddings/${fnv(model)}/${fnv(input)}-${input.length}`))
  const v = new Float32Array(dims)
  let norm = 0
  for (let i = 0; i < dims; i++) {
    const x = rng.nextGaussian()
    v[i] = x
    norm += x * x
  }
  const k = 1 / Math.sqrt(norm)
  for (let i = 0; i < dims; i++) v[i] = v[i]! * k
  return v
}

/** Content text of the frames that were sent, for the journal's `sentText`. */
const textOfFrames = (frames: ReadonlyArray<string>): string => {
  let s = ""
  for (const f of frames) {
    const i = f.indexOf("data: ")
    const data = f.slice(i + 6, f.length - 2)
    if (data === "[DONE]") continue
    let j: Record<string, unknown>
    try {
      j = JSON.parse(data) as Record<string, unknown>
    } catch {
      continue
    }
    const choices = j.choices as Array<{ delta?: { content?: unknown } }> | undefined
    const c = choices?.[0]?.delta?.content
    if (typeof c === "string") s += c
    const delta = j.delta as { type?: string; text?: unknown } | undefined
    if (j.type === "content_block_delta" && delta?.type === "text_delta" && typeof delta.text === "string")
      s += delta.text
    if (j.type === "response.output_text.delta" && typeof j.delta === "string") s += j.delta
  }
  return s
}

/** Writes one request's answer and journals what was sent. */
class Replier {
  extraHeaders: Record<string, string> | undefined
  constructor(
    readonly engine: LlmEngine,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly entry: JournalEntry,
    readonly family: Family
  ) {}

  private headers(contentType: string, extra: Record<string, string> = {}): Record<string, string | number> {
    const id = `req_${this.entry.requestKey}${this.entry.seq.toString(16).padStart(8, "0")}`
    return {
      "content-type": contentType,
      ...(this.family === "anthropic"
        ? { "request-id": id }
        : { "x-request-id": id, "openai-processing-ms": "1", "openai-version": "2020-10-01" }),
      ...this.extraHeaders,
      ...extra
    }
  }

  later(ms: number, f: () => unknown) {
    const t = setTimeout(() => {
      this.engine.timers.delete(t)
      if (!this.res.destroyed) f()
    }, ms)
    this.engine.timers.add(t)
  }

  error(status: number, message: string, param: string | null, extra: Record<string, string> = {}) {
    const buf = Buffer.from(errorBody(this.family, status, message, param))
    const e = this.entry
    e.status = status
    const ms = extra["retry-after-ms"]
    if (ms !== undefined) e.retryAfterMs = Number(ms)
    this.res.writeHead(status, { ...this.headers("application/json"), ...extra, "content-length": buf.length })
    this.res.end(buf, () => {
      e.endedAt = now()
    })
  }

  json(status: number, body: unknown) {
    const buf = Buffer.from(JSON.stringify(body))
    this.entry.status = status
    this.res.writeHead(status, { ...this.headers("application/json"), "content-length": buf.length })
    this.res.end(buf, () => {
      this.entry.endedAt = now()
    })
  }

  bytes(status: number, type: string, body: Uint8Array, fault?: "truncate") {
    this.entry.status = status
    if (fault === "truncate") {
      // Announce the full file, send what we have, then cut the connection.
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
      const announced = view.getUint32(4, true) + 8
      this.res.writeHead(status, { ...this.headers(type), "content-length": announced })
      this.res.write(body, () => {
        this.entry.endedAt = now()
        this.res.destroy()
      })
      return
    }
    this.res.writeHead(status, { ...this.headers(type), "content-length": body.byteLength })
    this.res.end(body, () => {
      this.entry.endedAt = now()
    })
  }

  destroy() {
    this.entry.endedAt = now()
    this.req.socket.destroy()
  }

  stream(frames: ReadonlyArray<string>, plan: StreamPlan, turn: Turn) {
    const e = this.entry
    const res = this.res
    e.status = 200
    res.writeHead(200, {
      ...this.headers("text/event-stream; charset=utf-8"),
      "cache-control": "no-cache",
      connection: "keep-alive"
    })
    const n = frames.length
    const finish = (cut: boolean) => {
      e.sentText = cut ? textOfFrames(e.events) : turn.text
      e.completed = !cut
      if (cut && plan.cut === "destroy") {
        // Let the frames already written reach the socket, then cut it: no terminal chunk, a transport error.
        const socket = res.socket
        if (socket === null) return
        socket.write("", () => {
          e.endedAt = now()
          socket.destroy()
        })
        return
      }
      res.end(() => {
        e.endedAt = now()
      })
    }
    const send = (i: number) => {
      const f = plan.malformedAt === i ? malformed(frames[i]!) : frames[i]!
      e.events.push(f)
      res.write(f)
      if (plan.duplicateAt === i) {
        e.events.push(f)
        res.write(f)
      }
    }
    const fast = plan.delays.every((d) => d === 0)
    if (fast) {
      for (let i = 0; i < n; i++) {
        if (plan.cutAt === i) return finish(true)
        send(i)
      }
      return finish(false)
    }
    const step = (i: number) => {
      if (res.destroyed) return
      if (i >= n) return finish(false)
      if (plan.cutAt === i) return finish(true)
      const go = () => {
        send(i)
        step(i + 1)
      }
      const d = plan.delays[i]!
      if (d > 0) this.later(d, go)
      else go()
    }
    step(0)
  }
}
