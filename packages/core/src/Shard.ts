/**
 * Shards: one run split across processes, Kubernetes Indexed Job pods or CI matrix legs. Shard `i/n` (0-based, as
 * `JOB_COMPLETION_INDEX` is) takes its exact share of a load model's arrival rate, virtual users and iteration
 * budget (the shares sum to the whole), derives its seeds with `Seed.derive(seed, "shard/<i>")` so no two shards
 * generate the same record or take the same fault decision, and writes under `shards/<i>/` of the run directory.
 * `Merge` puts the shards back together.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Shard } from "@24h/core"
 *
 * const program = Effect.gen(function* () {
 *   const shard = yield* Shard.parse("1/4")
 *   const whole = Load.constantRate({ rate: "1000/s", duration: "10s" })
 *   const mine = yield* Shard.model(whole, shard) // 250/s
 *   return Shard.dir("runs/r1", shard) // "runs/r1/shards/1"
 * })
 * ```
 *
 * @since 0.2.0
 */
import { join } from "node:path"
import { Effect, Option } from "effect"
import { type CoreError, coreError } from "./CoreError.ts"
import type { CurrentRecorder } from "./internal/recorder.ts"
import type * as Load from "./Load.ts"
import * as Pipeline from "./Pipeline.ts"
import { CurrentRun } from "./Run.ts"
import * as Seed from "./Seed.ts"

