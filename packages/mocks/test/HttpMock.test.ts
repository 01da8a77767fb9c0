import { Effect, Exit } from "effect"
import { type Agent, request } from "undici"
import { afterAll, describe, expect, it } from "vitest"
import { Dataset, HttpMock, Packs } from "../src/index.ts"
import { call, newAgent, outcome, run, withMock } from "./helpers.ts"

const agent: Agent = newAgent()
afterAll(() => agent.close())

const routes: ReadonlyArray<HttpMock.RouteDef> = [
  {
    id: "get-user",
    method: "GET",
    path: "/users/:id",
    respond: { json: { id: 1, name: "Ana", email: "ana@example.com" } }
  },
  {
    id: "search",
    method: "GET",
    path: "/search",
    query: { q: /^[a-z]+$/ },
    headers: { authorization: "Bearer t" },
    respond: (req) => ({ json: { q: req.query.q, hits: 3 } })
  },
  {
    id: "pay",
    method: "POST",
    path: "/payments",
    body: { currency: "EUR" },
    respond: async (req) => ({ status: 201, json: { ok: true, amount: (req.json as { amount: number }).amount } })
  }
]

describe("routes", () => {
  it("matches method, path params, query, headers and JSON body; responds static, function and async", async () => {
    await withMock({ routes }, async (mock) => {
      expect(JSON.parse((await call(agent, `${mock.url}/users/42`)).text)).toEqual({
        id: 1,
        name: "Ana",
        email: "ana@example.com"
      })
      const s = await call(agent, `${mock.url}/search?q=shoes`, { headers: { authorization: "Bearer t" } })
      expect(JSON.parse(s.text)).toEqual({ q: "shoes", hits: 3 })
      const p = await call(agent, `${mock.url}/payments`, {
        method: "POST",
        body: JSON.stringify({ amount: 500, currency: "EUR" })
      })
      expect(p.status).toBe(201)
      expect(JSON.parse(p.text)).toEqual({ ok: true, amount: 500 })
      expect(await outcome(agent, `${mock.url}/search?q=SHOES`, { headers: { authorization: "Bearer t" } })).toBe("404")
      const j = await run(mock.journal)
      expect(j.requests.map((e) => [e.method, e.path, e.route, e.status])).toEqual([
        ["GET", "/users/42", "get-user", 200],
        ["GET", "/search", "search", 200],
        ["POST", "/payments", "pay", 201],
        ["GET", "/search", undefined, 404]
      ])
      expect(j.requests[2]!.body).toBe('{"amount":500,"currency":"EUR"}')
    })
  })

  it("serves records from a dataset, seeded by the mock's seed", async () => {
    const opts = {
      seed: 5,
      routes: [{ method: "GET", path: "/customers", respond: { dataset: Packs.customer, count: 3 } }]
    }
    const first = await withMock(opts, async (m) => [
      await call(agent, `${m.url}/customers`),
      await call(agent, `${m.url}/customers`)
    ])
    const again = await withMock(opts, async (m) => [
      await call(agent, `${m.url}/customers`),
      await call(agent, `${m.url}/customers`)
    ])
    expect(first.map((r) => r.text)).toEqual(again.map((r) => r.text))
    const recs = JSON.parse(first[0]!.text) as Array<Packs.Customer>
    expect(recs).toHaveLength(3)
    expect(recs[0]!.id).toBe("cus_00000001")
    expect(first[0]!.text).not.toBe(first[1]!.text)
  })

  it("runs a stateful scenario (named state machine) and limits calls with times", async () => {
    const scenario: ReadonlyArray<HttpMock.RouteDef> = [
      {
        id: "create",
        method: "POST",
        path: "/jobs",
        scenario: { name: "job", next: "queued" },
        respond: { status: 202, json: { state: "queued" } }
      },
      {
        id: "poll-queued",
        method: "GET",
        path: "/jobs/1",
        scenario: { name: "job", state: "queued", next: "done" },
        respond: { json: { state: "queued" } }
      },
      {
        id: "poll-done",
        method: "GET",
        path: "/jobs/1",
        scenario: { name: "job", state: "done" },
        respond: { json: { state: "done" } }
      },
      { id: "once", method: "GET", path: "/once", times: 1, respond: { json: 1 } }
    ]
    await withMock({ routes: scenario }, async (mock) => {
      expect(await outcome(agent, `${mock.url}/jobs/1`)).toBe("404")
      expect((await call(agent, `${mock.url}/jobs`, { method: "POST", body: "{}" })).status).toBe(202)
      expect(JSON.parse((await call(agent, `${mock.url}/jobs/1`)).text)).toEqual({ state: "queued" })
      expect(JSON.parse((await call(agent, `${mock.url}/jobs/1`)).text)).toEqual({ state: "done" })
      expect(await run(mock.state("job"))).toBe("done")
      await run(mock.setState("job", "queued"))
      expect(JSON.parse((await call(agent, `${mock.url}/jobs/1`)).text)).toEqual({ state: "queued" })
      expect(await outcome(agent, `${mock.url}/once`)).toBe("200")
      expect(await outcome(agent, `${mock.url}/once`)).toBe("404")
      expect((await run(mock.unmatched)).map((u) => u.explanation)).toEqual([
        'GET /jobs/1 matched no route; nearest is "poll-queued" (GET /jobs/1): scenario "job" is in state "start", the route needs "queued"',
        'GET /once matched no route; nearest is "once" (GET /once): its call limit is used up (times: 1)'
      ])
    })
  })
})

