/**
 * One shape for every fault 24h can inject: a name, the target it acts on, and a pair of effects — `apply` turns the
 * fault on, `revert` turns it off. TCP toxics (`@24h/chaos`), HttpMock switches (`@24h/mocks`), HTTP fault-proxy
 * rules and process faults all implement it, so `FaultSchedule` and the pipeline builders can drive any of them.
 *
 * `revert` must be safe to call when `apply` failed half-way or already ran its revert: schedulers always call it
 * (on success, failure and interrupt).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "@24h/core"
 *
 * let down = false
 * const outage = Fault.make({
 *   name: "payments down",
 *   target: "payments",
 *   apply: Effect.sync(() => { down = true }),
 *   revert: Effect.sync(() => { down = false })
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Effect } from "effect"

/**
 * A fault: `apply` turns it on, `revert` turns it off. `details` are recorded with every window of it.
 *
 * @category models
 * @since 0.2.0
 */
export interface Fault<E = never, R = never> {
  readonly _tag: "Fault"
  /** A short human name, unique within a schedule (`"latency 300ms"`). */
  readonly name: string
  /** What it acts on (`"proxy/payments"`, `"sut/checkout"`). */
  readonly target: string
  /** Extra facts recorded with each window (the toxic's attributes, the switch's JSON). */
  readonly details: Readonly<Record<string, unknown>>
  readonly apply: Effect.Effect<void, E, R>
  readonly revert: Effect.Effect<void, E, R>
}

/**
 * Options of {@link make}.
 *
 * @category models
 * @since 0.2.0
 */
export interface MakeOptions<E, R> {
  readonly name: string
  readonly target: string
  readonly details?: Readonly<Record<string, unknown>>
  readonly apply: Effect.Effect<void, E, R>
  readonly revert: Effect.Effect<void, E, R>
}

/**
 * Makes a fault. Throws a `TypeError` naming the field when `name` or `target` is empty (a programming error).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "@24h/core"
 *
 * const noop = Fault.make({ name: "noop", target: "nothing", apply: Effect.void, revert: Effect.void })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = <E = never, R = never>(options: MakeOptions<E, R>): Fault<E, R> => {
  if (typeof options.name !== "string" || options.name.length === 0)
    throw new TypeError(`Fault.make: name must be a non-empty string (got ${JSON.stringify(options.name)})`)
  if (typeof options.target !== "string" || options.target.length === 0)
    throw new TypeError(`Fault.make: target must be a non-empty string (got ${JSON.stringify(options.target)})`)
  return {
    _tag: "Fault",
    name: options.name,
    target: options.target,
    details: options.details ?? {},
    apply: options.apply,
    revert: options.revert
  }
}

/**
 * Runs `use` with the fault applied, and reverts it afterwards — on success, failure and interrupt.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "@24h/core"
 *
 * declare const outage: Fault.Fault
 * const during = Fault.during(outage, Effect.log("the upstream is down now"))
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const during = Effect.fn("Fault.during")(
  <A, E1, R1, E, R>(fault: Fault<E, R>, use: Effect.Effect<A, E1, R1>): Effect.Effect<A, E | E1, R | R1> =>
    Effect.acquireUseRelease(
      fault.apply.pipe(Effect.onError(() => Effect.ignore(fault.revert))),
      () => use,
      () => Effect.ignore(fault.revert)
    )
)

/**
 * Is this value a {@link Fault}?
 *
 * @example
 * ```ts
 * import { Fault } from "@24h/core"
 * Fault.isFault({ _tag: "Fault" }) // true
 * ```
 *
 * @category guards
 * @since 0.2.0
 */
export const isFault = (u: unknown): u is Fault<unknown, unknown> =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Fault"
