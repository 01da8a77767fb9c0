/**
 * Timed fault windows: add a toxic at an offset, remove it after a duration, and record each window
 * `{ name, proxy, start, end }` so reports can shade when a fault was active. Time comes from Effect's `Clock`, so a
 * schedule can be tested with `TestClock` (the proxy's bytes still move in real time).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
 *
 * declare const proxy: TcpProxy.TcpProxy
 * const schedule = FaultSchedule.make([
 *   { at: "10 seconds", duration: "5 seconds", toxic: Toxic.latency({ latency: 300 }) },
 *   { at: "30 seconds", duration: "2 seconds", toxic: Toxic.resetPeer({ stream: "upstream" }) }
 * ])
 * const windows = FaultSchedule.run(proxy, schedule) // Effect<ReadonlyArray<FaultSchedule.FaultWindow>, ChaosError>
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, Ref } from "effect"
import { type ChaosError, make as chaosError } from "./ChaosError.ts"
import type { TcpProxy } from "./TcpProxy.ts"
import type * as Toxic from "./Toxic.ts"

/**
 * One planned window: `toxic` is active from `at` (after the schedule starts) for `duration`.
 *
 * @example
 * ```ts
 * import { FaultSchedule, Toxic } from "@24h/chaos"
 * const w: FaultSchedule.Window = { at: "5 seconds", duration: 500, toxic: Toxic.timeout() }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Window {
  readonly at: Duration.Input
  readonly duration: Duration.Input
  readonly toxic: Toxic.Toxic
}

/**
 * A validated schedule: windows sorted by start, offsets in milliseconds.
 *
 * @example
 * ```ts
 * import { FaultSchedule, Toxic } from "@24h/chaos"
 * const s: FaultSchedule.FaultSchedule = FaultSchedule.make([{ at: 0, duration: 100, toxic: Toxic.noop() }])
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface FaultSchedule {
  readonly _tag: "FaultSchedule"
  readonly windows: ReadonlyArray<{ readonly atMs: number; readonly durationMs: number; readonly toxic: Toxic.Toxic }>
}

/**
 * A window as it happened: the toxic's name, the proxy, and `Clock` epoch milliseconds of its start and end.
 *
 * @example
 * ```ts
 * import type { FaultSchedule } from "@24h/chaos"
 * const shade = (w: FaultSchedule.FaultWindow) => ({ x0: w.start, x1: w.end, label: w.name })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface FaultWindow {
  readonly name: string
  readonly proxy: string
  readonly type: Toxic.Type
  readonly start: number
  readonly end: number
}

const millisOf = (input: Duration.Input, what: string): number => {
  const d = Duration.fromInput(input)
  if (d._tag === "None")
    throw chaosError("InvalidToxic", `FaultSchedule: ${what} is not a duration (got ${String(input)})`)
  const ms = Duration.toMillis(d.value)
  if (!Number.isFinite(ms) || ms < 0)
    throw chaosError("InvalidToxic", `FaultSchedule: ${what} must be a finite duration >= 0 (got ${String(input)})`)
  return ms
}

/**
 * Validates and sorts windows. Throws a `ChaosError` (`InvalidToxic`) for a bad duration, or when two windows of the
 * same toxic name overlap (the second add would conflict).
 *
 * @example
 * ```ts
 * import { FaultSchedule, Toxic } from "@24h/chaos"
 * const s = FaultSchedule.make([{ at: 0, duration: "1 second", toxic: Toxic.latency({ latency: 100 }) }])
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (windows: ReadonlyArray<Window>): FaultSchedule => {
  const parsed = windows
    .map((w, i) => ({
      atMs: millisOf(w.at, `window ${i + 1}: at`),
      durationMs: millisOf(w.duration, `window ${i + 1}: duration`),
      toxic: w.toxic,
      index: i + 1
    }))
    .sort((a, b) => a.atMs - b.atMs)
  for (let i = 0; i < parsed.length; i++)
    for (let j = i + 1; j < parsed.length; j++) {
      const a = parsed[i]!
      const b = parsed[j]!
      if (a.toxic.name === b.toxic.name && b.atMs < a.atMs + a.durationMs)
        throw chaosError(
          "InvalidToxic",
          `FaultSchedule: windows ${a.index} and ${b.index} overlap on toxic ${JSON.stringify(a.toxic.name)}`
        )
    }
  return { _tag: "FaultSchedule", windows: parsed.map(({ atMs, durationMs, toxic }) => ({ atMs, durationMs, toxic })) }
}

/**
 * Runs a schedule against a proxy: every window concurrently, each adding its toxic at `at` and removing it after
 * `duration`. Interrupting the run removes active toxics and records their windows as ending then. Returns the
 * windows in start order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
 * declare const proxy: TcpProxy.TcpProxy
 * const program = FaultSchedule.run(proxy, FaultSchedule.make([{ at: 0, duration: 50, toxic: Toxic.timeout() }]))
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = (proxy: TcpProxy, schedule: FaultSchedule): Effect.Effect<ReadonlyArray<FaultWindow>, ChaosError> =>
  Effect.gen(function* () {
    const recorded = yield* Ref.make<ReadonlyArray<FaultWindow>>([])
    const one = (w: FaultSchedule["windows"][number]) =>
      Effect.gen(function* () {
        yield* Effect.sleep(Duration.millis(w.atMs))
        yield* Effect.uninterruptibleMask((restore) =>
          Effect.gen(function* () {
            yield* proxy.addToxic(w.toxic)
            const start = yield* Clock.currentTimeMillis
            const close = Effect.gen(function* () {
              yield* Effect.ignore(proxy.removeToxic(w.toxic.name))
              const end = yield* Clock.currentTimeMillis
              yield* Ref.update(recorded, (all) => [
                ...all,
                { name: w.toxic.name, proxy: proxy.name, type: w.toxic.type, start, end }
              ])
            })
            yield* restore(Effect.sleep(Duration.millis(w.durationMs))).pipe(Effect.onExit(() => close))
          })
        )
      })
    yield* Effect.forEach(schedule.windows, one, { concurrency: "unbounded", discard: true })
    return [...(yield* Ref.get(recorded))].sort((a, b) => a.start - b.start)
  })

/**
 * The total planned length of a schedule in milliseconds (the end of its last window).
 *
 * @example
 * ```ts
 * import { FaultSchedule, Toxic } from "@24h/chaos"
 * FaultSchedule.durationMillis(FaultSchedule.make([{ at: 100, duration: 50, toxic: Toxic.noop() }])) // 150
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const durationMillis = (schedule: FaultSchedule): number =>
  schedule.windows.reduce((max, w) => Math.max(max, w.atMs + w.durationMs), 0)
