/**
 * Runs: the metadata of a reliability run, its directory `runs/<entry>/run-YYYY-MM-DD-NN/` with the process's
 * folders, and its phases, checkpointed so that a rerun resumes after the last completed phase.
 *
 * ```
 * runs/<entry>/
 *   latest -> run-2026-11-24-02          symlink, replaced atomically
 *   run-2026-11-24-01/
 *   run-2026-11-24-02/
 *     run.json                           RunMetadata
 *     research/ mocks/ pipelines/ tests/ findings/ dx-review/
 *     results/logs/                      pino NDJSON
 *     results/pipelines/                 Pipeline.Result records
 *     .phases/01-research.json …         one checkpoint per completed phase
 * ```
 *
 * NN is allocated with an exclusive `mkdir`, which the file system makes atomic: two processes starting at once
 * get different runs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Run } from "@24h/core"
 *
 * const program = Effect.gen(function* () {
 *   const run = yield* Run.create({ root: "runs", metadata: { ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments API" } })
 *   yield* Run.phase(run, "research", Effect.succeed("summary written"))
 *   return run.dir
 * })
 * ```
 *
 * @since 0.1.0
 */

import { mkdir, readdir, readFile, readlink, rename, stat, symlink } from "node:fs/promises"
import { basename, dirname, join, resolve } from "node:path"
import { Clock, Context, Effect, Layer } from "effect"
import { z } from "zod"
import { type CoreError, coreError, invalidInput } from "./CoreError.ts"
import { writeFileAtomic } from "./internal/fs.ts"
import * as Seed from "./Seed.ts"
import { version } from "./version.ts"

/**
 * The phases of the process, in order.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 *
 * Run.PHASES.indexOf("execute") // 3
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const PHASES = ["research", "simulate", "pipelines", "execute", "dx-review", "report", "recommend"] as const

/**
 * A phase of the process.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 *
 * Run.Phase.parse("report") // "report"
 * Run.Phase.safeParse("deploy").success // false
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Phase = z.enum(PHASES)
/**
 * One of {@link PHASES}.
 *
 * @category models
 * @since 0.1.0
 */
export type Phase = z.infer<typeof Phase>

/**
 * The folders every run directory has.
 *
 * @example
 * ```ts
 * import { join } from "node:path"
 * import { Run } from "@24h/core"
 *
 * declare const run: Run.Run
 * const folders = Run.FOLDERS.map((f) => join(run.dir, f))
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const FOLDERS = [
  "research",
  "mocks",
  "pipelines",
  "results",
  "results/logs",
  "results/pipelines",
  "tests",
  "findings"
] as const

const entryId = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-', starting with a letter or digit")

/**
 * The run fields of the process's metadata block, as given by the user.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 *
 * const fields = Run.RunFields.parse({ ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments API under load", PRIORITY: "P1" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const RunFields = z.object({
  ENTRY_ID: entryId,
  ENTRY_TITLE: z.string().min(1).max(500),
  PRIORITY: z.string().max(100).optional(),
  RISK_CLASS: z.string().max(100).optional(),
  INDUSTRY: z.string().max(200).optional(),
  DEPLOYMENT_MODE: z.string().max(200).optional(),
  CHECKLIST_FILE: z.string().max(1000).optional(),
  MISSION_BRIEF: z.string().max(100_000).optional()
})
/**
 * The run fields given by the user (`ENTRY_ID`, `ENTRY_TITLE`, …).
 *
 * @category models
 * @since 0.1.0
 */
export type RunFields = z.infer<typeof RunFields>

/**
 * `run.json`: the run fields plus what makes the run reproducible.
 *
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises"
 * import { Run } from "@24h/core"
 *
 * const metadata = Run.RunMetadata.parse(JSON.parse(await readFile("runs/payments-01/latest/run.json", "utf8")))
 * console.log(metadata.runId, metadata.replay) // "run-2026-11-24-01", "H24_SEED=42"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const RunMetadata = RunFields.extend({
  runId: z.string().regex(/^run-\d{4}-\d{2}-\d{2}-\d{2,}$/),
  seed: z.union([z.number().int(), z.string().min(1)]),
  startedAt: z.iso.datetime(),
  versions: z.record(z.string(), z.string()),
  replay: z.string()
})
/**
 * The contents of `run.json`.
 *
 * @category models
 * @since 0.1.0
 */
export type RunMetadata = z.infer<typeof RunMetadata>

/**
 * A phase checkpoint, written when a phase completes.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 *
 * const c = Run.Checkpoint.parse({ phase: "simulate", completedAt: "2026-11-24T10:00:00.000Z", durationMs: 1200 })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Checkpoint = z.object({
  phase: Phase,
  completedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  result: z.unknown().optional()
})
/**
 * A phase checkpoint.
 *
 * @category models
 * @since 0.1.0
 */
