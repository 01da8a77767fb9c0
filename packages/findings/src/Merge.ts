/**
 * Ledger merge: the findings ledgers of a sharded run's shards, as one ledger. Findings are taken in a stable order
 * (shards in natural order, then by id), deduplicated by fingerprint (type, component, normalised title — see
 * `Fingerprint`), renumbered `FND-001`… without gaps, and each keeps where it was found as evidence lines
 * `source: shards/2 FND-004`. Everything else (`created_at`, `agent`, `entry_id`, replay) is kept, so merging the same
 * shards twice gives the same ledger, byte for byte.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge } from "@24h/findings"
 *
 * const merged = await Effect.runPromise(Merge.dirs(["runs/r1/shards/0", "runs/r1/shards/1"], { out: "runs/r1" }))
 * merged.findings.map((f) => f.id) // ["FND-001", "FND-002", …]
 * ```
 *
 * @since 0.2.0
 */
import { Clock, Effect, Layer } from "effect"
import type { Finding as FindingT } from "./Finding.ts"
import { formatId, MAX_EVIDENCE } from "./Finding.ts"
import { type FindingsError, findingsError } from "./FindingsError.ts"
import * as Fingerprint from "./Fingerprint.ts"
import * as Ledger from "./Ledger.ts"

/**
 * One input ledger: its findings and where they came from.
 *
 * @category models
 * @since 0.2.0
 */
export interface Source {
  readonly source: string
  readonly findings: ReadonlyArray<FindingT>
}

/**
 * What a merge gave: the merged findings, and how many inputs were folded into an earlier finding.
 *
 * @category models
 * @since 0.2.0
 */
export interface Merged {
  readonly findings: ReadonlyArray<FindingT>
  /** Input findings that were duplicates (by fingerprint) of one kept. */
  readonly duplicates: number
  /** Where the ledger was written, when it was. */
  readonly dir?: string
}

const SOURCE = /^source: /

/**
 * Merges ledgers in memory (pure): stable order, deduplicated by fingerprint, renumbered, sources as evidence.
 *
 * @example
 * ```ts
 * import { Merge } from "@24h/findings"
 * import type { Finding } from "@24h/findings"
 * declare const a: ReadonlyArray<Finding.Finding>
 * declare const b: ReadonlyArray<Finding.Finding>
 * const { findings, duplicates } = Merge.findings([{ source: "shards/0", findings: a }, { source: "shards/1", findings: b }])
 * ```
 *
 * @category combinators
 * @since 0.2.0
 */
export const findings = (sources: ReadonlyArray<Source>): Merged => {
  const sorted = [...sources].sort((a, b) => a.source.localeCompare(b.source, "en", { numeric: true }))
  const byFingerprint = new Map<string, { finding: FindingT; sources: Array<string> }>()
  let duplicates = 0
  for (const { source, findings: list } of sorted) {
    const inOrder = [...list].sort((a, b) => Number(a.id.slice(4)) - Number(b.id.slice(4)))
    for (const f of inOrder) {
      const fp = Fingerprint.of(f)
      // A finding merged before carries its own sources: keep them, so a merge of merges loses nothing.
      const own = f.evidence.filter((e) => SOURCE.test(e))
      const here = own.length > 0 ? own : [`source: ${source} ${f.id}`]
      const kept = byFingerprint.get(fp)
      if (kept === undefined) byFingerprint.set(fp, { finding: f, sources: [...here] })
      else {
        duplicates++
        for (const s of here) if (!kept.sources.includes(s)) kept.sources.push(s)
      }
    }
  }
  const out = [...byFingerprint.values()].map(({ finding, sources: from }, i): FindingT => {
    const evidence = [...finding.evidence.filter((e) => !SOURCE.test(e)), ...from].slice(0, MAX_EVIDENCE)
    return { ...finding, id: formatId(i + 1), evidence }
  })
  return { findings: out, duplicates }
}

/** Effect's clock, reading `ms` as the time (so a re-filed finding keeps its `created_at`). */
const clockAt = (base: Clock.Clock, ms: number): Clock.Clock => ({
  currentTimeMillisUnsafe: () => ms,
  currentTimeMillis: Effect.succeed(ms),
  currentTimeNanosUnsafe: () => BigInt(ms) * 1_000_000n,
  currentTimeNanos: Effect.succeed(BigInt(ms) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe(),
  monotonicTimeNanos: base.monotonicTimeNanos,
  sleep: (d) => base.sleep(d)
})

const same = (a: ReadonlyArray<FindingT>, b: ReadonlyArray<FindingT>) => JSON.stringify(a) === JSON.stringify(b)

/**
 * Files merged findings into the (file) ledger of `dir` through the public `Ledger` API, in order, each keeping its
 * `created_at`. A `dir` whose ledger already holds exactly these findings is left as it is (merging twice is a no-op);
 * one holding other findings fails with `FindingsError { reason: "Duplicate" }` and is not touched.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge } from "@24h/findings"
 * declare const merged: Merge.Merged
 * await Effect.runPromise(Merge.write("runs/r1", merged.findings))
 * ```
 *
 * @category persistence
 * @since 0.2.0
 */
export const write = Effect.fn("Merge.write")(
  (dir: string, merged: ReadonlyArray<FindingT>): Effect.Effect<string, FindingsError> =>
    Effect.gen(function* () {
      const existing = yield* Ledger.read(dir)
      if (same(existing, merged)) return dir
      if (existing.length > 0)
        return yield* Effect.fail(
          findingsError(
            "Duplicate",
            `Merge.write: ${dir} already holds a different ledger (${existing.length} findings); merge into an empty directory`
          )
        )
      const base = yield* Clock.Clock
      yield* Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        for (const f of merged) {
          const { id: _id, type, entry_id, agent, created_at, ...payload } = f
          yield* ledger
            .add({ type, entryId: entry_id, agent, payload, force: true })
            .pipe(Effect.provideService(Clock.Clock, clockAt(base, Date.parse(created_at))))
        }
      }).pipe(Effect.provide(Layer.fresh(Ledger.layerFile({ dir }))))
      return dir
    })
)

/**
 * Reads the ledgers of the given directories (shard directories; a directory without a ledger counts as empty),
 * merges them ({@link findings}; each source is `shards/<i>` for a `…/shards/<i>` directory, else the path) and,
 * with `out`, writes the result there ({@link write}).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Merge } from "@24h/findings"
 * const r = await Effect.runPromise(Merge.dirs(["runs/r1/shards/0", "runs/r1/shards/1"], { out: "runs/r1" }))
 * console.log(`${r.findings.length} findings, ${r.duplicates} duplicates folded`)
 * ```
 *
 * @category persistence
 * @since 0.2.0
 */
export const dirs = Effect.fn("Merge.dirs")(
  (given: ReadonlyArray<string>, options: { readonly out?: string } = {}): Effect.Effect<Merged, FindingsError> =>
    Effect.gen(function* () {
      const sources = yield* Effect.forEach(given, (d) =>
        Effect.map(Ledger.read(d), (list): Source => {
          const parts = d.replace(/\/+$/, "").split("/")
          return { source: parts.at(-2) === "shards" ? `shards/${parts.at(-1)}` : d, findings: list }
        })
      )
      const merged = findings(sources)
      if (options.out === undefined) return merged
      if (merged.findings.length === 0) return merged
      return { ...merged, dir: yield* write(options.out, merged.findings) }
    })
)
