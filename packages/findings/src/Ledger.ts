/**
 * The findings ledger: an Effect service that files findings with sequential ids (`FND-001`…), stamps
 * `created_at`, `agent` and `entry_id`, reports duplicates, and reads them back.
 *
 * The file-backed layer keeps, in a directory (a repository root or a run directory):
 *
 * ```
 * findings.ndjson              the journal — the source of truth, one finding per line, fsync'd before add returns
 * findings.json                a JSON array of every finding (a view, extended in place; jq-able at all times)
 * findings/bugs.json           bug, security, performance, reliability, silent_failure
 * findings/strengths.json      strength
 * findings/improvements.json   improvement, dx, documentation, feature_request
 * findings.lock                held for the few milliseconds of an append
 * findings.rejected.ndjson     lines set aside by crash recovery or `24h finding repair`, with line and reason
 * ```
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 *
 * const program = Effect.gen(function*() {
 *   const ledger = yield* Ledger.Ledger
 *   const f = yield* ledger.add({
 *     type: "bug",
 *     entryId: "checkout-01",
 *     agent: "claude",
 *     payload: { title: "Retry storm on 503", severity: "high", description: "…", component: "payments" }
 *   })
 *   return f.id // "FND-001"
 * })
 * await Effect.runPromise(program.pipe(Effect.provide(Ledger.layerFile({ dir: "runs/run-01" }))))
 * ```
 *
 * @since 0.1.0
 */
import type { ZodIssueLike } from "@24h/core"
import { Clock, Context, Duration, Effect, Layer, Metric, Result, Semaphore } from "effect"
import {
  Finding,
  type Finding as FindingT,
  FindingType,
  type FindingType as FindingTypeT,
  formatId,
  MAX_BYTES,
  normalizeId,
  Payload,
  type Severity,
  wellFormed
} from "./Finding.ts"
import { FindingsError, findingsError, issuesOf } from "./FindingsError.ts"
import { fingerprintOf } from "./internal/fingerprint.ts"
import type { LockOptions } from "./internal/lock.ts"
import { TYPE_LEDGER } from "./internal/paths.ts"
import { readSync as readDirSync } from "./internal/read.ts"
import {
  type RepairOptions as RepairOptionsT,
  type RepairReport as RepairReportT,
  repair as repairDir
} from "./internal/repair.ts"
import { repositoryRoot } from "./internal/root.ts"
import { Store } from "./internal/store.ts"

/**
 * What `add` takes: the flags of `24h finding add` and the payload (an object, or its JSON text).
 *
 * @example
 * ```ts
 * import type { Ledger } from "@24h/findings"
 * const input: Ledger.AddInput = { type: "bug", entryId: "e1", agent: "me", payload: '{"title":"t","severity":"low","description":"","component":"c"}' }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface AddInput {
  readonly type: string
  readonly entryId: string
  readonly agent: string
  readonly payload: unknown
  /** File it even when the same finding (type, component, normalised title) is already in the ledger. */
  readonly force?: boolean
}

/**
 * A filter for `list`; every given field must match.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@24h/findings"
 * const filter: Ledger.Filter = { type: "security", severity: "critical" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Filter {
  readonly type?: FindingTypeT
  readonly severity?: Severity
  readonly component?: string
  readonly entryId?: string
}

/**
 * The ledger service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const count = Effect.flatMap(Ledger.Ledger, (l: Ledger.Service) => l.list())
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Service {
  /** The ledger directory (absolute), or `undefined` for the in-memory ledger. */
  readonly dir: string | undefined
  /** Validates and files a finding; fails with `InvalidPayload` (nothing written) or `Duplicate`. */
  readonly add: (input: AddInput) => Effect.Effect<FindingT, FindingsError>
  /** Every finding in id order, optionally filtered. */
  readonly list: (filter?: Filter) => Effect.Effect<ReadonlyArray<FindingT>, FindingsError>
  /** One finding by id (`FND-007`, `fnd-7` or `7`); fails with `NotFound`. */
  readonly get: (id: string) => Effect.Effect<FindingT, FindingsError>
}

