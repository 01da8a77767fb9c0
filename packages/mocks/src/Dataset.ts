/**
 * Seeded datasets in four tiers — **happy** (realistic), **edge** (boundaries, empty and maximum lengths, unicode
 * normalisation, DST instants, float and big-integer limits), **adversarial** (injection strings, confusables, bidi
 * controls, oversized values, prototype-poisoning keys) and **scale** (millions of records, streamed to a file).
 *
 * A dataset comes from a zod schema ({@link fromZod}), a fast-check arbitrary ({@link fromArbitrary}) or a domain
 * pack (`Packs.customer`…). The same seed, tier and count give byte-identical output on every machine; tests pin
 * golden vectors so an upgrade cannot silently change a seed's data. {@link arbitrary} gives the same tier as a
 * fast-check arbitrary, so a failing input shrinks.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 *
 * const customers = Dataset.sample(Packs.customer, { tier: "edge", seed: 42, count: 100 })
 * ```
 *
 * @since 0.1.0
 */
import { createWriteStream, type WriteStream } from "node:fs"
import { rename, rm } from "node:fs/promises"
import { Seed } from "@24h/core"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import type { z } from "zod"
import type * as G from "./internal/gen.ts"
import { hostile } from "./internal/hostile.ts"
import { fcRandom } from "./internal/random.ts"
import { fromZodSchema } from "./internal/zod.ts"
import { type MocksError, mocksError } from "./MocksError.ts"

/**
 * A dataset tier.
 *
 * @example
 * ```ts
 * import { Dataset } from "@24h/mocks"
 * const tier: Dataset.Tier = "edge"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Tier = "happy" | "edge" | "adversarial" | "scale"

/**
 * Every tier, in order.
 *
 * @example
 * ```ts
 * import { Dataset } from "@24h/mocks"
 * Dataset.tiers // ["happy", "edge", "adversarial", "scale"]
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const tiers: ReadonlyArray<Tier> = ["happy", "edge", "adversarial", "scale"]

/**
 * A named, tiered, seeded generator of records of type `A`.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const ds: Dataset.Dataset<unknown> = Packs.customer
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Dataset<A> {
  readonly _tag: "Dataset"
  readonly name: string
  /** @internal */
  readonly gen: G.Gen<A>
}

/**
 * A seed as accepted by datasets: a root (`42`, `"nightly"`) or a derived `Seed`.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import type { Dataset } from "@24h/mocks"
 * const seeds: Array<Dataset.SeedInput> = [42, "nightly", Seed.derive(Seed.make(42), "fixtures")]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type SeedInput = Seed.Root | Seed.Seed

/**
 * What to generate: the tier, the seed and how many records.
 *
 * @example
 * ```ts
 * import type { Dataset } from "@24h/mocks"
 * const options: Dataset.GenerateOptions = { tier: "adversarial", seed: 42, count: 500 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface GenerateOptions {
  /** Default `"happy"`. */
  readonly tier?: Tier
  readonly seed: SeedInput
  readonly count: number
}

/** @internal */
export const make = <A>(name: string, gen: G.Gen<A>): Dataset<A> => ({ _tag: "Dataset", name, gen })

const rootOf = (seed: SeedInput): Seed.Seed => (typeof seed === "object" ? seed : Seed.make(seed))

/**
 * The seed a dataset's tier draws from: `derive(seed, "mocks/<name>/<tier>")`.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Dataset, Packs } from "@24h/mocks"
 * Seed.describe(Dataset.seedOf(Packs.customer, "happy", 42)) // "seed 42 / mocks/customer/happy"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const seedOf = (dataset: Dataset<unknown>, tier: Tier, seed: SeedInput): Seed.Seed =>
  Seed.derive(rootOf(seed), `mocks/${dataset.name}/${tier}`)

const check = (where: string, options: GenerateOptions): Result.Result<Tier, MocksError> => {
  const tier = options.tier ?? "happy"
  if (!tiers.includes(tier)) {
    return Result.fail(
      mocksError(
        "InvalidTier",
        `${where}: tier must be one of ${tiers.join(", ")} (got ${JSON.stringify(tier)})`,
        undefined,
        {
          module: where,
          field: "tier",
          value: tier
        }
      )
    )
  }
  if (!Number.isSafeInteger(options.count) || options.count < 0) {
    return Result.fail(
      mocksError("InvalidOptions", `${where}: count must be a non-negative integer (got ${options.count})`, undefined, {
        module: where,
        field: "count",
        value: options.count
      })
    )
  }
  return Result.succeed(tier)
}

/** The synchronous generators validate eagerly and throw the `MocksError` itself. */
const validate = (where: string, options: GenerateOptions): Tier => {
  const r = check(where, options)
  if (Result.isFailure(r)) throw r.failure
  return r.success
}

