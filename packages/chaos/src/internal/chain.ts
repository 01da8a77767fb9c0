/**
 * The toxic chain of one link (one direction of one connection).
 *
 * ```
 *  source socket ──data──▶ stage[0] ──▶ stage[1] ──▶ … ──▶ SocketSink ──write──▶ destination socket
 *                          (one Stage per toxic of this stream, in insertion order; none → straight to the sink)
 * ```
 *
 * Each stage receives `(chunk, t)` where `t` is the chunk's receive timestamp (ms, `performance.now()`); timed
 * stages emit with `t` = the chunk's due time, so two latency toxics in series add up as in Toxiproxy. Live changes
 * rewire the `next` pointers synchronously: a removed stage first hands every chunk it holds (and a held EOF) to its
 * successor, so no byte is lost or reordered.
 */
import { performance } from "node:perf_hooks"
import type { Seed } from "@24h/core"
import type { Toxic, ToxicOf } from "../Toxic.ts"

/** Where a stage sends its output. */
export interface Sink {
  write(chunk: Buffer, t: number): void
  end(): void
}

/** What a stage may ask of its link and connection. */
export interface LinkContext {
  /** The connection's accept time (`performance.now()`). */
  readonly acceptedAt: number
  /** The seeded stream of this connection × direction × toxic. */
  rng(toxicName: string): Seed.Stream
  /** Per-link state that survives toxic restarts (limit_data's counter). */
  state(toxicName: string): { count: number }
  /** A per-proxy timeline for shared bandwidth. */
  sharedCursor(toxicName: string): { at: number }
  /** Bytes that left the chain without reaching the sink (dropped or truncated). */
  released(bytes: number): void
  /** After this link's EOF reaches the sink, close the whole connection (instead of a half-close). */
  closeAfterEnd(): void
  /** Close the whole connection now, gracefully (FIN). */
  close(): void
  /** Reset the whole connection now (RST on both sockets). */
  reset(): void
}

/** A toxic acting on one link. */
export abstract class Stage implements Sink {
  next!: Sink
  stopped = false
  constructor(
    readonly ctx: LinkContext,
    readonly toxic: Toxic
  ) {}
  abstract write(chunk: Buffer, t: number): void
  end(): void {
    this.next.end()
  }
  /** Removal: hand every held chunk (and a held EOF) to `next` synchronously; cancel timers. */
  flush(): void {
    this.stopped = true
  }
  /** The connection is gone: cancel timers and drop what is held. */
  stop(): void {
    this.stopped = true
  }
  /** When an active stage that dropped data is removed, the stream is corrupt: the connection must close. */
  closesOnRemove(): boolean {
    return false
  }
}

class Pass extends Stage {
  write(chunk: Buffer, t: number): void {
    this.next.write(chunk, t)
  }
}

/** A FIFO of chunks released at their due times by one timer. */
abstract class Timed extends Stage {
  private chunks: Array<Buffer | undefined> = []
  private dues: Array<number> = []
  /** Receive timestamps, so a flushed chunk keeps its original time for the stages after this one. */
  private times: Array<number> = []
  private head = 0
  private timer: NodeJS.Timeout | undefined = undefined
  private endHeld = false
  protected lastDue = 0

  protected get idle(): boolean {
    return this.head === this.chunks.length
  }

  protected enqueue(chunk: Buffer, due: number, t: number): void {
    const d = Math.max(due, this.lastDue)
    this.lastDue = d
    this.chunks.push(chunk)
    this.dues.push(d)
    this.times.push(t)
    if (this.timer === undefined) this.schedule()
  }

  private schedule(): void {
    const wait = this.dues[this.head]! - performance.now()
    this.timer = setTimeout(this.pump, wait <= 0 ? 0 : Math.ceil(wait))
  }

  private readonly pump = (): void => {
    this.timer = undefined
    const now = performance.now() + 0.5
    while (!this.stopped && this.head < this.chunks.length && this.dues[this.head]! <= now) {
      const chunk = this.chunks[this.head]!
      const due = this.dues[this.head]!
      this.chunks[this.head] = undefined
      this.head++
      this.next.write(chunk, due)
    }
    if (this.stopped) return
    if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      // A queue that never drains (steady traffic under latency) is compacted, so a soak does not grow it forever.
      this.chunks = this.chunks.slice(this.head)
      this.dues = this.dues.slice(this.head)
      this.times = this.times.slice(this.head)
      this.head = 0
    }
    if (this.head === this.chunks.length) {
      this.chunks = []
      this.dues = []
      this.times = []
      this.head = 0
      if (this.endHeld) {
        this.endHeld = false
        this.next.end()
      }
    } else {
      this.schedule()
    }
  }

  override end(): void {
    if (this.idle) this.next.end()
    else this.endHeld = true
  }

  override flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.stopped = true
    while (this.head < this.chunks.length) {
      const chunk = this.chunks[this.head]!
      const t = this.times[this.head]!
      this.chunks[this.head] = undefined
      this.head++
      this.next.write(chunk, t)
    }
    if (this.endHeld) {
      this.endHeld = false
      this.next.end()
    }
  }

  override stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.stopped = true
    this.chunks = []
    this.dues = []
    this.times = []
    this.head = 0
  }
}

