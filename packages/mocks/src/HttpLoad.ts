/**
 * Simulated HTTP clients for core's `Load`: an iteration that sends one request through a pooled undici client,
 * with the iteration's correlation id as `x-correlation-id`, and reports `{ ok, status }`. Loopback only unless
 * `allowRemote` is set.
 *
 * The request path is plain undici `dispatch` with a handler that counts body bytes and keeps nothing (no stream
 * objects per request), so the load generator costs little beside the system under test.
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
import { Load } from "@24h/core"
import { Effect, type Scope } from "effect"
import { type Dispatcher, Pool } from "undici"
import { z } from "zod"
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

class Handler implements Dispatcher.DispatchHandler {
  status = 0
  controller: Dispatcher.DispatchController | undefined
  constructor(
    private readonly done: (status: number, error?: Error) => void,
    private readonly inFlight: Set<Handler>
  ) {}
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
  }
  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    this.inFlight.delete(this)
    this.done(this.status)
  }
  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.inFlight.delete(this)
    this.done(this.status, error)
  }
}

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
    const pool = yield* Effect.acquireRelease(
      Effect.sync(
        () =>
          new Pool(url.origin, {
            connections: o.connections,
            pipelining: 1,
            headersTimeout: o.timeoutMs,
            bodyTimeout: o.timeoutMs
          })
      ),
      (p) => Effect.promise(() => p.destroy())
    )
    const path = `${url.pathname}${url.search}`
    const [lo, hi] = o.okStatus
    const baseHeaders = o.headers ?? {}
    // One abort listener per load run (its signal), not one per request.
    const inFlight = new Set<Handler>()
    const watched = new WeakSet<AbortSignal>()
    const watch = (signal: AbortSignal) => {
      if (watched.has(signal)) return
      watched.add(signal)
      signal.addEventListener("abort", () => {
        for (const h of inFlight) h.controller?.abort(new Error("the load stopped"))
      })
    }
    return (ctx: Load.Context) =>
      new Promise<{ ok: boolean; status: number | string }>((resolve, reject) => {
        watch(ctx.signal)
        const p = parts?.(ctx)
        const handler = new Handler((status, error) => {
          if (error !== undefined && status === 0) reject(error)
          else resolve({ ok: error === undefined && status >= lo && status <= hi, status: error ? "aborted" : status })
        }, inFlight)
        inFlight.add(handler)
        pool.dispatch(
          {
            origin: url.origin,
            path: p?.path ?? path,
            method: p?.method ?? o.method,
            headers: { ...baseHeaders, ...p?.headers, "x-correlation-id": ctx.correlationId },
            body: p?.body ?? o.body ?? null
          },
          handler
        )
      })
  })

/**
 * Runs one HTTP request shape under a load model: {@link iteration} plus core's `Load.run`, with the pool closed
 * at the end. Records into the running pipeline when there is one.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/core"
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
  )
