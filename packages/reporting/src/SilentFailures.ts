/**
 * Silent-failure probes (Phase 4's playbook: golden diffs, state audits, metric checks, invariants, forced async
 * errors), each with an outcome and its evidence.
 *
 * Probes come from `<run>/results/silent-failures.json`:
 *
 * ```json
 * {
 *   "probes": [
 *     { "name": "ledger balance after retries", "pipeline": "chaos/db-flap", "method": "state audit",
 *       "outcome": "detected", "evidence": ["FND-002", "results/logs/run.log"], "details": "2 double debits" }
 *   ]
 * }
 * ```
 *
 * and from pipeline notes that start with `silent-failure:` (`rec.note("silent-failure: cache served stale
 * prices")`), which become probes with outcome `noted` citing the pipeline's result file.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 *
 * const probes = SilentFailures.make({
 *   probes: [{ name: "golden diff of invoices", method: "golden diff", outcome: "clean", evidence: ["results/diff.txt"] }]
 * })
 * ```
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { Pipeline } from "@24h/core"
import { Effect, Result } from "effect"
import { z } from "zod"
import { resolve } from "./internal/citations.ts"
import { md } from "./internal/escape.ts"
import { readJsonOptional, validate, write as writeFile } from "./internal/fs.ts"
import { type ReportingError, reportingError } from "./ReportingError.ts"

/**
 * What a probe found: `detected` (a silent failure, with evidence), `clean` (checked, nothing wrong),
 * `inconclusive`, or `noted` (a pipeline note).
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.Outcome.options // ["detected", "clean", "inconclusive", "noted"]
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Outcome = z.enum(["detected", "clean", "inconclusive", "noted"])
/**
 * The type of a validated `Outcome` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { SilentFailures } from "@24h/reporting"
 * declare const value: SilentFailures.Outcome
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome = z.infer<typeof Outcome>

/**
 * One probe.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.Probe.parse({ name: "counter moved", method: "metric check", outcome: "clean" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Probe = z.strictObject({
  name: z.string().trim().min(1, "must not be empty").max(500),
  pipeline: z.string().max(500).optional(),
  method: z.string().trim().min(1, "must not be empty").max(200),
  outcome: Outcome,
  evidence: z.array(z.string().min(1).max(1000)).max(100).default([]),
  details: z.string().max(10_000).optional()
})
/**
 * The type of a validated `Probe` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { SilentFailures } from "@24h/reporting"
 * declare const value: SilentFailures.Probe
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Probe = z.infer<typeof Probe>

/**
 * The file's content.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.SilentFailures.parse({ probes: [] })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const SilentFailures = z.strictObject({ probes: z.array(Probe).max(10_000) })
/**
 * The type of a validated `SilentFailures` (one name serves the schema and its type).
 *
 * @example
 * ```ts
 * import type { SilentFailures } from "@24h/reporting"
 * declare const value: SilentFailures.SilentFailures
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type SilentFailures = z.infer<typeof SilentFailures>

/**
 * Where a run keeps its probes.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.PATH // "results/silent-failures.json"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const PATH = "results/silent-failures.json"

/**
 * The prefix that turns a pipeline note into a probe.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.NOTE_PREFIX // "silent-failure:"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const NOTE_PREFIX = "silent-failure:"

/**
 * Validates probes.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.make({ probes: [{ name: "n", method: "golden diff", outcome: "clean" }] })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = Effect.fn("SilentFailures.make")(
  (input: z.input<typeof SilentFailures>): Effect.Effect<SilentFailures, ReportingError> =>
    validate(SilentFailures, input, "SilentFailures.make")
)

/**
 * Reads `<run>/results/silent-failures.json` (`undefined` when absent).
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.read("runs/payments-01/latest")
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const read = Effect.fn("SilentFailures.read")(
  (dir: string): Effect.Effect<SilentFailures | undefined, ReportingError> =>
    readJsonOptional(join(dir, PATH), SilentFailures, "SilentFailures.read")
)

/**
 * Writes `<run>/results/silent-failures.json` after validating it.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.write("runs/x/latest", { probes: [] })
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = Effect.fn("SilentFailures.write")(
  (dir: string, input: z.input<typeof SilentFailures>): Effect.Effect<string, ReportingError> =>
    Effect.flatMap(make(input), (p) =>
      writeFile(join(dir, PATH), `${JSON.stringify(p, null, 2)}\n`, "SilentFailures.write")
    )
)

/**
 * The result file a pipeline is written to, relative to the run directory (as `Pipeline.write` names it).
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * SilentFailures.resultPath({ kind: "chaos", name: "db flap" }) // "results/pipelines/chaos-db_flap.json"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const resultPath = (r: { readonly kind: string; readonly name: string }): string => Pipeline.pathOf(r)

/**
 * Probes from pipeline notes starting with {@link NOTE_PREFIX}.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * import type { Pipeline } from "@24h/core"
 * declare const results: ReadonlyArray<Pipeline.Result>
 * SilentFailures.fromNotes(results)
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromNotes = (results: ReadonlyArray<Pipeline.Result>): Array<Probe> =>
  results.flatMap((r) =>
    r.notes
      .filter((n) => n.toLowerCase().startsWith(NOTE_PREFIX))
      .map(
        (n): Probe => ({
          name: n.slice(NOTE_PREFIX.length).trim() || n,
          pipeline: `${r.kind}/${r.name}`,
          method: "pipeline note",
          outcome: "noted",
          evidence: [resultPath(r)]
        })
      )
  )

/**
 * Checks that every probe's evidence resolves (finding ids in the ledger, paths inside the run directory).
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * declare const probes: ReadonlyArray<SilentFailures.Probe>
 * SilentFailures.check(probes, { dir: "runs/x/latest", findingIds: new Set() })
 * ```
 *
 * @category validation
 * @since 0.1.0
 */
