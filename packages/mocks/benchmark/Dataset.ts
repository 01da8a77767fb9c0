/**
 * Dataset generation benchmark, all in one run: records/s of `Packs.customer` against `@faker-js/faker` (seeded, the
 * same record shape), `fc.sample` of word-list arbitraries (same shape) and a plain seeded PRNG with word lists;
 * then the scale tier writing N records to NDJSON in a child process (bundled with esbuild, run on plain node),
 * reporting its peak RSS.
 *
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/Dataset.ts                 # 10 000 000 records
 *   npx tsx --conditions=@24h/source packages/mocks/benchmark/Dataset.ts --scale 1000000 --rounds 1 # quicker
 *
 * Targets (issue): ≥ 3× faker records/s; the 10-million-record scale tier under 150 MB peak RSS.
 */
import { spawn } from "node:child_process"
import { mkdtemp, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Seed } from "@24h/core"
import { faker } from "@faker-js/faker"
import * as fc from "fast-check"
import { Bench } from "tinybench"
import { Dataset, Packs } from "../src/index.ts"

const BATCH = 10_000
const FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ibrahim", "Jia", "Kofi", "Lena"]
const LAST = ["Silva", "Müller", "Nakamura", "Okafor", "Kowalski", "García", "Johansson", "Nguyen", "Haddad", "Rossi"]
const DOMAINS = ["example.com", "example.org", "example.net"]
const COUNTRIES = [
  ["DE", "Berlin"],
  ["FR", "Lyon"],
  ["GB", "Leeds"],
  ["US", "Denver"],
  ["JP", "Osaka"]
] as const
const ZONES = ["Europe/Berlin", "Europe/Paris", "Europe/London", "America/Denver", "Asia/Tokyo"]
const PLANS = ["free", "pro", "enterprise"] as const
const BASE = Date.UTC(2019, 0, 1)

