/**
 * Generators that know the four dataset tiers.
 *
 * A `Gen<A>` is compiled once per tier into a plain sampler `(rng, index) => A` (the hot path: closures over
 * precomputed tables, one PRNG draw per decision), and can also be turned into a fast-check arbitrary for the same
 * tier so failing inputs shrink.
 *
 * ```
 *  Gen ──compile(tier)──▶ (rng, i) => A        fast, seeded by a Seed.Stream
 *      ──arbitrary(tier)─▶ fc.Arbitrary<A>    shrinkable, for fc.assert
 * ```
 *
 * Tiers at the leaves: happy draws realistic values; edge draws a boundary value half of the time; adversarial
 * replaces a string with a hostile one a third of the time and adds prototype-poisoning keys to some objects;
 * scale is happy (its difference is volume and streaming).
 */
import type { Seed } from "@24h/core"
import * as fc from "fast-check"
import * as Adversarial from "../Adversarial.ts"

export type Tier = "happy" | "edge" | "adversarial" | "scale"

export type Sampler<A> = (rng: Seed.Stream, index: number) => A

export interface Gen<A> {
  readonly compile: (tier: Tier) => Sampler<A>
  readonly arbitrary: (tier: Tier) => fc.Arbitrary<A>
}

export const EDGE_P = 0.5
export const HOSTILE_P = 0.35
export const POISON_P = 0.1
export const OVERSIZED_P = 0.01
export const OVERSIZED_BYTES = 64 * 1024

const pickFrom = <A>(rng: Seed.Stream, items: ReadonlyArray<A>): A => items[(rng.nextUint32() % items.length) >>> 0]!

/** A leaf with a happy sampler and (optional) edge values; hostile strings come from the corpus when `text`. */
export const leaf = <A>(options: {
  readonly happy: Sampler<A>
  readonly happyArbitrary: () => fc.Arbitrary<A>
  readonly edges?: ReadonlyArray<A>
  readonly text?: boolean
  /** Replaces the corpus pick in the adversarial tier (e.g. a prompt with an injection appended). */
  readonly hostile?: Sampler<A>
}): Gen<A> => {
  const edges = options.edges ?? []
  const text = options.text === true || options.hostile !== undefined
  const hostile = Adversarial.strings as unknown as ReadonlyArray<A>
  const hostileSampler: Sampler<A> = options.hostile ?? ((rng) => pickFrom(rng, hostile))
  return {
    compile: (tier) => {
      const happy = options.happy
      if (tier === "edge" && edges.length > 0) {
        return (rng, i) => (rng.next() < EDGE_P ? pickFrom(rng, edges) : happy(rng, i))
      }
      if (tier === "adversarial" && text) {
        return (rng, i) => {
          const r = rng.next()
          if (r < OVERSIZED_P) return Adversarial.oversized(OVERSIZED_BYTES) as unknown as A
          return r < HOSTILE_P ? hostileSampler(rng, i) : happy(rng, i)
        }
      }
      if (tier === "adversarial" && edges.length > 0) {
        return (rng, i) => (rng.next() < EDGE_P ? pickFrom(rng, edges) : happy(rng, i))
      }
      return happy
    },
    arbitrary: (tier) => {
      const base = options.happyArbitrary()
      if ((tier === "edge" || (tier === "adversarial" && !text)) && edges.length > 0) {
        return fc.oneof(base, fc.constantFrom(...edges))
      }
      if (tier === "adversarial" && text) return fc.oneof(base, fc.constantFrom(...hostile))
      return base
    }
  }
}

export const constant = <A>(value: A): Gen<A> => ({
  compile: () => () => value,
  arbitrary: () => fc.constant(value)
})

export const int = (min: number, max: number, extraEdges: ReadonlyArray<number> = []): Gen<number> =>
  leaf({
    happy: (rng) => rng.nextInt(min, max),
    happyArbitrary: () => fc.integer({ min, max }),
    edges: uniq([min, max, min + 1, max - 1, 0, -1, 1, ...extraEdges].filter((n) => n >= min && n <= max))
  })

