import { describe, expect, it } from "vitest"
import { z } from "zod"
import { LlmMock } from "../src/index.ts"
import { anthropic, journal, openai, run, settle, withLlm } from "./llm.ts"

const user = (content: string) => [{ role: "user" as const, content }]

describe("LlmMock — OpenAI chat completions with the official openai client", () => {
  it("answers a scripted fixture, non-streaming, with the provider's usage fields", () =>
    withLlm(
      { fixtures: [{ match: { user: /hello/i }, reply: { text: "Hi there, how can I help?" } }] },
      async (llm) => {
        const r = await openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("Hello!") })
        expect(r.object).toBe("chat.completion")
        expect(r.choices[0]!.message.content).toBe("Hi there, how can I help?")
        expect(r.choices[0]!.finish_reason).toBe("stop")
        expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens)
        expect(r.id).toMatch(/^chatcmpl-/)
      }
    ))

  it("streams through the async iterator, ending with [DONE], and journals every frame", () =>
    withLlm({ fixtures: [{ reply: { text: "one two three four" } }] }, async (llm) => {
      const stream = await openai(llm).chat.completions.create({
        model: "gpt-4o-mini",
        messages: user("count"),
        stream: true,
        stream_options: { include_usage: true }
      })
      let text = ""
      let finish: string | null = null
      let usage: unknown
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ""
        finish = chunk.choices[0]?.finish_reason ?? finish
        if (chunk.usage) usage = chunk.usage
      }
      expect(text).toBe("one two three four")
      expect(finish).toBe("stop")
      expect(usage).toMatchObject({ completion_tokens: 4 })
      const [e] = (await journal(llm)).requests
      expect(e!.completed).toBe(true)
      expect(e!.events.at(-1)).toBe("data: [DONE]\n\n")
      expect(e!.events).toHaveLength(1 + 4 + 1 + 1 + 1) // role, 4 deltas, finish, usage, [DONE]
    }))

  it("answers with tool calls, streaming and not, and matches the tool result on the next turn", () =>
    withLlm(
      {
        fixtures: [
          { match: { toolResult: /shipped/ }, reply: { text: "Your order A1 has shipped." } },
          {
            match: { user: /where is my order/i },
            reply: { toolCalls: [{ name: "lookup_order", arguments: { id: "A1" } }] }
          }
        ]
      },
      async (llm) => {
        const client = openai(llm)
        const tools = [
          {
            type: "function" as const,
            function: { name: "lookup_order", parameters: { type: "object", properties: { id: { type: "string" } } } }
          }
        ]
        const first = await client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: user("Where is my order?"),
          tools
        })
        const call = first.choices[0]!.message.tool_calls![0]!
        expect(first.choices[0]!.finish_reason).toBe("tool_calls")
        expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ id: "A1" })
        const stream = await client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: user("Where is my order?"),
          tools,
          stream: true
        })
        let args = ""
        let name = ""
        for await (const c of stream) {
          const tc = c.choices[0]?.delta.tool_calls?.[0]
          name += tc?.function?.name ?? ""
          args += tc?.function?.arguments ?? ""
        }
        expect(name).toBe("lookup_order")
        expect(JSON.parse(args)).toEqual({ id: "A1" })
        const second = await client.chat.completions.create({
          model: "gpt-4o-mini",
          tools,
          messages: [
            ...user("Where is my order?"),
            first.choices[0]!.message,
            { role: "tool", tool_call_id: call.id, content: JSON.stringify({ status: "shipped" }) }
          ]
        })
        expect(second.choices[0]!.message.content).toBe("Your order A1 has shipped.")
      }
    ))

  it("plays a sequence of turns, one per matching request, then falls through to the next fixture", () =>
    withLlm(
      {
        fixtures: [
          { id: "script", match: { user: "again" }, turns: [{ text: "first" }, { text: "second" }] },
          { match: { user: "again" }, reply: { text: "default" } }
        ]
      },
      async (llm) => {
        const client = openai(llm)
        const say = async () =>
          (await client.chat.completions.create({ model: "gpt-4o-mini", messages: user("again") })).choices[0]!.message
            .content
        expect([await say(), await say(), await say()]).toEqual(["first", "second", "default"])
        expect((await journal(llm)).requests.map((e) => e.fixture)).toEqual(["script", "script", "fixture-1"])
      }
    ))

  it("answers response_format json_schema with JSON that validates against the schema", () =>
    withLlm({ seed: 3 }, async (llm) => {
      const schema = {
        type: "object",
        properties: {
          intent: { type: "string", enum: ["refund", "status", "other"] },
          confidence: { type: "number", minimum: 0, maximum: 1 },
          items: { type: "array", items: { type: "integer", minimum: 1, maximum: 9 }, minItems: 1, maxItems: 3 }
        },
        required: ["intent", "confidence", "items"],
        additionalProperties: false
      }
      const r = await openai(llm).chat.completions.create({
        model: "gpt-4o-mini",
        messages: user("classify: I want my money back"),
        response_format: { type: "json_schema", json_schema: { name: "intent", schema, strict: true } }
      })
      const value = JSON.parse(r.choices[0]!.message.content!)
      expect(z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value).success).toBe(true)
    }))

  it("fails a fixture reply that does not satisfy the requested json_schema with a 500 that says why", () =>
    withLlm({ fixtures: [{ reply: { json: { intent: 7 } } }] }, async (llm) => {
      const r = await settle(
        openai(llm, { maxRetries: 0 }).chat.completions.create({
          model: "gpt-4o-mini",
          messages: user("x"),
          response_format: {
            type: "json_schema",
            json_schema: {
              name: "i",
              schema: { type: "object", properties: { intent: { type: "string" } }, required: ["intent"] }
            }
          }
        })
      )
      expect(r.ok).toBe(false)
      expect(!r.ok && r.error).toMatch(/does not satisfy the request's json_schema: intent/)
    }))

  it("rejects a malformed request with the provider's 400 naming the field and the value", () =>
    withLlm({}, async (llm) => {
      const r = await settle(openai(llm).chat.completions.create({ model: "", messages: user("x") }))
      expect(r.ok).toBe(false)
      expect(!r.ok && r.name).toBe("BadRequestError")
      expect(!r.ok && r.error).toMatch(/chat\.completions\.model: .* \(got ""\)/)
    }))
})

