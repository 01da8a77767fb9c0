/**
 * Histories of concurrent operations, recorded the way Jepsen records them: each operation is an `invoke` event
 * followed by its completion — `ok` (it happened), `fail` (it did not happen) or `info` (unknown outcome: it may
 * have happened, at any time after its call) — with the process that ran it, the function `f`, a value, an
 * optional key, and a monotonic time from Effect's `Clock`. A call with no completion is also of unknown outcome.
 *
 * Record with {@link recorder} (bounded memory: events are appended to a JSON Lines file as they come) or wrap a
 * load iteration with {@link instrument} so a workload records its history by itself; read histories back with
 * {@link readFile} (our JSON Lines, Jepsen's `jepsen.util` log lines, or EDN history lines) and check them with
 * `Linearizability.check`.
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const events = History.parse(
 *   ['{"process":0,"type":"invoke","f":"write","value":1,"time":0}', '{"process":0,"type":"ok","f":"write","value":1,"time":5}'].join("\n"),
 *   "jsonl"
 * )
 * const ops = Effect.flatMap(events, History.operations) // one write of 1, from 0 to 5
 * ```
 *
 * @since 0.2.0
 */
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs"
import { readFile as readFileAsync } from "node:fs/promises"
import { dirname } from "node:path"
import { Clock, Effect, Exit, type Scope } from "effect"
import { z } from "zod"
import { CoreError, coreError, formatIssues, preview } from "./CoreError.ts"
import { EdnSyntaxError, parseEdn } from "./internal/linearizability/edn.ts"

/**
 * The type of an event: a call (`invoke`) or its completion (`ok`, `fail`, `info`).
 *
 * @category models
 * @since 0.2.0
 */
export const EventType = z.enum(["invoke", "ok", "fail", "info"])
/**
 * `invoke`, `ok`, `fail` or `info`.
 *
 * @category models
 * @since 0.2.0
 */
export type EventType = z.infer<typeof EventType>

/**
 * One line of a history: what a process invoked or how it completed.
 *
 * @category models
 * @since 0.2.0
 */
export const Event = z.object({
  /** Who ran the operation: a process has at most one call pending. */
  process: z.union([z.number().int(), z.string().min(1)]),
  type: EventType,
  /** The function: `read`, `write`, `cas`, `get`, `put`, `append`, or your own. */
  f: z.string().min(1),
  /** The invoke's argument, or the completion's result (a read's value); missing reads as `null`. */
  value: z.unknown().optional(),
  /** The key, for keyed models (key-value stores, per-account registers). */
  key: z.string().optional(),
  /** Nanoseconds since recording began (monotonic), or the line number for histories without times. */
  time: z.number().finite()
})
/**
 * One line of a history, with values of type `V`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Event<V = unknown> {
  readonly process: number | string
  readonly type: EventType
  readonly f: string
  readonly value: V
  readonly key?: string | undefined
  readonly time: number
}

/**
 * An operation: an invoke paired with its completion. `status` is `info` for an unknown outcome (including a call
 * never completed); its `return` is then `Infinity`. `index` is the operation's position among all operations of
 * the history, in the order of their calls.
 *
 * @category models
 * @since 0.2.0
 */
export interface Operation<V = unknown> {
  readonly index: number
  readonly process: number | string
  readonly f: string
  readonly key: string | undefined
  /** The invoke's value. */
  readonly value: V
  /** The completion's value (`undefined` when the outcome is unknown). */
  readonly result: V | undefined
  readonly status: "ok" | "fail" | "info"
  readonly call: number
  readonly return: number
}

/**
 * Pairs each invoke with the next completion of the same process. A completion with no pending call, a second call
 * while one is pending, or a completion whose `f` differs from its call's fail with `InvalidInput`.
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const ops = Effect.runSync(History.operations([
 *   { process: 0, type: "invoke", f: "read", value: null, time: 0 },
 *   { process: 0, type: "ok", f: "read", value: 3, time: 4 }
 * ]))
 * ops[0]?.result // 3
 * ```
 *
 * @category pairing
 * @since 0.2.0
 */