export const float = (
  min: number,
  max: number,
  decimals: number,
  extraEdges: ReadonlyArray<number> = []
): Gen<number> => {
  const scale = 10 ** decimals
  return leaf({
    happy: (rng) => Math.round(rng.nextRange(min, max) * scale) / scale,
    happyArbitrary: () =>
      fc.integer({ min: Math.ceil(min * scale), max: Math.floor(max * scale) }).map((n) => n / scale),
    edges: uniq([min, max, ...extraEdges].filter((n) => n >= min && n <= max))
  })
}

export const bool = (p = 0.5): Gen<boolean> =>
  leaf({ happy: (rng) => rng.next() < p, happyArbitrary: () => fc.boolean() })

/** A string picked from a word list. `edges` defaults to the shared edge strings. */
export const words = (list: ReadonlyArray<string>, edges?: ReadonlyArray<string>): Gen<string> =>
  leaf({
    happy: (rng) => pickFrom(rng, list),
    happyArbitrary: () => fc.constantFrom(...list),
    ...(edges === undefined ? {} : { edges }),
    text: true
  })

/** A non-text choice (enums, currencies): the edge and adversarial tiers keep it valid unless `edges` are given. */
export const choice = <A>(list: ReadonlyArray<A>, edges?: ReadonlyArray<A>): Gen<A> =>
  leaf({
    happy: (rng) => pickFrom(rng, list),
    happyArbitrary: () => fc.constantFrom(...list),
    ...(edges === undefined ? {} : { edges })
  })

/** Text of `min`..`max` words from a list. */
export const sentence = (list: ReadonlyArray<string>, min: number, max: number, edges?: ReadonlyArray<string>) =>
  leaf({
    happy: (rng) => {
      const n = rng.nextInt(min, max)
      let s = pickFrom(rng, list)
      for (let k = 1; k < n; k++) s += ` ${pickFrom(rng, list)}`
      return s
    },
    happyArbitrary: () =>
      fc.array(fc.constantFrom(...list), { minLength: Math.max(1, min), maxLength: max }).map((w) => w.join(" ")),
    ...(edges === undefined ? {} : { edges }),
    text: true
  })

/** A custom happy sampler, with an arbitrary built from a seed so it still shrinks (towards seed 0). */
export const custom = <A>(
  happy: Sampler<A>,
  options: { readonly edges?: ReadonlyArray<A>; readonly text?: boolean; readonly hostile?: Sampler<A> } = {}
) =>
  leaf<A>({
    happy,
    happyArbitrary: () => fc.tuple(fc.nat(), fc.nat()).map(([s, i]) => happy(seededStream(s), i)),
    ...options
  })

/** A tiny self-contained stream for arbitraries of custom leaves (the arbitrary's own seed decides it). */
const seededStream = (s: number): Seed.Stream => {
  let state = (s ^ 0x9e3779b9) >>> 0 || 1
  const nextUint32 = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  const next = (): number => nextUint32() / 0x100000000
  const nextInt = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  const stream: Seed.Stream = {
    seed: { _tag: "Seed", root: s, path: ["mocks", "arbitrary"] },
    nextUint32,
    next,
    nextInt,
    nextRange: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick: (items) => items[nextInt(0, items.length - 1)]!,
    shuffle: (items) => {
      const out = items.slice()
      for (let i = out.length - 1; i > 0; i--) {
        const j = nextInt(0, i)
        const t = out[i]!
        out[i] = out[j]!
        out[j] = t
      }
      return out
    },
    nextGaussian: (mean = 0, sd = 1) =>
      mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
  }
  return stream
}

