/**
 * The OTLP/HTTP request path of `OtlpSink`: route, read (bounded), gunzip, decode (protobuf or JSON), validate,
 * store, answer. Failure switches act before the body is read, as a misbehaving collector would.
 *
 * ```
 * POST /v1/{traces,metrics,logs} ─▶ switch? ─ status ─▶ 429/503 (+Retry-After), nothing stored
 *                                       ├─ slow ───▶ wait ms, then go on
 *                                       └─ hang ───▶ never answer
 *                                  ─▶ read ≤ maxBodyBytes (413) ─▶ gunzip (400) ─▶ decode (400 / 415)
 *                                  ─▶ zod (400 naming the field) ─▶ store ─▶ 200 {} or empty protobuf
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { gunzipSync } from "node:zlib"
import { Telemetry } from "@24h/core"
import { Result } from "effect"
import type { MocksError } from "../../MocksError.ts"
import * as proto from "./proto.ts"
import type { Signal, Store } from "./store.ts"

export interface SwitchDecision {
  readonly kind: "pass" | "slow" | "hang" | "status"
  readonly ms?: number
  readonly status?: number
  readonly retryAfter?: number | undefined
}

export interface Counters {
  requests: number
  accepted: number
  rejected: number
  switched: number
  items: number
}

export interface Admin {
  readonly list: () => ReadonlyArray<unknown>
  /** Succeeds when the list is valid, else fails with the InvalidSwitch error. */
  readonly validate: (input: ReadonlyArray<unknown>) => Result.Result<void, MocksError>
  readonly apply: (input: ReadonlyArray<unknown>) => void
  readonly stats: () => unknown
}

export interface HandlerOptions {
  readonly admin: Admin
  readonly store: Store
  readonly maxBodyBytes: number
  readonly decide: (signal: Signal) => SwitchDecision
  readonly counters: Record<Signal, Counters>
  readonly timers: Set<NodeJS.Timeout>
}

const PATHS: Record<string, Signal> = { "/v1/traces": "traces", "/v1/metrics": "metrics", "/v1/logs": "logs" }
const SCHEMAS = { traces: Telemetry.TracesData, metrics: Telemetry.MetricsData, logs: Telemetry.LogsData }

const isProtobuf = (req: IncomingMessage) => (req.headers["content-type"] ?? "").startsWith("application/x-protobuf")

const answerError = (req: IncomingMessage, res: ServerResponse, status: number, message: string) => {
  if (res.headersSent || res.destroyed) return
  // gRPC status codes: 3 INVALID_ARGUMENT for a bad request, 8 RESOURCE_EXHAUSTED for throttling, 14 UNAVAILABLE.
  const code = status === 429 ? 8 : status >= 500 ? 14 : 3
  if (isProtobuf(req)) {
    res.writeHead(status, { "content-type": "application/x-protobuf" }).end(proto.encodeStatus(code, message))
  } else {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ code, message }))
  }
}

const describeValue = (v: unknown): string => {
  const s = JSON.stringify(v)
  if (s === undefined) return String(v)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

const valueAt = (root: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let cur: unknown = root
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined
    cur = (cur as Record<PropertyKey, unknown>)[k]
  }
  return cur
}

type Parsed =
  | { readonly ok: true; readonly data: Telemetry.TracesData | Telemetry.MetricsData | Telemetry.LogsData }
  | { readonly ok: false; readonly error: string; readonly status: number }

/** Parses and validates a body; a failure carries the status and the message of the answer. */
export const parseBody = (signal: Signal, body: Buffer, protobuf: boolean, gzip: boolean): Parsed => {
  let bytes = body
  if (gzip) {
    try {
      bytes = gunzipSync(body)
    } catch (e) {
      return { ok: false, status: 400, error: `content-encoding gzip: body is not gzip (${(e as Error).message})` }
    }
  }
  let raw: unknown
  if (protobuf) {
    try {
      raw = proto.decode(signal, bytes)
    } catch (e) {
      return {
        ok: false,
        status: 400,
        error: `body is not a valid OTLP protobuf /v1/${signal} request (${(e as Error).message})`
      }
    }
  } else {
    try {
      raw = JSON.parse(bytes.toString("utf8"))
    } catch (e) {
      return { ok: false, status: 400, error: `body is not JSON (${(e as Error).message})` }
    }
  }
  const parsed = SCHEMAS[signal].safeParse(raw)
  if (parsed.success) return { ok: true, data: parsed.data as Telemetry.TracesData }
  const issue = parsed.error.issues[0]!
  const field = issue.path.length === 0 ? "(body)" : issue.path.map(String).join(".")
  return {
    ok: false,
    status: 400,
    error: `${field}: ${issue.message} (got ${describeValue(valueAt(raw, issue.path))})`
  }
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))