export const operations = Effect.fn("History.operations")(
  <V>(events: ReadonlyArray<Event<V>>): Effect.Effect<ReadonlyArray<Operation<V>>, CoreError> =>
    Effect.suspend(() => {
      const pending = new Map<number | string, { readonly event: Event<V>; readonly slot: number }>()
      const out: Array<Operation<V> | undefined> = []
      for (let i = 0; i < events.length; i++) {
        const ev = events[i]!
        if (ev.type === "invoke") {
          if (pending.has(ev.process)) {
            return Effect.fail(
              coreError(
                "InvalidInput",
                `history event ${i}: process ${preview(ev.process)} invokes ${ev.f} while its ${pending.get(ev.process)!.event.f} is still pending`
              )
            )
          }
          pending.set(ev.process, { event: ev, slot: out.length })
          out.push(undefined)
          continue
        }
        const call = pending.get(ev.process)
        if (call === undefined) {
          return Effect.fail(
            coreError(
              "InvalidInput",
              `history event ${i}: process ${preview(ev.process)} completes ${ev.f} (${ev.type}) with no pending call`
            )
          )
        }
        if (call.event.f !== ev.f) {
          return Effect.fail(
            coreError(
              "InvalidInput",
              `history event ${i}: process ${preview(ev.process)} completes f ${preview(ev.f)} but invoked ${preview(call.event.f)}`
            )
          )
        }
        pending.delete(ev.process)
        const info = ev.type === "info"
        out[call.slot] = {
          index: call.slot,
          process: ev.process,
          f: ev.f,
          key: call.event.key ?? ev.key,
          value: call.event.value,
          result: info ? undefined : ev.value,
          status: ev.type === "ok" ? "ok" : info ? "info" : "fail",
          call: call.event.time,
          return: info ? Number.POSITIVE_INFINITY : ev.time
        }
      }
      for (const { event, slot } of pending.values()) {
        out[slot] = {
          index: slot,
          process: event.process,
          f: event.f,
          key: event.key,
          value: event.value,
          result: undefined,
          status: "info",
          call: event.time,
          return: Number.POSITIVE_INFINITY
        }
      }
      return Effect.succeed(out as Array<Operation<V>>)
    })
)

