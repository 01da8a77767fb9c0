/**
 * Load: iterations started by an **open model** (a constant or ramping arrival rate, uniform or seeded Poisson
 * arrivals, k6's `constant-arrival-rate` / `ramping-arrival-rate`) or a **closed model** (N virtual users back to
 * back, with optional seeded think time). An iteration is any Effect (or Promise) that reports ok/fail: an HTTP call
 * (`HttpLoad.iteration` in `@24h/mocks`), a TCP exchange, a SQL query, an LLM call.
 *
 * - Open-model latency is measured from the iteration's *intended* start, so a stalled server shows in every
 *   iteration it delays (no coordinated omission). An arrival that finds every virtual user busy is counted as
 *   `dropped`, never delayed in silence.
 * - Latencies go into an HDR {@link Histogram} (memory stays flat in the number of iterations), and into the running
 *   pipeline's recorder by themselves (`Pipeline.run` provides it).
 * - Bounded by a duration and an iteration count; it stops by itself, then waits `gracefulStop` for in-flight
 *   iterations and interrupts the rest (counted as errors).
 * - Every iteration gets a correlation id (`<name>-000001`), annotated on its logs.
 *
 * It lives in core, beside the pipelines that compose it, because it is transport-agnostic: the HTTP helper that
 * sends requests (with `x-correlation-id`) lives in `@24h/mocks` with the other simulated clients.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/core"
 *
 * const model = Load.constantRate({ rate: "200/s", duration: "10s", vus: 50 })
 * const summary = Load.run(model, (ctx) => Effect.succeed(ctx.index % 100 !== 0))
 * // Effect<Load.Summary>: started, ok, errors, dropped, rps, latency (HDR)…
 * ```
 *
 * @since 0.2.0
 */
import { Cause, Clock, Effect, Context as EffectContext, Exit, type Fiber, Option, Result, Tracer } from "effect"
import { z } from "zod"
import { CoreError, coreError, formatIssues } from "./CoreError.ts"
import * as Histogram from "./Histogram.ts"
import { Arrivals, type Stage } from "./internal/load.ts"
import { CurrentRecorder, type Recorder } from "./internal/recorder.ts"
import { type Instruments, instruments } from "./internal/telemetry/instruments.ts"
import * as metrics from "./internal/telemetry/metrics.ts"
import { millis, perSecond } from "./internal/units.ts"
import * as Seed from "./Seed.ts"

const MAX_DURATION_MS = 24 * 3_600_000
const MAX_ITERATIONS = 1_000_000_000

const durationMs = z.number().positive().max(MAX_DURATION_MS)
const vus = z.int().min(1).max(100_000)
const Arrival = z.enum(["uniform", "poisson"])

/**
 * An open model with a constant arrival rate (iterations per second).
 *
 * @category models
 * @since 0.2.0
 */
export const ConstantRate = z
  .object({
    _tag: z.literal("constant-rate"),
    rate: z.number().positive().max(1_000_000),
    durationMs,
    vus,
    maxIterations: z.int().min(1).max(MAX_ITERATIONS).optional(),
    arrivals: Arrival.default("uniform")
  })
  .strict()

/**
 * An open model whose rate moves linearly through stages, from `startRate`.
 *
 * @category models
 * @since 0.2.0
 */
export const RampingRate = z
  .object({
    _tag: z.literal("ramping-rate"),
    startRate: z.number().min(0).max(1_000_000),
    stages: z
      .array(z.object({ target: z.number().min(0).max(1_000_000), durationMs }).strict())
      .min(1)
      .max(1000),
    vus,
    maxIterations: z.int().min(1).max(MAX_ITERATIONS).optional(),
    arrivals: Arrival.default("uniform")
  })
  .strict()

/**
 * A closed model: `vus` virtual users, each running iterations back to back.
 *
 * @category models
 * @since 0.2.0
 */
export const Closed = z
  .object({
    _tag: z.literal("closed"),
    vus,
    durationMs,
    maxIterations: z.int().min(1).max(MAX_ITERATIONS).optional(),
    thinkTime: z
      .object({ minMs: z.number().min(0).max(3_600_000), maxMs: z.number().min(0).max(3_600_000) })
      .strict()
      .refine((t) => t.maxMs >= t.minMs, { message: "maxMs must be >= minMs" })
      .optional()
  })
  .strict()

