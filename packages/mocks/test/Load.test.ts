import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Load } from "../src/index.ts"
import { run, withMock } from "./helpers.ts"

const routes = [{ id: "u", method: "GET", path: "/u", respond: { json: { ok: true } } }]

describe("Load.run", () => {
  it("sends exactly maxRequests with N concurrent clients and counts statuses", async () => {
    await withMock({ routes, seed: 1, switches: [{ kind: "error", rate: 0.25, status: 503 }] }, async (mock) => {
      const r = await run(Load.run({ url: `${mock.url}/u`, connections: 8, maxRequests: 400, durationMs: 60_000 }))
      expect(r.requests).toBe(400)
      expect(r.errors).toBe(0)
      expect((r.statuses["200"] ?? 0) + (r.statuses["503"] ?? 0)).toBe(400)
      expect(r.statuses["503"]).toBeGreaterThan(50)
      expect(r.latency.p50).toBeGreaterThan(0)
      expect(r.latency.p99).toBeGreaterThanOrEqual(r.latency.p50)
      expect((await run(mock.journal)).requests).toHaveLength(400)
    })
  })

  it("stops at the duration bound, and counts transport failures as errors", async () => {
    await withMock({ routes, switches: [{ kind: "latency", mode: "fixed", ms: 20 }] }, async (mock) => {
      const r = await run(Load.run({ url: `${mock.url}/u`, connections: 2, maxRequests: 1_000_000, durationMs: 300 }))
      expect(r.requests).toBeGreaterThan(0)
      expect(r.requests).toBeLessThan(1_000_000)
      expect(r.seconds).toBeLessThan(30)
      await run(mock.setSwitches([{ kind: "reset" }]))
      const broken = await run(Load.run({ url: `${mock.url}/u`, connections: 2, maxRequests: 10, durationMs: 10_000 }))
      expect(broken).toMatchObject({ requests: 10, errors: 10 })
    })
  })

  it("rejects bad options and non-loopback hosts without connecting", async () => {
    const bad = await Effect.runPromiseExit(Load.run({ url: "http://127.0.0.1:1/", maxRequests: 0, durationMs: 1 }))
    expect(String(Exit.isFailure(bad) && bad.cause)).toContain("Load.run.maxRequests: Too small")
    const remote = await Effect.runPromiseExit(Load.run({ url: "http://192.0.2.1/", maxRequests: 1, durationMs: 1 }))
    expect(String(Exit.isFailure(remote) && remote.cause)).toContain(
      'loopback only unless allowRemote is set (got host "192.0.2.1")'
    )
  })
})