class Latency extends Timed {
  private readonly latency: number
  private readonly jitter: number
  constructor(ctx: LinkContext, toxic: ToxicOf<"latency">) {
    super(ctx, toxic)
    this.latency = toxic.attributes.latency
    this.jitter = toxic.attributes.jitter
  }
  write(chunk: Buffer, t: number): void {
    let delay = this.latency
    if (this.jitter > 0) delay += this.ctx.rng(this.toxic.name).nextInt(-this.jitter, this.jitter - 1)
    if (delay <= 0) {
      if (this.idle) this.next.write(chunk, t)
      else this.enqueue(chunk, t, t)
      return
    }
    const due = t + delay
    if (this.idle && due <= performance.now()) this.next.write(chunk, due)
    else this.enqueue(chunk, due, t)
  }
}

class Bandwidth extends Timed {
  private readonly rate: number
  private readonly piece: number
  private readonly cursor: { at: number }
  constructor(ctx: LinkContext, toxic: ToxicOf<"bandwidth">) {
    super(ctx, toxic)
    this.rate = toxic.attributes.rate
    this.piece = toxic.attributes.rate * 100
    this.cursor = toxic.attributes.shared ? ctx.sharedCursor(toxic.name) : { at: 0 }
  }
  write(chunk: Buffer, t: number): void {
    const now = performance.now()
    let at = Math.max(this.cursor.at, now)
    for (let off = 0; off < chunk.length; off += this.piece) {
      const piece = off === 0 && chunk.length <= this.piece ? chunk : chunk.subarray(off, off + this.piece)
      at += piece.length / this.rate
      this.enqueue(piece, at, t)
    }
    this.cursor.at = at
  }
}

class Slicer extends Timed {
  private readonly avg: number
  private readonly variation: number
  private readonly delayMs: number
  private readonly ends: Array<number> = []
  constructor(ctx: LinkContext, toxic: ToxicOf<"slicer">) {
    super(ctx, toxic)
    this.avg = toxic.attributes.average_size
    this.variation = toxic.attributes.size_variation
    this.delayMs = toxic.attributes.delay / 1000
  }
  /**
   * Toxiproxy's split: halve at midpoint ± rand(variation) until a piece is within variation of the average. With
   * `size_variation == average_size` (which Toxiproxy accepts) a split can land on an edge; the empty piece is dropped.
   */
  private split(start: number, end: number): void {
    if (end - start - this.avg <= this.variation) {
      if (end > start) this.ends.push(end)
      return
    }
    let mid = start + ((end - start) >> 1)
    if (this.variation > 0) mid += this.ctx.rng(this.toxic.name).nextInt(0, 2 * this.variation - 1) - this.variation
    this.split(start, mid)
    this.split(mid, end)
  }
  write(chunk: Buffer, t: number): void {
    this.ends.length = 0
    this.split(0, chunk.length)
    let start = 0
    if (this.delayMs === 0 && this.idle) {
      for (const end of this.ends) {
        this.next.write(chunk.subarray(start, end), t)
        start = end
      }
      return
    }
    const now = performance.now()
    let at = Math.max(this.lastDue, now)
    for (const end of this.ends) {
      this.enqueue(chunk.subarray(start, end), at, t)
      start = end
      at += this.delayMs
    }
  }
}

class SlowOpen extends Timed {
  private readonly openAt: number
  constructor(ctx: LinkContext, toxic: ToxicOf<"slow_open">) {
    super(ctx, toxic)
    this.openAt = ctx.acceptedAt + toxic.attributes.delay
  }
  write(chunk: Buffer, t: number): void {
    if (this.idle && performance.now() >= this.openAt) this.next.write(chunk, t)
    else this.enqueue(chunk, this.openAt, t)
  }
}

class SlowClose extends Stage {
  private timer: NodeJS.Timeout | undefined = undefined
  write(chunk: Buffer, t: number): void {
    this.next.write(chunk, t)
  }
  override end(): void {
    const delay = (this.toxic as ToxicOf<"slow_close">).attributes.delay
    if (delay === 0) this.next.end()
    else
      this.timer = setTimeout(() => {
        this.timer = undefined
        if (!this.stopped) this.next.end()
      }, delay)
  }
  override flush(): void {
    this.stopped = true
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
      this.next.end()
    }
  }
  override stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

