/**
 * The system under test as a process handle: spawn it (command, args, env, cwd), wait until it is ready (a port
 * open, an HTTP status on a URL, or a log line), send its stdout and stderr to `results/logs/<name>.log`, and inject
 * process faults — `kill` (SIGKILL), `terminate` (SIGTERM, then SIGKILL after a grace period), `pause` / `resume`
 * (SIGSTOP / SIGCONT) and `restart` — each also a core `Fault` a schedule can drive.
 *
 * An exit nobody asked for (a crash, an OOM kill, a `kill -9` from outside) is recorded as an {@link UnexpectedExit}
 * with its exit code, signal and the tail of its log: data a finding is made from (`@24h/findings` is not imported
 * here; {@link check} turns the record into a core `Check`, and `docs/chaos.md` shows the finding).
 *
 * The process runs in its own process group, and signals go to the group, so a SUT started through a wrapper
 * (`npm start`, a shell) is paused and killed whole. The scope's finalizer kills the group and waits for it; a
 * process-exit hook kills any group still alive if the test runner itself dies.
 *
 * Clock skew: `clock: { offset: "+1d", rate: 2 }` runs the SUT under Debian's libfaketime (package `faketime`), with
 * the monotonic clock left real so its timers keep working. Without it, `make` fails with `Unsupported`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sut } from "@24h/chaos"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const api = yield* Sut.make({
 *       name: "api",
 *       command: "node",
 *       args: ["server.js"],
 *       env: { PORT: "3000" },
 *       ready: { http: "http://127.0.0.1:3000/health" }
 *     })
 *     yield* api.pause
 *     yield* api.resume
 *     const { tookMs } = yield* api.restart
 *     return { tookMs, crashes: yield* api.unexpectedExits }
 *   })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { Check, Fault } from "@24h/core"
import { Clock, Duration, Effect, type Scope } from "effect"
import { request } from "undici"
import { type ChaosError, withDetails } from "./ChaosError.ts"

/**
 * When a SUT counts as ready: a TCP `port` accepts connections, an `http` URL answers `status` (default 200), or a
 * `log` line matches (a `RegExp`, or a string the line must contain).
 *
 * @example
 * ```ts
 * import type { Sut } from "@24h/chaos"
 * const probes: ReadonlyArray<Sut.Ready> = [{ port: 5432 }, { http: "http://127.0.0.1:3000/health" }, { log: /listening/ }]
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Ready =
  | { readonly port: number; readonly host?: string }
  | { readonly http: string; readonly status?: number }
  | { readonly log: RegExp | string }

/**
 * Clock skew under libfaketime: `offset` like `"+1d"`, `"-2h"`, `"+90s"` (libfaketime's relative syntax), and a
 * `rate` at which the SUT's wall clock runs (2 = twice as fast). The monotonic clock stays real.
 *
 * @example
 * ```ts
 * import type { Sut } from "@24h/chaos"
 * const skew: Sut.ClockSkew = { offset: "-5m", rate: 1.01 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface ClockSkew {
  readonly offset?: string
  readonly rate?: number
}

/**
 * Options of {@link make}.
 *
 * @example
 * ```ts
 * import type { Sut } from "@24h/chaos"
 * const options: Sut.Options = { name: "worker", command: "node", args: ["worker.js"], ready: { log: "started" }, graceMs: 2000 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** The SUT's name: the log file is `<logDir>/<name>.log`. Letters, digits, `.`, `_`, `-`. */
  readonly name: string
  readonly command: string
  readonly args?: ReadonlyArray<string>
  /** Added to the parent's environment. */
  readonly env?: Readonly<Record<string, string>>
  readonly cwd?: string
  /** Readiness probe. Default: ready as soon as it is spawned. */
  readonly ready?: Ready
  /** How long readiness may take. Default 10 s. */
  readonly readyTimeoutMs?: number
  /** Directory of the log file. Default `"results/logs"` (relative to the working directory). */
  readonly logDir?: string
  /** Grace between SIGTERM and SIGKILL in `terminate` and `restart`. Default 5 s. */
  readonly graceMs?: number
  /** Lines of log kept for {@link UnexpectedExit.logTail}. Default 50. */
  readonly tailLines?: number
  /** Run under libfaketime with this skew. */
  readonly clock?: ClockSkew
}

