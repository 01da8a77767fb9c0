import { createHash } from "node:crypto"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import * as fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { z } from "zod"
import { Adversarial, Dataset, Packs } from "../src/index.ts"

const sha = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 16)
const ndjson = <A>(ds: Dataset.Dataset<A>, tier: Dataset.Tier, seed: number, count: number) =>
  Dataset.sample(ds, { tier, seed, count })
    .map((r) => Dataset.toJson(r))
    .join("\n")

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "24h-mocks-dataset-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("determinism", () => {
  it("the same seed gives byte-identical output, another seed differs", () => {
    for (const name of Packs.names) {
      for (const tier of Dataset.tiers) {
        const ds = Packs.all[name]!
        expect(ndjson(ds, tier, 42, 200)).toBe(ndjson(ds, tier, 42, 200))
        expect(ndjson(ds, tier, 42, 50)).not.toBe(ndjson(ds, tier, 43, 50))
      }
    }
  })

  it("records() replays the same sequence on each iteration and matches sample()", () => {
    const it1 = Dataset.records(Packs.payment, { tier: "edge", seed: "replay", count: 20 })
    expect([...it1]).toEqual([...it1])
    expect([...it1]).toEqual(Dataset.sample(Packs.payment, { tier: "edge", seed: "replay", count: 20 }))
  })

  // Golden vectors: if one of these changes, a seed's data changed — that is a breaking change for users who
  // pinned fixtures to a seed. Update only on purpose, with a changelog entry.
  it("golden vectors (seed 42, 1000 records per pack and tier)", () => {
    const digests: Record<string, string> = {}
    for (const name of Packs.names) {
      for (const tier of Dataset.tiers) digests[`${name}/${tier}`] = sha(ndjson(Packs.all[name]!, tier, 42, 1000))
    }
    expect(digests).toMatchInlineSnapshot(`
      {
        "chatPrompt/adversarial": "c76021823f492d81",
        "chatPrompt/edge": "2d3fa6f55c5173a3",
        "chatPrompt/happy": "9478de5e48dbc06b",
        "chatPrompt/scale": "cb64d419c07d8f81",
        "clinical/adversarial": "f0dd223735e2762c",
        "clinical/edge": "71e1c748d0b390aa",
        "clinical/happy": "5fdfb0085b2ac3a2",
        "clinical/scale": "5198f5fbcebf9422",
        "customer/adversarial": "e3a7471918d43fcc",
        "customer/edge": "5db177133aaeebee",
        "customer/happy": "8a7710e31d461eba",
        "customer/scale": "86a2223312ef8a57",
        "logLine/adversarial": "a30dcf18e59dfa73",
        "logLine/edge": "813fbccc0f61dfa2",
        "logLine/happy": "ff030f6f6aaefe6b",
        "logLine/scale": "68b6cab45f9c73aa",
        "payment/adversarial": "6568ada914819a61",
        "payment/edge": "77f3eb1bacb1069c",
        "payment/happy": "21f6be69cb0ece97",
        "payment/scale": "1742abe5fdfab533",
      }
    `)
  })

  it("golden first record (seed 42)", () => {
    expect(Dataset.sample(Packs.customer, { seed: 42, count: 1 })[0]).toMatchInlineSnapshot(`
      {
        "city": "Lagos",
        "country": "NG",
        "createdAt": "2024-12-22T16:03:07.000Z",
        "email": "finn.novak01@example.org",
        "firstName": "Finn",
        "id": "cus_00000001",
        "lastName": "Novak",
        "lifetimeValueMinor": 3560287,
        "marketingOptIn": false,
        "phone": "+49 666346263",
        "plan": "enterprise",
        "timeZone": "America/Recife",
      }
    `)
    expect(Dataset.sample(Packs.payment, { seed: 42, count: 1 })[0]).toMatchInlineSnapshot(`
      {
        "accountId": "GB40653271316279353358",
        "amountMinor": 239247,
        "counterpartyId": "ES83352345813298733491",
        "createdAt": "2022-04-08T08:28:19.000Z",
        "currency": "BRL",
        "direction": "debit",
        "id": "txn_00000001",
        "idempotencyKey": "18544bda-3415-4e72-a873-b7eced0a9afa",
        "merchant": "Pixel Books",
        "status": "refunded",
      }
    `)
  })
})

