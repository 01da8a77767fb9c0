import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { Load, Pipeline } from "@24h/core"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { HttpLoad } from "../src/index.ts"
import { run, withMock } from "./helpers.ts"

const routes = [{ id: "u", method: "GET", path: "/u", respond: { json: { ok: true } } }]

describe("HttpLoad", () => {
  it("sends exactly maxIterations with N virtual users and counts statuses", async () => {
    await withMock({ routes, seed: 1, switches: [{ kind: "error", rate: 0.25, status: 503 }] }, async (mock) => {
      const r = await run(
        HttpLoad.run({ url: `${mock.url}/u`, model: Load.closed({ vus: 8, duration: "60s", maxIterations: 400 }) })
      )
      expect(r.completed).toBe(400)
      expect((r.statuses["200"] ?? 0) + (r.statuses["503"] ?? 0)).toBe(400)
      expect(r.statuses["503"]).toBeGreaterThan(50)
      expect(r.errors).toBe(r.statuses["503"]) // a 5xx is not ok
      expect((await run(mock.journal)).requests).toHaveLength(400)
    })
  })

  it("stops at the duration bound, and counts transport failures as errors", async () => {
    await withMock({ routes, switches: [{ kind: "latency", mode: "fixed", ms: 20 }] }, async (mock) => {
      const r = await run(HttpLoad.run({ url: `${mock.url}/u`, model: Load.closed({ vus: 2, duration: 300 }) }))
      expect(r.completed).toBeGreaterThan(0)
      expect(r.durationMs).toBeLessThan(30_000)
      await run(mock.setSwitches([{ kind: "reset" }]))
      const broken = await run(
        HttpLoad.run({ url: `${mock.url}/u`, model: Load.closed({ vus: 2, duration: "10s", maxIterations: 10 }) })
      )
      expect(broken).toMatchObject({ completed: 10, errors: 10, ok: 0 })
    })
  })

  it("sends the iteration's correlation id as x-correlation-id, and records into the running pipeline", async () => {
    const seen: Array<string> = []
    const server = createServer((req: IncomingMessage, res) => {
      seen.push(String(req.headers["x-correlation-id"]))
      res.end("ok")
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const result = await run(
        Effect.scoped(
          Effect.gen(function* () {
            const get = yield* HttpLoad.iteration({ url })
            return yield* Pipeline.baseline({
              name: "ids",
              load: { model: Load.iterations(5, 1), iteration: get },
              thresholds: ["requests == 5", "errorRate == 0"]
            })
          })
        )
      )
      expect(seen).toEqual(["ids-000001", "ids-000002", "ids-000003", "ids-000004", "ids-000005"])
      expect(result.verdict).toBe("pass")
      expect(result.requests).toBe(5)
    } finally {
      await new Promise((r) => server.close(r))
    }
  })

  it("the keep-alive client frames every kind of answer: chunked, HEAD, Connection: close, bodies sent, timeouts", async () => {
    const bodies: Array<string> = []
    const sockets = new Set<unknown>()
    const server = createServer((req, res) => {
      sockets.add(req.socket)
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        if (req.url === "/chunked") {
          res.write("a".repeat(10_000))
          res.end("b")
        } else if (req.url === "/close") res.writeHead(200, { connection: "close" }).end("bye")
        else if (req.url === "/slow") setTimeout(() => res.end("late"), 2_000)
        else {
          bodies.push(body)
          res
            .writeHead(req.method === "HEAD" ? 204 : 201, { "content-length": "5" })
            .end(req.method === "HEAD" ? undefined : "hello")
        }
      })
    })
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const sum = (model: Load.Model, options: HttpLoad.Options) => run(HttpLoad.run({ ...options, model }))
      const chunked = await sum(Load.iterations(20, 2), { url: `${base}/chunked`, connections: 2 })
      expect(chunked).toMatchObject({ completed: 20, ok: 20 })
      expect(sockets.size).toBe(2) // keep-alive: two connections for twenty requests
      const head = await sum(Load.iterations(5, 1), { url: `${base}/h`, method: "HEAD", connections: 1 })
      expect(head).toMatchObject({ completed: 5, ok: 5, statuses: { "204": 5 } })
      const closing = await sum(Load.iterations(6, 2), { url: `${base}/close`, connections: 2 })
      expect(closing).toMatchObject({ completed: 6, ok: 6 })
      const posted = await sum(Load.iterations(3, 1), { url: `${base}/p`, method: "POST", body: '{"a":"é"}' })
      expect(posted.ok).toBe(3)
      expect(bodies.slice(-3)).toEqual(['{"a":"é"}', '{"a":"é"}', '{"a":"é"}'])
      const slow = await sum(Load.iterations(2, 2), { url: `${base}/slow`, timeoutMs: 100 })
      expect(slow).toMatchObject({ completed: 2, errors: 2 })
      expect(slow.errorSamples[0]).toContain("no complete answer within 100 ms")
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  })

  it("rejects bad options and non-loopback hosts without connecting", async () => {
    const https = await Effect.runPromiseExit(Effect.scoped(HttpLoad.iteration({ url: "https://127.0.0.1:1/" })))
    expect(String(Exit.isFailure(https) && https.cause)).toContain('only http: targets are supported (got "https:")')
    const bad = await Effect.runPromiseExit(
      Effect.scoped(HttpLoad.iteration({ url: "http://127.0.0.1:1/", connections: 0 }))
    )
    expect(String(Exit.isFailure(bad) && bad.cause)).toContain("HttpLoad.iteration.connections: Too small")
    const remote = await Effect.runPromiseExit(Effect.scoped(HttpLoad.iteration({ url: "http://192.0.2.1/" })))
    expect(String(Exit.isFailure(remote) && remote.cause)).toContain(
      'loopback only unless allowRemote is set (got host "192.0.2.1")'
    )
  })
})
