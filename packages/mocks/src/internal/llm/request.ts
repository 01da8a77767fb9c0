/**
 * Reading provider requests: zod schemas for the fields the simulator relies on (the rest passes through, as a
 * provider ignores what it does not know), and a normalised `Prompt` that fixtures match on.
 */
import { z } from "zod"
import { formatZodIssues } from "../../MocksError.ts"
import type { Endpoint } from "./switches.ts"

const loose = <T extends z.ZodRawShape>(shape: T) => z.looseObject(shape)

const Tools = z.array(z.unknown()).optional()

const ChatRequest = loose({
  model: z.string().min(1),
  messages: z.array(loose({ role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]) })).min(1),
  stream: z.boolean().nullish(),
  stream_options: loose({ include_usage: z.boolean().nullish() }).nullish(),
  tools: Tools,
  response_format: loose({ type: z.enum(["text", "json_object", "json_schema"]) }).nullish(),
  max_tokens: z.int().min(1).nullish(),
  max_completion_tokens: z.int().min(1).nullish()
})

const MessagesRequest = loose({
  model: z.string().min(1),
  max_tokens: z.int().min(1),
  messages: z.array(loose({ role: z.enum(["user", "assistant"]) })).min(1),
  stream: z.boolean().nullish(),
  tools: Tools
})

const ResponsesRequest = loose({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]),
  stream: z.boolean().nullish(),
  tools: Tools,
  instructions: z.string().nullish(),
  max_output_tokens: z.int().min(1).nullish()
})

const EmbeddingsRequest = loose({
  model: z.string().min(1),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.int()).min(1),
    z.array(z.array(z.int()).min(1)).min(1)
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.int().min(1).max(4096).optional()
})

const SpeechRequest = loose({
  model: z.string().min(1),
  input: z.string().min(1).max(4096),
  voice: z.union([z.string().min(1), loose({ id: z.string() })]),
  response_format: z.enum(["mp3", "opus", "aac", "flac", "wav", "pcm"]).optional(),
  speed: z.number().min(0.25).max(4).optional()
})

export interface ToolResult {
  readonly id: string
  readonly content: string
  readonly isError: boolean
}

/** What fixtures and the default reply see of a request. */
export interface Prompt {
  readonly endpoint: Endpoint
  readonly model: string
  readonly stream: boolean
  readonly includeUsage: boolean
  /** Text of the last user message ("" when there is none). */
  readonly lastUser: string
  /** Tool results after the last assistant turn. */
  readonly newToolResults: ReadonlyArray<ToolResult>
  /** Every tool result in the conversation. */
  readonly toolResults: ReadonlyArray<ToolResult>
  /** Every assistant text in the conversation. */
  readonly assistantTexts: ReadonlyArray<string>
  /** The names of the tools the request declares. */
  readonly tools: ReadonlyArray<string>
  /** A JSON Schema the reply must satisfy (`response_format: json_schema`, Responses `text.format`). */
  readonly jsonSchema: unknown
  readonly jsonObject: boolean
  readonly maxTokens: number | undefined
  /** All prompt text, for the token estimate. */
  readonly text: string
}

export interface EmbeddingsInput {
  readonly model: string
  readonly inputs: ReadonlyArray<string>
  readonly base64: boolean
  readonly dimensions: number
}

export interface SpeechInput {
  readonly model: string
  readonly input: string
  readonly voice: string
  readonly format: "wav" | "pcm"
  readonly speed: number
}

type Parsed<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly message: string; readonly param: string | null }

const fail = (where: string, issues: z.core.$ZodIssue[]): { ok: false; message: string; param: string | null } => ({
  ok: false,
  message: formatZodIssues(where, issues),
  param: issues[0]?.path.map(String).join(".") || null
})

