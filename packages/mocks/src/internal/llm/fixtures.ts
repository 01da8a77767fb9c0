/**
 * Scripted replies. A fixture matches on the last user message, the model, a new tool result or the endpoint
 * (each an exact string or a regular expression), and answers with text, tool calls, JSON, an error, or a
 * sequence of turns (one per matching request). Fixture files are JSON, so a regular expression is written
 * `{ "regex": "refund", "flags": "i" }`.
 */
import { Result } from "effect"
import { z } from "zod"
import { type MocksError, zodError } from "../../MocksError.ts"
import type { Prompt } from "./request.ts"
import { Endpoint } from "./switches.ts"

export type TextMatch = string | RegExp | { readonly regex: string; readonly flags?: string }

export interface Match {
  readonly user?: TextMatch
  readonly model?: TextMatch
  readonly toolResult?: TextMatch
  /** Transcriptions: the uploaded file's name. */
  readonly file?: TextMatch
  readonly endpoint?: Endpoint | ReadonlyArray<Endpoint>
}

export interface ToolCallSpec {
  readonly name: string
  readonly arguments?: unknown
  readonly id?: string
}

export type Reply =
  | { readonly text: string }
  | { readonly toolCalls: ReadonlyArray<ToolCallSpec>; readonly text?: string }
  | { readonly json: unknown }
  | { readonly error: { readonly status: number; readonly message?: string; readonly retryAfter?: number } }
  | {
      readonly injection: {
        /** The tool the injected instruction tells the agent to call (the one it must not call). */
        readonly tool: string
        readonly arguments?: unknown
        /** The injected text; default: a prompt injection drawn from the adversarial corpus with the seed. */
        readonly text?: string
      }
    }

export interface Fixture {
  readonly id?: string
  readonly match?: Match
  readonly reply?: Reply
  /** Answer successive matching requests with these, in order; then the fixture is spent. */
  readonly turns?: ReadonlyArray<Reply>
  /** Match at most this many requests. */
  readonly times?: number
}

const TextMatchSchema = z.union([
  z.string(),
  z.instanceof(RegExp),
  z
    .object({
      regex: z.string().min(1),
      flags: z
        .string()
        .regex(/^[dgimsuvy]*$/)
        .optional()
    })
    .strict()
    .refine(
      (r) => {
        try {
          new RegExp(r.regex, r.flags)
          return true
        } catch {
          return false
        }
      },
      { message: "is not a valid regular expression" }
    )
])

const ReplySchema = z.union([
  z.object({ text: z.string() }).strict(),
  z
    .object({
      toolCalls: z
        .array(
          z
            .object({ name: z.string().min(1), arguments: z.unknown().optional(), id: z.string().min(1).optional() })
            .strict()
        )
        .min(1),
      text: z.string().optional()
    })
    .strict(),
  z.object({ json: z.unknown() }).strict(),
  z
    .object({
      error: z
        .object({
          status: z.int().min(400).max(599),
          message: z.string().optional(),
          retryAfter: z.number().min(0).optional()
        })
        .strict()
    })
    .strict(),
  z
    .object({
      injection: z
        .object({ tool: z.string().min(1), arguments: z.unknown().optional(), text: z.string().optional() })
        .strict()
    })
    .strict()
])

export const FixtureSchema = z
  .object({
    id: z.string().min(1).optional(),
    match: z
      .object({
        user: TextMatchSchema.optional(),
        model: TextMatchSchema.optional(),
        toolResult: TextMatchSchema.optional(),
        file: TextMatchSchema.optional(),
        endpoint: z.union([Endpoint, z.array(Endpoint).min(1)]).optional()
      })
      .strict()
      .optional(),
    reply: ReplySchema.optional(),
    turns: z.array(ReplySchema).min(1).optional(),
    times: z.int().min(1).optional()
  })
  .strict()
  .refine((f) => (f.reply === undefined) !== (f.turns === undefined), {
    message: "needs exactly one of reply or turns",
    path: ["reply"]
  })

export interface Compiled {
  readonly id: string
  readonly fixture: Fixture
  readonly test: (p: Prompt, file: string | undefined) => boolean
  calls: number
}

const toTest = (m: TextMatch | undefined): ((s: string) => boolean) => {
  if (m === undefined) return () => true
  if (typeof m === "string") return (s) => s === m
  const re = m instanceof RegExp ? new RegExp(m.source, m.flags.replace("g", "")) : new RegExp(m.regex, m.flags)
  return (s) => re.test(s)
}

/** Validates and compiles fixtures; an `InvalidFixture` error names the fixture index, the field and the value. */
export const compile = (input: ReadonlyArray<unknown>, offset = 0): Result.Result<Array<Compiled>, MocksError> => {
  const out: Array<Compiled> = []
  for (let i = 0; i < input.length; i++) {
    const r = FixtureSchema.safeParse(input[i], { reportInput: true })
    if (!r.success) return Result.fail(zodError("InvalidFixture", `LlmMock.fixtures[${i + offset}]`, r.error.issues))
    const f = r.data as Fixture
    const m = f.match ?? {}
    const user = toTest(m.user)
    const model = toTest(m.model)
    const tool = toTest(m.toolResult)
    const file = toTest(m.file)
    const eps = m.endpoint === undefined ? undefined : typeof m.endpoint === "string" ? [m.endpoint] : m.endpoint
    out.push({
      id: f.id ?? `fixture-${i + offset}`,
      fixture: f,
      calls: 0,
      test: (p, name) =>
        (eps === undefined || eps.includes(p.endpoint)) &&
        user(p.lastUser) &&
        model(p.model) &&
        (m.toolResult === undefined || p.newToolResults.some((t) => tool(t.content))) &&
        (m.file === undefined || (name !== undefined && file(name)))
    })
  }
  return Result.succeed(out)
}

/** The first live fixture that matches, with the reply for this call (advancing `turns`). */
export const pick = (
  fixtures: ReadonlyArray<Compiled>,
  p: Prompt,
  file?: string
): { readonly fixture: Compiled; readonly reply: Reply } | undefined => {
  for (const c of fixtures) {
    const f = c.fixture
    const limit = f.times ?? (f.turns === undefined ? Number.POSITIVE_INFINITY : f.turns.length)
    if (c.calls >= limit || !c.test(p, file)) continue
    const reply = f.turns === undefined ? (f.reply as Reply) : f.turns[Math.min(c.calls, f.turns.length - 1)]!
    c.calls++
    return { fixture: c, reply }
  }
  return undefined
}