// ------------------------------------------------------------------------------------------------ scale tier
const scale = async (count: number) => {
  const dir = await mkdtemp(join(tmpdir(), "24h-bench-dataset-"))
  const path = join(dir, "customers.ndjson")
  const bundle = join(dir, "scale.mjs")
  try {
    // Bundle the child so it runs on plain node: tsx alone costs ~120 MB of RSS, which is not the library's.
    const esbuild = await import("esbuild")
    await esbuild.build({
      entryPoints: [fileURLToPath(new URL("./child/scale.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["@24h/source"],
      outfile: bundle,
      logLevel: "error",
      banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' }
    })
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [bundle, path, String(count)], { stdio: ["ignore", "pipe", "inherit"] })
      let s = ""
      p.stdout.on("data", (d) => (s += d))
      p.on("error", reject)
      p.on("close", (code) => (code === 0 ? resolve(s) : reject(new Error(`child exited ${code}`))))
    })
    const r = JSON.parse(out) as { records: number; bytes: number; seconds: number; maxRssKb: number }
    const size = (await stat(path)).size
    console.log(
      `\nscale tier: ${r.records.toLocaleString("en")} customer records, ${(size / 1e6).toFixed(0)} MB NDJSON in ` +
        `${r.seconds.toFixed(1)} s (${Math.round(r.records / r.seconds).toLocaleString("en")} records/s written), ` +
        `peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MiB (target < 150 MB)`
    )
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------------------------------------ parent: records/s
const main = async () => {
  const args = process.argv.slice(2)
  const scaleCount = args.includes("--scale") ? Number(args[args.indexOf("--scale") + 1]) : 10_000_000

  let sink = 0
  const consume = (r: { id: string }) => {
    sink += r.id.length
  }

  const next24h = Dataset.sampler(Packs.customer, "happy", 42)

  faker.seed(42)
  const fakerCustomer = (i: number) => {
    const firstName = faker.person.firstName()
    const lastName = faker.person.lastName()
    return {
      id: `cus_${(i + 1).toString(36).padStart(8, "0")}`,
      firstName,
      lastName,
      email: faker.internet.email({ firstName, lastName }),
      phone: faker.phone.number(),
      country: faker.location.countryCode(),
      city: faker.location.city(),
      timeZone: faker.location.timeZone(),
      createdAt: faker.date.between({ from: BASE, to: BASE + 8 * 365 * 86_400_000 }).toISOString(),
      plan: faker.helpers.arrayElement(PLANS),
      lifetimeValueMinor: faker.number.int({ min: 0, max: 5_000_000 }),
      marketingOptIn: faker.datatype.boolean(0.35)
    }
  }

  const fcCustomer = fc
    .record({
      i: fc.nat(),
      firstName: fc.constantFrom(...FIRST),
      lastName: fc.constantFrom(...LAST),
      domain: fc.constantFrom(...DOMAINS),
      phone: fc.integer({ min: 100_000_000, max: 999_999_999 }),
      country: fc.constantFrom(...COUNTRIES),
      timeZone: fc.constantFrom(...ZONES),
      createdAt: fc.integer({ min: 0, max: 8 * 365 * 86_400 }),
      plan: fc.constantFrom(...PLANS),
      lifetimeValueMinor: fc.integer({ min: 0, max: 5_000_000 }),
      marketingOptIn: fc.boolean()
    })
    .map((r) => ({
      id: `cus_${(r.i + 1).toString(36).padStart(8, "0")}`,
      firstName: r.firstName,
      lastName: r.lastName,
      email: `${r.firstName.toLowerCase()}.${r.lastName.toLowerCase()}@${r.domain}`,
      phone: `+49 ${r.phone}`,
      country: r.country[0],
      city: r.country[1],
      timeZone: r.timeZone,
      createdAt: new Date(BASE + r.createdAt * 1000).toISOString(),
      plan: r.plan,
      lifetimeValueMinor: r.lifetimeValueMinor,
      marketingOptIn: r.marketingOptIn
    }))
  let fcSeed = 0

  const plain = Seed.stream(Seed.derive(Seed.make(42), "bench/plain"))
  const plainCustomer = (i: number) => {
    const firstName = plain.pick(FIRST)
    const lastName = plain.pick(LAST)
    const c = plain.pick(COUNTRIES)
    return {
      id: `cus_${(i + 1).toString(36).padStart(8, "0")}`,
      firstName,
      lastName,
      email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}@${plain.pick(DOMAINS)}`,
      phone: `+49 ${plain.nextInt(100_000_000, 999_999_999)}`,
      country: c[0],
      city: c[1],
      timeZone: plain.pick(ZONES),
      createdAt: new Date(BASE + plain.nextInt(0, 8 * 365 * 86_400) * 1000).toISOString(),
      plan: plain.pick(PLANS),
      lifetimeValueMinor: plain.nextInt(0, 5_000_000),
      marketingOptIn: plain.chance(0.35)
    }
  }

  // Tasks run one after another, so a busy machine can favour one; run interleaved rounds and keep each task's best.
  const ROUNDS = args.includes("--rounds") ? Number(args[args.indexOf("--rounds") + 1]) : 3
  const best = new Map<string, number>()
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: 1500, warmupTime: 200 })
    bench
      .add("24h Packs.customer (happy)", () => {
        for (let i = 0; i < BATCH; i++) consume(next24h())
      })
      .add("@faker-js/faker (seeded)", () => {
        for (let i = 0; i < BATCH; i++) consume(fakerCustomer(i))
      })
      .add("fc.sample (word-list arbitraries)", () => {
        for (const r of fc.sample(fcCustomer, { seed: fcSeed++, numRuns: BATCH })) consume(r)
      })
      .add("plain seeded PRNG + word lists", () => {
        for (let i = 0; i < BATCH; i++) consume(plainCustomer(i))
      })
    await bench.run()
    for (const t of bench.tasks) {
      const r = t.result as { latency?: { mean: number } } | undefined
      best.set(t.name, Math.max(best.get(t.name) ?? 0, BATCH / ((r?.latency?.mean ?? Number.NaN) / 1000)))
    }
  }
  const ours = best.get("24h Packs.customer (happy)")!
  console.log(
    `customer records/s (batches of ${BATCH.toLocaleString("en")}, generation only, best of ${ROUNDS} rounds, Node ${process.version}):`
  )
  for (const [name, r] of best) {
    console.log(
      `  ${name.padEnd(36)} ${Math.round(r).toLocaleString("en").padStart(12)} records/s   24h = ${(ours / r).toFixed(2)}×`
    )
  }
  if (sink === 0) console.log("(nothing consumed)")
  await scale(scaleCount)
}

await main()
