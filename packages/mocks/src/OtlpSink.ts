/**
 * An OTLP/HTTP receiver for a system under test's telemetry: a real server on `127.0.0.1` serving
 * `POST /v1/traces`, `/v1/metrics` and `/v1/logs` in protobuf (`application/x-protobuf`) and JSON
 * (`application/json`), gzip or not. A SUT exports to it with the standard OpenTelemetry variables
 * ({@link OtlpSink.env}: `OTEL_EXPORTER_OTLP_ENDPOINT=<url>`).
 *
 * Every accepted request is kept in memory and, with a run directory, stored as OTLP/JSON in it
 * (`results/traces/<name>.jsonl`, `results/metrics/<name>.json`, `results/logs/<name>.otlp.jsonl`). A body that is
 * not valid OTLP gets a 400 whose message names the field and the value; nothing of it is stored.
 *
 * Failure switches make the collector misbehave — `slow`, `hang`, `down` (connection refused) or answer a `status`
 * (429 / 503 with `Retry-After`) — so a team sees whether its exporter drops spans or blocks requests.
 *
 * The same switches can be flipped over HTTP, for a sink started with `24h mock otlp` (JSON in and out; a bad
 * request gets a 400 with `{ error: { reason, message } }`):
 *
 * | method | path | |
 * |---|---|---|
 * | GET | `/__admin/switches` | the active switches |
 * | PUT / POST | `/__admin/switches` | replace them: one switch or a list (applied after the answer is sent) |
 * | DELETE | `/__admin/switches` | a healthy collector again |
 * | GET | `/__admin/stats` | request counts per endpoint |
 *
 * `make` is a scoped resource: when its scope closes, timers are cleared, sockets destroyed and the server closed.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { OtlpSink } from "@24h/mocks"
 *
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const sink = yield* OtlpSink.make({ dir: "runs/payments-01" })
 *     // start the SUT with { ...process.env, ...sink.env } …
 *     const spans = yield* sink.awaitSpans(10, "10 seconds")
 *     yield* sink.setSwitches([{ kind: "down" }]) // the collector goes away
 *   })
 * )
 * ```
 *
 * @since 0.2.0
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Seed, Telemetry } from "@24h/core"
import { Duration, Effect, Result, type Scope } from "effect"
import { z } from "zod"
import { type Counters, handle, type SwitchDecision } from "./internal/otlp/handler.ts"
import { type Files, filesIn, type Signal, Store } from "./internal/otlp/store.ts"
import { formatZodIssues, type MocksError, mocksError } from "./MocksError.ts"

const signal = z.enum(["traces", "metrics", "logs"]).optional()
const rate = z.number().min(0).max(1).default(1)

/**
 * A collector failure switch. `signal` limits it to one endpoint (default: all three); `rate` is the fraction of
 * requests it hits (seeded draws).
 *
 * - `{ kind: "slow", ms }` — answer after `ms`.
 * - `{ kind: "hang" }` — never answer (the exporter's timeout decides).
 * - `{ kind: "status", status: 429 | 503 | …, retryAfter? }` — answer that status, store nothing.
 * - `{ kind: "down", forMs? }` — close the listener: connections are refused until the switch is removed, or for
 *   `forMs` (then the sink listens again on the same port and drops the switch).
 *
 * @example
 * ```ts
 * import { OtlpSink } from "@24h/mocks"
 * OtlpSink.Switch.parse({ kind: "status", status: 429, retryAfter: 1, signal: "traces" })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const Switch = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("slow"), ms: z.number().min(0).max(600_000), rate, signal }).strict(),
  z.object({ kind: z.literal("hang"), rate, signal }).strict(),
  z
    .object({
      kind: z.literal("status"),
      status: z.int().min(400).max(599),
      retryAfter: z.number().min(0).optional(),
      rate,
      signal
    })
    .strict(),
  z.object({ kind: z.literal("down"), forMs: z.int().min(1).max(3_600_000).optional() }).strict()
])
/**
 * A validated collector failure switch.
 *
 * @example
 * ```ts
 * import type { OtlpSink } from "@24h/mocks"
 * const throttled: OtlpSink.Switch = { kind: "status", status: 429, retryAfter: 1, rate: 1 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Switch = z.infer<typeof Switch>

/**
 * Options for {@link make}.
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** Port on 127.0.0.1. Default 0 (any free port). */
  readonly port?: number
  /** Run directory to store into. Default: memory only. */
  readonly dir?: string
  /** File name without extension inside the run's folders. Default `"sut"`. */
  readonly name?: string
  /** Largest accepted body, in bytes (after which: 413). Default 16 MiB. */
  readonly maxBodyBytes?: number
  /** Seed for the `rate` draws of switches. Default 0. */
  readonly seed?: Seed.Root | Seed.Seed
  /** Switches active from the start. */
  readonly switches?: ReadonlyArray<unknown>
}