describe("verification", () => {
  it("checks exact call counts, pending routes, and explains unmatched requests with the nearest route", async () => {
    await withMock({ routes }, async (mock) => {
      await call(agent, `${mock.url}/users/1`)
      await call(agent, `${mock.url}/users/2`)
      await run(mock.verify({ route: "get-user", times: 2 }))
      const wrong = await Effect.runPromiseExit(mock.verify({ route: "get-user", times: 3 }))
      expect(Exit.isFailure(wrong) && String(wrong.cause)).toContain(
        'route "get-user" expected exactly 3 call(s), got 2'
      )
      expect(await run(mock.pending)).toEqual(["search", "pay"])
      const np = await Effect.runPromiseExit(mock.verifyNoPending)
      expect(Exit.isFailure(np) && String(np.cause)).toContain("pending routes (never called): search, pay")

      const miss = await call(agent, `${mock.url}/userz/1`)
      expect(miss.status).toBe(404)
      expect(JSON.parse(miss.text)).toMatchObject({ nearest: "get-user" })
      await call(agent, `${mock.url}/payments`, { method: "POST", body: JSON.stringify({ currency: "USD" }) })
      await call(agent, `${mock.url}/users/1`, { method: "DELETE" })
      const unmatched = await run(mock.unmatched)
      expect(unmatched.map((u) => u.explanation)).toEqual([
        'GET /userz/1 matched no route; nearest is "get-user" (GET /users/:id): path segment 1: expected "users", got "userz"',
        'POST /payments matched no route; nearest is "pay" (POST /payments): body: expected JSON containing {"currency":"EUR"}, got {"currency":"USD"}',
        'DELETE /users/1 matched no route; nearest is "get-user" (GET /users/:id): method: expected GET, got DELETE'
      ])
      const nu = await Effect.runPromiseExit(mock.verifyNoUnmatched)
      expect(Exit.isFailure(nu) && String(nu.cause)).toContain("3 unmatched request(s)")
    })
  })

  it("rejects a bad route definition with a clear error, and keeps serving", async () => {
    await withMock({ routes }, async (mock) => {
      const bad = await Effect.runPromiseExit(
        mock.route({ id: "x", method: "FETCH", path: "users", respond: { json: 1 } })
      )
      expect(Exit.isFailure(bad) && String(bad.cause)).toMatch(/InvalidRoute|HttpMock.route\("x"\)\.method/)
      expect(String(Exit.isFailure(bad) && bad.cause)).toContain('HttpMock.route("x").path: must start with "/"')
      const typo = await Effect.runPromiseExit(mock.route({ path: "/a", respond: { jsn: 1 } as never }))
      expect(String(Exit.isFailure(typo) && typo.cause)).toMatch(/respond\.jsn: Unrecognized key: "jsn"/)
      const dup = await Effect.runPromiseExit(mock.route({ id: "get-user", path: "/b", respond: { json: 1 } }))
      expect(String(Exit.isFailure(dup) && dup.cause)).toContain("a route with this id already exists")
      const made = await Effect.runPromiseExit(Effect.scoped(HttpMock.make({ routes: [{ path: "/x" } as never] })))
      expect(String(Exit.isFailure(made) && made.cause)).toContain("respond: required")
      expect(await outcome(agent, `${mock.url}/users/1`)).toBe("200")
      const thrower = await run(
        mock.route({
          path: "/boom",
          respond: () => {
            throw new Error("kaput")
          }
        })
      )
      const boom = await call(agent, `${mock.url}/boom`)
      expect(boom.status).toBe(500)
      expect(boom.text).toContain(`the responder of route \\"${thrower}\\" failed: kaput`)
      expect(await outcome(agent, `${mock.url}/users/1`)).toBe("200")
    })
  })
})

