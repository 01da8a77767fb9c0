/**
 * JUnit XML, the one writer of 24h: a small model (a document of suites, each of test cases with an optional
 * failure or error, properties and times) and one serialiser that escapes through {@link Escape.xml}. Two sources map
 * onto it:
 *
 * - {@link fromFindings}: one `<testsuite>` per finding type, one `<testcase>` per finding; findings at or above a
 *   severity threshold are failures, the rest (and every `strength`) pass, so CI dashboards show the ledger.
 * - {@link fromPipelines}: one `<testsuite>` per pipeline, with one `<testcase>` for the pipeline body, one per
 *   threshold, invariant and repeated case. A threshold that failed, an invariant violated or never hit, a flaky or
 *   failed repeat is a `<failure>`; a body that crashed or a threshold with no data is an `<error>` — kept apart, as
 *   JUnit consumers expect. {@link write} does this for a run directory (`results/junit.xml`).
 *
 * ```
 * Document (testsuites: name, time?)
 * └─ Suite (testsuite: name, time?, timestamp?, properties?)
 *    └─ Case (testcase: name, classname, time) ─ outcome? (failure | error) ─ systemOut?
 * ```
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Junit, Ledger } from "@24h/findings"
 *
 * const findingsXml = Junit.fromFindings(await Effect.runPromise(Ledger.read(".")), { failOn: "high" }).xml
 * const written = Junit.write("runs/payments-01/latest") // results/junit.xml
 * ```
 *
 * @since 0.1.0
 */
import { join, resolve } from "node:path"
import { type CoreError, Pipeline, Run } from "@24h/core"
import { Effect } from "effect"
import { xmlAttribute as attr, xml } from "./Escape.ts"
import { type Finding, FindingType, type Severity, severityRank } from "./Finding.ts"
import { type FindingsError, findingsError } from "./FindingsError.ts"
import { writeAtomic } from "./internal/store.ts"

/**
 * A `<failure>` (an assertion did not hold) or an `<error>` (the test could not run, or had no data).
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const o: Junit.Outcome = { kind: "failure", type: "ThresholdFailed", message: "p99 < 250ms", text: "p99 was 311ms" }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Outcome {
  readonly kind: "failure" | "error"
  /** The `type` attribute (`ThresholdFailed`, `Flaky`, a severity…). */
  readonly type: string
  /** The `message` attribute: one line. */
  readonly message: string
  /** The element's text: the details. */
  readonly text: string
}

/**
 * A `<testcase>`: passed unless it has an {@link Outcome}.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const c: Junit.Case = { name: "pipeline", classname: "chaos.db-flap", time: 3 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Case {
  readonly name: string
  readonly classname: string
  /** Seconds. */
  readonly time: number
  readonly outcome?: Outcome
  /** A `<system-out>` block (after the outcome, when both are given). */
  readonly systemOut?: string
}

/**
 * A `<property>` of a suite.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const p: Junit.Property = { name: "seed", value: "42" }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Property {
  readonly name: string
  readonly value: string | number
}

/**
 * A `<testsuite>`; `time`, `timestamp` and `properties` are written only when given.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const s: Junit.Suite = { name: "chaos/db-flap", time: 3, cases: [{ name: "pipeline", classname: "chaos.db-flap", time: 3 }] }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Suite {
  readonly name: string
  readonly cases: ReadonlyArray<Case>
  /** Seconds. */
  readonly time?: number
  /** ISO 8601 without a zone designator, as the JUnit schema has it (`2026-11-24T10:00:00.000`). */
  readonly timestamp?: string
  readonly properties?: ReadonlyArray<Property>
}

/**
 * How a document is laid out: the digits of every `time` (default 3) and whether `classname` comes before `name` in
 * a `<testcase>` (default `false`). The findings export keeps the layout of its first files (`time="0"`,
 * `classname` first), so a CI job comparing them sees no change.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const layout: Junit.Layout = { timeDigits: 0, classnameFirst: true }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Layout {
  readonly timeDigits?: number
  readonly classnameFirst?: boolean
}

/**
 * A whole JUnit document (`<testsuites>`); `time` is written only when given.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * const doc: Junit.Document = { name: "nightly", suites: [] }
 * Junit.toXml(doc)
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Document {
  readonly name: string
  readonly suites: ReadonlyArray<Suite>
  /** Seconds. */
  readonly time?: number
  readonly layout?: Layout
}