/**
 * One shard of a run: `index` in `[0, count)`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Shard {
  readonly _tag: "Shard"
  readonly index: number
  readonly count: number
}

/**
 * The environment variable holding the shard count (the index comes from `JOB_COMPLETION_INDEX` or
 * {@link INDEX_VAR}).
 *
 * @example
 * ```ts
 * import { Shard } from "@24h/core"
 * Shard.COUNT_VAR // "H24_SHARD_COUNT"
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const COUNT_VAR = "H24_SHARD_COUNT"

/**
 * The environment variable holding the shard index when `JOB_COMPLETION_INDEX` (set by Kubernetes Indexed Jobs) is
 * absent.
 *
 * @example
 * ```ts
 * import { Shard } from "@24h/core"
 * Shard.INDEX_VAR // "H24_SHARD_INDEX"
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const INDEX_VAR = "H24_SHARD_INDEX"

const MAX_SHARDS = 10_000

/**
 * Makes a shard, failing with `CoreError { reason: "InvalidInput" }` naming the bad number.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Shard } from "@24h/core"
 * const s = Effect.runSync(Shard.make(0, 4)) // { _tag: "Shard", index: 0, count: 4 }
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = Effect.fn("Shard.make")((index: number, count: number): Effect.Effect<Shard, CoreError> => {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS)
    return Effect.fail(
      coreError("InvalidInput", `Shard: count must be an integer in [1, ${MAX_SHARDS}] (got ${count})`)
    )
  if (!Number.isInteger(index) || index < 0 || index >= count)
    return Effect.fail(
      coreError(
        "InvalidInput",
        `Shard: index must be an integer in [0, ${count - 1}] for ${count} shards (got ${index})`
      )
    )
  return Effect.succeed({ _tag: "Shard", index, count })
})

/**
 * Parses `"i/n"` (0-based index, so `"0/4"` … `"3/4"`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Shard } from "@24h/core"
 * Effect.runSync(Shard.parse("3/4")).index // 3
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const parse = Effect.fn("Shard.parse")((text: string): Effect.Effect<Shard, CoreError> => {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (m === null)
    return Effect.fail(
      coreError(
        "InvalidInput",
        `Shard.parse: expected "i/n" with 0 <= i < n, such as "0/4" (got ${JSON.stringify(text)})`
      )
    )
  return make(Number(m[1]), Number(m[2]))
})

/**
 * Reads the shard from the environment: the index from `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs) or
 * `H24_SHARD_INDEX`, the count from `H24_SHARD_COUNT`. None when neither index variable is set; a malformed value
 * fails naming the variable.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Shard } from "@24h/core"
 * const s = Effect.runSync(Shard.fromEnv({ JOB_COMPLETION_INDEX: "2", H24_SHARD_COUNT: "4" })) // Some(2/4)
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const fromEnv = Effect.fn("Shard.fromEnv")(
  (env: Readonly<Record<string, string | undefined>> = process.env): Effect.Effect<Option.Option<Shard>, CoreError> => {
    const indexVar = env.JOB_COMPLETION_INDEX !== undefined ? "JOB_COMPLETION_INDEX" : INDEX_VAR
    const rawIndex = env[indexVar]
    if (rawIndex === undefined || rawIndex.trim() === "") return Effect.succeed(Option.none())
    const rawCount = env[COUNT_VAR]
    if (rawCount === undefined || !/^\s*\d+\s*$/.test(rawCount))
      return Effect.fail(
        coreError(
          "InvalidInput",
          `Shard.fromEnv: ${indexVar} is set (${JSON.stringify(rawIndex)}), so ${COUNT_VAR} must be the shard count (got ${JSON.stringify(rawCount)})`
        )
      )
    if (!/^\s*\d+\s*$/.test(rawIndex))
      return Effect.fail(
        coreError("InvalidInput", `Shard.fromEnv: ${indexVar} must be an integer (got ${JSON.stringify(rawIndex)})`)
      )
    return Effect.map(make(Number(rawIndex), Number(rawCount)), Option.some)
  }
)

/**
 * `"i/n"`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Shard } from "@24h/core"
 * Shard.format(Effect.runSync(Shard.make(1, 4))) // "1/4"
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const format = (shard: Shard): string => `${shard.index}/${shard.count}`

/**
 * The shard's part of an integer total: `floor(total / n)`, plus one for the first `total mod n` shards, so the
 * parts sum to `total` exactly.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Shard } from "@24h/core"
 * const parts = [0, 1, 2].map((i) => Shard.shareOf(10, Effect.runSync(Shard.make(i, 3)))) // [4, 3, 3]
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const shareOf = (total: number, shard: Shard): number => {
  if (Number.isInteger(total)) {
    const base = Math.floor(total / shard.count)
    return base + (shard.index < total - base * shard.count ? 1 : 0)
  }
  // A fractional total (a rate of 2.5/s): equal parts, the last one taking what rounding left.
  const part = total / shard.count
  return shard.index < shard.count - 1 ? part : total - part * (shard.count - 1)
}

const positive = (what: string, total: number, shard: Shard): Effect.Effect<number, CoreError> => {
  const part = shareOf(total, shard)
  return part >= 1 || (!Number.isInteger(total) && part > 0)
    ? Effect.succeed(part)
    : Effect.fail(
        coreError(
          "InvalidInput",
          `Shard.model: ${what} ${total} cannot be split into ${shard.count} shards (shard ${format(shard)} would get ${part})`
        )
      )
}

/**
 * The shard's part of a load model: its share of the rate (each stage of a ramp), of the virtual users and of
 * `maxIterations`; durations, arrivals and think time unchanged. Fails when a part would be empty (3 VUs in 4
 * shards). An open model's VU allowance is at least 1 per shard.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Shard } from "@24h/core"
 * const whole = Load.closed({ vus: 10, duration: "1m" })
 * const parts = [0, 1, 2].map((i) =>
 *   Effect.runSync(Effect.flatMap(Shard.make(i, 3), (s) => Shard.model(whole, s)))
 * ) // 4, 3 and 3 VUs
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const model = Effect.fn("Shard.model")(
  (whole: Load.Model, shard: Shard): Effect.Effect<Load.Model, CoreError> =>
    Effect.gen(function* () {
      const maxIterations =
        whole.maxIterations === undefined
          ? {}
          : { maxIterations: yield* positive("maxIterations", whole.maxIterations, shard) }
      switch (whole._tag) {
        case "closed":
          return { ...whole, vus: yield* positive("vus", whole.vus, shard), ...maxIterations }
        case "constant-rate":
          return {
            ...whole,
            rate: yield* positive("rate", whole.rate, shard),
            vus: Math.max(1, shareOf(whole.vus, shard)),
            ...maxIterations
          }
        case "ramping-rate":
          return {
            ...whole,
            startRate: shareOf(whole.startRate, shard),
            stages: whole.stages.map((s) => ({ ...s, target: shareOf(s.target, shard) })),
            vus: Math.max(1, shareOf(whole.vus, shard)),
            ...maxIterations
          }
      }
    })
)

/**
 * The shard's seed: `Seed.derive(seed, "shard/<i>")`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Seed, Shard } from "@24h/core"
 * const s = Shard.seed(Seed.make(42), Effect.runSync(Shard.make(2, 4)))
 * Seed.identity(s) // "n:42/5:shard/1:2"
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const seed = (root: Seed.Seed, shard: Shard): Seed.Seed => Seed.derive(root, `shard/${shard.index}`)

/**
 * Where a shard writes inside a run directory: `<runDir>/shards/<i>`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Shard } from "@24h/core"
 * Shard.dir("runs/r1", Effect.runSync(Shard.make(3, 4))) // "runs/r1/shards/3"
 * ```
 *
 * @category persistence
 * @since 0.2.0
 */
