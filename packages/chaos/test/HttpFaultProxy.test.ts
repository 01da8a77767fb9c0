import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Readable } from "node:stream"
import { Effect, Result } from "effect"
import { Agent, request } from "undici"
import { afterEach, describe, expect, it } from "vitest"
import * as HttpFaultProxy from "../src/HttpFaultProxy.ts"
import { acquire } from "./helpers.ts"

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Upstream {
  readonly url: string
  readonly seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>
  connections: number
}

/** A real node:http upstream: JSON on /json, SSE on /sse, a big body on /big?n=, echo on POST /echo. */
const upstream = async (): Promise<Upstream> => {
  const seen: Upstream["seen"] = []
  const sockets = new Set<Socket>()
  const up: { connections: number } = { connections: 0 }
  const srv = http.createServer((req, res) => {
    if (req.url === "/count") {
      let n = 0
      req.on("data", (c: Buffer) => {
        n += c.length
      })
      req.on("end", () => res.end(String(n)))
      return
    }
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8")
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body })
      const url = new URL(req.url ?? "/", "http://x")
      if (url.pathname === "/json") {
        const json = JSON.stringify({ userId: 7, name: "Ana", items: [{ sku: "a-1", unitPrice: 12 }], paid: true })
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(json),
          "x-up": "1"
        })
        res.end(json)
      } else if (url.pathname === "/sse") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
        for (let i = 0; i < 10; i++) res.write(`id: ${i}\ndata: {"n":${i},"text":"token ${i}"}\n\n`)
        res.end()
      } else if (url.pathname === "/big") {
        const total = Number(url.searchParams.get("n") ?? "1048576")
        const chunk = Buffer.alloc(64 * 1024, 97)
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": total })
        let sent = 0
        const pump = () => {
          while (sent < total) {
            const piece = total - sent >= chunk.length ? chunk : chunk.subarray(0, total - sent)
            sent += piece.length
            if (!res.write(piece)) {
              res.once("drain", pump)
              return
            }
          }
          res.end()
        }
        pump()
      } else if (url.pathname === "/echo") {
        res.writeHead(200, { "content-type": "text/plain" })
        res.end(body)
      } else {
        res.writeHead(200, { "content-type": "text/plain", "content-length": 2 })
        res.end("ok")
      }
    })
  })
  srv.on("connection", (s: Socket) => {
    up.connections++
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        srv.close(() => resolve())
      })
  )
  const result = { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen, connections: 0 }
  Object.defineProperty(result, "connections", { get: () => up.connections })
  return result
}

const proxyTo = async (up: Upstream, options: Partial<HttpFaultProxy.Options> = {}) => {
  const { value, close } = await acquire(HttpFaultProxy.make({ upstream: up.url, seed: 42, ...options }))
  cleanups.push(close)
  return value
}

const agent = () => {
  const a = new Agent({ connections: 1 })
  cleanups.push(() => a.close())
  return a
}

const get = async (url: string, init: { headers?: Record<string, string>; method?: string; body?: string } = {}) => {
  const res = await request(url, { dispatcher: agent(), ...init } as Parameters<typeof request>[1])
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text }
}

const run = <A, E>(eff: Effect.Effect<A, E>) => Effect.runPromise(eff)

