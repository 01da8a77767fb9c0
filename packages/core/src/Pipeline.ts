/**
 * Pipelines: the result record every pipeline writes (the contract reporting renders from), a recorder for
 * latencies, errors, counters and fault windows, and `run`, which executes a pipeline body and evaluates its
 * thresholds and invariants into a verdict.
 *
 * A result is written to `<run>/results/pipelines/<kind>-<name>.json`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pipeline } from "@24h/core"
 *
 * const baseline = Pipeline.run(
 *   { kind: "baseline", name: "happy-path", thresholds: ["p95 < 200ms", "errorRate < 1%"] },
 *   (rec) => Effect.sync(() => rec.record(12.5, true))
 * )
 * ```
 *
 * @since 0.1.0
 */

import { mkdir, readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { Cause, Clock, Effect, Exit, Metric, Option, Result as R } from "effect"
import { z } from "zod"
import * as Check from "./Check.ts"
import { type CoreError, coreError, formatIssues } from "./CoreError.ts"
import * as FaultSchedule from "./FaultSchedule.ts"
import * as Histogram from "./Histogram.ts"
import * as Invariant from "./Invariant.ts"
import { writeFileAtomic } from "./internal/fs.ts"
import { CurrentRecorder, makeRecorder, type Recorder as RecorderShape } from "./internal/recorder.ts"
import * as metrics from "./internal/telemetry/metrics.ts"
import { millis } from "./internal/units.ts"
import * as Load from "./Load.ts"
import { CurrentRun } from "./Run.ts"
import * as SteadyState from "./SteadyState.ts"
import * as Threshold from "./Threshold.ts"

/**
 * The five pipelines of the process, in order.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 *
 * Pipeline.Kind.parse("chaos") // "chaos"
 * Pipeline.Kind.options // ["baseline", "stress", "chaos", "adversarial", "recovery"]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Kind = z.enum(["baseline", "stress", "chaos", "adversarial", "recovery"])
/**
 * One of `baseline`, `stress`, `chaos`, `adversarial`, `recovery`.
 *
 * @category models
 * @since 0.1.0
 */
export type Kind = z.infer<typeof Kind>

/**
 * A pipeline's verdict: `pass`; `fail` (a threshold failed, an invariant was violated / never hit, or a check
 * failed); `unknown` (a check could not decide, nothing failed); `error` (the body failed, or a threshold had no
 * data). Checks, thresholds and invariants share the `pass` / `fail` / `unknown` vocabulary of {@link Check}.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 *
 * Pipeline.Verdict.parse("fail") // "fail"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Verdict = z.enum(["pass", "fail", "unknown", "error"])
/**
 * A pipeline's verdict: `pass`, `fail`, `unknown` or `error`.
 *
 * @category models
 * @since 0.1.0
 */
export type Verdict = z.infer<typeof Verdict>

/**
 * A time window of a pipeline: its latencies, requests and errors.
 *
 * @example
 * ```ts
 * import { Histogram, Pipeline } from "@24h/core"
 *
 * const w = Pipeline.Window.parse({
 *   start: "2026-11-24T10:00:00.000Z",
 *   end: "2026-11-24T10:00:01.000Z",
 *   requests: 1,
 *   errors: 0,
 *   latency: Histogram.encode(Histogram.make())
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Window = z.object({
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  latency: Histogram.Encoded
})
/**
 * One time window of a pipeline.
 *
 * @category models
 * @since 0.1.0
 */
export type Window = z.infer<typeof Window>

/**
 * When a fault was active (`end: null` while it still was when the pipeline ended).
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 *
 * const w = Pipeline.FaultWindow.parse({
 *   name: "latency 500ms",
 *   start: "2026-11-24T10:00:05.000Z",
 *   end: null,
 *   target: "postgres"
 * })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const FaultWindow = z.object({
  name: z.string(),
  start: z.iso.datetime(),
  end: z.iso.datetime().nullable(),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional()
})
/**
 * When one fault was active.
 *
 * @category models
 * @since 0.1.0
 */
export type FaultWindow = z.infer<typeof FaultWindow>

/**
 * The result record of one pipeline — what `@24h/reporting` renders.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises"
 * import { Pipeline } from "@24h/core"
 *
 * const text = await readFile("runs/payments-01/latest/results/pipelines/baseline-happy-path.json", "utf8")
 * const result = Pipeline.Result.parse(JSON.parse(text))
 * console.log(result.verdict, result.latency.p95, result.thresholds.map((t) => t.message))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Result = z.object({
  schemaVersion: z.literal(1),
  kind: Kind,
  name: z.string().min(1),
  runId: z.string().optional(),
  seed: z.union([z.number().int(), z.string()]).optional(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  verdict: Verdict,
  error: z.string().optional(),
  thresholds: z.array(Threshold.Verdict),
  invariants: Invariant.Summary,
  latency: Histogram.Encoded,
  requests: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  counts: z.record(z.string(), z.number()),
  windows: z.array(Window),
  faultWindows: z.array(FaultWindow),
  /** Audits, mock verdicts, probes and steady-state checks that counted in the verdict. */
  checks: z.array(Check.Check).default([]),
  notes: z.array(z.string())
})
/**
 * The result record of one pipeline.
 *
 * @category models
 * @since 0.1.0
 */
