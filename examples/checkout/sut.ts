/**
 * The system under test of the checkout scenario: a small checkout service that charges a payments upstream.
 *
 * POST /checkout {"orderId","amountMinor","currency"} → validates the order, charges POST <payments>/charges with an
 * Idempotency-Key (timeout and up to `retries` retries with seeded, jittered backoff on 5xx and network errors), and
 * answers 201 {"status":"charged","chargeId"} or 502 {"error"}.
 *
 * It has one deliberate weakness — the kind the scenario's silent-failure probes are for: it trusts the upstream's
 * status code and never checks the body, so a 200 with a malformed or drifted body still becomes "charged".
 *
 * `plantedBug: "double-charge"` plants a second one for tests: each retry sends a fresh Idempotency-Key, so a charge
 * whose answer timed out is charged again. The chaos pipeline's audit must catch it.
 */

import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Seed } from "@24h/core"
import { Effect } from "effect"
import { Agent, request } from "undici"

export interface CheckoutOptions {
  /** Base URL of the payments upstream (usually through a chaos proxy). */
  readonly paymentsUrl: string
  readonly seed: Seed.Seed
  /** Per-attempt timeout. Default 250 ms. */
  readonly timeoutMs?: number
  /** Retries after the first attempt. Default 2. */
  readonly retries?: number
  /** A bug to plant (for tests that check the audits can fail). */
  readonly plantedBug?: "double-charge"
}

const ORDER_ID = /^[A-Za-z0-9-]{1,64}$/
const KEYS = new Set(["orderId", "amountMinor", "currency"])
const CURRENCIES = new Set(["EUR", "USD", "GBP", "JPY", "CHF", "SEK", "PLN", "KWD"])

const readBody = (req: IncomingMessage, limit = 64 * 1024): Promise<string | undefined> =>
  new Promise((resolve, reject) => {
    let size = 0
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > limit) {
        resolve(undefined)
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

export const validateOrder = (body: unknown): { orderId: string; amountMinor: number; currency: string } | string => {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "body must be a JSON object"
  const o = body as Record<string, unknown>
  const unknown = Object.keys(o).find((k) => !KEYS.has(k))
  if (unknown !== undefined) return `unknown field ${JSON.stringify(unknown.slice(0, 64))}`
  if (typeof o.orderId !== "string" || !ORDER_ID.test(o.orderId)) return "orderId must be 1-64 letters, digits or '-'"
  if (
    typeof o.amountMinor !== "number" ||
    !Number.isSafeInteger(o.amountMinor) ||
    o.amountMinor <= 0 ||
    o.amountMinor > 100_000_000
  )
    return "amountMinor must be a positive integer up to 100000000"
  if (typeof o.currency !== "string" || !CURRENCIES.has(o.currency)) return "currency is not supported"
  return { orderId: o.orderId, amountMinor: o.amountMinor, currency: o.currency }
}

/** Starts the checkout service on 127.0.0.1 (port 0); closed with its scope. */
export const make = (options: CheckoutOptions) =>
  Effect.acquireRelease(
    Effect.callback<{ readonly url: string; readonly server: Server; readonly agent: Agent }, Error>((resume) => {
      const jitter = Seed.stream(Seed.derive(options.seed, "checkout/backoff"))
      const timeoutMs = options.timeoutMs ?? 250
      const retries = options.retries ?? 2
      const agent = new Agent({ connections: 32, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
      const charge = async (order: { orderId: string; amountMinor: number; currency: string }) => {
        let lastError = "no attempt"
        for (let attempt = 0; attempt <= retries; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 10 * 2 ** attempt + jitter.nextInt(0, 10)))
          try {
            const res = await request(`${options.paymentsUrl}/charges`, {
              method: "POST",
              dispatcher: agent,
              headers: {
                "content-type": "application/json",
                "idempotency-key":
                  options.plantedBug === "double-charge" ? `${order.orderId}-${attempt}` : order.orderId
              },
              body: JSON.stringify(order),
              signal: AbortSignal.timeout(timeoutMs * 2)
            })
            const text = await res.body.text()
            if (res.statusCode >= 500) {
              lastError = `payments answered ${res.statusCode}`
              continue
            }
            if (res.statusCode >= 400) return { ok: false as const, error: `payments refused (${res.statusCode})` }
            // The weakness: the status code is trusted; a malformed or drifted body is not noticed.
            let chargeId: unknown
            try {
              chargeId = (JSON.parse(text) as { chargeId?: unknown }).chargeId
            } catch {
              chargeId = undefined
            }
            return { ok: true as const, chargeId }
          } catch (error) {
            lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
          }
        }
        return { ok: false as const, error: lastError }
      }
      const server = createServer(async (req, res) => {
        const send = (status: number, body: unknown) =>
          res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
        try {
          if (req.method !== "POST" || req.url !== "/checkout") return send(404, { error: "not found" })
          const text = await readBody(req)
          if (text === undefined) return send(413, { error: "body too large" })
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            return send(400, { error: "body is not JSON" })
          }
          const order = validateOrder(body)
          if (typeof order === "string") return send(400, { error: order })
          const r = await charge(order)
          return r.ok ? send(201, { status: "charged", chargeId: r.chargeId }) : send(502, { error: r.error })
        } catch (error) {
          return send(500, { error: String(error) })
        }
      })
      server.once("error", (e) => resume(Effect.fail(e)))
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, server, agent }))
      })
    }),
    ({ server, agent }) =>
      Effect.promise(async () => {
        server.closeAllConnections()
        await new Promise<void>((r) => server.close(() => r()))
        await agent.destroy()
      })
  )