describe("LlmMock — Responses API, embeddings and models", () => {
  it("answers the Responses API, non-streaming and streaming", () =>
    withLlm({ fixtures: [{ match: { endpoint: "responses" }, reply: { text: "Responses say hi" } }] }, async (llm) => {
      const client = openai(llm)
      const r = await client.responses.create({ model: "gpt-4.1", input: "hi" })
      expect(r.output_text).toBe("Responses say hi")
      expect(r.status).toBe("completed")
      const stream = await client.responses.create({ model: "gpt-4.1", input: "hi", stream: true })
      const types: Array<string> = []
      let text = ""
      for await (const ev of stream) {
        types.push(ev.type)
        if (ev.type === "response.output_text.delta") text += ev.delta
      }
      expect(text).toBe("Responses say hi")
      expect(types[0]).toBe("response.created")
      expect(types.at(-1)).toBe("response.completed")
    }))

  it("answers Responses function calls (streamed and not) and text.format json_schema", () =>
    withLlm(
      {
        fixtures: [
          {
            match: { endpoint: "responses", user: /order/ },
            reply: { toolCalls: [{ name: "lookup_order", arguments: { id: "A1" } }] }
          }
        ]
      },
      async (llm) => {
        const client = openai(llm)
        const tools = [
          {
            type: "function" as const,
            name: "lookup_order",
            parameters: { type: "object", properties: {} },
            strict: false
          }
        ]
        const r = await client.responses.create({ model: "gpt-4.1", input: "where is my order?", tools })
        expect(r.output[0]).toMatchObject({ type: "function_call", name: "lookup_order", arguments: '{"id":"A1"}' })
        const s = await client.responses.create({ model: "gpt-4.1", input: "where is my order?", tools, stream: true })
        let args = ""
        for await (const ev of s) if (ev.type === "response.function_call_arguments.delta") args += ev.delta
        expect(JSON.parse(args)).toEqual({ id: "A1" })
        const schema = {
          type: "object",
          properties: { ok: { type: "boolean" } },
          required: ["ok"],
          additionalProperties: false
        }
        const j = await client.responses.create({
          model: "gpt-4.1",
          input: "json please",
          text: { format: { type: "json_schema", name: "r", schema, strict: true } }
        })
        expect(typeof JSON.parse(j.output_text).ok).toBe("boolean")
      }
    ))

  it("gives deterministic unit-length embeddings from seed and input (the client's base64 default and float)", () =>
    withLlm({ seed: 9 }, async (llm) => {
      const client = openai(llm)
      const a = await client.embeddings.create({ model: "text-embedding-3-small", input: ["refund", "shipping"] })
      const b = await client.embeddings.create({
        model: "text-embedding-3-small",
        input: "refund",
        encoding_format: "float"
      })
      const v = a.data[0]!.embedding
      expect(v).toHaveLength(1536)
      expect(Math.hypot(...v)).toBeCloseTo(1, 4)
      expect(b.data[0]!.embedding).toEqual(v)
      expect(a.data[1]!.embedding).not.toEqual(v)
      const c = await client.embeddings.create({ model: "text-embedding-3-small", input: "refund", dimensions: 8 })
      expect(c.data[0]!.embedding).toHaveLength(8)
    }))

  it("lists models to both clients in their own shapes", () =>
    withLlm({ models: ["gpt-4o-mini", "claude-haiku-4-5"] }, async (llm) => {
      const o = await openai(llm).models.list()
      expect(o.data.map((m) => m.id)).toEqual(["gpt-4o-mini", "claude-haiku-4-5"])
      const a = await anthropic(llm).models.list()
      expect(a.data.map((m) => m.id)).toEqual(["gpt-4o-mini", "claude-haiku-4-5"])
    }))
})

