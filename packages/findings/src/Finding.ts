/**
 * The finding: one entry of the 24h findings ledger, exactly the fields of the process's Phase 6 schema, plus the
 * stamps the ledger adds (`created_at`, `agent`) and, when known, what a replay needs.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 *
 * declare const line: string // one line of findings.ndjson
 * const parsed = Finding.Finding.safeParse(JSON.parse(line))
 * if (parsed.success) console.log(parsed.data.id, parsed.data.title)
 * ```
 *
 * @since 0.1.0
 */
import { z } from "zod"

/**
 * The finding types of the Phase 6 schema.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.FindingType.parse("silent_failure")
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const FindingType = z.enum([
  "bug",
  "security",
  "performance",
  "reliability",
  "silent_failure",
  "dx",
  "improvement",
  "documentation",
  "feature_request",
  "strength"
])

/**
 * A finding type.
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const type: Finding.FindingType = "silent_failure"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type FindingType = z.infer<typeof FindingType>

/**
 * Severities, most severe first.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.Severity.options // ["critical", "high", "medium", "low", "info"]
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Severity = z.enum(["critical", "high", "medium", "low", "info"])

/**
 * A severity.
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const severity: Finding.Severity = "high"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Severity = z.infer<typeof Severity>

/**
 * The longest accepted title, in characters.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * "x".repeat(Finding.MAX_TITLE + 1) // rejected: title too long
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_TITLE = 300

/**
 * The longest accepted text field (description, reproduction, …), in characters.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * const fits = (s: string) => s.length <= Finding.MAX_TEXT
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_TEXT = 65_536

/**
 * The most evidence items one finding may carry.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * declare const logs: ReadonlyArray<string>
 * const evidence = logs.slice(0, Finding.MAX_EVIDENCE)
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_EVIDENCE = 1_000

/**
 * The largest accepted finding once serialised, in bytes (one journal line).
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * declare const finding: Finding.Finding
 * Buffer.byteLength(JSON.stringify(finding)) <= Finding.MAX_BYTES
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const MAX_BYTES = 1_048_576

/**
 * The id pattern: `FND-` and at least three digits (`FND-001`, `FND-1000`).
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.ID_PATTERN.test("FND-007") // true
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const ID_PATTERN = /^FND-(\d{3,})$/

/**
 * Matches an unpaired UTF-16 surrogate: not valid Unicode, not representable in UTF-8, and rejected by `jq`.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.LONE_SURROGATE.test("broken \ud800 text") // true
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Replaces every unpaired UTF-16 surrogate with U+FFFD, as a UTF-8 encoder would. `add` applies it to every string of
 * a payload, so text pasted from a broken log can still be filed and `jq` can still read the ledger.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.wellFormed("broken \ud800 text") // "broken \ufffd text"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const wellFormed = (s: string): string => s.replace(new RegExp(LONE_SURROGATE.source, "g"), "\ufffd")

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/**
 * Normalises a timestamp to the ledger's form, ISO 8601 in UTC with milliseconds (`2026-11-24T10:00:00.123Z`), or
 * `undefined` when it is not one. Accepts what Python's `add_finding.py` writes: microseconds, a `+00:00` offset (any
 * offset is converted), or no zone at all (taken as UTC, as `datetime.utcnow().isoformat()` means).
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.normalizeTimestamp("2026-11-24T10:00:00.123456+00:00") // "2026-11-24T10:00:00.123Z"
 * Finding.normalizeTimestamp("2026-11-24T10:00:00") // "2026-11-24T10:00:00.000Z"
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const normalizeTimestamp = (value: string): string | undefined => {
  const m = TIMESTAMP.exec(value.trim())
  if (m === null) return undefined
  const [, date, hm = "", fraction, zone] = m
  const time = hm.length === 5 ? `${hm}:00` : hm
  const ms = (fraction ?? "").padEnd(3, "0").slice(0, 3)
  const tz =
    zone === undefined || zone.toUpperCase() === "Z"
      ? "Z"
      : zone.length === 3
        ? `${zone}:00`
        : zone.includes(":")
          ? zone
          : `${zone.slice(0, 3)}:${zone.slice(3)}`
  const d = new Date(`${date}T${time}.${ms}${tz}`)
  if (Number.isNaN(d.getTime())) return undefined
  const iso = d.toISOString()
  // Reject dates the Date constructor rolled over (2026-02-30 → March 2) when the zone is UTC.
  return tz === "Z" && iso.slice(0, 10) !== date ? undefined : iso
}

const unicode = z
  .string()
  .refine((s) => !LONE_SURROGATE.test(s), "must be valid Unicode (it has an unpaired surrogate)")
const text = unicode.max(MAX_TEXT, `must be at most ${MAX_TEXT} characters`)
const label = unicode.max(200, "must be at most 200 characters").refine((s) => s.trim().length > 0, "must not be empty")

/**
 * Where a finding points in the repository: the scenario or test file (relative to the repository root) and line.
 * SARIF results are anchored here.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.Location.parse({ file: "examples/checkout/main.test.ts", line: 42 })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Location = z.strictObject({
  file: unicode
    .min(1, "must not be empty")
    .max(1_024, "must be at most 1024 characters")
    .refine(
      (s) => !/^[a-z][a-z0-9+.-]*:/i.test(s) && !s.startsWith("/"),
      "must be a path relative to the repository root, not a URI or absolute path"
    ),
  line: z.number().int("must be an integer").min(1, "must be >= 1").max(10_000_000, "must be <= 10000000").optional()
})

/**
 * A repository location.
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const at: Finding.Location = { file: "examples/checkout/main.test.ts", line: 42 }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Location = z.infer<typeof Location>

/**
 * What a replay needs, when known: the run's root seed, the command that replays it and the run directory.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.Replay.parse({ seed: 42, command: "H24_SEED=42 npx vitest run checkout", run_dir: "runs/run-2026-11-24-01" })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Replay = z.strictObject({
  seed: z
    .union([z.number().int("must be an integer").refine(Number.isSafeInteger, "must be a safe integer"), label])
    .optional(),
  command: text.optional(),
  run_dir: unicode.max(1_024, "must be at most 1024 characters").optional()
})

/**
 * Replay information.
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const replay: Finding.Replay = { seed: 42, command: "H24_SEED=42 npx vitest run checkout" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Replay = z.infer<typeof Replay>

/**
 * The finding's `metadata`: the persona it was found under and the run (`run-YYYY-MM-DD-NN`).
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.Metadata.parse({ persona: "sre", run: "run-2026-11-24-01" })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Metadata = z.strictObject({
  persona: unicode.max(200, "must be at most 200 characters"),
  run: unicode.max(200, "must be at most 200 characters")
})

/**
 * Finding metadata.
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const metadata: Finding.Metadata = { persona: "sre", run: "run-2026-11-24-01" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Metadata = z.infer<typeof Metadata>

/**
 * A finding as stored in the ledger: the seed's fields, `created_at`, `agent`, and optionally `replay` and
 * `location`.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * declare const line: string // one line of findings.ndjson
 * const f: Finding.Finding = Finding.Finding.parse(JSON.parse(line))
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Finding = z.strictObject({
  id: z.string().regex(ID_PATTERN, "must look like FND-001"),
  entry_id: label,
  type: FindingType,
  severity: Severity,
  title: unicode
    .max(MAX_TITLE, `must be at most ${MAX_TITLE} characters`)
    .refine((s) => s.trim().length > 0, "must not be empty"),
  description: text,
  component: label,
  reproduction: text,
  expected_behavior: text,
  actual_behavior: text,
  evidence: z.array(text).max(MAX_EVIDENCE, `must have at most ${MAX_EVIDENCE} items`),
  impact: text,
  recommendation: text,
  metadata: Metadata,
  created_at: z.string().transform((value, ctx) => {
    const normalised = normalizeTimestamp(value)
    if (normalised === undefined) {
      ctx.issues.push({
        code: "custom",
        message: "must be an ISO 8601 timestamp (2026-11-24T10:00:00Z; Python's isoformat() is accepted too)",
        input: value
      })
      return z.NEVER
    }
    return normalised
  }),
  agent: label,
  replay: Replay.optional(),
  location: Location.optional()
})

/**
 * A finding.
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const titles = (fs: ReadonlyArray<Finding.Finding>) => fs.map((f) => `${f.id} ${f.title}`)
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Finding = z.infer<typeof Finding>

/**
 * The `--payload` of `24h finding add` (and `add_finding.py`): the finding's content. `title`, `severity`,
 * `description` and `component` are required; the other text fields default to `""`, `evidence` to `[]` and
 * `metadata` to empty strings. `type` and `entry_id` may be repeated here but must then match the flags; `id`,
 * `created_at` and `agent` are stamped by the ledger and rejected here. Unknown keys are rejected (typos are caught).
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.Payload.parse({ title: "Retries hide 500s", severity: "high", description: "…", component: "client" })
 * ```
 *
 * @category schemas
 * @since 0.1.0
 */
