/**
 * Merge: the results of a sharded (or repeated) run put back together, losslessly.
 *
 * - latency histograms are added bucket for bucket (HdrHistogram), so the merged p99 is the p99 of every request;
 * - requests, errors and counters are summed (counters named `…Ms`, durations such as `recoveryMs`, take the worst);
 * - windows are aligned by wall-clock time on a grid of the window width, then added;
 * - invariant tallies are summed: an `always` violated in any shard is violated, a `sometimes` true in any shard is
 *   hit;
 * - fault windows and checks are kept, each marked with its source;
 * - thresholds are evaluated again on the merged data, and the verdict is computed from them.
 *
 * The output depends only on the inputs (sorted by source), so merging the same shards twice gives identical bytes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge } from "@24h/core"
 *
 * const merged = await Effect.runPromise(Merge.dirs(["runs/r1/shards/0", "runs/r1/shards/1"], { out: "runs/r1" }))
 * for (const r of merged) console.log(r.kind, r.name, r.requests, r.latency.p99, r.verdict)
 * ```
 *
 * @since 0.2.0
 */
import { readdir, stat } from "node:fs/promises"
import { basename, join } from "node:path"
import { Effect } from "effect"
import * as Check from "./Check.ts"
import { type CoreError, coreError } from "./CoreError.ts"
import * as Histogram from "./Histogram.ts"
import * as Invariant from "./Invariant.ts"
import * as Pipeline from "./Pipeline.ts"
import * as Threshold from "./Threshold.ts"

/**
 * One input of {@link results}: a result and where it came from (`shards/2`, a directory, a repeat number).
 *
 * @category models
 * @since 0.2.0
 */
export interface Source {
  readonly source: string
  readonly result: Pipeline.Result
}

/**
 * Options of {@link results} and {@link dirs}.
 *
 * @category models
 * @since 0.2.0
 */
export interface Options {
  /** More threshold expressions, evaluated with the shards' own on the merged data. */
  readonly thresholds?: ReadonlyArray<string>
  /** Counters to add to the merged result (after summing), e.g. repeat statistics. */
  readonly counters?: Readonly<Record<string, number>>
  /** Width of the merged windows. Default: the widest window of the inputs (their `windowMs`). */
  readonly windowMs?: number
}

const ms = (iso: string) => Date.parse(iso)
const iso = (n: number) => new Date(n).toISOString()

/** Natural order of source labels: `shards/2` before `shards/10`. */
const bySource = (a: Source, b: Source): number =>
  a.source.localeCompare(b.source, "en", { numeric: true }) ||
  a.result.startedAt.localeCompare(b.result.startedAt) ||
  a.result.endedAt.localeCompare(b.result.endedAt)

