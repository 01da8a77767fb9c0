/**
 * Findings from what a run judged: a failed pipeline, a violated invariant, a failed check (an audit, a mock
 * verdict) or a detected silent-failure probe become typed ledger inputs, with evidence paths, correlation ids and
 * the replay command — no payloads written by hand.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Pipeline } from "@24h/core"
 * import { FromRun, Ledger } from "@24h/findings"
 *
 * declare const results: ReadonlyArray<Pipeline.Result>
 * const context: FromRun.Context = { entryId: "checkout", agent: "ci", replay: "H24_SEED=42 npm start", seed: 42 }
 * const file = Effect.gen(function* () {
 *   const ledger = yield* Ledger.Ledger
 *   for (const input of FromRun.results(results, context)) yield* ledger.add(input)
 * })
 * ```
 *
 * @since 0.2.0
 */
import { type Check, type Invariant, Pipeline } from "@24h/core"
import type { FindingType, PayloadInput, Severity } from "./Finding.ts"
import type { AddInput } from "./Ledger.ts"

/**
 * What every finding of a run shares.
 *
 * @category models
 * @since 0.2.0
 */
export interface Context {
  readonly entryId: string
  readonly agent: string
  /** The command that replays the run (`H24_SEED=42 npm start`). */
  readonly replay: string
  readonly seed?: number | string
  /** The run directory, for `replay.run_dir` (evidence paths stay relative to it). */
  readonly runDir?: string
  readonly runId?: string
  readonly persona?: string
  /** The component findings are about. Default: the entry id. */
  readonly component?: string
}

