import { performance } from "node:perf_hooks"
import fc from "fast-check"
import { Toxiproxy } from "toxiproxy-node-client"
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest"
import * as ToxiproxyApi from "../src/ToxiproxyApi.ts"
import { acquire, connect, echoServer, readExactly, refused, server, type TestServer } from "./helpers.ts"

let api: ToxiproxyApi.ToxiproxyApi
let closeApi: () => Promise<void>
let echo: TestServer

beforeAll(async () => {
  const a = await acquire(ToxiproxyApi.make({ port: 0, seed: 42 }))
  api = a.value
  closeApi = a.close
  echo = await echoServer()
})
afterAll(async () => {
  await closeApi()
  await echo.close()
})

interface Res {
  readonly status: number
  readonly text: string
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON, asserted field by field
  readonly json: any
  readonly headers: Headers
}
const call = async (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<Res> => {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, text, json, headers: res.headers }
}
const cleanup = async () => {
  const all = await call("GET", "/proxies")
  for (const name of Object.keys(all.json)) await call("DELETE", `/proxies/${name}`)
}

describe("ToxiproxyApi: proxies", () => {
  it("lists {} when empty; /version is a semver >= 2.6 in Toxiproxy's exact format", async () => {
    await cleanup()
    expect((await call("GET", "/proxies")).text).toBe("{}")
    const v = await call("GET", "/version")
    expect(v.status).toBe(200)
    expect(v.text).toBe(`{"version": "${ToxiproxyApi.TOXIPROXY_VERSION}"}\n`)
    expect(v.headers.get("content-type")).toBe("application/json;charset=utf-8")
  })

  it("creates (201), reads back the resolved listen, lists; creating disabled keeps the listen and does not listen", async () => {
    const created = await call("POST", "/proxies", { name: "p1", listen: "localhost:0", upstream: echo.address })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: "p1", upstream: echo.address, enabled: true, toxics: [] })
    expect(created.json.listen).toMatch(/^127\.0\.0\.1:\d+$/)
    expect((await call("GET", "/proxies/p1")).json).toEqual(created.json)
    expect(Object.keys((await call("GET", "/proxies")).json)).toEqual(["p1"])
    const port = Number(created.json.listen.split(":")[1])
    expect(await refused(port)).toBe(false)

    const off = await call("POST", "/proxies", {
      name: "p2",
      listen: "localhost:0",
      upstream: echo.address,
      enabled: false
    })
    expect(off.status).toBe(201)
    expect(off.json.listen).toBe("localhost:0")
    expect(off.json.enabled).toBe(false)

    const toggled = await call("PATCH", "/proxies/p1", { enabled: false })
    expect(toggled.json.enabled).toBe(false)
    expect(await refused(port)).toBe(true)
    const back = await call("POST", "/proxies/p1", { enabled: true })
    expect(back.json.enabled).toBe(true)
    expect(back.json.listen).toBe(created.json.listen)
    expect(await refused(port)).toBe(false)
    await cleanup()
  })

  it("400 on a missing name or upstream, 409 on a duplicate, 500 on a port in use; the port is reusable after delete", async () => {
    const missingName = await call("POST", "/proxies", { name: "", upstream: "x" })
    expect(missingName.status).toBe(400)
    expect(missingName.json).toEqual({ error: "missing required field: name", status: 400 })
    expect((await call("POST", "/proxies", { name: "p2" })).json).toEqual({
      error: "missing required field: upstream",
      status: 400
    })
    const bad = await call("POST", "/proxies", '{"name":"p2",')
    expect(bad.status).toBe(400)
    expect(bad.json.error).toMatch(/^bad request body: /)

    const first = await call("POST", "/proxies", { name: "a", listen: "127.0.0.1:0", upstream: echo.address })
    expect((await call("POST", "/proxies", { name: "a", upstream: echo.address })).json).toEqual({
      error: "proxy already exists",
      status: 409
    })
    const clash = await call("POST", "/proxies", { name: "b", listen: first.json.listen, upstream: echo.address })
    expect(clash.status).toBe(500)
    expect(clash.json.error).toBe(`listen tcp ${first.json.listen}: bind: address already in use`)
    expect((await call("DELETE", "/proxies/a")).status).toBe(204)
    const reuse = await call("POST", "/proxies", { name: "b", listen: first.json.listen, upstream: echo.address })
    expect(reuse.status).toBe(201)
    await cleanup()
  })

  it("delete → 204 and the port closes; a second delete → 404", async () => {
    const p = await call("POST", "/proxies", { name: "d", listen: "127.0.0.1:0", upstream: echo.address })
    const port = Number(p.json.listen.split(":")[1])
    const del = await call("DELETE", "/proxies/d")
    expect(del.status).toBe(204)
    expect(del.text).toBe("")
    expect(await refused(port)).toBe(true)
    expect((await call("DELETE", "/proxies/d")).json).toEqual({ error: "proxy not found", status: 404 })
    expect((await call("GET", "/proxies/nope")).json).toEqual({ error: "proxy not found", status: 404 })
  })

  it("update: a new listen moves the port; the same listen as a hostname keeps live connections; bad address → 400", async () => {
    const p = await call("POST", "/proxies", { name: "u", listen: "127.0.0.1:0", upstream: echo.address })
    const port = Number(p.json.listen.split(":")[1])
    const c = await connect(port)
    c.write("a")
    await readExactly(c, 1)
    const same = await call("PATCH", "/proxies/u", { listen: `localhost:${port}` })
    expect(same.status).toBe(200)
    c.write("b")
    expect((await readExactly(c, 1)).toString()).toBe("b")
    const moved = await call("PATCH", "/proxies/u", { listen: "127.0.0.1:0", name: "ignored" })
    expect(moved.json.name).toBe("u")
    expect(moved.json.listen).not.toBe(p.json.listen)
    expect(await refused(port)).toBe(true)
    const bad = await call("PATCH", "/proxies/u", { listen: "bad::addr" })
    expect(bad.json).toEqual({ error: "address bad::addr: too many colons in address", status: 400 })
    expect((await call("PATCH", "/proxies/nope", { enabled: false })).status).toBe(404)
    c.destroy()
    await cleanup()
  })

  it("a failed start can be retried once the conflict clears", async () => {
    const holder = await server()
    const p = await call("POST", "/proxies", {
      name: "r",
      listen: holder.address,
      upstream: echo.address,
      enabled: false
    })
    expect(p.status).toBe(201)
    expect((await call("PATCH", "/proxies/r", { enabled: true })).status).toBe(500)
    await holder.close()
    const ok = await call("PATCH", "/proxies/r", { enabled: true })
    expect(ok.status).toBe(200)
    expect(ok.json.enabled).toBe(true)
    await cleanup()
  })
})

