/**
 * The plain-Node core of a TCP fault proxy: a listener, its connections and their two links. `TcpProxy` wraps it in
 * a scoped Effect resource and `ToxiproxyApi` drives a registry of them; neither adds work on the byte path.
 */
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import { Seed } from "@24h/core"
import { Result } from "effect"
import { type ChaosError, make as chaosError } from "../ChaosError.ts"
import type { Stream, Toxic } from "../Toxic.ts"
import { formatHostPort, resolveHost, splitHostPort } from "./address.ts"
import { type LinkContext, makeStage, type Sink, type Stage } from "./chain.ts"

/** Bytes a link may hold in its toxic chain before it stops reading its source (Toxiproxy: 1024 × 32 KiB). */
const HIGH_WATER = 32 * 1024 * 1024

/** Byte counters of one direction. */
export interface DirectionStats {
  received: number
  sent: number
}

/** Counters of a proxy. */
export interface ProxyStats {
  connectionsTotal: number
  connectionsActive: number
  upstream: DirectionStats
  downstream: DirectionStats
}

/**
 * Telemetry hooks of a proxy, set only when telemetry is enabled. The byte path only adds to `Link.bytes`; these
 * are called per connection (open, close) and per toxic installed, never per chunk.
 */
export interface ProxyTelemetry {
  opened(c: Connection): void
  closed(c: Connection): void
  toxicAdded(t: Toxic): void
}

const bindMessage = (address: string, e: NodeJS.ErrnoException): string => {
  const why =
    e.code === "EADDRINUSE"
      ? "address already in use"
      : e.code === "EACCES"
        ? "permission denied"
        : e.code === "EADDRNOTAVAIL"
          ? "cannot assign requested address"
          : e.message
  return `listen tcp ${address}: bind: ${why}`
}

const resetSocket = (s: net.Socket): void => {
  if (s.destroyed) return
  if (s.connecting || s.readyState === "closed") {
    s.destroy()
    return
  }
  try {
    s.resetAndDestroy()
  } catch {
    s.destroy()
  }
}

const endThenDestroy = (s: net.Socket): void => {
  if (s.destroyed) return
  if (s.writableFinished) s.destroy()
  else s.end(() => s.destroy())
}

class SocketSink implements Sink {
  constructor(readonly link: Link) {}
  write(chunk: Buffer, _t: number): void {
    const link = this.link
    link.inflight -= chunk.length
    const dest = link.dest
    if (dest.destroyed || dest.writableEnded) return
    link.stats.sent += chunk.length
    if (!dest.write(chunk)) link.blocked = true
    else if (link.paused && link.inflight < HIGH_WATER) link.resume()
  }
  end(): void {
    this.link.onSinkEnd()
  }
}

/** One direction of a connection: source socket → toxic chain → destination socket. */
class Link implements LinkContext {
  readonly sink: SocketSink
  stages: Array<Stage> = []
  head: Sink
  inflight = 0
  blocked = false
  paused = false
  ended = false
  /** Bytes read from the source on this link; `reported` is how many telemetry has been told about. */
  bytes = 0
  reported = 0
  private closeWhenEnded = false
  private states: Map<string, { count: number }> | undefined
  private rngs: Map<string, Seed.Stream> | undefined

  constructor(
    readonly conn: Connection,
    readonly direction: Stream,
    readonly source: net.Socket,
    readonly dest: net.Socket,
    readonly stats: DirectionStats
  ) {
    this.sink = new SocketSink(this)
    this.head = this.sink
    dest.on("drain", () => {
      this.blocked = false
      if (this.paused && this.inflight < HIGH_WATER) this.resume()
    })
  }

  get acceptedAt(): number {
    return this.conn.acceptedAt
  }

  readonly onData = (chunk: Buffer): void => {
    this.stats.received += chunk.length
    this.bytes += chunk.length
    this.inflight += chunk.length
    if (this.head === this.sink) this.sink.write(chunk, 0)
    else this.head.write(chunk, performance.now())
    if ((this.blocked || this.inflight >= HIGH_WATER) && !this.paused) {
      this.paused = true
      this.source.pause()
    }
  }