/**
 * The ledger service key.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const count = Effect.flatMap(Ledger.Ledger, (l) => l.list()).pipe(Effect.map((fs) => fs.length))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Ledger extends Context.Service<Ledger, Service>()("@24h/findings/Ledger") {}

/**
 * Options of the file-backed ledger.
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * const options: Ledger.FileOptions = { dir: "runs/run-01", timeoutMs: 30_000 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface FileOptions extends LockOptions {
  /**
   * The directory holding `findings.json` and `findings/`: a run directory, or by default the repository root (the
   * nearest directory above the working directory that holds `.git`; the working directory when there is none).
   */
  readonly dir?: string
  /**
   * fsync the views as well as the journal (default false). The journal is always fsync'd before `add` returns,
   * which is what makes an acknowledged finding durable; each view is replaced whole by a rename, so a reader never
   * sees a torn one, and a view that a power loss left behind or empty is brought up to date by the next writer.
   */
  readonly syncViews?: boolean
}

/** Every string of a JSON value with unpaired surrogates replaced (see `Finding.wellFormed`). */
const sanitize = (value: unknown, depth = 0): unknown => {
  if (typeof value === "string") return wellFormed(value)
  if (depth > 8 || typeof value !== "object" || value === null) return value
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), sanitize(v, depth + 1)]))
}

/** One problem of an add request; `value` is what the field held, when known. */
interface Issue {
  readonly field: string
  readonly message: string
  readonly value?: unknown
}

/** {@link Issue}s from zod issues (core's formatter), each with the input it got. */
const issuesWithValues = (issues: ReadonlyArray<ZodIssueLike>): Array<Issue> =>
  issuesOf(issues).map((i, k) => {
    const input = issues[k]?.input
    return input === undefined ? i : { ...i, value: input }
  })

const invalid = (issues: ReadonlyArray<Issue>): Result.Result<never, FindingsError> => {
  const first = issues[0]
  return Result.fail(
    findingsError("InvalidPayload", issues.map((i) => `${i.field}: ${i.message}`).join("; "), {
      issues: issues.map((i) => ({ field: i.field, message: i.message })),
      module: "Ledger.add",
      ...(first === undefined ? {} : { field: first.field }),
      ...(first === undefined || !("value" in first) ? {} : { value: first.value })
    })
  )
}