/**
 * A load model: {@link ConstantRate}, {@link RampingRate} or {@link Closed}. Validate untrusted input (a file, a CLI
 * payload) with `Load.Model.safeParse`.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * Load.Model.parse({ _tag: "closed", vus: 4, durationMs: 1000 })._tag // "closed"
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export const Model = z.discriminatedUnion("_tag", [ConstantRate, RampingRate, Closed])
/**
 * A load model.
 *
 * @category models
 * @since 0.2.0
 */
export type Model = z.output<typeof Model>

const build = <T>(schema: z.ZodType<T>, where: string, input: unknown): T => {
  const parsed = schema.safeParse(input, { reportInput: true })
  if (!parsed.success) throw coreError("InvalidInput", `${where}: ${formatIssues(parsed.error.issues)}`)
  return parsed.data
}

/** A duration or rate that does not read: `InvalidInput` naming the field and the value, as data too. */
const invalid = (where: string, field: string, problem: string, input: unknown): CoreError =>
  coreError("InvalidInput", `${where}: ${field} ${problem} (got ${JSON.stringify(input)})`, undefined, {
    module: where,
    field,
    value: input
  })

const ms = (where: string, field: string, input: unknown): number => {
  const v = millis(input)
  if (Result.isFailure(v)) throw invalid(where, field, v.failure, input)
  return v.success
}

const rate = (where: string, field: string, input: unknown, allowZero = false): number => {
  if (
    allowZero &&
    (input === 0 || (typeof input === "string" && /^\s*0+(\.0*)?\s*(\/\s*(ms|s|m|h))?\s*$/i.test(input)))
  )
    return 0
  const v = perSecond(input)
  if (Result.isFailure(v)) throw invalid(where, field, v.failure, input)
  return v.success
}

/** A duration: milliseconds, `"500ms"`, `"10s"`, `"2m"`, `"1h"`, or an Effect `Duration` input. */
type DurationInput = number | string | { readonly _tag: string }
/** A rate: iterations per second, or `"200/s"`, `"12000/m"`. */
type RateInput = number | string

/**
 * Options of {@link constantRate}.
 *
 * @category models
 * @since 0.2.0
 */
export interface ConstantRateOptions {
  /** Iterations per second: `200`, `"200/s"`, `"12000/m"`. */
  readonly rate: RateInput
  /** How long arrivals are scheduled: `"10s"`, `500` (ms). */
  readonly duration: DurationInput
  /** Virtual users (concurrent iterations) allowed; an arrival finding all busy is dropped. Default: the rate × 1 s (at least 10). */
  readonly vus?: number
  /** Stop after this many iterations. Default: what the rate and duration imply. */
  readonly maxIterations?: number
  /** `uniform` (default) or `poisson` (seeded exponential gaps). */
  readonly arrivals?: "uniform" | "poisson"
}

const defaultVus = (peak: number) => Math.min(100_000, Math.max(10, Math.ceil(peak)))

/**
 * An open model at a constant arrival rate. Throws `CoreError { reason: "InvalidInput" }` naming the field.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * const model = Load.constantRate({ rate: "1000/s", duration: "10s", vus: 100, arrivals: "poisson" })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const constantRate = (options: ConstantRateOptions): Model => {
  const where = "Load.constantRate"
  const r = rate(where, "rate", options.rate)
  return build(ConstantRate, where, {
    _tag: "constant-rate",
    rate: r,
    durationMs: ms(where, "duration", options.duration),
    vus: options.vus ?? defaultVus(r),
    ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
    arrivals: options.arrivals ?? "uniform"
  })
}

/**
 * Options of {@link rampingRate}.
 *
 * @category models
 * @since 0.2.0
 */
export interface RampingRateOptions {
  /** The rate at the start. Default 0. */
  readonly startRate?: RateInput
  /** Each stage moves the rate linearly to `target` over `duration` (k6's stages). */
  readonly stages: ReadonlyArray<{ readonly target: RateInput; readonly duration: DurationInput }>
  /** Virtual users allowed. Default: the peak rate × 1 s (at least 10). */
  readonly vus?: number
  readonly maxIterations?: number
  readonly arrivals?: "uniform" | "poisson"
}