/**
 * Adds encoded histograms into one, exactly (what a single process recording every value would hold).
 *
 * @example
 * ```ts
 * import { Histogram, Merge } from "@24h/core"
 * const a = Histogram.make()
 * Histogram.record(a, 10)
 * const b = Histogram.make()
 * Histogram.record(b, 20)
 * Histogram.count(Merge.histograms([Histogram.encode(a), Histogram.encode(b)])) // 2
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const histograms = (encoded: ReadonlyArray<Histogram.Encoded | string>): Histogram.Histogram => {
  const out = Histogram.make()
  for (const e of encoded) Histogram.addInto(out, Histogram.decode(e))
  return out
}

const entryOf = (kind: Invariant.Kind, hits: number, trues: number, falses: number) => {
  switch (kind) {
    case "always":
      return {
        verdict: hits === 0 ? ("never-hit" as const) : falses > 0 ? ("violated" as const) : ("pass" as const),
        message:
          hits === 0 ? "never reached" : falses > 0 ? `false ${falses} of ${hits} times` : `held all ${hits} times`
      }
    case "alwaysOrUnreachable":
      return {
        verdict: falses > 0 ? ("violated" as const) : ("pass" as const),
        message:
          hits === 0
            ? "never reached (allowed)"
            : falses > 0
              ? `false ${falses} of ${hits} times`
              : `held all ${hits} times`
      }
    case "sometimes":
      return {
        verdict: trues > 0 ? ("pass" as const) : ("never-hit" as const),
        message:
          trues > 0
            ? `true ${trues} of ${hits} times`
            : hits === 0
              ? "never reached"
              : `reached ${hits} times, never true`
      }
    case "reachable":
      return {
        verdict: hits > 0 ? ("pass" as const) : ("never-hit" as const),
        message: hits > 0 ? `reached ${hits} times` : "never reached"
      }
    case "unreachable":
      return {
        verdict: hits > 0 ? ("violated" as const) : ("pass" as const),
        message: hits > 0 ? `reached ${hits} times` : "never reached"
      }
  }
}

/**
 * Merges invariant summaries: tallies summed per assertion, the verdict recomputed from the sums (a violation
 * anywhere is a violation; a `sometimes` true anywhere is hit), up to 10 examples kept in time order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Invariant, Merge } from "@24h/core"
 * const a = Invariant.catalog()
 * a.sometimes("a retry happened").check(false)
 * const b = Invariant.catalog()
 * b.sometimes("a retry happened").check(true)
 * Effect.runSync(Merge.invariants([a.summary(), b.summary()])).passed // true
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const invariants = Effect.fn("Merge.invariants")(
  (summaries: ReadonlyArray<Invariant.Summary>): Effect.Effect<Invariant.Summary, CoreError> =>
    Effect.gen(function* () {
      const byName = new Map<string, Invariant.Entry & { examples: Array<Invariant.Entry["examples"][number]> }>()
      for (const s of summaries)
        for (const e of s.entries) {
          const acc = byName.get(e.name)
          if (acc === undefined) {
            byName.set(e.name, { ...e, examples: [...e.examples] })
            continue
          }
          if (acc.kind !== e.kind)
            return yield* Effect.fail(
              coreError(
                "InvalidInput",
                `Merge.invariants: "${e.name}" is ${acc.kind} in one input and ${e.kind} in another`
              )
            )
          acc.hits += e.hits
          acc.trues += e.trues
          acc.falses += e.falses
          acc.examples.push(...e.examples)
        }
      const entries = [...byName.values()].map((e): Invariant.Entry => {
        const { verdict, message } = entryOf(e.kind, e.hits, e.trues, e.falses)
        const examples = [...e.examples].sort((x, y) => x.at.localeCompare(y.at)).slice(0, 10)
        return {
          name: e.name,
          kind: e.kind,
          hits: e.hits,
          trues: e.trues,
          falses: e.falses,
          verdict,
          message,
          examples
        }
      })
      return Invariant.summarize(entries)
    })
)

const widthOf = (results: ReadonlyArray<Pipeline.Result>): number => {
  let width = 0
  for (const r of results) for (const w of r.windows) width = Math.max(width, ms(w.end) - ms(w.start))
  return width > 0 ? width : 1000
}

const mergeWindows = (results: ReadonlyArray<Pipeline.Result>, windowMs: number): Array<Pipeline.Window> => {
  const slots = new Map<number, { requests: number; errors: number; latency: Histogram.Histogram; end: number }>()
  for (const r of results)
    for (const w of r.windows) {
      const start = ms(w.start)
      const slot = Math.floor(start / windowMs) * windowMs
      let acc = slots.get(slot)
      if (acc === undefined) {
        acc = { requests: 0, errors: 0, latency: Histogram.make({ storage: "compact" }), end: slot }
        slots.set(slot, acc)
      }
      acc.requests += w.requests
      acc.errors += w.errors
      Histogram.addInto(acc.latency, Histogram.decode(w.latency))
      acc.end = Math.max(acc.end, Math.min(ms(w.end), slot + windowMs))
    }
  return [...slots.entries()]
    .sort(([a], [b]) => a - b)
    .map(([slot, w]) => ({
      start: iso(slot),
      end: iso(Math.max(w.end, slot)),
      requests: w.requests,
      errors: w.errors,
      latency: Histogram.encode(w.latency)
    }))
}

/**
 * Merges the results of one pipeline's shards into one result; see the module description for what is merged
 * how. Every input must be the same pipeline (kind and name). Fails with `CoreError { reason: "InvalidInput" }`
 * otherwise, or when there is no input.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge, Pipeline } from "@24h/core"
 * declare const shard0: Pipeline.Result
 * declare const shard1: Pipeline.Result
 * const merged = Effect.runSync(
 *   Merge.results([{ source: "shards/0", result: shard0 }, { source: "shards/1", result: shard1 }])
 * )
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const results = Effect.fn("Merge.results")(
  (inputs: ReadonlyArray<Source>, options: Options = {}): Effect.Effect<Pipeline.Result, CoreError> =>
    Effect.gen(function* () {
      if (inputs.length === 0)
        return yield* Effect.fail(coreError("InvalidInput", "Merge.results: nothing to merge (got 0 results)"))
      const sorted = [...inputs].sort(bySource)
      const first = sorted[0]!.result
      for (const { source, result } of sorted)
        if (result.kind !== first.kind || result.name !== first.name)
          return yield* Effect.fail(
            coreError(
              "InvalidInput",
              `Merge.results: ${source} holds ${result.kind}/${result.name}, not ${first.kind}/${first.name}; merge one pipeline at a time`
            )
          )
      const all = sorted.map((s) => s.result)
      const latency = histograms(all.map((r) => r.latency))
      const requests = all.reduce((n, r) => n + r.requests, 0)
      const errors = all.reduce((n, r) => n + r.errors, 0)
      const counts: Record<string, number> = {}
      for (const r of all)
        for (const [k, v] of Object.entries(r.counts))
          counts[k] = k in counts ? (/Ms$/.test(k) ? Math.max(counts[k]!, v) : counts[k]! + v) : v
      Object.assign(counts, options.counters)
      const startedAt = Math.min(...all.map((r) => ms(r.startedAt)))
      const endedAt = Math.max(...all.map((r) => ms(r.endedAt)))
      const expressions = [
        ...new Set([...all.flatMap((r) => r.thresholds.map((t) => t.expression)), ...(options.thresholds ?? [])])
      ]
      const parsed = yield* Effect.forEach(expressions, Threshold.parse)
      const thresholds = parsed.map((t) =>
        Threshold.evaluate(t, { latency, requests, errors, durationMs: endedAt - startedAt, counters: counts })
      )
      const inv = yield* invariants(all.map((r) => r.invariants))
      const checks = sorted.flatMap(({ source, result }) =>
        result.checks.map((c) => ({ ...c, evidence: [...(c.evidence ?? []), `source: ${source}`] }))
      )
      const faultWindows = sorted
        .flatMap(({ source, result }) => result.faultWindows.map((f) => ({ ...f, details: { ...f.details, source } })))
        .sort((a, b) => a.start.localeCompare(b.start) || a.name.localeCompare(b.name))
      const errorsText = sorted.flatMap(({ source, result }) =>
        result.error === undefined ? [] : [`${source}: ${result.error}`]
      )
      const checked = Check.combine(checks)
      const verdict: Pipeline.Verdict =
        errorsText.length > 0 || thresholds.some((v) => v.verdict === "error")
          ? "error"
          : thresholds.some((v) => v.verdict === "fail") || !inv.passed || checked === "fail"
            ? "fail"
            : checked === "unknown"
              ? "unknown"
              : "pass"
      const runIds = new Set(all.map((r) => r.runId))
      const seeds = new Set(all.map((r) => JSON.stringify(r.seed ?? null)))
      return {
        schemaVersion: 1,
        kind: first.kind,
        name: first.name,
        ...(runIds.size === 1 && first.runId !== undefined ? { runId: first.runId } : {}),
        ...(seeds.size === 1 && first.seed !== undefined ? { seed: first.seed } : {}),
        startedAt: iso(startedAt),
        endedAt: iso(endedAt),
        durationMs: endedAt - startedAt,
        verdict,
        ...(errorsText.length === 0 ? {} : { error: errorsText.join("\n") }),
        thresholds,
        invariants: inv,
        latency: Histogram.encode(latency),
        requests,
        errors,
        counts,
        windows: mergeWindows(all, options.windowMs ?? widthOf(all)),
        faultWindows,
        checks,
        notes: [
          `merged ${sorted.length} result${sorted.length === 1 ? "" : "s"}: ${sorted.map((s) => s.source).join(", ")}`,
          ...sorted.flatMap(({ source, result }) => result.notes.map((n) => `[${source}] ${n}`))
        ]
      }
    })
)

const isDir = (path: string) =>
  Effect.tryPromise({
    try: () =>
      stat(path).then(
        (s) => s.isDirectory(),
        (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? false : Promise.reject(e))
      ),
    catch: (cause) => coreError("Io", `Merge.dirs: cannot read ${path} (${String(cause)})`, cause)
  })

/**
 * The directories that hold shard results under the given ones: each given directory with `results/pipelines/`,
 * and each `shards/<i>/` of a given run directory, in natural order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge } from "@24h/core"
 * const dirs = await Effect.runPromise(Merge.shardDirs(["runs/r1"])) // ["runs/r1/shards/0", …]
 * ```
 *
 * @category persistence
 * @since 0.2.0
 */
