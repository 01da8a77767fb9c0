/**
 * A TCP fault proxy as a scoped Effect resource: it listens (default `127.0.0.1:0`), forwards every connection to
 * an upstream, and applies {@link Toxic}s per connection and direction. Toxics are added, updated and removed live,
 * also on open connections; `disable` is Toxiproxy's "down" (listener closed, live connections closed).
 *
 * Bytes move through plain Node sockets and a precomputed toxic chain per connection; Effect wraps lifecycle and
 * errors. Every random decision (toxicity rolls, jitter, slicer sizes) draws from
 * `Seed.derive(seed, "chaos/<name>/<connection>/<stream>/<toxic>")`, so the same seed and the same order of
 * connections give the same decisions.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpProxy, Toxic } from "@24h/chaos"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const proxy = yield* TcpProxy.make({ upstream: "127.0.0.1:5432", seed: 42 })
 *     yield* proxy.addToxic(Toxic.latency({ latency: 100, jitter: 10 }))
 *     // point the client under test at proxy.port …
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
import { Seed, Telemetry } from "@24h/core"
import { Effect, Metric, Option, Result, type Scope, type Tracer } from "effect"
import { type ChaosError, make as chaosError } from "./ChaosError.ts"
import { splitHostPort } from "./internal/address.ts"
import { type Connection, ProxyCore, type ProxyTelemetry } from "./internal/proxy.ts"
import { check } from "./internal/toxicCheck.ts"
import * as Toxic from "./Toxic.ts"

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import type { TcpProxy } from "@24h/chaos"
 * const options: TcpProxy.Options = { upstream: "127.0.0.1:6379", name: "redis", seed: 42 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** The upstream to forward to, `host:port`. Required. */
  readonly upstream: string
  /** Where to listen, `host:port`. Default `"127.0.0.1:0"` (loopback, a free port). */
  readonly listen?: string
  /** The proxy's name, used in seeds and metrics. Default `"proxy"`. */
  readonly name?: string
  /** Start listening at once. Default `true`. */
  readonly enabled?: boolean
  /** Toxics to install before the first connection. Default none. */
  readonly toxics?: ReadonlyArray<Toxic.Toxic>
  /**
   * The root seed (a `Seed`, a safe integer or a string). Default: the `Seed.RootSeed` service when provided,
   * otherwise `Seed.fromEnv()` (`H24_SEED`, else a fresh seed you can read back from `proxy.seed`).
   */
  readonly seed?: Seed.Seed | Seed.Root
}

/**
 * Byte and connection counters of a proxy. `received` counts bytes read from the direction's source, `sent` bytes
 * written to its destination (they differ while toxics hold or drop data).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { TcpProxy } from "@24h/chaos"
 * declare const proxy: TcpProxy.TcpProxy
 * const dropped = Effect.map(proxy.stats, (s: TcpProxy.Stats) => s.upstream.received - s.upstream.sent)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Stats {
  readonly connectionsTotal: number
  readonly connectionsActive: number
  readonly upstream: { readonly received: number; readonly sent: number }
  readonly downstream: { readonly received: number; readonly sent: number }
}

/**
 * A running proxy.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpProxy, Toxic } from "@24h/chaos"
 * const port = Effect.scoped(Effect.map(TcpProxy.make({ upstream: "127.0.0.1:9" }), (p: TcpProxy.TcpProxy) => p.port))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface TcpProxy {
  readonly name: string
  /** The root seed every decision of this proxy derives from. */
  readonly seed: Seed.Seed
  /** The listen address: the bound `ip:port` once enabled. */
  readonly listen: string
  /** The bound host (IP), kept while disabled; throws a `ChaosError` (`Listen`) when the proxy never listened. */
  readonly host: string
  /** The bound port, kept while disabled; throws a `ChaosError` (`Listen`) when the proxy never listened. */
  readonly port: number
  readonly upstream: string
  readonly enabled: boolean
  /** The toxics, upstream first then downstream, each in insertion order. */
  readonly toxics: Effect.Effect<ReadonlyArray<Toxic.Toxic>>
  /** Adds a toxic to new and live connections; `Conflict` when the name exists. */
  readonly addToxic: <T extends Toxic.Toxic>(toxic: T) => Effect.Effect<T, ChaosError>
  /** Merges a patch into a toxic (re-rolling its toxicity on live connections); `NotFound` when absent. */
  readonly updateToxic: (name: string, patch: Toxic.Patch) => Effect.Effect<Toxic.Toxic, ChaosError>
  /** Removes a toxic, flushing what it holds; `NotFound` when absent. */
  readonly removeToxic: (name: string) => Effect.Effect<void, ChaosError>
  /** Removes every toxic. */
  readonly removeAllToxics: Effect.Effect<void>
  /** Starts listening again (on the same address); `Listen` when the port is taken. */
  readonly enable: Effect.Effect<void, ChaosError>
  /** Toxiproxy's "down": closes the listener and every live connection. */
  readonly disable: Effect.Effect<void>
  /** Changes the upstream; live connections are closed. */
  readonly setUpstream: (upstream: string) => Effect.Effect<void, ChaosError>
  /** A snapshot of the counters. */
  readonly stats: Effect.Effect<Stats>
}

