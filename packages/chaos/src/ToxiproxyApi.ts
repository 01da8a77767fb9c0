/**
 * Toxiproxy's HTTP management API on `node:http`, as a scoped resource: every endpoint, status code and JSON shape
 * of Toxiproxy 2.12, so the Go, Node and Ruby clients and existing scripts work unchanged. Listens on
 * `127.0.0.1:8474` by default (loopback unless asked otherwise).
 *
 * Where 24h differs (all documented in the package README): invalid values are a 400 naming the attribute instead
 * of a hang or a crash, proxies created without `listen` bind `127.0.0.1:0` instead of every interface, `/metrics`
 * is always served, and error bodies carry `Content-Type: application/json`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ToxiproxyApi } from "@24h/chaos"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const api = yield* ToxiproxyApi.make({ port: 0 })
 *     // drive it with any Toxiproxy client at api.url …
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as http from "node:http"
import { Seed } from "@24h/core"
import { Effect, Option, Result, type Scope } from "effect"
import { z } from "zod"
import { type ChaosError, make as chaosError, statusOf } from "./ChaosError.ts"
import { formatHostPort } from "./internal/address.ts"
import { render as renderMetrics } from "./internal/prometheus.ts"
import { ProxyCore } from "./internal/proxy.ts"
import * as Toxic from "./Toxic.ts"

/**
 * The version `/version` reports: Toxiproxy's current release, so clients pick PATCH (Ruby: ≥ 2.6).
 *
 * @example
 * ```ts
 * import { ToxiproxyApi } from "@24h/chaos"
 * ToxiproxyApi.TOXIPROXY_VERSION // "2.12.0"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const TOXIPROXY_VERSION = "2.12.0"

/**
 * The body of `POST /proxies` and `PATCH /proxies/{proxy}`, and one entry of `/populate` and of a `--config` file.
 *
 * @example
 * ```ts
 * import { ToxiproxyApi } from "@24h/chaos"
 * ToxiproxyApi.ProxyBody.safeParse({ name: "db", upstream: "127.0.0.1:5432" }).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const ProxyBody = z.object({
  name: z.string({ error: "name must be a string" }).optional(),
  listen: z.string({ error: "listen must be a string" }).optional(),
  upstream: z.string({ error: "upstream must be a string" }).optional(),
  enabled: z.boolean({ error: "enabled must be a boolean" }).optional()
})
/**
 * The decoded type of {@link ProxyBody}.
 *
 * @example
 * ```ts
 * import { ToxiproxyApi } from "@24h/chaos"
 * ToxiproxyApi.ProxyBody.safeParse({ name: "db", upstream: "127.0.0.1:5432" }).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type ProxyBody = z.infer<typeof ProxyBody>

/**
 * A `/populate` body or `--config` file: an array of proxies.
 *
 * @example
 * ```ts
 * import { ToxiproxyApi } from "@24h/chaos"
 * ToxiproxyApi.PopulateBody.safeParse([{ name: "db", upstream: "127.0.0.1:5432" }]).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const PopulateBody = z.array(z.unknown(), { error: "expected a JSON array of proxies" })

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import type { ToxiproxyApi } from "@24h/chaos"
 * const options: ToxiproxyApi.Options = { host: "127.0.0.1", port: 0, seed: 42 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Interface to bind. Default `"127.0.0.1"`. */
  readonly host?: string
  /** Port to bind; `0` picks a free one. Default `8474`. */
  readonly port?: number
  /** Root seed of every proxy's decisions (each proxy derives `chaos/<name>`). Default as `TcpProxy.make`. */
  readonly seed?: Seed.Seed | Seed.Root
  /** Proxies to create at start, as a `/populate` body. */
  readonly populate?: ReadonlyArray<unknown>
}

/**
 * A running API server.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ToxiproxyApi } from "@24h/chaos"
 * const url = Effect.scoped(Effect.map(ToxiproxyApi.make({ port: 0 }), (api: ToxiproxyApi.ToxiproxyApi) => api.url))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ToxiproxyApi {
  readonly host: string
  readonly port: number
  /** `http://host:port`, for clients. */
  readonly url: string
  readonly seed: Seed.Seed
  /** The names of the proxies, sorted. */
  readonly proxyNames: Effect.Effect<ReadonlyArray<string>>
}

interface Reply {
  readonly status: number
  readonly body?: unknown
}