export type Result = z.infer<typeof Result>

/**
 * Records what happens during a pipeline: latencies, counters (usable in thresholds), checks (counted in the
 * verdict), fault windows and notes. Plain methods, safe to call from hot paths and callbacks.
 *
 * @category models
 * @since 0.1.0
 */
export type Recorder = RecorderShape

/**
 * The recorder of the pipeline running here. `Pipeline.run` provides it to its body, so `Load.run` and
 * `FaultSchedule.run` record into the pipeline by themselves.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Pipeline } from "@24h/core"
 *
 * const countRetry = Effect.serviceOption(Pipeline.CurrentRecorder).pipe(
 *   Effect.map((rec) => rec._tag === "Some" && rec.value.count("retries"))
 * )
 * ```
 *
 * @category services
 * @since 0.2.0
 */
export { CurrentRecorder }

/**
 * Options for {@link run}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RunOptions {
  readonly kind: Kind
  readonly name: string
  /** Threshold expressions evaluated on the whole pipeline (`"p95 < 200ms"`). */
  readonly thresholds?: ReadonlyArray<string>
  /** Assertions whose summary joins the verdict. */
  readonly invariants?: Invariant.Catalog
  /** Width of the latency windows. Default 1000 ms. */
  readonly windowMs?: number
  /** Write the result into this run directory. Default: the `CurrentRun` in context, if any. */
  readonly dir?: string
  /** Clock used by the recorder. Default: Effect's `Clock` (so `TestClock` drives it). */
  readonly now?: () => number
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * Where a pipeline's result lives, relative to its run directory: `results/pipelines/<kind>-<name>.json` (characters
 * other than letters, digits, `.`, `_` and `-` in the name become `_`).
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 * Pipeline.pathOf({ kind: "chaos", name: "db flap" }) // "results/pipelines/chaos-db_flap.json"
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const pathOf = (result: { readonly kind: string; readonly name: string }): string =>
  `results/pipelines/${result.kind}-${result.name.replace(/[^A-Za-z0-9._-]+/g, "_")}.json`