export const shardDirs = Effect.fn("Merge.shardDirs")(
  (given: ReadonlyArray<string>): Effect.Effect<Array<string>, CoreError> =>
    Effect.gen(function* () {
      const out: Array<string> = []
      for (const d of given) {
        if (!(yield* isDir(d)))
          return yield* Effect.fail(coreError("InvalidInput", `Merge.dirs: ${d} is not a directory`))
        const shards = join(d, "shards")
        const hasShards = yield* Effect.tryPromise({
          try: () =>
            stat(shards).then(
              (s) => s.isDirectory(),
              () => false
            ),
          catch: (cause) => coreError("Io", `Merge.dirs: cannot read ${shards} (${String(cause)})`, cause)
        })
        if (hasShards) {
          const names = yield* Effect.tryPromise({
            try: () => readdir(shards),
            catch: (cause) => coreError("Io", `Merge.dirs: cannot list ${shards} (${String(cause)})`, cause)
          })
          for (const n of names.sort((a, b) => a.localeCompare(b, "en", { numeric: true })))
            if (yield* isDir(join(shards, n))) out.push(join(shards, n))
        } else out.push(d)
      }
      return out
    })
)

const label = (dir: string): string => {
  const parts = dir.replace(/\/+$/, "").split("/")
  return parts.length >= 2 && parts.at(-2) === "shards" ? `shards/${parts.at(-1)}` : basename(dir) || dir
}

