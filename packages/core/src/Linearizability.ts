/**
 * A linearizability checker for recorded histories: the Wing–Gong / Lowe search that Porcupine runs, with a cache
 * of (linearized-set bitset, model state) pairs, P-compositionality (a model may partition a history, e.g. by key,
 * and each part is checked alone), a time budget that gives `unknown` instead of a verdict, operations of unknown
 * outcome (they may take effect at any time after their call, or never), and nondeterministic models.
 *
 * Built-in models: {@link register} (read / write / cas) and {@link kv} (get / put / append, partitioned by key).
 * Your own: a {@link Model} with `init`, `step`, and optional `partition`, `hash` / `equals`.
 *
 * A violation comes with evidence: the longest linearizable prefix found, the operation that cannot be placed after
 * it (process, call and return times), and the model state then. {@link toCheck} turns a result into a core
 * `Check` (`pass` / `fail` / `unknown`).
 *
 * @example
 * ```ts
 * import { History, Linearizability } from "@24h/core"
 * import { Effect } from "effect"
 *
 * // p0 writes 1; p1 reads 1 and later reads nil: the second read cannot be placed.
 * const history: ReadonlyArray<History.Event> = [
 *   { process: 0, type: "invoke", f: "write", value: 1, time: 0 },
 *   { process: 0, type: "ok", f: "write", value: 1, time: 10 },
 *   { process: 1, type: "invoke", f: "read", value: null, time: 20 },
 *   { process: 1, type: "ok", f: "read", value: 1, time: 30 },
 *   { process: 1, type: "invoke", f: "read", value: null, time: 40 },
 *   { process: 1, type: "ok", f: "read", value: null, time: 50 }
 * ]
 * const result = Effect.runSync(Linearizability.check(Linearizability.register(), history))
 * result.verdict // "not-linearizable"
 * result.evidence?.blocked?.index // 2 — the read of nil
 * ```
 *
 * @since 0.2.0
 */
