/**
 * Toxics: the faults a {@link TcpProxy} applies to the bytes of each connection, with Toxiproxy's names, attributes,
 * units and defaults, plus `slow_open`, `limit_time` and shared `bandwidth`.
 *
 * A toxic acts on one direction (`stream`): `upstream` is client → server, `downstream` (the default) is server →
 * client. `toxicity` (default 1) is the probability, rolled once per connection × direction × toxic from the proxy's
 * seed, that the toxic applies to that connection; when the roll fails the toxic passes data through.
 *
 * Every constructor validates its options eagerly and throws a `ChaosError` with reason `InvalidToxic` naming the
 * attribute and the value (`Toxic.bandwidth: rate must be an integer >= 1 KB/s (got 0)`); use {@link decode} for
 * untrusted input.
 *
 * @example
 * ```ts
 * import { pipe } from "effect"
 * import { Toxic } from "@24h/chaos"
 *
 * const slow = Toxic.latency({ latency: 100, jitter: 10 })
 * const flaky = pipe(Toxic.resetPeer({ timeout: 50 }), Toxic.withToxicity(0.1), Toxic.onStream("upstream"))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Result } from "effect"
import { dual } from "effect/Function"
import { z } from "zod"
import { type ChaosError, make as chaosError } from "./ChaosError.ts"
import { check, defaultsOf, invalid, maxMs, show, specs, typeList } from "./internal/toxicCheck.ts"

/**
 * The direction a toxic acts on: `upstream` = client → server, `downstream` = server → client.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const stream: Toxic.Stream = "upstream"
 * const t = Toxic.latency({ latency: 10, stream })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Stream = "upstream" | "downstream"

/**
 * The attributes of each toxic type. Times are integer milliseconds except `slicer.delay` (microseconds, as in
 * Toxiproxy); `bandwidth.rate` is in KB/s with KB = 1000 bytes.
 *
 * @example
 * ```ts
 * import type { Toxic } from "@24h/chaos"
 * const a: Toxic.Attributes["slicer"] = { average_size: 64, size_variation: 8, delay: 0 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Attributes {
  /** Delay every chunk by `latency ± jitter` ms (jitter drawn uniformly from `[-jitter, jitter)`). */
  readonly latency: { readonly latency: number; readonly jitter: number }
  /** Limit throughput to `rate` KB/s; `shared: true` makes one budget for all connections of the proxy. */
  readonly bandwidth: { readonly rate: number; readonly shared: boolean }
  /** Delay the close (EOF) of this direction by `delay` ms. */
  readonly slow_close: { readonly delay: number }
  /** Drop all data; close the connection after `timeout` ms without data (0: never close). */
  readonly timeout: { readonly timeout: number }
  /** On the first chunk, drop it, wait `timeout` ms and reset the connection (TCP RST). */
  readonly reset_peer: { readonly timeout: number }
  /** Split chunks into pieces of `average_size ± size_variation` bytes, `delay` µs apart. */
  readonly slicer: { readonly average_size: number; readonly size_variation: number; readonly delay: number }
  /** Forward `bytes` bytes in this direction, then close the connection. */
  readonly limit_data: { readonly bytes: number }
  /** Pass data through unchanged. */
  readonly noop: Record<string, never>
  /** Hold data until `delay` ms after the connection was accepted: a slow handshake (24h only). */
  readonly slow_open: { readonly delay: number }
  /** Close the connection `time` ms after the toxic started acting on it, even with traffic (24h only). */
  readonly limit_time: { readonly time: number }
  /**
   * An approximation of TCP packet loss (24h only): a chunk is "lost" with probability `loss_rate` (plus
   * `correlation` right after a loss) and held for a retransmission timeout — `rto` ms (default 200), doubled each
   * time its retransmission is lost too, each wait capped at `max_rto` ms (default 60 000) — then delivered in
   * order; later chunks wait behind it (head-of-line blocking). No byte is dropped, as with real TCP.
   */
  readonly packet_loss: {
    readonly loss_rate: number
    readonly correlation: number
    readonly rto: number
    readonly max_rto: number
  }
}

