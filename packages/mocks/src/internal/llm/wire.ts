/**
 * Wire formats of the simulated providers. A `Turn` is what the simulated model decided to say (text, tool calls,
 * a finish reason); the functions here turn it into the exact JSON bodies and SSE frames OpenAI (chat completions,
 * Responses) and Anthropic (messages) send, so the official SDKs parse them unchanged.
 *
 *   Turn ──► chatBody / chatFrames          (POST /v1/chat/completions)
 *        ──► responsesBody / responsesFrames (POST /v1/responses)
 *        ──► messagesBody / messagesFrames   (POST /v1/messages)
 *
 * Frames are complete SSE records (`event: …\ndata: …\n\n`), built once per request so the hot path only writes
 * strings.
 */

export type Finish = "stop" | "tool_calls" | "length" | "content_filter"

export interface ToolCall {
  readonly id: string
  readonly name: string
  /** The arguments as sent: normally JSON text, not JSON when `bad-tool-arguments` hit. */
  readonly arguments: string
}

export interface Turn {
  readonly id: string
  readonly created: number
  readonly model: string
  readonly text: string
  /** The text split into the stream's content deltas (their concatenation is `text`). */
  readonly chunks: ReadonlyArray<string>
  readonly toolCalls: ReadonlyArray<ToolCall>
  readonly finish: Finish
  readonly inputTokens: number
  readonly outputTokens: number
}

const FINGERPRINT = "fp_24h_llmmock"