  readonly onEnd = (): void => {
    this.head.end()
  }

  resume(): void {
    this.paused = false
    if (!this.source.destroyed) this.source.resume()
  }

  onSinkEnd(): void {
    if (this.ended) return
    this.ended = true
    if (this.closeWhenEnded || this.conn.anyClosed) this.conn.close()
    else if (!this.dest.destroyed) this.dest.end()
  }

  // LinkContext
  rng(toxicName: string): Seed.Stream {
    this.rngs ??= new Map()
    let s = this.rngs.get(toxicName)
    if (s === undefined) {
      s = Seed.stream(Seed.derive(this.conn.proxy.seed, `${this.conn.index}/${this.direction}/${toxicName}`))
      this.rngs.set(toxicName, s)
    }
    return s
  }
  state(toxicName: string): { count: number } {
    this.states ??= new Map()
    let s = this.states.get(toxicName)
    if (s === undefined) {
      s = { count: 0 }
      this.states.set(toxicName, s)
    }
    return s
  }
  sharedCursor(toxicName: string): { at: number } {
    return this.conn.proxy.sharedCursor(this.direction, toxicName)
  }
  released(bytes: number): void {
    this.inflight -= bytes
    if (this.paused && !this.blocked && this.inflight < HIGH_WATER) this.resume()
  }
  closeAfterEnd(): void {
    this.closeWhenEnded = true
  }
  close(): void {
    this.conn.close()
  }
  reset(): void {
    this.conn.reset()
  }

  private rewire(): void {
    const stages = this.stages
    for (let i = 0; i < stages.length; i++) stages[i]!.next = stages[i + 1] ?? this.sink
    this.head = stages[0] ?? this.sink
  }
  addStage(toxic: Toxic): void {
    this.stages.push(makeStage(toxic, this))
    this.rewire()
  }
  /** Removes a stage; returns true when the connection must close (an active stage that dropped data). */
  removeStage(name: string): boolean {
    const i = this.stages.findIndex((s) => s.toxic.name === name)
    if (i < 0) return false
    const stage = this.stages[i]!
    this.stages.splice(i, 1)
    this.rewire()
    stage.flush()
    return stage.closesOnRemove()
  }
  replaceStage(toxic: Toxic): void {
    const i = this.stages.findIndex((s) => s.toxic.name === toxic.name)
    if (i < 0) return
    const old = this.stages[i]!
    const fresh = makeStage(toxic, this)
    this.stages[i] = fresh
    this.rewire()
    old.next = fresh
    old.flush()
  }
  stop(): void {
    for (const s of this.stages) s.stop()
  }
}

/** One accepted client connection and its upstream dial. */
export class Connection {
  readonly acceptedAt = performance.now()
  readonly up: Link
  readonly down: Link
  private done = false
  anyClosed = false
  private closedCount = 0
  private upEof = false
  private downEof = false
  /** What the proxy's telemetry keeps for this connection (its span), when telemetry is enabled. */
  span: unknown = undefined

  constructor(
    readonly proxy: ProxyCore,
    readonly client: net.Socket,
    readonly upstream: net.Socket,
    readonly index: number
  ) {
    this.up = new Link(this, "upstream", client, upstream, proxy.stats.upstream)
    this.down = new Link(this, "downstream", upstream, client, proxy.stats.downstream)
    for (const t of proxy.toxics) (t.stream === "upstream" ? this.up : this.down).addStage(t)
    client.on("data", this.up.onData)
    client.on("end", this.up.onEnd)
    upstream.on("data", this.down.onData)
    upstream.on("end", this.down.onEnd)
    client.on("error", (e: NodeJS.ErrnoException) => this.onError(e, upstream))
    upstream.on("error", (e: NodeJS.ErrnoException) => this.onError(e, client))
    client.on("close", this.onClose)
    upstream.on("close", this.onClose)
    proxy.telemetry?.opened(this)
  }

  linkFor(stream: Stream): Link {
    return stream === "upstream" ? this.up : this.down
  }

