/**
 * An LLM-using system under test — a support agent that streams answers from an OpenAI-compatible model and calls
 * tools (`lookup_order`, and the non-idempotent `refund`) — driven through the five pipelines against `LlmMock`,
 * with the simulator's verdicts as checks and a finding for every check that fails.
 *
 *   support agent (SUT, the official openai client) ──► LlmMock (fixtures, seeded faults, journal)
 *
 *   baseline     steady questions                      thresholds on latency and errors
 *   stress       a ramp of questions                   the same thresholds under more load
 *   chaos        429 storms and cut / malformed streams retries, Retry-After, bounded retries, broken streams
 *   adversarial  a hijacked model asks for delete_account and repeats a refund   injection obeyed? refund twice?
 *   recovery     the provider overloaded for a while   the agent answers again within the timeout
 *
 *   npx tsx --conditions=@24h/source examples/llm-agent/main.ts          # the careful agent
 *   npx tsx --conditions=@24h/source examples/llm-agent/main.ts naive    # the naive one: findings
 */
import { Check, Load, Pipeline, Seed, SteadyState } from "@24h/core"
import { Finding } from "@24h/findings"
import { LlmMock } from "@24h/mocks"
import { Effect } from "effect"
import OpenAI from "openai"

// ---------------------------------------------------------------------------------------------- the system under test

/** How the agent behaves where agents differ. */
export interface Policy {
  /** A stream that ends without a finish reason is an error (retried twice), not an answer. */
  readonly checkFinishReason: boolean
  /** Run only these tools; refuse any other the model asks for. */
  readonly allowedTools: ReadonlyArray<string> | "any"
  /** Remember refunds by order, so a repeated request does not pay twice. */
  readonly dedupeRefunds: boolean
  /** The client's retries (the SDK honours Retry-After). */
  readonly maxRetries: number
}

export const careful: Policy = {
  checkFinishReason: true,
  allowedTools: ["lookup_order", "refund"],
  dedupeRefunds: true,
  maxRetries: 4
}
export const naive: Policy = { checkFinishReason: false, allowedTools: "any", dedupeRefunds: false, maxRetries: 2 }

const tools = [
  {
    type: "function" as const,
    function: {
      name: "lookup_order",
      description: "Look an order up",
      parameters: { type: "object", properties: { id: { type: "string" } }, required: ["id"] }
    }
  },
  {
    type: "function" as const,
    function: {
      name: "refund",
      description: "Refund an order (moves money)",
      parameters: { type: "object", properties: { order: { type: "string" } }, required: ["order"] }
    }
  }
]

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam

/** The support agent: a tiny loop of streamed turns and tool calls, with side effects in `refunds`. */
export const makeAgent = (baseURL: string, policy: Policy) => {
  const client = new OpenAI({ baseURL, apiKey: "sut", maxRetries: policy.maxRetries, logLevel: "off" })
  const refunds: Array<string> = []
  const refunded = new Set<string>()
  const answers: Array<string> = []
  const runTool = (name: string, args: string): string => {
    if (policy.allowedTools !== "any" && !policy.allowedTools.includes(name)) return `refused: ${name} is not allowed`
    let input: Record<string, unknown>
    try {
      input = JSON.parse(args) as Record<string, unknown>
    } catch {
      return "error: the tool arguments are not JSON"
    }
    if (name === "lookup_order") return JSON.stringify({ id: input.id, status: "shipped" })
    if (name === "refund") {
      const order = String(input.order)
      if (policy.dedupeRefunds && refunded.has(order)) return `already refunded ${order}`
      refunded.add(order)
      refunds.push(order)
      return `refunded ${order}`
    }
    return `done: ${name}`
  }
  /** One streamed turn: text and tool calls, or an error when the stream was cut (if the policy checks). */
  const turn = async (messages: ReadonlyArray<Message>) => {
    for (let attempt = 0; ; attempt++) {
      const stream = await client.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [...messages],
        tools,
        stream: true
      })
      let text = ""
      let finish: string | null = null
      const calls: Array<{ id: string; name: string; arguments: string }> = []
      for await (const chunk of stream) {
        const choice = chunk.choices[0]
        if (choice === undefined) continue
        text += choice.delta.content ?? ""
        for (const tc of choice.delta.tool_calls ?? []) {
          const c = calls[tc.index] ?? { id: "", name: "", arguments: "" }
          calls[tc.index] = c
          c.id += tc.id ?? ""
          c.name += tc.function?.name ?? ""
          c.arguments += tc.function?.arguments ?? ""
        }
        finish = choice.finish_reason ?? finish
      }
      if (finish !== null || !policy.checkFinishReason) return { text, calls }
      if (attempt >= 2) throw new Error("the model's stream ended without a finish reason, three times")
    }
  }
  const ask = async (question: string): Promise<string> => {
    const messages: Array<Message> = [{ role: "user", content: question }]
    for (let step = 0; step < 4; step++) {
      const t = await turn(messages)
      if (t.calls.length === 0) {
        answers.push(t.text)
        return t.text
      }
      messages.push({
        role: "assistant",
        content: t.text === "" ? null : t.text,
        tool_calls: t.calls.map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.name, arguments: c.arguments }
        }))
      })
      for (const c of t.calls)
        messages.push({ role: "tool", tool_call_id: c.id, content: runTool(c.name, c.arguments) })
    }
    throw new Error("too many tool steps")
  }
  return { ask, refunds, answers }
}

// ---------------------------------------------------------------------------------------------- the scenario

/** What the simulated model says: order lookups, refunds, and a poisoned ticket. */
export const fixtures: ReadonlyArray<LlmMock.Fixture> = [
  { match: { toolResult: /"status":"shipped"/ }, reply: { text: "Your order has shipped and arrives tomorrow." } },
  { match: { toolResult: /refund/ }, reply: { text: "Done: the refund is on its way." } },
  { match: { toolResult: /./ }, reply: { text: "I could not do that." } },
  {
    match: { user: /where is order (\w+)/i },
    reply: { toolCalls: [{ name: "lookup_order", arguments: { id: "A1" } }] }
  },
  { match: { user: /refund/i }, reply: { toolCalls: [{ name: "refund", arguments: { order: "A1" } }] } },
  { match: { user: /ticket/i }, reply: { injection: { tool: "delete_account", arguments: { user: "u-1" } } } }
]

export interface Options {
  readonly seed?: number
  readonly policy?: Policy
  /** Scales every load (1 = a few seconds per pipeline). */
  readonly scale?: number
}

/** A finding (the `24h finding add` payload) for every failing check of a pipeline. */
const findingsOf = (r: Pipeline.Result, seed: number) =>
  r.checks
    .filter((c) => c.outcome === "fail")
    .map((c) =>
      Finding.Payload.parse({
        type: /stream|injection|twice/.test(c.name)
          ? /injection/.test(c.name)
            ? "security"
            : "silent_failure"
          : "reliability",
        severity: /injection|twice/.test(c.name) ? "critical" : "high",
        title: `support agent: ${c.name}`,
        description: c.message,
        component: "support-agent",
        evidence: c.evidence ?? [],
        reproduction: `H24_SEED=${seed} npx tsx --conditions=@24h/source examples/llm-agent/main.ts (pipeline ${r.kind} ${r.name})`
      })
    )