/**
 * Validates an add request into the finding it would file under `id` — pure, so callers can check a payload
 * without a ledger.
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * const r = Ledger.build({ type: "bug", entryId: "e1", agent: "a", payload: "{}" }, "FND-001", "2026-11-24T00:00:00.000Z")
 * // r is a Result failure: FindingsError "severity: …; title: …; …", with field "severity"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const build = (input: AddInput, id: string, createdAt: string): Result.Result<FindingT, FindingsError> => {
  const issues: Array<Issue> = []
  const type = FindingType.safeParse(input.type, { reportInput: true })
  if (!type.success) issues.push(...issuesWithValues(type.error.issues).map((i) => ({ ...i, field: "--type" })))
  const flags = Finding.pick({ entry_id: true, agent: true }).safeParse({
    entry_id: typeof input.entryId === "string" ? wellFormed(input.entryId) : input.entryId,
    agent: typeof input.agent === "string" ? wellFormed(input.agent) : input.agent
  })
  if (!flags.success) {
    issues.push(
      ...issuesWithValues(flags.error.issues).map((i) => ({
        ...i,
        field: i.field === "entry_id" ? "--entry-id" : "--agent"
      }))
    )
  }
  let raw = input.payload
  if (typeof raw === "string") {
    try {
      raw = JSON.parse(wellFormed(raw))
    } catch (e) {
      issues.push({ field: "(payload)", message: `not valid JSON (${(e as Error).message})` })
      return invalid(issues)
    }
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    issues.push({
      field: "(payload)",
      message: `must be a JSON object (got ${Array.isArray(raw) ? "an array" : raw === null ? "null" : typeof raw})`
    })
    return invalid(issues)
  }
  const payload = Payload.safeParse(sanitize(raw), { reportInput: true })
  if (!payload.success) issues.push(...issuesWithValues(payload.error.issues))
  if (issues.length > 0 || !payload.success || !type.success || !flags.success) return invalid(issues)
  const p = payload.data
  if (p.type !== undefined && p.type !== type.data) {
    issues.push({
      field: "type",
      value: p.type,
      message: `payload says ${JSON.stringify(p.type)} but --type is ${JSON.stringify(type.data)}`
    })
  }
  if (p.entry_id !== undefined && p.entry_id !== flags.data.entry_id) {
    issues.push({
      field: "entry_id",
      value: p.entry_id,
      message: `payload says ${JSON.stringify(p.entry_id)} but --entry-id is ${JSON.stringify(flags.data.entry_id)}`
    })
  }
  if (issues.length > 0) return invalid(issues)
  const candidate = {
    id,
    entry_id: flags.data.entry_id,
    type: type.data,
    severity: p.severity,
    title: p.title,
    description: p.description,
    component: p.component,
    reproduction: p.reproduction,
    expected_behavior: p.expected_behavior,
    actual_behavior: p.actual_behavior,
    evidence: p.evidence,
    impact: p.impact,
    recommendation: p.recommendation,
    metadata: p.metadata,
    created_at: createdAt,
    agent: flags.data.agent,
    ...(p.replay === undefined ? {} : { replay: p.replay }),
    ...(p.location === undefined ? {} : { location: p.location })
  }
  const checked = Finding.safeParse(candidate)
  if (!checked.success) return invalid(issuesWithValues(checked.error.issues))
  const bytes = Buffer.byteLength(JSON.stringify(checked.data))
  if (bytes > MAX_BYTES)
    return invalid([
      { field: "(payload)", message: `the finding is ${bytes} bytes once serialised; the limit is ${MAX_BYTES}` }
    ])
  return Result.succeed(checked.data)
}

const duplicateError = (existing: string, f: FindingT): FindingsError =>
  findingsError(
    "Duplicate",
    `duplicate of ${existing}: same type (${f.type}), component (${JSON.stringify(f.component)}) and normalised title (${JSON.stringify(f.title)}); pass --force to file it anyway`,
    { duplicateOf: existing }
  )

const matches = (f: FindingT, filter: Filter | undefined): boolean =>
  filter === undefined ||
  ((filter.type === undefined || f.type === filter.type) &&
    (filter.severity === undefined || f.severity === filter.severity) &&
    (filter.component === undefined || f.component === filter.component) &&
    (filter.entryId === undefined || f.entry_id === filter.entryId))

const getFrom = (all: ReadonlyArray<FindingT>, id: string, where: string): Effect.Effect<FindingT, FindingsError> => {
  const wanted = normalizeId(id)
  if (wanted === undefined)
    return Effect.fail(findingsError("InvalidPayload", `id: must look like FND-007 (got ${JSON.stringify(id)})`))
  const found = all.find((f) => f.id === wanted)
  return found === undefined
    ? Effect.fail(findingsError("NotFound", `no finding ${wanted} in ${where}`))
    : Effect.succeed(found)
}

/**
 * Ledger telemetry: every add counts in `24h.ledger.adds` (by type and severity) or `24h.ledger.errors` (by reason),
 * and its duration, lock wait included, goes to `24h.ledger.add.duration_ms`. Exported with the spans by core's
 * `Telemetry.layer`; without it they only update in-process values.
 */
const addsTotal = Metric.counter("24h.ledger.adds", { description: "findings filed", incremental: true })
const errorsTotal = Metric.counter("24h.ledger.errors", { description: "adds refused or failed", incremental: true })
const addDuration = Metric.histogram("24h.ledger.add.duration_ms", {
  description: "time of one add, lock wait included (ms)",
  boundaries: Metric.exponentialBoundaries({ start: 0.25, factor: 2, count: 17 })
})