/**
 * Makes a recorder and a function that closes it into the parts of a result.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 *
 * const { recorder, close } = Pipeline.recorder({ windowMs: 500 })
 * recorder.record(12.5)
 * recorder.record(30_000, false) // a timeout
 * recorder.count("retries")
 * const end = recorder.fault("db down", { target: "postgres" })
 * end()
 * const { requests, errors, windows, faultWindows } = close() // 2, 1, …
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const recorder = (options: { readonly windowMs?: number; readonly now?: () => number } = {}) =>
  makeRecorder(options)

/**
 * Where a pipeline's invariant catalogue and tallies live (JSON Lines), relative to its run directory:
 * `results/invariants/<kind>-<name>.jsonl`.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 *
 * Pipeline.invariantsPathOf({ kind: "chaos", name: "db flap" }) // "results/invariants/chaos-db_flap.jsonl"
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const invariantsPathOf = (result: { readonly kind: string; readonly name: string }): string =>
  pathOf(result)
    .replace(/^results\/pipelines\//, "results/invariants/")
    .replace(/\.json$/, ".jsonl")

/**
 * Runs a pipeline body with a recorder, then evaluates thresholds and invariants into a verdict and writes the
 * result (to `options.dir` or the `CurrentRun`) with the invariant catalogue as JSON Lines beside it
 * ({@link invariantsPathOf}). A failing body does not fail the effect: its cause becomes the result's `error` with
 * verdict `error`, so a run keeps its evidence.
 *
 * @example
 * ```ts
 * import { Invariant, Pipeline } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const invariants = Invariant.catalog()
 * const noLostOrder = invariants.always("no order is lost")
 * const result = await Effect.runPromise(
 *   Pipeline.run(
 *     { kind: "chaos", name: "db flap", thresholds: ["p99 < 2s", "errorRate < 5%"], invariants, dir: "runs/demo" },
 *     (rec) =>
 *       Effect.sync(() => {
 *         const end = rec.fault("postgres down")
 *         rec.record(850, true)
 *         end()
 *         noLostOrder.check(true)
 *       })
 *   )
 * )
 * result.verdict // "pass"; written to runs/demo/results/pipelines/chaos-db_flap.json
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = <E, R>(
  options: RunOptions,
  body: (recorder: Recorder) => Effect.Effect<unknown, E, R>
): Effect.Effect<Result, CoreError, Exclude<R, CurrentRecorder>> =>
  Effect.gen(function* () {
    const parsedKind = Kind.safeParse(options.kind, { reportInput: true })
    if (!parsedKind.success)
      return yield* Effect.fail(
        coreError("InvalidInput", `Pipeline.run: kind: ${formatIssues(parsedKind.error.issues)}`)
      )
    const thresholds = yield* Effect.forEach(options.thresholds ?? [], Threshold.parse)
    const current = yield* Effect.serviceOption(CurrentRun)
    const clock = yield* Clock.Clock
    const { recorder: rec, close } = makeRecorder({
      ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
      now: options.now ?? (() => clock.currentTimeMillisUnsafe())
    })
    const exit = yield* Effect.exit(
      body(rec).pipe(
        Effect.provideService(CurrentRecorder, rec),
        Effect.annotateLogs({ component: `pipeline/${options.kind}`, pipeline: options.name }),
        Effect.withSpan(`24h.pipeline.${options.kind}`, { attributes: { pipeline: options.name } })
      ) as Effect.Effect<unknown, E, Exclude<R, CurrentRecorder>>
    )
    const parts = close()
    const verdicts = thresholds.map((t) =>
      Threshold.evaluate(t, {
        latency: parts.latency,
        requests: parts.requests,
        errors: parts.errors,
        durationMs: parts.endedAt - parts.startedAt,
        counters: parts.counts
      })
    )
    const invariants = options.invariants?.summary() ?? Invariant.summarize([])
    const error = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : undefined
    const checked = Check.combine(parts.checks)
    const verdict: Verdict =
      error !== undefined || verdicts.some((v) => v.verdict === "error")
        ? "error"
        : verdicts.some((v) => v.verdict === "fail") || !invariants.passed || checked === "fail"
          ? "fail"
          : checked === "unknown"
            ? "unknown"
            : "pass"
    const run = Option.getOrUndefined(current)
    const result: Result = {
      schemaVersion: 1,
      kind: options.kind,
      name: options.name,
      ...(run === undefined ? {} : { runId: run.metadata.runId, seed: run.metadata.seed }),
      startedAt: iso(parts.startedAt),
      endedAt: iso(parts.endedAt),
      durationMs: parts.endedAt - parts.startedAt,
      verdict,
      ...(error === undefined ? {} : { error }),
      thresholds: verdicts,
      invariants,
      latency: Histogram.encode(parts.latency),
      requests: parts.requests,
      errors: parts.errors,
      counts: parts.counts,
      windows: parts.windows,
      faultWindows: parts.faultWindows,
      checks: parts.checks,
      notes: parts.notes
    }
    const dir = options.dir ?? run?.dir
    if (dir !== undefined) {
      yield* write(dir, result)
      if (options.invariants !== undefined) yield* Invariant.write(invariants, join(dir, invariantsPathOf(result)))
    }
    yield* metrics.updateIfEnabled(
      Metric.withAttributes(metrics.pipelineRuns, { "pipeline.kind": options.kind, "pipeline.verdict": verdict }),
      1
    )
    yield* Effect.log(`pipeline ${options.kind}/${options.name}: ${verdict}`).pipe(
      Effect.annotateLogs({ component: `pipeline/${options.kind}`, pipeline: options.name, verdict })
    )
    return result
  })

/**
 * Writes a result to `<dir>/results/pipelines/<kind>-<name>.json` (atomically) and returns its path.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 * import { Effect } from "effect"
 *
 * declare const result: Pipeline.Result
 * const path = await Effect.runPromise(Pipeline.write("runs/demo", result))
 * // "runs/demo/results/pipelines/<kind>-<name>.json"
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = (dir: string, result: Result): Effect.Effect<string, CoreError> =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(join(dir, "results", "pipelines"), { recursive: true })
      const path = join(dir, pathOf(result))
      await writeFileAtomic(path, `${JSON.stringify(result, null, 2)}\n`)
      return path
    },
    catch: (cause) => coreError("Io", `Pipeline.write: cannot write a result into ${dir} (${String(cause)})`, cause)
  })

/**
 * Reads and validates every result of a run directory, in the process's pipeline order.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const results = await Effect.runPromise(Pipeline.readAll("runs/payments-01/latest"))
 * for (const r of results) console.log(`${r.kind}/${r.name}: ${r.verdict}`)
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const readAll = (dir: string): Effect.Effect<Array<Result>, CoreError> =>
  Effect.gen(function* () {
    const folder = join(dir, "results", "pipelines")
    const files = yield* Effect.tryPromise({
      try: async () => {
        try {
          return (await readdir(folder)).filter((f) => f.endsWith(".json")).sort()
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
          throw error
        }
      },
      catch: (cause) => coreError("Io", `Pipeline.readAll: cannot list ${folder} (${String(cause)})`, cause)
    })
    const results: Array<Result> = []
    for (const f of files) {
      const path = join(folder, f)
      const text = yield* Effect.tryPromise({
        try: () => readFile(path, "utf8"),
        catch: (cause) => coreError("Io", `Pipeline.readAll: cannot read ${path} (${String(cause)})`, cause)
      })
      const raw = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) =>
          coreError("InvalidInput", `Pipeline.readAll: ${path} is not valid JSON (${String(cause)})`, cause)
      })
      const parsed = Result.safeParse(raw, { reportInput: true })
      if (!parsed.success)
        return yield* Effect.fail(
          coreError("InvalidInput", `Pipeline.readAll: ${path}: ${formatIssues(parsed.error.issues)}`)
        )
      results.push(parsed.data)
    }
    const order = Kind.options
    return results.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name))
  })

// ── the five pipelines as values ────────────────────────────────────────────────────────────────────────────────

type DurationInput = number | string

/**
 * What a pipeline builder takes. Every part is optional except the name; a baseline is a `load` and `thresholds`, a
 * chaos pipeline adds `faults` and a `steadyState`, a recovery pipeline measures `recoveryMs` after each fault.
 *
 * The method is the load, the fault schedule and `method` (extra steps), run concurrently. Around it: the steady
 * state is checked before (if it does not hold, nothing is injected and the verdict is `fail`) and after; `checks`
 * (audits, mock verdicts) run after the method and count in the verdict; `rollbacks` always run, also on failure and
 * interrupt.
 *
 * @category models
 * @since 0.2.0
 */
