import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, describe, expect, it } from "vitest"
import { Ledger, Merge } from "../src/index.ts"
import { tmpDir } from "./helpers.ts"

const dirs: Array<string> = []
const fresh = (): string => {
  const d = tmpDir("24h-merge-")
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** Files findings (title, component) into a shard's ledger at fixed times. */
const shard = async (run: string, i: number, titles: ReadonlyArray<readonly [string, string]>) => {
  const dir = path.join(run, "shards", String(i))
  await Effect.runPromise(
    Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      yield* TestClock.setTime(Date.parse("2026-12-01T00:00:00.000Z") + i * 60_000)
      for (const [title, component] of titles) {
        yield* ledger.add({
          type: "bug",
          entryId: "checkout-01",
          agent: `shard-${i}`,
          payload: {
            title,
            severity: "high",
            description: `seen by shard ${i}`,
            component,
            evidence: [`log line ${i}`]
          }
        })
        yield* TestClock.adjust("1 second")
      }
    }).pipe(Effect.provide(Ledger.layerFile({ dir })), Effect.provide(TestClock.layer()))
  )
  return dir
}

describe("Merge (findings ledgers)", () => {
  it("overlapping shards give unique, gap-free ids, every distinct finding, and each one's source shards", async () => {
    const run = fresh()
    const s0 = await shard(run, 0, [
      ["Retry storm on 503", "payments"],
      ["Lost order under load", "orders"]
    ])
    const s1 = await shard(run, 1, [
      ["retry STORM on 503!", "Payments"],
      ["Slow refund", "refunds"]
    ])
    const s2 = await shard(run, 2, [["Lost order under load", "orders"]])
    const out = path.join(run, "merged")
    const r = await Effect.runPromise(Merge.dirs([s2, s0, s1], { out }))
    expect(r.findings.map((f) => f.id)).toEqual(["FND-001", "FND-002", "FND-003"])
    expect(r.findings.map((f) => f.title)).toEqual(["Retry storm on 503", "Lost order under load", "Slow refund"])
    expect(r.duplicates).toBe(2)
    expect(r.findings[0]!.evidence).toEqual(["log line 0", "source: shards/0 FND-001", "source: shards/1 FND-001"])
    expect(r.findings[1]!.evidence).toEqual(["log line 0", "source: shards/0 FND-002", "source: shards/2 FND-001"])
    expect(r.findings[0]!.created_at).toBe("2026-12-01T00:00:00.000Z")
    const onDisk = await Effect.runPromise(Ledger.read(out))
    expect(onDisk).toEqual(r.findings)
    const bytes = fs.readFileSync(path.join(out, "findings.json"), "utf8")

    // Merging again into the same directory changes nothing; into a fresh one, the same bytes.
    await Effect.runPromise(Merge.dirs([s0, s1, s2], { out }))
    expect(fs.readFileSync(path.join(out, "findings.json"), "utf8")).toBe(bytes)
    const again = path.join(run, "again")
    await Effect.runPromise(Merge.dirs([s0, s1, s2], { out: again }))
    expect(fs.readFileSync(path.join(again, "findings.json"), "utf8")).toBe(bytes)

    // A merge of merges keeps the original sources.
    const twice = Merge.findings([{ source: "merged", findings: r.findings }])
    expect(twice.findings).toEqual(r.findings)
  })

  it("refuses to overwrite a directory holding a different ledger", async () => {
    const run = fresh()
    const s0 = await shard(run, 0, [["A", "x"]])
    const s1 = await shard(run, 1, [["B", "y"]])
    const e = await Effect.runPromise(Effect.flip(Merge.dirs([s0], { out: s1 })))
    expect(e.reason).toBe("Duplicate")
    expect(e.message).toContain("already holds a different ledger (1 findings)")
  })
})
