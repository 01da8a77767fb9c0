import * as fs from "node:fs"
import { Telemetry } from "@24h/core"
import { Ledger } from "@24h/findings"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { payload, tmpDir } from "./helpers.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

describe("Ledger telemetry", () => {
  it("an add writes a Ledger.add span and the adds/errors counters and duration histogram", async () => {
    const ledgerDir = tmpDir()
    const runDir = tmpDir("24h-findings-telemetry-")
    dirs.push(ledgerDir, runDir)
    const program = Effect.gen(function* () {
      const ledger = yield* Ledger.makeFile({ dir: ledgerDir })
      yield* ledger.add({ type: "bug", entryId: "entry-1", agent: "agent-1", payload: payload({ severity: "high" }) })
      yield* Effect.flip(ledger.add({ type: "bugz", entryId: "entry-1", agent: "agent-1", payload: payload() }))
      yield* ledger.list()
    })
    await Effect.runPromise(program.pipe(Effect.provide(Telemetry.layer({ dir: runDir, endpoint: null }))))

    const spans = await Effect.runPromise(Telemetry.readSpans(runDir))
    const adds = spans.filter((s) => s.name === "Ledger.add")
    expect(adds).toHaveLength(2)
    expect(adds[0]?.attributes).toMatchObject({ "finding.id": "FND-001", "finding.type": "bug" })
    expect(adds[1]?.attributes).toMatchObject({ "error.reason": "InvalidPayload" })
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining(["Ledger.makeFile", "Ledger.list"]))

    const points = await Effect.runPromise(Telemetry.readMetrics(runDir))
    const added = points.filter((p) => p.name === "24h.ledger.adds")
    expect(added).toEqual([expect.objectContaining({ value: 1, attributes: { type: "bug", severity: "high" } })])
    const errors = points.filter((p) => p.name === "24h.ledger.errors")
    expect(errors).toEqual([expect.objectContaining({ value: 1, attributes: { reason: "InvalidPayload" } })])
    const duration = points.find((p) => p.name === "24h.ledger.add.duration_ms")
    expect(duration?.kind).toBe("histogram")
    expect(duration?.value).toBe(2)
  })
})