describe("ToxiproxyApi: toxics", () => {
  it("adds with defaults (200), zero-fills attributes, allows two of a type, 409 on a name in the other stream", async () => {
    await call("POST", "/proxies", { name: "t", listen: "127.0.0.1:0", upstream: echo.address })
    const t = await call("POST", "/proxies/t/toxics", { type: "latency" })
    expect(t.status).toBe(200)
    expect(t.text).toBe(
      '{"attributes":{"latency":0,"jitter":0},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}'
    )
    expect(
      (await call("POST", "/proxies/t/toxics", { type: "latency", name: "second", attributes: { latency: 5 } })).status
    ).toBe(200)
    const clash = await call("POST", "/proxies/t/toxics", {
      type: "latency",
      name: "latency_downstream",
      stream: "upstream"
    })
    expect(clash.json).toEqual({ error: "toxic already exists", status: 409 })
    expect((await call("POST", "/proxies/t/toxics", { type: "latency" })).status).toBe(409)
    const up = await call("POST", "/proxies/t/toxics", { type: "latency", stream: "upstream", toxicity: 0.2 })
    expect(up.json).toMatchObject({ name: "latency_upstream", stream: "upstream", toxicity: 0.2 })
    expect((await call("POST", "/proxies/t/toxics", { type: "noop", name: "np" })).json).toEqual({
      attributes: {},
      name: "np",
      type: "noop",
      stream: "downstream",
      toxicity: 1
    })
    const list = await call("GET", "/proxies/t/toxics")
    expect(list.json.map((x: { name: string }) => x.name)).toEqual([
      "latency_upstream",
      "latency_downstream",
      "second",
      "np"
    ])
    expect((await call("GET", "/proxies/t")).json.toxics).toEqual(list.json)
  })

  it("unknown keys are ignored, keys match case-insensitively, every toxic type is creatable", async () => {
    const bw = await call("POST", "/proxies/t/toxics", {
      Name: "bw",
      TYPE: "bandwidth",
      attributes: { Rate: 100, unknown: 1 }
    })
    expect(bw.text).toBe(
      '{"attributes":{"rate":100},"name":"bw","type":"bandwidth","stream":"downstream","toxicity":1}'
    )
    const bodies: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
      ["slow_close", { delay: 10 }, { delay: 10 }],
      ["timeout", { timeout: 0 }, { timeout: 0 }],
      ["reset_peer", {}, { timeout: 0 }],
      [
        "slicer",
        { average_size: 64, size_variation: 32, delay: 10 },
        { average_size: 64, size_variation: 32, delay: 10 }
      ],
      ["limit_data", { bytes: 10 }, { bytes: 10 }],
      ["slow_open", { delay: 5 }, { delay: 5 }],
      ["limit_time", { time: 1000 }, { time: 1000 }]
    ]
    for (const [type, attributes, expected] of bodies) {
      const r = await call("POST", "/proxies/t/toxics", { type, name: `x_${type}`, stream: "upstream", attributes })
      expect(r.status, type).toBe(200)
      expect(r.json.attributes).toEqual(expected)
    }
    const shared = await call("POST", "/proxies/t/toxics", {
      type: "bandwidth",
      name: "sh",
      attributes: { rate: 5, shared: true }
    })
    expect(shared.json.attributes).toEqual({ rate: 5, shared: true })
  })

  it("400 with a message naming the attribute where Toxiproxy hangs, crashes or accepts nonsense", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: "bogus", name: "x" }, "invalid toxic type"],
      [{ type: "latency", name: "y", stream: "sideways" }, "stream was invalid, can be either upstream or downstream"],
      [
        { type: "bandwidth", name: "b0", attributes: { rate: 0 } },
        "Toxic.bandwidth: rate must be an integer >= 1 KB/s (got 0)"
      ],
      [
        { type: "bandwidth", name: "b1", attributes: { rate: -1 } },
        "Toxic.bandwidth: rate must be an integer >= 1 KB/s (got -1)"
      ],
      [{ type: "bandwidth", name: "b2" }, "Toxic.bandwidth: rate must be an integer >= 1 KB/s (got 0)"],
      [
        { type: "slicer", name: "s0", attributes: { average_size: 0 } },
        "Toxic.slicer: average_size must be an integer number of bytes >= 1 (got 0)"
      ],
      [
        { type: "slicer", name: "s1", attributes: { average_size: 10, size_variation: 11 } },
        "Toxic.slicer: size_variation must be <= average_size (10) (got 11)"
      ],
      [
        { type: "latency", name: "l0", attributes: { latency: -5 } },
        "Toxic.latency: latency must be an integer number of ms in [0, 2147483647] (got -5)"
      ],
      [
        { type: "latency", name: "l1", attributes: { latency: 1.5 } },
        "Toxic.latency: latency must be an integer number of ms in [0, 2147483647] (got 1.5)"
      ],
      [
        { type: "latency", name: "l2", attributes: { latency: "100" } },
        'Toxic.latency: latency must be an integer number of ms in [0, 2147483647] (got "100")'
      ],
      [{ type: "latency", name: "l3", toxicity: -3 }, "Toxic.latency: toxicity must be a number in [0, 1] (got -3)"],
      [
        { type: "limit_data", name: "d0", attributes: { bytes: -1 } },
        "Toxic.limit_data: bytes must be an integer number of bytes >= 0 (got -1)"
      ],
      [{ type: "latency", name: "l4", toxicity: "1" }, "bad request body: toxicity must be a number"]
    ]
    for (const [body, error] of cases) {
      const r = await call("POST", "/proxies/t/toxics", body)
      expect(r.json, JSON.stringify(body)).toEqual({ error, status: 400 })
    }
  })

  it("updates merge attributes and keep toxicity (POST and PATCH); name/type/stream are ignored", async () => {
    await call("POST", "/proxies/t/toxics", { type: "latency", name: "m", attributes: { latency: 100, jitter: 10 } })
    const a = await call("PATCH", "/proxies/t/toxics/m", { attributes: { latency: 1000 } })
    expect(a.json).toEqual({
      attributes: { latency: 1000, jitter: 10 },
      name: "m",
      type: "latency",
      stream: "downstream",
      toxicity: 1
    })
    const b = await call("POST", "/proxies/t/toxics/m", { toxicity: 0.25 })
    expect(b.json.toxicity).toBe(0.25)
    expect(b.json.attributes).toEqual({ latency: 1000, jitter: 10 })
    const c = await call("PATCH", "/proxies/t/toxics/m", {
      name: "renamed",
      type: "timeout",
      stream: "upstream",
      attributes: { jitter: 1 }
    })
    expect(c.json).toEqual({
      attributes: { latency: 1000, jitter: 1 },
      name: "m",
      type: "latency",
      stream: "downstream",
      toxicity: 0.25
    })
    expect((await call("PATCH", "/proxies/t/toxics/m", { attributes: { jitter: -1 } })).status).toBe(400)
    expect((await call("PATCH", "/proxies/t/toxics/nope", { toxicity: 0.25 })).json).toEqual({
      error: "toxic not found",
      status: 404
    })
    expect((await call("PATCH", "/proxies/t/toxics/m", "{bad")).status).toBe(400)
    expect((await call("GET", "/proxies/t/toxics/m")).json.attributes).toEqual({ latency: 1000, jitter: 1 })
  })

  it("remove → 204 and absent; a second remove → 404", async () => {
    expect((await call("DELETE", "/proxies/t/toxics/m")).status).toBe(204)
    expect((await call("GET", "/proxies/t/toxics/m")).json).toEqual({ error: "toxic not found", status: 404 })
    expect((await call("DELETE", "/proxies/t/toxics/m")).status).toBe(404)
  })

  it("/reset keeps proxies, enables them and removes every toxic", async () => {
    await call("PATCH", "/proxies/t", { enabled: false })
    const r = await call("POST", "/reset")
    expect(r.status).toBe(204)
    const t = await call("GET", "/proxies/t")
    expect(t.json.enabled).toBe(true)
    expect(t.json.toxics).toEqual([])
    expect((await call("GET", "/reset")).status).toBe(405)
    await cleanup()
  })
})

