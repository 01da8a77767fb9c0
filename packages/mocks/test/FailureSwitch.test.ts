import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { FailureSwitch } from "../src/index.ts"

const parse = (x: unknown) => Effect.runSyncExit(FailureSwitch.parse(x))
const message = (x: unknown) => {
  const e = parse(x)
  return Exit.isFailure(e) ? String(e.cause) : "ok"
}

describe("FailureSwitch.parse", () => {
  it("fills defaults", () => {
    const e = parse({ kind: "error" })
    expect(Exit.isSuccess(e) && e.value).toEqual({ kind: "error", rate: 1, status: 503 })
    const c = parse({ kind: "chaos", rate: 0.1 })
    expect(Exit.isSuccess(c) && c.value).toMatchObject({ weights: { latency: 3, error: 3, reset: 1 } })
  })

  it("names the kind, the field and the value", () => {
    expect(message({ kind: "latency", mode: "lognormal", medianMs: 0, sigma: 1 })).toContain(
      "FailureSwitch(latency).medianMs: Too small: expected number to be >0 (got 0)"
    )
    expect(message({ kind: "error", status: 200 })).toContain(
      "FailureSwitch(error).status: Too small: expected number to be >=400 (got 200)"
    )
    expect(message({ kind: "truncate", fraction: 1 })).toContain("FailureSwitch(truncate).fraction")
    expect(message({ kind: "drift", operations: ["explode"] })).toContain("FailureSwitch(drift).operations.0")
    expect(message({ kind: "chaos", weights: { error: 0 } })).toContain("at least one weight must be > 0")
    expect(message({ kind: "reset", rat: 1 })).toContain('Unrecognized key: "rat"')
    expect(message([1])).toContain("expected an object")
    expect(message({})).toContain(
      "FailureSwitch.kind: must be one of latency, error, throttle, reset, hang, truncate, malformed, drift, chaos (got undefined)"
    )
  })
})
