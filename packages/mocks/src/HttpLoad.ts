/**
 * Simulated HTTP clients for core's `Load`: an iteration that sends one request through a pooled undici client,
 * with the iteration's correlation id as `x-correlation-id` (and, when the load records spans, the iteration span as a
 * W3C `traceparent`), and reports `{ ok, status }`. Loopback only unless `allowRemote` is set.
 *
 * Requests go through a lean HTTP/1.1 keep-alive client (`http:` only) whose responses are framed by
 * http-parser-js and whose bodies are dropped, so the generator costs little CPU beside the system under test: it
 * matches autocannon's requests per second (`benchmark/HttpLoad.ts`), where undici's general request path reached
 * about 0.65x.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Pipeline } from "@24h/core"
 * import { HttpLoad } from "@24h/mocks"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const get = yield* HttpLoad.iteration({ url: "http://127.0.0.1:8080/orders/1", connections: 32 })
 *     return yield* Pipeline.baseline({
 *       name: "orders",
 *       load: { model: Load.constantRate({ rate: "200/s", duration: "10s" }), iteration: get },
 *       thresholds: ["p95 < 100ms", "errorRate < 1%"]
 *     })
 *   })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { Load, Telemetry } from "@24h/core"
import { Effect, type Scope } from "effect"
import { z } from "zod"
import { RawPool } from "./internal/rawHttp.ts"
import { formatZodIssues, type MocksError, mocksError } from "./MocksError.ts"

/**
 * Options of {@link iteration}.
 *
 * @category models
 * @since 0.2.0
 */
export const Options = z
  .object({
    /** Where every request goes. */
    url: z.url(),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    /** Connections in the pool. Default 64. */
    connections: z.int().min(1).max(10_000).default(64),
    /** A status counts as ok when it is in this range. Default 200–399. */
    okStatus: z.tuple([z.int().min(100).max(599), z.int().min(100).max(599)]).default([200, 399]),
    /** Per-request timeout (headers and body). Default 30 000 ms. */
    timeoutMs: z.number().positive().max(3_600_000).default(30_000),
    /** Allow a non-loopback host. Default false: only 127.0.0.0/8, ::1 and localhost. */
    allowRemote: z.boolean().default(false)
  })
  .strict()

/**
 * Options of {@link iteration}, as written by a user.
 *
 * @category models
 * @since 0.2.0
 */
export type Options = z.input<typeof Options>

/**
 * An HTTP load iteration: resolves `{ ok, status }` (`status` is `"aborted"` when the load stopped it) and rejects
 * on a transport error (counted as an error by `Load.run`).
 *
 * @category models
 * @since 0.2.0
 */
export type Iteration = (ctx: Load.Context) => Promise<{ readonly ok: boolean; readonly status: number | string }>

/**
 * Per-iteration request parts, when one request does not fit all (a body per input).
 *
 * @category models
 * @since 0.2.0
 */
export interface RequestParts {
  readonly method?: Options["method"]
  readonly path?: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
}

const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)

type Send = (
  method: string,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: string | undefined,
  ctx: Load.Context
) => Promise<number>

const CRLF = /[\r\n]/

const hasTraceparent = (headers: ReadonlyArray<readonly [string, string]>): boolean => {
  for (const [k] of headers) if (k === "traceparent") return true
  return false
}

/** `http:`: the lean keep-alive client (internal/rawHttp.ts); the request head is one string per request. */
const rawSender = (url: URL, o: z.output<typeof Options>) =>
  Effect.gen(function* () {
    const port = Number(url.port || 80)
    const host = url.hostname.replace(/^\[|\]$/g, "")
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => new RawPool(host, port, o.connections, o.timeoutMs)),
      (p) => Effect.sync(() => p.close())
    )
    const hostLine = `host: ${url.host}\r\n`
    const watched = new WeakSet<AbortSignal>()
    const send: Send = (method, path, headers, body, ctx) => {
      if (!watched.has(ctx.signal)) {
        watched.add(ctx.signal)
        ctx.signal.addEventListener("abort", () => pool.close(), { once: true })
      }
      let head = `${method} ${path} HTTP/1.1\r\n${hostLine}`
      for (const [k, v] of headers) {
        if (CRLF.test(k) || CRLF.test(v))
          return Promise.reject(new Error(`header ${JSON.stringify(k)} contains a line break`))
        head += `${k}: ${v}\r\n`
      }
      head += `x-correlation-id: ${ctx.correlationId}\r\n`
      // Under a span (Load's `spans: true`): the W3C trace context, so the system under test joins 24h's trace.
      if (ctx.span !== undefined && !hasTraceparent(headers))
        head += `traceparent: ${Telemetry.traceparentOf(ctx.span)}\r\n`
      const buf = body === undefined ? undefined : Buffer.from(body)
      head +=
        buf === undefined
          ? method === "GET" || method === "HEAD"
            ? "\r\n"
            : "content-length: 0\r\n\r\n"
          : `content-length: ${buf.length}\r\n\r\n`
      return pool.request(head, buf, method === "HEAD")
    }
    return send
  })