export type Checkpoint = z.infer<typeof Checkpoint>

/**
 * An open run directory.
 *
 * @category models
 * @since 0.1.0
 */
export interface Run {
  /** Absolute path of `runs/<entry>/run-YYYY-MM-DD-NN`. */
  readonly dir: string
  readonly metadata: RunMetadata
  /** The root seed every random stream of this run derives from. */
  readonly seed: Seed.Seed
  /** Whether this run was reopened rather than created. */
  readonly resumed: boolean
}

/**
 * Options for {@link create}.
 *
 * @category models
 * @since 0.1.0
 */
export interface CreateOptions {
  /** Folder holding `<entry>/run-*`. Default `"runs"` (relative to the working directory). */
  readonly root?: string
  readonly metadata: RunFields
  /** Root seed. Default: `H24_SEED` when set, else a fresh one (recorded in run.json). */
  readonly seed?: Seed.Root | Seed.Seed
  /** The date in the run id. Default: today (UTC). */
  readonly date?: Date
  /** Extra versions to record (e.g. the SUT's). */
  readonly versions?: Readonly<Record<string, string>>
}

const io = (what: string) => (cause: unknown) =>
  coreError("Io", `${what} (${cause instanceof Error ? cause.message : String(cause)})`, cause)

const pad = (n: number) => String(n).padStart(2, "0")
const dayOf = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
const RUN_DIR = /^run-(\d{4}-\d{2}-\d{2})-(\d{2,})$/

const validate = <A>(schema: z.ZodType<A>, value: unknown, where: string): Effect.Effect<A, CoreError> => {
  const parsed = schema.safeParse(value, { reportInput: true })
  return parsed.success ? Effect.succeed(parsed.data) : Effect.fail(invalidInput(where, parsed.error.issues))
}

const updateLatest = async (entryDir: string, runId: string): Promise<void> => {
  const link = join(entryDir, "latest")
  const tmp = join(entryDir, `.latest.${process.pid}.${Date.now()}`)
  await symlink(runId, tmp)
  // rename over the old link is atomic; concurrent creators race, and the later rename wins.
  await rename(tmp, link)
}

/**
 * Creates a new run directory with every folder and `run.json`, allocating NN atomically, and points `latest` at it.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const run = await Effect.runPromise(
 *   Run.create({ metadata: { ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments API under load" }, seed: 42 })
 * )
 * run.dir // ".../runs/payments-01/run-2026-11-24-01"; runs/payments-01/latest points at it
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const create = Effect.fn("Run.create")(
  (options: CreateOptions): Effect.Effect<Run, CoreError> =>
    Effect.gen(function* () {
      const fields = yield* validate(RunFields, options.metadata, "Run.create: metadata")
      const seed =
        options.seed === undefined
          ? yield* Seed.fromEnv()
          : typeof options.seed === "object"
            ? options.seed
            : Seed.make(options.seed)
      const entryDir = resolve(options.root ?? "runs", fields.ENTRY_ID)
      const day = dayOf(options.date ?? new Date())
      const { dir, runId } = yield* Effect.tryPromise({
        try: async () => {
          await mkdir(entryDir, { recursive: true })
          const taken = (await readdir(entryDir))
            .map((n) => RUN_DIR.exec(n))
            .filter((m): m is RegExpExecArray => m !== null && m[1] === day)
            .map((m) => Number(m[2]))
          let nn = taken.length === 0 ? 1 : Math.max(...taken) + 1
          for (let attempt = 0; attempt < 10_000; attempt++, nn++) {
            const runId = `run-${day}-${pad(nn)}`
            const dir = join(entryDir, runId)
            try {
              await mkdir(dir) // exclusive: EEXIST when another process took this NN first
              return { dir, runId }
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
            }
          }
          throw new Error(`no free run number under ${entryDir} for ${day}`)
        },
        catch: (cause) =>
          coreError(
            "RunDirectory",
            `Run.create: cannot allocate a run directory under ${entryDir} (${String(cause)})`,
            cause
          )
      })
      const metadata: RunMetadata = {
        ...fields,
        runId,
        seed: seed.root,
        startedAt: new Date().toISOString(),
        versions: { "@24h/core": version, node: process.version, ...options.versions },
        replay: Seed.replayHint(seed)
      }
      yield* Effect.tryPromise({
        try: async () => {
          for (const folder of FOLDERS) await mkdir(join(dir, folder), { recursive: true })
          await mkdir(join(dir, ".phases"), { recursive: true })
          await writeFileAtomic(join(dir, "run.json"), `${JSON.stringify(metadata, null, 2)}\n`)
          await updateLatest(entryDir, runId)
        },
        catch: io(`Run.create: cannot write ${dir}`)
      })
      return { dir, metadata, seed, resumed: false }
    })
)

/**
 * Opens an existing run directory (or `runs/<entry>/latest`), validating `run.json`.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const run = await Effect.runPromise(Run.open("runs/payments-01/latest"))
 * console.log(run.metadata.runId, run.metadata.replay)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const open = Effect.fn("Run.open")(
  (dir: string): Effect.Effect<Run, CoreError> =>
    Effect.gen(function* () {
      const path = resolve(dir)
      const real = yield* Effect.tryPromise({
        try: async () => {
          const s = await stat(path)
          if (!s.isDirectory()) throw new Error("not a directory")
          try {
            return resolve(dirname(path), await readlink(path))
          } catch {
            return path
          }
        },
        catch: (cause) =>
          coreError(
            "RunDirectory",
            `Run.open: ${path} is not a run directory (${String((cause as Error).message ?? cause)})`,
            cause
          )
      })
      const text = yield* Effect.tryPromise({
        try: () => readFile(join(real, "run.json"), "utf8"),
        catch: (cause) =>
          coreError(
            "RunDirectory",
            `Run.open: ${real} has no readable run.json (${String((cause as Error).message ?? cause)})`,
            cause
          )
      })
      const raw = yield* Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (cause) =>
          coreError("InvalidInput", `Run.open: ${join(real, "run.json")} is not valid JSON (${String(cause)})`, cause)
      })
      const metadata = yield* validate(RunMetadata, raw, `Run.open: ${join(real, "run.json")}`)
      return { dir: real, metadata, seed: Seed.make(metadata.seed), resumed: true }
    })
)

/**
 * Options for {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface MakeOptions extends CreateOptions {
  /**
   * `"latest"`: reopen `runs/<entry>/latest` when it exists and has not completed every phase; a path: reopen that
   * run. Default: always create a new run.
   */
  readonly resume?: "latest" | string
}