describe("HttpFaultProxy: passthrough", () => {
  it("streams bodies both ways, passes a correlation id upstream, generating one when absent", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up)
    const echoed = await get(`${proxy.url}/echo?x=1`, {
      method: "POST",
      body: "hello body",
      headers: { "x-correlation-id": "cid-1" }
    })
    expect(echoed).toMatchObject({ status: 200, text: "hello body" })
    await get(`${proxy.url}/json`)
    expect(up.seen[0]).toMatchObject({ method: "POST", url: "/echo?x=1", body: "hello body" })
    expect(up.seen[0]!.headers["x-correlation-id"]).toBe("cid-1")
    const generated = up.seen[1]!.headers["x-correlation-id"]
    expect(generated).toMatch(/^24h-[0-9a-z]+-[0-9a-f]{8}$/)
    const journal = await run(proxy.journal)
    expect(journal.map((e) => [e.method, e.path, e.status, e.correlationId, e.fault])).toEqual([
      ["POST", "/echo?x=1", 200, "cid-1", null],
      ["GET", "/json", 200, generated, null]
    ])
  })

  it("streams a 256 MiB request body upstream without holding it", { timeout: 120_000 }, async () => {
    const up = await upstream()
    const proxy = await proxyTo(up)
    const total = 256 * 1024 * 1024
    const chunk = Buffer.alloc(64 * 1024, 98)
    async function* body() {
      for (let sent = 0; sent < total; sent += chunk.length) yield chunk
    }
    const before = process.memoryUsage().rss
    const res = await request(`${proxy.url}/count`, {
      dispatcher: agent(),
      method: "POST",
      body: Readable.from(body())
    })
    expect(await res.body.text()).toBe(String(total))
    expect(process.memoryUsage().rss - before).toBeLessThan(192 * 1024 * 1024)
  })

  it("reuses keep-alive connections on both sides", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up)
    const a = agent()
    for (let i = 0; i < 20; i++) {
      const res = await request(`${proxy.url}/ok`, { dispatcher: a })
      expect(await res.body.text()).toBe("ok")
    }
    const stats = await run(proxy.stats)
    expect(stats.requests).toBe(20)
    expect(stats.connectionsTotal).toBe(1)
    expect(up.connections).toBe(1)
  })

  it("answers 502 naming the upstream when it is unreachable", async () => {
    const { value: proxy, close } = await acquire(HttpFaultProxy.make({ upstream: "http://127.0.0.1:9", seed: 1 }))
    cleanups.push(close)
    const res = await get(`${proxy.url}/x`)
    expect(res.status).toBe(502)
    expect(res.text).toContain("upstream http://127.0.0.1:9")
    expect((await run(proxy.journal))[0]).toMatchObject({ outcome: "upstream_error", status: 502 })
  })

  it("streams a 1 GiB response with flat memory", { timeout: 180_000 }, async () => {
    const up = await upstream()
    const proxy = await proxyTo(up)
    const total = 1024 * 1024 * 1024
    globalThis.gc?.()
    const before = process.memoryUsage()
    let peakRss = before.rss
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 50)
    try {
      const res = await request(`${proxy.url}/big?n=${total}`, { dispatcher: agent() })
      let received = 0
      for await (const chunk of res.body) received += (chunk as Buffer).length
      expect(received).toBe(total)
    } finally {
      clearInterval(sampler)
    }
    // Buffering the body would take ≥ 1 GiB; streaming stays within socket buffers. Generous bound for a noisy box.
    expect(peakRss - before.rss).toBeLessThan(256 * 1024 * 1024)
    expect((await run(proxy.journal))[0]).toMatchObject({ status: 200, bytes: total, outcome: "completed" })
  })
})