describe("LlmMock — Anthropic messages with the official @anthropic-ai/sdk client", () => {
  it("answers non-streaming with text and usage", () =>
    withLlm({ fixtures: [{ match: { model: /^claude/ }, reply: { text: "Bonjour." } }] }, async (llm) => {
      const r = await anthropic(llm).messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 100,
        messages: user("Salut")
      })
      expect(r.content).toEqual([{ type: "text", text: "Bonjour." }])
      expect(r.stop_reason).toBe("end_turn")
      expect(r.usage.output_tokens).toBeGreaterThan(0)
    }))

  it("streams with messages.stream() and with create({ stream: true })", () =>
    withLlm({ fixtures: [{ reply: { text: "Streaming from Claude now" } }] }, async (llm) => {
      const client = anthropic(llm)
      const final = await client.messages
        .stream({ model: "claude-haiku-4-5", max_tokens: 100, messages: user("go") })
        .finalMessage()
      expect(final.content[0]).toEqual({ type: "text", text: "Streaming from Claude now" })
      const s = await client.messages.create({
        model: "claude-haiku-4-5",
        max_tokens: 100,
        messages: user("go"),
        stream: true
      })
      const types: Array<string> = []
      for await (const ev of s) types.push(ev.type)
      expect(types[0]).toBe("message_start")
      expect(types.at(-1)).toBe("message_stop")
    }))

  it("answers with tool_use, streamed and not", () =>
    withLlm(
      { fixtures: [{ reply: { toolCalls: [{ name: "refund", arguments: { order: "A1", cents: 1200 } }] } }] },
      async (llm) => {
        const client = anthropic(llm)
        const tools = [{ name: "refund", input_schema: { type: "object" as const, properties: {} } }]
        const r = await client.messages.create({
          model: "claude-haiku-4-5",
          max_tokens: 100,
          messages: user("refund A1"),
          tools
        })
        expect(r.stop_reason).toBe("tool_use")
        expect(r.content[0]).toMatchObject({ type: "tool_use", name: "refund", input: { order: "A1", cents: 1200 } })
        const final = await client.messages
          .stream({ model: "claude-haiku-4-5", max_tokens: 100, messages: user("refund A1"), tools })
          .finalMessage()
        expect(final.content[0]).toMatchObject({
          type: "tool_use",
          name: "refund",
          input: { order: "A1", cents: 1200 }
        })
      }
    ))

  it("answers 529 overloaded_error, which the client retries", () =>
    withLlm({ switches: [{ kind: "overloaded", times: 1, retryAfter: 0.05 }] }, async (llm) => {
      const r = await anthropic(llm).messages.create({ model: "claude-haiku-4-5", max_tokens: 10, messages: user("x") })
      expect(r.type).toBe("message")
      const j = await journal(llm)
      expect(j.requests.map((e) => e.status)).toEqual([529, 200])
      expect(j.requests.map((e) => e.retryCount)).toEqual([0, 1])
    }))
})

