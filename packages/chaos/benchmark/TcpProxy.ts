/**
 * TcpProxy data-plane benchmark, all cases in one run, ratios against a naive Node proxy measured in the same run.
 *
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/TcpProxy.ts            # 1 GiB, 5 rounds
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/TcpProxy.ts --mib 128 --rounds 1   # quick
 *
 * Targets: direct socket · naive `a.pipe(b); b.pipe(a)` proxy · TcpProxy without toxics · TcpProxy with a
 * `latency: 0` toxic on each direction. Workloads: one connection × N MiB, 32 connections × N/32 MiB each (aggregate
 * MB/s), and 64-byte ping-pong round trips (p50 / p99, tinybench). The load generator and the servers run in a
 * child process, the proxies in this process, as with an out-of-process proxy.
 *
 * The cost of tracing (`Telemetry.layer`) on this path has its own benchmark, `TcpProxyTracing.ts`, which repeats
 * many short interleaved rounds and reports confidence intervals against an A/A control.
 *
 * `--aged` runs the aged case instead: each proxy in its own process (a bare-Node naive pipe proxy; `24h proxy
 * serve` as shipped; `24h proxy serve --incremental-marking`, i.e. V8's default), measured fresh, then after one
 * forced full GC (`--expose-gc`, which is what a few minutes of traffic lead to), with the proxy process's CPU per GiB.
 *
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/TcpProxy.ts --aged --mib 512 --rounds 3
 */

import { type ChildProcess, fork, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import * as net from "node:net"
import { fileURLToPath } from "node:url"
import { Effect, Exit, Scope } from "effect"
import type { PeerRequest } from "./child/peer.ts"

// ---------------------------------------------------------------------------------- aged: proxies in own processes
const NAIVE_CHILD = `
const net = require("node:net")
const upstream = Number(process.argv[1])
const srv = net.createServer((c) => {
  const u = net.connect({ port: upstream, host: "127.0.0.1" })
  c.on("error", () => u.destroy()); u.on("error", () => c.destroy())
  c.pipe(u); u.pipe(c)
})
srv.listen(0, "127.0.0.1", () => process.send({ port: srv.address().port }))
process.on("message", (m) => { if (m === "gc") { gc(); process.send({ heapUsed: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }) } })
`

/** CPU seconds (user + system) a process has used, from /proc. */
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Every child this benchmark started, killed when it exits, also on a crash. */
const children = new Set<ChildProcess>()
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL")
})

interface AgedTarget {
  readonly name: string
  readonly child: ChildProcess
  readonly port: number
}

const message = <A>(child: ChildProcess, m?: unknown) =>
  new Promise<A>((resolve) => {
    child.once("message", (a) => resolve(a as A))
    if (m !== undefined) child.send(m as string)
  })

const naiveChild = async (sinkPort: number): Promise<AgedTarget> => {
  const child = spawn(process.execPath, ["--expose-gc", "-e", NAIVE_CHILD, String(sinkPort)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  children.add(child)
  const { port } = await message<{ port: number }>(child)
  return { name: "naive pipe proxy (bare Node process)", child, port }
}

const serveChild = async (sinkPort: number, extra: ReadonlyArray<string>, name: string): Promise<AgedTarget> => {
  // The shipped CLI entry point, unchanged; gc-hook.ts only adds the IPC message that forces a GC.
  const bin = fileURLToPath(new URL("../../cli/src/bin.ts", import.meta.url))
  const hook = new URL("./gc-hook.ts", import.meta.url).href
  const child = fork(bin, ["proxy", "serve", "--port", "0", "--json", "--seed", "1", ...extra], {
    execArgv: ["--expose-gc", "--import", "tsx", "--conditions=@24h/source", "--import", hook],
    stdio: ["ignore", "pipe", "inherit", "ipc"]
  })
  children.add(child)
  const line = await new Promise<string>((resolve) => {
    let out = ""
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")))
    })
  })
  const { url } = JSON.parse(line) as { url: string }
  const res = await fetch(`${url}/proxies`, {
    method: "POST",
    body: JSON.stringify({ name: "bench", listen: "127.0.0.1:0", upstream: `127.0.0.1:${sinkPort}` })
  })
  const { listen } = (await res.json()) as { listen: string }
  return { name, child, port: Number(listen.split(":")[1]) }
}

