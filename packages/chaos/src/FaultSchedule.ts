/**
 * TCP toxics as core `Fault`s, so `FaultSchedule` (in `@24h/core`) and the pipeline builders can drive them beside
 * any other fault; plus the toxic-window schedule of 0.1 (`make` / `run`), now a thin layer over core's.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FaultSchedule as Schedule, Pipeline } from "@24h/core"
 * import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
 *
 * declare const proxy: TcpProxy.TcpProxy
 * const slow = FaultSchedule.toxic(proxy, Toxic.latency({ latency: 300 }))
 * const windows = Schedule.run(Schedule.make([{ fault: slow, at: "10s", duration: "5s" }]))
 * ```
 *
 * @since 0.1.0
 */
import { FaultSchedule as Core, Fault } from "@24h/core"
import { Duration, Effect } from "effect"
import { type ChaosError, make as chaosError } from "./ChaosError.ts"
import type { TcpProxy } from "./TcpProxy.ts"
import type * as Toxic from "./Toxic.ts"

/**
 * A toxic on a proxy as a core `Fault`: `apply` adds it, `revert` removes it (removing a toxic that is already gone
 * is not an error). Its name is the toxic's name; its target is `proxy/<name>`; its details are the toxic.
 *
 * @example
 * ```ts
 * import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
 * declare const proxy: TcpProxy.TcpProxy
 * const resets = FaultSchedule.toxic(proxy, Toxic.resetPeer({ toxicity: 0.2, stream: "upstream" }))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const toxic = (proxy: TcpProxy, t: Toxic.Toxic, name: string = t.name): Fault.Fault<ChaosError> =>
  Fault.make({
    name,
    target: `proxy/${proxy.name}`,
    details: { type: t.type, stream: t.stream, toxicity: t.toxicity, attributes: t.attributes },
    apply: Effect.asVoid(proxy.addToxic(t)),
    revert: proxy.toxics.pipe(
      Effect.flatMap((ts) => (ts.some((x) => x.name === t.name) ? proxy.removeToxic(t.name) : Effect.void))
    )
  })

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
 * A validated schedule of toxic windows.
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
 * Validates and sorts toxic windows. Throws a `ChaosError` (`InvalidToxic`) for a bad duration, or when two windows
 * of the same toxic name overlap.
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
 * Runs a toxic schedule against a proxy through core's `FaultSchedule.run`: windows land in the running pipeline's
 * result by themselves, and interrupting the run removes active toxics. Returns the windows in start order.
 *
 * @example
 * ```ts
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
    const faults = new Map<string, Fault.Fault<ChaosError>>()
    const windows = schedule.windows.map((w) => {
      let fault = faults.get(w.toxic.name)
      if (fault === undefined) {
        fault = toxic(proxy, w.toxic)
        faults.set(w.toxic.name, fault)
      }
      return { fault, at: w.atMs, duration: w.durationMs }
    })
    const occurred = yield* Core.run(Core.make(windows))
    return occurred.map((o) => ({
      name: o.name,
      proxy: proxy.name,
      type: schedule.windows.find((w) => w.toxic.name === o.name)!.toxic.type,
      start: o.start,
      end: o.end
    }))
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