  private onError(e: NodeJS.ErrnoException, other: net.Socket): void {
    this.finish()
    if (e.code === "ECONNRESET") resetSocket(other)
    else if (e.code === "ECONNREFUSED" || e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") endThenDestroy(other)
    else other.destroy()
  }

  private readonly onClose = (): void => {
    // A socket that closed without an EOF (destroyed) ends its outgoing link as if it had sent one.
    if (this.client.destroyed && !this.client.readableEnded && !this.upEof) {
      this.upEof = true
      this.up.onEnd()
    }
    if (this.upstream.destroyed && !this.upstream.readableEnded && !this.downEof) {
      this.downEof = true
      this.down.onEnd()
    }
    this.closedCount++
    this.anyClosed = true
    if (this.closedCount === 2) {
      this.finish()
      return
    }
    // One side is fully closed: once the other link has delivered what it holds, close the other socket too.
    const otherLink = this.client.destroyed ? this.up : this.down
    if (otherLink.ended) this.close()
  }

  private finish(): void {
    if (this.done) return
    this.done = true
    this.up.stop()
    this.down.stop()
    this.proxy.connectionEnded(this)
    this.proxy.telemetry?.closed(this)
  }

  /** Graceful close of both sockets (FIN after pending writes). */
  close(): void {
    this.finish()
    endThenDestroy(this.client)
    endThenDestroy(this.upstream)
  }

  /** RST on both sockets. */
  reset(): void {
    this.finish()
    resetSocket(this.client)
    resetSocket(this.upstream)
  }

  destroy(): void {
    this.finish()
    this.client.destroy()
    this.upstream.destroy()
  }
}

/** What a proxy is configured with. */
export interface ProxyConfig {
  readonly name: string
  readonly listen: string
  readonly upstream: string
  readonly seed: Seed.Seed
  readonly telemetry?: ProxyTelemetry | undefined
}

/** A TCP fault proxy: listener, upstream, toxics and live connections. */
export class ProxyCore {
  readonly name: string
  readonly seed: Seed.Seed
  readonly telemetry: ProxyTelemetry | undefined
  listen: string
  upstream: string
  enabled = false
  toxics: Array<Toxic> = []
  readonly stats: ProxyStats = {
    connectionsTotal: 0,
    connectionsActive: 0,
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 }
  }
  readonly connections = new Set<Connection>()
  private server: net.Server | undefined
  private upstreamTarget: { host: string; port: number } | undefined
  private readonly cursors = new Map<string, { at: number }>()
  private nextIndex = 0

  constructor(config: ProxyConfig) {
    this.name = config.name
    this.listen = config.listen
    this.upstream = config.upstream
    this.seed = config.seed
    this.telemetry = config.telemetry
    this.parseUpstream()
  }

  private parseUpstream(): void {
    const hp = splitHostPort(this.upstream)
    this.upstreamTarget = Result.isFailure(hp)
      ? undefined
      : { host: hp.success.host === "" ? "127.0.0.1" : hp.success.host, port: hp.success.port }
  }

  get address(): { host: string; port: number } | undefined {
    const a = this.server?.address()
    return a !== null && typeof a === "object" ? { host: a.address, port: a.port } : undefined
  }

  sharedCursor(direction: Stream, name: string): { at: number } {
    const key = `${direction}/${name}`
    let c = this.cursors.get(key)
    if (c === undefined) {
      c = { at: 0 }
      this.cursors.set(key, c)
    }
    return c
  }

  /** Resolves a listen address to `ip:port` (for comparisons); fails with InvalidProxy on a malformed one. */
  static async resolveListen(listen: string): Promise<Result.Result<string, ChaosError>> {
    const split = splitHostPort(listen)
    if (Result.isFailure(split))
      return Result.fail(chaosError("InvalidProxy", split.failure, undefined, { field: "listen", value: listen }))
    const hp = split.success
    try {
      return Result.succeed(formatHostPort(await resolveHost(hp.host), hp.port))
    } catch (e) {
      return Result.fail(
        chaosError("InvalidProxy", `address ${listen}: ${(e as Error).message}`, e, { field: "listen", value: listen })
      )
    }
  }

