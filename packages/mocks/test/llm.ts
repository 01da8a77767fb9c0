import Anthropic from "@anthropic-ai/sdk"
import { Effect } from "effect"
import OpenAI from "openai"
import { LlmMock } from "../src/index.ts"

/** Runs `f` with a simulator that lives for the duration of the call (its scope closes after, even on failure). */
export const withLlm = <A>(options: LlmMock.Options, f: (llm: LlmMock.LlmMock) => Promise<A>): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(LlmMock.make(options), (llm) => Effect.promise(() => f(llm)))))

export const openai = (llm: LlmMock.LlmMock, options: { maxRetries?: number; headers?: Record<string, string> } = {}) =>
  new OpenAI({
    baseURL: llm.openaiBaseUrl,
    apiKey: "test-key",
    maxRetries: options.maxRetries ?? 2,
    logLevel: "off",
    ...(options.headers === undefined ? {} : { defaultHeaders: options.headers })
  })

export const anthropic = (llm: LlmMock.LlmMock, options: { maxRetries?: number } = {}) =>
  new Anthropic({ baseURL: llm.url, apiKey: "test-key", maxRetries: options.maxRetries ?? 2, logLevel: "off" })

export const journal = (llm: LlmMock.LlmMock) => Effect.runPromise(llm.journal)
export const run = <A, E>(e: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(e)

/** The outcome of a promise as a value: the result, or the error's class name and message. */
export const settle = <A>(
  p: Promise<A>
): Promise<{ ok: true; value: A } | { ok: false; error: string; name: string }> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (e: Error) => ({ ok: false as const, error: e.message, name: e.constructor.name })
  )