/**
 * An open model whose arrival rate ramps through stages.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * const model = Load.rampingRate({
 *   startRate: 10,
 *   stages: [{ target: "200/s", duration: "30s" }, { target: 200, duration: "1m" }, { target: 0, duration: "10s" }]
 * })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const rampingRate = (options: RampingRateOptions): Model => {
  const where = "Load.rampingRate"
  const startRate = options.startRate === undefined ? 0 : rate(where, "startRate", options.startRate, true)
  const stages = (options.stages ?? []).map((s, i) => ({
    target: rate(where, `stages.${i}.target`, s.target, true),
    durationMs: ms(where, `stages.${i}.duration`, s.duration)
  }))
  const peak = Math.max(startRate, ...stages.map((s) => s.target))
  return build(RampingRate, where, {
    _tag: "ramping-rate",
    startRate,
    stages,
    vus: options.vus ?? defaultVus(peak),
    ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
    arrivals: options.arrivals ?? "uniform"
  })
}

/**
 * Options of {@link closed}.
 *
 * @category models
 * @since 0.2.0
 */
export interface ClosedOptions {
  /** Virtual users, each running iterations back to back. */
  readonly vus: number
  readonly duration: DurationInput
  readonly maxIterations?: number
  /** A seeded pause between a user's iterations, uniform in [min, max]. */
  readonly thinkTime?: { readonly min: DurationInput; readonly max: DurationInput }
}

/**
 * A closed model: `vus` users back to back. Its latencies suffer coordinated omission by design (a slow server slows
 * the users down, so fewer requests see the stall); use an open model to measure what users would see.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * const model = Load.closed({ vus: 16, duration: "10s", maxIterations: 100_000, thinkTime: { min: 0, max: "5ms" } })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const closed = (options: ClosedOptions): Model => {
  const where = "Load.closed"
  return build(Closed, where, {
    _tag: "closed",
    vus: options.vus,
    durationMs: ms(where, "duration", options.duration),
    ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
    ...(options.thinkTime === undefined
      ? {}
      : {
          thinkTime: {
            minMs: ms(where, "thinkTime.min", options.thinkTime.min),
            maxMs: ms(where, "thinkTime.max", options.thinkTime.max)
          }
        })
  })
}

/**
 * What an iteration reports: `true`/`false`, nothing (ok), or `{ ok, status }` (the status is counted).
 *
 * @category models
 * @since 0.2.0
 */
// biome-ignore lint/suspicious/noConfusingVoidType: an iteration may be an Effect<void> (ok when it succeeds)
export type Outcome = boolean | undefined | void | { readonly ok: boolean; readonly status?: number | string }

/**
 * What an iteration is given.
 *
 * @category models
 * @since 0.2.0
 */
export interface Context {
  /** 0-based index of the iteration in this load. */
  readonly index: number
  /** The virtual user running it (0-based). */
  readonly vu: number
  /** `<name>-000001`: send it on (the HTTP helper sets `x-correlation-id`), log it. */
  readonly correlationId: string
  /** Aborted when the load stops or is interrupted: pass it to fetch/undici. */
  readonly signal: AbortSignal
  /**
   * The iteration's `24h.load.iteration` span when the load records spans (`spans: true`); `HttpLoad` sends it as
   * the W3C `traceparent`. An Effect iteration running under a span of its own may pass
   * `{ ...ctx, span: yield* Effect.currentSpan }` on instead.
   */
  readonly span?: Tracer.AnySpan | undefined
}

/**
 * One iteration: an Effect (its failure counts as an error) or a Promise (a rejection counts as an error).
 *
 * @category models
 * @since 0.2.0
 */
export type Iteration<E = never, R = never> = (ctx: Context) => Effect.Effect<Outcome, E, R> | PromiseLike<Outcome>

/**
 * Progress, reported about once a second.
 *
 * @category models
 * @since 0.2.0
 */