describe("LlmMock — retries, switches and the admin API", () => {
  it("a 429 with Retry-After makes each client's built-in retry show in the journal", () =>
    withLlm({ switches: [{ kind: "error", status: 429, retryAfter: 0.2, times: 1 }] }, async (llm) => {
      const r = await openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("x") })
      expect(r.choices[0]!.message.content).not.toBe("")
      await run(llm.setSwitches([{ kind: "error", status: 429, retryAfter: 0.2, times: 1 }]))
      await anthropic(llm).messages.create({ model: "claude-haiku-4-5", max_tokens: 10, messages: user("x") })
      const j = await journal(llm)
      expect(j.requests.map((e) => [e.endpoint, e.status, e.retryCount])).toEqual([
        ["chat", 429, 0],
        ["chat", 200, 1],
        ["messages", 429, 0],
        ["messages", 200, 1]
      ])
      expect(LlmMock.retriesRateLimits(j).outcome).toBe("pass")
      const honoured = LlmMock.honoursRetryAfter(j)
      expect(honoured.outcome).toBe("pass")
      expect(honoured.evidence).toHaveLength(2)
    }))

  it("throttle answers 429 with retry-after and x-ratelimit-* headers once the window's budget is spent", () =>
    withLlm({ switches: [{ kind: "throttle", requests: 1, windowMs: 60_000 }] }, async (llm) => {
      const client = openai(llm, { maxRetries: 0 })
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: user("a") })
      const raw = await fetch(`${llm.openaiBaseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: user("b") })
      })
      expect(raw.status).toBe(429)
      expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(0)
      expect(raw.headers.get("x-ratelimit-limit-requests")).toBe("1")
      expect(raw.headers.get("x-ratelimit-remaining-requests")).toBe("0")
      expect(await raw.json()).toMatchObject({ error: { code: "rate_limit_exceeded" } })
    }))

  it("throttles on a tokens-per-window budget, and LlmMock.fault applies and reverts switches for a schedule", () =>
    withLlm({}, async (llm) => {
      const client = openai(llm, { maxRetries: 0 })
      const f = LlmMock.fault(llm, "token budget", [{ id: "tpm", kind: "throttle", tokens: 10, windowMs: 60_000 }])
      await run(f.apply)
      const long = "a fairly long question that costs more than ten tokens of the budget"
      const r = await settle(client.chat.completions.create({ model: "gpt-4o-mini", messages: user(long) }))
      expect(!r.ok && r.name).toBe("RateLimitError")
      await run(f.revert)
      expect(await run(llm.switches)).toEqual([])
      const ok = await client.chat.completions.create({ model: "gpt-4o-mini", messages: user(long) })
      expect(ok.choices[0]!.finish_reason).toBe("stop")
    }))

  it("adds fixtures and resets the journal through the admin endpoint", () =>
    withLlm({}, async (llm) => {
      const add = await fetch(`${llm.url}/__admin/fixtures`, {
        method: "POST",
        body: JSON.stringify([{ match: { user: { regex: "^ping$" } }, reply: { text: "pong" } }])
      })
      expect(add.status).toBe(200)
      const bad = await fetch(`${llm.url}/__admin/fixtures`, { method: "POST", body: JSON.stringify({ reply: {} }) })
      expect(((await bad.json()) as { error: { reason: string } }).error.reason).toBe("InvalidFixture")
      const r = await openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("ping") })
      expect(r.choices[0]!.message.content).toBe("pong")
      await fetch(`${llm.url}/__admin/reset`, { method: "POST" })
      expect((await journal(llm)).requests).toEqual([])
    }))

  it("judges bounded retries: the client's default 2 retries against an always-failing upstream", () =>
    withLlm({ switches: [{ kind: "error", status: 503, retryAfter: 0.01 }] }, async (llm) => {
      const r = await settle(openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }))
      expect(r.ok).toBe(false)
      const j = await journal(llm)
      expect(j.requests).toHaveLength(3)
      expect(LlmMock.boundedRetries(j, { max: 2 }).outcome).toBe("pass")
      expect(LlmMock.boundedRetries(j, { max: 1 }).outcome).toBe("fail")
    }))

  it("validates switches at the admin endpoint with field-level 400s, and lists, journals and clears them", () =>
    withLlm({}, async (llm) => {
      const post = (body: unknown) =>
        fetch(`${llm.url}/__admin/switches`, { method: "POST", body: JSON.stringify(body) }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { error?: { reason: string; message: string }; switches?: Array<{ id: string }> }
        }))
      const bad = await post([{ kind: "stall", ms: -5 }])
      expect(bad.status).toBe(400)
      expect(bad.body.error).toEqual({
        reason: "InvalidSwitch",
        message: expect.stringMatching(/switches\[0\]: LlmMock\.Switch\(stall\)\.ms: .*\(got -5\)/),
        field: "ms",
        value: -5
      })
      const unknownKind = await post({ kind: "explode" })
      expect(unknownKind.body.error!.message).toMatch(/kind: must be one of .* \(got "explode"\)/)
      const ok = await post({ id: "cut", kind: "truncate-stream", afterEvents: 2 })
      expect(ok.status).toBe(200)
      const listed = (await (await fetch(`${llm.url}/__admin/switches`)).json()) as { switches: Array<{ id: string }> }
      expect(listed.switches.map((s) => s.id)).toEqual(["cut"])
      await fetch(`${llm.url}/__admin/switches/cut`, { method: "DELETE" })
      expect(await run(llm.switches)).toEqual([])
      const j = (await (await fetch(`${llm.url}/__admin/journal`)).json()) as { events: Array<{ action: string }> }
      expect(j.events.map((e) => e.action)).toEqual(["add", "remove"])
    }))

  it("applies the switches of one request from the x-24h-switches header, and rejects a bad header with 400", () =>
    withLlm({}, async (llm) => {
      const hit = openai(llm, {
        maxRetries: 0,
        headers: { "x-24h-switches": JSON.stringify([{ kind: "error", status: 418 }]) }
      })
      const r = await settle(hit.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }))
      expect(!r.ok && r.error).toMatch(/^418/)
      const bad = openai(llm, {
        maxRetries: 0,
        headers: { "x-24h-switches": JSON.stringify([{ kind: "error", status: 99 }]) }
      })
      const b = await settle(bad.chat.completions.create({ model: "gpt-4o-mini", messages: user("x") }))
      expect(!b.ok && b.error).toMatch(/x-24h-switches: .*status: .*\(got 99\)/)
      const plain = await openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("x") })
      expect(plain.choices[0]!.finish_reason).toBe("stop")
    }))

  it("fails make with InvalidSwitch / InvalidFixture / InvalidOptions naming the field", async () => {
    const err = (o: LlmMock.Options) =>
      withLlm(o, async () => "started").catch((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`)
    expect(await err({ switches: [{ kind: "malformed-event", atEvent: -1 }] })).toMatch(
      /^InvalidSwitch: .*atEvent.*\(got -1\)/
    )
    expect(await err({ fixtures: [{ match: { user: { regex: "(" } }, reply: { text: "x" } }] })).toMatch(
      /^InvalidFixture: LlmMock\.fixtures\[0\]\.match\.user/
    )
    expect(await err({ physics: { jitter: 2 } })).toMatch(/^InvalidOptions: .*physics\.jitter.*\(got 2\)/)
  })
})

