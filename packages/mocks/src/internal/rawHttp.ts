/**
 * A lean HTTP/1.1 keep-alive client for load generation on `http:` targets: a fixed set of sockets, each carrying
 * one request at a time, responses framed by http-parser-js (the parser autocannon uses), bodies counted and
 * dropped. It exists because undici's general request path costs ~1.5x the CPU per request of this one
 * (benchmark/HttpLoad.ts), and a load generator's CPU is taken from the system under test on a shared machine.
 *
 *   request(head, body) ─► free socket? ─► write head+body ─► parser: headers → status, message complete → resolve
 *                          └─ none ──────► FIFO of waiters (served as sockets free up)
 *   socket error / close / timeout ─► reject the in-flight request; the socket reconnects on its next use
 */
import * as net from "node:net"
import { HTTPParser } from "http-parser-js"

interface Pending {
  readonly head: string
  readonly body: Buffer | undefined
  readonly headOnly: boolean
  readonly resolve: (status: number) => void
  readonly reject: (error: Error) => void
}

class Conn {
  private socket: net.Socket | undefined
  private readonly parser = new HTTPParser(HTTPParser.RESPONSE)
  private current: Pending | undefined
  private status = 0
  private keepAlive = true
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly pool: RawPool,
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number
  ) {
    this.parser[HTTPParser.kOnHeaders] = () => {}
    this.parser[HTTPParser.kOnHeadersComplete] = (info) => {
      this.status = info.statusCode
      this.keepAlive = info.shouldKeepAlive
      // 1 = no body follows (the answer to a HEAD request).
      return this.current?.headOnly === true ? 1 : 0
    }
    this.parser[HTTPParser.kOnBody] = () => {}
    this.parser[HTTPParser.kOnMessageComplete] = () => this.complete()
  }

  send(p: Pending): void {
    this.current = p
    this.status = 0
    if (this.socket === undefined || this.socket.destroyed) this.connect()
    const s = this.socket!
    this.timer = setTimeout(
      () => this.fail(new Error(`no complete answer within ${this.timeoutMs} ms`)),
      this.timeoutMs
    )
    if (p.body === undefined) s.write(p.head, "latin1")
    else {
      s.cork()
      s.write(p.head, "latin1")
      s.write(p.body)
      s.uncork()
    }
  }

  private connect(): void {
    this.parser.initialize(HTTPParser.RESPONSE)
    const s = net.connect(this.port, this.host)
    s.setNoDelay(true)
    // A dropped socket's late events (its close after a `Connection: close` answer) must not touch the request
    // that the next socket now carries: every handler checks that its socket is still the current one.
    s.on("data", (chunk: Buffer) => {
      if (this.socket !== s) return
      const r = this.parser.execute(chunk)
      if (r instanceof Error) this.fail(r)
    })
    s.on("error", (e) => {
      if (this.socket === s) this.fail(e)
    })
    s.on("close", () => {
      if (this.socket !== s) return
      this.socket = undefined
      if (this.current !== undefined) this.fail(new Error("the connection closed before the answer was complete"))
    })
    this.socket = s
  }

  private complete(): void {
    const p = this.current
    if (p === undefined) return
    this.current = undefined
    clearTimeout(this.timer)
    if (!this.keepAlive) this.drop()
    p.resolve(this.status)
    this.pool.release(this)
  }

  fail(error: Error): void {
    const p = this.current
    this.current = undefined
    clearTimeout(this.timer)
    this.drop()
    if (p !== undefined) {
      p.reject(error)
      this.pool.release(this)
    }
  }

  private drop(): void {
    const s = this.socket
    this.socket = undefined
    if (s !== undefined && !s.destroyed) s.destroy()
  }

  close(): void {
    this.fail(new Error("the load stopped"))
    this.drop()
  }
}

/** A fixed pool of keep-alive connections to one `host:port`. */
export class RawPool {
  private readonly free: Array<Conn> = []
  private readonly all: Array<Conn> = []
  private readonly waiting: Array<Pending> = []
  private waitingHead = 0
  private closed = false

  constructor(host: string, port: number, connections: number, timeoutMs: number) {
    for (let i = 0; i < connections; i++) {
      const c = new Conn(this, host, port, timeoutMs)
      this.all.push(c)
      this.free.push(c)
    }
  }

  request(head: string, body: Buffer | undefined, headOnly: boolean): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error("the load stopped"))
      const p: Pending = { head, body, headOnly, resolve, reject }
      const c = this.free.pop()
      if (c === undefined) this.waiting.push(p)
      else c.send(p)
    })
  }

  release(c: Conn): void {
    if (this.closed) return
    if (this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead]!
      this.waiting[this.waitingHead++] = undefined as unknown as Pending
      // Compact the FIFO once its consumed prefix dominates, so it never grows without bound.
      if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
        this.waiting.splice(0, this.waitingHead)
        this.waitingHead = 0
      }
      c.send(next)
    } else this.free.push(c)
  }

  /** Rejects everything in flight and waiting; closes every socket. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const c of this.all) c.close()
    for (let i = this.waitingHead; i < this.waiting.length; i++) this.waiting[i]?.reject(new Error("the load stopped"))
    this.waiting.length = 0
  }
}