const fromCore = (core: ProxyCore): TcpProxy => {
  const bound = () => {
    const a = core.address
    if (a !== undefined) return a
    // Disabled after a start: the address it was bound to (and will bind again on enable).
    const hp = splitHostPort(core.listen)
    if (Result.isFailure(hp) || hp.success.port === 0)
      throw chaosError("Listen", `TcpProxy ${core.name}: never started, no bound address (listen ${core.listen})`)
    return hp.success
  }
  return {
    name: core.name,
    seed: core.seed,
    get listen() {
      return core.listen
    },
    get host() {
      return bound().host
    },
    get port() {
      return bound().port
    },
    get upstream() {
      return core.upstream
    },
    get enabled() {
      return core.enabled
    },
    toxics: Effect.sync(() => core.listToxics()),
    addToxic: <T extends Toxic.Toxic>(toxic: T) =>
      Effect.suspend(() => {
        const checked = check(toxic)
        if (Result.isFailure(checked)) return Effect.fail(checked.failure)
        return Effect.as(Effect.fromResult(core.addToxic(toxic)), toxic)
      }),
    updateToxic: (name, patch) =>
      Effect.suspend(() => {
        const current = core.findToxic(name)
        if (current === undefined) return Effect.fail(chaosError("NotFound", `toxic not found: ${name}`))
        return Effect.tap(Toxic.update(current, patch), (next) => Effect.sync(() => core.updateToxic(next)))
      }),
    removeToxic: (name) =>
      Effect.suspend(() => {
        return Result.isSuccess(core.removeToxic(name))
          ? Effect.void
          : Effect.fail(chaosError("NotFound", `toxic not found: ${name}`))
      }),
    removeAllToxics: Effect.sync(() => core.removeAllToxics()),
    enable: Effect.flatMap(
      Effect.promise(() => core.start()),
      Effect.fromResult
    ),
    disable: Effect.promise(() => core.stop()),
    setUpstream: (upstream) =>
      Effect.flatMap(
        Effect.promise(() => core.setUpstream(upstream)),
        Effect.fromResult
      ),
    stats: Effect.sync(() => ({
      connectionsTotal: core.stats.connectionsTotal,
      connectionsActive: core.stats.connectionsActive,
      upstream: { ...core.stats.upstream },
      downstream: { ...core.stats.downstream }
    }))
  }
}

const connectionsMetric = Metric.counter("24h.proxy.connections", {
  description: "connections accepted by a TCP proxy",
  incremental: true
})
const bytesMetric = Metric.counter("24h.proxy.bytes", {
  description: "bytes read by a TCP proxy, by direction (upstream: client to server)",
  incremental: true
})
const toxicsMetric = Metric.counter("24h.proxy.toxics_applied", {
  description: "toxics installed on a TCP proxy",
  incremental: true
})

/** How often the bytes of live connections are reported (closed ones report at close). */
const BYTES_REPORT_MS = 1000

/**
 * The proxy's telemetry: a `TcpProxy.connection` span per connection (bytes and duration set at close) and the
 * `24h.proxy.*` counters. Bytes are plain numbers on each link, reported at close and once a second for live
 * connections; nothing here runs per chunk.
 */