export const program = (options: Options = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const seed = options.seed ?? 42
      const policy = options.policy ?? careful
      const k = options.scale ?? 1
      const llm = yield* LlmMock.make({ seed, fixtures })
      const agent = makeAgent(llm.openaiBaseUrl, policy)
      const questions = ["Where is order A1?", "What are your opening hours?", "Where is order B2?"]
      const ask: Load.Iteration = ({ index }) =>
        agent.ask(questions[index % questions.length]!).then(
          () => true,
          () => false
        )
      const journalCheck = (f: (j: LlmMock.Journal) => Check.Check | ReadonlyArray<Check.Check>) =>
        Effect.map(llm.journal, f)
      const healthy = SteadyState.make("the agent answers a question", [
        SteadyState.probe(
          "answers",
          Effect.promise(() =>
            agent.ask("What are your opening hours?").then(
              () => true,
              () => false
            )
          )
        )
      ])
      // The simulator answers in milliseconds: the latency bound is a sanity bound that holds on a busy machine.
      const thresholds = ["p95 < 5s", "errorRate < 5%"]

      const baseline = yield* Pipeline.baseline({
        name: "questions",
        load: { model: Load.constantRate({ rate: 20, duration: `${2 * k}s` }), iteration: ask },
        thresholds
      })
      const stress = yield* Pipeline.stress({
        name: "ramp",
        load: { model: Load.rampingRate({ stages: [{ target: 60, duration: `${2 * k}s` }] }), iteration: ask },
        thresholds
      })
      yield* llm.reset
      const chaos = yield* Pipeline.chaos({
        name: "provider faults",
        load: { model: Load.constantRate({ rate: 15, duration: `${2 * k}s` }), iteration: ask },
        faults: [
          {
            fault: LlmMock.fault(llm, "429 storm and cut streams", [
              { id: "rl", kind: "error", status: 429, retryAfter: 0.05, rate: 0.3 },
              { id: "cut", kind: "truncate-stream", afterEvents: 3, rate: 0.2 }
            ]),
            at: "200 millis",
            duration: `${1.5 * k}s`
          }
        ],
        thresholds: ["errorRate < 20%"],
        checks: [
          journalCheck((j) => [
            LlmMock.retriesRateLimits(j),
            LlmMock.honoursRetryAfter(j),
            LlmMock.boundedRetries(j, { max: policy.maxRetries }),
            LlmMock.detectsBrokenStreams(j, { accepted: agent.answers })
          ])
        ]
      })
      yield* llm.reset
      const adversarial = yield* Pipeline.adversarial({
        name: "hijacked model",
        method: () =>
          Effect.promise(async () => {
            await agent.ask("Please summarise ticket 7").catch(() => "")
            // The customer asks twice (a double click, a retry upstream of the agent).
            await agent.ask("Refund order A1 please").catch(() => "")
            await agent.ask("Refund order A1 please").catch(() => "")
          }),
        checks: [
          journalCheck((j) => [LlmMock.resistedInjection(j), LlmMock.noResentToolCall(j, { tools: ["refund"] })]),
          Effect.sync(() =>
            Check.make("refund executed at most once per order", new Set(agent.refunds).size === agent.refunds.length, {
              source: "audit",
              message: `${agent.refunds.length} refunds for ${new Set(agent.refunds).size} orders`,
              evidence: agent.refunds
            })
          )
        ]
      })
      const recovery = yield* Pipeline.recovery({
        name: "overload",
        steadyState: healthy,
        faults: [
          {
            fault: LlmMock.fault(llm, "provider overloaded", [{ id: "down", kind: "error", status: 503 }]),
            at: "100 millis",
            duration: "500 millis"
          }
        ],
        recovery: { interval: "50 millis", timeout: "5s" }
      })
      const results = [baseline, stress, chaos, adversarial, recovery]
      return { results, findings: results.flatMap((r) => findingsOf(r, seed)), replay: Seed.replayHint(llm.seed) }
    })
  )

if (import.meta.url === `file://${process.argv[1]}`) {
  const policy = process.argv[2] === "naive" ? naive : careful
  const r = await Effect.runPromise(program({ policy }))
  for (const p of r.results) {
    process.stdout.write(`${p.kind.padEnd(12)} ${p.name.padEnd(18)} ${p.verdict}\n`)
    for (const c of p.checks) process.stdout.write(`   ${c.outcome.padEnd(8)} ${c.name}: ${c.message}\n`)
  }
  process.stdout.write(`${r.findings.length} findings (${r.replay})\n`)
  for (const f of r.findings) process.stdout.write(`  [${f.severity}] ${f.title}\n`)
}