/**
 * Request counts of one endpoint: `requests` received, `accepted` and stored, `rejected` (4xx for a bad request),
 * `switched` (answered by a failure switch), and `items` stored (spans, metric points or log records).
 *
 * @category models
 * @since 0.2.0
 */
export interface EndpointStats {
  readonly requests: number
  readonly accepted: number
  readonly rejected: number
  readonly switched: number
  readonly items: number
}

/**
 * A flattened OTLP log record.
 *
 * @category models
 * @since 0.2.0
 */
export interface LogRecord {
  readonly service: string
  readonly timeUnixNano: string | undefined
  readonly severityText: string | undefined
  readonly severityNumber: number | undefined
  readonly body: unknown
  readonly traceId: string | undefined
  readonly spanId: string | undefined
}

/**
 * A running OTLP receiver.
 *
 * @category models
 * @since 0.2.0
 */
export interface OtlpSink {
  /** Base URL, e.g. `http://127.0.0.1:4318` (endpoints at `/v1/traces`, `/v1/metrics`, `/v1/logs`). */
  readonly url: string
  readonly port: number
  /** The OpenTelemetry environment for a SUT: `OTEL_EXPORTER_OTLP_ENDPOINT` and the per-signal endpoints. */
  readonly env: Readonly<Record<string, string>>
  /** Where accepted requests are stored, when a run directory was given. */
  readonly files: Files | undefined
  /** Every stored span. */
  readonly spans: Effect.Effect<Array<Telemetry.Span>>
  /** Every stored metric point. */
  readonly metrics: Effect.Effect<Array<Telemetry.MetricPoint>>
  /** Every stored log record. */
  readonly logs: Effect.Effect<Array<LogRecord>>
  /** Request counts per endpoint. */
  readonly stats: Effect.Effect<Record<Signal, EndpointStats>>
  /** Replaces the active switches (an empty list restores a healthy collector). Invalid input: `InvalidSwitch`. */
  readonly setSwitches: (switches: ReadonlyArray<unknown>) => Effect.Effect<void, MocksError>
  /** Waits until at least `count` spans are stored, or `timeout` (default 10 s) passes; returns what is stored. */
  readonly awaitSpans: (count: number, timeout?: Duration.Input) => Effect.Effect<Array<Telemetry.Span>>
}

/**
 * Validates a list of switches: `InvalidSwitch` with a message naming the index, the field and the value.
 *
 * @example
 * ```ts
 * import { OtlpSink } from "@24h/mocks"
 * OtlpSink.parseSwitches([{ kind: "slow", ms: 2000 }])
 * ```
 *
 * @category validation
 * @since 0.2.0
 */
export const parseSwitches = (input: ReadonlyArray<unknown>): Effect.Effect<Array<Switch>, MocksError> =>
  Effect.suspend(() => {
    const out: Array<Switch> = []
    for (let i = 0; i < input.length; i++) {
      const r = Switch.safeParse(input[i], { reportInput: true })
      if (!r.success)
        return Effect.fail(mocksError("InvalidSwitch", formatZodIssues(`OtlpSink.switches[${i}]`, r.error.issues)))
      out.push(r.data)
    }
    return Effect.succeed(out)
  })