export const dir = (runDir: string, shard: Shard): string => join(runDir, "shards", String(shard.index))

/**
 * Runs a pipeline as one shard: its load takes the shard's part ({@link model}), every seed under the `RootSeed`
 * (load arrivals, datasets, fault decisions) is derived by shard, the result carries a `shard i/n` note, and it is
 * written under `shards/<i>/` of `spec.dir` (or of the `CurrentRun`). The same spec run as shards `0/n` … `n-1/n`
 * in n processes, then `Merge.dirs`, gives one result for the whole.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Shard } from "@24h/core"
 * declare const getOrder: Load.Iteration
 * const program = Effect.gen(function* () {
 *   const shard = yield* Shard.parse("0/4")
 *   return yield* Shard.pipeline("baseline", {
 *     name: "orders",
 *     load: { model: Load.constantRate({ rate: "1000/s", duration: "30s" }), iteration: getOrder },
 *     thresholds: ["p99 < 200ms"],
 *     dir: "runs/r1"
 *   }, shard)
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const pipeline = Effect.fn("Shard.pipeline")(
  <E = never, R = never>(
    kind: Pipeline.Kind,
    spec: Pipeline.Spec<E, R>,
    shard: Shard
  ): Effect.Effect<Pipeline.Result, CoreError, Exclude<R, CurrentRecorder>> =>
    Effect.gen(function* () {
      const current = Option.getOrUndefined(yield* Effect.serviceOption(CurrentRun))
      const root = Option.getOrUndefined(yield* Effect.serviceOption(Seed.RootSeed))
      const base = spec.dir ?? current?.dir
      const load =
        spec.load === undefined
          ? undefined
          : {
              ...spec.load,
              model: yield* model(spec.load.model, shard),
              options: {
                ...spec.load.options,
                seed: seed(
                  spec.load.options?.seed ??
                    (root === undefined ? Seed.make("load") : Seed.derive(root, `load/${spec.name}`)),
                  shard
                )
              }
            }
      const method = spec.method
      const sharded: Pipeline.Spec<E, R> = {
        ...spec,
        ...(load === undefined ? {} : { load }),
        ...(base === undefined ? {} : { dir: dir(base, shard) }),
        method: (rec) => {
          rec.note(`shard ${format(shard)}`)
          return method === undefined ? Effect.void : method(rec)
        }
      }
      const run = Pipeline.experiment(kind, sharded)
      return yield* root === undefined ? run : run.pipe(Effect.provideService(Seed.RootSeed, seed(root, shard)))
    })
)
