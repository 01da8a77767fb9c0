/**
 * JUnit XML export: one `<testsuite>` per finding type, one `<testcase>` per finding; findings at or above a
 * severity threshold are failures, the rest (and every `strength`) pass, so CI dashboards show the ledger.
 *
 * @since 0.1.0
 */
import { xml } from "./Escape.ts"
import { type Finding, FindingType, type Severity, severityRank } from "./Finding.ts"

/**
 * Options of {@link toJunit}.
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

/**
 * Escapes text for XML, dropping characters XML 1.0 cannot carry (control characters, lone surrogates).
 *
 * @example
 * ```ts
 * import { Junit } from "@24h/findings"
 * Junit.escapeXml("<a & b>") // "&lt;a &amp; b&gt;" (the one XML escaper, Escape.xml)
 * ```
 *
 * @category export
 * @since 0.1.0
 */
export const escapeXml = (s: string): string => xml(s)

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
 * Renders findings as JUnit XML.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Junit, Ledger } from "@24h/findings"
 * const xml = Junit.toJunit(await Effect.runPromise(Ledger.read(".")), { failOn: "high" })
 * ```
 *
 * @category export
 * @since 0.1.0
 */
export const toJunit = (findings: ReadonlyArray<Finding>, options: JunitOptions = {}): string => {
  const failOn = severityRank(options.failOn ?? "medium")
  const fails = (f: Finding): boolean => f.type !== "strength" && severityRank(f.severity) <= failOn
  const suites = FindingType.options
    .map((t) => ({ t, items: findings.filter((f) => f.type === t) }))
    .filter((s) => s.items.length > 0)
  const total = findings.length
  const failures = findings.filter(fails).length
  const out: Array<string> = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${escapeXml(options.name ?? "24h findings")}" tests="${total}" failures="${failures}" errors="0">`
  ]
  for (const { t, items } of suites) {
    out.push(
      `  <testsuite name="${escapeXml(t)}" tests="${items.length}" failures="${items.filter(fails).length}" errors="0" skipped="0">`
    )
    for (const f of items) {
      const open = `    <testcase classname="${escapeXml(`24h.${t}.${f.component}`)}" name="${escapeXml(`${f.id} ${f.title}`)}" time="0"`
      if (fails(f)) {
        out.push(`${open}>`)
        out.push(
          `      <failure message="${escapeXml(`[${f.severity}] ${f.title}`)}" type="${escapeXml(f.severity)}">${escapeXml(body(f))}</failure>`
        )
        out.push("    </testcase>")
      } else {
        out.push(`${open}>`)
        out.push(`      <system-out>${escapeXml(`[${f.severity}] ${body(f)}`)}</system-out>`)
        out.push("    </testcase>")
      }
    }
    out.push("  </testsuite>")
  }
  out.push("</testsuites>", "")
  return out.join("\n")
}
