/** Small clients used by the verdict tests: one well-behaved, and badly-behaved variants. */
import { setTimeout as sleep } from "node:timers/promises"
import { Seed } from "@24h/core"
import type { Agent } from "undici"
import { call } from "./helpers.ts"

export interface Policy {
  readonly maxRetries: number
  readonly baseMs: number
  readonly jitter: boolean
  readonly honourRetryAfter: boolean
  /** Open a circuit for this long after `circuitAfter` consecutive failures (no requests meanwhile). */
  readonly circuitMs?: number
  readonly circuitAfter?: number
}

export const wellBehaved: Policy = { maxRetries: 3, baseMs: 100, jitter: true, honourRetryAfter: true }

/** Calls with retries; returns the final status (undefined: transport error) and the attempts made. */
export const callWithRetry = async (
  agent: Agent,
  url: string,
  policy: Policy,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  rng: Seed.Stream = Seed.stream(Seed.derive(Seed.make(1), "test/client/jitter"))
): Promise<{ status: number | undefined; attempts: number }> => {
  for (let attempt = 0; ; attempt++) {
    let status: number | undefined
    let retryAfter: string | undefined
    try {
      const r = await call(agent, url, init)
      status = r.status
      retryAfter = typeof r.headers["retry-after"] === "string" ? r.headers["retry-after"] : undefined
    } catch {
      status = undefined
    }
    if (status !== undefined && status < 500 && status !== 429) return { status, attempts: attempt + 1 }
    if (attempt >= policy.maxRetries) return { status, attempts: attempt + 1 }
    let delay = policy.baseMs * 2 ** attempt
    if (policy.jitter) delay *= 0.5 + rng.next()
    if (policy.honourRetryAfter && retryAfter !== undefined) delay = Math.max(delay, Number(retryAfter) * 1000)
    await sleep(delay)
  }
}

/** Polls until a success, pausing `circuitMs` after `circuitAfter` consecutive failures; bounded by `maxPolls`. */
export const pollUntilUp = async (
  agent: Agent,
  url: string,
  policy: { everyMs: number; circuitAfter?: number; circuitMs?: number; maxPolls: number }
) => {
  let failures = 0
  for (let i = 0; i < policy.maxPolls; i++) {
    const status = await call(agent, url).then(
      (r) => r.status,
      () => undefined
    )
    if (status !== undefined && status < 500) return status
    failures++
    if (policy.circuitAfter !== undefined && failures >= policy.circuitAfter) {
      failures = 0
      await sleep(policy.circuitMs ?? 0)
    } else await sleep(policy.everyMs)
  }
  return undefined
}