const typeOfKind: Record<Pipeline.Kind, FindingType> = {
  baseline: "performance",
  stress: "performance",
  chaos: "reliability",
  adversarial: "security",
  recovery: "reliability"
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

const base = (ctx: Context, type: FindingType, payload: Omit<PayloadInput, "metadata" | "replay">): AddInput => ({
  type,
  entryId: ctx.entryId,
  agent: ctx.agent,
  payload: {
    ...payload,
    title: clip(payload.title, 300),
    metadata: { persona: ctx.persona ?? "", run: ctx.runId ?? "" },
    replay: {
      command: ctx.replay,
      ...(ctx.seed === undefined ? {} : { seed: ctx.seed }),
      ...(ctx.runDir === undefined ? {} : { run_dir: ctx.runDir })
    }
  } satisfies PayloadInput
})

const correlationIdsOf = (entry: Invariant.Entry): Array<string> =>
  entry.examples
    .map((e) => (e.details as { correlationId?: unknown } | null)?.correlationId)
    .filter((id): id is string => typeof id === "string")

/**
 * One finding for a check that failed in a pipeline. Its type is `silent_failure` for an `audit` (a success that did
 * the wrong thing), else the pipeline kind's type; override with `type`.
 *
 * @example
 * ```ts
 * import { Check, type Pipeline } from "@24h/core"
 * import { FromRun } from "@24h/findings"
 * declare const result: Pipeline.Result
 * const input = FromRun.check(result, Check.fail("every 201 has a charge", "2 without"), {
 *   entryId: "checkout", agent: "ci", replay: "npm start"
 * })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const check = (
  result: Pipeline.Result,
  c: Check.Check,
  ctx: Context,
  options: { readonly type?: FindingType; readonly severity?: Severity } = {}
): AddInput =>
  base(ctx, options.type ?? (c.source === "audit" ? "silent_failure" : typeOfKind[result.kind]), {
    severity: options.severity ?? (c.source === "audit" ? "high" : "medium"),
    title: `${result.kind} "${result.name}": ${c.name} — ${c.outcome}`,
    description: `In the ${result.kind} pipeline "${result.name}", the check "${c.name}" ${c.outcome === "fail" ? "failed" : "could not be decided"}: ${c.message}`,
    component: ctx.component ?? ctx.entryId,
    reproduction: `${ctx.replay}; see ${Pipeline.pathOf(result)}, check "${c.name}"`,
    expected_behavior: `"${c.name}" holds.`,
    actual_behavior: c.message,
    evidence: [Pipeline.pathOf(result), ...(c.evidence ?? [])],
    impact: `The ${result.kind} pipeline's verdict is ${result.verdict}.`,
    recommendation: `Reproduce with \`${ctx.replay}\`, then read the evidence of "${c.name}".`
  })

/**
 * One finding for a violated or never-hit invariant, with the correlation ids of its failing examples.
 *
 * @example
 * ```ts
 * import type { Pipeline } from "@24h/core"
 * import { FromRun } from "@24h/findings"
 * declare const result: Pipeline.Result
 * const inputs = result.invariants.entries
 *   .filter((e) => e.verdict !== "pass")
 *   .map((e) => FromRun.invariant(result, e, { entryId: "checkout", agent: "ci", replay: "npm start" }))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const invariant = (result: Pipeline.Result, entry: Invariant.Entry, ctx: Context): AddInput => {
  const ids = correlationIdsOf(entry)
  return base(ctx, typeOfKind[result.kind], {
    severity: entry.kind === "always" || entry.kind === "unreachable" ? "high" : "medium",
    title: `${result.kind} "${result.name}": invariant "${entry.name}" ${entry.verdict}`,
    description: `The ${entry.kind} invariant "${entry.name}" was ${entry.verdict} in the ${result.kind} pipeline "${result.name}": ${entry.message}`,
    component: ctx.component ?? ctx.entryId,
    reproduction: `${ctx.replay}; see ${Pipeline.invariantsPathOf(result)}`,
    expected_behavior: `"${entry.name}" (${entry.kind}) holds.`,
    actual_behavior: `${entry.message}${entry.examples[0] === undefined ? "" : ` — e.g. ${clip(JSON.stringify(entry.examples[0].details), 500)}`}`,
    evidence: [
      Pipeline.pathOf(result),
      Pipeline.invariantsPathOf(result),
      ...ids.slice(0, 20).map((id) => `results/logs/ (correlationId ${id})`)
    ],
    impact: `The ${result.kind} pipeline's verdict is ${result.verdict}.`,
    recommendation: `Follow the correlation ids through results/logs/ to the failing request.`
  })
}

/**
 * One finding for a pipeline's failed or erroring thresholds (or its error), or `undefined` when none failed.
 *
 * @example
 * ```ts
 * import type { Pipeline } from "@24h/core"
 * import { FromRun } from "@24h/findings"
 * declare const result: Pipeline.Result
 * const input = FromRun.thresholds(result, { entryId: "checkout", agent: "ci", replay: "npm start" })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const thresholds = (result: Pipeline.Result, ctx: Context): AddInput | undefined => {
  const failed = result.thresholds.filter((t) => t.verdict !== "pass")
  if (failed.length === 0 && result.error === undefined) return undefined
  const what =
    result.error !== undefined ? `error: ${result.error.split("\n")[0]}` : failed.map((t) => t.message).join("; ")
  return base(ctx, typeOfKind[result.kind], {
    severity: result.kind === "baseline" ? "high" : "medium",
    title: `${result.kind} "${result.name}": ${what}`,
    description: `The ${result.kind} pipeline "${result.name}" ended with verdict ${result.verdict}:\n${[
      ...failed.map((t) => `- ${t.message}`),
      ...(result.error === undefined ? [] : [`- ${result.error}`])
    ].join("\n")}`,
    component: ctx.component ?? ctx.entryId,
    reproduction: `${ctx.replay}; see ${Pipeline.pathOf(result)}`,
    expected_behavior: `Every threshold holds: ${result.thresholds.map((t) => t.expression).join(", ")}.`,
    actual_behavior: what,
    evidence: [Pipeline.pathOf(result)],
    impact: `The system misses its targets under ${result.kind} conditions.`,
    recommendation: "Compare the pipeline's windows with its fault windows in report.html to see when it degraded."
  })
}

/**
 * Every finding a set of results implies: failed thresholds, violated invariants and failed checks of each
 * pipeline that did not pass (deduplicated by the ledger's fingerprint on a rerun).
 *
 * @example
 * ```ts
 * import type { Pipeline } from "@24h/core"
 * import { FromRun } from "@24h/findings"
 * declare const results: ReadonlyArray<Pipeline.Result>
 * const inputs = FromRun.results(results, { entryId: "checkout", agent: "ci", replay: "npm start" })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const results = (all: ReadonlyArray<Pipeline.Result>, ctx: Context): Array<AddInput> =>
  all
    .filter((r) => r.verdict !== "pass")
    .flatMap((r) => [
      ...r.checks.filter((c) => c.outcome === "fail").map((c) => check(r, c, ctx)),
      ...r.invariants.entries.filter((e) => e.verdict !== "pass").map((e) => invariant(r, e, ctx)),
      ...[thresholds(r, ctx)].filter((x): x is AddInput => x !== undefined)
    ])

/**
 * A silent-failure probe that was detected.
 *
 * @category models
 * @since 0.2.0
 */
export interface Probe {
  readonly name: string
  /** What the system answered (e.g. `201 {"status":"charged"}`). */
  readonly observed: string
  readonly expected: string
  readonly correlationId?: string
  readonly evidence?: ReadonlyArray<string>
  readonly impact?: string
  readonly recommendation?: string
}

/**
 * A finding for a detected silent failure: the operation looked successful but did the wrong thing.
 *
 * @example
 * ```ts
 * import { FromRun } from "@24h/findings"
 * const input = FromRun.probe(
 *   { name: "malformed 200 body", observed: "201 charged, no chargeId", expected: "502", correlationId: "probe-1" },
 *   { entryId: "checkout", agent: "ci", replay: "npm start" }
 * )
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const probe = (p: Probe, ctx: Context): AddInput =>
  base(ctx, "silent_failure", {
    severity: "high",
    title: `silent failure: ${p.name}`,
    description: `The probe "${p.name}" observed ${p.observed}, where ${p.expected} was expected.`,
    component: ctx.component ?? ctx.entryId,
    reproduction: `${ctx.replay}; see the silent-failure probe "${p.name}"`,
    expected_behavior: p.expected,
    actual_behavior: p.observed,
    evidence: [
      "results/silent-failures.json",
      ...(p.correlationId === undefined ? [] : [`results/logs/run.log (correlationId ${p.correlationId})`]),
      ...(p.evidence ?? [])
    ],
    impact: p.impact ?? "A success is reported for an operation that did the wrong thing; nobody is alerted.",
    recommendation: p.recommendation ?? "Validate the upstream's answer before reporting success."
  })
