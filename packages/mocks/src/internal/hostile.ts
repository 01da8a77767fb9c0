/** Makes any JSON-like value hostile: some strings become corpus strings, some objects gain poisoning keys. */
import type { Seed } from "@24h/core"
import * as Adversarial from "../Adversarial.ts"
import { HOSTILE_P, OVERSIZED_BYTES, OVERSIZED_P, POISON_P } from "./gen.ts"

export const hostile = (value: unknown, rng: Seed.Stream): unknown => {
  if (typeof value === "string") {
    const r = rng.next()
    if (r < OVERSIZED_P) return Adversarial.oversized(OVERSIZED_BYTES)
    return r < HOSTILE_P ? Adversarial.pick(rng) : value
  }
  if (Array.isArray(value)) return value.map((v) => hostile(v, rng))
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = hostile(v, rng)
    if (rng.next() < POISON_P) Adversarial.poisoned(rng.pick(Adversarial.poisonKeys), { isAdmin: true }, out)
    return out
  }
  return value
}
