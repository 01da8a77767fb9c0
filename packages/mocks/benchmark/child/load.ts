/**
 * Child process of `benchmark/HttpMock.ts`: `HttpLoad.run` against one URL, bounded by count and duration, loopback
 * only; prints `{ requests, errors, dropped, rps, p50, p99 }` (latencies in ms).
 *
 *   load.ts <url> <connections> <durationMs> <maxRequests>          closed model: N virtual users, as fast as served
 *   load.ts <url> <connections> <durationMs> <maxRequests> <rate>   open model: `rate` arrivals/s (latency from the
 *                                                                   intended start, so a slow server shows)
 */
import { Histogram, Load } from "@24h/core"
import { Effect } from "effect"
import { HttpLoad } from "../../src/index.ts"

const [url, connections, durationMs, maxRequests, rate] = [
  process.argv[2]!,
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5]),
  process.argv[6] === undefined ? undefined : Number(process.argv[6])
]
const r = await Effect.runPromise(
  HttpLoad.run({
    url,
    connections,
    model:
      rate === undefined
        ? Load.closed({ vus: connections, duration: durationMs, maxIterations: maxRequests })
        : Load.constantRate({ rate, duration: durationMs, vus: connections, maxIterations: maxRequests })
  })
)
const s = Histogram.summary(r.latency)
const errors = r.completed - (r.statuses["200"] ?? 0)
process.stdout.write(
  JSON.stringify({ requests: r.completed, errors, dropped: r.dropped, rps: r.rps, p50: s.p50, p99: s.p99 })
)