/**
 * The records of a tier, lazily: a fresh iterator replays the same sequence.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * for (const line of Dataset.records(Packs.logLine, { tier: "scale", seed: 7, count: 3 })) console.log(line)
 * ```
 *
 * @category generating
 * @since 0.1.0
 */
export const records = <A>(dataset: Dataset<A>, options: GenerateOptions): Iterable<A> => {
  const tier = validate("Dataset.records", options)
  const count = options.count
  return {
    *[Symbol.iterator]() {
      const rng = Seed.stream(seedOf(dataset as Dataset<unknown>, tier, options.seed))
      const run = dataset.gen.compile(tier)
      for (let i = 0; i < count; i++) yield run(rng, i)
    }
  }
}

/**
 * The records of a tier as an array.
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const payments = Dataset.sample(Packs.payment, { tier: "adversarial", seed: 42, count: 50 })
 * ```
 *
 * @category generating
 * @since 0.1.0
 */
export const sample = <A>(dataset: Dataset<A>, options: GenerateOptions): Array<A> => {
  const tier = validate("Dataset.sample", options)
  const rng = Seed.stream(seedOf(dataset as Dataset<unknown>, tier, options.seed))
  const run = dataset.gen.compile(tier)
  const out = new Array<A>(options.count)
  for (let i = 0; i < options.count; i++) out[i] = run(rng, i)
  return out
}

/**
 * A sampler for a tier: call it to get the next record of the seeded sequence (for responses, load, queues).
 *
 * @example
 * ```ts
 * import { Dataset, Packs } from "@24h/mocks"
 * const next = Dataset.sampler(Packs.customer, "happy", 42)
 * const a = next()
 * const b = next()
 * ```
 *
 * @category generating
 * @since 0.1.0
 */
export const sampler = <A>(dataset: Dataset<A>, tier: Tier, seed: SeedInput): (() => A) => {
  validate("Dataset.sampler", { tier, seed, count: 0 })
  const rng = Seed.stream(seedOf(dataset as Dataset<unknown>, tier, seed))
  const run = dataset.gen.compile(tier)
  let i = 0
  return () => run(rng, i++)
}

/**
 * The tier as a fast-check arbitrary, for `fc.assert`: a failing record shrinks to a minimal one.
 *
 * @example
 * ```ts
 * import * as fc from "fast-check"
 * import { Dataset, Packs } from "@24h/mocks"
 * fc.assert(fc.property(Dataset.arbitrary(Packs.customer, "edge"), (c) => typeof c.id === "string"), { seed: 42 })
 * ```
 *
 * @category generating
 * @since 0.1.0
 */
export const arbitrary = <A>(dataset: Dataset<A>, tier: Tier = "happy"): fc.Arbitrary<A> => {
  if (!tiers.includes(tier)) {
    throw mocksError(
      "InvalidTier",
      `Dataset.arbitrary: tier must be one of ${tiers.join(", ")} (got ${JSON.stringify(tier)})`
    )
  }
  return dataset.gen.arbitrary(tier)
}