// ── readers ──────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A history file format: `jsonl` (ours: one {@link Event} per line), `jepsen-log` (`INFO jepsen.util - 3 :invoke
 * :read nil` lines of a Jepsen log; every other line is ignored) or `edn` (one Jepsen history map per line).
 *
 * @category readers
 * @since 0.2.0
 */
export type Format = "jsonl" | "jepsen-log" | "edn"

/**
 * The accepted formats.
 *
 * @category readers
 * @since 0.2.0
 */
export const FORMATS: ReadonlyArray<Format> = ["jsonl", "jepsen-log", "edn"]

const JEPSEN_LINE = /^INFO\s+jepsen\.util\s+-\s+(\S+)\s+:(invoke|ok|fail|info)\s+:(\S+)(?:\s+(.*?))?\s*$/

const ednValue = (text: string, where: string): unknown => {
  try {
    return parseEdn(text)
  } catch (e) {
    throw coreError("InvalidInput", `${where}: not EDN (${e instanceof EdnSyntaxError ? e.message : String(e)})`)
  }
}

const processOf = (v: unknown): number | string =>
  typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : (v as number | string)

/** A completion whose value is `:timed-out` in Jepsen's logs is an unknown outcome. */
const jepsenType = (type: EventType, value: unknown): EventType =>
  type !== "invoke" && type !== "ok" && value === "timed-out" ? "info" : type

const INT = /^-?\d+$/
const PAIR = /^\[(-?\d+)\s+(-?\d+)\]$/

/** The value field of a Jepsen log line: the common shapes (nil, an integer, `[a b]`, a keyword) without the EDN reader. */
const jepsenValue = (text: string | undefined, i: number): unknown => {
  if (text === undefined || text === "" || text === "nil") return null
  if (INT.test(text)) return Number(text)
  const pair = PAIR.exec(text)
  if (pair !== null) return [Number(pair[1]), Number(pair[2])]
  if (text.startsWith(":") && !/[\s[\]{}()"]/.test(text)) return text.slice(1)
  return ednValue(text, `line ${i + 1}`)
}

const parseJepsenLogSync = (text: string): Array<Event> => {
  const out: Array<Event> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const m = JEPSEN_LINE.exec(lines[i]!)
    if (m === null) continue
    const value = jepsenValue(m[4], i)
    const type = jepsenType(m[2] as EventType, value)
    out.push({ process: processOf(m[1]), type, f: m[3]!, value, time: i })
  }
  return out
}

const EdnEvent = z.object({
  process: z.union([z.number().int(), z.string().min(1)]),
  type: EventType,
  f: z.string().min(1),
  value: z.unknown().optional(),
  key: z.union([z.string(), z.number()]).optional(),
  time: z.number().finite().optional()
})

const parseEdnSync = (text: string): Array<Event> => {
  const out: Array<Event> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "" || line.startsWith(";")) continue
    const raw = ednValue(line, `line ${i + 1}`)
    const r = EdnEvent.safeParse(raw, { reportInput: true })
    if (!r.success) throw coreError("InvalidInput", `line ${i + 1}: ${formatIssues(r.error.issues)}`)
    const e = r.data
    const type = jepsenType(e.type, e.value)
    out.push({
      process: e.process,
      type,
      f: e.f,
      value: e.value ?? null,
      ...(e.key === undefined ? {} : { key: String(e.key) }),
      time: e.time ?? i
    })
  }
  return out
}

const parseJsonLinesSync = (text: string): Array<Event> => {
  const out: Array<Event> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === "") continue
    let raw: unknown
    try {
      raw = JSON.parse(line)
    } catch {
      throw coreError("InvalidInput", `line ${i + 1}: not JSON (got ${preview(line)})`)
    }
    const r = Event.safeParse(raw, { reportInput: true })
    if (!r.success) throw coreError("InvalidInput", `line ${i + 1}: ${formatIssues(r.error.issues)}`)
    const e = r.data
    out.push({ ...e, value: e.value ?? null })
  }
  return out
}

/**
 * Parses a history text in the given format. Lines are validated; the first bad one fails with `InvalidInput`
 * naming its line number and field.
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 *
 * History.parse("INFO  jepsen.util - 3\t:invoke\t:read\tnil\nINFO  jepsen.util - 3\t:ok\t:read\t4", "jepsen-log")
 * History.parse('{:process 0, :type :invoke, :f :get, :key "7", :value nil}', "edn")
 * ```
 *
 * @category readers
 * @since 0.2.0
 */
export const parse = Effect.fn("History.parse")(
  (text: string, format: Format): Effect.Effect<ReadonlyArray<Event>, CoreError> =>
    Effect.try({
      try: () =>
        format === "jsonl"
          ? parseJsonLinesSync(text)
          : format === "edn"
            ? parseEdnSync(text)
            : parseJepsenLogSync(text),
      catch: (e) => (e instanceof CoreError ? e : coreError("InvalidInput", `history: ${String(e)}`, e))
    })
)

/**
 * Guesses a file's format from its name and first line: `.jsonl`/`.ndjson` or a line starting with `{"` → `jsonl`;
 * a line starting with `{:` → `edn`; otherwise `jepsen-log`.
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 * History.detectFormat("etcd_000.log", "INFO  jepsen.util - 0\t:invoke\t:read\tnil") // "jepsen-log"
 * ```
 *
 * @category readers
 * @since 0.2.0
 */