/**
 * Reads every result under the given directories (shard directories, or run directories holding `shards/<i>/`),
 * merges each pipeline's results ({@link results}), and writes the merged ones to `out` when given
 * (`<out>/results/pipelines/*.json`). Resolves with the merged results in pipeline order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge, Pipeline } from "@24h/core"
 * const merged = await Effect.runPromise(Merge.dirs(["runs/r1"], { out: "runs/r1", thresholds: ["p99 < 250ms"] }))
 * process.exitCode = Pipeline.exitCode(merged)
 * ```
 *
 * @category persistence
 * @since 0.2.0
 */
export const dirs = Effect.fn("Merge.dirs")(
  (
    given: ReadonlyArray<string>,
    options: Options & { readonly out?: string } = {}
  ): Effect.Effect<Array<Pipeline.Result>, CoreError> =>
    Effect.gen(function* () {
      const found = yield* shardDirs(given)
      const groups = new Map<string, Array<Source>>()
      const labels = new Set<string>()
      for (const d of found) {
        let source = label(d)
        while (labels.has(source)) source = `${source}'`
        labels.add(source)
        for (const result of yield* Pipeline.readAll(d)) {
          const key = `${result.kind}\u0000${result.name}`
          const list = groups.get(key) ?? []
          list.push({ source, result })
          groups.set(key, list)
        }
      }
      if (groups.size === 0)
        return yield* Effect.fail(
          coreError(
            "InvalidInput",
            `Merge.dirs: no results/pipelines/*.json under ${found.join(", ") || given.join(", ")}`
          )
        )
      const merged = yield* Effect.forEach([...groups.values()], (g) => results(g, options))
      const order = Pipeline.Kind.options
      merged.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name))
      if (options.out !== undefined) {
        const out = options.out
        yield* Effect.forEach(
          merged,
          (r) =>
            Effect.andThen(
              Pipeline.write(out, r),
              r.invariants.entries.length === 0
                ? Effect.void
                : Invariant.write(r.invariants, join(out, Pipeline.invariantsPathOf(r)))
            ),
          { discard: true }
        )
      }
      return merged
    })
)