describe("failure switches", () => {
  const user = `/users/7`

  it("latency: fixed, uniform and log-normal delays are applied and journalled", async () => {
    await withMock({ routes, seed: 1 }, async (mock) => {
      await run(mock.setSwitches([{ kind: "latency", mode: "fixed", ms: 60 }]))
      const t0 = performance.now()
      await call(agent, mock.url + user)
      expect(performance.now() - t0).toBeGreaterThanOrEqual(55)
      await run(mock.setSwitches([{ kind: "latency", mode: "uniform", minMs: 5, maxMs: 15 }]))
      for (let i = 0; i < 10; i++) await call(agent, mock.url + user)
      await run(mock.setSwitches([{ kind: "latency", mode: "lognormal", medianMs: 2, sigma: 1, maxMs: 40 }]))
      for (let i = 0; i < 20; i++) await call(agent, mock.url + user)
      const d = (await run(mock.journal)).requests.map((e) => e.delayMs)
      expect(d[0]).toBe(60)
      for (const x of d.slice(1, 11)) expect(x >= 5 && x <= 15).toBe(true)
      const logn = d.slice(11)
      for (const x of logn) expect(x >= 0 && x <= 40).toBe(true)
      expect(new Set(logn).size).toBeGreaterThan(3)
    })
  })

  it("error rate answers the status for about that fraction of requests", async () => {
    await withMock(
      { routes, seed: 2, switches: [{ kind: "error", rate: 0.3, status: 502, retryAfter: 1 }] },
      async (mock) => {
        const outs: Array<string> = []
        for (let i = 0; i < 200; i++) outs.push(await outcome(agent, mock.url + user))
        const errors = outs.filter((o) => o === "502").length
        expect(errors).toBeGreaterThan(35)
        expect(errors).toBeLessThan(90)
        expect(outs.filter((o) => o === "200").length).toBe(200 - errors)
        const j = await run(mock.journal)
        expect(
          j.requests.filter((e) => e.fault === "error").every((e) => e.status === 502 && e.retryAfterMs === 1000)
        ).toBe(true)
      }
    )
  })

  it("throttle answers 429 after N requests per window, with Retry-After; every answer carries rate-limit headers", async () => {
    await withMock({ routes, switches: [{ kind: "throttle", limit: 3, windowMs: 60_000 }] }, async (mock) => {
      const rs = []
      for (let i = 0; i < 5; i++) rs.push(await call(agent, mock.url + user))
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 429, 429])
      expect(rs.slice(0, 3).map((r) => r.headers["ratelimit-remaining"])).toEqual(["2", "1", "0"])
      expect(rs[0]!.headers["x-ratelimit-limit"]).toBe("3")
      const h = rs[3]!.headers
      expect(Number(h["retry-after"])).toBeGreaterThan(0)
      expect(Number(h["retry-after"])).toBeLessThanOrEqual(60)
      expect(h["ratelimit-limit"]).toBe("3")
      expect(h["ratelimit-remaining"]).toBe("0")
      expect(h["x-ratelimit-limit"]).toBe("3")
      expect(h["ratelimit-reset"]).toBe(h["retry-after"])
    })
  })

  it("reset cuts the connection; hang never answers until the client gives up", async () => {
    await withMock({ routes, switches: [{ kind: "reset" }] }, async (mock) => {
      expect(await outcome(agent, mock.url + user)).toMatch(/ECONNRESET|UND_ERR_SOCKET/)
      await run(mock.setSwitches([{ kind: "hang" }]))
      expect(await outcome(agent, mock.url + user, { headersTimeout: 300 })).toBe("UND_ERR_HEADERS_TIMEOUT")
      await run(mock.clearSwitches())
      expect(await outcome(agent, mock.url + user)).toBe("200")
      const faults = (await run(mock.journal)).requests.map((e) => e.fault)
      expect(faults).toEqual(["reset", "hang", undefined])
    })
  })

  it("truncate sends part of the announced body; malformed sends JSON that does not parse", async () => {
    await withMock({ routes, switches: [{ kind: "truncate", fraction: 0.5 }] }, async (mock) => {
      const r = await request(mock.url + user, { dispatcher: agent })
      expect(r.statusCode).toBe(200)
      await expect(r.body.text()).rejects.toThrow()
      await run(mock.setSwitches([{ kind: "malformed" }]))
      const m = await call(agent, mock.url + user)
      expect(m.status).toBe(200)
      expect(m.headers["content-type"]).toContain("application/json")
      expect(() => JSON.parse(m.text)).toThrow(SyntaxError)
    })
  })

  it("schema drift renames, drops, retypes or nulls response fields", async () => {
    await withMock({ routes, seed: 3, switches: [{ kind: "drift", fieldRate: 0.5 }] }, async (mock) => {
      const bodies = []
      for (let i = 0; i < 20; i++) bodies.push(JSON.parse((await call(agent, mock.url + user)).text))
      const original = { id: 1, name: "Ana", email: "ana@example.com" }
      for (const b of bodies) expect(b).not.toEqual(original)
      const shapes = new Set(
        bodies.map((b) => JSON.stringify(Object.entries(b).map(([k, v]) => [k, v === null ? "null" : typeof v])))
      )
      expect(shapes.size).toBeGreaterThan(3)
    })
  })

  it("chaos mixes faults by weight, and route-scoped switches leave other routes alone", async () => {
    await withMock(
      {
        routes,
        seed: 4,
        switches: [
          { kind: "chaos", rate: 1, route: "get-user", weights: { error: 2, malformed: 1, drift: 1, latency: 1 } }
        ]
      },
      async (mock) => {
        for (let i = 0; i < 60; i++) await outcome(agent, mock.url + user)
        for (let i = 0; i < 5; i++)
          expect(await outcome(agent, `${mock.url}/search?q=a`, { headers: { authorization: "Bearer t" } })).toBe("200")
        const j = (await run(mock.journal)).requests
        const kinds = new Set(j.slice(0, 60).map((e) => e.fault ?? (e.delayMs > 0 ? "latency" : "none")))
        expect([...kinds].sort()).toEqual(["drift", "error", "latency", "malformed"])
        expect(j.slice(60).every((e) => e.fault === undefined && e.delayMs === 0)).toBe(true)
      }
    )
  })

  it("rejects an invalid switch with a message naming the field", async () => {
    await withMock({ routes }, async (mock) => {
      const e1 = await Effect.runPromiseExit(mock.setSwitches([{ kind: "error", rate: 2 } as never]))
      expect(String(Exit.isFailure(e1) && e1.cause)).toContain(
        "FailureSwitch(error).rate: Too big: expected number to be <=1 (got 2)"
      )
      const e2 = await Effect.runPromiseExit(
        mock.setSwitches([{ kind: "latency", mode: "uniform", minMs: 5 } as never])
      )
      expect(String(Exit.isFailure(e2) && e2.cause)).toContain(
        'FailureSwitch(latency).maxMs: required when mode is "uniform"'
      )
      const e3 = await Effect.runPromiseExit(mock.setSwitches([{ kind: "flood" } as never]))
      expect(String(Exit.isFailure(e3) && e3.cause)).toContain(
        "FailureSwitch.kind: must be one of latency, error, throttle"
      )
      expect(await run(mock.switches)).toEqual([])
    })
  })
})

