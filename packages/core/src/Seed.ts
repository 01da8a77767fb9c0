/**
 * Seeds: one recorded root for a run, and named, independent substreams derived from it.
 *
 * A `Seed` is an identity — a root (a safe integer or a non-empty string) and a path of names — and a stream is a
 * PRNG keyed by that identity (MurmurHash3 → xoshiro128**, see `internal/prng.ts`). Deriving a substream never
 * draws from its parent, so adding a consumer (`derive(root, "mocks/users")`) never reshuffles another
 * (`derive(root, "chaos/p1")`). The same identity gives the same numbers in every process and on every Node version.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 *
 * const root = Seed.make(42)
 * const rng = Seed.stream(Seed.derive(root, "chaos/p1"))
 * rng.nextInt(0, 9) // the same on every machine
 * Seed.describe(Seed.derive(root, "chaos/p1")) // "seed 42 / chaos/p1"
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Random, Result } from "effect"
import { type CoreError, coreError } from "./CoreError.ts"
import { keyOf, Xoshiro128 } from "./internal/prng.ts"

/**
 * A root seed as given by the user: a safe integer or a non-empty string.
 *
 * @category models
 * @since 0.1.0
 */
export type Root = number | string

/**
 * A seed identity: its root and the path of names derived from it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Seed {
  readonly _tag: "Seed"
  readonly root: Root
  readonly path: ReadonlyArray<string>
}

/**
 * The environment variable read by {@link fromEnv}: set it to replay a recorded run (`H24_SEED=42`).
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 *
 * const replaying = process.env[Seed.ENV_VAR] !== undefined
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const ENV_VAR = "H24_SEED"

const validateRoot = (root: unknown): Result.Result<Root, CoreError> => {
  const bad = (got: string) =>
    Result.fail(
      coreError("InvalidSeed", `Seed.make: root must be a safe integer or a non-empty string (got ${got})`, undefined, {
        module: "Seed.make",
        field: "root",
        value: root
      })
    )
  if (typeof root === "number") return Number.isSafeInteger(root) ? Result.succeed(root) : bad(String(root))
  if (typeof root === "string") return root.length > 0 ? Result.succeed(root) : bad(`""`)
  return bad(typeof root)
}

const splitPath = (name: string): Array<string> => {
  const parts = name.split("/").filter((p) => p.length > 0)
  if (parts.length === 0) throw new TypeError(`Seed.derive: name must be non-empty (got ${JSON.stringify(name)})`)
  return parts
}

/**
 * Makes a root seed. Throws a `TypeError` naming the value when it is not a safe integer or a non-empty string;
 * use {@link parse} at boundaries for a typed error instead.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * const root = Seed.make("nightly-2026-11-24")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (root: Root): Seed => {
  const checked = validateRoot(root)
  if (Result.isFailure(checked)) throw new TypeError(checked.failure.message)
  return { _tag: "Seed", root, path: [] }
}

/**
 * Makes a root seed as a `Result`: a typed `CoreError` (reason `InvalidSeed`, with `module`, `field` and `value`)
 * instead of {@link make}'s `TypeError`. A seed that is already made passes through, so options typed
 * `Root | Seed` are validated in one call.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Seed } from "@24h/core"
 * const checked = Seed.makeResult(-0.5)
 * if (Result.isFailure(checked)) console.error(checked.failure.message) // names the value
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const makeResult = (root: Root | Seed): Result.Result<Seed, CoreError> =>
  typeof root === "object" && root !== null && (root as Seed)._tag === "Seed"
    ? Result.succeed(root as Seed)
    : Result.map(validateRoot(root), (r) => ({ _tag: "Seed", root: r, path: [] }) as Seed)

/**
 * Parses a root seed from text (a CLI flag, an environment variable): digits become a number, anything else stays
 * a string.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seed } from "@24h/core"
 * const root = Effect.runSync(Seed.parse("42")) // Seed.make(42)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const parse = Effect.fn("Seed.parse")((text: string): Effect.Effect<Seed, CoreError> => {
  const trimmed = text.trim()
  const value: Root = /^-?\d+$/.test(trimmed) && Number.isSafeInteger(Number(trimmed)) ? Number(trimmed) : trimmed
  return Effect.map(Effect.fromResult(validateRoot(value)), (root): Seed => ({ _tag: "Seed", root, path: [] }))
})

/**
 * The root seed to use for a run: `H24_SEED` from the environment when set (to replay a run), otherwise a fresh
 * seed from the clock and the process id — which is then recorded in the run's metadata.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const root = await Effect.runPromise(Seed.fromEnv()) // H24_SEED when set, else a fresh seed
 * const fixed = await Effect.runPromise(Seed.fromEnv({ H24_SEED: "42" })) // seed 42
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromEnv = Effect.fn("Seed.fromEnv")(
  (env: Record<string, string | undefined> = process.env): Effect.Effect<Seed, CoreError> => {
    const given = env[ENV_VAR]
    if (given !== undefined && given.trim() !== "") return parse(given)
    return Effect.sync(() => make((Date.now() * 1000 + (process.pid % 1000)) % Number.MAX_SAFE_INTEGER))
  }
)

/**
 * Derives a named substream. `name` may be a path (`"chaos/p1"`), equivalent to deriving each segment in turn.
 * Derivation is pure: it draws nothing from the parent.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * const root = Seed.make(7)
 * Seed.derive(root, "chaos/p1") // same identity as Seed.derive(Seed.derive(root, "chaos"), "p1")
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const derive = (seed: Seed, name: string): Seed => ({
  _tag: "Seed",
  root: seed.root,
  path: [...seed.path, ...splitPath(name)]
})

/**
 * The canonical text of a seed's identity (what is hashed).
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 *
 * Seed.identity(Seed.derive(Seed.make(42), "chaos")) // "n:42/5:chaos"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const identity = (seed: Seed): string =>
  `${typeof seed.root === "number" ? "n" : "s"}:${seed.root}${seed.path.map((p) => `/${p.length}:${p}`).join("")}`

/**
 * A human-readable description, suitable for "replay with" messages.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 *
 * Seed.describe(Seed.derive(Seed.make(42), "mocks/users")) // "seed 42 / mocks/users"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const describe = (seed: Seed): string =>
  `seed ${JSON.stringify(seed.root)}${seed.path.length > 0 ? ` / ${seed.path.join("/")}` : ""}`

/**
 * How to replay a run from its root seed: `H24_SEED=<root>`.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 *
 * declare const root: Seed.Seed
 * console.error(`invariant violated — replay with ${Seed.replayHint(root)}`) // "… replay with H24_SEED=42"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const replayHint = (seed: Seed): string =>
  `${ENV_VAR}=${typeof seed.root === "number" ? seed.root : JSON.stringify(seed.root)}`

/**
 * A seeded pseudo-random stream. Methods advance the stream; two streams of the same seed give the same values.
 *
 * @category models
 * @since 0.1.0
 */
