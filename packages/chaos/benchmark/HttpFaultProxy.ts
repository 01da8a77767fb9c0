/**
 * HttpFaultProxy benchmark, all cases in one run, ratios against a minimal `node:http` + undici reverse proxy
 * measured in the same run.
 *
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/HttpFaultProxy.ts                 # 3 s per case, 5 rounds
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/HttpFaultProxy.ts --seconds 1 --rounds 1   # quick
 *
 * Targets: the upstream directly · a minimal reverse proxy (`http.createServer` → undici `Pool.request` → pipe) ·
 * HttpFaultProxy without rules · HttpFaultProxy with one rule that never matches (`/never/**`). Workload: keep-alive
 * GETs of a small body (2 B) and of a 16 KiB body from `--connections` (default 16) closed-loop clients for
 * `--seconds` per case. The upstream and the load generator run in a child process, the proxies in this process.
 */

import { fork } from "node:child_process"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { performance } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import { Pool } from "undici"

type Request =
  | { readonly kind: "init" }
  | {
      readonly kind: "load"
      readonly url: string
      readonly path: string
      readonly connections: number
      readonly ms: number
    }
  | { readonly kind: "close" }

const BODY_16K = Buffer.alloc(16 * 1024, 0x61)

// ----------------------------------------------------------------------------------------- child process: the peers
const peer = async () => {
  const upstream = http.createServer((req, res) => {
    if (req.url === "/16k") {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": BODY_16K.length })
      res.end(BODY_16K)
    } else {
      res.writeHead(200, { "content-type": "text/plain", "content-length": 2 })
      res.end("ok")
    }
  })
  upstream.keepAliveTimeout = 60_000
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r))

  const load = async (url: string, path: string, connections: number, ms: number) => {
    const pool = new Pool(url, { connections, pipelining: 1 })
    let done = 0
    let errors = 0
    const end = performance.now() + ms
    const client = async () => {
      while (performance.now() < end) {
        try {
          const res = await pool.request({ method: "GET", path })
          await res.body.dump()
          if (res.statusCode === 200) done++
          else errors++
        } catch {
          errors++
        }
      }
    }
    const t0 = performance.now()
    await Promise.all(Array.from({ length: connections }, client))
    const elapsed = performance.now() - t0
    await pool.close()
    return { rps: done / (elapsed / 1000), done, errors }
  }

  process.on("message", async (m: Request) => {
    switch (m.kind) {
      case "init":
        process.send!({ port: (upstream.address() as AddressInfo).port })
        return
      case "load":
        process.send!(await load(m.url, m.path, m.connections, m.ms))
        return
      case "close":
        upstream.closeAllConnections()
        upstream.close()
        process.send!({})
        process.disconnect()
    }
  })
}

// -------------------------------------------------------------------------------------------- main: the proxies
/** The baseline: what anyone would write in ten lines with node:http and undici. */
const minimalProxy = async (origin: string) => {
  const pool = new Pool(origin, { connections: 128, pipelining: 1 })
  const hop = new Set(["connection", "keep-alive", "transfer-encoding", "host"])
  const srv = http.createServer((req, res) => {
    const headers: Record<string, string | Array<string>> = {}
    for (const [k, v] of Object.entries(req.headers)) if (!hop.has(k) && v !== undefined) headers[k] = v
    pool.request(
      { method: req.method as "GET", path: req.url ?? "/", headers, body: req.method === "GET" ? null : req },
      (err, data) => {
        if (err !== null) {
          res.writeHead(502).end()
          return
        }
        const out: Record<string, string | Array<string>> = {}
        for (const [k, v] of Object.entries(data.headers)) if (!hop.has(k) && v !== undefined) out[k] = v
        res.writeHead(data.statusCode, out)
        data.body.pipe(res)
      }
    )
  })
  srv.keepAliveTimeout = 60_000
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: async () => {
      srv.closeAllConnections()
      srv.close()
      await pool.close()
    }
  }
}