/**
 * A dataset from a fast-check arbitrary: happy and scale draw without bias, edge with fast-check's strongest bias
 * towards boundary values, adversarial makes some strings hostile and adds poisoning keys to some objects.
 *
 * @example
 * ```ts
 * import * as fc from "fast-check"
 * import { Dataset } from "@24h/mocks"
 * const points = Dataset.fromArbitrary("point", fc.record({ x: fc.integer(), y: fc.integer() }))
 * Dataset.sample(points, { tier: "edge", seed: 1, count: 10 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromArbitrary = <A>(name: string, arb: fc.Arbitrary<A>): Dataset<A> => {
  const compile = (tier: Tier): G.Sampler<A> => {
    let mrng: fc.Random | undefined
    let owner: Seed.Stream | undefined
    const random = (rng: Seed.Stream): fc.Random => {
      if (owner !== rng || mrng === undefined) {
        owner = rng
        mrng = fcRandom(rng)
      }
      return mrng
    }
    if (tier === "edge") return (rng) => arb.generate(random(rng), 2).value
    if (tier === "adversarial") return (rng) => hostile(arb.generate(random(rng), undefined).value, rng) as A
    return (rng) => arb.generate(random(rng), undefined).value
  }
  const arbitraryOf = (tier: Tier): fc.Arbitrary<A> => {
    if (tier === "edge") return arb
    if (tier === "adversarial") {
      return fc.tuple(fc.noBias(arb), fc.nat()).map(([v, s]) => hostile(v, Seed.stream(Seed.make(s))) as A)
    }
    return fc.noBias(arb)
  }
  return make(name, { compile, arbitrary: arbitraryOf })
}

/**
 * A dataset from a zod 4 schema: strings, numbers (bounds, integers), booleans, bigints, dates, enums, literals,
 * objects, arrays, tuples, records, unions, optional, nullable and defaults; string formats email, uuid, url and
 * datetime get realistic values, and any other format or `.regex(...)` gets strings matching its pattern
 * (`fc.stringMatching`). Fails with `InvalidSchema` naming the field of an unsupported type.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { z } from "zod"
 * import { Dataset } from "@24h/mocks"
 * const User = z.object({ id: z.uuid(), name: z.string().min(1).max(40), age: z.int().min(0).max(120) })
 * const users = Effect.runSync(Dataset.fromZod("user", User))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromZod = Effect.fn("Dataset.fromZod")(
  <S extends z.ZodType>(name: string, schema: S): Effect.Effect<Dataset<z.output<S>>, MocksError> =>
    Effect.suspend(() => {
      const gen = fromZodSchema(schema)
      return Result.isSuccess(gen)
        ? Effect.succeed(make(name, gen.success as G.Gen<z.output<S>>))
        : Effect.fail(gen.failure)
    })
)

/**
 * Parses a tier name (CLI flags, HTTP bodies) with an `InvalidTier` error listing the valid ones.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Dataset } from "@24h/mocks"
 * Effect.runSync(Dataset.parseTier("edge")) // "edge"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const parseTier = Effect.fn("Dataset.parseTier")(
  (text: string): Effect.Effect<Tier, MocksError> =>
    tiers.includes(text as Tier)
      ? Effect.succeed(text as Tier)
      : Effect.fail(
          mocksError("InvalidTier", `Dataset: tier must be one of ${tiers.join(", ")} (got ${JSON.stringify(text)})`)
        )
)

/**
 * JSON text of one record: like `JSON.stringify`, with bigints written as decimal strings.
 *
 * @example
 * ```ts
 * import { Dataset } from "@24h/mocks"
 * Dataset.toJson({ big: 9007199254740993n }) // '{"big":"9007199254740993"}'
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toJson = (value: unknown): string => {
  try {
    return JSON.stringify(value)
  } catch {
    return JSON.stringify(value, bigintReplacer)
  }
}

const bigintReplacer = (_k: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v)

/**
 * Options of {@link write}.
 *
 * @example
 * ```ts
 * import type { Dataset } from "@24h/mocks"
 * const options: Dataset.WriteOptions = { tier: "scale", seed: 42, count: 1_000_000, path: "out.ndjson", progress: false }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface WriteOptions extends GenerateOptions {
  /** The file to write; written to a temporary sibling and renamed when complete. */
  readonly path: string
  /** `"ndjson"` (default: one record per line) or `"json"` (one array). */
  readonly format?: "ndjson" | "json"
  /**
   * Progress on stderr. Default: on when stderr is a TTY and `CI` is not set. A function receives
   * `(written, count)` instead, at most every 250 ms.
   */
  readonly progress?: boolean | ((written: number, count: number) => void)
}

/**
 * What {@link write} wrote.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Dataset, Packs } from "@24h/mocks"
 * const bytes = Dataset.write(Packs.logLine, { seed: 1, count: 10, path: "/tmp/l.ndjson" }).pipe(Effect.map((s) => s.bytes))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface WriteSummary {
  readonly dataset: string
  readonly tier: Tier
  readonly seed: Seed.Root
  readonly records: number
  readonly bytes: number
  readonly path: string
  readonly format: "ndjson" | "json"
}

const CHUNK = 64 * 1024

/**
 * Streams a tier to a file as NDJSON or JSON in bounded memory (64 KiB chunks, waiting for the file to drain), with
 * progress on a TTY and none in CI. Interrupting it removes the partial file.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Dataset, Packs } from "@24h/mocks"
 * const summary = Effect.runPromise(
 *   Dataset.write(Packs.customer, { tier: "scale", seed: 42, count: 1_000_000, path: "/tmp/customers.ndjson" })
 * )
 * ```
 *
 * @category writing
 * @since 0.1.0
 */
