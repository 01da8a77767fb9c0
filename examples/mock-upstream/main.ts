/**
 * A payments upstream simulated with `HttpMock`, failure switches flipped while a small retrying client works
 * against it, and the client's resilience judged from the mock's journal with `Verdict`.
 *
 *   npx tsx --conditions=@24h/source examples/mock-upstream/main.ts
 */
import { setTimeout as sleep } from "node:timers/promises"
import { Seed } from "@24h/core"
import { Dataset, HttpMock, Packs, Verdict } from "@24h/mocks"
import { Effect } from "effect"
import { Agent, request } from "undici"

// ---------------------------------------------------------------------------------------------- the client under test

/** How the client retries. The well-behaved defaults are what a payments client should do. */
export interface RetryPolicy {
  readonly maxRetries: number
  readonly baseDelayMs: number
  /** Multiply each delay by a random factor in [0.5, 1.5). */
  readonly jitter: boolean
  /** Wait at least `Retry-After` when the server sends it. */
  readonly honourRetryAfter: boolean
  /** Send an `Idempotency-Key` so a retried POST cannot charge twice. */
  readonly idempotencyKeys: boolean
}

export const wellBehaved: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 50,
  jitter: true,
  honourRetryAfter: true,
  idempotencyKeys: true
}

export const naive: RetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 50,
  jitter: false,
  honourRetryAfter: false,
  idempotencyKeys: false
}

/** A tiny payments client: POST /payments with retries on 5xx, 429 and broken connections. */
export const paymentsClient = (baseUrl: string, dispatcher: Agent, policy: RetryPolicy, rng: Seed.Stream) => ({
  pay: async (payment: Packs.Payment): Promise<{ status: number | undefined; attempts: number }> => {
    const headers: Record<string, string> = { "content-type": "application/json" }
    if (policy.idempotencyKeys) headers["idempotency-key"] = payment.idempotencyKey
    const body = JSON.stringify({
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      to: payment.counterpartyId
    })
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined
      let retryAfter: string | undefined
      try {
        const r = await request(`${baseUrl}/payments`, { dispatcher, method: "POST", headers, body })
        await r.body.text()
        status = r.statusCode
        const h = r.headers["retry-after"]
        retryAfter = typeof h === "string" ? h : undefined
      } catch {
        status = undefined
      }
      const retryable = status === undefined || status >= 500 || status === 429
      if (!retryable || attempt >= policy.maxRetries) return { status, attempts: attempt + 1 }
      let delay = policy.baseDelayMs * 2 ** attempt
      if (policy.jitter) delay *= 0.5 + rng.next()
      if (policy.honourRetryAfter && retryAfter !== undefined) delay = Math.max(delay, Number(retryAfter) * 1000)
      await sleep(delay)
    }
  }
})

// ---------------------------------------------------------------------------------------------- the scenario

/** The simulated upstream: a payments API with a health check. */
export const upstream = (seed: number) =>
  HttpMock.make({
    seed,
    routes: [
      {
        id: "create-payment",
        method: "POST",
        path: "/payments",
        body: { currency: /^[A-Z]{3}$/ },
        respond: (req) => ({
          status: 201,
          json: { id: `pay_${req.headers["idempotency-key"] ?? "none"}`, status: "settled" }
        })
      },
      { id: "health", method: "GET", path: "/health", respond: { json: { ok: true } } }
    ]
  })

export interface Options {
  readonly seed: number
  readonly payments: number
  readonly policy: RetryPolicy
}

/**
 * Phase 1: payments through a flaky, throttled upstream (20 % 503s, 6 requests per second).
 * Phase 2: connection resets until the switches are cleared; the client must recover.
 * Then the verdicts, from the journal.
 */
export const program = (options: Options) =>
  Effect.scoped(
    Effect.gen(function* () {
      const mock = yield* upstream(options.seed)
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Agent({ connections: 4 })),
        (a) => Effect.promise(() => a.close())
      )
      const rng = Seed.stream(Seed.derive(Seed.make(options.seed), "example/client"))
      const client = paymentsClient(mock.url, agent, options.policy, rng)
      const [outagePayment, ...payments] = Dataset.sample(Packs.payment, {
        seed: options.seed,
        count: options.payments + 1
      })

      yield* mock.setSwitches([
        { kind: "error", rate: 0.2, status: 503 },
        { kind: "throttle", limit: 6, windowMs: 1000 }
      ])
      for (const p of payments) yield* Effect.promise(() => client.pay(p))

      yield* mock.setSwitches([{ kind: "reset" }])
      const last = client.pay(outagePayment!)
      // Let the client hit the outage twice, then end it.
      yield* Effect.promise(async () => {
        const start = (await Effect.runPromise(mock.journal)).requests.length
        while ((await Effect.runPromise(mock.journal)).requests.length < start + 2) await sleep(5)
      })
      yield* mock.clearSwitches()
      const recovered = yield* Effect.promise(() => last)

      const journal = yield* mock.journal
      const verdicts = [
        Verdict.retriedAtMost(journal, { k: options.policy.maxRetries }),
        Verdict.honouredRetryAfter(journal),
        Verdict.backoffHadJitter(journal),
        Verdict.noDuplicatePost(journal),
        Verdict.recoveredWithin(journal, { withinMs: 1500 })
      ]
      return { recovered, requests: journal.requests.length, verdict: Verdict.all(verdicts) }
    })
  )

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, policy] of [
    ["well-behaved", wellBehaved],
    ["naive", naive]
  ] as const) {
    const r = await Effect.runPromise(program({ seed: 42, payments: 12, policy }))
    console.log(`${name}: ${r.verdict.pass ? "PASS" : "FAIL"} after ${r.requests} requests`)
    for (const v of r.verdict.verdicts)
      console.log(`  ${v.pass ? "✓" : v.inconclusive ? "?" : "✗"} ${v.name}: ${v.message}`)
  }
}