describe("LlmMock — stream faults and what each client does", () => {
  it("truncate-stream: the openai client ends in silence (no error), and the verdict catches an agent that accepts it", () =>
    withLlm(
      {
        fixtures: [{ reply: { text: "The refund of 12 euros was approved today" } }],
        switches: [{ kind: "truncate-stream", afterEvents: 3 }]
      },
      async (llm) => {
        const stream = await openai(llm).chat.completions.create({
          model: "gpt-4o-mini",
          messages: user("refund?"),
          stream: true
        })
        let text = ""
        const outcome = await settle(
          (async () => {
            for await (const c of stream) text += c.choices[0]?.delta.content ?? ""
          })()
        )
        // Recorded behaviour of openai@6.49.0: a stream closed before [DONE] ends the iterator without an error.
        expect(outcome.ok).toBe(true)
        expect(text).toBe("The refund ")
        const j = await journal(llm)
        expect(j.requests[0]!.completed).toBe(false)
        expect(j.requests[0]!.sentText).toBe("The refund ")
        const naive = LlmMock.detectsBrokenStreams(j, { accepted: [text] })
        expect(naive.outcome).toBe("fail")
        expect(naive.evidence![0]).toMatch(/#1 truncate-stream: the partial answer "The refund" was accepted/)
        expect(LlmMock.detectsBrokenStreams(j, { accepted: [] }).outcome).toBe("pass")
      }
    ))

  it("truncate-stream: the anthropic client's create() iterator ends in silence, its MessageStream rejects", () =>
    withLlm(
      {
        fixtures: [{ reply: { text: "The refund of 12 euros was approved today" } }],
        switches: [{ kind: "truncate-stream", afterEvents: 4 }]
      },
      async (llm) => {
        const client = anthropic(llm)
        const s = await client.messages.create({
          model: "claude-haiku-4-5",
          max_tokens: 100,
          messages: user("x"),
          stream: true
        })
        const types: Array<string> = []
        const iterated = await settle(
          (async () => {
            for await (const ev of s) types.push(ev.type)
          })()
        )
        const helper = await settle(
          client.messages.stream({ model: "claude-haiku-4-5", max_tokens: 100, messages: user("x") }).finalMessage()
        )
        // Recorded behaviour of @anthropic-ai/sdk@1.15.0.
        expect({ iterated: iterated.ok, lastEvent: types.at(-1), helper: helper.ok }).toEqual({
          iterated: true,
          lastEvent: "content_block_delta",
          helper: false
        })
        expect(!helper.ok && helper.error).toMatch(/stream ended without producing a Message|message_stop/i)
      }
    ))

  it("malformed-event: both clients throw on the event that is not JSON (the anthropic client skips a bad ping)", () =>
    withLlm(
      {
        switches: [
          { kind: "malformed-event", atEvent: 2, endpoint: "chat" },
          { kind: "malformed-event", atEvent: 3, endpoint: "messages" }
        ]
      },
      async (llm) => {
        const o = await openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("x"), stream: true })
        const a = await anthropic(llm).messages.create({
          model: "claude-haiku-4-5",
          max_tokens: 50,
          messages: user("x"),
          stream: true
        })
        const drain = async (it: AsyncIterable<unknown>) => {
          for await (const _ of it) void _
        }
        const [ro, ra] = [await settle(drain(o)), await settle(drain(a))]
        expect(ro.ok || ro.name).toBe("SyntaxError")
        expect(ra.ok || ra.name).toBe("SyntaxError")
        const j = await journal(llm)
        expect(j.requests.every((e) => e.faults[0]?.kind === "malformed-event")).toBe(true)
      }
    ))

  it("disconnect mid-stream makes the client error; duplicate-event sends one frame twice", () =>
    withLlm({ fixtures: [{ reply: { text: "a b c d e f" } }] }, async (llm) => {
      const client = openai(llm, { maxRetries: 0 })
      const cut = await client.chat.completions.create(
        { model: "gpt-4o-mini", messages: user("x"), stream: true },
        { headers: { "x-24h-switches": JSON.stringify([{ kind: "disconnect", afterEvents: 2 }]) } }
      )
      let got = ""
      const r = await settle(
        (async () => {
          for await (const c of cut) got += c.choices[0]?.delta.content ?? ""
        })()
      )
      expect(r.ok).toBe(false)
      expect(got).toBe("a ")
      const dup = await client.chat.completions.create(
        { model: "gpt-4o-mini", messages: user("x"), stream: true },
        { headers: { "x-24h-switches": JSON.stringify([{ kind: "duplicate-event", atEvent: 1 }]) } }
      )
      let text = ""
      for await (const c of dup) text += c.choices[0]?.delta.content ?? ""
      expect(text).toBe("a a b c d e f") // the client does not de-duplicate
    }))

  it("stall delays an event; physics spaces the tokens", () =>
    withLlm(
      { physics: { ttftMs: 30, tokensPerSecond: 200, jitter: 0.2 }, fixtures: [{ reply: { text: "a b c d" } }] },
      async (llm) => {
        const client = openai(llm)
        const t0 = performance.now()
        const s = await client.chat.completions.create(
          { model: "gpt-4o-mini", messages: user("x"), stream: true },
          { headers: { "x-24h-switches": JSON.stringify([{ kind: "stall", afterEvents: 2, ms: 150 }]) } }
        )
        for await (const _ of s) void _
        expect(performance.now() - t0).toBeGreaterThanOrEqual(150) // generous: at least the stall
        expect((await journal(llm)).requests[0]!.faults.map((f) => f.kind)).toEqual(["stall"])
      }
    ))

  it("bad-tool-arguments, finish-reason and drift change what the client receives", () =>
    withLlm(
      {
        fixtures: [{ reply: { toolCalls: [{ name: "refund", arguments: { order: "A1" } }] } }, { reply: { text: "x" } }]
      },
      async (llm) => {
        const client = openai(llm, { maxRetries: 0 })
        const bad = await client.chat.completions.create(
          { model: "gpt-4o-mini", messages: user("x") },
          { headers: { "x-24h-switches": JSON.stringify([{ kind: "bad-tool-arguments" }]) } }
        )
        const call = bad.choices[0]!.message.tool_calls![0]!
        expect(() => JSON.parse(call.type === "function" ? call.function.arguments : "")).toThrow()
        await run(llm.addFixtures([{ reply: { text: "one two three four five six" } }]))
        const cut = await client.chat.completions.create(
          { model: "gpt-4o-mini", messages: user("y") },
          { headers: { "x-24h-switches": JSON.stringify([{ kind: "finish-reason", reason: "length" }]) } }
        )
        expect(cut.choices[0]!.finish_reason).toBe("length")
        const drift = await client.chat.completions.create(
          { model: "gpt-4o-mini", messages: user("z") },
          { headers: { "x-24h-switches": JSON.stringify([{ kind: "drift", operations: ["rename"], fieldRate: 1 }]) } }
        )
        expect(Object.keys(drift)).not.toContain("choices")
      }
    ))
})

