/**
 * Load for `benchmark/LlmMock.ts`: `concurrency` loops of streaming chat completions through the official `openai`
 * client against `baseURL` (loopback only), bounded by a duration and a request count; prints one JSON line.
 *
 *   tsx child/sse.ts <baseURL> <concurrency> <durationMs> <maxRequests>
 */
import OpenAI from "openai"

const [baseURL, conc, durationMs, maxRequests] = process.argv.slice(2)
if (baseURL === undefined || !/^http:\/\/127\.0\.0\.1:\d+\//.test(`${baseURL}/`)) {
  throw new Error(`child/sse.ts: baseURL must be a loopback URL (got ${baseURL})`)
}
const client = new OpenAI({ baseURL, apiKey: "bench", maxRetries: 0 })
const deadline = performance.now() + Number(durationMs)
let requests = 0
let chunks = 0
let errors = 0
const loop = async () => {
  while (performance.now() < deadline && requests < Number(maxRequests)) {
    requests++
    try {
      const s = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "benchmark" }],
        stream: true
      })
      for await (const c of s) if (c.choices.length > 0) chunks++
    } catch {
      errors++
    }
  }
}
const t0 = performance.now()
await Promise.all(Array.from({ length: Number(conc) }, loop))
const seconds = (performance.now() - t0) / 1000
process.stdout.write(`${JSON.stringify({ requests, chunks, errors, seconds, chunksPerSecond: chunks / seconds })}\n`)
