/**
 * Domain packs: ready-made datasets for common systems under test — customers, payments (amounts in minor units,
 * ISO currencies, IBAN-like account ids with valid check digits), clinical-style records (synthetic), chat prompts
 * (with prompt-injection payloads in the adversarial tier) and log lines. Each works with every `Dataset` function
 * and every tier.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 *
 * const [first] = Dataset.sample(Packs.payment, { seed: 42, count: 1 })
 * first.amountMinor // an integer: cents, pence, yen…
 * ```
 *
 * @since 0.1.0
 */
import type { Seed } from "@24h/core"
import { Effect } from "effect"
import * as Adversarial from "./Adversarial.ts"
import * as Dataset from "./Dataset.ts"
import { edgeInstants, edgeInts, edgeStrings, edgeTimeZones } from "./internal/edge.ts"
import * as G from "./internal/gen.ts"
import {
  CLINICIANS,
  COUNTRIES,
  CURRENCIES,
  DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  LOG_MESSAGES,
  LOREM,
  MERCHANTS,
  OBSERVATIONS,
  PROMPTS,
  SERVICES
} from "./internal/words.ts"
import { type MocksError, mocksError } from "./MocksError.ts"

// ---------------------------------------------------------------------------------------------------------------
// shared leaves

const BASE_TIME = Date.UTC(2019, 0, 1)
const SPAN_SECONDS = 8 * 365 * 86_400

const idOf = (prefix: string) =>
  G.custom((_rng, i) => `${prefix}_${(i + 1).toString(36).padStart(8, "0")}`, {
    edges: [`${prefix}_`, `${prefix}_${"z".repeat(64)}`, `${prefix}_00000000`]
  })

const instant = G.custom((rng) => new Date(BASE_TIME + rng.nextInt(0, SPAN_SECONDS) * 1000).toISOString(), {
  edges: edgeInstants,
  text: true
})

const HEX = "0123456789abcdef"
const hexString = (rng: Seed.Stream, n: number): string => {
  let s = ""
  for (let k = 0; k < n; k += 8) {
    let w = rng.nextUint32()
    for (let j = 0; j < 8 && k + j < n; j++) {
      s += HEX[w & 15]
      w >>>= 4
    }
  }
  return s
}