describe("ToxiproxyApi: routing, middleware, metrics", () => {
  it("404 text on unknown routes, 405 on a wrong method, 403 for browsers, a request id on matched routes", async () => {
    const nope = await call("GET", "/nope")
    expect([nope.status, nope.text]).toEqual([404, "404 page not found\n"])
    expect((await call("GET", "/proxies/")).status).toBe(404)
    const put = await call("PUT", "/proxies")
    expect([put.status, put.text]).toEqual([405, ""])
    const browser = await call("GET", "/proxies", undefined, { "User-Agent": "Mozilla/5.0" })
    expect([browser.status, browser.text]).toEqual([403, "User agent not allowed\n"])
    const cli = await call("GET", "/proxies", undefined, { "User-Agent": "toxiproxy-cli" })
    expect(cli.status).toBe(200)
    expect(cli.headers.get("x-toxiproxy-request-id")).toMatch(/^[0-9a-v]{20}$/)
  })

  it("/metrics: 5 bytes upstream increment received and sent by 5, with Toxiproxy's labels", async () => {
    const p = await call("POST", "/proxies", { name: "m1", listen: "127.0.0.1:0", upstream: echo.address })
    const c = await connect(Number(p.json.listen.split(":")[1]))
    c.write("hello")
    await readExactly(c, 5)
    c.destroy()
    const m = await call("GET", "/metrics")
    expect(m.status).toBe(200)
    expect(m.headers.get("content-type")).toContain("text/plain; version=0.0.4")
    const labels = `listener="${p.json.listen}",proxy="m1",upstream="${echo.address}"`
    expect(m.text).toContain(`toxiproxy_proxy_received_bytes_total{direction="upstream",${labels}} 5`)
    expect(m.text).toContain(`toxiproxy_proxy_sent_bytes_total{direction="upstream",${labels}} 5`)
    expect(m.text).toContain("# TYPE toxiproxy_proxy_sent_bytes_total counter")
    await cleanup()
  })
})

