/**
 * Structured logs: an Effect `Logger` layer that writes pino NDJSON into a run's `results/logs/` (and pretty lines
 * on a TTY). Every line has `level`, `time`, `correlationId`, `component` and `msg`; secrets are redacted.
 *
 * Correlation ids flow through Effect: {@link withCorrelationId} annotates everything beneath it — the request, the
 * fault that hit it and the finding it caused log one id. Without an annotation, the current span's trace id is
 * used, so `Effect.withSpan` alone correlates too.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Log } from "@24h/core"
 *
 * const handle = Effect.logInfo("charged card", { amount: 1200, authorization: "Bearer abc123456789" }).pipe(
 *   Log.withComponent("payments"),
 *   Log.withCorrelationId("req-0007")
 * )
 * Effect.runPromise(handle.pipe(Effect.provide(Log.layer({ file: "/tmp/run.log" }))))
 * // {"level":"info","time":"…","correlationId":"req-0007","component":"payments","amount":1200,
 * //  "authorization":"[redacted]","msg":"charged card"}
 * ```
 *
 * @since 0.1.0
 */

import { mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Cause, Context, Effect, Layer, Logger, References, Tracer } from "effect"
import pino from "pino"
import { makeRedactor, redactText } from "./internal/redact.ts"

/**
 * Options for {@link layer}.
 *
 * @category models
 * @since 0.1.0
 */
export interface LogOptions {
  /** A run directory: logs go to `<dir>/results/logs/<name>.log`. */
  readonly dir?: string
  /** Or an explicit file path (wins over `dir`). */
  readonly file?: string
  /** Log file name (without `.log`) inside a run directory. Default `"run"`. */
  readonly name?: string
  /** Minimum level. Default `"Info"`. */
  readonly level?: "Trace" | "Debug" | "Info" | "Warn" | "Error" | "Fatal"
  /** Also print pretty lines to stderr. Default: when stderr is a TTY and `CI` is not set. */
  readonly pretty?: boolean
  /** Extra keys to redact, besides authorization, cookie, api keys, tokens, secrets and passwords. */
  readonly redact?: ReadonlyArray<string>
  /** Fixed fields on every line (e.g. `{ runId }`). */
  readonly base?: Readonly<Record<string, unknown>>
}

const LEVELS: Record<string, pino.Level> = {
  Fatal: "fatal",
  Error: "error",
  Warn: "warn",
  Info: "info",
  Debug: "debug",
  Trace: "trace"
}