/**
 * `GET /__admin/switches`, `PUT|POST /__admin/switches` (one switch or a list, replacing the active ones; applied
 * after the answer is sent, so `down` does not cut it), `DELETE /__admin/switches`, `GET /__admin/stats`.
 */
const handleAdmin = (admin: Admin, path: string, req: IncomingMessage, res: ServerResponse) => {
  const bad = (status: number, message: string) => json(res, status, { error: { reason: "InvalidSwitch", message } })
  if (path === "/__admin/stats" && req.method === "GET") return json(res, 200, admin.stats())
  if (path !== "/__admin/switches")
    return bad(404, `no admin endpoint at ${path} (use /__admin/switches or /__admin/stats)`)
  if (req.method === "GET") return json(res, 200, { switches: admin.list() })
  if (req.method === "DELETE") {
    res.once("finish", () => admin.apply([]))
    return json(res, 200, { switches: [] })
  }
  if (req.method !== "PUT" && req.method !== "POST") return bad(405, `${path}: method ${req.method} not allowed`)
  const chunks: Array<Buffer> = []
  req.on("data", (c: Buffer) => chunks.push(c))
  req.on("end", () => {
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch (e) {
      return bad(400, `${path}: body is not JSON (${(e as Error).message})`)
    }
    const list = Array.isArray(body) ? body : [body]
    const valid = admin.validate(list)
    if (Result.isFailure(valid)) return bad(400, valid.failure.message)
    res.once("finish", () => admin.apply(list))
    json(res, 200, { switches: list })
  })
}

export const handle = (options: HandlerOptions) => (req: IncomingMessage, res: ServerResponse) => {
  const path = (req.url ?? "/").split("?")[0]!
  if (path.startsWith("/__admin/")) return handleAdmin(options.admin, path, req, res)
  const signal = PATHS[path]
  if (signal === undefined) {
    answerError(req, res, 404, `no OTLP endpoint at ${path} (use /v1/traces, /v1/metrics or /v1/logs)`)
    req.resume()
    return
  }
  const counters = options.counters[signal]
  counters.requests++
  if (req.method !== "POST") {
    counters.rejected++
    res.setHeader("allow", "POST")
    answerError(req, res, 405, `${path}: method ${req.method} not allowed (use POST)`)
    req.resume()
    return
  }
  const decision = options.decide(signal)
  if (decision.kind === "hang") {
    counters.switched++
    req.resume()
    return
  }
  if (decision.kind === "status") {
    counters.switched++
    if (decision.retryAfter !== undefined) res.setHeader("retry-after", String(decision.retryAfter))
    answerError(req, res, decision.status ?? 503, `collector switched to answer ${decision.status ?? 503}`)
    req.resume()
    return
  }
  const contentType = req.headers["content-type"] ?? ""
  const protobuf = isProtobuf(req)
  if (!protobuf && !contentType.startsWith("application/json")) {
    counters.rejected++
    answerError(
      req,
      res,
      415,
      `content-type must be application/x-protobuf or application/json (got ${JSON.stringify(contentType)})`
    )
    req.resume()
    return
  }
  const chunks: Array<Buffer> = []
  let size = 0
  let tooLarge = false
  req.on("data", (c: Buffer) => {
    size += c.length
    if (size > options.maxBodyBytes) {
      tooLarge = true
      return
    }
    chunks.push(c)
  })
  req.on("end", () => {
    if (tooLarge) {
      counters.rejected++
      answerError(req, res, 413, `body larger than maxBodyBytes (${options.maxBodyBytes} bytes)`)
      return
    }
    const finish = () => {
      const gzip = (req.headers["content-encoding"] ?? "").toLowerCase() === "gzip"
      const result = parseBody(signal, Buffer.concat(chunks), protobuf, gzip)
      if (!result.ok) {
        counters.rejected++
        answerError(req, res, result.status, `${path}: ${result.error}`)
        return
      }
      counters.accepted++
      counters.items += options.store.add(signal, result.data)
      if (protobuf) res.writeHead(200, { "content-type": "application/x-protobuf" }).end()
      else res.writeHead(200, { "content-type": "application/json" }).end("{}")
    }
    if (decision.kind === "slow") {
      counters.switched++
      const t = setTimeout(() => {
        options.timers.delete(t)
        finish()
      }, decision.ms ?? 0)
      options.timers.add(t)
    } else finish()
  })
}