describe("ToxiproxyApi: /populate", () => {
  it("creates proxies (201), enabled by default, disabled ones not listening; [] → proxies null", async () => {
    const r = await call("POST", "/populate", [
      { name: "one", listen: "127.0.0.1:0", upstream: echo.address },
      { name: "two", listen: "127.0.0.1:0", upstream: echo.address, enabled: false }
    ])
    expect(r.status).toBe(201)
    expect(r.json.proxies.map((p: { name: string; enabled: boolean }) => [p.name, p.enabled])).toEqual([
      ["one", true],
      ["two", false]
    ])
    expect(r.json.proxies[1].listen).toBe("127.0.0.1:0")
    expect(await refused(Number(r.json.proxies[0].listen.split(":")[1]))).toBe(false)
    expect((await call("POST", "/populate", [])).json).toEqual({ proxies: null })
  })

  it("keeps an identical existing proxy with its toxics", async () => {
    const one = (await call("GET", "/proxies/one")).json
    await call("POST", "/proxies/one/toxics", { type: "latency" })
    const r = await call("POST", "/populate", [{ name: "one", listen: one.listen, upstream: echo.address }])
    expect(r.json.proxies[0].toxics).toHaveLength(1)
  })

  it("validates every entry first: a missing name in entry 2 creates nothing", async () => {
    const r = await call("POST", "/populate", [
      { name: "q3", listen: "127.0.0.1:0", upstream: "x" },
      { name: "", upstream: "y" }
    ])
    expect(r.status).toBe(400)
    expect(r.json).toEqual({ error: "missing required field: name at proxy 2", status: 400, proxies: null })
    expect((await call("GET", "/proxies/q3")).status).toBe(404)
    const notArray = await call("POST", "/populate", { proxies: [] })
    expect(notArray.status).toBe(400)
    expect(notArray.json.proxies).toBe(null)
  })

  it("a bad listen in entry 2 of 3: entry 1 stays, entries 2 and 3 are absent", async () => {
    const r = await call("POST", "/populate", [
      { name: "q4", listen: "127.0.0.1:0", upstream: echo.address },
      { name: "q5", listen: "bad::addr", upstream: echo.address },
      { name: "q6", upstream: echo.address }
    ])
    expect(r.status).toBe(400)
    expect(r.json.error).toBe("address bad::addr: too many colons in address")
    expect(r.json.proxies.map((p: { name: string }) => p.name)).toEqual(["q4"])
    expect((await call("GET", "/proxies/q4")).status).toBe(200)
    expect((await call("GET", "/proxies/q5")).status).toBe(404)
    expect((await call("GET", "/proxies/q6")).status).toBe(404)
    await cleanup()
  })
})

