/**
 * Turns a zod 4 schema into a tiered generator by walking its definition (`schema._zod.def`). Checks (min/max
 * lengths, bounds, formats) are honoured in the happy tier and become the boundaries of the edge tier.
 */
import type { Seed } from "@24h/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { MocksError, mocksError } from "../MocksError.ts"
import { edgeBigInts, edgeFloats, edgeInstants, edgeStrings } from "./edge.ts"
import * as G from "./gen.ts"
import { fcRandom } from "./random.ts"
import { LOREM } from "./words.ts"

interface Def {
  readonly type: string
  readonly checks?: ReadonlyArray<{ readonly _zod: { readonly def: Record<string, unknown> } }>
  readonly format?: string
  readonly shape?: Record<string, { readonly _zod: { readonly def: Def } }>
  readonly element?: { readonly _zod: { readonly def: Def } }
  readonly innerType?: { readonly _zod: { readonly def: Def } }
  readonly options?: ReadonlyArray<{ readonly _zod: { readonly def: Def } }>
  readonly entries?: Record<string, string | number>
  readonly values?: ReadonlyArray<unknown>
  readonly items?: ReadonlyArray<{ readonly _zod: { readonly def: Def } }>
  readonly valueType?: { readonly _zod: { readonly def: Def } }
  readonly defaultValue?: unknown
}

interface Bounds {
  min?: number
  max?: number
  minInclusive: boolean
  maxInclusive: boolean
  length?: number
  int: boolean
}

const boundsOf = (def: Def): Bounds => {
  const b: Bounds = { minInclusive: true, maxInclusive: true, int: false }
  for (const c of def.checks ?? []) {
    const d = c._zod.def
    switch (d.check) {
      case "min_length":
        b.min = d.minimum as number
        break
      case "max_length":
        b.max = d.maximum as number
        break
      case "length_equals":
        b.length = d.length as number
        break
      case "greater_than":
        b.min = d.value as number
        b.minInclusive = d.inclusive === true
        break
      case "less_than":
        b.max = d.value as number
        b.maxInclusive = d.inclusive === true
        break
      case "number_format":
        if (d.format === "safeint" || d.format === "int32" || d.format === "uint32") b.int = true
        break
    }
  }
  return b
}

const hex = (rng: { nextUint32(): number }, n: number): string => {
  let s = ""
  while (s.length < n) s += rng.nextUint32().toString(16).padStart(8, "0")
  return s.slice(0, n)
}

/** A leaf drawn from a fast-check arbitrary, with the fast-check state seeded from the dataset's stream. */
const fromFc = (arb: fc.Arbitrary<string>, edges: ReadonlyArray<string>): G.Gen<string> => {
  const randoms = new WeakMap<Seed.Stream, fc.Random>()
  return G.leaf({
    happy: (rng) => {
      let r = randoms.get(rng)
      if (r === undefined) {
        r = fcRandom(rng)
        randoms.set(rng, r)
      }
      return arb.generate(r, undefined).value
    },
    happyArbitrary: () => arb,
    edges,
    text: true
  })
}

/** The string format of a schema: `z.email()` keeps it in the definition, `z.string().email()` in a check. */
const formatOf = (def: Def): { format: string | undefined; pattern: RegExp | undefined } => {
  if (def.format !== undefined) return { format: def.format, pattern: (def as { pattern?: RegExp }).pattern }
  for (const c of def.checks ?? []) {
    const d = c._zod.def
    if (d.check === "string_format") return { format: d.format as string, pattern: d.pattern as RegExp | undefined }
  }
  return { format: undefined, pattern: undefined }
}

const stringGen = (def: Def, where: string): G.Gen<string> => {
  const b = boundsOf(def)
  const min = b.length ?? b.min ?? 0
  const max = b.length ?? b.max ?? Math.max(min, 24)
  const { format, pattern } = formatOf(def)
  switch (format) {
    case "email":
      return G.custom((rng) => `${rng.pick(LOREM)}.${rng.pick(LOREM)}${rng.nextInt(1, 99)}@example.com`, {
        edges: ["a@b.co", `${"x".repeat(64)}@example.com`, "first.last+tag@example.com", "\u00fc@example.com"],
        text: true
      })
    case "uuid":
    case "guid":
      return G.custom(
        (rng) => {
          const h = hex(rng, 32)
          return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[rng.nextInt(0, 3)]}${h.slice(17, 20)}-${h.slice(20, 32)}`
        },
        { edges: ["00000000-0000-4000-8000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff"], text: true }
      )
    case "url":
      return G.custom((rng) => `https://example.com/${rng.pick(LOREM)}/${rng.nextInt(1, 9999)}`, {
        edges: ["http://127.0.0.1/", `https://example.com/${"a".repeat(2000)}`, "https://xn--80ak6aa92e.com/"],
        text: true
      })
    case "datetime":
      return G.custom((rng) => new Date(Date.UTC(2020, 0, 1) + rng.nextInt(0, 6 * 365 * 86_400) * 1000).toISOString(), {
        edges: edgeInstants,
        text: true
      })
    case undefined:
      break
    default: {
      // Any other format (regex, ipv4, date, base64, …) carries its pattern: generate strings matching it.
      if (pattern === undefined) {
        throw mocksError("InvalidSchema", `Dataset.fromZod: ${where}: unsupported string format "${format}"`)
      }
      const within = (x: string) => x.length >= min && x.length <= max
      const arb = fc.stringMatching(pattern).filter(within)
      return fromFc(
        arb,
        edgeStrings.filter((x) => pattern.test(x) && within(x))
      )
    }
  }
  const fit = (s: string): string => {
    if (s.length > max) return s.slice(0, max)
    while (s.length < min) s += "x"
    return s
  }
  const edges = [
    ...edgeStrings.filter((s) => s.length >= min && s.length <= max),
    "x".repeat(min),
    "x".repeat(max),
    "\u00e9".repeat(max)
  ]
  return G.leaf({
    happy: (rng) => {
      const n = rng.nextInt(1, 3)
      let s = rng.pick(LOREM)
      for (let k = 1; k < n; k++) s += ` ${rng.pick(LOREM)}`
      return fit(s)
    },
    happyArbitrary: () => G.sentence(LOREM, 1, 3).arbitrary("happy").map(fit) as fc.Arbitrary<string>,
    edges,
    text: true
  })
}