const DEFAULT_LISTEN = "127.0.0.1:0"
const MAX_BODY = 1024 * 1024

/** Go's encoding/json matches keys case-insensitively (exact match first) and treats `null` as absent. */
const fold = (obj: Record<string, unknown>, keys: ReadonlyArray<string>): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    let v = Object.hasOwn(obj, key) ? obj[key] : undefined
    if (v === undefined) {
      const lower = key.toLowerCase()
      for (const k of Object.keys(obj))
        if (k.toLowerCase() === lower) {
          v = obj[k]
          break
        }
    }
    if (v !== null && v !== undefined) out[key] = v
  }
  return out
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const badBody = (message: string): ChaosError => chaosError("InvalidBody", `bad request body: ${message}`)

const parseJson = (text: string): Result.Result<unknown, ChaosError> => {
  if (text.trim() === "") return Result.fail(badBody("EOF"))
  try {
    return Result.succeed(JSON.parse(text))
  } catch (e) {
    return Result.fail(badBody((e as Error).message))
  }
}

const decodeObject = <S extends z.ZodType>(
  schema: S,
  raw: unknown,
  keys: ReadonlyArray<string>
): Result.Result<z.infer<S>, ChaosError> => {
  if (!isObject(raw)) return Result.fail(badBody("expected a JSON object"))
  const parsed = schema.safeParse(fold(raw, keys))
  if (!parsed.success) return Result.fail(badBody(parsed.error.issues[0]?.message ?? "invalid body"))
  return Result.succeed(parsed.data)
}

const proxyJson = (p: ProxyCore) => ({
  name: p.name,
  listen: p.listen,
  upstream: p.upstream,
  enabled: p.enabled,
  toxics: p.listToxics().map(Toxic.toJson)
})

const errorReply = (e: ChaosError): Reply => ({
  status: statusOf(e.reason),
  body: { error: e.message, status: statusOf(e.reason) }
})

/** xid-shaped request ids (20 base32hex chars from time, pid and a counter): unique, no randomness needed. */
let requestCounter = 0
const requestId = (): string => {
  const b = Buffer.alloc(12)
  b.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 0)
  b.writeUIntBE(process.pid & 0xffffff, 4, 3)
  b.writeUInt16BE((process.pid >>> 8) & 0xffff, 7)
  requestCounter = (requestCounter + 1) & 0xffffff
  b.writeUIntBE(requestCounter, 9, 3)
  let bits = 0n
  for (const byte of b) bits = (bits << 8n) | BigInt(byte)
  const alphabet = "0123456789abcdefghijklmnopqrstuv"
  let out = ""
  for (let i = 19; i >= 0; i--) out += alphabet[Number((bits >> BigInt(i * 5)) & 31n)]
  return out
}

/** The registry and request handling, independent of the HTTP server. */
class Registry {
  readonly proxies = new Map<string, ProxyCore>()
  private queue: Promise<unknown> = Promise.resolve()
  constructor(readonly seed: Seed.Seed) {}

  /** Mutations run one at a time, in arrival order. */
  serial<A>(f: () => Promise<A>): Promise<A> {
    const run = this.queue.then(f, f)
    this.queue = run.catch(() => undefined)
    return run
  }

  get(name: string): Result.Result<ProxyCore, ChaosError> {
    const core = this.proxies.get(name)
    return core === undefined ? Result.fail(chaosError("NotFound", "proxy not found")) : Result.succeed(core)
  }

  private newCore(name: string, listen: string, upstream: string): ProxyCore {
    return new ProxyCore({ name, listen, upstream, seed: Seed.derive(this.seed, `chaos/${name}`) })
  }

  list(): Reply {
    const body: Record<string, unknown> = {}
    for (const name of [...this.proxies.keys()].sort()) body[name] = proxyJson(this.proxies.get(name)!)
    return { status: 200, body }
  }

  create(raw: unknown): Promise<Reply> {
    return this.serial(async () => {
      const decoded = decodeObject(ProxyBody, raw, ["name", "listen", "upstream", "enabled"])
      if (Result.isFailure(decoded)) return errorReply(decoded.failure)
      const body = decoded.success
      if (body.name === undefined || body.name === "")
        return errorReply(chaosError("InvalidProxy", "missing required field: name"))
      if (body.upstream === undefined || body.upstream === "")
        return errorReply(chaosError("InvalidProxy", "missing required field: upstream"))
      if (this.proxies.has(body.name)) return errorReply(chaosError("Conflict", "proxy already exists"))
      const core = this.newCore(body.name, body.listen || DEFAULT_LISTEN, body.upstream)
      if (body.enabled !== false) {
        const started = await core.start()
        if (Result.isFailure(started)) return errorReply(started.failure)
      }
      this.proxies.set(core.name, core)
      return { status: 201, body: proxyJson(core) }
    })
  }