/**
 * An exit nobody asked for: the process crashed, was OOM-killed, or was killed from outside.
 *
 * @example
 * ```ts
 * import type { Sut } from "@24h/chaos"
 * const line = (e: Sut.UnexpectedExit) => `${e.name} (pid ${e.pid}) exited ${e.code ?? e.signal} after ${e.uptimeMs} ms`
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface UnexpectedExit {
  readonly _tag: "UnexpectedExit"
  readonly name: string
  readonly pid: number
  /** The exit code, or `null` when a signal ended it. */
  readonly code: number | null
  /** The signal (`"SIGKILL"`…), or `null`. */
  readonly signal: string | null
  /** Epoch ms of the exit (Effect's `Clock`). */
  readonly at: number
  readonly uptimeMs: number
  readonly command: string
  readonly logPath: string
  /** The last lines of stdout and stderr. */
  readonly logTail: ReadonlyArray<string>
}

/**
 * A running (or stopped) SUT.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Sut } from "@24h/chaos"
 * declare const sut: Sut.Sut
 * const bounce = Effect.andThen(sut.kill, sut.start)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Sut {
  readonly name: string
  readonly logPath: string
  /** The current process id; `undefined` while stopped. */
  readonly pid: number | undefined
  readonly running: boolean
  readonly paused: boolean
  /** Spawns it (when stopped) and waits until ready; `Spawn` or `NotReady` on failure. */
  readonly start: Effect.Effect<void, ChaosError>
  /** SIGKILL to the process group; waits for the exit. A no-op when stopped. */
  readonly kill: Effect.Effect<void, ChaosError>
  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit. A no-op when stopped. */
  readonly terminate: Effect.Effect<void, ChaosError>
  /** SIGSTOP: the process stops answering (connections stay open); `Process` when it is not running. */
  readonly pause: Effect.Effect<void, ChaosError>
  /** SIGCONT. */
  readonly resume: Effect.Effect<void, ChaosError>
  /** `terminate` then `start`; `tookMs` is from the stop request until ready again. */
  readonly restart: Effect.Effect<{ readonly pid: number; readonly tookMs: number }, ChaosError>
  /** Every exit nobody asked for, oldest first. */
  readonly unexpectedExits: Effect.Effect<ReadonlyArray<UnexpectedExit>>
  /** Calls `f` on each unexpected exit from now on; returns an unsubscribe function. */
  readonly onUnexpectedExit: (f: (exit: UnexpectedExit) => void) => () => void
}

const live = new Set<number>()
let exitHookInstalled = false
const installExitHook = () => {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const pgid of live) {
      try {
        process.kill(-pgid, "SIGKILL")
      } catch {
        // already gone
      }
    }
  })
}

const FAKETIME_LIBS = [
  "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
  "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
  "/usr/lib/faketime/libfaketime.so.1",
  "/usr/local/lib/faketime/libfaketime.so.1"
]