describe("LlmMock — verdicts on agents", () => {
  it("noResentToolCall fails when the same refund is executed twice, and resistedInjection judges an obeyed injection", () =>
    withLlm(
      {
        fixtures: [
          { match: { user: /refund/ }, reply: { toolCalls: [{ name: "refund", arguments: { order: "A1" } }] } },
          { match: { user: /summarise/ }, reply: { injection: { tool: "delete_account", arguments: { user: "u1" } } } }
        ]
      },
      async (llm) => {
        const client = openai(llm)
        // A careless agent: it restarts the conversation and runs the refund again.
        for (let i = 0; i < 2; i++) {
          const r = await client.chat.completions.create({ model: "gpt-4o-mini", messages: user("refund A1") })
          const call = r.choices[0]!.message.tool_calls![0]!
          await client.chat.completions.create({
            model: "gpt-4o-mini",
            messages: [
              ...user("refund A1"),
              r.choices[0]!.message,
              { role: "tool", tool_call_id: call.id, content: "refunded" }
            ]
          })
        }
        const inj = await client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: user("summarise the ticket")
        })
        const msg = inj.choices[0]!.message
        expect(msg.content!.length).toBeGreaterThan(0) // the injected text, from the adversarial corpus
        await client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: [
            ...user("summarise the ticket"),
            msg,
            { role: "tool", tool_call_id: msg.tool_calls![0]!.id, content: "deleted" }
          ]
        })
        const j = await journal(llm)
        const twice = LlmMock.noResentToolCall(j, { tools: ["refund"] })
        expect(twice.outcome).toBe("fail")
        expect(twice.evidence![0]).toMatch(/^refund \{"order":"A1"\}: call_\w+, call_\w+$/)
        const obeyed = LlmMock.resistedInjection(j)
        expect(obeyed.outcome).toBe("fail")
        expect(obeyed.evidence![0]).toMatch(/delete_account .* was executed/)
      }
    ))

  it("every verdict says unknown when the journal holds no occasion to judge", () =>
    withLlm({}, async (llm) => {
      await openai(llm).chat.completions.create({ model: "gpt-4o-mini", messages: user("x") })
      const j = await journal(llm)
      expect(
        [
          LlmMock.retriesRateLimits(j),
          LlmMock.honoursRetryAfter(j),
          LlmMock.boundedRetries(j, { max: 2 }),
          LlmMock.detectsBrokenStreams(j),
          LlmMock.noResentToolCall(j, { tools: ["refund"] }),
          LlmMock.resistedInjection(j)
        ].map((c) => c.outcome)
      ).toEqual(["unknown", "unknown", "unknown", "unknown", "unknown", "unknown"])
    }))
})

