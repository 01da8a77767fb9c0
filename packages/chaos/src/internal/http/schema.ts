/**
 * zod schemas of HttpFaultProxy rules (the admin API's bodies, `--rules` files, and `addRule` arguments), and their
 * validation into one `Result` whose failure is a `ChaosError` (`InvalidRule`) naming the field and the value.
 */
import { formatIssues, SchemaDrift } from "@24h/core"
import { Result } from "effect"
import { z } from "zod"
import { type ChaosError, withDetails } from "../../ChaosError.ts"

const MAX_MS = 2_147_483_647
const ms = z.number().int().min(0).max(MAX_MS)
const probability = z.number().min(0).max(1)
const headerMap = z.record(z.string().min(1), z.string())

export const Match = z.strictObject({
  method: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  path: z.string().min(1).optional(),
  headers: z.record(z.string().min(1), z.string()).optional()
})

export const StatusAction = z.strictObject({
  type: z.literal("status"),
  status: z.number().int().min(100).max(599),
  retryAfter: z.number().int().min(0).optional(),
  body: z.string().optional(),
  headers: headerMap.optional()
})
export const DelayAction = z.strictObject({
  type: z.literal("delay"),
  ms,
  jitter: ms.optional(),
  phase: z.enum(["headers", "chunks"]).optional()
})
export const ResetAction = z.strictObject({ type: z.literal("reset") })
export const HangAction = z.strictObject({ type: z.literal("hang") })
export const TruncateAction = z.strictObject({
  type: z.literal("truncate"),
  bytes: z.number().int().min(0).optional(),
  fraction: probability.optional()
})
export const MalformedJsonAction = z.strictObject({ type: z.literal("malformed_json") })
export const DriftAction = z.strictObject({
  type: z.literal("drift"),
  operations: z.array(SchemaDrift.Operation).min(1).optional(),
  fieldRate: probability.optional()
})
export const HeadersAction = z.strictObject({
  type: z.literal("headers"),
  add: headerMap.optional(),
  remove: z.array(z.string().min(1)).optional(),
  rewrite: headerMap.optional()
})
export const SseAction = z.strictObject({
  type: z.literal("sse"),
  drop: probability.optional(),
  duplicate: probability.optional(),
  corrupt: probability.optional(),
  delay: ms.optional(),
  cutAfter: z.number().int().min(0).optional()
})

export const Action = z.discriminatedUnion("type", [
  StatusAction,
  DelayAction,
  ResetAction,
  HangAction,
  TruncateAction,
  MalformedJsonAction,
  DriftAction,
  HeadersAction,
  SseAction
])
export type Action = z.infer<typeof Action>

export const Rule = z
  .strictObject({
    id: z.string().min(1),
    match: Match.optional(),
    probability: probability.optional(),
    action: Action
  })
  .superRefine((rule, ctx) => {
    const a = rule.action
    if (a.type === "truncate" && (a.bytes === undefined) === (a.fraction === undefined))
      ctx.addIssue({
        code: "custom",
        path: ["action"],
        message: "truncate needs exactly one of bytes or fraction",
        input: a
      })
    const path = rule.match?.path
    if (path?.startsWith("^")) {
      try {
        new RegExp(path)
      } catch (e) {
        ctx.addIssue({ code: "custom", path: ["match", "path"], message: (e as Error).message, input: path })
      }
    }
    for (const [name, value] of Object.entries(rule.match?.headers ?? {})) {
      if (!value.startsWith("^")) continue
      try {
        new RegExp(value)
      } catch (e) {
        ctx.addIssue({ code: "custom", path: ["match", "headers", name], message: (e as Error).message, input: value })
      }
    }
  })
export type Rule = z.infer<typeof Rule>

const firstIssue = (
  issues: ReadonlyArray<{ readonly path: ReadonlyArray<PropertyKey>; readonly input?: unknown }>,
  prefix: string
) => {
  const i = issues[0]
  const field = i === undefined ? prefix : [prefix, ...i.path.map(String)].filter((s) => s !== "").join(".")
  return { field, value: i?.input }
}

/** Validates one rule; the message starts with `where` (`"rule"`, `"rules[2]"`). */
export const parseRule = (input: unknown, where = "rule"): Result.Result<Rule, ChaosError> => {
  const r = Rule.safeParse(input, { reportInput: true })
  if (r.success) return Result.succeed(r.data)
  return Result.fail(
    withDetails(
      "InvalidRule",
      `HttpFaultProxy: ${formatIssues(r.error.issues, { prefix: where })}`,
      firstIssue(r.error.issues, where)
    )
  )
}

/** Validates a rule or an array of rules, checking that ids are unique. */
export const parseRules = (input: unknown): Result.Result<ReadonlyArray<Rule>, ChaosError> => {
  const items = Array.isArray(input) ? input : [input]
  const out: Array<Rule> = []
  const seen = new Set<string>()
  for (let i = 0; i < items.length; i++) {
    const r = parseRule(items[i], Array.isArray(input) ? `rules[${i}]` : "rule")
    if (Result.isFailure(r)) return Result.fail(r.failure)
    if (seen.has(r.success.id))
      return Result.fail(
        withDetails(
          "Conflict",
          `HttpFaultProxy: rules[${i}].id: duplicate rule id (got ${JSON.stringify(r.success.id)})`,
          {
            field: `rules[${i}].id`,
            value: r.success.id
          }
        )
      )
    seen.add(r.success.id)
    out.push(r.success)
  }
  return Result.succeed(out)
}