describe("ToxiproxyApi: the published toxiproxy-node-client drives it", () => {
  it("creates a proxy, adds a latency toxic, observes the delay on a real TCP echo, updates it, removes it", {
    retry: 2
  }, async () => {
    await cleanup() // a retried attempt starts from an empty server
    const client = new Toxiproxy(api.url)
    expect(await client.getVersion()).toContain(ToxiproxyApi.TOXIPROXY_VERSION)
    const proxy = await client.createProxy({ name: "node", listen: "127.0.0.1:0", upstream: echo.address })
    const port = Number(proxy.listen.split(":")[1])
    const c = await connect(port)
    onTestFinished(() => {
      c.destroy()
    })
    const rtt = async () => {
      const t0 = performance.now()
      c.write("ping")
      await readExactly(c, 4)
      return performance.now() - t0
    }
    // Lower bounds prove the toxic acts; upper bounds are sanity bounds for a loaded machine.
    expect(await rtt()).toBeLessThan(95)
    const toxic = await proxy.addToxic({
      type: "latency",
      name: "lat",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 100, jitter: 0 }
    } as never)
    expect(toxic.attributes).toEqual({ latency: 100, jitter: 0 })
    const slow = await rtt()
    expect(slow).toBeGreaterThanOrEqual(95)
    expect(slow).toBeLessThan(600)
    const updated = await toxic.update({ attributes: { latency: 200 } } as never)
    expect(updated.attributes).toEqual({ latency: 200, jitter: 0 })
    const slower = await rtt()
    expect(slower).toBeGreaterThanOrEqual(195)
    expect(slower).toBeLessThan(700)
    await updated.remove()
    expect(await rtt()).toBeLessThan(95)
    const fetched = await client.get("node")
    expect(fetched.listen).toBe(proxy.listen)
    const disabled = await fetched.update({
      enabled: false,
      listen: proxy.listen,
      upstream: echo.address,
      name: "node"
    } as never)
    expect(disabled.enabled).toBe(false)
    expect(Object.keys(await client.getAll())).toEqual(["node"])
    await client.reset()
    expect((await client.get("node")).enabled).toBe(true)
    const populated = await client.populate([{ name: "node2", listen: "127.0.0.1:0", upstream: echo.address }] as never)
    expect(Object.keys(populated)).toEqual(["node2"])
    await fetched.remove()
    c.destroy()
    await cleanup()
  })
})