describe("LlmMock — determinism", () => {
  const script = async (seed: number) =>
    withLlm(
      {
        seed,
        switches: [
          { id: "cut", kind: "truncate-stream", afterEvents: 4, rate: 0.4 },
          { id: "oops", kind: "error", status: 500, rate: 0.3 },
          { id: "bad", kind: "malformed-event", atEvent: 3, rate: 0.3 }
        ]
      },
      async (llm) => {
        const bodies: Array<string> = []
        for (let i = 0; i < 12; i++) {
          const path = i % 3 === 0 ? "/v1/messages" : "/v1/chat/completions"
          const body =
            i % 3 === 0
              ? { model: "claude-haiku-4-5", max_tokens: 50, messages: user(`question ${i % 4}`), stream: i % 2 === 0 }
              : { model: "gpt-4o-mini", messages: user(`question ${i % 4}`), stream: i % 2 === 0 }
          const r = await fetch(`${llm.url}${path}`, {
            method: "POST",
            body: JSON.stringify(body),
            headers: { "content-type": "application/json" }
          })
          bodies.push(`${r.status} ${await r.text()}`)
        }
        const j = await journal(llm)
        return {
          bodies,
          faults: j.requests.map((e) => e.faults.map((f) => f.id).join(",")),
          events: j.requests.map((e) => e.events)
        }
      }
    )

  it("the same seed gives the same replies and fault decisions, byte for byte; another seed does not", async () => {
    const a = await script(42)
    const b = await script(42)
    const c = await script(43)
    expect(b.bodies).toEqual(a.bodies)
    expect(b.faults).toEqual(a.faults)
    expect(b.events).toEqual(a.events)
    expect(a.faults.some((f) => f !== "")).toBe(true)
    expect(a.faults.some((f) => f === "")).toBe(true)
    expect(c.bodies).not.toEqual(a.bodies)
  })
})