const textOf = (content: unknown): string => {
  if (typeof content === "string") return content
  if (Array.isArray(content)) {
    return content
      .map((p) => {
        if (typeof p === "string") return p
        if (p !== null && typeof p === "object") {
          const o = p as Record<string, unknown>
          if (typeof o.text === "string") return o.text
          if (o.type === "tool_result") return textOf(o.content)
        }
        return ""
      })
      .join("")
  }
  return ""
}

const toolName = (t: unknown): string | undefined => {
  if (t === null || typeof t !== "object") return undefined
  const o = t as Record<string, unknown>
  if (typeof o.name === "string") return o.name
  const f = o.function as Record<string, unknown> | undefined
  return f !== undefined && typeof f.name === "string" ? f.name : undefined
}

const names = (tools: ReadonlyArray<unknown> | undefined): Array<string> =>
  (tools ?? []).map(toolName).filter((n): n is string => n !== undefined)

export const parseChat = (body: unknown): Parsed<Prompt> => {
  const r = ChatRequest.safeParse(body, { reportInput: true })
  if (!r.success) return fail("chat.completions", r.error.issues)
  const b = r.data
  const msgs = b.messages as Array<Record<string, unknown>>
  let lastAssistant = -1
  msgs.forEach((m, i) => {
    if (m.role === "assistant") lastAssistant = i
  })
  const results: Array<ToolResult & { at: number }> = []
  msgs.forEach((m, i) => {
    if (m.role === "tool") {
      results.push({ id: String(m.tool_call_id ?? ""), content: textOf(m.content), isError: false, at: i })
    }
  })
  const lastUser = [...msgs].reverse().find((m) => m.role === "user")
  const rf = b.response_format as Record<string, unknown> | null | undefined
  const js = rf?.type === "json_schema" ? (rf.json_schema as Record<string, unknown> | undefined)?.schema : undefined
  return {
    ok: true,
    value: {
      endpoint: "chat",
      model: b.model,
      stream: b.stream === true,
      includeUsage: b.stream_options?.include_usage === true,
      lastUser: lastUser === undefined ? "" : textOf(lastUser.content),
      newToolResults: results.filter((x) => x.at > lastAssistant),
      toolResults: results,
      assistantTexts: msgs.filter((m) => m.role === "assistant").map((m) => textOf(m.content)),
      tools: names(b.tools),
      jsonSchema: js ?? (rf?.type === "json_schema" ? {} : undefined),
      jsonObject: rf?.type === "json_object",
      maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
      text: msgs.map((m) => textOf(m.content)).join("\n")
    }
  }
}

export const parseMessages = (body: unknown): Parsed<Prompt> => {
  const r = MessagesRequest.safeParse(body, { reportInput: true })
  if (!r.success) return fail("messages", r.error.issues)
  const b = r.data
  const msgs = b.messages as Array<Record<string, unknown>>
  let lastAssistant = -1
  msgs.forEach((m, i) => {
    if (m.role === "assistant") lastAssistant = i
  })
  const results: Array<ToolResult & { at: number }> = []
  msgs.forEach((m, i) => {
    if (m.role !== "user" || !Array.isArray(m.content)) return
    for (const block of m.content as Array<Record<string, unknown>>) {
      if (block?.type === "tool_result") {
        results.push({
          id: String(block.tool_use_id ?? ""),
          content: textOf(block.content),
          isError: block.is_error === true,
          at: i
        })
      }
    }
  })
  const userText = (m: Record<string, unknown>) =>
    typeof m.content === "string"
      ? m.content
      : Array.isArray(m.content)
        ? (m.content as Array<Record<string, unknown>>)
            .filter((x) => x?.type === "text")
            .map((x) => String(x.text ?? ""))
            .join("")
        : ""
  const lastUser = [...msgs].reverse().find((m) => m.role === "user" && userText(m) !== "")
  const system = typeof b.system === "string" ? b.system : textOf(b.system)
  return {
    ok: true,
    value: {
      endpoint: "messages",
      model: b.model,
      stream: b.stream === true,
      includeUsage: true,
      lastUser: lastUser === undefined ? "" : userText(lastUser),
      newToolResults: results.filter((x) => x.at > lastAssistant),
      toolResults: results,
      assistantTexts: msgs.filter((m) => m.role === "assistant").map((m) => textOf(m.content)),
      tools: names(b.tools),
      jsonSchema: undefined,
      jsonObject: false,
      maxTokens: b.max_tokens,
      text: [system, ...msgs.map((m) => textOf(m.content))].join("\n")
    }
  }
}

