/**
 * LlmMock streaming benchmark, one run: SSE chunks/s received through the official `openai` client from
 * `LlmMock` (a fixture reply of 120 words: 124 chunks per request), against a bare `node:http` server that
 * replays the very same bytes, frame by frame. The client (`child/sse.ts`: C concurrent streaming loops, bounded
 * by duration and count, loopback only) runs in a child process; the servers run here. Targets alternate in
 * rounds; medians are reported, and the ratio is the median of the per-round ratios.
 *
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/LlmMock.ts                       # 5 rounds × 4 s
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/LlmMock.ts --seconds 2 --rounds 1 # quick
 *
 * Target (issue): LlmMock ≥ 0.8× bare chunks/s. The servers' CPU time per chunk is reported too.
 */
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import { LlmMock } from "../src/index.ts"

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt)
const SECONDS = opt("--seconds", 4)
const ROUNDS = opt("--rounds", 5)
const CONCURRENCY = opt("--concurrency", 4)
const WORDS = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ")

interface Result {
  readonly requests: number
  readonly chunks: number
  readonly errors: number
  readonly seconds: number
  readonly chunksPerSecond: number
  cpuUsPerChunk: number
}

const load = (baseURL: string, seconds: number): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("./child/sse.ts", import.meta.url)),
        baseURL,
        String(CONCURRENCY),
        String(seconds * 1000),
        "1000000"
      ],
      { stdio: ["ignore", "pipe", "inherit"] }
    )
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out) as Result) : reject(new Error(`load exited ${code}`))
    )
  })

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const main = async () => {
  const scope = Effect.runSync(Scope.make())
  const llm = await Effect.runPromise(
    LlmMock.make({ seed: 1, fixtures: [{ reply: { text: WORDS } }] }).pipe(Scope.provide(scope))
  )
  // The exact frames the mock sends, replayed by the bare server (ids and timestamps included).
  const sample = await fetch(`${llm.openaiBaseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "benchmark" }], stream: true })
  }).then((r) => r.text())
  const frames = sample.split(/(?<=\n\n)/)
  const bare = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" })
      for (const f of frames) res.write(f)
      res.end()
    })
  })
  await new Promise<void>((r) => bare.listen(0, "127.0.0.1", () => r()))
  const targets: Record<string, string> = {
    "bare node:http SSE": `http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1`,
    "24h LlmMock": llm.openaiBaseUrl
  }
  const rounds: Record<string, Array<Result>> = {}
  try {
    for (const url of Object.values(targets)) await load(url, 1) // warm-up
    await Effect.runPromise(llm.reset)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, url] of Object.entries(targets)) {
        const cpu0 = process.cpuUsage()
        const r = await load(url, SECONDS)
        const cpu = process.cpuUsage(cpu0)
        r.cpuUsPerChunk = (cpu.user + cpu.system) / Math.max(1, r.chunks)
        const list = rounds[name] ?? []
        list.push(r)
        rounds[name] = list
      }
    }
  } finally {
    await new Promise((r) => bare.close(r))
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
  const names = Object.keys(targets)
  const base = rounds[names[0]!]!
  const ratios = rounds["24h LlmMock"]!.map((r, i) => r.chunksPerSecond / base[i]!.chunksPerSecond)
  const rows = names.map((name) => {
    const rs = rounds[name]!
    return `| ${name} | ${Math.round(median(rs.map((r) => r.chunksPerSecond))).toLocaleString("en-US")} | ${Math.round(median(rs.map((r) => r.requests / r.seconds)))} | ${median(rs.map((r) => r.cpuUsPerChunk)).toFixed(2)} | ${rs.reduce((n, r) => n + r.errors, 0)} |`
  })
  process.stdout.write(
    [
      `LlmMock SSE benchmark: ${frames.length} frames per stream, ${CONCURRENCY} concurrent openai-client streams, ${ROUNDS} rounds × ${SECONDS} s (Node ${process.version})`,
      "",
      "| server | chunks/s (median) | streams/s | server CPU µs/chunk | errors |",
      "|---|---|---|---|---|",
      ...rows,
      "",
      `LlmMock / bare chunks/s: ${median(ratios).toFixed(2)}× (median of per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(", ")})`,
      ""
    ].join("\n")
  )
}

await main()
