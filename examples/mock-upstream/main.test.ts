import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { naive, program, wellBehaved } from "./main.ts"

describe("examples/mock-upstream", () => {
  it("a well-behaved payments client passes every resilience verdict", async () => {
    const r = await Effect.runPromise(program({ seed: 42, payments: 12, policy: wellBehaved }))
    expect(r.recovered.status).toBe(201)
    expect(r.verdict.verdicts.map((v) => [v.name, v.pass])).toEqual([
      ["retried at most 5 times", true],
      ["honoured Retry-After", true],
      ["backoff had jitter", true],
      ["no duplicate non-idempotent POST", true],
      ["recovered within 1500 ms", true]
    ])
    expect(r.verdict.pass).toBe(true)
  })

  it("a naive client (no idempotency keys, ignores Retry-After, no jitter) is caught", async () => {
    const r = await Effect.runPromise(program({ seed: 42, payments: 12, policy: naive }))
    const byName = Object.fromEntries(r.verdict.verdicts.map((v) => [v.name, v]))
    expect(byName["no duplicate non-idempotent POST"]!.pass).toBe(false)
    expect(byName["honoured Retry-After"]!.pass).toBe(false)
    expect(byName["backoff had jitter"]!.pass).toBe(false)
    expect(r.verdict.pass).toBe(false)
  })

  it("docs/mocks.md quotes this example verbatim", () => {
    const source = readFileSync(new URL("./main.ts", import.meta.url), "utf8")
    const guide = readFileSync(new URL("../../docs/mocks.md", import.meta.url), "utf8")
    const quoted = [...guide.matchAll(/```ts\n([\s\S]*?)\n```/g)]
      .map((m) => m[1]!)
      .filter((block) => /paymentsClient|upstream = |export const program/.test(block))
    expect(quoted).toHaveLength(3)
    for (const block of quoted) expect(source).toContain(block)
  })
})