  update(name: string, raw: unknown): Promise<Reply> {
    return this.serial(async () => {
      const found = this.get(name)
      if (Result.isFailure(found)) return errorReply(found.failure)
      const core = found.success
      const decoded = decodeObject(ProxyBody, raw, ["listen", "upstream", "enabled"])
      if (Result.isFailure(decoded)) return errorReply(decoded.failure)
      const body = decoded.success
      let restart = false
      if (body.listen !== undefined && body.listen !== core.listen) {
        const wanted = await ProxyCore.resolveListen(body.listen)
        if (Result.isFailure(wanted)) return errorReply(wanted.failure)
        const current = await ProxyCore.resolveListen(core.listen)
        if (Result.isFailure(current) || current.success !== wanted.success) restart = true
      }
      if (body.upstream !== undefined && body.upstream !== "" && body.upstream !== core.upstream) restart = true
      const wantEnabled = body.enabled ?? core.enabled
      if (restart) {
        await core.stop()
        if (body.listen !== undefined && body.listen !== "") core.listen = body.listen
        if (body.upstream !== undefined && body.upstream !== "") {
          const started = await core.setUpstream(body.upstream)
          if (Result.isFailure(started)) return errorReply(started.failure)
        }
      }
      if (wantEnabled && !core.enabled) {
        const started = await core.start()
        if (Result.isFailure(started)) return errorReply(started.failure)
      } else if (!wantEnabled && core.enabled) await core.stop()
      return { status: 200, body: proxyJson(core) }
    })
  }

  remove(name: string): Promise<Reply> {
    return this.serial(async () => {
      const found = this.get(name)
      if (Result.isFailure(found)) return errorReply(found.failure)
      const core = found.success
      this.proxies.delete(name)
      await core.stop()
      return { status: 204 }
    })
  }

  addToxic(name: string, raw: unknown): Promise<Reply> {
    return this.serial(async () => {
      const found = this.get(name)
      if (Result.isFailure(found)) return errorReply(found.failure)
      const core = found.success
      const decoded = decodeObject(Toxic.CreateBody, raw, ["name", "type", "stream", "toxicity", "attributes"])
      if (Result.isFailure(decoded)) return errorReply(decoded.failure)
      const body = decoded.success
      const stream = body.stream === undefined || body.stream === "" ? "downstream" : body.stream.toLowerCase()
      if (stream !== "upstream" && stream !== "downstream")
        return errorReply(chaosError("InvalidToxic", "stream was invalid, can be either upstream or downstream"))
      if (!Toxic.isType(body.type)) return errorReply(chaosError("InvalidToxic", "invalid toxic type"))
      const toxicName = body.name === undefined || body.name === "" ? `${body.type}_${stream}` : body.name
      if (core.findToxic(toxicName) !== undefined) return errorReply(chaosError("Conflict", "toxic already exists"))
      const attributes = isObject(body.attributes) ? fold(body.attributes, Toxic.attributeNames(body.type)) : {}
      const made = Toxic.makeResult(body.type, attributes, {
        name: toxicName,
        stream,
        ...(body.toxicity !== undefined ? { toxicity: body.toxicity } : {})
      })
      if (Result.isFailure(made)) return errorReply(made.failure)
      const toxic = made.success as Toxic.Toxic
      const added = core.addToxic(toxic)
      if (Result.isFailure(added)) return errorReply(added.failure)
      return { status: 200, body: Toxic.toJson(toxic) }
    })
  }

  getToxic(name: string, toxicName: string): Reply {
    const found = this.get(name)
    if (Result.isFailure(found)) return errorReply(found.failure)
    const toxic = found.success.findToxic(toxicName)
    return toxic === undefined
      ? errorReply(chaosError("NotFound", "toxic not found"))
      : { status: 200, body: Toxic.toJson(toxic) }
  }