/**
 * Totals of a JUnit document.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
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
 * What {@link fromFindings} and {@link fromPipelines} return: the model, its XML and its totals.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * const { xml, totals } = Junit.fromFindings([])
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Rendered {
  readonly document: Document
  readonly xml: string
  readonly totals: Totals
}

const count = (cases: ReadonlyArray<Case>, kind: Outcome["kind"]): number =>
  cases.reduce((n, c) => (c.outcome?.kind === kind ? n + 1 : n), 0)

/**
 * Counts the suites, cases, failures and errors of a document.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * Junit.totals({ name: "x", suites: [] }) // { suites: 0, tests: 0, failures: 0, errors: 0 }
 * ```
 *
 * @category rendering
 * @since 0.2.0
 */
export const totals = (doc: Document): Totals => {
  const all = doc.suites.flatMap((s) => s.cases)
  return { suites: doc.suites.length, tests: all.length, failures: count(all, "failure"), errors: count(all, "error") }
}

/**
 * Serialises a document as JUnit XML — the one serialiser: every name, message, text and property goes through
 * {@link Escape.xml} (attributes through {@link Escape.xmlAttribute}, which keeps line breaks), so markup in a title
 * stays text and characters XML cannot carry show as U+FFFD.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * Junit.toXml({
 *   name: "smoke",
 *   suites: [{ name: "api", cases: [{ name: "GET /health", classname: "api", time: 0.012 }] }]
 * })
 * ```
 *
 * @category rendering
 * @since 0.2.0
 */
export const toXml = (doc: Document): string => {
  const digits = doc.layout?.timeDigits ?? 3
  const time = (seconds: number | undefined): string =>
    seconds === undefined ? "" : ` time="${seconds.toFixed(digits)}"`
  const t = totals(doc)
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(doc.name)}" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}"${time(doc.time)}>`
  ]
  for (const s of doc.suites) {
    const timestamp = s.timestamp === undefined ? "" : ` timestamp="${attr(s.timestamp)}"`
    out.push(
      `  <testsuite name="${attr(s.name)}" tests="${s.cases.length}" failures="${count(s.cases, "failure")}" errors="${count(s.cases, "error")}" skipped="0"${time(s.time)}${timestamp}>`
    )
    if (s.properties !== undefined) {
      out.push("    <properties>")
      for (const p of s.properties) out.push(`      <property name="${attr(p.name)}" value="${attr(p.value)}"/>`)
      out.push("    </properties>")
    }
    for (const c of s.cases) {
      const names =
        doc.layout?.classnameFirst === true
          ? `classname="${attr(c.classname)}" name="${attr(c.name)}"`
          : `name="${attr(c.name)}" classname="${attr(c.classname)}"`
      const head = `    <testcase ${names}${time(c.time)}`
      if (c.outcome === undefined && c.systemOut === undefined) {
        out.push(`${head}/>`)
        continue
      }
      out.push(`${head}>`)
      const o = c.outcome
      if (o !== undefined)
        out.push(`      <${o.kind} message="${attr(o.message)}" type="${attr(o.type)}">${xml(o.text)}</${o.kind}>`)
      if (c.systemOut !== undefined) out.push(`      <system-out>${xml(c.systemOut)}</system-out>`)
      out.push("    </testcase>")
    }
    out.push("  </testsuite>")
  }
  out.push("</testsuites>", "")
  return out.join("\n")
}

const rendered = (document: Document): Rendered => ({ document, xml: toXml(document), totals: totals(document) })

/**
 * Escapes text for XML — {@link Escape.xml}, kept under its first name.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * Junit.escapeXml("<a & b>") // "&lt;a &amp; b&gt;" (the one XML escaper, Escape.xml)
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const escapeXml = (s: string): string => xml(s)

// ── findings ─────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Options of {@link fromFindings}.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * const options: Junit.JunitOptions = { failOn: "high", name: "nightly findings" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface JunitOptions {
  /** The least severe severity that fails (default `"medium"`: critical, high and medium fail). */
  readonly failOn?: Severity
  /** The `<testsuites name>` (default `"24h findings"`). */
  readonly name?: string
}

const body = (f: Finding): string =>
  [
    f.description,
    f.reproduction !== "" ? `Reproduction: ${f.reproduction}` : "",
    f.expected_behavior !== "" ? `Expected: ${f.expected_behavior}` : "",
    f.actual_behavior !== "" ? `Actual: ${f.actual_behavior}` : "",
    ...f.evidence.map((e) => `Evidence: ${e}`),
    f.replay?.command !== undefined ? `Replay: ${f.replay.command}` : ""
  ]
    .filter((s) => s !== "")
    .join("\n")

/**
 * Findings as JUnit: one suite per finding type (in the schema's order), one case per finding. A finding at or above
 * `failOn` (default `medium`) is a failure whose type is its severity; the others, and every `strength`, pass with
 * their text in `<system-out>`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Junit, Ledger } from "@24h/findings"
 * const { xml, totals } = Junit.fromFindings(await Effect.runPromise(Ledger.read(".")), { failOn: "high" })
 * ```
 *
 * @category rendering
 * @since 0.2.0
 */
