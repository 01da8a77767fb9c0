/**
 * Child process of `benchmark/HttpMock.ts`: `HttpLoad.run` (core's closed-model `Load` with N virtual users over a
 * pooled undici client, bounded by count and duration, loopback only) against one URL; prints
 * `{ requests, errors, rps, p50, p99 }` (latencies in ms).
 */
import { Histogram, Load } from "@24h/core"
import { Effect } from "effect"
import { HttpLoad } from "../../src/index.ts"

const [url, connections, durationMs, maxRequests] = [
  process.argv[2]!,
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5])
]
const r = await Effect.runPromise(
  HttpLoad.run({
    url,
    connections,
    model: Load.closed({ vus: connections, duration: durationMs, maxIterations: maxRequests })
  })
)
const s = Histogram.summary(r.latency)
const errors = r.completed - (r.statuses["200"] ?? 0)
process.stdout.write(JSON.stringify({ requests: r.completed, errors, rps: r.rps, p50: s.p50, p99: s.p99 }))