export interface Progress {
  readonly elapsedMs: number
  readonly durationMs: number
  readonly started: number
  readonly completed: number
  readonly errors: number
  readonly dropped: number
  readonly inFlight: number
}

/**
 * Options of {@link run}.
 *
 * @category models
 * @since 0.2.0
 */
export interface RunOptions {
  /** Prefix of the correlation ids (`<name>-000001`). Default `"load"`. */
  readonly name?: string
  /** How long in-flight iterations may finish after the load ends; the rest are interrupted. Default 5 s. */
  readonly gracefulStop?: DurationInput
  /** Seed for Poisson arrivals and think time. Default: derived from the `RootSeed` in context, else `"load"`. */
  readonly seed?: Seed.Seed
  /** Where to record. Default: the running pipeline's recorder, if any. `false` records nowhere. */
  readonly recorder?: Recorder | false
  /** Called about once a second. */
  readonly onProgress?: (progress: Progress) => void
  /**
   * Record each iteration as a span `24h.load.iteration` (child of `24h.load.run`; Effect iterations run under it,
   * and `ctx.span` carries it, so `HttpLoad` sends it as `traceparent`). Costs a little per iteration. Default false.
   */
  readonly spans?: boolean
}

/**
 * What a load did.
 *
 * @category models
 * @since 0.2.0
 */
export interface Summary {
  readonly model: Model
  /** Iterations started. */
  readonly started: number
  /** Iterations that ended (ok or not), including interrupted ones. */
  readonly completed: number
  readonly ok: number
  /** Failed, rejected, reported not ok, or interrupted at the end. */
  readonly errors: number
  /** Arrivals that found every virtual user busy (open model). */
  readonly dropped: number
  /** Iterations still running after `gracefulStop`, interrupted (counted in `errors`). */
  readonly interrupted: number
  /** From the first start to the last end. */
  readonly durationMs: number
  /** Completed iterations per second. */
  readonly rps: number
  /** Iterations started per second while arrivals were scheduled. */
  readonly achievedRate: number
  /** Counts of reported statuses (`{ "200": 990, "503": 10 }`). */
  readonly statuses: Readonly<Record<string, number>>
  /** Up to 10 error messages, for the report. */
  readonly errorSamples: ReadonlyArray<string>
  /** Latency in ms (open model: from the intended start). */
  readonly latency: Histogram.Histogram
}

