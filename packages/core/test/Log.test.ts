import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Log } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe("Log", () => {
  it("writes NDJSON with level, time, correlationId, component and msg into the run's results/logs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-log-"))
    const request = Effect.gen(function* () {
      yield* Effect.logInfo("request started", { path: "/charge" })
      yield* Effect.logWarning("fault injected: latency 200ms").pipe(Log.withComponent("chaos"))
      yield* Effect.logError("finding FND-001 filed").pipe(Log.withComponent("findings"))
    }).pipe(Log.withComponent("client"), Log.withCorrelationId("req-000001"))
    await Effect.runPromise(
      Effect.andThen(request, Effect.logDebug("hidden at info")).pipe(Effect.provide(Log.layer({ dir, pretty: false })))
    )
    const got = lines(Log.pathIn(dir))
    expect(got).toHaveLength(3)
    for (const l of got) {
      expect(Object.keys(l)).toEqual(expect.arrayContaining(["level", "time", "correlationId", "component", "msg"]))
      expect(l.correlationId).toBe("req-000001")
      expect(Number.isNaN(Date.parse(l.time as string))).toBe(false)
    }
    expect(got.map((l) => [l.level, l.component, l.msg])).toEqual([
      ["info", "client", "request started"],
      ["warn", "chaos", "fault injected: latency 200ms"],
      ["error", "findings", "finding FND-001 filed"]
    ])
    expect(got[0]!.path).toBe("/charge")
  })

  it("redacts secrets in fields at any depth and in messages", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "24h-log-")), "x.log")
    await Effect.runPromise(
      Effect.logInfo("calling upstream with Bearer abcdef1234567890 and api_key=sk-live-123", {
        headers: { Authorization: "Bearer abcdef1234567890", "X-Api-Key": "k-123", accept: "json" },
        body: { user: { password: "hunter2", name: "ada" }, access_token: "t0k" },
        sessionSecret: "kept: not a listed key",
        customThing: "s3cr3t"
      }).pipe(Effect.provide(Log.layer({ file, pretty: false, redact: ["customThing"] })))
    )
    const [l] = lines(file)
    expect(l!.headers).toEqual({ Authorization: "[redacted]", "X-Api-Key": "[redacted]", accept: "json" })
    expect(l!.body).toEqual({ user: { password: "[redacted]", name: "ada" }, access_token: "[redacted]" })
    expect(l!.customThing).toBe("[redacted]")
    expect(l!.msg).toBe("calling upstream with Bearer [redacted] and api_key=[redacted]")
    expect(readFileSync(file, "utf8")).not.toMatch(/hunter2|abcdef1234567890|k-123|t0k|s3cr3t/)
  })

  it("correlates through spans when no id is given, and records failures with their cause", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "24h-log-")), "x.log")
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.logInfo("outer")
        yield* Effect.logInfo("inner").pipe(Effect.withSpan("inner"))
        yield* Effect.logError("failed", new Error("boom"))
        return yield* Log.currentCorrelationId
      }).pipe(Effect.withSpan("request"), Effect.provide(Log.layer({ file, pretty: false })))
    )
    const [outer, inner, failed] = lines(file)
    expect(outer!.correlationId).toMatch(/^[0-9a-f]{32}$/)
    expect(inner!.correlationId).toBe(outer!.correlationId)
    expect(failed!.err).toMatchObject({ message: "boom" })
  })

  it("makes deterministic sequential correlation ids", () => {
    const next = Log.correlationIds("req")
    expect([next(), next()]).toEqual(["req-000001", "req-000002"])
  })

  it("explains a missing destination", () => {
    expect(() => Log.layer({})).toThrow(/give `dir`.*or `file`/)
  })
})