export const detectFormat = (path: string, text: string): Format => {
  if (/\.(jsonl|ndjson)$/i.test(path)) return "jsonl"
  if (/\.edn$/i.test(path)) return "edn"
  const first =
    text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ?? ""
  if (first.startsWith('{"')) return "jsonl"
  if (first.startsWith("{:")) return "edn"
  return "jepsen-log"
}

/**
 * Reads a history file (format from `format`, else {@link detectFormat}).
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 * const events = History.readFile("runs/demo/results/history.jsonl")
 * ```
 *
 * @category readers
 * @since 0.2.0
 */
export const readFile = Effect.fn("History.readFile")(
  (path: string, format?: Format): Effect.Effect<ReadonlyArray<Event>, CoreError> =>
    Effect.flatMap(
      Effect.tryPromise({
        try: () => readFileAsync(path, "utf8"),
        catch: (e) => coreError("Io", `history: cannot read ${path} (${(e as Error).message})`, e)
      }),
      (text) =>
        parse(text, format ?? detectFormat(path, text)).pipe(
          Effect.mapError((e) => coreError(e.reason, `${path}: ${e.message}`, e.cause))
        )
    )
)

// ── recording ────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * A call that has been invoked and not yet completed.
 *
 * @category recording
 * @since 0.2.0
 */
export interface Pending {
  readonly process: number | string
  readonly f: string
  readonly key: string | undefined
}

/**
 * Records events into a JSON Lines file, holding at most `flushEvery` lines in memory.
 *
 * @category recording
 * @since 0.2.0
 */
export interface Recorder {
  /** The JSON Lines file the history goes to. */
  readonly file: string
  /** Records a call. Without `process`, the lowest process id with no pending call is used. */
  readonly invoke: (call: {
    readonly f: string
    readonly value?: unknown
    readonly key?: string
    readonly process?: number | string
  }) => Effect.Effect<Pending>
  /** Records the completion of a call. */
  readonly complete: (pending: Pending, type: Exclude<EventType, "invoke">, value?: unknown) => Effect.Effect<void>
  /** Events recorded so far. */
  readonly count: () => number
  /** Writes buffered events to the file. */
  readonly flush: Effect.Effect<void, CoreError>
}

/**
 * Options of {@link recorder}.
 *
 * @category recording
 * @since 0.2.0
 */
export interface RecorderOptions {
  /** The file to write (created, or truncated, with its folders), e.g. `<run>/results/history.jsonl`. */
  readonly file: string
  /** Lines buffered before they are appended to the file. Default 1024. */
  readonly flushEvery?: number
}

/**
 * A scoped recorder: times come from `Clock.monotonicTimeNanos` relative to its creation; buffered lines are
 * written every `flushEvery` events and when the scope closes.
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const rec = yield* History.recorder({ file: "runs/demo/results/history.jsonl" })
 *   const p = yield* rec.invoke({ f: "write", value: 1, key: "account-1" })
 *   yield* rec.complete(p, "ok")
 * }))
 * ```
 *
 * @category recording
 * @since 0.2.0
 */