/**
 * The name of a toxic type, as in Toxiproxy's API (`"latency"`, `"reset_peer"`, …).
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const type: Toxic.Type = "reset_peer"
 * const t = Toxic.make(type, { timeout: 10 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Type = keyof Attributes

/**
 * A toxic of one type.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t: Toxic.ToxicOf<"latency"> = Toxic.latency({ latency: 5 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface ToxicOf<T extends Type> {
  readonly type: T
  readonly name: string
  readonly stream: Stream
  readonly toxicity: number
  readonly attributes: Attributes[T]
}

/**
 * Any toxic.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const all: ReadonlyArray<Toxic.Toxic> = [Toxic.latency({ latency: 5 }), Toxic.bandwidth({ rate: 100 })]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Toxic = { [T in Type]: ToxicOf<T> }[Type]

/**
 * Options every constructor accepts: `name` (default `<type>_<stream>`), `stream` (default `"downstream"`) and
 * `toxicity` (default 1, in [0, 1]).
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const common: Toxic.CommonOptions = { name: "flaky", stream: "upstream", toxicity: 0.2 }
 * const t = Toxic.resetPeer(common)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface CommonOptions {
  readonly name?: string
  readonly stream?: Stream
  readonly toxicity?: number
}

/**
 * Every toxic type, in Toxiproxy's order followed by 24h's additions.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.types.includes("slow_open") // true
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const types: ReadonlyArray<Type> = typeList

/**
 * The largest time in milliseconds a toxic accepts (Node's timer limit, about 24.8 days).
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const longest = Toxic.latency({ latency: Toxic.MAX_MS })
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_MS = maxMs

/**
 * The attribute names of a type, in the order Toxiproxy prints them.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.attributeNames("slicer") // ["average_size", "size_variation", "delay"]
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const attributeNames = (type: Type): ReadonlyArray<string> => specs[type].map((s) => s.key)

/**
 * `true` when the string is a toxic type.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.isType("latency") // true
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isType = (u: unknown): u is Type => typeof u === "string" && Object.hasOwn(specs, u)

const buildResult = <T extends Type>(
  type: T,
  attributes: Partial<Attributes[T]>,
  options: CommonOptions
): Result.Result<ToxicOf<T>, ChaosError> => {
  if (!isType(type))
    return Result.fail(
      invalid(`Toxic: type must be one of ${types.join(", ")} (got ${show(type)})`, "Toxic", "type", type)
    )
  const stream = options.stream ?? "downstream"
  const attrs: Record<string, unknown> = defaultsOf(type)
  for (const key of attributeNames(type)) {
    const v = (attributes as Record<string, unknown>)[key]
    if (v !== undefined) attrs[key] = v
  }
  return check<ToxicOf<T>>({
    type,
    name: options.name ?? `${type}_${stream}`,
    stream,
    toxicity: options.toxicity ?? 1,
    attributes: attrs as unknown as Attributes[T]
  })
}

/** Constructors validate eagerly and throw the `ChaosError` itself. */
const orThrow = <A>(r: Result.Result<A, ChaosError>): A => {
  if (Result.isFailure(r)) throw r.failure
  return r.success
}

const build = <T extends Type>(type: T, attributes: Partial<Attributes[T]>, options: CommonOptions): ToxicOf<T> =>
  orThrow(buildResult(type, attributes, options))