  updateToxic(name: string, toxicName: string, raw: unknown): Promise<Reply> {
    return this.serial(async () => {
      const found = this.get(name)
      if (Result.isFailure(found)) return errorReply(found.failure)
      const core = found.success
      const current = core.findToxic(toxicName)
      if (current === undefined) return errorReply(chaosError("NotFound", "toxic not found"))
      const decoded = decodeObject(Toxic.PatchBody, raw, ["toxicity", "attributes"])
      if (Result.isFailure(decoded)) return errorReply(decoded.failure)
      const body = decoded.success
      const attributes = isObject(body.attributes) ? fold(body.attributes, Toxic.attributeNames(current.type)) : {}
      const result = await Effect.runPromise(
        Effect.result(
          Toxic.update(current, { attributes, ...(body.toxicity !== undefined ? { toxicity: body.toxicity } : {}) })
        )
      )
      if (result._tag === "Failure") return errorReply(result.failure)
      core.updateToxic(result.success)
      return { status: 200, body: Toxic.toJson(result.success) }
    })
  }

  removeToxic(name: string, toxicName: string): Promise<Reply> {
    return this.serial(async () => {
      const found = this.get(name)
      if (Result.isFailure(found)) return errorReply(found.failure)
      const removed = found.success.removeToxic(toxicName)
      return Result.isSuccess(removed) ? { status: 204 } : errorReply(removed.failure)
    })
  }

  reset(): Promise<Reply> {
    return this.serial(async () => {
      for (const core of this.proxies.values()) {
        core.removeAllToxics()
        const started = await core.start()
        if (Result.isFailure(started)) return errorReply(started.failure)
      }
      return { status: 204 }
    })
  }

  populate(raw: unknown): Promise<Reply> {
    return this.serial(async () => {
      const fail = (e: ChaosError, proxies: Array<unknown> | null): Reply => ({
        status: statusOf(e.reason),
        body: { error: e.message, status: statusOf(e.reason), proxies }
      })
      const list = PopulateBody.safeParse(raw)
      if (!list.success) return fail(badBody("expected a JSON array of proxies"), null)
      const entries: Array<ProxyBody & { name: string; upstream: string }> = []
      for (let i = 0; i < list.data.length; i++) {
        const decoded = decodeObject(ProxyBody, list.data[i], ["name", "listen", "upstream", "enabled"])
        if (Result.isFailure(decoded))
          return fail(chaosError(decoded.failure.reason, `${decoded.failure.message} at proxy ${i + 1}`), null)
        const body = decoded.success
        if (body.name === undefined || body.name === "")
          return fail(chaosError("InvalidProxy", `missing required field: name at proxy ${i + 1}`), null)
        if (body.upstream === undefined || body.upstream === "")
          return fail(chaosError("InvalidProxy", `missing required field: upstream at proxy ${i + 1}`), null)
        entries.push(body as ProxyBody & { name: string; upstream: string })
      }
      const done: Array<unknown> = []
      for (const entry of entries) {
        const listen = entry.listen || DEFAULT_LISTEN
        const existing = this.proxies.get(entry.name)
        if (existing !== undefined) {
          const wanted = await ProxyCore.resolveListen(listen)
          const current = await ProxyCore.resolveListen(existing.listen)
          if (
            Result.isSuccess(wanted) &&
            Result.isSuccess(current) &&
            wanted.success === current.success &&
            existing.upstream === entry.upstream
          ) {
            done.push(proxyJson(existing))
            continue
          }
          this.proxies.delete(entry.name)
          await existing.stop()
        }
        const core = this.newCore(entry.name, listen, entry.upstream)
        if (entry.enabled !== false) {
          const started = await core.start()
          if (Result.isFailure(started)) return fail(started.failure, done)
        }
        this.proxies.set(core.name, core)
        done.push(proxyJson(core))
      }
      return { status: 201, body: { proxies: done.length === 0 ? null : done } }
    })
  }

  async closeAll(): Promise<void> {
    const all = [...this.proxies.values()]
    this.proxies.clear()
    await Promise.all(all.map((p) => p.stop()))
  }
}

type Route =
  | { readonly kind: "version" | "proxies" | "reset" | "populate" | "metrics" }
  | { readonly kind: "proxy" | "toxics"; readonly proxy: string }
  | { readonly kind: "toxic"; readonly proxy: string; readonly toxic: string }