describe("admin endpoint", () => {
  it("switches faults at runtime over HTTP, and answers bad requests with a clear 400 while serving on", async () => {
    await withMock({ routes }, async (mock) => {
      const admin = `${mock.url}/__admin`
      const add = await call(agent, `${admin}/switches`, {
        method: "POST",
        body: JSON.stringify({ kind: "error", status: 500 })
      })
      expect(add.status).toBe(201)
      const id = (JSON.parse(add.text) as { switches: Array<{ id: string }> }).switches[0]!.id
      expect(await outcome(agent, `${mock.url}/users/1`)).toBe("500")
      const bad = await call(agent, `${admin}/switches`, {
        method: "POST",
        body: JSON.stringify({ kind: "throttle", limit: -1, windowMs: 10 })
      })
      expect(bad.status).toBe(400)
      expect(JSON.parse(bad.text)).toEqual({
        error: {
          reason: "InvalidSwitch",
          message: "FailureSwitch(throttle).limit: Too small: expected number to be >=0 (got -1)"
        }
      })
      const notJson = await call(agent, `${admin}/switches`, { method: "POST", body: "{kind:" })
      expect(notJson.status).toBe(400)
      expect(JSON.parse(notJson.text).error.reason).toBe("InvalidAdminRequest")
      const unknown = await call(agent, `${admin}/nope`)
      expect(unknown.status).toBe(404)
      expect(JSON.parse(unknown.text).error.message).toContain("known: GET|POST|PUT|DELETE /switches")
      expect((await call(agent, `${admin}/switches/${id}`, { method: "DELETE" })).status).toBe(200)
      expect(await outcome(agent, `${mock.url}/users/1`)).toBe("200")

      const route = await call(agent, `${admin}/routes`, {
        method: "POST",
        body: JSON.stringify({ id: "health", method: "GET", path: "/health", respond: { json: { ok: true } } })
      })
      expect(route.status).toBe(201)
      expect(JSON.parse((await call(agent, `${mock.url}/health`)).text)).toEqual({ ok: true })
      const badRoute = await call(agent, `${admin}/routes`, {
        method: "POST",
        body: JSON.stringify({ path: "health" })
      })
      expect(JSON.parse(badRoute.text).error).toMatchObject({ reason: "InvalidRoute" })
      expect(JSON.parse(badRoute.text).error.message).toContain('path: must start with "/"')

      expect(
        (await call(agent, `${admin}/scenarios/job`, { method: "PUT", body: JSON.stringify({ state: "done" }) })).status
      ).toBe(200)
      expect(await run(mock.state("job"))).toBe("done")
      const j = JSON.parse((await call(agent, `${admin}/journal`)).text) as HttpMock.Journal
      expect(j.requests.map((e) => e.status)).toEqual([500, 200, 200])
      expect(j.events.map((e) => e.action)).toEqual(["add", "remove"])
      expect((await call(agent, `${admin}/reset`, { method: "POST" })).status).toBe(200)
      expect((await run(mock.journal)).requests).toEqual([])
    })
  })
})