/**
 * A toxic of any type from its parts; absent attributes default to 0 (`false` for `shared`). Throws `ChaosError`
 * (`InvalidToxic`) on a bad value.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.make("latency", { latency: 50 }, { stream: "upstream" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = <T extends Type>(
  type: T,
  attributes: Partial<Attributes[T]> = {},
  options: CommonOptions = {}
): ToxicOf<T> => build(type, attributes, options)

/**
 * {@link make} as a `Result`: the toxic, or the `ChaosError` (`InvalidToxic`, with `module`, `field` and `value`)
 * instead of a throw.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Toxic } from "@24h/chaos"
 * const r = Toxic.makeResult("bandwidth", { rate: 0 })
 * if (Result.isFailure(r)) r.failure.field // "rate"
 * ```
 *
 * @category constructors
 * @since 0.3.0
 */
export const makeResult = <T extends Type>(
  type: T,
  attributes: Partial<Attributes[T]> = {},
  options: CommonOptions = {}
): Result.Result<ToxicOf<T>, ChaosError> => buildResult(type, attributes, options)

/**
 * `latency`: delays every chunk by `latency` ms ± `jitter` ms (defaults 0). Delays are pipelined: throughput is kept.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.latency({ latency: 100, jitter: 10 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const latency = (options: Partial<Attributes["latency"]> & CommonOptions = {}): ToxicOf<"latency"> =>
  build("latency", options, options)

/**
 * `bandwidth`: limits throughput to `rate` KB/s (KB = 1000 bytes), per connection and direction, or per proxy with
 * `shared: true`.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.bandwidth({ rate: 100 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const bandwidth = (
  options: { readonly rate: number; readonly shared?: boolean } & CommonOptions
): ToxicOf<"bandwidth"> => build("bandwidth", options, options)

/**
 * `slow_close`: delays the close of this direction by `delay` ms.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.slowClose({ delay: 500 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const slowClose = (options: Partial<Attributes["slow_close"]> & CommonOptions = {}): ToxicOf<"slow_close"> =>
  build("slow_close", options, options)

/**
 * `timeout`: drops all data and closes the connection after `timeout` ms without data (0: never; data is dropped
 * until the toxic is removed, which then closes the connection).
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.timeout({ timeout: 1000 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const timeout = (options: Partial<Attributes["timeout"]> & CommonOptions = {}): ToxicOf<"timeout"> =>
  build("timeout", options, options)

/**
 * `reset_peer`: on the first chunk in this direction, drops it, waits `timeout` ms and resets both sockets (RST).
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.resetPeer({ timeout: 100 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const resetPeer = (options: Partial<Attributes["reset_peer"]> & CommonOptions = {}): ToxicOf<"reset_peer"> =>
  build("reset_peer", options, options)

/**
 * `slicer`: splits chunks into pieces of about `average_size` ± `size_variation` bytes, `delay` µs apart.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.slicer({ average_size: 64, size_variation: 32, delay: 10 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const slicer = (
  options: { readonly average_size: number; readonly size_variation?: number; readonly delay?: number } & CommonOptions
): ToxicOf<"slicer"> => build("slicer", options, options)

/**
 * `limit_data`: forwards `bytes` bytes in this direction, then closes the connection.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.limitData({ bytes: 1024 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const limitData = (options: Partial<Attributes["limit_data"]> & CommonOptions = {}): ToxicOf<"limit_data"> =>
  build("limit_data", options, options)

/**
 * `noop`: passes data through (useful to test toxic plumbing).
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.noop({ name: "marker" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const noop = (options: CommonOptions = {}): ToxicOf<"noop"> => build("noop", {}, options)

/**
 * `slow_open` (24h): holds data in this direction until `delay` ms after the connection was accepted, like a slow
 * handshake. Added to a connection older than `delay`, it has no effect.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.slowOpen({ delay: 300, stream: "upstream" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const slowOpen = (options: Partial<Attributes["slow_open"]> & CommonOptions = {}): ToxicOf<"slow_open"> =>
  build("slow_open", options, options)

/**
 * `limit_time` (24h): closes the connection `time` ms after the toxic started acting on it (its accept, or the
 * moment the toxic was added to a live connection), even while data flows.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.limitTime({ time: 5000 })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const limitTime = (options: Partial<Attributes["limit_time"]> & CommonOptions = {}): ToxicOf<"limit_time"> =>
  build("limit_time", options, options)

/**
 * `packet_loss` (24h only): what an application sees of TCP packet loss — a "lost" chunk is held for a
 * retransmission timeout (`rto`, default 200 ms, backing off ×2 while its retransmissions are lost too, each wait at
 * most `max_rto`) and then delivered in order, delaying everything behind it. An approximation: chunks are socket
 * reads (up to 64 KiB), not segments, and there is no congestion window. Seeded like every toxic.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const lossy = Toxic.packetLoss({ loss_rate: 0.02, correlation: 0.25 })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const packetLoss = (options: Partial<Attributes["packet_loss"]> & CommonOptions = {}): ToxicOf<"packet_loss"> =>
  build("packet_loss", options, options)

const rebuild = <T extends Toxic>(self: T, patch: Partial<Pick<Toxic, "name" | "stream" | "toxicity">>): T => {
  return orThrow(check<T>({ ...self, ...patch }))
}

/**
 * Sets the probability that the toxic applies to a connection (rolled per connection × direction).
 *
 * @example
 * ```ts
 * import { pipe } from "effect"
 * import { Toxic } from "@24h/chaos"
 * const t = pipe(Toxic.latency({ latency: 50 }), Toxic.withToxicity(0.5))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withToxicity: {
  (toxicity: number): <T extends Toxic>(self: T) => T
  <T extends Toxic>(self: T, toxicity: number): T
} = dual(2, <T extends Toxic>(self: T, toxicity: number): T => rebuild(self, { toxicity }))

/**
 * Moves the toxic to a direction. The name is kept; a default name (`<type>_<stream>`) follows the new stream.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.onStream(Toxic.latency({ latency: 50 }), "upstream") // name "latency_upstream"
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const onStream: {
  (stream: Stream): <T extends Toxic>(self: T) => T
  <T extends Toxic>(self: T, stream: Stream): T
} = dual(
  2,
  <T extends Toxic>(self: T, stream: Stream): T =>
    rebuild(self, self.name === `${self.type}_${self.stream}` ? { stream, name: `${self.type}_${stream}` } : { stream })
)

/**
 * Renames the toxic.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * const t = Toxic.named(Toxic.latency({ latency: 50 }), "slow-db")
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const named: {
  (name: string): <T extends Toxic>(self: T) => T
  <T extends Toxic>(self: T, name: string): T
} = dual(2, <T extends Toxic>(self: T, name: string): T => rebuild(self, { name }))

/**
 * A partial update of a toxic: attributes are merged into the current ones, toxicity is kept when absent.
 *
 * @example
 * ```ts
 * import type { Toxic } from "@24h/chaos"
 * const patch: Toxic.Patch = { attributes: { latency: 500 }, toxicity: 0.5 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Patch {
  readonly attributes?: Readonly<Record<string, unknown>>
  readonly toxicity?: number
}

/**
 * Applies a {@link Patch} (Toxiproxy's update semantics), validating the result.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Toxic } from "@24h/chaos"
 * const t = Effect.runSync(Toxic.update(Toxic.latency({ latency: 100, jitter: 10 }), { attributes: { latency: 5 } }))
 * // { latency: 5, jitter: 10 }
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const update = Effect.fn("Toxic.update")(
  (self: Toxic, patch: Patch): Effect.Effect<Toxic, ChaosError> =>
    Effect.suspend(() => {
      const attributes: Record<string, unknown> = { ...self.attributes }
      for (const key of attributeNames(self.type)) {
        const v = patch.attributes?.[key]
        if (v !== undefined) attributes[key] = v
      }
      return Effect.fromResult(check<Toxic>({ ...self, attributes, toxicity: patch.toxicity ?? self.toxicity }))
    })
)

/**
 * The body of `POST /proxies/{proxy}/toxics` (after JSON decoding): only `type` is required.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.CreateBody.safeParse({ type: "latency", attributes: { latency: 100 } }).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const CreateBody = z.object({
  type: z.string({ error: "type must be a string" }),
  name: z.string({ error: "name must be a string" }).optional(),
  stream: z.string({ error: "stream must be a string" }).optional(),
  toxicity: z.number({ error: "toxicity must be a number" }).optional(),
  attributes: z.record(z.string(), z.unknown(), { error: "attributes must be an object" }).nullish()
})
/**
 * The decoded type of {@link CreateBody}.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.CreateBody.safeParse({ type: "latency", attributes: { latency: 100 } }).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type CreateBody = z.infer<typeof CreateBody>

/**
 * The body of `POST`/`PATCH /proxies/{proxy}/toxics/{toxic}`: partial attributes and toxicity; `name`, `type` and
 * `stream` are ignored as in Toxiproxy.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.PatchBody.safeParse({ toxicity: 0.5 }).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const PatchBody = z.object({
  toxicity: z.number({ error: "toxicity must be a number" }).optional(),
  attributes: z.record(z.string(), z.unknown(), { error: "attributes must be an object" }).nullish()
})
/**
 * The decoded type of {@link PatchBody}.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * Toxic.PatchBody.safeParse({ toxicity: 0.5 }).success // true
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export type PatchBody = z.infer<typeof PatchBody>

/**
 * Decodes an unknown value (e.g. parsed JSON) into a validated toxic, with Toxiproxy's defaults for name, stream and
 * toxicity and zero-filled attributes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Toxic } from "@24h/chaos"
 * const t = Effect.runSync(Toxic.decode({ type: "latency", attributes: { latency: 100 } }))
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decode = Effect.fn("Toxic.decode")(
  (input: unknown): Effect.Effect<Toxic, ChaosError> =>
    Effect.suspend(() => {
      const parsed = CreateBody.safeParse(input)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        return Effect.fail(chaosError("InvalidToxic", `Toxic: ${issue?.message ?? "invalid toxic"}`))
      }
      const body = parsed.data
      if (!isType(body.type))
        return Effect.fail(chaosError("InvalidToxic", `Toxic: invalid toxic type ${show(body.type)}`))
      return Effect.fromResult(
        buildResult(body.type, (body.attributes ?? {}) as Partial<Attributes[Type]>, {
          ...(body.name !== undefined && body.name !== "" ? { name: body.name } : {}),
          ...(body.stream !== undefined && body.stream !== "" ? { stream: body.stream as Stream } : {}),
          ...(body.toxicity !== undefined ? { toxicity: body.toxicity } : {})
        }) as Result.Result<Toxic, ChaosError>
      )
    })
)

/**
 * The toxic as Toxiproxy's API prints it: `{"attributes","name","type","stream","toxicity"}`. `bandwidth.shared`
 * is printed only when `true`, so Toxiproxy's shape is unchanged for its own toxics.
 *
 * @example
 * ```ts
 * import { Toxic } from "@24h/chaos"
 * JSON.stringify(Toxic.toJson(Toxic.latency({ latency: 100, jitter: 10 })))
 * // {"attributes":{"latency":100,"jitter":10},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}
 * ```
 *
 * @category encoding
 * @since 0.1.0
 */
export const toJson = (
  self: Toxic
): {
  attributes: Record<string, unknown>
  name: string
  type: Type
  stream: Stream
  toxicity: number
} => {
  const attributes: Record<string, unknown> = {}
  for (const key of attributeNames(self.type)) {
    const v = (self.attributes as unknown as Record<string, unknown>)[key]
    if (self.type === "bandwidth" && key === "shared" && v !== true) continue
    attributes[key] = v
  }
  return { attributes, name: self.name, type: self.type, stream: self.stream, toxicity: self.toxicity }
}