class Timeout extends Stage {
  private timer: NodeJS.Timeout | undefined = undefined
  private readonly ms: number
  constructor(ctx: LinkContext, toxic: ToxicOf<"timeout">) {
    super(ctx, toxic)
    this.ms = toxic.attributes.timeout
    this.arm()
  }
  private arm(): void {
    if (this.ms === 0) return
    if (this.timer !== undefined) this.timer.refresh()
    else
      this.timer = setTimeout(() => {
        this.timer = undefined
        if (!this.stopped) this.ctx.close()
      }, this.ms)
  }
  write(chunk: Buffer, _t: number): void {
    this.ctx.released(chunk.length)
    this.arm()
  }
  override closesOnRemove(): boolean {
    return true
  }
  override flush(): void {
    this.stop()
  }
  override stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

class ResetPeer extends Stage {
  private timer: NodeJS.Timeout | undefined = undefined
  private triggered = false
  write(chunk: Buffer, _t: number): void {
    this.ctx.released(chunk.length)
    if (this.triggered) return
    this.triggered = true
    const ms = (this.toxic as ToxicOf<"reset_peer">).attributes.timeout
    if (ms === 0) this.ctx.reset()
    else
      this.timer = setTimeout(() => {
        this.timer = undefined
        if (!this.stopped) this.ctx.reset()
      }, ms)
  }
  override end(): void {
    if (!this.triggered) this.next.end()
  }
  override flush(): void {
    const pending = this.timer !== undefined
    this.stop()
    // The first chunk was dropped: the stream is corrupt, so the reset happens now rather than never.
    if (pending) this.ctx.reset()
  }
  override stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

class LimitData extends Stage {
  private done = false
  write(chunk: Buffer, t: number): void {
    if (this.done) {
      this.ctx.released(chunk.length)
      return
    }
    const limit = (this.toxic as ToxicOf<"limit_data">).attributes.bytes
    const state = this.ctx.state(this.toxic.name)
    const remaining = limit - state.count
    if (chunk.length < remaining) {
      state.count += chunk.length
      this.next.write(chunk, t)
      return
    }
    this.done = true
    if (remaining > 0) {
      state.count = limit
      this.next.write(chunk.subarray(0, remaining), t)
    }
    this.ctx.released(chunk.length - Math.max(remaining, 0))
    this.ctx.closeAfterEnd()
    this.next.end()
  }
  override end(): void {
    if (!this.done) this.next.end()
  }
}

class LimitTime extends Stage {
  private timer: NodeJS.Timeout | undefined
  constructor(ctx: LinkContext, toxic: ToxicOf<"limit_time">) {
    super(ctx, toxic)
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (!this.stopped) ctx.close()
    }, toxic.attributes.time)
  }
  write(chunk: Buffer, t: number): void {
    this.next.write(chunk, t)
  }
  override flush(): void {
    this.stop()
  }
  override stop(): void {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/**
 * TCP loss as the application sees it: a lost chunk is held for a retransmission timeout, doubled while its
 * retransmissions are lost too (at most 15 retries, as Linux's default `tcp_retries2`), then delivered in order.
 */
class PacketLoss extends Timed {
  private readonly rate: number
  private readonly correlation: number
  private readonly rto: number
  private readonly maxRto: number
  private lostPrevious = false
  constructor(ctx: LinkContext, toxic: ToxicOf<"packet_loss">) {
    super(ctx, toxic)
    this.rate = toxic.attributes.loss_rate
    this.correlation = toxic.attributes.correlation
    this.rto = toxic.attributes.rto
    this.maxRto = toxic.attributes.max_rto
  }
  write(chunk: Buffer, t: number): void {
    const rng = this.ctx.rng(this.toxic.name)
    const p = this.lostPrevious ? Math.min(1, this.rate + this.correlation) : this.rate
    if (!rng.chance(p)) {
      this.lostPrevious = false
      if (this.idle) this.next.write(chunk, t)
      else this.enqueue(chunk, t, t)
      return
    }
    this.lostPrevious = true
    let wait = this.rto
    let hold = wait
    for (let retry = 1; retry < 15 && rng.chance(p); retry++) {
      wait = Math.min(this.maxRto, wait * 2)
      hold += wait
    }
    this.enqueue(chunk, Math.max(performance.now(), this.lastDue) + hold, t)
  }
}

/** Rolls the toxicity for a new stage (per connection × direction × toxic) and builds it. */
export const makeStage = (toxic: Toxic, ctx: LinkContext): Stage => {
  const active = toxic.toxicity >= 1 ? true : toxic.toxicity <= 0 ? false : ctx.rng(toxic.name).chance(toxic.toxicity)
  if (!active) return new Pass(ctx, toxic)
  switch (toxic.type) {
    case "latency":
      return new Latency(ctx, toxic)
    case "bandwidth":
      return new Bandwidth(ctx, toxic)
    case "slicer":
      return new Slicer(ctx, toxic)
    case "slow_open":
      return new SlowOpen(ctx, toxic)
    case "slow_close":
      return new SlowClose(ctx, toxic)
    case "timeout":
      return new Timeout(ctx, toxic)
    case "reset_peer":
      return new ResetPeer(ctx, toxic)
    case "limit_data":
      return new LimitData(ctx, toxic)
    case "limit_time":
      return new LimitTime(ctx, toxic)
    case "packet_loss":
      return new PacketLoss(ctx, toxic)
    case "noop":
      return new Pass(ctx, toxic)
  }
}