const aged = async (
  ask: <A>(m: PeerRequest) => Promise<A>,
  sinkPort: number,
  mib: number,
  rounds: number
): Promise<void> => {
  const targets = [
    await naiveChild(sinkPort),
    await serveChild(sinkPort, [], "24h proxy serve"),
    await serveChild(sinkPort, ["--incremental-marking"], "24h proxy serve --incremental-marking (V8 default)")
  ]
  const bytes = mib * 1024 * 1024
  const phase = async (t: AgedTarget) => {
    const mbs: Array<number> = []
    const cpu0 = cpuSeconds(t.child.pid!)
    for (let r = 0; r < rounds; r++) {
      const one = await ask<{ ms: number }>({ kind: "throughput", port: t.port, conns: 1, bytesEach: bytes })
      mbs.push(bytes / 1e6 / (one.ms / 1000))
    }
    const cpuPerGiB = (cpuSeconds(t.child.pid!) - cpu0) / ((rounds * bytes) / 2 ** 30)
    return { mbs: [...mbs].sort((a, b) => a - b)[Math.floor(mbs.length / 2)]!, cpuPerGiB }
  }
  const rows: Array<{ name: string; heap: number; fresh: number; aged: number; cpuFresh: number; cpuAged: number }> = []
  for (const t of targets) {
    // Warm up (JIT), measure fresh, force one full GC, measure again.
    await ask({ kind: "throughput", port: t.port, conns: 1, bytesEach: Math.min(bytes, 64 * 1024 * 1024) })
    const fresh = await phase(t)
    const after = await message<{ heapUsed: number }>(t.child, "gc")
    const agedRun = await phase(t)
    rows.push({
      name: t.name,
      heap: after.heapUsed / 1e6,
      fresh: fresh.mbs,
      aged: agedRun.mbs,
      cpuFresh: fresh.cpuPerGiB,
      cpuAged: agedRun.cpuPerGiB
    })
    t.child.kill("SIGTERM")
  }
  const naiveAged = rows[0]!.aged
  console.log(
    `\nTcpProxy aged benchmark — 1 connection × ${mib} MiB, ${rounds} round(s) per phase, Node ${process.version}\n`
  )
  console.log(
    "| proxy process | live heap after GC MB | fresh MB/s | aged MB/s | aged × fresh | aged × naive aged | CPU s/GiB fresh → aged |"
  )
  console.log("|---|---|---|---|---|---|---|")
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.heap.toFixed(1)} | ${r.fresh.toFixed(0)} | ${r.aged.toFixed(0)} | ${(r.aged / r.fresh).toFixed(2)} | ${(r.aged / naiveAged).toFixed(2)} | ${r.cpuFresh.toFixed(2)} → ${r.cpuAged.toFixed(2)} |`
    )
}

// -------------------------------------------------------------------------------------------- main: the proxies
const main = async () => {
  const args = process.argv.slice(2)
  const flag = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? Number(args[i + 1]) : dflt
  }
  const mib = flag("mib", 1024)
  const rounds = flag("rounds", 5)
  const iterations = flag("pings", 5000)
  const { TcpProxy, Toxic } = await import("../src/index.ts")

  const worker = fork(fileURLToPath(new URL("./child/peer.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx", "--conditions=@24h/source"],
    stdio: "inherit"
  })
  children.add(worker)
  const ask = <A>(m: PeerRequest) =>
    new Promise<A>((resolve) => {
      worker.once("message", (a) => resolve(a as A))
      worker.send(m)
    })
  const ports = await ask<{ sink: number; echo: number }>({ kind: "init" })
  if (args.includes("--aged")) {
    await aged(ask, ports.sink, flag("mib", 512), rounds)
    await ask({ kind: "close" })
    await new Promise((r) => worker.once("exit", r))
    return
  }

  const naive = (upstreamPort: number) => {
    const srv = net.createServer((c) => {
      const u = net.connect({ port: upstreamPort, host: "127.0.0.1" })
      c.setNoDelay(true)
      u.setNoDelay(true)
      c.on("error", () => u.destroy())
      u.on("error", () => c.destroy())
      c.pipe(u)
      u.pipe(c)
    })
    return new Promise<net.Server>((r) => srv.listen(0, "127.0.0.1", () => r(srv)))
  }
  const scope = await Effect.runPromise(Scope.make())
  const tcpProxy = (upstreamPort: number, withToxics: boolean) =>
    Effect.runPromise(
      Scope.provide(scope)(
        TcpProxy.make({
          upstream: `127.0.0.1:${upstreamPort}`,
          seed: 1,
          toxics: withToxics
            ? [Toxic.latency({ latency: 0, stream: "upstream" }), Toxic.latency({ latency: 0, stream: "downstream" })]
            : []
        })
      )
    )

  const targets: Array<{ name: string; sink: number; echo: number }> = [
    { name: "direct socket", sink: ports.sink, echo: ports.echo }
  ]
  const naiveSink = await naive(ports.sink)
  const naiveEcho = await naive(ports.echo)
  const port = (s: net.Server) => (s.address() as net.AddressInfo).port
  targets.push({ name: "naive pipe proxy", sink: port(naiveSink), echo: port(naiveEcho) })
  const [p1, p2, p3, p4] = await Promise.all([
    tcpProxy(ports.sink, false),
    tcpProxy(ports.echo, false),
    tcpProxy(ports.sink, true),
    tcpProxy(ports.echo, true)
  ])
  targets.push({ name: "TcpProxy, no toxics", sink: p1!.port, echo: p2!.port })
  targets.push({ name: "TcpProxy, latency 0 both ways", sink: p3!.port, echo: p4!.port })

  const bytes = mib * 1024 * 1024
  const samples = targets.map(() => ({
    one: [] as Array<number>,
    many: [] as Array<number>,
    p50: [] as Array<number>,
    p99: [] as Array<number>
  }))
  for (let r = 0; r < rounds; r++) {
    // Rotate the order every round so no target always runs right after the same neighbour.
    for (let k = 0; k < targets.length; k++) {
      const i = (k + r) % targets.length
      const t = targets[i]!
      const one = await ask<{ ms: number }>({ kind: "throughput", port: t.sink, conns: 1, bytesEach: bytes })
      samples[i]!.one.push(bytes / 1e6 / (one.ms / 1000))
      const many = await ask<{ ms: number }>({ kind: "throughput", port: t.sink, conns: 32, bytesEach: bytes / 32 })
      samples[i]!.many.push(bytes / 1e6 / (many.ms / 1000))
      const pp = await ask<{ p50: number; p99: number }>({ kind: "pingpong", port: t.echo, iterations })
      samples[i]!.p50.push(pp.p50)
      samples[i]!.p99.push(pp.p99)
    }
  }
  const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const rows = targets.map((t, i) => ({
    name: t.name,
    one: median(samples[i]!.one),
    many: median(samples[i]!.many),
    p50: median(samples[i]!.p50),
    p99: median(samples[i]!.p99)
  }))
  const direct = rows[0]!
  const pipe = rows[1]!
  const addedPipe = pipe.p50 - direct.p50
  console.log(
    `\nTcpProxy benchmark — ${mib} MiB per workload, ${rounds} round(s), ${iterations} ping-pongs, Node ${process.version}\n`
  )
  console.log(
    "| target | 1 conn MB/s | 32 conns MB/s | × naive (1 / 32) | ping-pong p50 / p99 µs | added p50 × naive |"
  )
  console.log("|---|---|---|---|---|---|")
  for (const r of rows) {
    const ratio = `${(r.one / pipe.one).toFixed(2)} / ${(r.many / pipe.many).toFixed(2)}`
    const added = r === direct ? "–" : ((r.p50 - direct.p50) / addedPipe).toFixed(2)
    console.log(
      `| ${r.name} | ${r.one.toFixed(0)} | ${r.many.toFixed(0)} | ${ratio} | ${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} | ${added} |`
    )
  }
  await ask({ kind: "close" })
  await Effect.runPromise(Scope.close(scope, Exit.void))
  naiveSink.close()
  naiveEcho.close()
  await new Promise((r) => worker.once("exit", r))
}

await main()
