/**
 * Child process of `benchmark/HttpMock.ts`: a bounded HTTP load generator (loopback only). `connections` concurrent
 * undici clients send GET requests back to back for `durationMs` or `maxRequests`, whichever comes first, and it
 * prints `{ requests, errors, seconds, rps, p50, p99 }` (latencies in ms).
 */
import { Pool } from "undici"

const [url, connections, durationMs, maxRequests] = [
  process.argv[2]!,
  Number(process.argv[3]),
  Number(process.argv[4]),
  Number(process.argv[5])
]
const target = new URL(url)
if (target.hostname !== "127.0.0.1") throw new Error(`load: loopback only (got ${target.hostname})`)
const pool = new Pool(target.origin, { connections, pipelining: 1 })
const latencies = new Float64Array(maxRequests)
let n = 0
let errors = 0
const t0 = performance.now()
const deadline = t0 + durationMs

const loop = async () => {
  while (n < maxRequests && performance.now() < deadline) {
    const start = performance.now()
    try {
      const r = await pool.request({ path: target.pathname, method: "GET" })
      await r.body.dump({ limit: 1 << 20 })
      if (r.statusCode !== 200) errors++
    } catch {
      errors++
    }
    if (n < maxRequests) latencies[n++] = performance.now() - start
  }
}
await Promise.all(Array.from({ length: connections }, loop))
const seconds = (performance.now() - t0) / 1000
await pool.close()
const sorted = latencies.subarray(0, n).sort()
const q = (p: number) => sorted[Math.min(n - 1, Math.floor(p * n))] ?? Number.NaN
process.stdout.write(JSON.stringify({ requests: n, errors, seconds, rps: n / seconds, p50: q(0.5), p99: q(0.99) }))