export interface Spec<E = never, R = never> {
  readonly name: string
  /** The load: a model and an iteration (and `Load.run` options). */
  readonly load?: {
    readonly model: Load.Model
    readonly iteration: Load.Iteration<E, R>
    readonly options?: Load.RunOptions
  }
  /** Faults on a schedule, over any target. */
  readonly faults?: FaultSchedule.FaultSchedule<E, R> | ReadonlyArray<FaultSchedule.Window<E, R>>
  readonly steadyState?: SteadyState.Hypothesis<R>
  /** Probe the steady state after each fault window until it holds (default for `recovery`: every 100 ms, up to 30 s). */
  readonly recovery?: { readonly interval?: DurationInput; readonly timeout?: DurationInput }
  readonly thresholds?: ReadonlyArray<string>
  readonly invariants?: Invariant.Catalog
  /** Judged after the method: audits of downstream state, mock verdicts. A failing effect is a failing check. */
  readonly checks?: ReadonlyArray<Effect.Effect<Check.Check | ReadonlyArray<Check.Check>, E, R>>
  /** Always run at the end, in order (restore data, restart a service). */
  readonly rollbacks?: ReadonlyArray<Effect.Effect<unknown, unknown, R>>
  /** Extra steps of the method, run beside the load and the faults. */
  readonly method?: (recorder: Recorder) => Effect.Effect<unknown, E, R>
  readonly windowMs?: number
  readonly dir?: string
}

