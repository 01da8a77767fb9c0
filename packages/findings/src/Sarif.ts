/**
 * SARIF 2.1.0 export that GitHub code scanning accepts: one rule per finding type, every result anchored to a file
 * of the repository, stable `partialFingerprints`, and `security-severity` for security findings.
 *
 * Anchoring: a finding's `location` (the scenario or test file and line) when it has one; otherwise the finding's
 * own line in the ledger's `findings.json` (line `2 + index`), so runtime findings are never reported against an
 * `http://` URI, which code scanning rejects. `strength` findings are not problems and are left out.
 *
 * @since 0.1.0
 */
import type * as Sarif from "sarif"
import { type Finding, FindingType, type Severity } from "./Finding.ts"
import { fingerprintOf } from "./internal/fingerprint.ts"

/**
 * Options of {@link toSarif}.
 *
 * @example
 * ```ts
 * import { Sarif } from "@24h/findings"
 * const options: Sarif.SarifOptions = { ledgerPath: "runs/run-01/findings.json", category: "24h/run-01/" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface SarifOptions {
  /** The ledger's `findings.json`, relative to the repository root, used to anchor findings without a location (default `"findings.json"`). */
  readonly ledgerPath?: string
  /** The tool version recorded in `tool.driver.version` (default `"0.1.0"`). */
  readonly toolVersion?: string
  /** `runs[0].automationDetails.id`, e.g. `"24h/run-2026-11-24-01/"`, so GitHub keeps categories apart. */
  readonly category?: string
}

/**
 * The `security-severity` score (CVSS-like, 0–10) of each severity: GitHub maps > 9 to critical, 7–8.9 to high,
 * 4–6.9 to medium and 0.1–3.9 to low.
 *
 * @example
 * ```ts
 * import { Sarif } from "@24h/findings"
 * Sarif.SECURITY_SEVERITY.critical // "9.5"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "2.0",
  info: "0.0"
}

/**
 * The SARIF `level` of each severity.
 *
 * @example
 * ```ts
 * import { Sarif } from "@24h/findings"
 * Sarif.LEVEL.medium // "warning"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const LEVEL: Readonly<Record<Severity, Sarif.Result.level>> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note"
}

const RULE_TEXT: Readonly<Record<string, string>> = {
  bug: "A defect: the system does something other than what it should.",
  security: "A security weakness found while testing.",
  performance: "A latency, throughput or resource problem.",
  reliability: "A failure to stay correct under faults, load or time.",
  silent_failure: "A failure the system did not report: wrong results or lost work with a success signal.",
  dx: "A developer-experience problem: confusing APIs, errors or setup.",
  improvement: "A suggested improvement.",
  documentation: "A gap or error in the documentation.",
  feature_request: "A missing capability."
}

/** The SARIF rule id of a finding type. */
const ruleId = (type: string): string => `24h/${type}`

const text = (f: Finding): string => {
  const parts = [`${f.id} [${f.severity}] ${f.title}`]
  if (f.description !== "") parts.push(f.description)
  if (f.actual_behavior !== "") parts.push(`Actual: ${f.actual_behavior}`)
  if (f.expected_behavior !== "") parts.push(`Expected: ${f.expected_behavior}`)
  if (f.replay?.command !== undefined) parts.push(`Replay: ${f.replay.command}`)
  return parts.join("\n\n")
}

/** A repository-relative URI reference (percent-encoded per segment). */
const uriOf = (file: string): string =>
  file
    .replace(/\\/g, "/")
    .replace(/^\.\//, "")
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/")

/**
 * Converts findings to a SARIF 2.1.0 log.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger, Sarif } from "@24h/findings"
 * const findings = await Effect.runPromise(Ledger.read("."))
 * const log = Sarif.toSarif(findings, { ledgerPath: "findings.json" })
 * ```
 *
 * @category export
 * @since 0.1.0
 */
export const toSarif = (findings: ReadonlyArray<Finding>, options: SarifOptions = {}): Sarif.Log => {
  const ledgerPath = options.ledgerPath ?? "findings.json"
  const reported = findings.map((f, index) => ({ f, index })).filter(({ f }) => f.type !== "strength")
  const types = FindingType.options.filter((t) => reported.some(({ f }) => f.type === t))
  const worstSecurity = reported
    .filter(({ f }) => f.type === "security")
    .map(({ f }) => Number(SECURITY_SEVERITY[f.severity]))
    .reduce((a, b) => Math.max(a, b), 0)
  const rules: Array<Sarif.ReportingDescriptor> = types.map((t) => ({
    id: ruleId(t),
    name: t
      .split("_")
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join(""),
    shortDescription: { text: `24h finding: ${t.replace("_", " ")}` },
    fullDescription: { text: RULE_TEXT[t] ?? t },
    help: {
      text: `Findings of type ${t} filed with \`24h finding add --type ${t}\`. See the finding's message for reproduction and replay.`
    },
    properties: {
      tags: t === "security" ? ["security", "24h"] : ["24h", t],
      precision: "high",
      ...(t === "security" ? { "security-severity": worstSecurity.toFixed(1) } : {})
    }
  }))
  const results: Array<Sarif.Result> = reported.map(({ f, index }) => {
    const anchored = f.location !== undefined
    const region: Sarif.Region = { startLine: anchored ? (f.location?.line ?? 1) : index + 2 }
    return {
      ruleId: ruleId(f.type),
      ruleIndex: types.indexOf(f.type),
      level: LEVEL[f.severity],
      message: { text: text(f) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uriOf(f.location?.file ?? ledgerPath), uriBaseId: "%SRCROOT%" },
            region
          },
          message: {
            text: anchored ? `${f.component}` : `${f.id} in the findings ledger (no source location recorded)`
          }
        }
      ],
      partialFingerprints: { "24hFindingFingerprint/v2": fingerprintOf(f) },
      properties: {
        id: f.id,
        severity: f.severity,
        component: f.component,
        entry_id: f.entry_id,
        agent: f.agent,
        created_at: f.created_at,
        ...(f.type === "security" ? { "security-severity": SECURITY_SEVERITY[f.severity] } : {}),
        ...(f.replay === undefined ? {} : { replay: f.replay })
      }
    }
  })
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "24h",
            informationUri: "https://github.com/24h-testers/24h",
            semanticVersion: options.toolVersion ?? "0.1.0",
            version: options.toolVersion ?? "0.1.0",
            rules
          }
        },
        ...(options.category === undefined ? {} : { automationDetails: { id: options.category } }),
        originalUriBaseIds: { "%SRCROOT%": { description: { text: "The repository root." } } },
        results
      }
    ]
  }
}
