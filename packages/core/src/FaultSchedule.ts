/**
 * Faults on a schedule, over any target: each window applies a {@link Fault} at an offset and reverts it after a
 * duration, optionally repeating (`every`, `times`) with a seeded stagger, as Jepsen's nemesis does. Time comes from
 * Effect's `Clock`, so a schedule can be tested with `TestClock`.
 *
 * - Each window lands in the running pipeline's result by itself (`Pipeline.run` provides the recorder).
 * - Every fault is reverted on success, failure and interrupt; a failed `apply` fails the schedule (the experiment
 *   did not happen), a failed `revert` is logged and recorded on the window.
 * - `onWindowEnd` runs after each revert (the recovery pipeline measures recovery time there).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, FaultSchedule } from "@24h/core"
 *
 * declare const latency: Fault.Fault
 * declare const outage: Fault.Fault
 * const schedule = FaultSchedule.make([
 *   { fault: latency, at: "2s", duration: "3s" },
 *   { fault: outage, at: "1s", duration: "500ms", every: "4s", times: 3 }
 * ])
 * const windows = FaultSchedule.run(schedule) // Effect<ReadonlyArray<FaultSchedule.Occurrence>>
 * ```
 *
 * @since 0.2.0
 */
import { Cause, Clock, Duration, Effect, Exit, Metric, Option, Ref, Result } from "effect"
import { coreError } from "./CoreError.ts"
import type * as Fault from "./Fault.ts"
import { CurrentRecorder } from "./internal/recorder.ts"
import * as metrics from "./internal/telemetry/metrics.ts"
import { millis } from "./internal/units.ts"
import * as Seed from "./Seed.ts"

type DurationInput = number | string | Duration.Duration

/**
 * One planned window: `fault` is active from `at` (after the schedule starts) for `duration`; with `every` and
 * `times` it repeats; `stagger` adds a seeded offset in [0, stagger) to each start.
 *
 * @category models
 * @since 0.2.0
 */
export interface Window<E = never, R = never> {
  readonly fault: Fault.Fault<E, R>
  readonly at: DurationInput
  readonly duration: DurationInput
  readonly every?: DurationInput
  /** How many times in all (default 1; with `every`, default 1 too). */
  readonly times?: number
  readonly stagger?: DurationInput
}

/**
 * A validated schedule: occurrences sorted by start, offsets in milliseconds.
 *
 * @category models
 * @since 0.2.0
 */
export interface FaultSchedule<E = never, R = never> {
  readonly _tag: "FaultSchedule"
  readonly occurrences: ReadonlyArray<{
    readonly fault: Fault.Fault<E, R>
    readonly atMs: number
    readonly durationMs: number
    readonly repeat: number
  }>
}

/**
 * A window as it happened, in `Clock` epoch milliseconds.
 *
 * @category models
 * @since 0.2.0
 */
export interface Occurrence {
  readonly name: string
  readonly target: string
  readonly repeat: number
  readonly start: number
  readonly end: number
  readonly details: Readonly<Record<string, unknown>>
  /** Set when the revert failed. */
  readonly revertError?: string
}

const ms = (input: unknown, where: string, field: string): number => {
  const v = millis(input)
  if (Result.isFailure(v))
    throw coreError(
      "InvalidInput",
      `FaultSchedule.make: ${where}: ${field} ${v.failure} (got ${JSON.stringify(input)})`,
      undefined,
      { module: "FaultSchedule.make", field, value: input }
    )
  return v.success
}

/**
 * Validates and expands windows. Throws `CoreError { reason: "InvalidInput" }` for a bad duration or count, or when
 * two occurrences of the same fault overlap (one fault cannot be applied twice at once).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, FaultSchedule } from "@24h/core"
 *
 * const f = Fault.make({ name: "noop", target: "t", apply: Effect.void, revert: Effect.void })
 * FaultSchedule.make([{ fault: f, at: 0, duration: "1s", every: "2s", times: 3 }]).occurrences.length // 3
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = <E = never, R = never>(
  windows: ReadonlyArray<Window<E, R>>,
  options: { readonly seed?: Seed.Seed } = {}
): FaultSchedule<E, R> => {
  const rng = Seed.stream(options.seed ?? Seed.make("fault-schedule"))
  const occurrences: Array<FaultSchedule<E, R>["occurrences"][number] & { index: number }> = []
  windows.forEach((w, i) => {
    const where = `window ${i + 1} (${JSON.stringify(w.fault?.name)})`
    const atMs = ms(w.at, where, "at")
    const durationMs = ms(w.duration, where, "duration")
    const times = w.times ?? 1
    if (!Number.isInteger(times) || times < 1 || times > 100_000)
      throw coreError(
        "InvalidInput",
        `FaultSchedule.make: ${where}: times must be an integer in 1..100000 (got ${times})`
      )
    if (times > 1 && w.every === undefined)
      throw coreError("InvalidInput", `FaultSchedule.make: ${where}: times > 1 needs every`)
    const everyMs = w.every === undefined ? 0 : ms(w.every, where, "every")
    const staggerMs = w.stagger === undefined ? 0 : ms(w.stagger, where, "stagger")
    for (let k = 0; k < times; k++)
      occurrences.push({
        fault: w.fault,
        atMs: atMs + k * everyMs + (staggerMs > 0 ? rng.next() * staggerMs : 0),
        durationMs,
        repeat: k + 1,
        index: i + 1
      })
  })
  occurrences.sort((a, b) => a.atMs - b.atMs)
  for (let i = 0; i < occurrences.length; i++)
    for (let j = i + 1; j < occurrences.length; j++) {
      const a = occurrences[i]!
      const b = occurrences[j]!
      if (a.fault === b.fault && b.atMs < a.atMs + a.durationMs)
        throw coreError(
          "InvalidInput",
          `FaultSchedule.make: fault ${JSON.stringify(a.fault.name)} overlaps itself (window ${a.index} repeat ${a.repeat} and window ${b.index} repeat ${b.repeat})`
        )
    }
  return { _tag: "FaultSchedule", occurrences: occurrences.map(({ index: _, ...o }) => o) }
}

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.2.0
 */