/**
 * The JSON shape of a summary (what `24h load --json` prints): latencies in ms and the encoded histogram.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * declare const summary: Load.Summary
 * const { requests, rps, latency } = Load.toJson(summary)
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const toJson = (s: Summary) => {
  const sum = Histogram.summary(s.latency)
  return {
    model: s.model,
    requests: s.completed,
    started: s.started,
    ok: s.ok,
    errors: s.errors,
    dropped: s.dropped,
    interrupted: s.interrupted,
    durationMs: s.durationMs,
    rps: s.rps,
    achievedRate: s.achievedRate,
    statuses: s.statuses,
    errorSamples: s.errorSamples,
    latency: { p50: sum.p50, p90: sum.p90, p95: sum.p95, p99: sum.p99, p999: sum.p999, max: sum.max, mean: sum.mean },
    histogram: Histogram.encode(s.latency).encoded
  }
}

const normalise = (o: unknown): { ok: boolean; status: string | undefined } => {
  if (o === undefined || o === true) return { ok: true, status: undefined }
  if (o === false) return { ok: false, status: undefined }
  if (typeof o === "object" && o !== null && "ok" in o) {
    const s = (o as { status?: unknown }).status
    return { ok: (o as { ok: unknown }).ok === true, status: s === undefined ? undefined : String(s) }
  }
  return { ok: true, status: undefined }
}

const isThenable = (u: unknown): u is PromiseLike<unknown> =>
  typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"

/**
 * Runs a load model with an iteration, and resolves with its {@link Summary}. Never fails: iteration failures are
 * counted. Interrupting it interrupts every in-flight iteration and aborts their signal.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/core"
 *
 * const program = Effect.gen(function* () {
 *   const s = yield* Load.run(Load.closed({ vus: 4, duration: "2s", maxIterations: 1000 }), () => Effect.succeed(true))
 *   return Load.toJson(s).latency.p99
 * })
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export const run = <E = never, R = never>(
  model: Model,
  iteration: Iteration<E, R>,
  options: RunOptions = {}
): Effect.Effect<Summary, never, R> =>
  Effect.gen(function* () {
    const context = yield* Effect.context<R>()
    const fromContext = options.recorder === undefined ? yield* Effect.serviceOption(CurrentRecorder) : Option.none()
    const rec = options.recorder === false ? undefined : (options.recorder ?? Option.getOrUndefined(fromContext))
    const root = yield* Effect.serviceOption(Seed.RootSeed)
    const seed =
      options.seed ??
      (Option.isSome(root) ? Seed.derive(root.value, `load/${options.name ?? "load"}`) : Seed.make("load"))
    const graceMs = options.gracefulStop === undefined ? 5000 : ms("Load.run", "gracefulStop", options.gracefulStop)
    const inst = yield* instruments
    const name = options.name ?? "load"
    return yield* Effect.callback<Summary>((resume) => {
      const engine = new Engine(model, iteration, Effect.runForkWith(context), {
        name,
        graceMs,
        seed,
        rec,
        onProgress: options.onProgress,
        spans: options.spans === true ? iterationSpans(context) : undefined,
        metrics: inst === undefined ? undefined : loadMetrics(inst, name)
      })
      engine.start((summary) => resume(Effect.succeed(summary)))
      return Effect.sync(() => engine.abort())
    })
  }).pipe(Effect.withSpan("24h.load.run", { attributes: { model: model._tag, load: options.name ?? "load" } }))

/** The load's metrics with its `load` attribute, built once per run (only when telemetry is enabled). */
const loadMetrics = (inst: Instruments, load: string) => {
  // Plain numbers on the iteration path; registered now, so every series (`dropped` at 0 too) is there from the start.
  const attrs = { load }
  const iterations = inst.counter(metrics.loadIterations, attrs)
  const errors = inst.counter(metrics.loadErrors, attrs)
  const dropped = inst.counter(metrics.loadDropped, attrs)
  const latency = inst.histogram(metrics.loadLatency, metrics.MS_BOUNDARIES, attrs)
  return {
    completed: (latencyMs: number, ok: boolean) => {
      iterations.add(1)
      if (!ok) errors.add(1)
      latency.record(latencyMs)
    },
    dropped: () => dropped.add(1)
  }
}

/** Opens `24h.load.iteration` spans with the tracer of the load's context, children of its current span. */
const iterationSpans = (context: EffectContext.Context<never>) => {
  const tracer = EffectContext.get(context, Tracer.Tracer)
  const clock = EffectContext.get(context, Clock.Clock)
  const parent = EffectContext.getOption(context, Tracer.ParentSpan)
  const sampled = Option.match(parent, { onNone: () => true, onSome: (p) => p.sampled })
  return {
    start: (correlationId: string, index: number): Tracer.Span => {
      const span = tracer.span({
        name: "24h.load.iteration",
        parent,
        annotations: EffectContext.empty(),
        links: [],
        startTime: clock.currentTimeNanosUnsafe(),
        kind: "internal",
        root: Option.isNone(parent),
        sampled
      })
      span.attribute("correlationId", correlationId)
      span.attribute("index", index)
      return span
    },
    end: (span: Tracer.Span, ok: boolean, status: string | undefined, error: string | undefined) => {
      span.attribute("24h.load.ok", ok)
      if (status !== undefined) span.attribute("24h.load.status", status)
      span.end(clock.currentTimeNanosUnsafe(), error === undefined ? Exit.void : Exit.fail(error))
    }
  }
}

interface EngineOptions {
  readonly name: string
  readonly graceMs: number
  readonly seed: Seed.Seed
  readonly rec: Recorder | undefined
  readonly onProgress: ((p: Progress) => void) | undefined
  readonly spans: ReturnType<typeof iterationSpans> | undefined
  readonly metrics: ReturnType<typeof loadMetrics> | undefined
}

interface Slot<E> {
  fiber?: Fiber.Fiber<Outcome, E>
  span?: Tracer.Span
  readonly at: number
}