export interface Stream {
  readonly seed: Seed
  /** An unsigned 32-bit integer. */
  nextUint32(): number
  /** A double in [0, 1) with 53 random bits. */
  next(): number
  /** An integer in [min, max], both inclusive, without modulo bias. */
  nextInt(min: number, max: number): number
  /** A double in [min, max). */
  nextRange(min: number, max: number): number
  /** `true` with probability `p` (0 ≤ p ≤ 1). */
  chance(p: number): boolean
  /** One element of a non-empty array. */
  pick<A>(items: ReadonlyArray<A>): A
  /** A shuffled copy (Fisher–Yates). */
  shuffle<A>(items: ReadonlyArray<A>): Array<A>
  /** A normal deviate (Box–Muller). */
  nextGaussian(mean?: number, stddev?: number): number
}

class StreamImpl implements Stream {
  readonly seed: Seed
  private readonly x: Xoshiro128
  constructor(seed: Seed) {
    this.seed = seed
    this.x = new Xoshiro128(keyOf(identity(seed)))
  }
  nextUint32(): number {
    return this.x.nextUint32()
  }
  next(): number {
    return this.x.nextDouble()
  }
  nextInt(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
      throw new RangeError(`Seed.Stream.nextInt: need safe integers with min <= max (got ${min}, ${max})`)
    }
    const range = max - min + 1
    if (range <= 0x100000000) {
      // Lemire-style rejection on 32 bits: unbiased.
      const limit = 0x100000000 - (0x100000000 % range)
      let r = this.x.nextUint32()
      while (r >= limit) r = this.x.nextUint32()
      return min + (r % range)
    }
    return min + Math.floor(this.x.nextDouble() * range)
  }
  nextRange(min: number, max: number): number {
    return min + this.x.nextDouble() * (max - min)
  }
  chance(p: number): boolean {
    if (p >= 1) return true
    if (p <= 0) return false
    return this.x.nextDouble() < p
  }
  pick<A>(items: ReadonlyArray<A>): A {
    if (items.length === 0) throw new RangeError("Seed.Stream.pick: items must be non-empty")
    return items[this.nextInt(0, items.length - 1)]!
  }
  shuffle<A>(items: ReadonlyArray<A>): Array<A> {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.nextInt(0, i)
      const t = out[i]!
      out[i] = out[j]!
      out[j] = t
    }
    return out
  }
  nextGaussian(mean = 0, stddev = 1): number {
    let u = 0
    while (u === 0) u = this.x.nextDouble()
    const v = this.x.nextDouble()
    return mean + stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

/**
 * Starts a fresh stream at the beginning of a seed's sequence.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * const rng = Seed.stream(Seed.derive(Seed.make(42), "mocks/latency"))
 * const delay = rng.nextInt(10, 50)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const stream = (seed: Seed): Stream => new StreamImpl(seed)

/**
 * Bridges a seed to Effect's `Random` service, so `Random.next`, `Random.shuffle`… draw from the seed.
 *
 * @example
 * ```ts
 * import { Effect, Random } from "effect"
 * import { Seed } from "@24h/core"
 * const roll = Random.nextIntBetween(1, 6).pipe(Seed.withRandom(Seed.make(42)))
 * ```
 *
 * @category Effect
 * @since 0.1.0
 */
export const toRandom = (seed: Seed): Random.Random => {
  const s = new StreamImpl(seed)
  return {
    nextDoubleUnsafe: () => s.next(),
    // A safe integer built from 53 random bits, as Effect's own generator returns.
    nextIntUnsafe: () => Math.floor(s.next() * Number.MAX_SAFE_INTEGER)
  }
}

/**
 * Provides Effect's `Random` from a seed to an effect; every run of the effect starts the seed's stream afresh.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Effect, Random } from "effect"
 *
 * const roll = Random.nextIntBetween(1, 6).pipe(Seed.withRandom(Seed.make(42)))
 * const same = (await Effect.runPromise(roll)) === (await Effect.runPromise(roll)) // true: each run starts the stream afresh
 * ```
 *
 * @category Effect
 * @since 0.1.0
 */
export const withRandom =
  (seed: Seed) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    // A fresh stream each time the effect runs: running it twice draws the same values.
    Effect.provideServiceEffect(
      self,
      Random.Random,
      Effect.sync(() => toRandom(seed))
    )

/**
 * The run's root seed as a service, so library code can derive substreams without threading it by hand.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const root = yield* Seed.RootSeed
 *   return Seed.describe(root)
 * }).pipe(Effect.provide(Seed.layer(42)))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class RootSeed extends Context.Service<RootSeed, Seed>()("@24h/core/Seed/RootSeed") {}

/**
 * A layer providing {@link RootSeed}.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const users = Effect.map(Seed.derived("mocks/users"), Seed.stream)
 * const rng = await Effect.runPromise(users.pipe(Effect.provide(Seed.layer(Seed.make("nightly")))))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (root: Root | Seed): Layer.Layer<RootSeed> =>
  Layer.succeed(RootSeed, typeof root === "object" ? root : make(root))

/**
 * Derives a named seed from the {@link RootSeed} in context.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seed } from "@24h/core"
 * const program = Effect.map(Seed.derived("mocks/users"), Seed.stream).pipe(Effect.provide(Seed.layer(42)))
 * ```
 *
 * @category Effect
 * @since 0.1.0
 */
export const derived = Effect.fn("Seed.derived")(
  (name: string): Effect.Effect<Seed, never, RootSeed> => Effect.map(RootSeed, (root) => derive(root, name))
)