import { mkdir, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { Duration, Effect } from "effect"
import { z } from "zod"
import * as Check from "./Check.ts"
import { type CoreError, coreError, preview } from "./CoreError.ts"
import * as History from "./History.ts"
import { type Budget, ILLEGAL, type Illegal as IllegalSymbol, search } from "./internal/linearizability/search.ts"

/**
 * What a step returns when the operation cannot take effect in the state.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * const step = (state: number, op: { readonly result: unknown }) =>
 *   op.result === state ? state : Linearizability.illegal
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export const illegal: IllegalSymbol = ILLEGAL

/**
 * The type of {@link illegal}.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * const never = (): Linearizability.Illegal => Linearizability.illegal
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Illegal = IllegalSymbol

/**
 * A sequential specification. `step` gets the state and an operation — its `status` is `ok`, `fail` (kept only when
 * `include` keeps it) or `info` (unknown outcome: legal or not, it may still change the state) — and returns the next
 * state, or {@link illegal}. States must be treated as immutable.
 *
 * @category models
 * @since 0.2.0
 */
export interface Model<S, V = unknown> {
  readonly name: string
  readonly init: () => S
  readonly step: (state: S, op: History.Operation<V>) => S | Illegal
  /** The partition of an operation (P-compositionality): parts are checked independently. Default: one part. */
  readonly partition?: (op: History.Operation<V>) => string
  /**
   * Which operations the search must place. Default: all but `fail` (they did not happen). Leave out unknown-outcome
   * reads here: they cannot change the state, and each one doubles the states explored.
   */
  readonly include?: (op: History.Operation<V>) => boolean
  /** A message when an operation is malformed for this model (checked before the search), else `undefined`. */
  readonly validate?: (op: History.Operation<V>) => string | undefined
  /** Equality of states (default `Object.is`). */
  readonly equals?: (a: S, b: S) => boolean
  /** A 32-bit hash of a state, mixed into the cache key (optional: the linearized set alone is hashed otherwise). */
  readonly hash?: (state: S) => number
  /** Text for a state in evidence (default JSON). */
  readonly describe?: (state: S) => string
}

/**
 * A nondeterministic specification: `step` returns every possible next state (none: illegal). Turn it into a
 * {@link Model} over sets of states with {@link nondeterministic}.
 *
 * @category models
 * @since 0.2.0
 */
export interface NondeterministicModel<S, V = unknown> extends Omit<Model<S, V>, "step"> {
  readonly step: (state: S, op: History.Operation<V>) => ReadonlyArray<S>
}

/**
 * The deterministic model over sets of states of a nondeterministic one (what Porcupine does): a step maps every
 * state, keeps the distinct results, and is illegal when none is left.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 *
 * // A lossy counter: an `add` may or may not be applied.
 * const lossy = Linearizability.nondeterministic<number>({
 *   name: "lossy-counter",
 *   init: () => 0,
 *   step: (n, op) => (op.f === "add" ? [n, n + (op.value as number)] : op.result === n ? [n] : [])
 * })
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export const nondeterministic = <S, V = unknown>(model: NondeterministicModel<S, V>): Model<ReadonlyArray<S>, V> => {
  const eq = model.equals ?? Object.is
  const h = model.hash
  const member = (xs: ReadonlyArray<S>, x: S) => xs.some((y) => eq(x, y))
  return {
    name: model.name,
    init: () => [model.init()],
    step: (states, op) => {
      const out: Array<S> = []
      for (const s of states) for (const n of model.step(s, op)) if (!member(out, n)) out.push(n)
      return out.length === 0 ? ILLEGAL : out
    },
    equals: (a, b) => a.length === b.length && a.every((x) => member(b, x)),
    ...(model.partition === undefined ? {} : { partition: model.partition }),
    ...(model.include === undefined ? {} : { include: model.include }),
    ...(model.validate === undefined ? {} : { validate: model.validate }),
    ...(h === undefined ? {} : { hash: (states: ReadonlyArray<S>) => states.reduce((acc, s) => acc ^ h(s), 0) }),
    describe: (states) => `one of ${states.map((s) => (model.describe ?? describeJson)(s)).join(" | ")}`
  }
}

const describeJson = (s: unknown): string => {
  if (s instanceof Map) return JSON.stringify(Object.fromEntries(s))
  return JSON.stringify(s) ?? String(s)
}

const same = (a: unknown, b: unknown): boolean =>
  a === b || (typeof a === "object" && typeof b === "object" && JSON.stringify(a) === JSON.stringify(b))

const casArgs = (v: unknown): readonly [unknown, unknown] | undefined =>
  Array.isArray(v) && v.length === 2
    ? [v[0], v[1]]
    : typeof v === "object" && v !== null && "from" in v && "to" in v
      ? [(v as { from: unknown }).from, (v as { to: unknown }).to]
      : undefined

/**
 * A register: starts as `null` (nil). `read` ok returns the value held; `write` sets it; `cas` (value `[from, to]`
 * or `{from, to}`) ok means it held `from` (now `to`), `fail` means it did not hold `from` (nothing changed). An
 * unknown-outcome write or cas may have taken effect; an unknown read, a failed read or write are left out. Key the
 * history (`key`) to check several registers at once, one partition each.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * const model = Linearizability.register()
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export const register = (): Model<unknown> => ({
  name: "register",
  init: () => null,
  step: (state, op) => {
    switch (op.f) {
      case "read":
        return same(state, op.result ?? null) ? state : ILLEGAL
      case "write":
        return op.value
      default: {
        const [from, to] = casArgs(op.value)!
        const held = same(state, from)
        if (op.status === "info") return held ? to : state
        if (op.status === "ok") return held ? to : ILLEGAL
        return held ? ILLEGAL : state
      }
    }
  },
  partition: (op) => op.key ?? "",
  include: (op) => op.status === "ok" || (op.status === "fail" ? op.f === "cas" : op.f !== "read"),
  validate: (op) =>
    op.f !== "read" && op.f !== "write" && op.f !== "cas"
      ? `f must be read, write or cas (got ${preview(op.f)})`
      : op.f === "cas" && casArgs(op.value) === undefined
        ? `a cas value must be [from, to] (got ${preview(op.value)})`
        : undefined,
  equals: same,
  hash: (s) =>
    typeof s === "number"
      ? Math.imul(s | 0, 0x9e3779b1) ^ (s % 1 === 0 ? 0 : 0x2545f491)
      : s === null || s === undefined
        ? 0x5bd1e995
        : rolling(0x27d4eb2d, typeof s === "string" ? s : (JSON.stringify(s) ?? String(s))),
  describe: (s) => (s === null ? "nil" : describeJson(s))
})

/**
 * Options of {@link kv}.
 *
 * @category models
 * @since 0.2.0
 */
export interface KvOptions {
  /** Check each key alone (P-compositionality). Default true; false checks the whole store as one state. */
  readonly partitioned?: boolean
}

/**
 * The value of one key, with a rolling hash of it kept up to date by `put` and `append` (so the search cache can
 * tell states apart without rehashing long values).
 *
 * @category models
 * @since 0.2.0
 */
export interface KvCell {
  readonly value: string
  readonly hash: number
}

/**
 * The whole store, for the unpartitioned {@link kv} model: a cell per key written, and the XOR of the keys' mixed
 * cell hashes.
 *
 * @category models
 * @since 0.2.0
 */
export interface KvStore {
  readonly cells: ReadonlyMap<string, KvCell>
  readonly hash: number
}

const kvValue = (v: unknown): string => (v === null || v === undefined ? "" : String(v))

const rolling = (h: number, text: string): number => {
  let x = h
  for (let i = 0; i < text.length; i++) x = (Math.imul(x, 31) + text.charCodeAt(i)) | 0
  return x
}

const EMPTY: KvCell = { value: "", hash: 0 }

const kvNext = (cell: KvCell, op: History.Operation): KvCell => {
  const v = kvValue(op.value)
  return op.f === "put" ? { value: v, hash: rolling(0, v) } : { value: cell.value + v, hash: rolling(cell.hash, v) }
}

const cellEquals = (a: KvCell, b: KvCell) => a === b || (a.hash === b.hash && a.value === b.value)

const keyMix = (key: string, cell: KvCell) => Math.imul(rolling(0x2545f491, key) ^ cell.hash, 0x9e3779b1)

const kvValidate = (op: History.Operation): string | undefined =>
  op.f !== "get" && op.f !== "put" && op.f !== "append"
    ? `f must be get, put or append (got ${preview(op.f)})`
    : op.key === undefined
      ? `a ${op.f} needs a key`
      : undefined

const kvInclude = (op: History.Operation) => op.status === "ok" || (op.status === "info" && op.f !== "get")

/**
 * A key-value store: every key starts as the empty string; `put` replaces, `append` concatenates, `get` returns the
 * current value (`nil` reads as ""). Partitioned by key unless `{ partitioned: false }`.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * const byKey = Linearizability.kv()
 * const whole = Linearizability.kv({ partitioned: false })
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export function kv(options?: { readonly partitioned?: true }): Model<KvCell>
export function kv(options: { readonly partitioned: false }): Model<KvStore>
export function kv(options?: KvOptions): Model<KvCell> | Model<KvStore>
export function kv(options: KvOptions = {}): Model<KvCell> | Model<KvStore> {
  if (options.partitioned !== false) {
    const m: Model<KvCell> = {
      name: "kv",
      init: () => EMPTY,
      step: (cell, op) => (op.f === "get" ? (cell.value === kvValue(op.result) ? cell : ILLEGAL) : kvNext(cell, op)),
      partition: (op) => op.key ?? "",
      include: kvInclude,
      validate: kvValidate,
      equals: cellEquals,
      hash: (cell) => cell.hash,
      describe: (cell) => JSON.stringify(cell.value)
    }
    return m
  }
  const whole: Model<KvStore> = {
    name: "kv-unpartitioned",
    init: () => ({ cells: new Map(), hash: 0 }),
    step: (store, op) => {
      const key = op.key!
      const cur = store.cells.get(key) ?? EMPTY
      if (op.f === "get") return cur.value === kvValue(op.result) ? store : ILLEGAL
      const cell = kvNext(cur, op)
      const cells = new Map(store.cells)
      cells.set(key, cell)
      return { cells, hash: store.hash ^ (cur === EMPTY ? 0 : keyMix(key, cur)) ^ keyMix(key, cell) }
    },
    include: kvInclude,
    validate: kvValidate,
    equals: (a, b) => {
      if (a === b) return true
      if (a.hash !== b.hash || a.cells.size !== b.cells.size) return false
      for (const [k, v] of a.cells) {
        const w = b.cells.get(k)
        if (w === undefined || !cellEquals(v, w)) return false
      }
      return true
    },
    hash: (store) => store.hash,
    describe: (store) => JSON.stringify(Object.fromEntries([...store.cells].map(([k, c]) => [k, c.value])))
  }
  return whole
}

/**
 * `linearizable`, `not-linearizable`, or `unknown` (the time or step budget ran out first).
 *
 * @category models
 * @since 0.2.0
 */
export type Verdict = "linearizable" | "not-linearizable" | "unknown"

/**
 * Why a partition is not linearizable.
 *
 * @category models
 * @since 0.2.0
 */
export interface Evidence {
  readonly partition: string
  /** The longest linearizable prefix found, in linearization order. */
  readonly prefix: ReadonlyArray<History.Operation>
  /** The operation that cannot be placed after the prefix. */
  readonly blocked: History.Operation | undefined
  /** The model state after the prefix, and its text. */
  readonly state: unknown
  readonly stateText: string
  /** One sentence a person can check against the history. */
  readonly message: string
  /** Every operation of the partition (for timelines). */
  readonly operations: ReadonlyArray<History.Operation>
}

/**
 * The verdict of one partition.
 *
 * @category models
 * @since 0.2.0
 */
export interface PartitionResult {
  readonly partition: string
  readonly verdict: Verdict
  /** Operations the search had to place (after `include`). */
  readonly operations: number
  readonly ms: number
  /** For a linearizable partition: a linearization (operation indices). */
  readonly linearization?: ReadonlyArray<number>
  /** Longest linearizable prefix length reached (for `unknown` and `not-linearizable`). */
  readonly longestPrefix?: number
  readonly evidence?: Evidence
}

/**
 * The verdict of a history: `not-linearizable` if any partition is, else `unknown` if any is, else `linearizable`.
 *
 * @category models
 * @since 0.2.0
 */
export interface Result {
  readonly model: string
  readonly verdict: Verdict
  readonly operations: number
  readonly partitions: ReadonlyArray<PartitionResult>
  /** The evidence of the first partition that is not linearizable. */
  readonly evidence: Evidence | undefined
  /** The operations of the history (for renderers). */
  readonly history: ReadonlyArray<History.Operation>
  readonly ms: number
}

/**
 * Options of {@link check}.
 *
 * @category models
 * @since 0.2.0
 */
export interface CheckOptions {
  /** Time budget for the whole history (default none). When it runs out, unchecked partitions are `unknown`. */
  readonly timeout?: Duration.Input
  /** Step budget (search iterations) for the whole history: a deterministic alternative to `timeout`. */
  readonly maxSteps?: number
  /** Use the model's `partition` (default true). */
  readonly partition?: boolean
  /** Stop at the first partition that is not linearizable; later ones are reported `unknown`. Default false. */
  readonly failFast?: boolean
}

const fmtTime = (t: number) => (Number.isFinite(t) ? String(t) : "∞")

const describeOp = (op: History.Operation): string =>
  `#${op.index} (process ${preview(op.process)}, ${op.f}${op.key === undefined ? "" : ` ${preview(op.key)}`} ${preview(op.value)}` +
  `${op.status === "info" ? " → unknown" : ` → ${op.status} ${preview(op.result)}`}, call ${fmtTime(op.call)}, return ${fmtTime(op.return)})`

/**
 * Checks already-paired operations (see `History.operations`) against a model. Synchronous and CPU-bound; the
 * budget is read from `performance.now()` every 1024 search steps.
 *
 * @example
 * ```ts
 * import { History, Linearizability } from "@24h/core"
 * import { Effect } from "effect"
 *
 * declare const events: ReadonlyArray<History.Event>
 * const ops = Effect.runSync(History.operations(events))
 * Linearizability.checkOperations(Linearizability.kv(), ops, { timeout: "30 seconds" }).verdict
 * ```
 *
 * @category checking
 * @since 0.2.0
 */
export const checkOperations = <S, V>(
  model: Model<S, V>,
  history: ReadonlyArray<History.Operation<V>>,
  options: CheckOptions = {}
): Result => {
  const t0 = performance.now()
  const budget: Budget = {
    deadline: options.timeout === undefined ? Number.POSITIVE_INFINITY : t0 + Duration.toMillis(options.timeout),
    steps: options.maxSteps ?? Number.POSITIVE_INFINITY
  }
  const include = model.include ?? ((op: History.Operation<V>) => op.status !== "fail")
  const part = options.partition === false ? undefined : model.partition
  const groups = new Map<string, Array<History.Operation<V>>>()
  for (const op of history) {
    if (!include(op)) continue
    const key = part === undefined ? "" : part(op)
    let g = groups.get(key)
    if (g === undefined) {
      g = []
      groups.set(key, g)
    }
    g.push(op)
  }
  const describe = model.describe ?? describeJson
  const searchModel = { init: model.init(), step: model.step, equals: model.equals ?? Object.is, hash: model.hash }
  const partitions: Array<PartitionResult> = []
  let evidence: Evidence | undefined
  let stop = false
  for (const [key, ops] of groups) {
    const p0 = performance.now()
    if (stop || budget.steps <= 0 || p0 > budget.deadline) {
      partitions.push({ partition: key, verdict: "unknown", operations: ops.length, ms: 0, longestPrefix: 0 })
      continue
    }
    const r = search(searchModel, ops, budget)
    const ms = performance.now() - p0
    if (r._tag === "Ok") {
      partitions.push({
        partition: key,
        verdict: "linearizable",
        operations: ops.length,
        ms,
        linearization: r.order.map((i) => ops[i]!.index)
      })
      continue
    }
    if (r._tag === "Unknown") {
      partitions.push({
        partition: key,
        verdict: "unknown",
        operations: ops.length,
        ms,
        longestPrefix: r.prefix.length
      })
      continue
    }
    const prefix = r.prefix.map((i) => ops[i]! as History.Operation)
    const blocked = r.blocked === -1 ? undefined : (ops[r.blocked]! as History.Operation)
    const stateText = describe(r.state)
    const ev: Evidence = {
      partition: key,
      operations: ops as ReadonlyArray<History.Operation>,
      prefix,
      blocked,
      state: r.state,
      stateText,
      message:
        `${key === "" ? "" : `partition ${preview(key)}: `}operation ${blocked === undefined ? "?" : describeOp(blocked)} ` +
        `cannot be placed after the longest linearizable prefix (${prefix.length} of ${ops.length} operations` +
        `${prefix.length > 0 ? `, last ${describeOp(prefix[prefix.length - 1]!)}` : ""}); the ${model.name} then holds ${stateText}`
    }
    evidence ??= ev
    partitions.push({
      partition: key,
      verdict: "not-linearizable",
      operations: ops.length,
      ms,
      longestPrefix: prefix.length,
      evidence: ev
    })
    if (options.failFast === true) stop = true
  }
  const verdict: Verdict = partitions.some((p) => p.verdict === "not-linearizable")
    ? "not-linearizable"
    : partitions.some((p) => p.verdict === "unknown")
      ? "unknown"
      : "linearizable"
  return {
    model: model.name,
    verdict,
    operations: history.length,
    partitions,
    evidence,
    history: history as ReadonlyArray<History.Operation>,
    ms: performance.now() - t0
  }
}

/**
 * Pairs a history's events into operations, validates them against the model, and checks them.
 *
 * @example
 * ```ts
 * import { History, Linearizability } from "@24h/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const events = yield* History.readFile("runs/demo/results/history.jsonl")
 *   const result = yield* Linearizability.check(Linearizability.register(), events, { timeout: "30 seconds" })
 *   return Linearizability.toCheck(result)
 * })
 * ```
 *
 * @category checking
 * @since 0.2.0
 */
export const check = Effect.fn("Linearizability.check")(
  <S, V>(
    model: Model<S, V>,
    events: ReadonlyArray<History.Event<V>>,
    options: CheckOptions = {}
  ): Effect.Effect<Result, CoreError> =>
    Effect.flatMap(History.operations(events), (ops) => {
      if (model.validate !== undefined) {
        for (const op of ops) {
          const problem = model.validate(op)
          if (problem !== undefined) {
            return Effect.fail(
              coreError(
                "InvalidInput",
                `${model.name} model: operation ${op.index} (process ${preview(op.process)}): ${problem}`
              )
            )
          }
        }
      }
      return Effect.sync(() => checkOperations(model, ops, options))
    })
)

/**
 * A core `Check` from a result: `pass` when linearizable, `fail` with the evidence when not, `unknown` when the
 * budget ran out.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * declare const result: Linearizability.Result
 * Linearizability.toCheck(result, "accounts are linearizable").outcome
 * ```
 *
 * @category checking
 * @since 0.2.0
 */
export const toCheck = (result: Result, name = `history is linearizable (${result.model})`): Check.Check => {
  const parts = result.partitions
  const count = (v: Verdict) => parts.filter((p) => p.verdict === v).length
  const summary =
    `${result.operations} operations in ${parts.length} partition(s): ${count("linearizable")} linearizable, ` +
    `${count("not-linearizable")} not, ${count("unknown")} unknown`
  if (result.verdict === "linearizable") return Check.pass(name, summary, { source: "linearizability" })
  if (result.verdict === "unknown") {
    return Check.unknown(name, `${summary} (the time or step budget ran out, or failFast stopped early)`, {
      source: "linearizability",
      evidence: parts.filter((p) => p.verdict === "unknown").map((p) => `partition ${preview(p.partition)}: unknown`)
    })
  }
  return Check.fail(name, result.evidence?.message ?? summary, {
    source: "linearizability",
    evidence: [
      summary,
      ...parts.flatMap((p) => (p.evidence === undefined ? [] : [p.evidence.message])),
      ...(result.evidence === undefined
        ? []
        : [`longest linearizable prefix: ${result.evidence.prefix.map((o) => `#${o.index}`).join(" ")}`])
    ]
  })
}

// ── timelines ────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * What the HTML report draws for a history that is not linearizable: the operations of the failing partition around
 * the operation that cannot be placed, each with its role — in the longest linearizable `prefix` (with its position
 * `order`), the `blocked` one, or `other`. Written to `<run>/results/linearizability/<name>.json` by
 * {@link writeTimeline}.
 *
 * @category timelines
 * @since 0.2.0
 */
export const Timeline = z.object({
  schemaVersion: z.literal(1),
  name: z.string().min(1),
  model: z.string(),
  verdict: z.enum(["linearizable", "not-linearizable", "unknown"]),
  partition: z.string(),
  message: z.string(),
  stateText: z.string(),
  /** The time window drawn (the history's own time unit). */
  start: z.number(),
  end: z.number(),
  /** Operations of the partition left out of the window. */
  omitted: z.number().int().nonnegative(),
  operations: z.array(
    z.object({
      index: z.number().int(),
      process: z.union([z.number(), z.string()]),
      f: z.string(),
      key: z.string().optional(),
      value: z.unknown(),
      result: z.unknown(),
      status: z.enum(["ok", "fail", "info"]),
      call: z.number(),
      /** `null`: unknown outcome (returns at +∞). */
      return: z.number().nullable(),
      role: z.enum(["prefix", "blocked", "other"]),
      order: z.number().int().optional()
    })
  )
})
/**
 * A timeline of a violation.
 *
 * @category timelines
 * @since 0.2.0
 */
export type Timeline = z.infer<typeof Timeline>

/**
 * The timeline of a result's first violation (`undefined` when it has none): the operations of the failing
 * partition that overlap the last `focus` (default 8) operations of the longest prefix and the blocked one, at most
 * `maxOperations` (default 60) of them, nearest the blocked one first.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * declare const result: Linearizability.Result
 * const t = Linearizability.timeline(result, "account histories")
 * t?.operations.filter((o) => o.role === "blocked").length // 1
 * ```
 *
 * @category timelines
 * @since 0.2.0
 */
export const timeline = (
  result: Result,
  name: string,
  options: { readonly focus?: number; readonly maxOperations?: number } = {}
): Timeline | undefined => {
  const ev = result.evidence
  if (ev === undefined) return undefined
  const focus = [...ev.prefix.slice(-(options.focus ?? 8)), ...(ev.blocked === undefined ? [] : [ev.blocked])]
  const finite = (t: number) => Number.isFinite(t)
  let start = Math.min(...focus.map((o) => o.call))
  let end = Math.max(...focus.flatMap((o) => (finite(o.return) ? [o.return] : [o.call])))
  if (!Number.isFinite(start)) start = 0
  if (!(end > start)) end = start + 1
  const order = new Map(ev.prefix.map((o, i) => [o.index, i]))
  const pivot = ev.blocked?.call ?? end
  const inWindow = ev.operations
    .filter((o) => o.call <= end && (!finite(o.return) || o.return >= start))
    .sort((a, b) => Math.abs(a.call - pivot) - Math.abs(b.call - pivot))
    .slice(0, options.maxOperations ?? 60)
    .sort((a, b) => a.call - b.call)
  return {
    schemaVersion: 1,
    name,
    model: result.model,
    verdict: result.verdict,
    partition: ev.partition,
    message: ev.message,
    stateText: ev.stateText,
    start,
    end,
    omitted: ev.operations.length - inWindow.length,
    operations: inWindow.map((o) => {
      const pos = order.get(o.index)
      return {
        index: o.index,
        process: o.process,
        f: o.f,
        ...(o.key === undefined ? {} : { key: o.key }),
        value: o.value ?? null,
        result: o.result ?? null,
        status: o.status,
        call: o.call,
        return: finite(o.return) ? o.return : null,
        role:
          o.index === ev.blocked?.index
            ? ("blocked" as const)
            : pos === undefined
              ? ("other" as const)
              : ("prefix" as const),
        ...(pos === undefined ? {} : { order: pos })
      }
    })
  }
}

/**
 * Writes the timeline of a result's first violation as JSON (nothing when the result has none), for the HTML
 * report: by convention `<run>/results/linearizability/<name>.json`.
 *
 * @example
 * ```ts
 * import { Linearizability } from "@24h/core"
 * declare const result: Linearizability.Result
 * Linearizability.writeTimeline(result, "accounts", "runs/bank/latest/results/linearizability/accounts.json")
 * ```
 *
 * @category timelines
 * @since 0.2.0
 */
export const writeTimeline = Effect.fn("Linearizability.writeTimeline")(
  (result: Result, name: string, file: string): Effect.Effect<boolean, CoreError> =>
    Effect.suspend(() => {
      const t = timeline(result, name)
      if (t === undefined) return Effect.succeed(false)
      return Effect.tryPromise({
        try: async () => {
          await mkdir(dirname(file), { recursive: true })
          await writeFile(file, JSON.stringify(t, null, 2) + "\n")
          return true
        },
        catch: (e) =>
          coreError("Io", `Linearizability.writeTimeline: cannot write ${file} (${(e as Error).message})`, e)
      })
    })
)