const allowed: Record<Route["kind"], ReadonlyArray<string>> = {
  version: ["GET"],
  proxies: ["GET", "POST"],
  reset: ["POST"],
  populate: ["POST"],
  metrics: ["GET"],
  proxy: ["GET", "POST", "PATCH", "DELETE"],
  toxics: ["GET", "POST"],
  toxic: ["GET", "POST", "PATCH", "DELETE"]
}

const route = (path: string): Route | undefined => {
  const parts = path.split("/")
  if (parts[0] !== "" || parts.some((p, i) => i > 0 && p === "")) return undefined
  let seg: Array<string>
  try {
    seg = parts.slice(1).map(decodeURIComponent)
  } catch {
    return undefined
  }
  if (seg.length === 1) {
    const k = seg[0]
    if (k === "version" || k === "proxies" || k === "reset" || k === "populate" || k === "metrics") return { kind: k }
    return undefined
  }
  if (seg[0] !== "proxies") return undefined
  if (seg.length === 2) return { kind: "proxy", proxy: seg[1]! }
  if (seg.length === 3 && seg[2] === "toxics") return { kind: "toxics", proxy: seg[1]! }
  if (seg.length === 4 && seg[2] === "toxics") return { kind: "toxic", proxy: seg[1]!, toxic: seg[3]! }
  return undefined
}

