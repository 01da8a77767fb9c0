/**
 * Test helpers: real servers and sockets on 127.0.0.1 port 0, each tracked so a test can close everything.
 */
import * as fs from "node:fs"
import * as net from "node:net"
import { performance } from "node:perf_hooks"
import { Effect, Exit, Scope } from "effect"

/** Acquires a scoped resource outside an Effect test; `close` runs its finalizers. */
export const acquire = async <A, E>(
  eff: Effect.Effect<A, E, Scope.Scope>
): Promise<{ readonly value: A; readonly close: () => Promise<void> }> => {
  const scope = await Effect.runPromise(Scope.make())
  const exit = await Effect.runPromiseExit(Scope.provide(scope)(eff))
  if (Exit.isFailure(exit)) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    return Effect.runPromise(Effect.failCause(exit.cause))
  }
  return { value: exit.value, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

export interface TestServer {
  readonly port: number
  readonly address: string
  readonly sockets: Set<net.Socket>
  /** Resolves with each accepted socket, in order. */
  readonly accepted: () => Promise<net.Socket>
  readonly close: () => Promise<void>
}

/** A TCP server on 127.0.0.1:0; `onSocket` handles each connection (default: nothing). */
export const server = async (onSocket: (s: net.Socket) => void = () => {}): Promise<TestServer> => {
  const sockets = new Set<net.Socket>()
  const waiting: Array<(s: net.Socket) => void> = []
  const backlog: Array<net.Socket> = []
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s)
    s.on("error", () => {})
    s.on("close", () => sockets.delete(s))
    onSocket(s)
    const w = waiting.shift()
    if (w !== undefined) w(s)
    else backlog.push(s)
  })
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve))
  const port = (srv.address() as net.AddressInfo).port
  return {
    port,
    address: `127.0.0.1:${port}`,
    sockets,
    accepted: () => {
      const s = backlog.shift()
      return s !== undefined ? Promise.resolve(s) : new Promise((resolve) => waiting.push(resolve))
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        srv.close(() => resolve())
      })
  }
}

/** An echo server: every byte comes back; EOF is echoed as EOF. */
export const echoServer = (): Promise<TestServer> =>
  server((s) => {
    s.on("data", (d) => s.write(d))
    s.on("end", () => s.end())
  })

/** Connects to 127.0.0.1:port; rejects on error. */
export const connect = (port: number): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true, noDelay: true })
    s.once("connect", () => {
      s.off("error", reject)
      resolve(s)
    })
    s.once("error", reject)
  })

/** Reads exactly `n` bytes (rejects on EOF or error first). */
export const readExactly = (s: net.Socket, n: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let got = 0
    const onData = (d: Buffer) => {
      chunks.push(d)
      got += d.length
      if (got >= n) {
        cleanup()
        const all = Buffer.concat(chunks)
        if (all.length > n) s.unshift(all.subarray(n))
        resolve(all.subarray(0, n))
      }
    }
    const onEnd = () => {
      cleanup()
      reject(new Error(`EOF after ${got} of ${n} bytes`))
    }
    const onError = (e: Error) => {
      cleanup()
      reject(e)
    }
    const cleanup = () => {
      s.off("data", onData)
      s.off("end", onEnd)
      s.off("error", onError)
    }
    s.on("data", onData)
    s.once("end", onEnd)
    s.once("error", onError)
  })

export interface Outcome {
  /** How the read side finished: a clean EOF, an error (its code), or a close without either. */
  readonly how: "eof" | "error" | "close"
  readonly code?: string | undefined
  readonly data: Buffer
  /** ms since `since`. */
  readonly at: number
}

/** Collects everything until EOF, error or close. */
export const collect = (s: net.Socket, since: number = performance.now()): Promise<Outcome> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let settled = false
    const done = (how: Outcome["how"], code?: string) => {
      if (settled) return
      settled = true
      resolve({ how, code, data: Buffer.concat(chunks), at: performance.now() - since })
    }
    s.on("data", (d: Buffer) => chunks.push(d))
    s.once("end", () => done("eof"))
    s.once("error", (e: NodeJS.ErrnoException) => done("error", e.code))
    s.once("close", () => done("close"))
  })

/** Resolves when the event fires. */
export const once = <A = unknown>(emitter: NodeJS.EventEmitter, event: string): Promise<A> =>
  new Promise((resolve) => emitter.once(event, (a: A) => resolve(a)))

/** The number of open file descriptors of this process. */
export const fdCount = (): number => fs.readdirSync("/proc/self/fd").length

/** Polls `cond` every 10 ms for up to `ms`; returns its last value. */
export const eventually = async (cond: () => boolean, ms = 2000): Promise<boolean> => {
  const until = performance.now() + ms
  while (performance.now() < until) {
    if (cond()) return true
    await new Promise((r) => setTimeout(r, 10))
  }
  return cond()
}

/** `true` when nothing accepts connections on 127.0.0.1:port. */
export const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ port, host: "127.0.0.1" })
    s.once("connect", () => {
      s.destroy()
      resolve(false)
    })
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"))
  })
