/**
 * Child process of `benchmark/HttpMock.ts`: `Load.run` (N concurrent undici clients, bounded by count and duration,
 * loopback only) against one URL; prints `{ requests, errors, rps, p50, p99 }` (latencies in ms).
 */
import { Effect } from "effect"
import { Load } from "../../src/index.ts"

const [url, connections, durationMs, maxRequests] = [
  process.argv[2]!,
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5])
]
const r = await Effect.runPromise(Load.run({ url, connections, durationMs, maxRequests }))
const errors = r.errors + r.requests - (r.statuses["200"] ?? 0)
process.stdout.write(
  JSON.stringify({ requests: r.requests, errors, rps: r.rps, p50: r.latency.p50, p99: r.latency.p99 })
)