/**
 * Creates a run, or resumes one (`resume: "latest"` or a directory) so that completed phases are skipped.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * // Re-running after a crash picks up runs/payments-01/latest unless all its phases completed.
 * const run = await Effect.runPromise(
 *   Run.make({ metadata: { ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments API under load" }, resume: "latest" })
 * )
 * run.resumed // true when it reopened the latest run
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fn("Run.make")(
  (options: MakeOptions): Effect.Effect<Run, CoreError> =>
    Effect.gen(function* () {
      if (options.resume === undefined) return yield* create(options)
      if (options.resume !== "latest") return yield* open(options.resume)
      const latest = join(resolve(options.root ?? "runs"), options.metadata.ENTRY_ID, "latest")
      const existing = yield* Effect.result(open(latest))
      if (existing._tag === "Failure") return yield* create(options)
      const s = yield* status(existing.success)
      return s.next === null ? yield* create(options) : existing.success
    })
)

/**
 * The phases of a run: which completed (with their checkpoints), and the next one to run (`null` when all did).
 *
 * @category models
 * @since 0.1.0
 */
export interface Status {
  readonly dir: string
  readonly runId: string
  readonly entryId: string
  readonly seed: Seed.Root
  readonly completed: ReadonlyArray<Checkpoint>
  readonly next: Phase | null
}

const checkpointPath = (dir: string, phase: Phase) =>
  join(dir, ".phases", `${pad(PHASES.indexOf(phase) + 1)}-${phase}.json`)

const readCheckpoint = (dir: string, phase: Phase): Effect.Effect<Checkpoint | undefined, CoreError> =>
  Effect.tryPromise({
    try: async () => {
      try {
        return JSON.parse(await readFile(checkpointPath(dir, phase), "utf8")) as unknown
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
        throw error
      }
    },
    catch: io(`Run: cannot read the ${phase} checkpoint of ${dir}`)
  }).pipe(
    Effect.flatMap((raw) =>
      raw === undefined ? Effect.succeed(undefined) : validate(Checkpoint, raw, `Run: ${checkpointPath(dir, phase)}`)
    )
  )

/**
 * Reads which phases completed and which comes next.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const s = await Effect.runPromise(Run.status("runs/payments-01/latest"))
 * console.log(`${s.completed.length} phases done, next: ${s.next ?? "none"}`)
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const status = Effect.fn("Run.status")(
  (run: Run | string): Effect.Effect<Status, CoreError> =>
    Effect.gen(function* () {
      const r = typeof run === "string" ? yield* open(run) : run
      const completed: Array<Checkpoint> = []
      for (const phase of PHASES) {
        const c = yield* readCheckpoint(r.dir, phase)
        if (c !== undefined) completed.push(c)
      }
      const done = new Set(completed.map((c) => c.phase))
      const next = PHASES.find((p) => !done.has(p)) ?? null
      return {
        dir: r.dir,
        runId: r.metadata.runId,
        entryId: r.metadata.ENTRY_ID,
        seed: r.metadata.seed,
        completed,
        next
      }
    })
)

/**
 * Runs a phase once: when its checkpoint exists the effect is skipped (and a log line says so) and the recorded
 * result is returned; otherwise the effect runs and, on success, its result is checkpointed (it must be
 * JSON-serialisable to be returned on resume).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Run } from "@24h/core"
 *
 * declare const run: Run.Run
 * const datasets = Run.phase(run, "simulate", Effect.succeed({ records: 1000 }))
 * ```
 *
 * @category phases
 * @since 0.1.0
 */