export const Payload = z.strictObject({
  type: FindingType.optional(),
  entry_id: label.optional(),
  severity: Severity,
  title: Finding.shape.title,
  description: text,
  component: label,
  reproduction: text.default(""),
  expected_behavior: text.default(""),
  actual_behavior: text.default(""),
  evidence: z.array(text).max(MAX_EVIDENCE, `must have at most ${MAX_EVIDENCE} items`).default([]),
  impact: text.default(""),
  recommendation: text.default(""),
  metadata: z
    .strictObject({
      persona: Metadata.shape.persona.default(""),
      run: Metadata.shape.run.default("")
    })
    .default({ persona: "", run: "" }),
  replay: Replay.optional(),
  location: Location.optional()
})

/**
 * A parsed add payload (defaults applied).
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * const p: Finding.Payload = Finding.Payload.parse({ title: "t", severity: "low", description: "", component: "c" })
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Payload = z.infer<typeof Payload>

/**
 * The payload as a caller writes it (defaults not yet applied).
 *
 * @example
 * ```ts
 * import type { Finding } from "@24h/findings"
 * const input: Finding.PayloadInput = { title: "t", severity: "low", description: "", component: "c" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type PayloadInput = z.input<typeof Payload>

/**
 * Formats the `n`th id: `formatId(7)` is `"FND-007"`, `formatId(1234)` is `"FND-1234"`.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.formatId(7) // "FND-007"
 * ```
 *
 * @category ids
 * @since 0.1.0
 */
