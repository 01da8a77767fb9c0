/**
 * The load generator against autocannon, in one run, on one bare `node:http` target in a child process:
 *
 *   1. closed model: autocannon vs `HttpLoad.run` (core `Load`, N virtual users) at the same connections — req/s,
 *      in interleaved rounds, medians and the ratio (target >= 0.9x autocannon);
 *   2. open model: a constant 1,000/s against a route with a known 10 ms service time — achieved rate / target, and
 *      p50/p99 against the service time (latency from the intended start, so queueing would show).
 *
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/HttpLoad.ts [--seconds 5] [--rounds 3] [--connections 16]
 */
import { spawn } from "node:child_process"
import { Histogram, Load } from "@24h/core"
import autocannon from "autocannon"
import { Effect } from "effect"
import { HttpLoad } from "../src/index.ts"

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg("seconds", 5)
const rounds = arg("rounds", 3)
const connections = arg("connections", 16)

const target = `
const http = require("node:http")
const server = http.createServer((req, res) => {
  if (req.url === "/slow") setTimeout(() => res.end("ok"), 10)
  else res.end("ok")
})
server.listen(0, "127.0.0.1", () => process.stdout.write(String(server.address().port) + "\\n"))
`
const child = spawn(process.execPath, ["-e", target], { stdio: ["ignore", "pipe", "inherit"] })
const port = await new Promise<number>((resolve) => child.stdout.once("data", (d) => resolve(Number(String(d).trim()))))
const url = `http://127.0.0.1:${port}`

const viaAutocannon = () =>
  new Promise<number>((resolve, reject) =>
    autocannon({ url: `${url}/`, connections, duration: seconds, pipelining: 1 }, (err, r) =>
      err ? reject(err) : resolve(r.requests.total / seconds)
    )
  )
const viaLoad = async () => {
  const s = await Effect.runPromise(
    HttpLoad.run({ url: `${url}/`, connections, model: Load.closed({ vus: connections, duration: seconds * 1000 }) })
  )
  return s.completed / (s.durationMs / 1000)
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
try {
  const ac: Array<number> = []
  const ours: Array<number> = []
  for (let r = 0; r < rounds; r++) {
    ac.push(await viaAutocannon())
    ours.push(await viaLoad())
  }
  const a = median(ac)
  const o = median(ours)
  console.log(`closed model, ${connections} connections, ${rounds} rounds × ${seconds} s (medians):`)
  console.log("| generator | req/s | × autocannon |\n|---|---:|---:|")
  console.log(`| autocannon 8 | ${a.toFixed(0)} | 1.00 |`)
  console.log(`| HttpLoad (core Load, closed) | ${o.toFixed(0)} | ${(o / a).toFixed(2)} |`)

  const rate = 1000
  const open = await Effect.runPromise(
    HttpLoad.run({
      url: `${url}/slow`,
      connections: 200,
      model: Load.constantRate({ rate, duration: seconds * 1000, vus: 200 })
    })
  )
  const s = Histogram.summary(open.latency)
  console.log(`\nopen model, ${rate}/s for ${seconds} s against a 10 ms service time:`)
  console.log(
    "| achieved/s | × target | dropped | p50 ms | p99 ms | p99 − service ms |\n|---:|---:|---:|---:|---:|---:|"
  )
  console.log(
    `| ${open.achievedRate.toFixed(1)} | ${(open.achievedRate / rate).toFixed(3)} | ${open.dropped} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${(s.p99 - 10).toFixed(2)} |`
  )
} finally {
  child.kill()
}
