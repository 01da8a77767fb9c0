/**
 * QueueMock benchmark, one run: messages/s through the SQS facade with the official `@aws-sdk/client-sqs` (each
 * message is SendMessage → ReceiveMessage → DeleteMessage, 3 requests), against a bare `node:http` server that
 * answers the same JSON for the same three actions (canned, with correct MD5s so the client accepts them). The
 * client runs in a child process (`child/sqs-load.ts`, bounded by count and time, loopback only); the servers run
 * here. Targets alternate over rounds; medians are reported, and the ratio is the median of per-round ratios. The
 * servers' CPU time per message (`process.cpuUsage`) is reported too: on a shared machine it is steadier.
 *
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/QueueMock.ts                        # 5 rounds × 4 s
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/QueueMock.ts --seconds 2 --rounds 1  # quick
 *
 * Target (issue): QueueMock ≥ 0.7× bare messages/s.
 */
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import { QueueMock } from "../src/index.ts"

const args = process.argv.slice(2)
const opt = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt)
const SECONDS = opt("--seconds", 4)
const ROUNDS = opt("--rounds", 5)
const CONCURRENCY = opt("--concurrency", 8)
const BODY = JSON.stringify({ order: 1, sku: "A-1", qty: 2 })

interface Result {
  readonly messages: number
  readonly errors: number
  readonly mps: number
  cpuUs: number
}

const load = (endpoint: string, queueUrl: string, seconds: number): Promise<Result> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        fileURLToPath(new URL("./child/sqs-load.ts", import.meta.url)),
        endpoint,
        queueUrl,
        String(CONCURRENCY),
        String(seconds * 1000),
        "2000000"
      ],
      { stdio: ["ignore", "pipe", "ignore"] }
    )
    let out = ""
    child.stdout.on("data", (d) => (out += d))
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0 ? resolve({ ...(JSON.parse(out) as Result), cpuUs: 0 }) : reject(new Error(`load exited ${code}`))
    )
  })

/** A bare server that answers the three actions with the same JSON shapes the facade sends. */
const bareServer = (queueUrl: () => string): Server => {
  const md5 = createHash("md5").update(BODY).digest("hex")
  const headers = (n: number) => ({
    "content-type": "application/x-amz-json-1.0",
    "content-length": n,
    "x-amzn-requestid": "bench"
  })
  const sent = Buffer.from(JSON.stringify({ MessageId: "0b8a6a3e-2f37-4a2c-9d58-6f1b1d1c2e3f", MD5OfMessageBody: md5 }))
  const empty = Buffer.from("{}")
  return createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const target = req.headers["x-amz-target"]
      let out = empty
      if (target === "AmazonSQS.SendMessage") out = sent
      else if (target === "AmazonSQS.ReceiveMessage")
        out = Buffer.from(
          JSON.stringify({
            Messages: [
              {
                MessageId: "0b8a6a3e-2f37-4a2c-9d58-6f1b1d1c2e3f",
                ReceiptHandle: `1-1-${queueUrl().length}`,
                MD5OfBody: md5,
                Body: BODY
              }
            ]
          })
        )
      res.writeHead(200, headers(out.length))
      res.end(out)
    })
  })
}

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)))

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const main = async () => {
  let bareUrl = ""
  const bare = bareServer(() => bareUrl)
  const barePort = await listen(bare)
  bareUrl = `http://127.0.0.1:${barePort}/000000000000/bench`
  const scope = Effect.runSync(Scope.make())
  const mock = await Effect.runPromise(
    QueueMock.make({ seed: 1, queues: [{ name: "bench" }] }).pipe(Scope.provide(scope))
  )
  const targets: Record<string, { endpoint: string; queueUrl: string }> = {
    "bare node:http": { endpoint: `http://127.0.0.1:${barePort}`, queueUrl: bareUrl },
    "24h QueueMock": { endpoint: mock.url, queueUrl: mock.queueUrl("bench") }
  }
  const rounds: Record<string, Array<Result>> = {}
  try {
    for (const t of Object.values(targets)) await load(t.endpoint, t.queueUrl, 1) // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, t] of Object.entries(targets)) {
        const cpu0 = process.cpuUsage()
        const r = await load(t.endpoint, t.queueUrl, SECONDS)
        const cpu = process.cpuUsage(cpu0)
        r.cpuUs = (cpu.user + cpu.system) / Math.max(1, r.messages)
        const list = rounds[name] ?? []
        list.push(r)
        rounds[name] = list
      }
    }
  } finally {
    bare.close()
    bare.closeAllConnections()
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }
  const bareRounds = rounds["bare node:http"]!
  const rows = Object.entries(rounds).map(([name, rs]) => {
    const ratio = median(rs.map((r, i) => r.mps / bareRounds[i]!.mps))
    return `| ${name} | ${Math.round(median(rs.map((r) => r.mps)))} | ${ratio.toFixed(2)}× | ${Math.round(median(rs.map((r) => r.cpuUs)))} | ${rs.reduce((n, r) => n + r.errors, 0)} |`
  })
  const journal = await Effect.runPromise(mock.journal).catch(() => undefined)
  process.stdout.write(
    [
      `QueueMock benchmark: ${ROUNDS} rounds × ${SECONDS} s, ${CONCURRENCY} client loops (send → receive → delete), Node ${process.version}`,
      "",
      "| server | messages/s | vs bare | server CPU µs/message | errors |",
      "|---|---|---|---|---|",
      ...rows,
      "",
      journal === undefined ? "" : `(the mock journalled ${journal.entries.length} entries)`,
      ""
    ].join("\n")
  )
}

await main()