export const map = <A, B>(self: Gen<A>, f: (a: A) => B): Gen<B> => ({
  compile: (tier) => {
    const run = self.compile(tier)
    return (rng, i) => f(run(rng, i))
  },
  arbitrary: (tier) => self.arbitrary(tier).map(f)
})

export const optional = <A>(self: Gen<A>, presence: number): Gen<A | undefined> => ({
  compile: (tier) => {
    const run = self.compile(tier)
    return (rng, i) => (rng.next() < presence ? run(rng, i) : undefined)
  },
  arbitrary: (tier) =>
    fc.option(self.arbitrary(tier), { nil: undefined, freq: Math.max(1, Math.round(1 / (1 - presence + 1e-9)) - 1) })
})

export const nullable = <A>(self: Gen<A>, presence: number): Gen<A | null> => ({
  compile: (tier) => {
    const run = self.compile(tier)
    const p = tier === "edge" ? Math.min(presence, 0.5) : presence
    return (rng, i) => (rng.next() < p ? run(rng, i) : null)
  },
  arbitrary: (tier) => fc.option(self.arbitrary(tier), { nil: null })
})

export const oneOf = <A>(gens: ReadonlyArray<Gen<A>>): Gen<A> => ({
  compile: (tier) => {
    const runs = gens.map((g) => g.compile(tier))
    return (rng, i) => pickFrom(rng, runs)(rng, i)
  },
  arbitrary: (tier) => fc.oneof(...gens.map((g) => g.arbitrary(tier)))
})

export const array = <A>(item: Gen<A>, min: number, max: number): Gen<Array<A>> => ({
  compile: (tier) => {
    const run = item.compile(tier)
    return (rng, i) => {
      const n = tier === "edge" && rng.next() < EDGE_P ? (rng.next() < 0.5 ? min : max) : rng.nextInt(min, max)
      const out = new Array<A>(n)
      for (let k = 0; k < n; k++) out[k] = run(rng, i)
      return out
    }
  },
  arbitrary: (tier) => fc.array(item.arbitrary(tier), { minLength: min, maxLength: max })
})

/**
 * An object of fields, in the declared order. `undefined` values are left out. In the adversarial tier some
 * objects gain a prototype-poisoning key.
 */
export const struct = <A extends object>(fields: { readonly [K in keyof A]: Gen<A[K]> }): Gen<A> => {
  const keys = Object.keys(fields) as Array<keyof A & string>
  return {
    compile: (tier) => {
      const runs = keys.map((k) => fields[k].compile(tier))
      const n = keys.length
      const poison = tier === "adversarial"
      return (rng, i) => {
        const out: Record<string, unknown> = {}
        for (let k = 0; k < n; k++) {
          const v = runs[k]!(rng, i)
          if (v !== undefined) out[keys[k]!] = v
        }
        if (poison && rng.next() < POISON_P) {
          Adversarial.poisoned(pickFrom(rng, Adversarial.poisonKeys), { isAdmin: true, polluted: "yes" }, out)
        }
        return out as A
      }
    },
    arbitrary: (tier) => {
      const rec: Record<string, fc.Arbitrary<unknown>> = {}
      for (const k of keys) rec[k] = fields[k].arbitrary(tier)
      const base = fc.record(rec).map((r) => {
        const out: Record<string, unknown> = {}
        for (const k of keys) if (r[k] !== undefined) out[k] = r[k]
        return out as A
      })
      if (tier !== "adversarial") return base
      return fc
        .tuple(base, fc.option(fc.constantFrom(...Adversarial.poisonKeys), { nil: undefined, freq: 9 }))
        .map(([r, key]) =>
          key === undefined
            ? r
            : (Adversarial.poisoned(key, { isAdmin: true }, { ...r } as Record<string, unknown>) as A)
        )
    }
  }
}

const uniq = <A>(xs: ReadonlyArray<A>): Array<A> => {
  const out: Array<A> = []
  for (const x of xs) if (!out.some((y) => Object.is(x, y))) out.push(x)
  return out
}