export const phase = Effect.fn("Run.phase")(
  <A, E, R>(run: Run, name: Phase, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | CoreError, R> =>
    Effect.gen(function* () {
      const existing = yield* readCheckpoint(run.dir, name)
      if (existing !== undefined) {
        yield* Effect.logInfo(`phase ${name}: already completed at ${existing.completedAt}, resuming after it`).pipe(
          Effect.annotateLogs({ component: "core/Run", phase: name, runId: run.metadata.runId })
        )
        return existing.result as A
      }
      const started = yield* Clock.currentTimeMillis
      yield* Effect.logInfo(`phase ${name}: started`).pipe(
        Effect.annotateLogs({ component: "core/Run", phase: name, runId: run.metadata.runId })
      )
      const result = yield* effect
      const checkpoint = yield* markCompleted(run, name, result, (yield* Clock.currentTimeMillis) - started)
      yield* Effect.logInfo(`phase ${name}: completed in ${checkpoint.durationMs} ms`).pipe(
        Effect.annotateLogs({ component: "core/Run", phase: name, runId: run.metadata.runId })
      )
      return result
    })
)

/**
 * Records a phase as completed (what {@link phase} does after its effect succeeds; agents driving phases from
 * outside Effect call it through `24h run checkpoint`). `result` must be JSON-serialisable.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * declare const run: Run.Run
 * const checkpoint = await Effect.runPromise(Run.markCompleted(run, "research", { sources: 12 }, 90_000))
 * ```
 *
 * @category phases
 * @since 0.1.0
 */
export const markCompleted = Effect.fn("Run.markCompleted")(
  (run: Run, name: Phase, result?: unknown, durationMs = 0): Effect.Effect<Checkpoint, CoreError> =>
    Effect.gen(function* () {
      const checkpoint: Checkpoint = {
        phase: name,
        completedAt: new Date().toISOString(),
        durationMs,
        ...(result === undefined ? {} : { result: JSON.parse(JSON.stringify(result)) as unknown })
      }
      yield* Effect.tryPromise({
        try: () => writeFileAtomic(checkpointPath(run.dir, name), `${JSON.stringify(checkpoint, null, 2)}\n`),
        catch: io(`Run: cannot checkpoint ${name} in ${run.dir}`)
      })
      return checkpoint
    })
)

/**
 * Lists the runs of an entry, oldest first.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const dirs = await Effect.runPromise(Run.list("runs", "payments-01"))
 * const previous = dirs.at(-2) // the run before the latest
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const list = Effect.fn("Run.list")(
  (root: string, entry: string): Effect.Effect<Array<string>, CoreError> =>
    Effect.tryPromise({
      try: async () => {
        const dir = resolve(root, entry)
        try {
          return (await readdir(dir))
            .filter((n) => RUN_DIR.test(n))
            .sort()
            .map((n) => join(dir, n))
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return []
          throw error
        }
      },
      catch: io(`Run.list: cannot list ${resolve(root, entry)}`)
    })
)

/**
 * The current run as a service.
 *
 * @example
 * ```ts
 * import { Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const where = Effect.map(Run.CurrentRun, (run) => run.dir)
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class CurrentRun extends Context.Service<CurrentRun, Run>()("@24h/core/Run/CurrentRun") {}

/**
 * A layer that creates (or resumes) a run and provides it, with its root seed as `Seed.RootSeed`.
 *
 * @example
 * ```ts
 * import { Pipeline, Run } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const baseline = Pipeline.run({ kind: "baseline", name: "happy-path" }, (rec) => Effect.sync(() => rec.record(12)))
 * const program = baseline.pipe(
 *   Effect.provide(Run.layer({ metadata: { ENTRY_ID: "payments-01", ENTRY_TITLE: "Payments API" }, resume: "latest" }))
 * ) // the result is written into the run directory
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: MakeOptions): Layer.Layer<CurrentRun | Seed.RootSeed, CoreError> =>
  Layer.effectContext(
    Effect.map(make(options), (run) => Context.make(CurrentRun, run).pipe(Context.add(Seed.RootSeed, run.seed)))
  )

/** @internal */
export const runIdOf = (dir: string): string => basename(dir)