class Engine<E, R> {
  private readonly latency = Histogram.make()
  private readonly statuses: Record<string, number> = {}
  private readonly errorSamples: Array<string> = []
  private readonly inFlight = new Map<number, Slot<E>>()
  private readonly controller = new AbortController()
  private readonly rng: Seed.Stream
  private readonly maxIterations: number
  private readonly durationMs: number
  private started = 0
  private completed = 0
  private ok = 0
  private errors = 0
  private dropped = 0
  private interrupted = 0
  private t0 = 0
  private scheduledEnd = 0
  private lastEnd = 0
  private freeVus: Array<number>
  private timer: ReturnType<typeof setTimeout> | undefined
  private immediate: ReturnType<typeof setImmediate> | undefined
  private progressTimer: ReturnType<typeof setInterval> | undefined
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private schedulingDone = false
  private finished = false
  private done: ((s: Summary) => void) | undefined

  constructor(
    private readonly model: Model,
    private readonly iteration: Iteration<E, R>,
    private readonly fork: <A, E2>(effect: Effect.Effect<A, E2, R>) => Fiber.Fiber<A, E2>,
    private readonly o: EngineOptions
  ) {
    this.rng = Seed.stream(o.seed)
    this.durationMs = durationOf(model)
    const implied =
      model._tag === "constant-rate"
        ? Math.ceil((model.rate * model.durationMs) / 1000) + 1
        : model._tag === "ramping-rate"
          ? Number.POSITIVE_INFINITY
          : MAX_ITERATIONS
    this.maxIterations = Math.min(model.maxIterations ?? MAX_ITERATIONS, implied)
    this.freeVus = Array.from({ length: model.vus }, (_, i) => model.vus - 1 - i)
  }

  start(done: (s: Summary) => void): void {
    this.done = done
    this.t0 = performance.now()
    // Present from the start, so `dropped == 0` is a threshold with data.
    this.o.rec?.count("dropped", 0)
    if (this.o.onProgress !== undefined) {
      const report = this.o.onProgress
      this.progressTimer = setInterval(() => report(this.progress()), 1000)
      this.progressTimer.unref?.()
    }
    if (this.model._tag === "closed") this.startClosed(this.model)
    else this.startOpen(this.model)
  }

  private progress(): Progress {
    return {
      elapsedMs: performance.now() - this.t0,
      durationMs: this.durationMs,
      started: this.started,
      completed: this.completed,
      errors: this.errors,
      dropped: this.dropped,
      inFlight: this.inFlight.size
    }
  }

  // ── open model ──────────────────────────────────────────────────────────────────────────────────────────────
  private startOpen(model: Extract<Model, { _tag: "constant-rate" | "ramping-rate" }>): void {
    const stages: Array<Stage> =
      model._tag === "constant-rate"
        ? [{ from: model.rate, to: model.rate, ms: model.durationMs }]
        : model.stages.map((s, i) => ({
            from: i === 0 ? model.startRate : model.stages[i - 1]!.target,
            to: s.target,
            ms: s.durationMs
          }))
    const arrivals = new Arrivals(stages)
    const poisson = model.arrivals === "poisson"
    let k = 0
    let cumulative = 0
    const nextOffset = (): number | undefined => {
      if (k >= this.maxIterations) return undefined
      if (poisson) cumulative += -Math.log(1 - this.rng.next())
      const at = arrivals.at(poisson ? cumulative : k)
      k++
      return at
    }
    let next = nextOffset()
    const tick = () => {
      this.timer = undefined
      this.immediate = undefined
      if (this.finished) return
      const now = performance.now()
      while (next !== undefined && this.t0 + next <= now) {
        this.arrive(this.t0 + next)
        next = nextOffset()
      }
      if (next === undefined) {
        this.schedulingDone = true
        this.scheduledEnd = Math.max(now, this.t0 + Math.min(this.durationMs, now - this.t0))
        this.maybeFinish()
        return
      }
      const delay = this.t0 + next - performance.now()
      if (delay >= 1) this.timer = setTimeout(tick, Math.floor(delay))
      else this.immediate = setImmediate(tick)
    }
    tick()
  }