const proxyTelemetry = (inst: Telemetry.Instruments, name: string, live: () => Iterable<Connection>) => {
  const attrs = { "24h.proxy": name }
  const connections = inst.counter(connectionsMetric, attrs)
  const upstream = inst.counter(bytesMetric, { ...attrs, direction: "upstream" })
  const downstream = inst.counter(bytesMetric, { ...attrs, direction: "downstream" })
  const report = (c: Connection) => {
    upstream.add(c.up.bytes - c.up.reported)
    downstream.add(c.down.bytes - c.down.reported)
    c.up.reported = c.up.bytes
    c.down.reported = c.down.bytes
  }
  let timer: ReturnType<typeof setInterval> | undefined
  const hooks: ProxyTelemetry = {
    opened: (c) => {
      connections.add(1)
      c.span = inst.startSpan("TcpProxy.connection", {
        kind: "server",
        attributes: { "24h.proxy": name, "24h.proxy.connection": c.index, "network.transport": "tcp" }
      })
      if (timer === undefined) {
        timer = setInterval(() => {
          for (const x of live()) report(x)
        }, BYTES_REPORT_MS)
        timer.unref()
      }
    },
    closed: (c) => {
      report(c)
      const span = c.span as Tracer.Span | undefined
      if (span === undefined) return
      c.span = undefined
      span.attribute("24h.proxy.bytes.upstream", c.up.bytes)
      span.attribute("24h.proxy.bytes.downstream", c.down.bytes)
      span.attribute("24h.proxy.duration_ms", Math.round((performance.now() - c.acceptedAt) * 1000) / 1000)
      inst.end(span)
    },
    toxicAdded: (t) =>
      inst.counter(toxicsMetric, { ...attrs, "24h.toxic.type": t.type, "24h.toxic.stream": t.stream }).add(1)
  }
  const stop = () => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }
  return { hooks, stop }
}

const rootSeed = (seed: Options["seed"]): Effect.Effect<Seed.Seed, ChaosError> => {
  if (seed !== undefined)
    return Effect.mapError(Effect.fromResult(Seed.makeResult(seed)), (e) =>
      chaosError("InvalidProxy", `TcpProxy: ${e.message}`, e, { module: "TcpProxy.make", field: "seed", value: seed })
    )
  return Effect.flatMap(Effect.serviceOption(Seed.RootSeed), (o) =>
    Option.isSome(o)
      ? Effect.succeed(o.value)
      : Effect.mapError(Seed.fromEnv(), (e) => chaosError("InvalidProxy", `TcpProxy: ${e.message}`, e))
  )
}

/**
 * Creates a proxy and, unless `enabled: false`, starts listening. Its finalizer destroys every connection and closes
 * the listener.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpProxy, Toxic } from "@24h/chaos"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const proxy = yield* TcpProxy.make({
 *       upstream: "127.0.0.1:6379",
 *       toxics: [Toxic.latency({ latency: 50 })]
 *     })
 *     return proxy.port
 *   })
 * )
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make: (options: Options) => Effect.Effect<TcpProxy, ChaosError, Scope.Scope> = Effect.fn("TcpProxy.make")(
  function* (options: Options) {
    const name = options.name ?? "proxy"
    if (name === "") return yield* Effect.fail(chaosError("InvalidProxy", "TcpProxy: name must be non-empty"))
    if (typeof options.upstream !== "string" || options.upstream === "")
      return yield* Effect.fail(chaosError("InvalidProxy", "TcpProxy: upstream must be a host:port string"))
    const root = yield* rootSeed(options.seed)
    const seed = Seed.derive(root, `chaos/${name}`)
    const inst = yield* Telemetry.instruments
    let live: Iterable<Connection> = []
    const telemetry = inst === undefined ? undefined : proxyTelemetry(inst, name, () => live)
    const core = yield* Effect.acquireRelease(
      Effect.suspend(() => {
        const c = new ProxyCore({
          name,
          listen: options.listen ?? "127.0.0.1:0",
          upstream: options.upstream,
          seed,
          telemetry: telemetry?.hooks
        })
        live = c.connections
        for (const t of options.toxics ?? []) {
          const checked = check(t)
          if (Result.isFailure(checked)) return Effect.fail(checked.failure)
          if (Result.isFailure(c.addToxic(t)))
            return Effect.fail(chaosError("Conflict", `toxic already exists: ${t.name}`))
        }
        return Effect.succeed(c)
      }),
      (c) => Effect.promise(() => c.stop()).pipe(Effect.ensuring(Effect.sync(() => telemetry?.stop())))
    )
    if (options.enabled !== false) {
      yield* Effect.flatMap(
        Effect.promise(() => core.start()),
        Effect.fromResult
      )
    }
    return fromCore(core)
  }
)

/**
 * Adds a toxic for the lifetime of the current scope: it is removed (flushing what it holds) when the scope closes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { TcpProxy, Toxic } from "@24h/chaos"
 *
 * declare const proxy: TcpProxy.TcpProxy
 * const slowWindow = Effect.scoped(
 *   Effect.andThen(TcpProxy.withToxic(proxy, Toxic.latency({ latency: 200 })), Effect.sleep("1 second"))
 * )
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withToxic = <T extends Toxic.Toxic>(
  proxy: TcpProxy,
  toxic: T
): Effect.Effect<T, ChaosError, Scope.Scope> =>
  Effect.acquireRelease(proxy.addToxic(toxic), (t) => Effect.ignore(proxy.removeToxic(t.name)))