const readBody = (req: http.IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        resolve(undefined)
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const dispatch = async (registry: Registry, r: Route, method: string, req: http.IncomingMessage): Promise<Reply> => {
  const body = async (): Promise<Result.Result<unknown, ChaosError>> => {
    const text = await readBody(req)
    if (text === undefined) return Result.fail(chaosError("InvalidBody", "bad request body: larger than 1 MiB"))
    return parseJson(text)
  }
  const withBody = async (f: (raw: unknown) => Promise<Reply>): Promise<Reply> => {
    const raw = await body()
    return Result.isFailure(raw) ? errorReply(raw.failure) : f(raw.success)
  }
  switch (r.kind) {
    case "version":
    case "metrics":
      return { status: 200 }
    case "proxies":
      return method === "GET" ? registry.list() : withBody((raw) => registry.create(raw))
    case "reset":
      await readBody(req)
      return registry.reset()
    case "populate":
      return withBody(async (raw) => registry.populate(raw)).then((reply) =>
        reply.status === 400 && isObject(reply.body) && !("proxies" in reply.body)
          ? { status: 400, body: { ...reply.body, proxies: null } }
          : reply
      )
    case "proxy": {
      if (method === "GET") {
        const core = registry.get(r.proxy)
        return Result.isFailure(core) ? errorReply(core.failure) : { status: 200, body: proxyJson(core.success) }
      }
      if (method === "DELETE") return registry.remove(r.proxy)
      return withBody((raw) => registry.update(r.proxy, raw))
    }
    case "toxics": {
      if (method === "GET") {
        const core = registry.get(r.proxy)
        return Result.isFailure(core)
          ? errorReply(core.failure)
          : { status: 200, body: core.success.listToxics().map(Toxic.toJson) }
      }
      return withBody((raw) => registry.addToxic(r.proxy, raw))
    }
    case "toxic": {
      if (method === "GET") return registry.getToxic(r.proxy, r.toxic)
      if (method === "DELETE") return registry.removeToxic(r.proxy, r.toxic)
      return withBody((raw) => registry.updateToxic(r.proxy, r.toxic, raw))
    }
  }
}

const handler =
  (registry: Registry) =>
  (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const send = (status: number, type: string | undefined, text: string) => {
      if (res.headersSent || res.destroyed) return
      res.statusCode = status
      if (type !== undefined) res.setHeader("Content-Type", type)
      res.setHeader("Content-Length", Buffer.byteLength(text))
      res.end(text)
    }
    const url = req.url ?? "/"
    const q = url.indexOf("?")
    const r = route(q < 0 ? url : url.slice(0, q))
    const method = req.method ?? "GET"
    if (r === undefined) {
      req.resume()
      send(404, "text/plain; charset=utf-8", "404 page not found\n")
      return
    }
    if (!allowed[r.kind].includes(method)) {
      req.resume()
      send(405, undefined, "")
      return
    }
    res.setHeader("X-Toxiproxy-Request-Id", requestId())
    if ((req.headers["user-agent"] ?? "").startsWith("Mozilla/")) {
      req.resume()
      send(403, "text/plain; charset=utf-8", "User agent not allowed\n")
      return
    }
    if (r.kind === "version") {
      send(200, "application/json;charset=utf-8", `{"version": "${TOXIPROXY_VERSION}"}\n`)
      return
    }
    if (r.kind === "metrics") {
      send(200, "text/plain; version=0.0.4; charset=utf-8", renderMetrics([...registry.proxies.values()]))
      return
    }
    dispatch(registry, r, method, req).then(
      (reply) => {
        if (reply.body === undefined) {
          send(reply.status, undefined, "")
          return
        }
        const text = JSON.stringify(reply.body)
        send(reply.status, "application/json", reply.status >= 400 ? `${text}\n` : text)
      },
      (e: unknown) =>
        send(500, "application/json", `${JSON.stringify({ error: String((e as Error)?.message ?? e), status: 500 })}\n`)
    )
  }

const rootSeed = (seed: Options["seed"]): Effect.Effect<Seed.Seed, ChaosError> => {
  if (seed !== undefined)
    return Effect.try({
      try: () => (typeof seed === "object" ? seed : Seed.make(seed)),
      catch: (e) => chaosError("InvalidProxy", `ToxiproxyApi: ${(e as Error).message}`, e)
    })
  return Effect.flatMap(Effect.serviceOption(Seed.RootSeed), (o) =>
    Option.isSome(o)
      ? Effect.succeed(o.value)
      : Effect.mapError(Seed.fromEnv(), (e) => chaosError("InvalidProxy", `ToxiproxyApi: ${e.message}`, e))
  )
}

/**
 * Starts the API server (and the proxies of `populate`). Its finalizer closes the server and every proxy.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ToxiproxyApi } from "@24h/chaos"
 *
 * const serve = Effect.scoped(
 *   Effect.gen(function* () {
 *     const api = yield* ToxiproxyApi.make({
 *       port: 8474,
 *       populate: [{ name: "db", listen: "127.0.0.1:15432", upstream: "127.0.0.1:5432" }]
 *     })
 *     yield* Effect.log(`Toxiproxy API on ${api.url}`)
 *     yield* Effect.never
 *   })
 * )
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fn("ToxiproxyApi.make")(
  (options: Options = {}): Effect.Effect<ToxiproxyApi, ChaosError, Scope.Scope> =>
    Effect.gen(function* () {
      const host = options.host ?? "127.0.0.1"
      const port = options.port ?? 8474
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return yield* Effect.fail(
          chaosError("InvalidProxy", `ToxiproxyApi: port must be an integer in [0, 65535] (got ${port})`)
        )
      const seed = yield* rootSeed(options.seed)
      const registry = new Registry(seed)
      yield* Effect.addFinalizer(() => Effect.promise(() => registry.closeAll()))
      const server = yield* Effect.acquireRelease(
        Effect.callback<http.Server, ChaosError>((resume) => {
          const server = http.createServer({ keepAliveTimeout: 60_000, requestTimeout: 25_000 }, handler(registry))
          const onError = (e: NodeJS.ErrnoException) =>
            resume(
              Effect.fail(
                chaosError(
                  "Listen",
                  `listen tcp ${formatHostPort(host, port)}: bind: ${e.code === "EADDRINUSE" ? "address already in use" : e.message}`,
                  e
                )
              )
            )
          server.once("error", onError)
          server.listen({ host, port }, () => {
            server.off("error", onError)
            server.on("error", () => {})
            resume(Effect.succeed(server))
          })
        }),
        (server) =>
          Effect.promise(
            () =>
              new Promise<void>((resolve) => {
                server.close(() => resolve())
                server.closeAllConnections()
              })
          )
      )
      if (options.populate !== undefined) {
        const reply = yield* Effect.promise(() => registry.populate(options.populate))
        if (reply.status >= 300) {
          const b = reply.body as { error: string }
          return yield* Effect.fail(
            chaosError(
              reply.status === 409 ? "Conflict" : reply.status >= 500 ? "Listen" : "InvalidProxy",
              `ToxiproxyApi: ${b.error}`
            )
          )
        }
      }
      const a = server.address() as { address: string; port: number }
      return {
        host: a.address,
        port: a.port,
        url: `http://${formatHostPort(a.address, a.port)}`,
        seed,
        proxyNames: Effect.sync(() => [...registry.proxies.keys()].sort())
      }
    })
)
