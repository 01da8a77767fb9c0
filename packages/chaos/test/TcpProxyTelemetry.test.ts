import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Telemetry } from "@24h/core"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import * as TcpProxy from "../src/TcpProxy.ts"
import * as Toxic from "../src/Toxic.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** An echo server as a scoped resource on 127.0.0.1:0. */
const echo = Effect.acquireRelease(
  Effect.callback<net.Server>((resume) => {
    const s = net.createServer((c) => {
      c.on("error", () => {})
      c.pipe(c)
    })
    s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
  }),
  (s) => Effect.callback<void>((resume) => void s.close(() => resume(Effect.void)))
)

/** Sends `bytes` through `port`, waits for the echo, closes. */
const exchange = (port: number, bytes: number) =>
  Effect.callback<void>((resume) => {
    const c = net.connect({ port, host: "127.0.0.1" }, () => c.write(Buffer.alloc(bytes, 1)))
    let got = 0
    c.on("data", (d: Buffer) => {
      got += d.length
      if (got >= bytes) c.end()
    })
    c.on("close", () => resume(Effect.void))
  })

const program = Effect.scoped(
  Effect.gen(function* () {
    const server = yield* echo
    const proxy = yield* TcpProxy.make({
      name: "db",
      upstream: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      seed: 1,
      toxics: [Toxic.latency({ name: "slow", latency: 1 })]
    })
    yield* exchange(proxy.port, 1000)
    yield* exchange(proxy.port, 3000)
    return yield* proxy.stats
  })
)

describe("TcpProxy telemetry", () => {
  it("a span per connection with its bytes, and the 24h.proxy.* counters, under Telemetry.layer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-proxy-telemetry-"))
    dirs.push(dir)
    const stats = await Effect.runPromise(program.pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null }))))
    expect(stats.connectionsTotal).toBe(2)
    const spans = await Effect.runPromise(Telemetry.readSpans(dir))
    const make = spans.find((s) => s.name === "TcpProxy.make")!
    const connections = spans.filter((s) => s.name === "TcpProxy.connection")
    expect(
      connections.map((s) => [s.attributes["24h.proxy.bytes.upstream"], s.attributes["24h.proxy.bytes.downstream"]])
    ).toEqual([
      [1000, 1000],
      [3000, 3000]
    ])
    for (const s of connections) {
      expect(s.parentSpanId).toBe(make.spanId)
      expect(s.attributes["24h.proxy"]).toBe("db")
      expect(Number(s.attributes["24h.proxy.duration_ms"])).toBeGreaterThan(0)
    }
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    const value = (name: string, attrs: Record<string, string>) =>
      points
        .filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v))
        .reduce((n, p) => n + p.value, 0)
    expect(value("24h.proxy.connections", { "24h.proxy": "db" })).toBe(2)
    expect(value("24h.proxy.bytes", { direction: "upstream" })).toBe(stats.upstream.received)
    expect(value("24h.proxy.bytes", { direction: "downstream" })).toBe(stats.downstream.received)
    expect(value("24h.proxy.toxics_applied", { "24h.toxic.type": "latency", "24h.toxic.stream": "downstream" })).toBe(1)
  })

  it("without the layer the proxy has no telemetry and works as before", async () => {
    const stats = await Effect.runPromise(program)
    expect(stats).toMatchObject({ connectionsTotal: 2, upstream: { received: 4000, sent: 4000 } })
  })
})
