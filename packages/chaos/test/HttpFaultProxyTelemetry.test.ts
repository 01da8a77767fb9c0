import { mkdtempSync, rmSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Telemetry } from "@24h/core"
import { Effect } from "effect"
import { request } from "undici"
import { afterEach, describe, expect, it } from "vitest"
import * as HttpFaultProxy from "../src/HttpFaultProxy.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** An upstream answering 200 "ok", as a scoped resource on 127.0.0.1:0. */
const upstream = Effect.acquireRelease(
  Effect.callback<http.Server>((resume) => {
    const s = http.createServer((_req, res) => res.end("ok"))
    s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
  }),
  (s) =>
    Effect.callback<void>((resume) => {
      s.close(() => resume(Effect.void))
      s.closeAllConnections()
    })
)

const get = (url: string) => Effect.promise(() => request(url).then((r) => r.body.dump().then(() => r.statusCode)))

describe("HttpFaultProxy telemetry", () => {
  it("counts requests by method and status class, and the faults it injected by rule and action", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-http-proxy-telemetry-"))
    dirs.push(dir)
    const journal = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const up = yield* upstream
          const proxy = yield* HttpFaultProxy.make({
            name: "orders",
            upstream: `http://127.0.0.1:${(up.address() as AddressInfo).port}`,
            seed: 1,
            rules: [{ id: "checkout-503", match: { path: "/checkout" }, action: { type: "status", status: 503 } }]
          })
          for (const path of ["/orders", "/orders", "/checkout"]) yield* get(`${proxy.url}${path}`)
          return yield* proxy.journal
        })
      ).pipe(Effect.provide(Telemetry.layer({ dir, endpoint: null })))
    )
    expect(journal.map((e) => e.status)).toEqual([200, 200, 503])
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    const of = (name: string) =>
      points
        .filter((p) => p.name === name && p.value > 0)
        .map((p) => ({ ...p.attributes, value: p.value }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
    expect(of("24h.http_proxy.requests")).toEqual([
      { "24h.proxy": "orders", "http.request.method": "GET", "http.response.status_class": "2xx", value: 2 },
      { "24h.proxy": "orders", "http.request.method": "GET", "http.response.status_class": "5xx", value: 1 }
    ])
    expect(of("24h.http_proxy.faults_injected")).toEqual([
      { "24h.proxy": "orders", "24h.fault.rule": "checkout-503", "24h.fault.action": "status", value: 1 }
    ])
  })
})