  private arrive(intended: number): void {
    const vu = this.freeVus.pop()
    if (vu === undefined) {
      this.dropped++
      this.o.rec?.count("dropped")
      this.o.metrics?.dropped()
      return
    }
    this.launch(vu, intended)
  }

  // ── closed model ────────────────────────────────────────────────────────────────────────────────────────────
  private startClosed(model: Extract<Model, { _tag: "closed" }>): void {
    const deadline = this.t0 + model.durationMs
    let running = model.vus
    const think = model.thinkTime
    const loop = (vu: number) => {
      if (this.finished || this.started >= this.maxIterations || performance.now() >= deadline) {
        if (--running === 0) {
          this.schedulingDone = true
          this.scheduledEnd = Math.min(performance.now(), deadline)
          this.maybeFinish()
        }
        return
      }
      this.launch(vu, performance.now(), () => {
        if (think === undefined || think.maxMs === 0) return loop(vu)
        const pause = think.minMs + this.rng.next() * (think.maxMs - think.minMs)
        setTimeout(() => loop(vu), pause)
      })
    }
    for (let vu = 0; vu < model.vus; vu++) this.freeVus.pop()
    // The duration ends the load even when iterations never return: then gracefulStop starts.
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.schedulingDone = true
      this.scheduledEnd = deadline
      this.maybeFinish()
    }, model.durationMs)
    for (let vu = 0; vu < model.vus; vu++) loop(vu)
  }

  // ── one iteration ───────────────────────────────────────────────────────────────────────────────────────────
  private launch(vu: number, intended: number, then?: () => void): void {
    const index = this.started++
    const correlationId = `${this.o.name}-${String(index + 1).padStart(6, "0")}`
    const slot: Slot<E> = { at: intended }
    this.inFlight.set(index, slot)
    const spans = this.o.spans
    const span = spans?.start(correlationId, index)
    if (span !== undefined) slot.span = span
    const finish = (ok: boolean, status: string | undefined, error: string | undefined) => {
      if (!this.inFlight.delete(index)) return
      if (span !== undefined) spans!.end(span, ok, status, error)
      const end = performance.now()
      this.lastEnd = end
      this.complete(end - intended, ok, status, error)
      if (then === undefined) this.freeVus.push(vu)
      if (this.finished) return
      if (then !== undefined) then()
      else this.maybeFinish()
    }
    let out: ReturnType<Iteration<E, R>>
    try {
      out = this.iteration(
        span === undefined
          ? { index, vu, correlationId, signal: this.controller.signal }
          : { index, vu, correlationId, signal: this.controller.signal, span }
      )
    } catch (e) {
      finish(false, undefined, e instanceof Error ? e.message : String(e))
      return
    }
    if (isThenable(out)) {
      out.then(
        (o) => {
          const n = normalise(o)
          finish(n.ok, n.status, undefined)
        },
        (e: unknown) => finish(false, undefined, e instanceof Error ? e.message : String(e))
      )
      return
    }
    let eff = Effect.annotateLogs(out, { correlationId })
    if (span !== undefined) eff = Effect.withParentSpan(eff, span)
    const fiber = this.fork(eff)
    slot.fiber = fiber
    fiber.addObserver((exit) => {
      if (Exit.isSuccess(exit)) {
        const n = normalise(exit.value)
        finish(n.ok, n.status, undefined)
      } else finish(false, undefined, Cause.pretty(exit.cause).split("\n")[0])
    })
  }

  private complete(latencyMs: number, ok: boolean, status: string | undefined, error: string | undefined): void {
    this.completed++
    if (ok) this.ok++
    else {
      this.errors++
      if (error !== undefined && this.errorSamples.length < 10) this.errorSamples.push(error)
    }
    if (status !== undefined) this.statuses[status] = (this.statuses[status] ?? 0) + 1
    Histogram.record(this.latency, latencyMs)
    this.o.rec?.record(latencyMs, ok)
    this.o.metrics?.completed(latencyMs, ok)
  }

  private maybeFinish(): void {
    if (this.finished || !this.schedulingDone) return
    if (this.inFlight.size === 0) {
      this.finish()
      return
    }
    if (this.graceTimer === undefined) this.graceTimer = setTimeout(() => this.stopInFlight(), this.o.graceMs)
  }

  private stopInFlight(): void {
    this.controller.abort()
    const now = performance.now()
    for (const [index, slot] of [...this.inFlight]) {
      this.inFlight.delete(index)
      this.interrupted++
      this.complete(now - slot.at, false, undefined, "interrupted after gracefulStop")
      if (slot.span !== undefined) this.o.spans?.end(slot.span, false, undefined, "interrupted after gracefulStop")
      slot.fiber?.interruptUnsafe()
    }
    this.lastEnd = now
    this.finish()
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.clearTimers()
    const end = Math.max(this.lastEnd, this.scheduledEnd, this.t0)
    const seconds = Math.max(1e-9, (end - this.t0) / 1000)
    const schedSeconds = Math.max(1e-9, (Math.max(this.scheduledEnd, this.t0) - this.t0) / 1000)
    this.done?.({
      model: this.model,
      started: this.started,
      completed: this.completed,
      ok: this.ok,
      errors: this.errors,
      dropped: this.dropped,
      interrupted: this.interrupted,
      durationMs: end - this.t0,
      rps: this.completed / seconds,
      achievedRate: (this.started + this.dropped) / schedSeconds,
      statuses: { ...this.statuses },
      errorSamples: this.errorSamples.slice(),
      latency: this.latency
    })
  }

  private clearTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    if (this.immediate !== undefined) clearImmediate(this.immediate)
    if (this.progressTimer !== undefined) clearInterval(this.progressTimer)
    if (this.graceTimer !== undefined) clearTimeout(this.graceTimer)
  }

  /** Interruption of `Load.run`: stop scheduling, abort and interrupt everything in flight. */
  abort(): void {
    if (this.finished) return
    this.finished = true
    this.clearTimers()
    this.controller.abort()
    for (const slot of this.inFlight.values()) {
      slot.fiber?.interruptUnsafe()
      if (slot.span !== undefined) this.o.spans?.end(slot.span, false, undefined, "interrupted")
    }
    this.inFlight.clear()
  }
}