/**
 * The path of a log in a run directory.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 *
 * Log.pathIn("runs/payments-01") // "runs/payments-01/results/logs/run.log"
 * Log.pathIn("runs/payments-01", "proxy") // "runs/payments-01/results/logs/proxy.log"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const pathIn = (dir: string, name = "run"): string => join(dir, "results", "logs", `${name}.log`)

/**
 * Builds a pino logger with 24h's line shape (string levels, ISO times) writing to `file`.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 *
 * const logger = Log.pinoLogger({ file: Log.pathIn("runs/payments-01", "worker"), pretty: false })
 * logger.info({ orderId: "o-1" }, "charged card")
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const pinoLogger = (options: LogOptions & { readonly file: string }): pino.Logger => {
  mkdirSync(dirname(options.file), { recursive: true })
  const level = LEVELS[options.level ?? "Info"] ?? "info"
  const fileStream = pino.destination({ dest: options.file, sync: true, mkdir: true })
  const pretty = options.pretty ?? (process.stderr.isTTY === true && process.env.CI === undefined)
  const streams: Array<pino.StreamEntry> = [{ level, stream: fileStream }]
  if (pretty) {
    // pino-pretty is loaded only when a TTY wants it.
    const prettyFactory = createRequire(import.meta.url)("pino-pretty") as (o: object) => NodeJS.WritableStream
    streams.push({
      level,
      stream: prettyFactory({
        colorize: true,
        destination: 2,
        sync: true,
        translateTime: "HH:MM:ss.l",
        ignore: "pid,hostname"
      })
    })
  }
  return pino(
    {
      level,
      base: options.base === undefined ? null : { ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) }
    },
    pino.multistream(streams)
  )
}

const correlationOf = (
  fiber: { readonly context: Context.Context<never> },
  annotations: Record<string, unknown>
): string => {
  const given = annotations.correlationId
  if (typeof given === "string" && given !== "") return given
  const span = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
  return span === undefined ? "-" : span.traceId
}

/**
 * An Effect logger that forwards to a pino logger, adding correlationId and component and redacting secrets.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 * import { Effect, Logger } from "effect"
 *
 * const pinoInstance = Log.pinoLogger({ file: "runs/payments-01/results/logs/run.log", pretty: false })
 * const program = Effect.log("started").pipe(
 *   Effect.provide(Logger.layer([Log.fromPino(pinoInstance, { redact: ["cardNumber"] })]))
 * )
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromPino = (p: pino.Logger, options: Pick<LogOptions, "redact"> = {}): Logger.Logger<unknown, void> => {
  const redact = makeRedactor(options.redact ?? [])
  return Logger.make(({ message, logLevel, cause, fiber }) => {
    const level = LEVELS[logLevel]
    if (level === undefined) return
    const annotations = fiber.getRef(References.CurrentLogAnnotations) as Record<string, unknown>
    const parts = Array.isArray(message) ? message : [message]
    const texts: Array<string> = []
    const fields: Record<string, unknown> = {}
    for (const part of parts) {
      if (part !== null && typeof part === "object" && !(part instanceof Error)) Object.assign(fields, part)
      else if (part instanceof Error) fields.err = part
      else texts.push(String(part))
    }
    const line = redact({ ...annotations, ...fields }) as Record<string, unknown>
    line.correlationId = correlationOf(fiber, annotations)
    if (typeof line.component !== "string") line.component = "app"
    if (cause.reasons.length > 0) line.err = redactText(Cause.pretty(cause))
    const spans = fiber.getRef(References.CurrentLogSpans)
    if (spans.length > 0) {
      const now = Date.now()
      line.spans = Object.fromEntries(spans.map(([label, start]) => [label, now - start]))
    }
    p[level](line, redactText(texts.join(" ")))
  })
}

/**
 * A layer that replaces Effect's default logger with pino NDJSON into the run's `results/logs/` (or `file`) and
 * sets the minimum level. The file is flushed when the layer's scope closes.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.logInfo("charged card", { amount: 42, authorization: "Bearer abc" })
 * await Effect.runPromise(program.pipe(Effect.provide(Log.layer({ dir: "runs/payments-01", level: "Debug" }))))
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: LogOptions): Layer.Layer<never> => {
  const file = options.file ?? (options.dir !== undefined ? pathIn(options.dir, options.name) : undefined)
  if (file === undefined) throw new TypeError("Log.layer: give `dir` (a run directory) or `file` (got neither)")
  return Layer.unwrap(
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => pinoLogger({ ...options, file })),
        (p) => Effect.sync(() => p.flush())
      ),
      (p) =>
        Layer.mergeAll(
          Logger.layer([fromPino(p, options)]),
          Layer.succeed(References.MinimumLogLevel, options.level ?? "Info")
        )
    )
  )
}

/**
 * Annotates every log line beneath with a correlation id.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const handle = (requestId: string) =>
 *   Effect.logInfo("handling request").pipe(Log.withCorrelationId(requestId))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withCorrelationId =
  (id: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.annotateLogs(self, { correlationId: id })

/**
 * Annotates every log line beneath with a component name.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const proxy = Effect.logWarning("connection reset injected").pipe(Log.withComponent("chaos/proxy"))
 * ```
 *
 * @category combinators
 * @since 0.1.0
 */
export const withComponent =
  (component: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.annotateLogs(self, { component })

/**
 * The correlation id in effect here (annotation or span trace id), or `undefined`.
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const headers = Effect.map(Log.currentCorrelationId, (id) => (id === undefined ? {} : { "x-correlation-id": id }))
 * const program = headers.pipe(Log.withCorrelationId("req-000001")) // { "x-correlation-id": "req-000001" }
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const currentCorrelationId: Effect.Effect<string | undefined> = Effect.gen(function* () {
  const annotations = yield* References.CurrentLogAnnotations
  const given = annotations.correlationId
  if (typeof given === "string") return given
  const span = yield* Effect.serviceOption(Tracer.ParentSpan)
  return span._tag === "Some" ? span.value.traceId : undefined
})

/**
 * Makes sequential correlation ids `<prefix>-000001`, … (deterministic, unlike random ids).
 *
 * @example
 * ```ts
 * import { Log } from "@24h/core"
 *
 * const nextId = Log.correlationIds("probe")
 * nextId() // "probe-000001"
 * nextId() // "probe-000002"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const correlationIds = (prefix: string): (() => string) => {
  let n = 0
  return () => `${prefix}-${String(++n).padStart(6, "0")}`
}