const uuid = (rng: Seed.Stream): string => {
  const h = hexString(rng, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const slug = new Map<string, string>()
for (const n of [...FIRST_NAMES, ...LAST_NAMES]) {
  slug.set(
    n,
    n
      .normalize("NFD")
      .replace(/[^A-Za-z]/g, "")
      .toLowerCase()
  )
}
const slugOf = (s: string): string => slug.get(s) ?? s.toLowerCase()

// ---------------------------------------------------------------------------------------------------------------
// customer

/**
 * A customer record.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const [c]: Array<Packs.Customer> = Dataset.sample(Packs.customer, { seed: 1, count: 1 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Customer {
  readonly id: string
  readonly firstName: string
  readonly lastName: string
  readonly email: string
  readonly phone: string
  readonly country: string
  readonly city: string
  readonly timeZone: string
  readonly createdAt: string
  readonly plan: "free" | "pro" | "enterprise"
  readonly lifetimeValueMinor: number
  readonly marketingOptIn: boolean
}

const CALLING_CODES = ["49", "33", "44", "1", "55", "81"]
const ZONES = ["Europe/Berlin", "Europe/Paris", "Europe/London", "America/Denver", "America/Recife", "Asia/Tokyo"]

const customerGen = G.map(
  G.struct({
    id: idOf("cus"),
    firstName: G.words(FIRST_NAMES),
    lastName: G.words(LAST_NAMES),
    email: G.words(DOMAINS, ["", "example", "xn--e1afmkfd.example", "a".repeat(253)]),
    phone: G.custom((rng) => `+${rng.pick(CALLING_CODES)} ${rng.nextInt(100_000_000, 999_999_999)}`, {
      edges: ["", "+0", "+999 999999999999999", "00000", "+1 (555) 010-0000 ext. 99999"],
      text: true
    }),
    country: G.choice(COUNTRIES),
    city: G.constant(""),
    timeZone: G.choice(ZONES, edgeTimeZones),
    createdAt: instant,
    plan: G.choice(["free", "free", "free", "pro", "pro", "enterprise"] as const),
    lifetimeValueMinor: G.int(0, 5_000_000, edgeInts),
    marketingOptIn: G.bool(0.35)
  }),
  (r) => {
    const c = r as unknown as Record<string, unknown>
    const pair = c.country as unknown as readonly [string, string]
    c.country = pair[0]
    c.city = pair[1]
    const domain = c.email as string
    c.email = `${slugOf(c.firstName as string)}.${slugOf(c.lastName as string)}${(c.id as string).slice(-2)}@${domain}`
    return r as unknown as Customer
  }
)

/**
 * Customers: names from many cultures (accents, apostrophes), emails and phones, country and city, time zone, plan and lifetime value in
 * minor units. Ids are `cus_<index in base 36>`, unique within a dataset.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * Dataset.sample(Packs.customer, { tier: "happy", seed: 42, count: 3 })
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const customer: Dataset.Dataset<Customer> = Dataset.make("customer", customerGen)

// ---------------------------------------------------------------------------------------------------------------
// payment

/**
 * A payment transaction. Amounts are integers in the currency's minor unit (JPY has none, KWD three).
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const [p]: Array<Packs.Payment> = Dataset.sample(Packs.payment, { seed: 1, count: 1 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Payment {
  readonly id: string
  readonly idempotencyKey: string
  readonly accountId: string
  readonly counterpartyId: string
  readonly amountMinor: number
  readonly currency: string
  readonly direction: "debit" | "credit"
  readonly status: "pending" | "authorised" | "settled" | "declined" | "refunded"
  readonly merchant: string
  readonly createdAt: string
}

const IBAN_COUNTRIES = ["DE", "FR", "NL", "ES", "IT", "PL", "SE", "GB"]

/** ISO 13616 check digits over a BBAN: 98 − (BBAN ‖ country ‖ "00" as digits mod 97). */
const ibanOf = (country: string, bban: string): string => {
  const rearranged = `${bban}${country.charCodeAt(0) - 55}${country.charCodeAt(1) - 55}00`
  let rem = 0
  for (let k = 0; k < rearranged.length; k++) rem = (rem * 10 + (rearranged.charCodeAt(k) - 48)) % 97
  const check = 98 - rem
  return `${country}${check < 10 ? `0${check}` : check}${bban}`
}

const digits = (rng: Seed.Stream, n: number): string => {
  let s = ""
  while (s.length < n) s += rng.nextInt(0, 999_999_999).toString().padStart(9, "0")
  return s.slice(0, n)
}

const iban = G.custom((rng) => ibanOf(rng.pick(IBAN_COUNTRIES), digits(rng, 18)), {
  edges: [
    "",
    "DE00000000000000000000",
    "GB82WEST12345698765432",
    "XX00",
    "DE89 3704 0044 0532 0130 00",
    "de89370400440532013000"
  ],
  text: true
})

/**
 * Checks an IBAN-like account id's ISO 13616 check digits (mod 97 = 1).
 *
 * @example
 * ```ts
 * import { Packs } from "@24h/mocks"
 * Packs.validIban("GB82WEST12345698765432") // true
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const validIban = (id: string): boolean => {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(id)) return false
  const rearranged = id.slice(4) + id.slice(0, 4)
  let rem = 0
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0)
    const part = code >= 65 ? String(code - 55) : ch
    for (const d of part) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97
  }
  return rem === 1
}

const paymentGen = G.struct<Payment>({
  id: idOf("txn"),
  idempotencyKey: G.custom(uuid, { edges: ["", "00000000-0000-4000-a000-000000000000"], text: true }),
  accountId: iban,
  counterpartyId: iban,
  amountMinor: G.int(1, 250_000, [0, -1, 1, Number.MAX_SAFE_INTEGER, 2147483648]),
  currency: G.choice(CURRENCIES, ["JPY", "KWD", "XXX", "eur", ""]),
  direction: G.choice(["debit", "debit", "credit"] as const),
  status: G.choice(["pending", "authorised", "settled", "settled", "settled", "declined", "refunded"] as const),
  merchant: G.words(MERCHANTS),
  createdAt: instant
})

/**
 * Payments: IBAN-like account ids with valid check digits, amounts in minor units, ISO currencies (including
 * zero- and three-decimal ones), direction, status and an idempotency key.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * Dataset.sample(Packs.payment, { tier: "edge", seed: 42, count: 100 })
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const payment: Dataset.Dataset<Payment> = Dataset.make("payment", paymentGen)

// ---------------------------------------------------------------------------------------------------------------
// clinical

/**
 * A synthetic clinical-style observation record (no real patient data; ids are random).
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const [r]: Array<Packs.ClinicalRecord> = Dataset.sample(Packs.clinical, { seed: 1, count: 1 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ClinicalRecord {
  readonly recordId: string
  readonly patientId: string
  readonly mrn: string
  readonly recordedAt: string
  readonly kind: string
  readonly heartRateBpm: number
  readonly systolicMmHg: number
  readonly diastolicMmHg: number
  readonly temperatureC: number
  readonly spo2Percent: number
  readonly allergies: ReadonlyArray<string>
  readonly clinician: string
  readonly notes: string
  readonly synthetic: true
}

const clinicalGen = G.struct<ClinicalRecord>({
  recordId: idOf("obs"),
  patientId: G.custom((rng) => `pat_${hexString(rng, 12)}`, { edges: ["pat_", "pat_000000000000"] }),
  mrn: G.custom((rng) => `MRN${digits(rng, 8)}`, { edges: ["MRN", "MRN00000000", "mrn12345678"], text: true }),
  recordedAt: instant,
  kind: G.words(OBSERVATIONS),
  heartRateBpm: G.int(48, 120, [0, 20, 250, 300]),
  systolicMmHg: G.int(95, 150, [0, 60, 250]),
  diastolicMmHg: G.int(55, 95, [0, 30, 150]),
  temperatureC: G.float(35.8, 38.9, 1, [30, 34.9, 42, 45]),
  spo2Percent: G.int(90, 100, [0, 50, 100]),
  allergies: G.array(G.words(["penicillin", "latex", "peanuts", "sulfa", "iodine"]), 0, 2),
  clinician: G.words(CLINICIANS),
  notes: G.sentence(LOREM, 3, 12, edgeStrings),
  synthetic: G.constant(true as const)
})

/**
 * Clinical-style records (synthetic vitals, allergies, notes) with physiologically extreme values in the edge tier.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * Dataset.sample(Packs.clinical, { tier: "edge", seed: 42, count: 10 })
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const clinical: Dataset.Dataset<ClinicalRecord> = Dataset.make("clinical", clinicalGen)

// ---------------------------------------------------------------------------------------------------------------
// chat prompts

/**
 * A chat prompt for an LLM-backed system. `injection` is true when the content carries an injection payload.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const [m]: Array<Packs.ChatPrompt> = Dataset.sample(Packs.chatPrompt, { tier: "adversarial", seed: 1, count: 1 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ChatPrompt {
  readonly id: string
  readonly conversationId: string
  readonly userId: string
  readonly role: "user"
  readonly content: string
  readonly injection: boolean
}

const INJECTIONS = new Set([...Adversarial.corpus.promptInjection])

const promptContent = G.custom((rng) => rng.pick(PROMPTS), {
  edges: edgeStrings,
  hostile: (rng) => {
    const payload = rng.pick(Adversarial.corpus.promptInjection)
    const r = rng.nextInt(0, 2)
    return r === 0 ? payload : r === 1 ? `${rng.pick(PROMPTS)} ${payload}` : `${payload}\n\n${rng.pick(PROMPTS)}`
  }
})

const chatGen = G.map(
  G.struct({
    id: idOf("msg"),
    conversationId: G.custom((rng) => `conv_${hexString(rng, 10)}`),
    userId: G.custom((rng) => `usr_${rng.nextInt(1, 5000)}`),
    role: G.constant("user" as const),
    content: promptContent,
    injection: G.constant(false)
  }),
  (r) => {
    const c = r as unknown as { content: string; injection: boolean }
    let hit = false
    for (const p of INJECTIONS) if (c.content.includes(p)) hit = true
    c.injection = hit
    return r as unknown as ChatPrompt
  }
)

/**
 * Chat prompts: ordinary user requests; the adversarial tier embeds prompt-injection payloads (alone, before or
 * after a request) and labels them `injection: true`.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * Dataset.sample(Packs.chatPrompt, { tier: "adversarial", seed: 42, count: 20 }).filter((p) => p.injection)
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const chatPrompt: Dataset.Dataset<ChatPrompt> = Dataset.make("chatPrompt", chatGen)

// ---------------------------------------------------------------------------------------------------------------
// log lines

/**
 * A structured log line.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const [l]: Array<Packs.LogLine> = Dataset.sample(Packs.logLine, { seed: 1, count: 1 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface LogLine {
  readonly ts: string
  readonly level: "debug" | "info" | "warn" | "error"
  readonly service: string
  readonly msg: string
  readonly traceId: string
  readonly status: number
  readonly latencyMs: number
}

const logGen = G.struct<LogLine>({
  ts: instant,
  level: G.choice(["debug", "info", "info", "info", "info", "warn", "error"] as const),
  service: G.words(SERVICES),
  msg: G.words(LOG_MESSAGES, [...edgeStrings, "multi\nline\nmessage", "x".repeat(16 * 1024)]),
  traceId: G.custom((rng) => hexString(rng, 32), { edges: ["", "0".repeat(32)] }),
  status: G.choice([200, 200, 200, 200, 201, 204, 301, 400, 401, 404, 429, 500, 502, 503], [0, 599, 999]),
  latencyMs: G.custom((rng) => Math.round(Math.exp(3 + 0.9 * rng.nextGaussian()) * 10) / 10, {
    edges: [0, -1, 0.001, 600_000, Number.MAX_SAFE_INTEGER]
  })
})

/**
 * Log lines: timestamp, level, service, message, trace id, status and a log-normal latency; the adversarial tier
 * injects CR/LF log forging and control characters into messages.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * Dataset.sample(Packs.logLine, { tier: "adversarial", seed: 42, count: 100 })
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const logLine: Dataset.Dataset<LogLine> = Dataset.make("logLine", logGen)

// ---------------------------------------------------------------------------------------------------------------
// registry

/**
 * Every pack by name (the names `24h dataset --pack` accepts).
 *
 * @example
 * ```ts
 * import { Packs } from "@24h/mocks"
 * Object.keys(Packs.all) // ["customer", "payment", "clinical", "chatPrompt", "logLine"]
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const all: Readonly<Record<string, Dataset.Dataset<unknown>>> = {
  customer: customer as Dataset.Dataset<unknown>,
  payment: payment as Dataset.Dataset<unknown>,
  clinical: clinical as Dataset.Dataset<unknown>,
  chatPrompt: chatPrompt as Dataset.Dataset<unknown>,
  logLine: logLine as Dataset.Dataset<unknown>
}

/**
 * Every pack name.
 *
 * @example
 * ```ts
 * import { Packs } from "@24h/mocks"
 * Packs.names.join(", ")
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const names: ReadonlyArray<string> = Object.keys(all)

/**
 * Looks a pack up by name; fails with `InvalidPack` listing the known names.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Packs } from "@24h/mocks"
 * const ds = Effect.runSync(Packs.get("customer"))
 * ```
 *
 * @category packs
 * @since 0.1.0
 */
export const get = Effect.fn("Packs.get")(
  (name: string): Effect.Effect<Dataset.Dataset<unknown>, MocksError> =>
    Object.hasOwn(all, name)
      ? Effect.succeed(all[name]!)
      : Effect.fail(
          mocksError("InvalidPack", `Packs.get: unknown pack ${JSON.stringify(name)} (known: ${names.join(", ")})`)
        )
)