describe("HttpFaultProxy: actions (one each, against a real node:http upstream)", () => {
  it("status: answers with the status and Retry-After; the upstream never sees the request", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [
        { id: "s", match: { method: "GET", path: "/json" }, action: { type: "status", status: 503, retryAfter: 2 } }
      ]
    })
    const res = await get(`${proxy.url}/json`)
    expect(res.status).toBe(503)
    expect(res.headers["retry-after"]).toBe("2")
    expect(JSON.parse(res.text)).toEqual({ error: "fault injected by 24h (rule s)", status: 503 })
    expect(up.seen).toHaveLength(0)
    expect((await get(`${proxy.url}/ok`)).status).toBe(200)
    const j = await run(proxy.journal)
    expect(j.map((e) => [e.path, e.status, e.fault?.rule ?? null])).toEqual([
      ["/json", 503, "s"],
      ["/ok", 200, null]
    ])
  })

  it("delay before headers holds the response for the delay", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, { rules: [{ id: "d", action: { type: "delay", ms: 300 } }] })
    const t0 = performance.now()
    const res = await get(`${proxy.url}/ok`)
    expect(res.text).toBe("ok")
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290)
    expect((await run(proxy.journal))[0]!.fault).toEqual({ rule: "d", action: "delay", details: { ms: 300 } })
  })

  it("delay between chunks paces every body chunk", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [{ id: "dc", match: { path: "/sse" }, action: { type: "delay", ms: 20, phase: "chunks" } }]
    })
    const t0 = performance.now()
    const res = await get(`${proxy.url}/sse`)
    expect(res.text.split("\n\n").filter((e) => e !== "")).toHaveLength(10)
    const entry = (await run(proxy.journal))[0]!
    const chunks = (entry.fault!.details as { chunks: number }).chunks
    expect(chunks).toBeGreaterThanOrEqual(1)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(chunks * 20 - 5)
  })

  it("reset: the client sees a connection reset", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, { rules: [{ id: "r", action: { type: "reset" } }] })
    await expect(get(`${proxy.url}/ok`)).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/)
    })
    expect(up.seen).toHaveLength(0)
    await expect.poll(async () => (await run(proxy.journal))[0]?.outcome).toBe("reset")
  })

  it("hang: no response until the client gives up", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, { rules: [{ id: "h", action: { type: "hang" } }] })
    await expect(request(`${proxy.url}/ok`, { dispatcher: agent(), headersTimeout: 300 })).rejects.toMatchObject({
      code: "UND_ERR_HEADERS_TIMEOUT"
    })
    await expect.poll(async () => (await run(proxy.journal))[0]?.outcome).toBe("hang")
    expect((await run(proxy.journal))[0]!.status).toBeNull()
  })

  it("truncate at N bytes and at a fraction: the body is cut and the connection closed", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [
        { id: "n", match: { path: "/big", headers: { "x-cut": "bytes" } }, action: { type: "truncate", bytes: 1000 } },
        { id: "f", match: { path: "/big" }, action: { type: "truncate", fraction: 0.25 } }
      ]
    })
    for (const [header, expected] of [
      ["bytes", 1000],
      ["fraction", 25_000]
    ] as const) {
      const res = await request(`${proxy.url}/big?n=100000`, { dispatcher: agent(), headers: { "x-cut": header } })
      expect(res.headers["content-length"]).toBe("100000")
      let got = 0
      await expect(
        (async () => {
          for await (const c of res.body) got += (c as Buffer).length
        })()
      ).rejects.toThrow()
      expect(got).toBe(expected)
    }
    await expect
      .poll(async () => (await run(proxy.journal)).map((e) => [e.fault?.rule, e.outcome, e.bytes]))
      .toEqual([
        ["n", "truncated", 1000],
        ["f", "truncated", 25_000]
      ])
  })

  it("malformed_json: the upstream's body no longer parses", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [{ id: "m", match: { path: "/json" }, action: { type: "malformed_json" } }]
    })
    const res = await get(`${proxy.url}/json`)
    expect(res.status).toBe(200)
    expect(() => JSON.parse(res.text)).toThrow()
    expect(res.text).toContain("<!-- malformed by 24h -->")
    expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.text))
  })

  it("drift: the upstream's real JSON body drifts, the changes are journaled", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [{ id: "dr", match: { path: "/json" }, action: { type: "drift", operations: ["rename"], fieldRate: 1 } }]
    })
    const res = await get(`${proxy.url}/json`)
    const body = JSON.parse(res.text)
    expect(body).toEqual({ user_id: 7, nameV2: "Ana", itemsV2: [{ skuV2: "a-1", unit_price: 12 }], paidV2: true })
    const details = (await run(proxy.journal))[0]!.fault!.details as { changes: Array<{ path: string }> }
    expect(details.changes.map((c) => c.path)).toContain("userId")
  })

  it("headers: add, remove and rewrite response headers", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [
        {
          id: "hd",
          action: {
            type: "headers",
            add: { "x-added": "yes" },
            remove: ["x-up"],
            rewrite: { "content-type": "text/html", "x-absent": "no" }
          }
        }
      ]
    })
    const res = await get(`${proxy.url}/json`)
    expect(res.headers["x-added"]).toBe("yes")
    expect(res.headers["x-up"]).toBeUndefined()
    expect(res.headers["content-type"]).toBe("text/html")
    expect(res.headers["x-absent"]).toBeUndefined()
    expect(JSON.parse(res.text).userId).toBe(7)
  })

  it("sse: drops, duplicates and corrupts events, and cuts the stream after N events", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      rules: [
        { id: "cut", match: { path: "/sse", headers: { "x-mode": "cut" } }, action: { type: "sse", cutAfter: 3 } },
        { id: "mix", match: { path: "/sse" }, action: { type: "sse", drop: 0.3, duplicate: 0.3, corrupt: 0.3 } }
      ]
    })
    const mixed = await get(`${proxy.url}/sse`)
    const events = mixed.text.split("\n\n").filter((e) => e !== "")
    const stats = (await run(proxy.journal))[0]!.fault!.details as Record<string, number>
    expect(stats.events).toBe(10)
    expect(events).toHaveLength(10 - stats.dropped! + stats.duplicated!)
    expect(stats.dropped! + stats.duplicated! + stats.corrupted!).toBeGreaterThan(0)
    const broken = events.filter((e) => {
      try {
        JSON.parse(
          e
            .split("\n")
            .find((l) => l.startsWith("data: "))!
            .slice(6)
        )
        return false
      } catch {
        return true
      }
    })
    expect(broken.length).toBeGreaterThanOrEqual(stats.corrupted!)

    const res = await request(`${proxy.url}/sse`, { dispatcher: agent(), headers: { "x-mode": "cut" } })
    let text = ""
    await expect(
      (async () => {
        for await (const c of res.body) text += (c as Buffer).toString()
      })()
    ).rejects.toThrow()
    expect(text.split("\n\n").filter((e) => e !== "")).toHaveLength(3)
  })
})

