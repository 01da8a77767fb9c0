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
import { Cause, Effect, Exit, Option } from "effect"
import { z } from "zod"
import { type CoreError, coreError, formatIssues } from "./CoreError.ts"
import * as Histogram from "./Histogram.ts"
import * as Invariant from "./Invariant.ts"
import { writeFileAtomic } from "./internal/fs.ts"
import { CurrentRun } from "./Run.ts"
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
 * A pipeline's verdict: `pass`; `fail` (a threshold failed or an invariant was violated / never hit); `error` (the
 * body failed, or a threshold had no data).
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
export const Verdict = z.enum(["pass", "fail", "error"])
/**
 * A pipeline's verdict: `pass`, `fail` or `error`.
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
 * Records what happens during a pipeline. Plain methods, safe to call from hot paths and callbacks.
 *
 * @category models
 * @since 0.1.0
 */
export interface Recorder {
  /** One request/operation: its latency in ms and whether it succeeded. */
  record(latencyMs: number, ok?: boolean): void
  /** Adds to a named counter (`retries`, `bytes`, `dropped`…), usable in thresholds. */
  count(name: string, by?: number): void
  /** Marks a fault as started; call the returned function when it ends. */
  fault(name: string, details?: { readonly target?: string; readonly [key: string]: unknown }): () => void
  /** A note for the report. */
  note(text: string): void
  /** The latency histogram so far. */
  readonly latency: Histogram.Histogram
}

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
  /** Clock used by the recorder. Default `Date.now`. */
  readonly now?: () => number
}

interface WindowAcc {
  requests: number
  errors: number
  latency: Histogram.Histogram
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
export const recorder = (options: { readonly windowMs?: number; readonly now?: () => number } = {}) => {
  const now = options.now ?? Date.now
  const windowMs = options.windowMs ?? 1000
  if (!(windowMs > 0)) throw new RangeError(`Pipeline.recorder: windowMs must be > 0 (got ${windowMs})`)
  const startedAt = now()
  const latency = Histogram.make()
  const windows = new Map<number, WindowAcc>()
  const counts: Record<string, number> = {}
  const faults: Array<{
    name: string
    start: number
    end: number | null
    target?: string
    details?: Record<string, unknown>
  }> = []
  const notes: Array<string> = []
  let requests = 0
  let errors = 0
  const rec: Recorder = {
    latency,
    record(latencyMs, ok = true) {
      requests++
      if (!ok) errors++
      Histogram.record(latency, latencyMs)
      const index = Math.floor((now() - startedAt) / windowMs)
      let w = windows.get(index)
      if (w === undefined) {
        w = { requests: 0, errors: 0, latency: Histogram.make({ storage: "compact" }) }
        windows.set(index, w)
      }
      w.requests++
      if (!ok) w.errors++
      Histogram.record(w.latency, latencyMs)
    },
    count(name, by = 1) {
      counts[name] = (counts[name] ?? 0) + by
    },
    fault(name, details) {
      const { target, ...rest } = details ?? {}
      const f: (typeof faults)[number] = { name, start: now(), end: null }
      if (typeof target === "string") f.target = target
      if (Object.keys(rest).length > 0) f.details = rest
      faults.push(f)
      return () => {
        if (f.end === null) f.end = now()
      }
    },
    note(text) {
      notes.push(text)
    }
  }
  const close = () => {
    const endedAt = now()
    return {
      startedAt,
      endedAt,
      requests,
      errors,
      counts: { ...counts },
      notes: notes.slice(),
      latency,
      windows: [...windows.entries()]
        .sort(([a], [b]) => a - b)
        .map(
          ([i, w]): Window => ({
            start: iso(startedAt + i * windowMs),
            end: iso(Math.min(endedAt, startedAt + (i + 1) * windowMs)),
            requests: w.requests,
            errors: w.errors,
            latency: Histogram.encode(w.latency)
          })
        ),
      faultWindows: faults.map(
        (f): FaultWindow => ({
          name: f.name,
          start: iso(f.start),
          end: f.end === null ? null : iso(f.end),
          ...(f.target === undefined ? {} : { target: f.target }),
          ...(f.details === undefined ? {} : { details: f.details })
        })
      )
    }
  }
  return { recorder: rec, close }
}

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
): Effect.Effect<Result, CoreError, R> =>
  Effect.gen(function* () {
    const parsedKind = Kind.safeParse(options.kind, { reportInput: true })
    if (!parsedKind.success)
      return yield* Effect.fail(
        coreError("InvalidInput", `Pipeline.run: kind: ${formatIssues(parsedKind.error.issues)}`)
      )
    const thresholds = yield* Effect.forEach(options.thresholds ?? [], Threshold.parse)
    const current = yield* Effect.serviceOption(CurrentRun)
    const { recorder: rec, close } = recorder({
      ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
      ...(options.now === undefined ? {} : { now: options.now })
    })
    const exit = yield* Effect.exit(
      body(rec).pipe(Effect.annotateLogs({ component: `pipeline/${options.kind}`, pipeline: options.name }))
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
    const verdict: Verdict =
      error !== undefined || verdicts.some((v) => v.verdict === "error")
        ? "error"
        : verdicts.some((v) => v.verdict === "fail") || !invariants.passed
          ? "fail"
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
      notes: parts.notes
    }
    const dir = options.dir ?? run?.dir
    if (dir !== undefined) {
      yield* write(dir, result)
      if (options.invariants !== undefined) yield* Invariant.write(invariants, join(dir, invariantsPathOf(result)))
    }
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