const numberGen = (def: Def): G.Gen<number> => {
  const b = boundsOf(def)
  const int = b.int || def.type === "int" || (def.format !== undefined && /int/.test(def.format))
  const lo = b.min ?? (int ? -1_000_000 : -1e6)
  const hi = b.max ?? (int ? 1_000_000 : 1e6)
  if (int) {
    const min = Math.ceil(b.minInclusive ? lo : lo + 1)
    const max = Math.floor(b.maxInclusive ? hi : hi - 1)
    const wide = [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2147483647, -2147483648]
    return G.int(min, max, wide)
  }
  const eps = 1e-9
  const min = b.minInclusive ? lo : lo + eps
  const max = b.maxInclusive ? hi : hi - eps
  return G.float(min, max, 2, edgeFloats)
}

export const fromDef = (def: Def, where: string): G.Gen<unknown> => {
  switch (def.type) {
    case "string":
      return stringGen(def, where)
    case "number":
    case "int":
      return numberGen(def)
    case "boolean":
      return G.bool()
    case "bigint":
      return G.leaf({
        happy: (rng) => BigInt(rng.nextInt(-1_000_000, 1_000_000)),
        happyArbitrary: () => G.int(-1_000_000, 1_000_000).arbitrary("happy").map(BigInt),
        edges: edgeBigInts
      })
    case "date":
      return G.leaf({
        happy: (rng) => new Date(Date.UTC(2020, 0, 1) + rng.nextInt(0, 6 * 365 * 86_400) * 1000),
        happyArbitrary: () =>
          G.int(0, 6 * 365 * 86_400)
            .arbitrary("happy")
            .map((s) => new Date(Date.UTC(2020, 0, 1) + s * 1000)),
        edges: edgeInstants.map((s) => new Date(s))
      })
    case "null":
      return G.constant(null)
    case "undefined":
      return G.constant(undefined)
    case "literal":
      return G.choice(def.values ?? [])
    case "enum":
      return G.choice(Object.values(def.entries ?? {}))
    case "optional":
      return G.optional(fromDef(def.innerType!._zod.def, where), 0.8)
    case "nullable":
      return G.nullable(fromDef(def.innerType!._zod.def, where), 0.8)
    case "default":
    case "prefault":
    case "readonly":
    case "nonoptional":
    case "catch":
      return fromDef(def.innerType!._zod.def, where)
    case "union":
      return G.oneOf((def.options ?? []).map((o, k) => fromDef(o._zod.def, `${where}|${k}`)))
    case "array": {
      const b = boundsOf(def)
      const min = b.length ?? b.min ?? 0
      const max = b.length ?? b.max ?? Math.max(min, 5)
      return G.array(fromDef(def.element!._zod.def, `${where}[]`), min, max)
    }
    case "tuple": {
      const items = (def.items ?? []).map((it, k) => fromDef(it._zod.def, `${where}[${k}]`))
      return G.map(G.struct(Object.fromEntries(items.map((g, k) => [String(k), g]))), (o) =>
        items.map((_, k) => (o as Record<string, unknown>)[String(k)])
      )
    }
    case "record": {
      const value = fromDef(def.valueType!._zod.def, `${where}{}`)
      return G.map(G.array(G.struct({ k: G.words(LOREM), v: value }), 0, 4), (kvs) => {
        const out: Record<string, unknown> = {}
        for (const kv of kvs as Array<{ k: string; v: unknown }>) out[kv.k] = kv.v
        return out
      })
    }
    case "object": {
      const fields: Record<string, G.Gen<unknown>> = {}
      for (const [k, v] of Object.entries(def.shape ?? {}))
        fields[k] = fromDef(v._zod.def, where === "" ? k : `${where}.${k}`)
      return G.struct(fields)
    }
    default:
      throw mocksError("InvalidSchema", `Dataset.fromZod: ${where || "(root)"}: unsupported zod type "${def.type}"`)
  }
}

export const fromZodSchema = (schema: unknown): Result.Result<G.Gen<unknown>, MocksError> => {
  const def = (schema as { _zod?: { def?: Def } })?._zod?.def
  if (def === undefined)
    return Result.fail(mocksError("InvalidSchema", "Dataset.fromZod: expected a zod 4 schema (no `_zod.def`)"))
  try {
    return Result.succeed(fromDef(def, ""))
  } catch (e) {
    if (e instanceof MocksError) return Result.fail(e)
    throw e
  }
}