export const recorder = Effect.fn("History.recorder")(
  (options: RecorderOptions): Effect.Effect<Recorder, CoreError, Scope.Scope> =>
    Effect.gen(function* () {
      const flushEvery = options.flushEvery ?? 1024
      if (!Number.isInteger(flushEvery) || flushEvery < 1) {
        return yield* Effect.fail(
          coreError("InvalidInput", `History.recorder: flushEvery must be an integer ≥ 1 (got ${preview(flushEvery)})`)
        )
      }
      const file = options.file
      yield* Effect.try({
        try: () => {
          mkdirSync(dirname(file), { recursive: true })
          writeFileSync(file, "")
        },
        catch: (e) => coreError("Io", `History.recorder: cannot create ${file} (${(e as Error).message})`, e)
      })
      const clock = yield* Clock.Clock
      const start = clock.monotonicTimeNanosUnsafe()
      const now = () => Number(clock.monotonicTimeNanosUnsafe() - start)
      let buffer: Array<string> = []
      let count = 0
      const busy = new Set<number>()
      const open = new Map<Pending, number | undefined>()
      const write = () => {
        if (buffer.length === 0) return
        const text = buffer.join("\n") + "\n"
        buffer = []
        appendFileSync(file, text)
      }
      const flush = Effect.try({
        try: write,
        catch: (e) => coreError("Io", `History.recorder: cannot append to ${file} (${(e as Error).message})`, e)
      })
      const push = (event: Event) => {
        buffer.push(JSON.stringify(event))
        count++
        if (buffer.length >= flushEvery) write()
      }
      yield* Effect.addFinalizer(() => Effect.ignore(flush))
      const rec: Recorder = {
        file,
        count: () => count,
        flush,
        invoke: (call) =>
          Effect.sync(() => {
            let process = call.process
            let slot: number | undefined
            if (process === undefined) {
              let p = 0
              while (busy.has(p)) p++
              busy.add(p)
              slot = p
              process = p
            }
            const pending: Pending = { process, f: call.f, key: call.key }
            open.set(pending, slot)
            push({
              process,
              type: "invoke",
              f: call.f,
              value: call.value ?? null,
              ...(call.key === undefined ? {} : { key: call.key }),
              time: now()
            })
            return pending
          }),
        complete: (pending, type, value) =>
          Effect.sync(() => {
            if (!open.has(pending)) return
            const slot = open.get(pending)
            open.delete(pending)
            if (slot !== undefined) busy.delete(slot)
            push({
              process: pending.process,
              type,
              f: pending.f,
              value: value ?? null,
              ...(pending.key === undefined ? {} : { key: pending.key }),
              time: now()
            })
          })
      }
      return rec
    })
)

/**
 * What an instrumented iteration does: the call to record, and the effect that performs it and says how it
 * completed (`ok` with its result, `fail` when it certainly did not happen, `info` when nobody knows).
 *
 * @category recording
 * @since 0.2.0
 */
export interface Invocation<E = never, R = never> {
  readonly f: string
  readonly value?: unknown
  readonly key?: string
  readonly run: Effect.Effect<{ readonly type: Exclude<EventType, "invoke">; readonly value?: unknown }, E, R>
}

/**
 * Wraps a load iteration so that each call records its invoke and completion: the result is the shape core's
 * `Load` iterations return (`{ ok }`: true for `ok`). A failure or interruption of `run` is recorded as `info`
 * (unknown outcome) and propagated.
 *
 * @example
 * ```ts
 * import { History } from "@24h/core"
 * import { Effect } from "effect"
 *
 * declare const rec: History.Recorder
 * const iteration = History.instrument(rec, (ctx: { readonly index: number }) =>
 *   ctx.index % 2 === 0
 *     ? { f: "write", value: ctx.index, key: "x", run: Effect.succeed({ type: "ok" as const }) }
 *     : { f: "read", key: "x", run: Effect.succeed({ type: "ok" as const, value: ctx.index - 1 }) }
 * )
 * ```
 *
 * @category recording
 * @since 0.2.0
 */
export const instrument =
  <Ctx, E, R>(rec: Recorder, iteration: (ctx: Ctx) => Invocation<E, R>) =>
  (ctx: Ctx): Effect.Effect<{ readonly ok: boolean }, E, R> =>
    Effect.suspend(() => {
      const call = iteration(ctx)
      return Effect.flatMap(
        rec.invoke({
          f: call.f,
          ...(call.value === undefined ? {} : { value: call.value }),
          ...(call.key === undefined ? {} : { key: call.key })
        }),
        (pending) =>
          Effect.onExit(call.run, (exit) =>
            Exit.isSuccess(exit)
              ? rec.complete(pending, exit.value.type, exit.value.value)
              : rec.complete(pending, "info")
          ).pipe(Effect.map((c) => ({ ok: c.type === "ok" })))
      )
    })