const main = async () => {
  const args = process.argv.slice(2)
  const flag = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? Number(args[i + 1]) : dflt
  }
  const seconds = flag("seconds", 3)
  const rounds = flag("rounds", 5)
  const connections = flag("connections", 16)
  const { HttpFaultProxy } = await import("../src/index.ts")

  const worker = fork(fileURLToPath(import.meta.url), ["--peer"], {
    execArgv: ["--import", "tsx", "--conditions=@24h/source"],
    stdio: "inherit"
  })
  const ask = <A>(m: Request) =>
    new Promise<A>((resolve) => {
      worker.once("message", (a) => resolve(a as A))
      worker.send(m)
    })
  const { port } = await ask<{ port: number }>({ kind: "init" })
  const origin = `http://127.0.0.1:${port}`

  const scope = await Effect.runPromise(Scope.make())
  const fault = (rules: ReadonlyArray<unknown>) =>
    Effect.runPromise(Scope.provide(scope)(HttpFaultProxy.make({ upstream: origin, seed: 1, rules })))
  const minimal = await minimalProxy(origin)
  const noRules = await fault([])
  const oneRule = await fault([
    { id: "never", match: { method: "POST", path: "/never/**" }, action: { type: "status", status: 503 } }
  ])
  const targets = [
    { name: "direct (no proxy)", url: origin },
    { name: "minimal node:http + undici proxy", url: minimal.url },
    { name: "HttpFaultProxy, no rules", url: noRules.url },
    { name: "HttpFaultProxy, 1 non-matching rule", url: oneRule.url }
  ]
  const workloads = [
    { name: "2 B", path: "/" },
    { name: "16 KiB", path: "/16k" }
  ]
  const samples = targets.map(() => workloads.map(() => [] as Array<number>))
  // CPU of this process (where the proxies run) per request: steadier than req/s on a shared machine.
  const cpuSamples = targets.map(() => workloads.map(() => [] as Array<number>))
  // Warm up every target (JIT, connection pools) before anything is measured.
  for (const t of targets)
    for (const w of workloads) await ask({ kind: "load", url: t.url, path: w.path, connections, ms: 500 })
  for (let r = 0; r < rounds; r++)
    for (let k = 0; k < targets.length; k++) {
      const i = (k + r) % targets.length
      for (let w = 0; w < workloads.length; w++) {
        const cpu0 = process.cpuUsage()
        const res = await ask<{ rps: number; done: number; errors: number }>({
          kind: "load",
          url: targets[i]!.url,
          path: workloads[w]!.path,
          connections,
          ms: seconds * 1000
        })
        if (res.errors > 0) throw new Error(`${targets[i]!.name}: ${res.errors} errors`)
        samples[i]![w]!.push(res.rps)
        const cpu = process.cpuUsage(cpu0)
        cpuSamples[i]![w]!.push((cpu.user + cpu.system) / res.done)
      }
    }
  const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const rps = samples.map((ws) => ws.map(median))
  const cpuUs = cpuSamples.map((ws) => ws.map(median))
  console.log(
    `\nHttpFaultProxy benchmark — ${connections} keep-alive connections, ${seconds} s per case, ${rounds} round(s), Node ${process.version}\n`
  )
  console.log(
    "| target | 2 B req/s | 16 KiB req/s | × minimal proxy (2 B / 16 KiB) | proxy CPU µs/req (2 B / 16 KiB) | CPU × minimal |"
  )
  console.log("|---|---|---|---|---|---|")
  targets.forEach((t, i) => {
    const ratio = rps[i]!.map((x, w) => (x / rps[1]![w]!).toFixed(2)).join(" / ")
    const cpu = cpuUs[i]!.map((x) => x.toFixed(0)).join(" / ")
    const cpuRatio = i === 0 ? "–" : cpuUs[i]!.map((x, w) => (x / cpuUs[1]![w]!).toFixed(2)).join(" / ")
    console.log(
      `| ${t.name} | ${rps[i]![0]!.toFixed(0)} | ${rps[i]![1]!.toFixed(0)} | ${ratio} | ${cpu} | ${cpuRatio} |`
    )
  })
  await ask({ kind: "close" })
  await minimal.close()
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await new Promise((r) => worker.once("exit", r))
}

if (process.argv.includes("--peer")) await peer()
else await main()
