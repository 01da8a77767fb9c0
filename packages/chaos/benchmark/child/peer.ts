/**
 * The peers of the TcpProxy benchmarks, in a child process of their own (as with an out-of-process proxy): a sink
 * server, an echo server, and the clients that drive a proxy in front of them. The parent sends one request at a
 * time over IPC and waits for its reply. Every workload is bounded by its byte or connection count; loopback only.
 *
 *   throughput  `conns` connections each write `bytesEach` bytes to the sink, half-close, wait for its EOF → `{ ms }`
 *   pingpong    64-byte round trips through the echo server, measured by tinybench → `{ p50, p99 }` in µs
 *   churn       `conns` short connections (`concurrency` at a time) each write `bytesEach` bytes to the echo server
 *               and read them back, then close → `{ ms }`
 */
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import { Bench } from "tinybench"

export type PeerRequest =
  | { readonly kind: "init" }
  | { readonly kind: "throughput"; readonly port: number; readonly conns: number; readonly bytesEach: number }
  | { readonly kind: "pingpong"; readonly port: number; readonly iterations: number }
  | {
      readonly kind: "churn"
      readonly port: number
      readonly conns: number
      readonly concurrency: number
      readonly bytesEach: number
    }
  | { readonly kind: "close" }

const CHUNK = Buffer.alloc(64 * 1024, 0x5a)

const sink = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on("data", () => {})
  s.on("end", () => s.end())
  s.on("error", () => {})
})
const echo = net.createServer({ noDelay: true }, (s) => {
  s.setNoDelay(true)
  s.on("data", (d) => s.write(d))
  s.on("error", () => {})
})
await Promise.all([sink, echo].map((srv) => new Promise<void>((r) => srv.listen(0, "127.0.0.1", r))))
const portOf = (srv: net.Server) => (srv.address() as net.AddressInfo).port

const oneStream = (port: number, bytes: number) =>
  new Promise<void>((resolve, reject) => {
    const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true })
    c.on("error", reject)
    c.on("end", () => {
      c.destroy()
      resolve()
    })
    c.resume()
    let left = bytes
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length)
        left -= n
        if (!c.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
          c.once("drain", pump)
          return
        }
      }
      c.end()
    }
    c.on("connect", pump)
  })

/** One short connection: connect, write `bytes`, read them back from the echo server, close. */
const shortConnection = (port: number, bytes: number) =>
  new Promise<void>((resolve, reject) => {
    const c = net.connect({ port, host: "127.0.0.1", noDelay: true })
    let got = 0
    c.on("error", reject)
    c.on("data", (d: Buffer) => {
      got += d.length
      if (got >= bytes) {
        c.destroy()
        resolve()
      }
    })
    c.on("connect", () => c.write(CHUNK.subarray(0, bytes)))
  })

const churn = async (port: number, conns: number, concurrency: number, bytes: number) => {
  let next = 0
  const worker = async () => {
    while (next < conns) {
      next++
      await shortConnection(port, bytes)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, conns) }, worker))
}

const pingpong = async (port: number, iterations: number) => {
  const c = await new Promise<net.Socket>((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => resolve(s))
  })
  const msg = Buffer.alloc(64, 1)
  let waiting: (() => void) | undefined
  let got = 0
  c.on("data", (d: Buffer) => {
    got += d.length
    if (got >= 64 && waiting !== undefined) {
      got -= 64
      const w = waiting
      waiting = undefined
      w()
    }
  })
  const bench = new Bench({ iterations, time: 0, warmupIterations: 500, warmupTime: 0 })
  bench.add("rtt", () => {
    const p = new Promise<void>((r) => {
      waiting = r
    })
    c.write(msg)
    return p
  })
  await bench.run()
  c.destroy()
  const r = bench.tasks[0]!.result as unknown as { latency: { p50: number; p99: number } }
  return { p50: r.latency.p50 * 1000, p99: r.latency.p99 * 1000 }
}

const reply = (m: unknown) => process.send!(m)
process.on("message", async (m: PeerRequest) => {
  switch (m.kind) {
    case "init":
      reply({ sink: portOf(sink), echo: portOf(echo) })
      return
    case "throughput": {
      const t0 = performance.now()
      await Promise.all(Array.from({ length: m.conns }, () => oneStream(m.port, m.bytesEach)))
      reply({ ms: performance.now() - t0 })
      return
    }
    case "churn": {
      const t0 = performance.now()
      await churn(m.port, m.conns, m.concurrency, m.bytesEach)
      reply({ ms: performance.now() - t0 })
      return
    }
    case "pingpong":
      reply(await pingpong(m.port, m.iterations))
      return
    case "close":
      sink.close()
      echo.close()
      reply({})
      process.disconnect()
  }
})
// Nothing else keeps this process alive once the parent disconnects.
process.on("disconnect", () => {
  sink.close()
  echo.close()
})