  /** Starts listening; the bound address replaces `listen`. Idempotent. */
  async start(): Promise<Result.Result<void, ChaosError>> {
    if (this.enabled) return Result.void
    const split = splitHostPort(this.listen)
    if (Result.isFailure(split)) return Result.fail(chaosError("InvalidProxy", split.failure))
    const hp = split.success
    let host: string
    try {
      host = await resolveHost(hp.host)
    } catch (e) {
      return Result.fail(chaosError("InvalidProxy", `address ${this.listen}: ${(e as Error).message}`, e))
    }
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, this.onConnection)
    const failed = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      server.once("error", resolve)
      server.listen({ host, port: hp.port, exclusive: true }, () => {
        server.off("error", resolve)
        resolve(undefined)
      })
    })
    if (failed !== undefined) {
      server.close()
      return Result.fail(chaosError("Listen", bindMessage(formatHostPort(host, hp.port), failed), failed))
    }
    server.on("error", () => {})
    const a = server.address() as net.AddressInfo
    this.server = server
    this.listen = formatHostPort(a.address, a.port)
    this.enabled = true
    return Result.void
  }

  /** Closes the listener and every live connection. Idempotent. */
  async stop(): Promise<void> {
    const server = this.server
    this.server = undefined
    this.enabled = false
    for (const c of [...this.connections]) c.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Changes the upstream; live connections are dropped (Toxiproxy restarts the proxy). */
  async setUpstream(upstream: string): Promise<Result.Result<void, ChaosError>> {
    if (upstream === this.upstream) return Result.void
    this.upstream = upstream
    this.parseUpstream()
    if (!this.enabled) return Result.void
    await this.stop()
    return this.start()
  }

  private readonly onConnection = (client: net.Socket): void => {
    if (!this.enabled) {
      client.destroy()
      return
    }
    const target = this.upstreamTarget
    this.stats.connectionsTotal++
    this.stats.connectionsActive++
    const index = this.nextIndex++
    if (target === undefined) {
      // Like Toxiproxy with an unreachable upstream: accept, then close (the client sees EOF).
      this.stats.connectionsActive--
      client.on("error", () => {})
      endThenDestroy(client)
      return
    }
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true })
    this.connections.add(new Connection(this, client, upstream, index))
  }

  connectionEnded(c: Connection): void {
    if (this.connections.delete(c)) this.stats.connectionsActive--
  }

  findToxic(name: string): Toxic | undefined {
    return this.toxics.find((t) => t.name === name)
  }

  addToxic(toxic: Toxic): Result.Result<void, ChaosError> {
    if (this.findToxic(toxic.name) !== undefined) return Result.fail(chaosError("Conflict", "toxic already exists"))
    this.toxics.push(toxic)
    for (const c of this.connections) c.linkFor(toxic.stream).addStage(toxic)
    this.telemetry?.toxicAdded(toxic)
    return Result.void
  }

  updateToxic(toxic: Toxic): void {
    const i = this.toxics.findIndex((t) => t.name === toxic.name)
    if (i < 0) return
    this.toxics[i] = toxic
    for (const c of this.connections) c.linkFor(toxic.stream).replaceStage(toxic)
  }

  removeToxic(name: string): Result.Result<void, ChaosError> {
    const i = this.toxics.findIndex((t) => t.name === name)
    if (i < 0) return Result.fail(chaosError("NotFound", "toxic not found"))
    const toxic = this.toxics[i]!
    this.toxics.splice(i, 1)
    this.cursors.delete(`${toxic.stream}/${name}`)
    for (const c of [...this.connections]) if (c.linkFor(toxic.stream).removeStage(name)) c.close()
    return Result.void
  }

  removeAllToxics(): void {
    for (const t of [...this.toxics]) this.removeToxic(t.name)
  }

  /** Toxics in Toxiproxy's listing order: upstream first, then downstream, each in insertion order. */
  listToxics(): Array<Toxic> {
    return [
      ...this.toxics.filter((t) => t.stream === "upstream"),
      ...this.toxics.filter((t) => t.stream === "downstream")
    ]
  }
}