export const fromFindings = (findings: ReadonlyArray<Finding>, options: JunitOptions = {}): Rendered => {
  const failOn = severityRank(options.failOn ?? "medium")
  const fails = (f: Finding): boolean => f.type !== "strength" && severityRank(f.severity) <= failOn
  const caseOf = (f: Finding): Case => {
    const head = { name: `${f.id} ${f.title}`, classname: `24h.${f.type}.${f.component}`, time: 0 }
    return fails(f)
      ? {
          ...head,
          outcome: { kind: "failure", type: f.severity, message: `[${f.severity}] ${f.title}`, text: body(f) }
        }
      : { ...head, systemOut: `[${f.severity}] ${body(f)}` }
  }
  const suites = FindingType.options
    .map((t) => ({ name: t, cases: findings.filter((f) => f.type === t).map(caseOf) }))
    .filter((s) => s.cases.length > 0)
  return rendered({
    name: options.name ?? "24h findings",
    suites,
    layout: { timeDigits: 0, classnameFirst: true }
  })
}

/**
 * Findings as a JUnit XML string — `fromFindings(findings, options).xml`, kept for the callers of 0.1.0.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Junit, Ledger } from "@24h/findings"
 * const xml = Junit.toJunit(await Effect.runPromise(Ledger.read(".")), { failOn: "high" })
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const toJunit = (findings: ReadonlyArray<Finding>, options: JunitOptions = {}): string =>
  fromFindings(findings, options).xml

// ── pipelines ────────────────────────────────────────────────────────────────────────────────────────────────────

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

const pipelineCases = (r: Pipeline.Result): Array<Case> => {
  const cls = `${r.kind}.${r.name}`
  const cases: Array<Case> = [
    {
      name: "pipeline",
      classname: cls,
      time: r.durationMs / 1000,
      ...(r.error === undefined
        ? {}
        : { outcome: { kind: "error", type: "PipelineError", message: r.error.split("\n", 1)[0]!, text: r.error } })
    }
  ]
  for (const t of r.thresholds) {
    const head = { name: `threshold: ${t.expression}`, classname: `${cls}.thresholds`, time: 0 }
    cases.push(
      t.verdict === "pass"
        ? head
        : {
            ...head,
            outcome: {
              kind: t.verdict === "fail" ? "failure" : "error",
              type: `Threshold${t.verdict === "fail" ? "Failed" : "NoData"}`,
              message: t.message,
              text: t.message
            }
          }
    )
  }
  for (const e of r.invariants.entries) {
    const head = {
      name: `invariant: ${KIND_WORDS[e.kind] ?? e.kind} — ${e.name}`,
      classname: `${cls}.invariants`,
      time: 0
    }
    cases.push(
      e.verdict === "pass"
        ? head
        : {
            ...head,
            outcome: {
              kind: "failure",
              type: e.verdict === "violated" ? "InvariantViolated" : "InvariantNeverHit",
              message: `[${e.kind}] ${e.name}: ${e.message}`,
              text: [
                `[${e.kind}] ${e.name}: ${e.message} (hits ${e.hits}, true ${e.trues}, false ${e.falses})`,
                ...e.examples.map((x) => `at ${x.at}: ${JSON.stringify(x.details)}`)
              ].join("\n")
            }
          }
    )
  }
  // Repeated cases (`Repeat.toCheck`): a flaky one fails as `Flaky`, so CI shows it as such.
  for (const c of r.checks.filter((x) => x.source === "repeat")) {
    const head = { name: `repeat: ${c.name}`, classname: `${cls}.repeats`, time: 0 }
    const flaky = c.evidence?.includes("classification: flaky") === true
    cases.push(
      c.outcome === "pass"
        ? head
        : {
            ...head,
            outcome: {
              kind: "failure",
              type: flaky ? "Flaky" : "RepeatFailed",
              message: c.message,
              text: [c.message, ...(c.evidence ?? [])].join("\n")
            }
          }
    )
  }
  return cases
}

const pipelineSuite = (r: Pipeline.Result): Suite => ({
  name: `${r.kind}/${r.name}`,
  time: r.durationMs / 1000,
  timestamp: r.startedAt.replace(/Z$/, ""),
  properties: [
    { name: "verdict", value: r.verdict },
    { name: "requests", value: r.requests },
    { name: "errors", value: r.errors },
    ...(r.runId === undefined ? [] : [{ name: "runId", value: r.runId }]),
    ...(r.seed === undefined ? [] : [{ name: "seed", value: r.seed }])
  ],
  cases: pipelineCases(r)
})

/**
 * Options of {@link fromPipelines}.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const options: Junit.PipelinesOptions = { name: "payments-01/run-2026-11-24-01" }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface PipelinesOptions {
  /** The `<testsuites name>` (default `"24h"`). */
  readonly name?: string
}