export interface RunOptions<R2 = never> {
  /**
   * Runs after each window's revert (e.g. to measure recovery); `annotate` adds details to the window recorded in
   * the pipeline's result.
   */
  readonly onWindowEnd?: (
    occurrence: Occurrence,
    annotate: (details: Readonly<Record<string, unknown>>) => void
  ) => Effect.Effect<void, never, R2>
}

/**
 * Runs a schedule: every occurrence concurrently, each applying its fault at `at` and reverting it after
 * `duration`. Interrupting the run reverts active faults and records their windows as ending then. Returns the
 * occurrences in start order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, FaultSchedule } from "@24h/core"
 *
 * const f = Fault.make({ name: "noop", target: "t", apply: Effect.void, revert: Effect.void })
 * const program = FaultSchedule.run(FaultSchedule.make([{ fault: f, at: 0, duration: 50 }]))
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export const run = <E, R, R2 = never>(
  schedule: FaultSchedule<E, R>,
  options: RunOptions<R2> = {}
): Effect.Effect<ReadonlyArray<Occurrence>, E, R | R2> =>
  Effect.gen(function* () {
    const rec = Option.getOrUndefined(yield* Effect.serviceOption(CurrentRecorder))
    const recorded = yield* Ref.make<ReadonlyArray<Occurrence>>([])
    const started = yield* Clock.currentTimeMillis
    const one = (o: FaultSchedule<E, R>["occurrences"][number]) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const wait = started + o.atMs - now
        if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
        yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            const f = o.fault
            yield* f.apply.pipe(
              Effect.onError(() => Effect.ignore(f.revert)),
              Effect.tapCause((cause) =>
                Effect.logError(`fault ${f.name}: apply failed: ${Cause.pretty(cause).split("\n")[0]}`).pipe(
                  Effect.annotateLogs({ component: "core/FaultSchedule", fault: f.name, target: f.target })
                )
              )
            )
            const start = yield* Clock.currentTimeMillis
            const faultAttributes = { "fault.name": f.name, "fault.target": f.target }
            yield* metrics.updateIfEnabled(Metric.withAttributes(metrics.faultsApplied, faultAttributes), 1)
            const end = rec?.fault(f.name, {
              target: f.target,
              ...f.details,
              ...(o.repeat > 1 ? { repeat: o.repeat } : {})
            })
            yield* Effect.logWarning(`fault ${f.name}: applied to ${f.target}`).pipe(
              Effect.annotateLogs({ component: "core/FaultSchedule", fault: f.name, target: f.target })
            )
            const close = Effect.gen(function* () {
              const reverted = yield* Effect.exit(f.revert)
              const stop = yield* Clock.currentTimeMillis
              const revertError = Exit.isFailure(reverted) ? Cause.pretty(reverted.cause).split("\n")[0] : undefined
              end?.(revertError === undefined ? undefined : { revertError })
              if (revertError !== undefined)
                yield* metrics.updateIfEnabled(Metric.withAttributes(metrics.faultsRevertErrors, faultAttributes), 1)
              const occurrence: Occurrence = {
                name: f.name,
                target: f.target,
                repeat: o.repeat,
                start,
                end: stop,
                details: f.details,
                ...(revertError === undefined ? {} : { revertError })
              }
              yield* Ref.update(recorded, (all) => [...all, occurrence])
              yield* (revertError === undefined ? Effect.logInfo : Effect.logError)(
                revertError === undefined
                  ? `fault ${f.name}: reverted after ${stop - start} ms`
                  : `fault ${f.name}: revert failed: ${revertError}`
              ).pipe(Effect.annotateLogs({ component: "core/FaultSchedule", fault: f.name, target: f.target }))
              return occurrence
            })
            const exit = yield* Effect.exit(restore(Effect.sleep(Duration.millis(o.durationMs))))
            const occurrence = yield* close
            if (Exit.isFailure(exit)) return yield* exit
            if (options.onWindowEnd !== undefined)
              yield* restore(options.onWindowEnd(occurrence, (details) => end?.(details)))
          })
        )
      })
    yield* Effect.forEach(schedule.occurrences, one, { concurrency: "unbounded", discard: true })
    return [...(yield* Ref.get(recorded))].sort((a, b) => a.start - b.start)
  }).pipe(Effect.withSpan("24h.faults.run"))

/**
 * The total planned length of a schedule in milliseconds (the end of its last occurrence).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault, FaultSchedule } from "@24h/core"
 * const f = Fault.make({ name: "noop", target: "t", apply: Effect.void, revert: Effect.void })
 * FaultSchedule.durationMillis(FaultSchedule.make([{ fault: f, at: 100, duration: 50 }])) // 150
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const durationMillis = (schedule: FaultSchedule<unknown, unknown>): number =>
  schedule.occurrences.reduce((max, o) => Math.max(max, o.atMs + o.durationMs), 0)
