/**
 * Simulated clients: N concurrent undici clients sending requests back to back, bounded by a request count **and** a
 * duration, recording every latency. For load against a mock or a local system under test; loopback only unless
 * `allowRemote` is set.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/mocks"
 *
 * const result = Effect.runPromise(
 *   Load.run({ url: "http://127.0.0.1:8080/users/1", connections: 16, maxRequests: 100_000, durationMs: 10_000 })
 * )
 * // { requests, errors, statuses: { "200": … }, seconds, rps, latency: { p50, p90, p99, max, mean } }
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Pool } from "undici"
import { z } from "zod"
import { formatZodIssues, type MocksError, mocksError } from "./MocksError.ts"

/**
 * Options of {@link run}.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/mocks"
 * const options: Load.Options = { url: "http://127.0.0.1:8080/orders", method: "POST", body: "{}", connections: 4, maxRequests: 1000, durationMs: 5000 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Options = z
  .object({
    /** The URL every request goes to. */
    url: z.url(),
    /** Concurrent clients (connections). Default 10. */
    connections: z.int().min(1).max(10_000).default(10),
    /** Stop after this many requests in total. */
    maxRequests: z.int().min(1).max(100_000_000),
    /** Stop after this long (ms), whichever comes first. */
    durationMs: z
      .number()
      .positive()
      .max(24 * 3_600_000),
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    /** Allow a non-loopback host. Default false: only 127.0.0.1, ::1 and localhost. */
    allowRemote: z.boolean().default(false)
  })
  .strict()

/**
 * Options of {@link run}, as written by a user.
 *
 * @example
 * ```ts
 * import type { Load } from "@24h/mocks"
 * const quick: Load.Options = { url: "http://127.0.0.1:8080/", maxRequests: 100, durationMs: 1000 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Options = z.input<typeof Options>

/**
 * Latency percentiles in milliseconds.
 *
 * @example
 * ```ts
 * import type { Load } from "@24h/mocks"
 * const slow = (l: Load.Latency) => l.p99 > 250
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Latency {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/**
 * What a run did: request and error counts (a transport failure is an error; any status is not), status counts,
 * throughput and latency.
 *
 * @example
 * ```ts
 * import type { Load } from "@24h/mocks"
 * const errorRate = (r: Load.Result) => (r.errors + (r.statuses["503"] ?? 0)) / r.requests
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Result {
  readonly requests: number
  readonly errors: number
  readonly statuses: Readonly<Record<string, number>>
  readonly seconds: number
  readonly rps: number
  readonly latency: Latency
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/**
 * Runs the load and resolves with its {@link Result}; the connection pool is closed when it ends or is interrupted.
 * Fails with `InvalidOptions` naming the field (or a non-loopback host without `allowRemote`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/mocks"
 * const p99 = Load.run({ url: "http://127.0.0.1:8080/", maxRequests: 10_000, durationMs: 5_000 }).pipe(
 *   Effect.map((r) => r.latency.p99)
 * )
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = (options: Options): Effect.Effect<Result, MocksError> =>
  Effect.suspend(() => {
    const parsed = Options.safeParse(options, { reportInput: true })
    if (!parsed.success)
      return Effect.fail(mocksError("InvalidOptions", formatZodIssues("Load.run", parsed.error.issues)))
    const o = parsed.data
    const url = new URL(o.url)
    if (!o.allowRemote && !LOOPBACK.has(url.hostname)) {
      return Effect.fail(
        mocksError(
          "InvalidOptions",
          `Load.run.url: loopback only unless allowRemote is set (got host ${JSON.stringify(url.hostname)})`
        )
      )
    }
    return Effect.acquireUseRelease(
      Effect.sync(() => new Pool(url.origin, { connections: o.connections, pipelining: 1 })),
      (pool) =>
        Effect.tryPromise({
          try: (signal) => drive(pool, url, o, signal),
          catch: (cause) =>
            mocksError("Io", `Load.run: ${cause instanceof Error ? cause.message : String(cause)}`, cause)
        }),
      (pool) => Effect.promise(() => pool.destroy())
    )
  })

const drive = async (pool: Pool, url: URL, o: z.output<typeof Options>, signal: AbortSignal): Promise<Result> => {
  const path = `${url.pathname}${url.search}`
  const latencies = new Float64Array(o.maxRequests)
  const statuses: Record<string, number> = {}
  let started = 0
  let done = 0
  let errors = 0
  const t0 = performance.now()
  const deadline = t0 + o.durationMs
  const request = {
    path,
    method: o.method,
    ...(o.headers === undefined ? {} : { headers: o.headers }),
    ...(o.body === undefined ? {} : { body: o.body })
  }
  const client = async (): Promise<void> => {
    while (started < o.maxRequests && !signal.aborted && performance.now() < deadline) {
      started++
      const start = performance.now()
      try {
        const r = await pool.request(request)
        await r.body.dump({ limit: 1 << 20 })
        const key = String(r.statusCode)
        statuses[key] = (statuses[key] ?? 0) + 1
      } catch {
        errors++
      }
      latencies[done++] = performance.now() - start
    }
  }
  await Promise.all(Array.from({ length: o.connections }, client))
  const seconds = (performance.now() - t0) / 1000
  const sorted = latencies.subarray(0, done).sort()
  const q = (p: number): number => (done === 0 ? 0 : sorted[Math.min(done - 1, Math.floor(p * done))]!)
  let sum = 0
  for (let i = 0; i < done; i++) sum += sorted[i]!
  return {
    requests: done,
    errors,
    statuses,
    seconds,
    rps: done / seconds,
    latency: {
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      max: done === 0 ? 0 : sorted[done - 1]!,
      mean: done === 0 ? 0 : sum / done
    }
  }
}
