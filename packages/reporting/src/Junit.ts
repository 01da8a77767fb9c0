/**
 * Pipeline, threshold and invariant verdicts as JUnit XML, for CI dashboards. One `<testsuite>` per pipeline;
 * inside it one `<testcase>` for the pipeline body, one per threshold and one per invariant. A threshold that
 * failed or an invariant that was violated or never hit is a `<failure>`; a body that crashed or a threshold
 * with no data is an `<error>` — the two are kept apart, as JUnit consumers expect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Junit } from "@24h/reporting"
 *
 * const written = Junit.write("runs/payments-01/latest") // results/junit.xml
 * ```
 *
 * @since 0.1.0
 */
import { join, resolve } from "node:path"
import { type CoreError, Pipeline, Run } from "@24h/core"
import { Effect } from "effect"
import { xml } from "./internal/escape.ts"
import { write as writeFile } from "./internal/fs.ts"
import { type ReportingError, reportingError } from "./ReportingError.ts"

interface Case {
  readonly name: string
  readonly classname: string
  readonly time: number
  readonly outcome: {
    readonly kind: "failure" | "error"
    readonly type: string
    readonly message: string
    readonly text: string
  } | null
}

/**
 * Totals of a JUnit document.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/reporting"
 * declare const t: Junit.Totals
 * t.failures + t.errors === 0
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface Totals {
  readonly suites: number
  readonly tests: number
  readonly failures: number
  readonly errors: number
}

/**
 * How each invariant kind reads in a test name, so the name says what is asserted: an `unreachable` invariant named
 * "secret leaked" passes when the secret never leaked, and reads "never — secret leaked", not "secret leaked".
 */
const KIND_WORDS: Readonly<Record<string, string>> = {
  always: "always",
  alwaysOrUnreachable: "always, when reached",
  sometimes: "sometimes",
  reachable: "reached",
  unreachable: "never"
}

const casesOf = (r: Pipeline.Result): Array<Case> => {
  const cls = `${r.kind}.${r.name}`
  const cases: Array<Case> = [
    {
      name: "pipeline",
      classname: cls,
      time: r.durationMs / 1000,
      outcome:
        r.error !== undefined
          ? { kind: "error", type: "PipelineError", message: r.error.split("\n", 1)[0]!, text: r.error }
          : null
    }
  ]
  for (const t of r.thresholds)
    cases.push({
      name: `threshold: ${t.expression}`,
      classname: `${cls}.thresholds`,
      time: 0,
      outcome:
        t.verdict === "pass"
          ? null
          : {
              kind: t.verdict === "fail" ? "failure" : "error",
              type: `Threshold${t.verdict === "fail" ? "Failed" : "NoData"}`,
              message: t.message,
              text: t.message
            }
    })
  for (const e of r.invariants.entries)
    cases.push({
      name: `invariant: ${KIND_WORDS[e.kind] ?? e.kind} — ${e.name}`,
      classname: `${cls}.invariants`,
      time: 0,
      outcome:
        e.verdict === "pass"
          ? null
          : {
              kind: "failure",
              type: e.verdict === "violated" ? "InvariantViolated" : "InvariantNeverHit",
              message: `[${e.kind}] ${e.name}: ${e.message}`,
              text: [
                `[${e.kind}] ${e.name}: ${e.message} (hits ${e.hits}, true ${e.trues}, false ${e.falses})`,
                ...e.examples.map((x) => `at ${x.at}: ${JSON.stringify(x.details)}`)
              ].join("\n")
            }
    })
  // Repeated cases (`Repeat.toCheck`): a flaky one fails as `Flaky`, so CI shows it as such.
  for (const c of r.checks.filter((x) => x.source === "repeat")) {
    const flaky = c.evidence?.includes("classification: flaky") === true
    cases.push({
      name: `repeat: ${c.name}`,
      classname: `${cls}.repeats`,
      time: 0,
      outcome:
        c.outcome === "pass"
          ? null
          : {
              kind: "failure",
              type: flaky ? "Flaky" : "RepeatFailed",
              message: c.message,
              text: [c.message, ...(c.evidence ?? [])].join("\n")
            }
    })
  }
  return cases
}