/**
 * A load iteration sending one HTTP request per call (optionally built per iteration by `parts`). The pool is closed
 * when the scope ends. Fails with `MocksError { reason: "InvalidOptions" }` naming the field, or for a non-loopback
 * host without `allowRemote`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpLoad } from "@24h/mocks"
 * const post = HttpLoad.iteration(
 *   { url: "http://127.0.0.1:8080/checkout", method: "POST", headers: { "content-type": "application/json" } },
 *   (ctx) => ({ body: JSON.stringify({ orderId: `o-${ctx.index}` }) })
 * )
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const iteration = (
  options: Options,
  parts?: (ctx: Load.Context) => RequestParts
): Effect.Effect<Iteration, MocksError, Scope.Scope> =>
  Effect.gen(function* () {
    const parsed = Options.safeParse(options, { reportInput: true })
    if (!parsed.success)
      return yield* Effect.fail(
        mocksError("InvalidOptions", formatZodIssues("HttpLoad.iteration", parsed.error.issues))
      )
    const o = parsed.data
    const url = new URL(o.url)
    if (!o.allowRemote && !isLoopback(url.hostname))
      return yield* Effect.fail(
        mocksError(
          "InvalidOptions",
          `HttpLoad.iteration.url: loopback only unless allowRemote is set (got host ${JSON.stringify(url.hostname)})`
        )
      )
    const path = `${url.pathname}${url.search}`
    const [lo, hi] = o.okStatus
    const lower = (h: Readonly<Record<string, string>> | undefined): Array<readonly [string, string]> =>
      Object.entries(h ?? {})
        .map(([k, v]) => [k.toLowerCase(), v] as const)
        .filter(([k]) => k !== "x-correlation-id" && k !== "content-length" && k !== "host")
    const base = lower(o.headers)
    if (url.protocol !== "http:")
      return yield* Effect.fail(
        mocksError(
          "InvalidOptions",
          `HttpLoad.iteration.url: only http: targets are supported (got ${JSON.stringify(url.protocol)}); for others, give Load.run an iteration of your own`
        )
      )
    const send = yield* rawSender(url, o)
    return (ctx: Load.Context) => {
      const p = parts?.(ctx)
      const headers = p?.headers === undefined ? base : lower({ ...o.headers, ...p.headers })
      return send(p?.method ?? o.method, p?.path ?? path, headers, p?.body ?? o.body, ctx).then(
        (status) => ({ ok: status >= lo && status <= hi, status }),
        (error: unknown) => {
          if (ctx.signal.aborted) return { ok: false, status: "aborted" }
          throw error
        }
      )
    }
  }).pipe(Effect.withSpan("HttpLoad.iteration"))

/**
 * Runs one HTTP request shape under a load model: {@link iteration} plus core's `Load.run`, with the pool closed
 * at the end. Records into the running pipeline when there is one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Telemetry } from "@24h/core"
 * import { HttpLoad } from "@24h/mocks"
 * const summary = HttpLoad.run({ url: "http://127.0.0.1:8080/", model: Load.closed({ vus: 8, duration: "5s" }) })
 * const p99 = Effect.map(summary, (s) => Load.toJson(s).latency.p99)
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export const run = (
  options: Options & { readonly model: Load.Model; readonly load?: Load.RunOptions }
): Effect.Effect<Load.Summary, MocksError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { model, load, ...rest } = options
      const connections = rest.connections ?? Math.min(10_000, model.vus)
      const it = yield* iteration({ ...rest, connections })
      return yield* Load.run(model, it, load)
    })
  ).pipe(Effect.withSpan("HttpLoad.run"))