export const formatId = (n: number): string => `FND-${String(n).padStart(3, "0")}`

/**
 * Parses an id back to its sequence number, or `undefined` when it is not a finding id.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.parseId("FND-042") // 42
 * ```
 *
 * @category ids
 * @since 0.1.0
 */
export const parseId = (id: string): number | undefined => {
  const m = ID_PATTERN.exec(id)
  return m === null ? undefined : Number(m[1])
}

/**
 * Normalises a user-typed id: `7`, `"7"`, `"fnd-7"` and `"FND-007"` all become `"FND-007"`.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.normalizeId("fnd-7") // "FND-007"
 * ```
 *
 * @category ids
 * @since 0.1.0
 */
export const normalizeId = (input: string | number): string | undefined => {
  const m = /^(?:fnd-)?0*(\d{1,9})$/i.exec(String(input).trim())
  if (m === null) return undefined
  const n = Number(m[1])
  return n >= 1 ? formatId(n) : undefined
}

/**
 * The severity order, most severe first, for sorting.
 *
 * @example
 * ```ts
 * import { Finding } from "@24h/findings"
 * Finding.severityRank("critical") < Finding.severityRank("low") // true
 * ```
 *
 * @category ordering
 * @since 0.1.0
 */
export const severityRank = (s: Severity): number => Severity.options.indexOf(s)