describe("HttpFaultProxy: decisions, Envoy-style controls, admin API", () => {
  it("the same seed gives the same decisions", async () => {
    const decisions = async (seed: number) => {
      const up = await upstream()
      const proxy = await proxyTo(up, {
        seed,
        rules: [
          { id: "flaky", probability: 0.5, action: { type: "status", status: 500 } },
          { id: "drift", match: { path: "/json" }, action: { type: "drift" } }
        ]
      })
      const out: Array<string> = []
      for (let i = 0; i < 30; i++)
        out.push(`${(await get(`${proxy.url}/json`)).status}:${(await get(`${proxy.url}/json`)).text}`)
      return out
    }
    const a = await decisions(7)
    expect(await decisions(7)).toEqual(a)
    expect(a.filter((x) => x.startsWith("500")).length).toBeGreaterThan(10)
    expect(a.filter((x) => x.startsWith("500")).length).toBeLessThan(50)
    expect(await decisions(8)).not.toEqual(a)
  })

  it("header-controlled faults (Envoy's x-envoy-fault-*), off unless enabled", async () => {
    const up = await upstream()
    const off = await proxyTo(up)
    expect((await get(`${off.url}/ok`, { headers: { "x-24h-fault-abort": "503" } })).status).toBe(200)
    const on = await proxyTo(up, { headerControl: true })
    expect((await get(`${on.url}/ok`, { headers: { "x-24h-fault-abort": "429" } })).status).toBe(429)
    const t0 = performance.now()
    expect((await get(`${on.url}/ok`, { headers: { "x-24h-fault-delay": "150" } })).text).toBe("ok")
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140)
    const last = up.seen.at(-1)!
    expect(last.headers["x-24h-fault-delay"]).toBeUndefined()
  })

  it("max_active_faults: matches beyond the limit pass through, with a note", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up, {
      maxActiveFaults: 1,
      rules: [{ id: "h", match: { path: "/hang" }, action: { type: "hang" } }]
    })
    const hung = request(`${proxy.url}/hang`, { dispatcher: agent(), headersTimeout: 2000 }).catch((e: Error) => e)
    await expect.poll(async () => (await run(proxy.stats)).activeFaults).toBe(1)
    const second = await get(`${proxy.url}/hang`)
    expect(second).toMatchObject({ status: 200, text: "ok" })
    const entry = (await run(proxy.journal)).find((e) => e.fault === null)!
    expect(entry.note).toContain("max_active_faults (1)")
    expect(await hung).toBeInstanceOf(Error)
  })

  it("admin API: validated rules (400 naming field and value), journal, delete", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up)
    const admin = `${proxy.url}/__admin`
    const bad = await get(`${admin}/rules`, {
      method: "POST",
      body: JSON.stringify({ id: "x", probability: 2, action: { type: "status", status: 503 } }),
      headers: { "content-type": "application/json" }
    })
    expect(bad.status).toBe(400)
    const err = JSON.parse(bad.text).error
    expect(err).toMatchObject({ reason: "InvalidRule", field: "rule.probability", value: 2 })
    expect(err.message).toContain("rule.probability")
    expect(err.message).toContain("(got 2)")
    const badType = await get(`${admin}/rules`, {
      method: "POST",
      body: JSON.stringify([{ id: "y", action: { type: "explode" } }])
    })
    expect(badType.status).toBe(400)
    expect(JSON.parse(badType.text).error.message).toContain("rules[0].action.type")
    const notJson = await get(`${admin}/rules`, { method: "POST", body: "{nope" })
    expect(notJson.status).toBe(400)

    const ok = await get(`${admin}/rules`, {
      method: "POST",
      body: JSON.stringify({ id: "teapot", match: { path: "/ok" }, action: { type: "status", status: 418 } })
    })
    expect(ok.status).toBe(201)
    expect(
      (
        await get(`${admin}/rules`, {
          method: "POST",
          body: JSON.stringify({ id: "teapot", action: { type: "reset" } })
        })
      ).status
    ).toBe(409)
    expect((await get(`${proxy.url}/ok`)).status).toBe(418)
    expect(JSON.parse((await get(`${admin}/rules`)).text).rules.map((r: { id: string }) => r.id)).toEqual(["teapot"])
    const journal = JSON.parse((await get(`${admin}/journal`)).text)
    expect(journal.entries).toHaveLength(1)
    expect(journal.entries[0]).toMatchObject({ status: 418, fault: { rule: "teapot", action: "status" } })
    expect((await get(`${admin}/rules/teapot`, { method: "DELETE" })).status).toBe(200)
    expect((await get(`${admin}/rules/teapot`, { method: "DELETE" })).status).toBe(404)
    expect((await get(`${proxy.url}/ok`)).status).toBe(200)
  })

  it("each rule is a core Fault: apply installs it, revert removes it", async () => {
    const up = await upstream()
    const proxy = await proxyTo(up)
    const f = HttpFaultProxy.fault(proxy, { id: "down", action: { type: "status", status: 503 } })
    if (Result.isFailure(f)) throw f.failure
    expect(f.success).toMatchObject({ _tag: "Fault", target: "http/http", name: "http status down" })
    await run(f.success.apply)
    expect((await get(`${proxy.url}/ok`)).status).toBe(503)
    await run(f.success.revert)
    await run(f.success.revert)
    expect((await get(`${proxy.url}/ok`)).status).toBe(200)
    const bad = HttpFaultProxy.fault(proxy, { id: "", action: { type: "reset" } })
    expect(Result.isFailure(bad) && bad.failure.reason).toBe("InvalidRule")
  })

  it("rejects bad options naming the field and the value", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(HttpFaultProxy.make({ upstream: "ftp://x", seed: 1 })))
    expect(JSON.stringify(exit)).toContain('HttpFaultProxy: upstream: must be an http:// URL (got \\"ftp://x\\")')
    const r = HttpFaultProxy.parseRule({ id: "t", action: { type: "truncate" } })
    expect(Result.isFailure(r) && r.failure.message).toContain("truncate needs exactly one of bytes or fraction")
  })
})