export const check = Effect.fn("SilentFailures.check")(
  (
    probes: ReadonlyArray<Probe>,
    against: { readonly dir: string; readonly findingIds: ReadonlySet<string> }
  ): Effect.Effect<void, ReportingError> =>
    Effect.gen(function* () {
      const issues: Array<{ field: string; message: string }> = []
      for (const [i, p] of probes.entries())
        for (const c of p.evidence) {
          const cited = yield* Effect.promise(() => resolve(c, against.dir, against.findingIds))
          if (Result.isFailure(cited))
            issues.push({
              field: `probes[${i}]`,
              message: `silent-failure probe ${JSON.stringify(p.name)} ${cited.failure}`
            })
        }
      if (issues.length > 0)
        return yield* Effect.fail(
          reportingError("UnknownCitation", issues.map((i) => i.message).join("; "), { issues })
        )
    })
)

/**
 * Renders probes as a Markdown table.
 *
 * @example
 * ```ts
 * import { SilentFailures } from "@24h/reporting"
 * declare const probes: ReadonlyArray<SilentFailures.Probe>
 * SilentFailures.renderMarkdown(probes)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const renderMarkdown = (probes: ReadonlyArray<Probe>): string =>
  probes.length === 0
    ? "No silent-failure probes recorded (add `results/silent-failures.json` or `silent-failure:` pipeline notes)."
    : [
        "| probe | pipeline | method | outcome | evidence |",
        "|---|---|---|---|---|",
        ...probes.map(
          (p) =>
            `| ${md(p.name)}${p.details === undefined ? "" : ` — ${md(p.details)}`} | ${md(p.pipeline ?? "-")} | ${md(p.method)} | ${p.outcome === "detected" ? "**detected**" : p.outcome} | ${p.evidence.length === 0 ? "-" : p.evidence.map(md).join(", ")} |`
        )
      ].join("\n")