describe("tiers", () => {
  it("happy payments are realistic: valid IBANs, positive integer minor units, known currencies", () => {
    for (const p of Dataset.sample(Packs.payment, { seed: 1, count: 500 })) {
      expect(Packs.validIban(p.accountId)).toBe(true)
      expect(Number.isSafeInteger(p.amountMinor) && p.amountMinor > 0).toBe(true)
      expect(p.currency).toMatch(/^[A-Z]{3}$/)
    }
  })

  it("happy customers have unique ids and well-formed emails", () => {
    const cs = Dataset.sample(Packs.customer, { seed: 1, count: 2000 })
    expect(new Set(cs.map((c) => c.id)).size).toBe(2000)
    for (const c of cs) expect(c.email).toMatch(/^[a-z]+\.[a-z]+[0-9a-z]{2}@[a-z.]+$/)
  })

  it("edge tier covers empty strings, unicode normalisation pairs, DST instants and integer limits", () => {
    const json = ndjson(Packs.customer, "edge", 7, 1000) + ndjson(Packs.clinical, "edge", 7, 1000)
    const values = [...Dataset.sample(Packs.customer, { tier: "edge", seed: 7, count: 1000 })]
    expect(values.some((c) => c.email.endsWith("@"))).toBe(true)
    expect(values.some((c) => c.createdAt === "2026-03-29T01:00:00.000Z")).toBe(true)
    expect(values.some((c) => c.timeZone === "Asia/Kathmandu")).toBe(true)
    expect(values.some((c) => c.lifetimeValueMinor === 0 || c.lifetimeValueMinor === 5_000_000)).toBe(true)
    expect(json).toContain("e\\u0301".replace("\\u0301", "\u0301"))
    expect(json).toContain('"notes":""')
  })

  it("adversarial tier carries hostile strings, poisoning keys and oversized values", () => {
    const rows = Dataset.sample(Packs.logLine, { tier: "adversarial", seed: 3, count: 2000 })
    const text = rows.map((r) => Dataset.toJson(r)).join("\n")
    expect(Adversarial.strings.some((s) => text.includes(JSON.stringify(s).slice(1, -1)))).toBe(true)
    expect(text).toContain('"__proto__":{"isAdmin":true')
    expect(rows.some((r) => Object.hasOwn(r, "__proto__") || Object.hasOwn(r, "constructor"))).toBe(true)
    expect(Math.max(...rows.map((r) => Dataset.toJson(r).length))).toBeGreaterThan(64 * 1024)
  })

  it("adversarial chat prompts label prompt injections", () => {
    const ps = Dataset.sample(Packs.chatPrompt, { tier: "adversarial", seed: 5, count: 300 })
    expect(ps.filter((p) => p.injection).length).toBeGreaterThan(30)
    for (const p of Dataset.sample(Packs.chatPrompt, { tier: "happy", seed: 5, count: 300 }))
      expect(p.injection).toBe(false)
  })

  it("an unknown tier or a bad count is a clear error", () => {
    expect(() => Dataset.sample(Packs.customer, { tier: "nope" as Dataset.Tier, seed: 1, count: 1 })).toThrow(
      /tier must be one of happy, edge, adversarial, scale \(got "nope"\)/
    )
    expect(() => Dataset.sample(Packs.customer, { seed: 1, count: -1 })).toThrow(/count must be a non-negative integer/)
    const exit = Effect.runSyncExit(Packs.get("nope"))
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/unknown pack "nope" \(known: customer, payment/)
  })
})