/**
 * The path of libfaketime when Debian's `faketime` package is installed, else `undefined`.
 *
 * @example
 * ```ts
 * import { Sut } from "@24h/chaos"
 * const canSkew = Sut.faketimeLibrary() !== undefined
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const faketimeLibrary = (): string | undefined => FAKETIME_LIBS.find((p) => fs.existsSync(p))

const invalid = (field: string, value: unknown, message: string) =>
  Effect.fail(withDetails("InvalidSut", `Sut: ${field}: ${message} (got ${JSON.stringify(value)})`, { field, value }))

interface Proc {
  readonly child: ChildProcess
  readonly pid: number
  readonly startedAt: number
  expected: boolean
  exited: boolean
  readonly exit: Promise<{ code: number | null; signal: string | null }>
}

const sleep = (ms: number) => Effect.sleep(Duration.millis(ms))

const portOpen = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host, port })
    s.once("connect", () => {
      s.destroy()
      resolve(true)
    })
    s.once("error", () => resolve(false))
  })

const httpStatus = async (url: string): Promise<number | undefined> => {
  try {
    // `reset`: the probe's connection is closed afterwards, so no pooled socket to the SUT outlives readiness.
    const res = await request(url, { headersTimeout: 1000, bodyTimeout: 1000, reset: true })
    await res.body.dump()
    return res.statusCode
  } catch {
    return undefined
  }
}

/**
 * Spawns the SUT and waits until it is ready. The scope's finalizer kills its process group and waits for it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sut } from "@24h/chaos"
 * const pid = Effect.scoped(
 *   Effect.map(Sut.make({ name: "sleeper", command: "sleep", args: ["60"] }), (s) => s.pid)
 * )
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make: (options: Options) => Effect.Effect<Sut, ChaosError, Scope.Scope> = Effect.fn("Sut.make")(function* (
  options: Options
) {
  if (typeof options.name !== "string" || !/^[A-Za-z0-9._-]+$/.test(options.name))
    return yield* invalid("name", options.name, "must be letters, digits, '.', '_' or '-'")
  if (typeof options.command !== "string" || options.command === "")
    return yield* invalid("command", options.command, "must be a non-empty string")
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000
  const graceMs = options.graceMs ?? 5_000
  const tailLines = options.tailLines ?? 50
  for (const [field, v] of [
    ["readyTimeoutMs", readyTimeoutMs],
    ["graceMs", graceMs],
    ["tailLines", tailLines]
  ] as const)
    if (!Number.isSafeInteger(v) || v < 0) return yield* invalid(field, v, "must be an integer >= 0")
  const command = options.command
  const env: Record<string, string | undefined> = { ...process.env, ...options.env }
  if (options.clock !== undefined) {
    const lib = faketimeLibrary()
    if (lib === undefined)
      return yield* Effect.fail(
        withDetails(
          "Unsupported",
          "Sut: clock skew needs libfaketime, which is not installed (Debian: apt-get install faketime)",
          { tool: "faketime", install: "apt-get install faketime" }
        )
      )
    const offset = options.clock.offset ?? "+0"
    if (!/^[+-]\d+(\.\d+)?[smhdy]?$/.test(offset))
      return yield* invalid("clock.offset", offset, 'must look like "+1d", "-2h", "+90s" or "+0"')
    const rate = options.clock.rate
    if (rate !== undefined && !(typeof rate === "number" && rate > 0 && Number.isFinite(rate)))
      return yield* invalid("clock.rate", rate, "must be a number > 0")
    env.LD_PRELOAD = env.LD_PRELOAD ? `${lib}:${env.LD_PRELOAD}` : lib
    env.FAKETIME = rate === undefined ? offset : `${offset} x${rate}`
    env.FAKETIME_DONT_FAKE_MONOTONIC = "1"
    env.FAKETIME_NO_CACHE = "1"
  }
  const clock = yield* Clock.Clock
  const now = () => clock.currentTimeMillisUnsafe()
  const logDir = path.resolve(options.logDir ?? "results/logs")
  const logPath = path.join(logDir, `${options.name}.log`)
  yield* Effect.try({
    try: () => fs.mkdirSync(logDir, { recursive: true }),
    catch: (e) =>
      withDetails("Spawn", `Sut ${options.name}: cannot create ${logDir}: ${(e as Error).message}`, { logDir }, e)
  })
  const log = fs.createWriteStream(logPath, { flags: "a" })
  const tail: Array<string> = []
  let partial = ""
  let logWaiters: Array<(line: string) => boolean> = []
  const onOutput = (chunk: Buffer) => {
    log.write(chunk)
    const lines = (partial + chunk.toString("utf8")).split(/\r?\n/)
    partial = lines.pop() ?? ""
    for (const line of lines) {
      tail.push(line)
      if (tail.length > tailLines) tail.shift()
      if (logWaiters.length > 0) logWaiters = logWaiters.filter((w) => !w(line))
    }
  }
  const unexpected: Array<UnexpectedExit> = []
  const listeners = new Set<(e: UnexpectedExit) => void>()
  let proc: Proc | undefined
  let paused = false

  const spawnOnce = Effect.callback<Proc, ChaosError>((resume) => {
    const child = spawn(command, options.args ?? [], {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child.stdout?.on("data", onOutput)
    child.stderr?.on("data", onOutput)
    child.once("error", (e) =>
      resume(
        Effect.fail(
          withDetails(
            "Spawn",
            `Sut ${options.name}: cannot spawn ${JSON.stringify(options.command)}: ${e.message}`,
            { command: options.command, code: (e as NodeJS.ErrnoException).code },
            e
          )
        )
      )
    )
    child.once("spawn", () => {
      const pid = child.pid!
      live.add(pid)
      log.write(`--- 24h Sut ${options.name}: spawned ${options.command} (pid ${pid}) ---\n`)
      const p: Proc = {
        child,
        pid,
        startedAt: now(),
        expected: false,
        exited: false,
        exit: new Promise((res) =>
          child.once("exit", (code, signal) => {
            p.exited = true
            live.delete(pid)
            if (partial !== "") onOutput(Buffer.from("\n"))
            log.write(`--- 24h Sut ${options.name}: pid ${pid} exited (code ${code}, signal ${signal}) ---\n`)
            if (!p.expected) {
              const e: UnexpectedExit = {
                _tag: "UnexpectedExit",
                name: options.name,
                pid,
                code,
                signal,
                at: now(),
                uptimeMs: now() - p.startedAt,
                command: [options.command, ...(options.args ?? [])].join(" "),
                logPath,
                logTail: tail.slice()
              }
              unexpected.push(e)
              for (const f of listeners) f(e)
            }
            if (proc === p) {
              proc = undefined
              paused = false
            }
            res({ code, signal })
          })
        )
      }
      proc = p
      resume(Effect.succeed(p))
    })
  })

  const notReady = (p: Proc, probe: string, why: string) =>
    withDetails("NotReady", `Sut ${options.name}: not ready (${probe}): ${why}; log ${logPath}`, {
      name: options.name,
      probe,
      timeoutMs: readyTimeoutMs,
      pid: p.pid,
      logTail: tail.slice()
    })

  const awaitReady = (p: Proc): Effect.Effect<void, ChaosError> => {
    const ready = options.ready
    if (ready === undefined) return Effect.void
    let probe: string
    let check: () => Promise<boolean>
    if ("port" in ready) {
      probe = `port ${ready.host ?? "127.0.0.1"}:${ready.port}`
      check = () => portOpen(ready.host ?? "127.0.0.1", ready.port)
    } else if ("http" in ready) {
      probe = `GET ${ready.http} → ${ready.status ?? 200}`
      check = async () => (await httpStatus(ready.http)) === (ready.status ?? 200)
    } else {
      const pattern = ready.log
      probe = `log line ${String(pattern)}`
      const test = (line: string) => (typeof pattern === "string" ? line.includes(pattern) : pattern.test(line))
      let seen = tail.some(test)
      if (!seen)
        logWaiters.push((line) => {
          if (test(line)) seen = true
          return seen
        })
      check = () => Promise.resolve(seen)
    }
    const loop: Effect.Effect<void, ChaosError> = Effect.gen(function* () {
      while (true) {
        if (yield* Effect.promise(check)) return
        if (p.exited) {
          const { code, signal } = yield* Effect.promise(() => p.exit)
          return yield* Effect.fail(notReady(p, probe, `exited first (code ${code}, signal ${signal})`))
        }
        yield* sleep(50)
      }
    })
    return loop.pipe(
      Effect.timeoutOrElse({
        duration: Duration.millis(readyTimeoutMs),
        orElse: () => Effect.fail(notReady(p, probe, `timed out after ${readyTimeoutMs} ms`))
      })
    )
  }

  const signal = (p: Proc, sig: NodeJS.Signals): boolean => {
    try {
      process.kill(-p.pid, sig)
      return true
    } catch {
      try {
        return p.child.kill(sig)
      } catch {
        return false
      }
    }
  }

  const stop = (graceful: boolean): Effect.Effect<void> =>
    Effect.suspend(() => {
      const p = proc
      if (p === undefined || p.exited) return Effect.void
      p.expected = true
      if (paused) signal(p, "SIGCONT")
      if (!graceful) {
        signal(p, "SIGKILL")
        return Effect.promise(() => p.exit)
      }
      signal(p, "SIGTERM")
      return Effect.promise(() => p.exit).pipe(
        Effect.timeoutOrElse({
          duration: Duration.millis(graceMs),
          orElse: () =>
            Effect.andThen(
              Effect.sync(() => signal(p, "SIGKILL")),
              Effect.promise(() => p.exit)
            )
        }),
        Effect.asVoid
      )
    }).pipe(Effect.asVoid)

  const start: Effect.Effect<void, ChaosError> = Effect.suspend(() => {
    if (proc !== undefined && !proc.exited) return Effect.void
    return Effect.flatMap(spawnOnce, (p) =>
      awaitReady(p).pipe(
        Effect.onError(() =>
          Effect.andThen(
            Effect.sync(() => (p.expected = true)),
            stop(false)
          )
        )
      )
    )
  })

  const notRunning = (sig: string) =>
    withDetails("Process", `Sut ${options.name}: cannot send ${sig}: not running`, {
      name: options.name,
      signal: sig
    })

  installExitHook()
  yield* Effect.addFinalizer(() =>
    Effect.andThen(
      stop(false),
      Effect.callback<void>((resume) => {
        log.end(() => resume(Effect.void))
      })
    )
  )
  yield* start

  const sut: Sut = {
    name: options.name,
    logPath,
    get pid() {
      return proc?.pid
    },
    get running() {
      return proc !== undefined && !proc.exited
    },
    get paused() {
      return paused
    },
    start,
    kill: stop(false),
    terminate: stop(true),
    pause: Effect.suspend(() => {
      const p = proc
      if (p === undefined || p.exited || !signal(p, "SIGSTOP")) return Effect.fail(notRunning("SIGSTOP"))
      paused = true
      return Effect.void
    }),
    resume: Effect.suspend(() => {
      const p = proc
      if (p === undefined || p.exited || !signal(p, "SIGCONT")) return Effect.fail(notRunning("SIGCONT"))
      paused = false
      return Effect.void
    }),
    restart: Effect.gen(function* () {
      const t0 = now()
      yield* stop(true)
      yield* start
      return { pid: proc!.pid, tookMs: now() - t0 }
    }),
    unexpectedExits: Effect.sync(() => unexpected.slice()),
    onUnexpectedExit: (f) => {
      listeners.add(f)
      return () => listeners.delete(f)
    }
  }
  return sut
})

/**
 * A process fault as a core `Fault`, for `FaultSchedule` and the pipeline builders:
 *
 * - `"kill"`: apply SIGKILL; revert starts it again (a supervisor restarting a crashed service).
 * - `"terminate"`: apply SIGTERM (then SIGKILL after the grace); revert starts it again.
 * - `"pause"`: apply SIGSTOP; revert SIGCONT.
 * - `"restart"`: apply restarts it; revert does nothing.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Fault } from "@24h/core"
 * import { Sut } from "@24h/chaos"
 *
 * declare const api: Sut.Sut
 * const frozen = Fault.during(Sut.fault(api, "pause"), Effect.sleep("3 seconds"))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const fault = (sut: Sut, kind: "kill" | "terminate" | "pause" | "restart"): Fault.Fault<ChaosError> => {
  const target = `sut/${sut.name}`
  switch (kind) {
    case "kill":
      return Fault.make({
        name: `kill ${sut.name}`,
        target,
        details: { signal: "SIGKILL" },
        apply: sut.kill,
        revert: sut.start
      })
    case "terminate":
      return Fault.make({
        name: `terminate ${sut.name}`,
        target,
        details: { signal: "SIGTERM" },
        apply: sut.terminate,
        revert: sut.start
      })
    case "pause":
      return Fault.make({
        name: `pause ${sut.name}`,
        target,
        details: { signal: "SIGSTOP" },
        apply: sut.pause,
        revert: Effect.suspend(() => (sut.paused ? sut.resume : Effect.void))
      })
    case "restart":
      return Fault.make({
        name: `restart ${sut.name}`,
        target,
        details: {},
        apply: Effect.asVoid(sut.restart),
        revert: Effect.void
      })
  }
}

/**
 * A core `Check` over the SUT's unexpected exits: `pass` when there were none, `fail` otherwise, with one evidence
 * line per exit (pid, code or signal, uptime, log path) and the last log lines of the first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sut } from "@24h/chaos"
 * declare const api: Sut.Sut
 * const verdict = Effect.map(api.unexpectedExits, (exits) => Sut.check(api.name, exits))
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const check = (name: string, exits: ReadonlyArray<UnexpectedExit>): Check.Check => {
  if (exits.length === 0) return Check.pass(`sut ${name} stayed up`, `no unexpected exit of ${name}`)
  const evidence = exits.map(
    (e) =>
      `pid ${e.pid} exited ${e.code !== null ? `with code ${e.code}` : `on ${e.signal}`} after ${e.uptimeMs} ms (log ${e.logPath})`
  )
  const first = exits[0]!
  return Check.fail(
    `sut ${name} stayed up`,
    `${name} exited unexpectedly ${exits.length} time(s); first: ${evidence[0]}`,
    { source: `sut/${name}`, evidence: [...evidence, ...first.logTail.slice(-10).map((l) => `log: ${l}`)] }
  )
}