describe("ToxiproxyApi: robustness", () => {
  it("10,000 random and malformed bodies: every answer is a well-formed 2xx/4xx and the server stays up", async () => {
    await call("POST", "/proxies", { name: "f0", listen: "127.0.0.1:0", upstream: echo.address })
    const name = fc.constantFrom("f0", "f1", "p", "", "%2F", "ü")
    const toxicName = fc.constantFrom("latency_downstream", "t1", "x", "bandwidth_upstream")
    const path = fc.oneof(
      fc.constant("/proxies"),
      name.map((n) => `/proxies/${n}`),
      name.map((n) => `/proxies/${n}/toxics`),
      fc.tuple(name, toxicName).map(([n, t]) => `/proxies/${n}/toxics/${t}`),
      fc.constantFrom("/populate", "/reset", "/version", "/metrics", "/nope", "/proxies/f0/toxics/a/b")
    )
    const value = fc.oneof(
      fc.integer({ min: -10, max: 10 }),
      fc.constantFrom(0, -1, 1.5, 1e308, -0, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER),
      fc.double({ noNaN: true }),
      fc.string({ maxLength: 8 }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 })
    )
    const attrKey = fc.constantFrom(
      "latency",
      "jitter",
      "rate",
      "shared",
      "delay",
      "timeout",
      "average_size",
      "size_variation",
      "bytes",
      "time",
      "LATENCY",
      "x"
    )
    const toxicBody = fc.record(
      {
        type: fc.oneof(
          fc.constantFrom(
            "latency",
            "bandwidth",
            "slow_close",
            "timeout",
            "reset_peer",
            "slicer",
            "limit_data",
            "noop",
            "slow_open",
            "limit_time",
            "bogus",
            ""
          ),
          value
        ),
        name: fc.oneof(toxicName, value),
        stream: fc.oneof(fc.constantFrom("upstream", "downstream", "UpStream", "sideways", ""), value),
        toxicity: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), value),
        attributes: fc.oneof(fc.dictionary(attrKey, value, { maxKeys: 4 }), value)
      },
      { requiredKeys: [] }
    )
    const proxyBody = fc.record(
      {
        name: fc.oneof(name, value),
        upstream: fc.oneof(fc.constant(echo.address), value),
        listen: fc.constantFrom("127.0.0.1:0", "bad::addr", "127.0.0.1:99999", "127.0.0.1", "[::1", 5),
        enabled: fc.oneof(fc.boolean(), value)
      },
      { requiredKeys: [] }
    )
    const body = fc.oneof(
      toxicBody.map((b) => JSON.stringify(b)),
      proxyBody.map((b) => JSON.stringify(b)),
      fc.array(proxyBody, { maxLength: 2 }).map((b) => JSON.stringify(b)),
      fc.json(),
      fc.string({ maxLength: 40 }),
      fc.constantFrom("", "{", "[", "null", '{"attributes":', "\u0000", '{"__proto__":{"x":1}}')
    )
    const method = fc.constantFrom("GET", "POST", "PATCH", "DELETE", "PUT")
    const t0 = performance.now()
    await fc.assert(
      fc.asyncProperty(method, path, body, async (m, p, b) => {
        const r = await call(m, p, m === "GET" || m === "DELETE" ? undefined : b)
        if (r.status >= 500 || r.status < 200) return false
        if (r.status >= 400 && r.status !== 404 && r.status !== 405 && r.status !== 403) {
          return typeof r.json?.error === "string" && r.json.status === r.status
        }
        if (r.status === 404 && r.json !== undefined) return typeof r.json.error === "string" && r.json.status === 404
        if (r.status === 200 || r.status === 201) return r.json !== undefined || p === "/metrics"
        return true
      }),
      { numRuns: 10_000, seed: 24 }
    )
    expect(performance.now() - t0).toBeLessThan(90_000)
    expect((await call("GET", "/version")).status).toBe(200)
    await cleanup()
  })
})