const durationMs = (where: string, field: string, input: DurationInput | undefined, fallback: number) => {
  if (input === undefined) return Effect.succeed(fallback)
  const v = millis(input)
  return R.isFailure(v)
    ? Effect.fail(
        coreError("InvalidInput", `${where}: ${field} ${v.failure} (got ${JSON.stringify(input)})`, undefined, {
          module: where,
          field,
          value: input
        })
      )
    : Effect.succeed(v.success)
}

const checkName = (prefix: string, c: Check.Check): Check.Check => ({ ...c, name: `${prefix}: ${c.name}` })

/**
 * Runs a pipeline of any kind from a {@link Spec}; `baseline`, `stress`, `chaos`, `adversarial` and `recovery` are
 * this with their kind.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Pipeline } from "@24h/core"
 *
 * const result = Pipeline.experiment("stress", {
 *   name: "ramp",
 *   load: {
 *     model: Load.rampingRate({ stages: [{ target: 500, duration: "30s" }] }),
 *     iteration: () => Effect.succeed(true)
 *   },
 *   thresholds: ["p99 < 1s", "dropped == 0"]
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const experiment = <E = never, R = never>(
  kind: Kind,
  spec: Spec<E, R>
): Effect.Effect<Result, CoreError, Exclude<R, CurrentRecorder>> =>
  Effect.gen(function* () {
    const where = `Pipeline.${kind}(${JSON.stringify(spec.name)})`
    const wantsRecovery = spec.recovery !== undefined || kind === "recovery"
    if (wantsRecovery && spec.steadyState === undefined)
      return yield* Effect.fail(
        coreError(
          "InvalidInput",
          `${where}: steadyState is required to measure recovery (it says when the system is healthy again)`
        )
      )
    if (wantsRecovery && spec.faults === undefined)
      return yield* Effect.fail(coreError("InvalidInput", `${where}: faults are required to measure recovery`))
    const intervalMs = yield* durationMs(where, "recovery.interval", spec.recovery?.interval, 100)
    const timeoutMs = yield* durationMs(where, "recovery.timeout", spec.recovery?.timeout, 30_000)
    const schedule =
      spec.faults === undefined
        ? undefined
        : "_tag" in spec.faults
          ? spec.faults
          : yield* Effect.try({
              try: () => FaultSchedule.make(spec.faults as ReadonlyArray<FaultSchedule.Window<E, R>>),
              catch: (e) => e as CoreError
            })
    const hypothesis = spec.steadyState

    const body = (rec: Recorder) =>
      Effect.gen(function* () {
        if (hypothesis !== undefined) {
          const before = yield* SteadyState.check(hypothesis)
          for (const c of before.checks) rec.check(checkName("steady state before the method", c))
          if (before.outcome !== "pass") {
            rec.note(
              `aborted: the steady state "${hypothesis.title}" did not hold before the method; no fault was injected`
            )
            return
          }
        }
        let worstRecovery = -1
        const measure = (occ: FaultSchedule.Occurrence, annotate: (d: Readonly<Record<string, unknown>>) => void) =>
          Effect.gen(function* () {
            if (hypothesis === undefined) return
            const from = occ.end
            while (true) {
              const probeAt = yield* Clock.currentTimeMillis
              const r = yield* SteadyState.check(hypothesis)
              if (r.outcome === "pass") {
                const ms = Math.max(0, probeAt - from)
                annotate({ recoveryMs: ms })
                worstRecovery = Math.max(worstRecovery, ms)
                rec.set("recoveryMs", worstRecovery)
                rec.count("recoveredWindows")
                return
              }
              const now = yield* Clock.currentTimeMillis
              if (now - from >= timeoutMs) {
                annotate({ recoveryMs: null, recovered: false })
                worstRecovery = Math.max(worstRecovery, now - from)
                rec.set("recoveryMs", worstRecovery)
                rec.check(
                  Check.fail(
                    `recovers after "${occ.name}"`,
                    `the steady state "${hypothesis.title}" did not hold again within ${timeoutMs} ms of the fault's end`,
                    { source: "recovery", evidence: r.checks.map((c) => `${c.name}: ${c.message}`) }
                  )
                )
                return
              }
              yield* Effect.sleep(intervalMs)
            }
          })
        const parts: Array<Effect.Effect<unknown, E, R>> = []
        if (spec.load !== undefined)
          parts.push(
            Load.run(spec.load.model, spec.load.iteration, { name: spec.name, ...spec.load.options }).pipe(
              Effect.tap((s) =>
                Effect.sync(() =>
                  rec.note(
                    `load: ${s.started} started, ${s.completed} completed, ${s.errors} errors, ${s.dropped} dropped, ${s.rps.toFixed(1)}/s`
                  )
                )
              )
            )
          )
        if (schedule !== undefined)
          parts.push(FaultSchedule.run(schedule, wantsRecovery ? { onWindowEnd: measure } : {}))
        if (spec.method !== undefined) parts.push(spec.method(rec))
        yield* Effect.all(parts, { concurrency: "unbounded", discard: true })
        if (hypothesis !== undefined) {
          const after = yield* SteadyState.check(hypothesis)
          for (const c of after.checks) rec.check(checkName("steady state after the method", c))
        }
        for (const c of spec.checks ?? []) {
          const exit = yield* Effect.exit(c)
          if (Exit.isSuccess(exit))
            for (const one of Array.isArray(exit.value) ? exit.value : [exit.value]) rec.check(one as Check.Check)
          else
            rec.check(
              Check.fail("check", `a check failed to run: ${Cause.pretty(exit.cause).split("\n")[0]}`, {
                source: "audit"
              })
            )
        }
      }).pipe(
        Effect.ensuring(
          Effect.forEach(
            spec.rollbacks ?? [],
            (rollback, i) =>
              Effect.exit(rollback).pipe(
                Effect.flatMap((exit) =>
                  Exit.isSuccess(exit)
                    ? Effect.void
                    : Effect.logError(`rollback ${i + 1} failed: ${Cause.pretty(exit.cause).split("\n")[0]}`)
                )
              ),
            { discard: true }
          )
        )
      )
    return yield* run(
      {
        kind,
        name: spec.name,
        ...(spec.thresholds === undefined ? {} : { thresholds: spec.thresholds }),
        ...(spec.invariants === undefined ? {} : { invariants: spec.invariants }),
        ...(spec.windowMs === undefined ? {} : { windowMs: spec.windowMs }),
        ...(spec.dir === undefined ? {} : { dir: spec.dir })
      },
      body
    )
  })

/**
 * The baseline pipeline: the canonical happy path under a light load.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Pipeline } from "@24h/core"
 * declare const getOrder: Load.Iteration
 * const result = Pipeline.baseline({
 *   name: "orders",
 *   load: { model: Load.constantRate({ rate: 20, duration: "5s" }), iteration: getOrder },
 *   thresholds: ["p95 < 150ms", "errorRate < 1%"]
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const baseline = <E = never, R = never>(spec: Spec<E, R>) => experiment("baseline", spec)

/**
 * The stress pipeline: load, concurrency and contention (a ramping rate, many virtual users).
 *
 * @example
 * ```ts
 * import { Load, Pipeline } from "@24h/core"
 * declare const getOrder: Load.Iteration
 * const result = Pipeline.stress({
 *   name: "ramp to 500/s",
 *   load: { model: Load.rampingRate({ stages: [{ target: 500, duration: "20s" }] }), iteration: getOrder },
 *   thresholds: ["p99 < 1s", "dropped == 0"]
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const stress = <E = never, R = never>(spec: Spec<E, R>) => experiment("stress", spec)

/**
 * The chaos pipeline: load while faults are injected on a schedule, judged by thresholds, invariants, checks and the
 * steady state before and after.
 *
 * @example
 * ```ts
 * import { Fault, Load, Pipeline } from "@24h/core"
 * declare const getOrder: Load.Iteration
 * declare const slowDb: Fault.Fault
 * const result = Pipeline.chaos({
 *   name: "slow db",
 *   load: { model: Load.constantRate({ rate: 50, duration: "10s" }), iteration: getOrder },
 *   faults: [{ fault: slowDb, at: "2s", duration: "5s" }],
 *   thresholds: ["errorRate < 5%"]
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const chaos = <E = never, R = never>(spec: Spec<E, R>) => experiment("chaos", spec)

/**
 * The adversarial pipeline: hostile inputs (use `Load.each(inputs, …)` as the iteration), judged by invariants and
 * audits.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Load, Pipeline } from "@24h/core"
 * declare const post: (body: string) => Effect.Effect<{ ok: boolean; status: number }>
 * const hostile = ["{not json", '{"__proto__":{"isAdmin":true}}']
 * const result = Pipeline.adversarial({
 *   name: "hostile bodies",
 *   load: { model: Load.iterations(hostile.length, 2), iteration: Load.each(hostile, (body) => post(body)) },
 *   thresholds: ["errorRate == 0"]
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const adversarial = <E = never, R = never>(spec: Spec<E, R>) => experiment("adversarial", spec)

/**
 * The recovery pipeline: after each fault window, probe the steady state until it holds again and record
 * `recoveryMs` (the worst window in the counter, each window in its details), so thresholds such as
 * `"recoveryMs < 2s"` apply. Needs `faults` and `steadyState`.
 *
 * @example
 * ```ts
 * import { Fault, Load, Pipeline, SteadyState } from "@24h/core"
 * declare const outage: Fault.Fault
 * declare const healthy: SteadyState.Hypothesis
 * declare const getOrder: Load.Iteration
 * const result = Pipeline.recovery({
 *   name: "payments outage",
 *   load: { model: Load.constantRate({ rate: 20, duration: "6s" }), iteration: getOrder },
 *   faults: [{ fault: outage, at: "1s", duration: "2s" }],
 *   steadyState: healthy,
 *   recovery: { interval: "50ms", timeout: "10s" },
 *   thresholds: ["recoveryMs < 2s"]
 * })
 * ```
 *
 * @category pipelines
 * @since 0.2.0
 */
export const recovery = <E = never, R = never>(spec: Spec<E, R>) => experiment("recovery", spec)

/**
 * Which verdicts fail the process: `fail` (default: `fail` and `error`), `unknown` (also `unknown`), or `never`.
 *
 * @category models
 * @since 0.2.0
 */
export type FailOn = "fail" | "unknown" | "never"

/**
 * The process exit code for a set of results: `1` when a verdict fails it (see {@link FailOn}), else `0`.
 *
 * @example
 * ```ts
 * import { Pipeline } from "@24h/core"
 * declare const results: ReadonlyArray<Pipeline.Result>
 * process.exitCode = Pipeline.exitCode(results)
 * ```
 *
 * @category getters
 * @since 0.2.0
 */
export const exitCode = (results: ReadonlyArray<Pick<Result, "verdict">>, failOn: FailOn = "fail"): 0 | 1 => {
  if (failOn === "never") return 0
  const bad = new Set<Verdict>(failOn === "unknown" ? ["fail", "error", "unknown"] : ["fail", "error"])
  return results.some((r) => bad.has(r.verdict)) ? 1 : 0
}
