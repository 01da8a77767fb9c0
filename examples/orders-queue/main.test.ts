import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { program } from "./main.ts"

describe("examples/orders-queue", () => {
  it("a naive consumer double-charges under duplicate delivery: the chaos pipeline fails and a finding is filed", async () => {
    const r = await Effect.runPromise(program({ seed: 42, idempotent: false }))
    const [baseline, chaos] = r.results
    expect(baseline!.verdict).toBe("pass")
    expect(chaos!.verdict).toBe("fail")
    const once = chaos!.checks.find((c) => c.name === "consumer applies each message exactly once")
    expect(once?.outcome).toBe("fail")
    expect(once?.evidence?.[0]).toMatch(/^[0-9a-f-]{36}: applied 2×, received 2×$/)
    // Nothing was lost: the broker's faults were all ridden out; the bug is the consumer's.
    expect(chaos!.checks.find((c) => c.name === "no message lost")?.outcome).toBe("pass")
    expect(chaos!.faultWindows.map((w) => w.name)).toEqual(["duplicate delivery 20%", "lost acks 10%", "broker outage"])
    expect(r.findings).toHaveLength(1)
    expect(r.findings[0]).toMatchObject({ type: "silent_failure", severity: "high", component: "order consumer" })
    const orders = new Set(r.charges.map((c) => c.orderId))
    expect(r.charges.length).toBeGreaterThan(orders.size) // some orders were charged twice
  })

  it("an idempotent consumer passes both pipelines, and nothing is filed", async () => {
    const r = await Effect.runPromise(program({ seed: 42, idempotent: true }))
    expect(r.results.map((p) => [p.verdict, p.error])).toEqual([
      ["pass", undefined],
      ["pass", undefined]
    ])
    expect(r.results[1]!.checks.map((c) => [c.name, c.outcome])).toEqual([
      ["no message lost", "pass"],
      ["consumer applies each message exactly once", "pass"]
    ])
    expect(r.findings).toEqual([])
    expect(new Set(r.charges.map((c) => c.orderId)).size).toBe(r.charges.length)
  })

  it("docs/queues-and-sensors.md quotes this example verbatim", () => {
    const strip = (text: string) =>
      text
        .split("\n")
        .map((l) => l.trim())
        .join("\n")
    const source = strip(readFileSync(new URL("./main.ts", import.meta.url), "utf8"))
    const guide = readFileSync(new URL("../../docs/queues-and-sensors.md", import.meta.url), "utf8")
    const quoted = [...guide.matchAll(/```ts\n([\s\S]*?)\n```/g)].map((m) => m[1]!)
    expect(quoted).toHaveLength(3)
    for (const block of quoted) expect(source).toContain(strip(block))
  })
})