/**
 * Parses a model from untrusted input (a file, a CLI payload), failing with `CoreError { reason: "InvalidInput" }`
 * that names the field and the value.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/core"
 * const model = Effect.runSync(Load.parse({ _tag: "constant-rate", rate: 100, durationMs: 1000, vus: 10 }))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const parse = (input: unknown): Effect.Effect<Model, CoreError> =>
  Effect.try({
    try: () => build(Model, "Load.Model", input),
    catch: (e) => (e instanceof CoreError ? e : coreError("InvalidInput", `Load.Model: ${String(e)}`, e))
  })

/**
 * The planned length of a model in milliseconds.
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * Load.durationOf(Load.closed({ vus: 1, duration: "2s" })) // 2000
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const durationOf = (model: Model): number =>
  model._tag === "ramping-rate" ? model.stages.reduce((t, s) => t + s.durationMs, 0) : model.durationMs

/**
 * A closed model bounded by a count: `count` iterations by `vus` users (at most an hour).
 *
 * @example
 * ```ts
 * import { Load } from "@24h/core"
 * const model = Load.iterations(100, 4) // 100 iterations, 4 at a time
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const iterations = (count: number, vus = 1): Model =>
  closed({ vus: Math.max(1, Math.min(vus, count)), duration: "1h", maxIterations: count })

/**
 * An iteration over a list of inputs: iteration `i` gets `inputs[i % inputs.length]` (for adversarial corpora and
 * datasets).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load } from "@24h/core"
 * const hostile = ["{not json", "<script>"]
 * const iteration = Load.each(hostile, (input) => Effect.succeed(input.length > 0))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const each =
  <A, E, R>(inputs: ReadonlyArray<A>, f: (input: A, ctx: Context) => ReturnType<Iteration<E, R>>): Iteration<E, R> =>
  (ctx) => {
    if (inputs.length === 0) throw new RangeError("Load.each: inputs must not be empty")
    return f(inputs[ctx.index % inputs.length]!, ctx)
  }