/**
 * Pipeline results as JUnit (deterministic: times and timestamps come from the results). One suite per pipeline,
 * with its verdict, requests, errors, run id and seed as properties.
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * import type { Pipeline } from "@24h/core"
 * declare const results: ReadonlyArray<Pipeline.Result>
 * const { xml, totals } = Junit.fromPipelines(results, { name: "payments-01" })
 * ```
 *
 * @category rendering
 * @since 0.2.0
 */
export const fromPipelines = (results: ReadonlyArray<Pipeline.Result>, options: PipelinesOptions = {}): Rendered =>
  rendered({
    name: options.name ?? "24h",
    time: results.reduce((s, r) => s + r.durationMs, 0) / 1000,
    suites: results.map(pipelineSuite)
  })

/**
 * Options of {@link write}.
 *
 * @example
 * ```ts
 * import type { Junit } from "@24h/findings"
 * const options: Junit.WriteOptions = { out: "reports/junit.xml" }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface WriteOptions extends PipelinesOptions {
  /** Where to write (default `<run>/results/junit.xml`). */
  readonly out?: string
}

/**
 * Reads a run's pipeline results and writes them as JUnit to `results/junit.xml` (or `out`), atomically. The
 * document is named `<ENTRY_ID>/<runId>` unless `name` is given. Reading the run fails with core's `CoreError`
 * (`RunDirectory`, `InvalidInput`, `Io`); writing fails with `FindingsError { reason: "Io" }`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Junit } from "@24h/findings"
 * const { path, totals } = await Effect.runPromise(Junit.write("runs/payments-01/latest", { out: "reports/junit.xml" }))
 * ```
 *
 * @category persistence
 * @since 0.2.0
 */
export const write: (
  dir: string,
  options?: WriteOptions
) => Effect.Effect<{ readonly path: string; readonly totals: Totals }, CoreError | FindingsError> = Effect.fn(
  "Junit.write"
)(function* (dir: string, options: WriteOptions = {}) {
  const run = yield* Run.open(dir)
  const results = yield* Pipeline.readAll(run.dir)
  const { xml: text, totals } = fromPipelines(results, {
    name: options.name ?? `${run.metadata.ENTRY_ID}/${run.metadata.runId}`
  })
  const path = options.out === undefined ? join(run.dir, "results", "junit.xml") : resolve(options.out)
  yield* Effect.try({
    try: () => writeAtomic(path, text),
    catch: (cause) =>
      findingsError(
        "Io",
        `Junit.write: cannot write ${path} (${cause instanceof Error ? cause.message : String(cause)})`,
        {
          cause
        }
      )
  })
  return { path, totals }
})