describe("determinism and lifecycle", () => {
  const sequence = async (seed: number) =>
    withMock(
      {
        seed,
        routes,
        switches: [
          { kind: "error", rate: 0.2, status: 503 },
          { kind: "latency", mode: "uniform", minMs: 0, maxMs: 3, rate: 0.5 },
          { kind: "chaos", rate: 0.2, weights: { malformed: 1, drift: 1, truncate: 1 } }
        ]
      },
      async (mock) => {
        const outs: Array<string> = []
        for (let i = 0; i < 80; i++) outs.push(await outcome(agent, `${mock.url}/users/${i}`))
        const j = await run(mock.journal)
        return { outs, decisions: j.requests.map((e) => `${e.fault ?? "-"}:${e.delayMs}:${e.status ?? "x"}`) }
      }
    )

  it("the same seed reproduces the same fault decisions for the same request sequence", async () => {
    const a = await sequence(11)
    const b = await sequence(11)
    const c = await sequence(12)
    expect(a.decisions).toEqual(b.decisions)
    expect(a.decisions).not.toEqual(c.decisions)
    expect(new Set(a.decisions.map((d) => d.split(":")[0])).size).toBeGreaterThan(2)
  })

  it("closing the scope closes the server and destroys hung sockets", async () => {
    let url = ""
    let pendingCall: Promise<string> | undefined
    await withMock({ routes, switches: [{ kind: "hang" }] }, async (mock) => {
      url = mock.url
      pendingCall = outcome(agent, `${mock.url}/users/1`)
      // Wait until the hung request is journalled, then let the scope close.
      while ((await run(mock.journal)).requests.length === 0) await new Promise((r) => setImmediate(r))
    })
    expect(await pendingCall).toMatch(/UND_ERR_SOCKET|ECONNRESET/)
    expect(await outcome(agent, `${url}/users/1`)).toBe("ECONNREFUSED")
  })

  it("provides a mock as a service through a layer, closed with it", async () => {
    const url = await Effect.runPromise(
      Effect.gen(function* () {
        const mock = yield* HttpMock.Upstream
        const reply = yield* Effect.promise(() => call(agent, `${mock.url}/health`))
        expect(JSON.parse(reply.text)).toEqual({ ok: true })
        return mock.url
      }).pipe(Effect.provide(HttpMock.layer({ routes: [{ path: "/health", respond: { json: { ok: true } } }] })))
    )
    expect(await outcome(agent, `${url}/health`)).toBe("ECONNREFUSED")
  })

  it("dataset responses and tiers stay valid JSON through the wire", async () => {
    const ds = Effect.runSync(
      Dataset.fromZod("n", (await import("zod")).z.object({ n: (await import("zod")).z.int() }))
    )
    await withMock({ routes: [{ path: "/n", respond: { dataset: ds, tier: "edge" } }] }, async (mock) => {
      for (let i = 0; i < 10; i++)
        expect(Number.isInteger(JSON.parse((await call(agent, `${mock.url}/n`)).text).n)).toBe(true)
    })
  })
})