/** Counts an add (or its failure) and times it. */
const measured = <E extends { readonly reason: string }>(
  self: Effect.Effect<FindingT, E>
): Effect.Effect<FindingT, E> =>
  self.pipe(
    Effect.tap((f) => Metric.update(Metric.withAttributes(addsTotal, { type: f.type, severity: f.severity }), 1)),
    Effect.tapError((e) => Metric.update(Metric.withAttributes(errorsTotal, { reason: e.reason }), 1)),
    Effect.trackDuration(addDuration, (d) => Duration.toMillis(d))
  )

/** The span of an add names the finding it filed (or the type asked for). */
const annotated = (
  self: Effect.Effect<FindingT, FindingsError>,
  input: AddInput
): Effect.Effect<FindingT, FindingsError> =>
  self.pipe(
    Effect.tap((f) =>
      Effect.annotateCurrentSpan({ "finding.id": f.id, "finding.type": f.type, "finding.severity": f.severity })
    ),
    Effect.tapError((e) => Effect.annotateCurrentSpan({ "finding.type": String(input.type), "error.reason": e.reason }))
  )

const nowIso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

const fromPromise = <A>(what: string, f: () => Promise<A>): Effect.Effect<A, FindingsError> =>
  Effect.tryPromise({
    try: f,
    catch: (e) =>
      e instanceof FindingsError
        ? e
        : findingsError("Io", `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e })
  })

const fromSync = <A>(what: string, f: () => A): Effect.Effect<A, FindingsError> =>
  Effect.try({
    try: f,
    catch: (e) =>
      e instanceof FindingsError
        ? e
        : findingsError("Io", `${what}: ${(e as Error)?.message ?? String(e)}`, { cause: e })
  })

/**
 * Makes a file-backed ledger for one directory.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const ledger = await Effect.runPromise(Ledger.makeFile({ dir: "." }))
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeFile = Effect.fn("Ledger.makeFile")(function* (options: FileOptions = {}) {
  const store = new Store(options.dir ?? repositoryRoot(), options)
  const lock = yield* Semaphore.make(1)
  const where = store.paths.journal
  const add = Effect.fn("Ledger.add", { attributes: { "24h.ledger.dir": store.paths.dir } })(
    (input: AddInput) =>
      Effect.gen(function* () {
        const createdAt = yield* nowIso
        // Validate before taking the lock: a bad payload never touches the ledger.
        const probe = yield* Effect.fromResult(build(input, formatId(1), createdAt))
        return yield* fromPromise(`cannot append to ${where}`, () =>
          store.append((id, fingerprints) => {
            const finding = { ...probe, id }
            const existing = fingerprints.get(fingerprintOf(finding))
            if (existing !== undefined && input.force !== true) throw duplicateError(existing, finding)
            return finding
          })
        )
      }).pipe(lock.withPermits(1), measured),
    annotated
  )
  const list = Effect.fn("Ledger.list")((filter?: Filter) =>
    fromSync(`cannot read ${where}`, () => store.snapshot().filter((f) => matches(f, filter))).pipe(lock.withPermits(1))
  )
  const get = Effect.fn("Ledger.get")((id: string) =>
    fromSync(`cannot read ${where}`, () => store.snapshot()).pipe(
      lock.withPermits(1),
      Effect.flatMap((all) => getFrom(all, id, where))
    )
  )
  return Ledger.of({ dir: store.paths.dir, add, list, get })
})

/**
 * The file-backed ledger layer (see the module description for the files it keeps).
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * const layer = Ledger.layerFile({ dir: "runs/run-2026-11-24-01" })
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerFile = (options: FileOptions = {}): Layer.Layer<Ledger> => Layer.effect(Ledger, makeFile(options))

/**
 * Makes an in-memory ledger (same validation, ids and duplicate detection; nothing on disk), optionally seeded.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const ledger = await Effect.runPromise(Ledger.makeMemory())
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = Effect.fn("Ledger.makeMemory")(function* (initial: ReadonlyArray<FindingT> = []) {
  const all: Array<FindingT> = [...initial]
  const fingerprints = new Map<string, string>()
  for (const f of all) if (!fingerprints.has(fingerprintOf(f))) fingerprints.set(fingerprintOf(f), f.id)
  const lock = yield* Semaphore.make(1)
  const add = Effect.fn("Ledger.add", { attributes: { "24h.ledger.dir": "(memory)" } })(
    (input: AddInput) =>
      Effect.gen(function* () {
        const last = all.at(-1)
        const next = last === undefined ? 1 : Number(last.id.slice(4)) + 1
        const built = yield* Effect.fromResult(build(input, formatId(next), yield* nowIso))
        const fp = fingerprintOf(built)
        const existing = fingerprints.get(fp)
        if (existing !== undefined && input.force !== true) return yield* Effect.fail(duplicateError(existing, built))
        if (existing === undefined) fingerprints.set(fp, built.id)
        all.push(built)
        return built
      }).pipe(lock.withPermits(1), measured),
    annotated
  )
  return Ledger.of({
    dir: undefined,
    add,
    list: Effect.fn("Ledger.list")((filter?: Filter) => Effect.sync(() => all.filter((f) => matches(f, filter)))),
    get: Effect.fn("Ledger.get")((id: string) => getFrom(all, id, "the in-memory ledger"))
  })
})

/**
 * The in-memory ledger layer, for tests and dry runs.
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * const layer = Ledger.layerMemory()
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layerMemory = (initial: ReadonlyArray<FindingT> = []): Layer.Layer<Ledger> =>
  Layer.effect(Ledger, makeMemory(initial))

/**
 * Reads every acknowledged finding of the ledger in `dir` (a repository root or a run directory), without taking
 * the lock. Never blocks writers; an append cut by a crash (never acknowledged) is ignored.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const findings = await Effect.runPromise(Ledger.read("runs/run-2026-11-24-01"))
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const read: (dir: string) => Effect.Effect<ReadonlyArray<FindingT>, FindingsError> = Effect.fn("Ledger.read")(
  (dir: string) => fromSync(`cannot read the ledger in ${dir}`, () => readDirSync(dir))
)

/**
 * Reads every acknowledged finding of the ledger in `dir`, synchronously; throws a {@link FindingsError}.
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * const findings = Ledger.readSync(".")
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const readSync = (dir: string): ReadonlyArray<FindingT> => readDirSync(dir)

/**
 * What {@link repair} did: findings kept, lines set aside (with line number and reason), the backup and the views
 * rebuilt.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@24h/findings"
 * const clean = (r: Ledger.RepairReport) => r.rejected.length === 0
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type RepairReport = RepairReportT

/**
 * Options of {@link repair}: the lock wait, and `fromView` to take a hand-edited `findings.json` in as the truth.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@24h/findings"
 * const options: Ledger.RepairOptions = { fromView: true, timeoutMs: 30_000 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type RepairOptions = RepairOptionsT

/**
 * Repairs the ledger in `dir`: keeps every valid journal line, moves each bad one (with its line number and reason)
 * to `findings.rejected.ndjson` — for ids out of order, exactly the lines outside the longest increasing run — keeps
 * a byte-for-byte backup of everything it replaces (never overwriting an earlier backup), and rebuilds every view.
 * With `fromView`, a hand-edited `findings.json` is taken in as the truth. A directory with only `add_finding.py`
 * files is imported the same way. Nothing is ever dropped silently.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const report = await Effect.runPromise(Ledger.repair("."))
 * report.rejected // [{ line: 12, reason: "severity: Invalid option: …" }]
 * ```
 *
 * @category repair
 * @since 0.1.0
 */
export const repair: (dir: string, options?: RepairOptions) => Effect.Effect<RepairReport, FindingsError> = Effect.fn(
  "Ledger.repair"
)((dir: string, options: RepairOptions = {}) =>
  fromPromise(`cannot repair the ledger in ${dir}`, () => repairDir(dir, options))
)

/**
 * Which type-specific ledger under `findings/` a finding type goes to.
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * Ledger.typeLedger("silent_failure") // "bugs"
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const typeLedger = (type: FindingTypeT): "bugs" | "strengths" | "improvements" => TYPE_LEDGER[type]
