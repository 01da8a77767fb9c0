import { randomUUID } from "node:crypto"
import { Seed } from "@24h/core"
import { afterAll, describe, expect, it } from "vitest"
import { type HttpMock, Verdict } from "../src/index.ts"
import { callWithRetry, pollUntilUp, wellBehaved } from "./clients.ts"
import { call, newAgent, run, withMock } from "./helpers.ts"

const agent = newAgent()
afterAll(() => agent.close())

const routes: ReadonlyArray<HttpMock.RouteDef> = [
  { id: "user", method: "GET", path: "/users/:id", respond: { json: { id: 1 } } },
  { id: "pay", method: "POST", path: "/payments", respond: { status: 201, json: { ok: true } } }
]
const failing = [{ kind: "error" as const, rate: 1, status: 503 }]

const waitFor = async (mock: HttpMock.HttpMock, n: number) => {
  for (let i = 0; i < 100_000 && (await run(mock.journal)).requests.length < n; i++)
    await new Promise((r) => setTimeout(r, 5))
}

describe("retriedAtMost", () => {
  it("passes a client that gives up after 3 retries, fails one that retries 8 times", async () => {
    const good = await withMock({ routes, switches: failing }, async (mock) => {
      await callWithRetry(agent, `${mock.url}/users/1`, { ...wellBehaved, baseMs: 5 })
      return Verdict.retriedAtMost(await run(mock.journal), { k: 3 })
    })
    expect(good).toMatchObject({ pass: true, message: "at most 3 retries in a row" })
    const bad = await withMock({ routes, switches: failing }, async (mock) => {
      await callWithRetry(agent, `${mock.url}/users/1`, { ...wellBehaved, maxRetries: 8, baseMs: 1, jitter: false })
      return Verdict.retriedAtMost(await run(mock.journal), { k: 3 })
    })
    expect(bad.pass).toBe(false)
    expect(bad.message).toBe("an operation was retried 8 times in a row (limit 3)")
    expect(bad.evidence[0]).toMatch(/retry 4 at #5 GET \/users\/1/)
  })
})

describe("honouredRetryAfter", () => {
  const throttled = [{ kind: "throttle" as const, limit: 1, windowMs: 1000 }]

  it("passes a client that waits as asked, fails one that ignores Retry-After", async () => {
    const good = await withMock({ routes, switches: throttled }, async (mock) => {
      await callWithRetry(agent, `${mock.url}/users/1`, wellBehaved)
      const r = await callWithRetry(agent, `${mock.url}/users/1`, wellBehaved)
      expect(r.status).toBe(200)
      return Verdict.honouredRetryAfter(await run(mock.journal))
    })
    expect(good).toMatchObject({ pass: true })
    const bad = await withMock({ routes, switches: throttled }, async (mock) => {
      await callWithRetry(agent, `${mock.url}/users/1`, wellBehaved)
      await callWithRetry(agent, `${mock.url}/users/1`, { ...wellBehaved, honourRetryAfter: false, baseMs: 10 })
      return Verdict.honouredRetryAfter(await run(mock.journal))
    })
    expect(bad.pass).toBe(false)
    expect(bad.message).toMatch(/of \d+ retries came before Retry-After elapsed/)
    expect(bad.evidence[0]).toMatch(
      /#3 GET \/users\/1 came \d+ ms after #2 GET \/users\/1 answered 429 with Retry-After 1 s/
    )
  })

  it("is inconclusive when nothing asked the client to wait", async () => {
    const v = await withMock({ routes }, async (mock) => {
      await call(agent, `${mock.url}/users/1`)
      return Verdict.honouredRetryAfter(await run(mock.journal))
    })
    expect(v).toMatchObject({ pass: false, inconclusive: true })
  })
})

describe("backoffHadJitter", () => {
  const three = (mock: HttpMock.HttpMock, jitter: boolean) =>
    Promise.all(
      [1, 2, 3].map((i) =>
        callWithRetry(
          agent,
          `${mock.url}/users/${i}`,
          { ...wellBehaved, jitter },
          {},
          Seed.stream(Seed.derive(Seed.make(i), "test/jitter"))
        )
      )
    )

  it("passes a client with jittered backoff, fails one with a deterministic schedule", async () => {
    const good = await withMock({ routes, switches: failing }, async (mock) => {
      await three(mock, true)
      return Verdict.backoffHadJitter(await run(mock.journal))
    })
    expect(good.pass).toBe(true)
    const bad = await withMock({ routes, switches: failing }, async (mock) => {
      await three(mock, false)
      return Verdict.backoffHadJitter(await run(mock.journal))
    })
    expect(bad.pass).toBe(false)
    expect(bad.message).toMatch(/retry delays look deterministic/)
  })
})

describe("noDuplicatePost", () => {
  it("passes a client that retries with an Idempotency-Key, fails one that double-POSTs", async () => {
    const good = await withMock(
      { routes, seed: 3, switches: [{ kind: "error", rate: 0.5, status: 503 }] },
      async (mock) => {
        for (let i = 0; i < 5; i++) {
          const body = JSON.stringify({ amount: 100 + i, currency: "EUR" })
          const r = await callWithRetry(
            agent,
            `${mock.url}/payments`,
            { ...wellBehaved, baseMs: 2, maxRetries: 10 },
            {
              method: "POST",
              body,
              headers: { "idempotency-key": randomUUID() }
            }
          )
          expect(r.status).toBe(201)
        }
        const j = await run(mock.journal)
        expect(j.requests.length).toBeGreaterThan(5)
        return Verdict.noDuplicatePost(j)
      }
    )
    expect(good).toMatchObject({ pass: true })
    const bad = await withMock({ routes }, async (mock) => {
      const body = JSON.stringify({ amount: 100, currency: "EUR" })
      // Sends, "times out" in its own head, and sends the same payment again.
      await call(agent, `${mock.url}/payments`, { method: "POST", body })
      await call(agent, `${mock.url}/payments`, { method: "POST", body })
      const key = randomUUID()
      await call(agent, `${mock.url}/payments`, { method: "POST", body: "{}", headers: { "idempotency-key": key } })
      await call(agent, `${mock.url}/payments`, { method: "POST", body: "{}", headers: { "idempotency-key": key } })
      return Verdict.noDuplicatePost(await run(mock.journal))
    })
    expect(bad.pass).toBe(false)
    expect(bad.evidence).toEqual([
      "2 identical POST /payments without an Idempotency-Key: #1, #2",
      expect.stringMatching(/^#4 POST \/payments repeats key:.* after #3 POST \/payments succeeded$/)
    ])
  })
})

describe("recoveredWithin", () => {
  it("passes a client that keeps probing, fails one that stops for too long after failures", async () => {
    const good = await withMock({ routes, switches: failing }, async (mock) => {
      const client = pollUntilUp(agent, `${mock.url}/users/1`, { everyMs: 20, maxPolls: 500 })
      await waitFor(mock, 3)
      await run(mock.clearSwitches())
      expect(await client).toBe(200)
      return Verdict.recoveredWithin(await run(mock.journal), { withinMs: 500 })
    })
    expect(good.pass).toBe(true)
    const bad = await withMock({ routes, switches: failing }, async (mock) => {
      const client = pollUntilUp(agent, `${mock.url}/users/1`, {
        everyMs: 5,
        circuitAfter: 3,
        circuitMs: 1500,
        maxPolls: 500
      })
      await waitFor(mock, 3)
      await run(mock.clearSwitches())
      expect(await client).toBe(200)
      return Verdict.recoveredWithin(await run(mock.journal), { withinMs: 500 })
    })
    expect(bad.pass).toBe(false)
    expect(bad.message).toMatch(/first success came \d+ ms after the fault ended \(limit 500\)/)
  })

  it("combines verdicts with all()", () => {
    const journal: HttpMock.Journal = { requests: [], events: [] }
    const v = Verdict.all([Verdict.noDuplicatePost(journal), Verdict.recoveredWithin(journal, { withinMs: 1 })])
    expect(v.pass).toBe(false)
    expect(v.message).toContain("recovered within 1 ms: no fault end found")
  })
})