export const frame = (data: unknown, event?: string): string =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`

/** Splits text into stream deltas: a word with its trailing whitespace each. */
export const tokenize = (text: string): Array<string> => text.match(/\s*\S+\s*/g) ?? (text === "" ? [] : [text])

/** A rough token estimate (4 characters a token), as a provider would count a prompt. */
export const estimateTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4))

// ---------------------------------------------------------------------------------------------------------------
// OpenAI chat completions

const chatUsage = (t: Turn) => ({
  prompt_tokens: t.inputTokens,
  completion_tokens: t.outputTokens,
  total_tokens: t.inputTokens + t.outputTokens,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0
  }
})

export const chatBody = (t: Turn): Record<string, unknown> => ({
  id: t.id,
  object: "chat.completion",
  created: t.created,
  model: t.model,
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: t.toolCalls.length > 0 && t.text === "" ? null : t.text,
        refusal: null,
        annotations: [],
        ...(t.toolCalls.length > 0
          ? {
              tool_calls: t.toolCalls.map((c) => ({
                id: c.id,
                type: "function",
                function: { name: c.name, arguments: c.arguments }
              }))
            }
          : {})
      },
      logprobs: null,
      finish_reason: t.finish
    }
  ],
  usage: chatUsage(t),
  service_tier: "default",
  system_fingerprint: FINGERPRINT
})

export const chatFrames = (t: Turn, includeUsage: boolean): Array<string> => {
  const head = `{"id":${JSON.stringify(t.id)},"object":"chat.completion.chunk","created":${t.created},"model":${JSON.stringify(t.model)},"service_tier":"default","system_fingerprint":"${FINGERPRINT}","choices":[{"index":0,"delta":`
  const tail = (finish: string | null) =>
    `,"logprobs":null,"finish_reason":${finish === null ? "null" : `"${finish}"`}}]}`
  const out: Array<string> = []
  const push = (delta: string, finish: string | null = null) => out.push(`data: ${head}${delta}${tail(finish)}\n\n`)
  push(`{"role":"assistant","content":"","refusal":null}`)
  for (const c of t.chunks) push(`{"content":${JSON.stringify(c)}}`)
  t.toolCalls.forEach((c, i) => {
    push(
      `{"tool_calls":[{"index":${i},"id":${JSON.stringify(c.id)},"type":"function","function":{"name":${JSON.stringify(c.name)},"arguments":""}}]}`
    )
    for (const part of splitArgs(c.arguments)) {
      push(`{"tool_calls":[{"index":${i},"function":{"arguments":${JSON.stringify(part)}}}]}`)
    }
  })
  push("{}", t.finish)
  if (includeUsage) {
    out.push(
      `data: ${JSON.stringify({ id: t.id, object: "chat.completion.chunk", created: t.created, model: t.model, service_tier: "default", system_fingerprint: FINGERPRINT, choices: [], usage: chatUsage(t) })}\n\n`
    )
  }
  out.push("data: [DONE]\n\n")
  return out
}

/** Tool-call arguments streamed in pieces of up to 16 characters, as providers do. */
const splitArgs = (s: string): Array<string> => {
  const out: Array<string> = []
  for (let i = 0; i < s.length; i += 16) out.push(s.slice(i, i + 16))
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAI Responses API

const responsesStatus = (t: Turn) =>
  t.finish === "length" || t.finish === "content_filter" ? "incomplete" : "completed"

const responsesOutput = (t: Turn, status: "completed" | "in_progress") => {
  const out: Array<Record<string, unknown>> = []
  if (t.text !== "" || t.toolCalls.length === 0) {
    out.push({
      id: `msg_${t.id.slice(5)}`,
      type: "message",
      status,
      role: "assistant",
      content: [{ type: "output_text", text: t.text, annotations: [], logprobs: [] }]
    })
  }
  t.toolCalls.forEach((c, i) => {
    out.push({
      id: `fc_${t.id.slice(5)}_${i}`,
      type: "function_call",
      status,
      call_id: c.id,
      name: c.name,
      arguments: c.arguments
    })
  })
  return out
}

export const responsesBody = (t: Turn, status: "completed" | "in_progress" = "completed"): Record<string, unknown> => {
  const final = status === "completed"
  const st = final ? responsesStatus(t) : "in_progress"
  return {
    id: t.id,
    object: "response",
    created_at: t.created,
    status: st,
    error: null,
    incomplete_details:
      st === "incomplete" ? { reason: t.finish === "length" ? "max_output_tokens" : "content_filter" } : null,
    instructions: null,
    max_output_tokens: null,
    model: t.model,
    output: final ? responsesOutput(t, "completed") : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    temperature: 1,
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: final
      ? {
          input_tokens: t.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: t.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: t.inputTokens + t.outputTokens
        }
      : null,
    metadata: {}
  }
}

export const responsesFrames = (t: Turn): Array<string> => {
  const out: Array<string> = []
  let seq = 0
  const emit = (type: string, data: Record<string, unknown>) =>
    out.push(frame({ type, sequence_number: seq++, ...data }, type))
  emit("response.created", { response: responsesBody(t, "in_progress") })
  emit("response.in_progress", { response: responsesBody(t, "in_progress") })
  const items = responsesOutput(t, "completed")
  items.forEach((item, index) => {
    if (item.type === "message") {
      const id = item.id as string
      emit("response.output_item.added", {
        output_index: index,
        item: { ...item, status: "in_progress", content: [] }
      })
      const part = { type: "output_text", text: "", annotations: [], logprobs: [] }
      emit("response.content_part.added", { item_id: id, output_index: index, content_index: 0, part })
      for (const c of t.chunks) {
        emit("response.output_text.delta", {
          item_id: id,
          output_index: index,
          content_index: 0,
          delta: c,
          logprobs: []
        })
      }
      emit("response.output_text.done", {
        item_id: id,
        output_index: index,
        content_index: 0,
        text: t.text,
        logprobs: []
      })
      emit("response.content_part.done", {
        item_id: id,
        output_index: index,
        content_index: 0,
        part: { ...part, text: t.text }
      })
    } else {
      const id = item.id as string
      emit("response.output_item.added", {
        output_index: index,
        item: { ...item, status: "in_progress", arguments: "" }
      })
      for (const part of splitArgs(item.arguments as string)) {
        emit("response.function_call_arguments.delta", { item_id: id, output_index: index, delta: part })
      }
      emit("response.function_call_arguments.done", {
        item_id: id,
        output_index: index,
        arguments: item.arguments
      })
    }
    emit("response.output_item.done", { output_index: index, item })
  })
  const final = responsesBody(t, "completed")
  emit(final.status === "incomplete" ? "response.incomplete" : "response.completed", { response: final })
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic messages

const stopReason = (f: Finish): string =>
  f === "tool_calls" ? "tool_use" : f === "length" ? "max_tokens" : f === "content_filter" ? "refusal" : "end_turn"

const toolInput = (args: string): unknown => {
  try {
    return JSON.parse(args)
  } catch {
    return args
  }
}

const anthropicUsage = (t: Turn, output: number) => ({
  input_tokens: t.inputTokens,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  output_tokens: output,
  service_tier: "standard"
})

export const messagesBody = (t: Turn): Record<string, unknown> => ({
  id: t.id,
  type: "message",
  role: "assistant",
  model: t.model,
  content: [
    ...(t.text !== "" || t.toolCalls.length === 0 ? [{ type: "text", text: t.text }] : []),
    ...t.toolCalls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: toolInput(c.arguments) }))
  ],
  stop_reason: stopReason(t.finish),
  stop_sequence: null,
  usage: anthropicUsage(t, t.outputTokens)
})

export const messagesFrames = (t: Turn): Array<string> => {
  const out: Array<string> = []
  const emit = (type: string, data: Record<string, unknown>) => out.push(frame({ type, ...data }, type))
  emit("message_start", {
    message: { ...messagesBody(t), content: [], stop_reason: null, usage: anthropicUsage(t, 1) }
  })
  let index = 0
  if (t.text !== "" || t.toolCalls.length === 0) {
    emit("content_block_start", { index, content_block: { type: "text", text: "" } })
    if (index === 0) emit("ping", {})
    for (const c of t.chunks) {
      emit("content_block_delta", { index, delta: { type: "text_delta", text: c } })
    }
    emit("content_block_stop", { index })
    index++
  }
  for (const c of t.toolCalls) {
    emit("content_block_start", { index, content_block: { type: "tool_use", id: c.id, name: c.name, input: {} } })
    for (const part of splitArgs(c.arguments)) {
      emit("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: part } })
    }
    emit("content_block_stop", { index })
    index++
  }
  emit("message_delta", {
    delta: { stop_reason: stopReason(t.finish), stop_sequence: null },
    usage: { output_tokens: t.outputTokens }
  })
  emit("message_stop", {})
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Errors, as each provider shapes them

export type Family = "openai" | "anthropic"

const openaiType = (status: number): { type: string; code: string | null } =>
  status === 429
    ? { type: "requests", code: "rate_limit_exceeded" }
    : status === 400
      ? { type: "invalid_request_error", code: null }
      : status === 401
        ? { type: "invalid_request_error", code: "invalid_api_key" }
        : status === 404
          ? { type: "invalid_request_error", code: "model_not_found" }
          : status === 413
            ? { type: "invalid_request_error", code: "file_too_large" }
            : { type: "server_error", code: null }

const anthropicType = (status: number): string =>
  status === 400
    ? "invalid_request_error"
    : status === 401
      ? "authentication_error"
      : status === 403
        ? "permission_error"
        : status === 404
          ? "not_found_error"
          : status === 413
            ? "request_too_large"
            : status === 429
              ? "rate_limit_error"
              : status === 529
                ? "overloaded_error"
                : "api_error"

export const errorBody = (family: Family, status: number, message: string, param: string | null = null): string =>
  family === "anthropic"
    ? JSON.stringify({ type: "error", error: { type: anthropicType(status), message } })
    : JSON.stringify({ error: { message, ...openaiType(status), param } })