export const write = Effect.fn("Dataset.write")(
  <A>(dataset: Dataset<A>, options: WriteOptions): Effect.Effect<WriteSummary, MocksError> =>
    Effect.suspend(() => {
      const checked = check("Dataset.write", options)
      if (Result.isFailure(checked)) return Effect.fail(checked.failure)
      const tier = checked.success
      const format = options.format ?? "ndjson"
      if (format !== "ndjson" && format !== "json") {
        return Effect.fail(
          mocksError("InvalidOptions", `Dataset.write: format must be ndjson or json (got ${JSON.stringify(format)})`)
        )
      }
      const root = rootOf(options.seed)
      const tmp = `${options.path}.${process.pid}.partial`
      // The temporary file is a resource: on failure or interruption it is closed and removed before write returns.
      return Effect.acquireUseRelease(
        Effect.sync(() => {
          const out = createWriteStream(tmp, { highWaterMark: CHUNK })
          const state: { failure: Error | undefined } = { failure: undefined }
          out.on("error", (e) => {
            state.failure = e
          })
          return { out, state }
        }),
        ({ out, state }) =>
          Effect.tryPromise({
            try: (signal) => writeFile(dataset, tier, format, options, out, state, tmp, signal),
            catch: (cause) =>
              mocksError(
                "Io",
                `Dataset.write: cannot write ${options.path}: ${cause instanceof Error ? cause.message : String(cause)}`,
                cause
              )
          }),
        ({ out }, exit) =>
          exit._tag === "Success"
            ? Effect.void
            : Effect.promise(async () => {
                if (!out.closed) {
                  await new Promise<void>((resolve) => {
                    out.once("close", () => resolve())
                    out.destroy()
                  })
                }
                await rm(tmp, { force: true })
              })
      ).pipe(
        Effect.map(
          (bytes): WriteSummary => ({
            dataset: dataset.name,
            tier,
            seed: root.root,
            records: options.count,
            bytes,
            path: options.path,
            format
          })
        )
      )
    })
)

const writeFile = async <A>(
  dataset: Dataset<A>,
  tier: Tier,
  format: "ndjson" | "json",
  options: WriteOptions,
  out: WriteStream,
  state: { failure: Error | undefined },
  tmp: string,
  signal: AbortSignal
): Promise<number> => {
  const report = progressReporter(options.progress)
  const rng = Seed.stream(seedOf(dataset as Dataset<unknown>, tier, options.seed))
  const run = dataset.gen.compile(tier)
  const count = options.count
  const json = format === "json"
  const sep = json ? ",\n" : "\n"
  let bytes = 0
  let buf = json ? "[\n" : ""
  const flush = async (): Promise<void> => {
    bytes += Buffer.byteLength(buf)
    const ok = out.write(buf)
    buf = ""
    if (!ok && state.failure === undefined) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off("drain", done)
          out.off("error", done)
          resolve()
        }
        out.on("drain", done)
        out.on("error", done)
      })
    }
    if (state.failure !== undefined) throw state.failure
    if (signal.aborted) throw new Error("interrupted")
  }
  try {
    for (let i = 0; i < count; i++) {
      buf += toJson(run(rng, i))
      if (!json || i < count - 1) buf += sep
      if (buf.length >= CHUNK) {
        await flush()
        report?.(i + 1, count)
      }
    }
    if (json) buf += count > 0 ? "\n]\n" : "]\n"
    await flush()
    await new Promise<void>((resolve, reject) => {
      out.end((err?: Error | null) => (err ? reject(err) : resolve()))
    })
    if (state.failure !== undefined) throw state.failure
    report?.(count, count, true)
    await rename(tmp, options.path)
    return bytes
  } catch (e) {
    report?.(0, count, true)
    throw e
  }
}

const progressReporter = (
  progress: WriteOptions["progress"]
): ((written: number, count: number, final?: boolean) => void) | undefined => {
  const onTty = progress === undefined ? process.stderr.isTTY === true && !process.env.CI : progress
  if (onTty === false) return undefined
  let last = 0
  if (typeof onTty === "function") {
    return (written, count, final) => {
      const now = Date.now()
      if (final === true || now - last >= 250) {
        last = now
        onTty(written, count)
      }
    }
  }
  return (written, count, final) => {
    const now = Date.now()
    if (final === true) {
      process.stderr.write("\r\u001b[2K")
      return
    }
    if (now - last < 250) return
    last = now
    const pct = count === 0 ? 100 : Math.floor((written / count) * 100)
    process.stderr.write(`\r\u001b[2K${written.toLocaleString("en")} / ${count.toLocaleString("en")} records (${pct}%)`)
  }
}
