/**
 * The checkout scenario's simulated world: the SUT, its payments upstream (an HttpMock with failure switches) behind
 * a fault-injecting TcpProxy, the load iterations that place orders, the audits of payments' state and the
 * silent-failure probes. `main.ts` composes the five pipelines from these.
 */
import { TcpProxy } from "@24h/chaos"
import { Check, Load, Log, Seed, SteadyState } from "@24h/core"
import { Dataset, FailureSwitch, HttpLoad, HttpMock, Packs } from "@24h/mocks"
import { Effect } from "effect"
import { request } from "undici"
import * as Checkout from "./sut.ts"

const HEADERS = { "content-type": "application/json" }

const orderIdOf = (body: string): string | undefined => {
  try {
    return (JSON.parse(body) as { orderId?: string }).orderId
  } catch {
    return undefined
  }
}

/** Starts the world (closed with the scope). */
export const make = (seed: Seed.Seed, plantedBug?: "double-charge") =>
  Effect.gen(function* () {
    const payments = yield* HttpMock.make({
      seed: Seed.derive(seed, "mocks/payments-service"),
      routes: [
        {
          id: "charge",
          method: "POST",
          path: "/charges",
          respond: (req) => ({ status: 200, json: { chargeId: `ch_${orderIdOf(req.body ?? "")}`, status: "ok" } })
        }
      ]
    })
    const upstream = `127.0.0.1:${payments.port}`
    const proxy = yield* TcpProxy.make({ name: "payments", upstream, seed: Seed.derive(seed, "chaos/payments") })
    const paymentsUrl = `http://127.0.0.1:${proxy.port}`
    const sut = yield* Checkout.make({ paymentsUrl, seed, ...(plantedBug && { plantedBug }) })
    const url = `${sut.url}/checkout`

    // One order per iteration; its id is the correlation id, so a request can be followed from the load to payments'
    // journal to a finding. Accepted orders (201) are kept for the audits.
    const amounts = Dataset.sample(Packs.payment, { tier: "happy", seed: Seed.derive(seed, "orders"), count: 64 })
    const amountOf = (i: number) => Math.max(1, Math.min(100_000_000, Math.abs(amounts[i % 64]!.amountMinor) || 1))
    const order = (ctx: Load.Context) =>
      JSON.stringify({ orderId: ctx.correlationId, amountMinor: amountOf(ctx.index), currency: "EUR" })
    const post = yield* HttpLoad.iteration({ url, method: "POST", headers: HEADERS, okStatus: [201, 201] }, (ctx) => ({
      body: order(ctx)
    }))
    const accepted = new Set<string>()
    const checkout: Load.Iteration = (ctx) =>
      post(ctx).then((r) => {
        if (r.ok) accepted.add(ctx.correlationId)
        return r
      })
    /** Hostile bodies must get a 4xx. */
    const refuse = (bodies: ReadonlyArray<string>) =>
      HttpLoad.iteration({ url, method: "POST", headers: HEADERS, okStatus: [400, 499] }, (ctx) => ({
        body: bodies[ctx.index % bodies.length]!
      }))
    const probe = { model: Load.iterations(3, 1), iteration: post, thresholds: ["errorRate == 0"] }
    const healthy = SteadyState.make("checkout charges orders", [SteadyState.thresholds("3 checkouts", probe)])

    // ── audits of downstream state (silent-failure playbook #2): they count in the verdicts ──────────────────────
    const charges = Effect.map(payments.journal, (j) => j.requests.filter((r) => r.path === "/charges"))
    const everyAcceptedIsCharged = Effect.gen(function* () {
      const charged = new Set((yield* charges).map((r) => orderIdOf(r.body)))
      const missing = [...accepted].filter((id) => !charged.has(id))
      const message = `${missing.length} of ${accepted.size} accepted orders have no charge at payments`
      return Check.make("every 201 has a charge", missing.length === 0, { source: "audit", message, evidence: missing })
    })
    const atMostOneCharge = Effect.gen(function* () {
      const keys = new Map<string, Set<string>>()
      for (const r of yield* charges) {
        const id = orderIdOf(r.body) ?? "?"
        keys.set(id, (keys.get(id) ?? new Set()).add(r.idempotencyKey ?? ""))
      }
      const doubled = [...keys].filter(([, k]) => k.size > 1)
      const message = `${doubled.length} of ${keys.size} orders were charged under more than one idempotency key`
      const evidence = doubled.slice(0, 10).map(([id, k]) => `${id}: ${[...k].join(", ")}`)
      return Check.make("an order is charged at most once", doubled.length === 0, {
        source: "audit",
        message,
        evidence
      })
    })
    const chargeCount = Effect.map(charges, (c) => c.length)

    // ── silent-failure probes: corrupt payments' 200s and see what checkout tells the customer ───────────────────
    const silentFailure = (name: string, sw: FailureSwitch.Input) => {
      const correlationId = `probe-${name.replace(/\W+/g, "-").replace(/-+$/, "")}`
      const call = Effect.promise(async () => {
        const body = JSON.stringify({ orderId: correlationId, amountMinor: 1234, currency: "EUR" })
        const headers = { ...HEADERS, "x-correlation-id": correlationId }
        const res = await request(url, { method: "POST", headers, body })
        return { status: res.statusCode, body: (await res.body.json().catch(() => ({}))) as { chargeId?: unknown } }
      })
      const corrupt = FailureSwitch.fault(payments, [sw], { name })
      const logFault = Effect.logWarning(`fault: payments switched to ${sw.kind}`).pipe(Log.withComponent("chaos"))
      return Effect.gen(function* () {
        const r = yield* Effect.acquireUseRelease(
          Effect.andThen(corrupt.apply, logFault),
          () => call,
          () => Effect.ignore(corrupt.revert)
        )
        const silent = r.status === 201 && !String(r.body.chargeId).startsWith("ch_")
        const observed = `${r.status} ${JSON.stringify(r.body)}`
        const log = silent ? Effect.logError : Effect.logInfo
        yield* log(`checkout answered ${observed} while payments was corrupted`).pipe(Log.withComponent("probe"))
        return { name, silent, observed, correlationId }
      }).pipe(Log.withCorrelationId(correlationId))
    }

    return {
      payments,
      proxy,
      checkout,
      refuse,
      healthy,
      everyAcceptedIsCharged,
      atMostOneCharge,
      chargeCount,
      silentFailure
    }
  })