export const parseResponses = (body: unknown): Parsed<Prompt> => {
  const r = ResponsesRequest.safeParse(body, { reportInput: true })
  if (!r.success) return fail("responses", r.error.issues)
  const b = r.data
  const items: Array<Record<string, unknown>> =
    typeof b.input === "string"
      ? [{ role: "user", content: b.input }]
      : (b.input.filter((x) => x !== null && typeof x === "object") as Array<Record<string, unknown>>)
  let lastAssistant = -1
  items.forEach((m, i) => {
    if (m.role === "assistant" || m.type === "function_call") lastAssistant = i
  })
  const results: Array<ToolResult & { at: number }> = []
  items.forEach((m, i) => {
    if (m.type === "function_call_output") {
      results.push({ id: String(m.call_id ?? ""), content: textOf(m.output), isError: false, at: i })
    }
  })
  const lastUser = [...items].reverse().find((m) => m.role === "user")
  const fmt = ((b.text as Record<string, unknown> | undefined)?.format ?? undefined) as
    | Record<string, unknown>
    | undefined
  return {
    ok: true,
    value: {
      endpoint: "responses",
      model: b.model,
      stream: b.stream === true,
      includeUsage: true,
      lastUser: lastUser === undefined ? "" : textOf(lastUser.content),
      newToolResults: results.filter((x) => x.at > lastAssistant),
      toolResults: results,
      assistantTexts: items.filter((m) => m.role === "assistant").map((m) => textOf(m.content)),
      tools: names(b.tools),
      jsonSchema: fmt?.type === "json_schema" ? (fmt.schema ?? {}) : undefined,
      jsonObject: fmt?.type === "json_object",
      maxTokens: b.max_output_tokens ?? undefined,
      text: [b.instructions ?? "", ...items.map((m) => textOf(m.content))].join("\n")
    }
  }
}

export const parseEmbeddings = (body: unknown): Parsed<EmbeddingsInput> => {
  const r = EmbeddingsRequest.safeParse(body, { reportInput: true })
  if (!r.success) return fail("embeddings", r.error.issues)
  const b = r.data
  const inputs =
    typeof b.input === "string"
      ? [b.input]
      : (b.input as Array<unknown>).map((x) => (typeof x === "string" ? x : JSON.stringify(x)))
  const all = b.input as Array<unknown>
  const ints = Array.isArray(all) && all.every((x) => typeof x === "number")
  return {
    ok: true,
    value: {
      model: b.model,
      inputs: ints ? [JSON.stringify(all)] : inputs,
      base64: b.encoding_format === "base64",
      dimensions: b.dimensions ?? (b.model.includes("large") ? 3072 : 1536)
    }
  }
}

export const parseSpeech = (body: unknown): Parsed<SpeechInput> => {
  const r = SpeechRequest.safeParse(body, { reportInput: true })
  if (!r.success) return fail("audio.speech", r.error.issues)
  const b = r.data
  const format = b.response_format ?? "wav"
  if (format !== "wav" && format !== "pcm") {
    return {
      ok: false,
      message: `audio.speech.response_format: the simulator produces wav or pcm only (got ${JSON.stringify(format)})`,
      param: "response_format"
    }
  }
  return {
    ok: true,
    value: {
      model: b.model,
      input: b.input,
      voice: typeof b.voice === "string" ? b.voice : b.voice.id,
      format,
      speed: b.speed ?? 1
    }
  }
}