describe("from zod and fast-check", () => {
  const User = z.object({
    id: z.uuid(),
    name: z.string().min(1).max(12),
    email: z.email(),
    age: z.int().min(0).max(120),
    score: z.number().min(0).max(1),
    role: z.enum(["admin", "user"]),
    tags: z.array(z.string().max(8)).max(3),
    nick: z.string().optional(),
    manager: z.string().nullable(),
    big: z.bigint(),
    joined: z.date()
  })

  it("happy records from a zod schema parse with that schema", () => {
    const ds = Effect.runSync(Dataset.fromZod("user", User))
    for (const u of Dataset.sample(ds, { seed: 9, count: 300 })) expect(User.safeParse(u).success).toBe(true)
  })

  it("string formats and regex patterns produce matching strings (z.string().email(), regex, ipv4, iso date)", () => {
    const Code = z.object({
      sku: z.string().regex(/^[A-Z]{3}-\d{4}$/),
      contact: z.string().email(),
      ip: z.ipv4(),
      day: z.iso.date(),
      word: z.string().min(3).regex(/^a+$/)
    })
    const ds = Effect.runSync(Dataset.fromZod("code", Code))
    const rows = Dataset.sample(ds, { seed: 4, count: 200 })
    for (const r of rows) expect(Code.safeParse(r).success).toBe(true)
    expect(Dataset.sample(ds, { seed: 4, count: 200 })).toEqual(rows)
  })

  it("the edge tier of a zod schema hits declared bounds (max length, min/max values)", () => {
    const ds = Effect.runSync(Dataset.fromZod("user", User))
    const us = Dataset.sample(ds, { tier: "edge", seed: 9, count: 500 })
    expect(us.some((u) => u.name.length === 12)).toBe(true)
    expect(us.some((u) => u.age === 0) && us.some((u) => u.age === 120)).toBe(true)
    expect(us.some((u) => u.tags.length === 0) && us.some((u) => u.tags.length === 3)).toBe(true)
    expect(us.some((u) => u.big > BigInt(Number.MAX_SAFE_INTEGER))).toBe(true)
    expect(Dataset.toJson(us[0])).toContain('"big":"')
  })

  it("an unsupported zod type fails with InvalidSchema naming the field", () => {
    const exit = Effect.runSyncExit(
      Dataset.fromZod("bad", z.object({ when: z.object({ f: z.map(z.string(), z.string()) }) }))
    )
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/when\.f: unsupported zod type "map"/)
  })

  it("datasets from arbitraries are deterministic and the edge tier is biased", () => {
    const ds = Dataset.fromArbitrary("point", fc.record({ x: fc.integer(), y: fc.string() }))
    expect(Dataset.sample(ds, { seed: 1, count: 50 })).toEqual(Dataset.sample(ds, { seed: 1, count: 50 }))
    const edge = Dataset.sample(ds, { tier: "edge", seed: 1, count: 200 })
    expect(edge.some((p) => p.x === 0 || Math.abs(p.x) >= 2 ** 31 - 1)).toBe(true)
    const adv = Dataset.sample(ds, { tier: "adversarial", seed: 1, count: 200 })
    expect(adv.some((p) => Adversarial.strings.includes(p.y))).toBe(true)
  })

  it("a failing input shrinks (fast-check), and the counterexample replays from its seed", () => {
    const property = fc.property(Dataset.arbitrary(Packs.payment, "edge"), (p) => p.currency !== "")
    const details = fc.check(property, { seed: 42, numRuns: 500 })
    expect(details.failed).toBe(true)
    const [shrunk] = details.counterexample as [Packs.Payment]
    expect(shrunk.currency).toBe("")
    // Shrinking moved the other fields towards their simplest values.
    expect(shrunk.amountMinor).toBeLessThanOrEqual(1)
    const again = fc.check(property, { seed: 42, numRuns: 500 })
    expect(again.counterexample).toEqual(details.counterexample)
  })
})

describe("write", () => {
  it("streams a scale tier to NDJSON byte-identically across runs", async () => {
    const a = join(dir, "a.ndjson")
    const b = join(dir, "b.ndjson")
    const opts = { tier: "scale" as const, seed: 42, count: 100_000, progress: false }
    const sa = await Effect.runPromise(Dataset.write(Packs.customer, { ...opts, path: a }))
    await Effect.runPromise(Dataset.write(Packs.customer, { ...opts, path: b }))
    const [ta, tb] = await Promise.all([readFile(a), readFile(b)])
    expect(ta.equals(tb)).toBe(true)
    expect(sa).toMatchObject({ records: 100_000, bytes: ta.length, seed: 42, format: "ndjson" })
    const lines = ta.toString("utf8").trimEnd().split("\n")
    expect(lines).toHaveLength(100_000)
    expect(lines[0]).toBe(Dataset.toJson(Dataset.sample(Packs.customer, { ...opts, count: 1 })[0]))
  })

  it("writes a JSON array that parses, and reports progress through a callback", async () => {
    const path = join(dir, "p.json")
    const seen: Array<number> = []
    await Effect.runPromise(
      Dataset.write(Packs.payment, { seed: 1, count: 5000, path, format: "json", progress: (n) => seen.push(n) })
    )
    const parsed = JSON.parse(await readFile(path, "utf8")) as Array<Packs.Payment>
    expect(parsed).toHaveLength(5000)
    expect(parsed).toEqual(Dataset.sample(Packs.payment, { seed: 1, count: 5000 }))
    expect(seen.at(-1)).toBe(5000)
    const empty = join(dir, "e.json")
    await Effect.runPromise(Dataset.write(Packs.payment, { seed: 1, count: 0, path: empty, format: "json" }))
    expect(JSON.parse(await readFile(empty, "utf8"))).toEqual([])
  })

  it("interrupting a write removes the partial file", async () => {
    const sub = await mkdtemp(join(dir, "interrupt-"))
    const path = join(sub, "big.ndjson")
    const exit = await Effect.runPromiseExit(
      Dataset.write(Packs.customer, { tier: "scale", seed: 1, count: 50_000_000, path, progress: false }).pipe(
        Effect.timeout("200 millis")
      )
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(await readdir(sub)).toEqual([])
  })

  it("an unwritable path fails with an Io error and leaves no partial file", async () => {
    const exit = await Effect.runPromiseExit(
      Dataset.write(Packs.customer, { seed: 1, count: 10, path: join(dir, "missing", "x.ndjson"), progress: false })
    )
    expect(Exit.isFailure(exit) && String(exit.cause)).toMatch(/Dataset.write: cannot write .*missing/)
  })
})