/**
 * Renders pipeline results as a JUnit XML document (deterministic: times and timestamps come from the results).
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/reporting"
 * import type { Pipeline } from "@24h/core"
 * declare const results: ReadonlyArray<Pipeline.Result>
 * const { xml, totals } = Junit.render(results, { name: "payments-01" })
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const render = (
  results: ReadonlyArray<Pipeline.Result>,
  options: { readonly name?: string } = {}
): { readonly xml: string; readonly totals: Totals } => {
  const suites = results.map((r) => ({ r, cases: casesOf(r) }))
  const count = (cs: ReadonlyArray<Case>, kind: "failure" | "error") =>
    cs.filter((c) => c.outcome?.kind === kind).length
  const all = suites.flatMap((s) => s.cases)
  const totals: Totals = {
    suites: suites.length,
    tests: all.length,
    failures: count(all, "failure"),
    errors: count(all, "error")
  }
  const time = (results.reduce((s, r) => s + r.durationMs, 0) / 1000).toFixed(3)
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  out.push(
    `<testsuites name="${xml(options.name ?? "24h")}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${time}">`
  )
  for (const { r, cases } of suites) {
    out.push(
      `  <testsuite name="${xml(`${r.kind}/${r.name}`)}" tests="${cases.length}" failures="${count(cases, "failure")}" errors="${count(cases, "error")}" skipped="0" time="${(r.durationMs / 1000).toFixed(3)}" timestamp="${xml(r.startedAt.replace(/Z$/, ""))}">`
    )
    out.push("    <properties>")
    out.push(`      <property name="verdict" value="${xml(r.verdict)}"/>`)
    out.push(`      <property name="requests" value="${r.requests}"/>`)
    out.push(`      <property name="errors" value="${r.errors}"/>`)
    if (r.runId !== undefined) out.push(`      <property name="runId" value="${xml(r.runId)}"/>`)
    if (r.seed !== undefined) out.push(`      <property name="seed" value="${xml(r.seed)}"/>`)
    out.push("    </properties>")
    for (const c of cases) {
      const head = `    <testcase name="${xml(c.name)}" classname="${xml(c.classname)}" time="${c.time.toFixed(3)}"`
      if (c.outcome === null) out.push(`${head}/>`)
      else {
        out.push(`${head}>`)
        out.push(
          `      <${c.outcome.kind} message="${xml(c.outcome.message)}" type="${xml(c.outcome.type)}">${xml(c.outcome.text)}</${c.outcome.kind}>`
        )
        out.push("    </testcase>")
      }
    }
    out.push("  </testsuite>")
  }
  out.push("</testsuites>", "")
  return { xml: out.join("\n"), totals }
}

const fromCore = (e: CoreError): ReportingError =>
  reportingError(e.reason === "Io" ? "Io" : e.reason === "RunDirectory" ? "RunDirectory" : "InvalidInput", e.message, {
    cause: e
  })

/**
 * Reads a run's pipeline results and writes `results/junit.xml` (or `out`).
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/reporting"
 * Junit.write("runs/payments-01/latest", { out: "reports/junit.xml" })
 * ```
 *
 * @category persistence
 * @since 0.1.0
 */
export const write = (
  dir: string,
  options: { readonly out?: string; readonly name?: string } = {}
): Effect.Effect<{ readonly path: string; readonly totals: Totals }, ReportingError> =>
  Effect.gen(function* () {
    const run = yield* Run.open(dir).pipe(Effect.mapError(fromCore))
    const root = run.dir
    const results = yield* Pipeline.readAll(root).pipe(Effect.mapError(fromCore))
    const name = options.name ?? `${run.metadata.ENTRY_ID}/${run.metadata.runId}`
    const { xml: text, totals } = render(results, { name })
    const path = options.out === undefined ? join(root, "results", "junit.xml") : resolve(options.out)
    yield* writeFile(path, text, "Junit.write")
    return { path, totals }
  })