const OptionsSchema = z.object({
  port: z.int().min(0).max(65535).optional(),
  dir: z.string().min(1).optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-'")
    .optional(),
  maxBodyBytes: z.int().min(1).optional()
})

const emptyCounters = (): Counters => ({ requests: 0, accepted: 0, rejected: 0, switched: 0, items: 0 })

const isDown = (list: ReadonlyArray<Switch>) => list.some((s) => s.kind === "down")

const listen = (server: Server, port: number) =>
  Effect.callback<number, MocksError>((resume) => {
    const onError = (e: Error) =>
      resume(Effect.fail(mocksError("Server", `OtlpSink: cannot listen on 127.0.0.1:${port} (${e.message})`, e)))
    server.once("error", onError)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError)
      resume(Effect.succeed((server.address() as AddressInfo).port))
    })
  })

const closeServer = (server: Server, sockets: Set<Socket>) =>
  Effect.callback<void>((resume) => {
    for (const s of sockets) s.destroy()
    sockets.clear()
    if (!server.listening) return resume(Effect.void)
    server.close(() => resume(Effect.void))
  })

/**
 * Starts an OTLP/HTTP receiver on `127.0.0.1` (scoped). Bad options fail with `InvalidOptions`, a port in use with
 * `Server`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { OtlpSink } from "@24h/mocks"
 * const url = Effect.scoped(Effect.map(OtlpSink.make(), (sink) => sink.url))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = (options: Options = {}): Effect.Effect<OtlpSink, MocksError, Scope.Scope> =>
  Effect.gen(function* () {
    const checked = OptionsSchema.safeParse(
      { port: options.port, dir: options.dir, name: options.name, maxBodyBytes: options.maxBodyBytes },
      { reportInput: true }
    )
    if (!checked.success)
      return yield* mocksError("InvalidOptions", formatZodIssues("OtlpSink.make", checked.error.issues))
    let switches = yield* parseSwitches(options.switches ?? [])
    const seed = typeof options.seed === "object" ? options.seed : Seed.make(options.seed ?? 0)
    const random = Seed.stream(Seed.derive(seed, "mocks/OtlpSink"))
    const files = options.dir === undefined ? undefined : filesIn(options.dir, options.name ?? "sut")
    const store = yield* Effect.try({
      try: () => new Store(files),
      catch: (e) => mocksError("Io", `OtlpSink: cannot create the run folders under ${options.dir} (${String(e)})`, e)
    })
    const counters: Record<Signal, Counters> = {
      traces: emptyCounters(),
      metrics: emptyCounters(),
      logs: emptyCounters()
    }
    const timers = new Set<NodeJS.Timeout>()
    const decide = (sig: Signal): SwitchDecision => {
      for (const s of switches) {
        if (s.kind === "down" || (s.signal !== undefined && s.signal !== sig)) continue
        if (s.rate < 1 && !random.chance(s.rate)) continue
        if (s.kind === "slow") return { kind: "slow", ms: s.ms }
        if (s.kind === "hang") return { kind: "hang" }
        return { kind: "status", status: s.status, retryAfter: s.retryAfter }
      }
      return { kind: "pass" }
    }
    const sockets = new Set<Socket>()
    const admin = {
      list: () => switches,
      validate: (input: ReadonlyArray<unknown>): Result.Result<void, MocksError> => {
        const r = Effect.runSync(Effect.result(parseSwitches(input)))
        return Result.isFailure(r) ? Result.fail(r.failure) : Result.void
      },
      apply: (input: ReadonlyArray<unknown>) => {
        Effect.runFork(setSwitches(input).pipe(Effect.ignore))
      },
      stats: () => ({ traces: { ...counters.traces }, metrics: { ...counters.metrics }, logs: { ...counters.logs } })
    }
    const server = createServer(
      handle({ store, maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024, decide, counters, timers, admin })
    )
    server.on("connection", (s) => {
      sockets.add(s)
      s.once("close", () => sockets.delete(s))
    })
    const port = yield* Effect.acquireRelease(listen(server, options.port ?? 0), () =>
      Effect.sync(() => {
        for (const t of timers) clearTimeout(t)
        timers.clear()
      }).pipe(Effect.andThen(closeServer(server, sockets)))
    )
    const url = `http://127.0.0.1:${port}`
    let downTimer: NodeJS.Timeout | undefined
    const apply = (next: Array<Switch>): Effect.Effect<void, MocksError> =>
      Effect.gen(function* () {
        const wasDown = isDown(switches)
        switches = next
        if (downTimer !== undefined) {
          clearTimeout(downTimer)
          timers.delete(downTimer)
          downTimer = undefined
        }
        if (isDown(next) && !wasDown) yield* closeServer(server, sockets)
        if (!isDown(next) && wasDown) yield* listen(server, port)
        const down = next.find((x) => x.kind === "down")
        if (down?.kind === "down" && down.forMs !== undefined) {
          // Back up by itself: with the listener closed, nothing can reach the admin endpoint to lift the switch.
          const t = setTimeout(() => {
            timers.delete(t)
            downTimer = undefined
            Effect.runFork(apply(switches.filter((x) => x.kind !== "down")).pipe(Effect.ignore))
          }, down.forMs)
          downTimer = t
          timers.add(t)
        }
      })
    const initial = switches
    switches = []
    yield* apply(initial)
    const setSwitches = (input: ReadonlyArray<unknown>) => Effect.flatMap(parseSwitches(input), apply)

    const awaitSpans = (count: number, timeout: Duration.Input = Duration.seconds(10)) =>
      Effect.callback<void>((resume) => {
        if (store.spanCount >= count) return resume(Effect.void)
        const off = store.onChange(() => {
          if (store.spanCount >= count) {
            off()
            resume(Effect.void)
          }
        })
        return Effect.sync(off)
      }).pipe(
        Effect.timeoutOption(timeout),
        Effect.map(() => store.traces.flatMap(Telemetry.spansOf))
      )

    return {
      url,
      port,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${url}/v1/metrics`,
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${url}/v1/logs`
      },
      files,
      spans: Effect.sync(() => store.traces.flatMap(Telemetry.spansOf)),
      metrics: Effect.sync(() => store.metrics.flatMap(Telemetry.pointsOf)),
      logs: Effect.sync(() => store.logs.flatMap(logRecordsOf)),
      stats: Effect.sync(() => ({
        traces: { ...counters.traces },
        metrics: { ...counters.metrics },
        logs: { ...counters.logs }
      })),
      setSwitches,
      awaitSpans
    } satisfies OtlpSink
  }).pipe(Effect.withSpan("OtlpSink.make"))

const logRecordsOf = (data: Telemetry.LogsData): Array<LogRecord> =>
  data.resourceLogs.flatMap((rl) => {
    const service = serviceName(rl.resource?.attributes)
    return (rl.scopeLogs ?? []).flatMap((sl) =>
      (sl.logRecords ?? []).map((r) => ({
        service,
        timeUnixNano: r.timeUnixNano === undefined ? undefined : String(r.timeUnixNano),
        severityText: r.severityText,
        severityNumber: r.severityNumber,
        body: r.body?.stringValue ?? r.body,
        traceId: r.traceId === "" ? undefined : r.traceId,
        spanId: r.spanId === "" ? undefined : r.spanId
      }))
    )
  })

const serviceName = (
  attrs: ReadonlyArray<{ key: string; value?: { stringValue?: string | undefined } | undefined }> | undefined
) => attrs?.find((a) => a.key === "service.name")?.value?.stringValue ?? "unknown_service"
