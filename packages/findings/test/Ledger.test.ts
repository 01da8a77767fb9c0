import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, type Layer } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { type FindingsError, Ledger } from "../src/index.ts"
import { payload, tmpDir } from "./helpers.ts"

const dirs: Array<string> = []
const fresh = (): string => {
  const d = tmpDir()
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

const runWith = <A, E>(layer: Layer.Layer<Ledger.Ledger>, f: (l: Ledger.Service) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.flatMap(Ledger.Ledger, f).pipe(Effect.provide(layer)))

const fail = <A>(e: Effect.Effect<A, FindingsError>): Effect.Effect<FindingsError, A> => Effect.flip(e)

const add = (l: Ledger.Service, over: Record<string, unknown> = {}, type = "bug", force = false) =>
  l.add({ type, entryId: "entry-1", agent: "agent-1", payload: payload(over), force })

const read = (file: string) => fs.readFileSync(file, "utf8")

describe.each([
  ["file", () => Ledger.layerFile({ dir: fresh() })],
  ["memory", () => Ledger.layerMemory()]
])("Ledger (%s)", (_name, layer) => {
  it("files findings with sequential ids and stamps entry_id, agent and created_at", async () => {
    const [a, b] = await runWith(layer(), (l) => Effect.all([add(l), add(l, { title: "Another" }, "strength")]))
    expect(a.id).toBe("FND-001")
    expect(b.id).toBe("FND-002")
    expect(a).toMatchObject({ entry_id: "entry-1", agent: "agent-1", type: "bug", evidence: [], reproduction: "" })
    expect(Number.isNaN(Date.parse(a.created_at))).toBe(false)
  })

  it("reports a duplicate (same type, component, normalised title) unless forced", async () => {
    const r = await runWith(layer(), (l) =>
      Effect.gen(function* () {
        yield* add(l)
        const dup = yield* fail(
          add(l, { title: "  RETRIES hide upstream 503s!! ", component: "Payments-Client", severity: "low" })
        )
        const other = yield* add(l, {}, "reliability")
        const forced = yield* add(l, {}, "bug", true)
        return { dup, other, forced }
      })
    )
    expect(r.dup.reason).toBe("Duplicate")
    expect(r.dup.duplicateOf).toBe("FND-001")
    expect(r.dup.message).toMatch(/duplicate of FND-001/)
    expect(r.other.id).toBe("FND-002")
    expect(r.forced.id).toBe("FND-003")
  })

  it("rejects a bad payload with field-level messages", async () => {
    const e = await runWith(layer(), (l) =>
      fail(l.add({ type: "bugz", entryId: "", agent: "a", payload: { title: "", severity: "urgent", extra: 1 } }))
    )
    expect(e.reason).toBe("InvalidPayload")
    const fields = (e.issues ?? []).map((i) => i.field)
    expect(fields).toEqual(
      expect.arrayContaining(["--type", "--entry-id", "title", "severity", "description", "component", "extra"])
    )
    expect(e.message).toMatch(/severity: .*"urgent"/)
  })

  it("rejects a location that is a URI or an absolute path (SARIF needs a repository file)", async () => {
    const [a, b] = await runWith(layer(), (l) =>
      Effect.all([
        fail(add(l, { location: { file: "http://localhost:8080/orders", line: 1 } })),
        fail(add(l, { location: { file: "/etc/passwd", line: 0 } }))
      ])
    )
    expect(a.issues).toEqual([
      { field: "location.file", message: expect.stringMatching(/relative to the repository root/) }
    ])
    expect((b.issues ?? []).map((i) => i.field)).toEqual(["location.file", "location.line"])
  })

  it("files text with unpaired surrogates as U+FFFD, so jq can read the ledger", async () => {
    const f = await runWith(layer(), (l) =>
      l.add({
        type: "bug",
        entryId: "e\udc00",
        agent: "a",
        payload: `{"title":"broken \\ud800 log","severity":"low","description":"","component":"c"}`
      })
    )
    expect(f.title).toBe("broken \ufffd log")
    expect(f.entry_id).toBe("e\ufffd")
  })

  it("rejects text that is not JSON, and a payload whose type contradicts --type", async () => {
    const [a, b] = await runWith(layer(), (l) =>
      Effect.all([
        fail(l.add({ type: "bug", entryId: "e", agent: "a", payload: "{not json" })),
        fail(l.add({ type: "bug", entryId: "e", agent: "a", payload: payload({ type: "strength" }) }))
      ])
    )
    expect(a.message).toMatch(/^\(payload\): not valid JSON/)
    expect(b.message).toMatch(/^type: payload says "strength" but --type is "bug"/)
  })

  it("lists with filters and gets by id in any spelling; NotFound otherwise", async () => {
    const r = await runWith(layer(), (l) =>
      Effect.gen(function* () {
        yield* add(l)
        yield* add(l, { title: "Slow", severity: "low" }, "performance")
        return {
          perf: yield* l.list({ type: "performance" }),
          high: yield* l.list({ severity: "high" }),
          byShort: yield* l.get("2"),
          byLower: yield* l.get("fnd-1"),
          missing: yield* fail(l.get("FND-099"))
        }
      })
    )
    expect(r.perf.map((f) => f.id)).toEqual(["FND-002"])
    expect(r.high.map((f) => f.id)).toEqual(["FND-001"])
    expect(r.byShort.title).toBe("Slow")
    expect(r.byLower.id).toBe("FND-001")
    expect(r.missing.reason).toBe("NotFound")
  })
})

describe("Ledger files", () => {
  it("keeps findings.json and the type ledgers as plain JSON arrays", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) =>
      Effect.all([
        add(l, { title: "a" }, "bug"),
        add(l, { title: "b" }, "silent_failure"),
        add(l, { title: "c" }, "strength"),
        add(l, { title: "d" }, "documentation")
      ])
    )
    const ids = (file: string) => (JSON.parse(read(file)) as Array<{ id: string }>).map((f) => f.id)
    expect(ids(path.join(dir, "findings.json"))).toEqual(["FND-001", "FND-002", "FND-003", "FND-004"])
    expect(ids(path.join(dir, "findings/bugs.json"))).toEqual(["FND-001", "FND-002"])
    expect(ids(path.join(dir, "findings/strengths.json"))).toEqual(["FND-003"])
    expect(ids(path.join(dir, "findings/improvements.json"))).toEqual(["FND-004"])
    expect(read(path.join(dir, "findings.ndjson")).split("\n")).toHaveLength(5)
    expect(Ledger.typeLedger("feature_request")).toBe("improvements")
  })

  it("a bad payload leaves every file byte-for-byte untouched", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => add(l))
    const before = ["findings.ndjson", "findings.json", "findings/bugs.json"].map((f) => read(path.join(dir, f)))
    await runWith(Ledger.layerFile({ dir }), (l) => fail(add(l, { severity: "nope" })))
    expect(["findings.ndjson", "findings.json", "findings/bugs.json"].map((f) => read(path.join(dir, f)))).toEqual(
      before
    )
  })

  it("ids continue across layers and processes", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "one" }))
    const f = await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "two" }))
    expect(f.id).toBe("FND-002")
    expect(Ledger.readSync(dir).map((x) => x.title)).toEqual(["one", "two"])
  })

  it("a corrupt or hand-edited journal line is a CorruptLedger error naming the file, line and problem", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => Effect.all([add(l, { title: "one" }), add(l, { title: "two" })]))
    const journal = path.join(dir, "findings.ndjson")
    fs.writeFileSync(journal, read(journal).replace('"severity":"high"', '"severity":"urgent"'))
    const e = await Effect.runPromise(fail(Ledger.read(dir)))
    expect(e.reason).toBe("CorruptLedger")
    expect(e.line).toBe(1)
    expect(e.message).toContain(`${journal}:1: severity: Invalid option`)
    expect(e.message).toContain("24h finding repair")
    const e2 = await runWith(Ledger.layerFile({ dir }), (l) => fail(add(l, { title: "three" })))
    expect(e2.reason).toBe("CorruptLedger")
  })

  it("an unterminated last line (an append cut by a crash) is ignored by readers and set aside by the next writer", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "one" }))
    const journal = path.join(dir, "findings.ndjson")
    fs.appendFileSync(journal, '{"id":"FND-002","entry_id":"e","ty')
    expect(Ledger.readSync(dir).map((f) => f.id)).toEqual(["FND-001"])
    const f = await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "two" }))
    expect(f.id).toBe("FND-002")
    expect(read(journal).endsWith("\n")).toBe(true)
    expect(Ledger.readSync(dir).map((x) => x.title)).toEqual(["one", "two"])
    const rejected = read(path.join(dir, "findings.rejected.ndjson"))
    expect(rejected).toContain("unterminated last line")
    expect(rejected).toContain('{\\"id\\":\\"FND-002\\",\\"entry_id\\":\\"e\\",\\"ty')
  })

  it("a hand-edited findings.json is refused by the next add, naming the difference and the command that takes it in", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => Effect.all([add(l, { title: "one" }), add(l, { title: "two" })]))
    const view = path.join(dir, "findings.json")
    const edited = (JSON.parse(read(view)) as Array<Record<string, unknown>>).map((f) =>
      f.id === "FND-002" ? { ...f, severity: "critical" } : f
    )
    fs.writeFileSync(view, JSON.stringify(edited, null, 2))
    const before = read(path.join(dir, "findings.ndjson"))
    const e = await runWith(Ledger.layerFile({ dir }), (l) => fail(add(l, { title: "three" })))
    expect(e.reason).toBe("ViewEdited")
    expect(e.message).toContain("findings.json entry 2 (FND-002) differs from the journal in severity")
    expect(e.message).toContain('severity is "critical" in findings.json but "high" in the journal')
    expect(e.message).toContain("24h finding repair --from-view")
    // Nothing changed: no id reused, the edit still in place, no backup taken over it.
    expect(read(path.join(dir, "findings.ndjson"))).toBe(before)
    expect(read(view)).toBe(JSON.stringify(edited, null, 2))
    // Taking the edit in makes it the truth; the journal it replaced is backed up; the next add goes on from there.
    const report = await Effect.runPromise(Ledger.repair(dir, { fromView: true }))
    expect(report.kept).toBe(2)
    expect(report.backups.some((b) => b.includes("findings.ndjson.bak-"))).toBe(true)
    const f = await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "three" }))
    expect(f.id).toBe("FND-003")
    expect(Ledger.readSync(dir).map((x) => x.severity)).toEqual(["high", "critical", "high"])
  })

  it("a view that is not valid JSON is refused too, and plain repair discards it with a backup", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "one" }))
    const view = path.join(dir, "findings.json")
    fs.writeFileSync(view, '[ {"oops": true ')
    const e = await runWith(Ledger.layerFile({ dir }), (l) => fail(add(l, { title: "two" })))
    expect(e.reason).toBe("ViewEdited")
    expect(e.message).toMatch(/findings\.json is not valid JSON/)
    const report = await Effect.runPromise(Ledger.repair(dir))
    expect(report.backups).toHaveLength(1)
    expect(read(report.backups[0] ?? "")).toBe('[ {"oops": true ')
    expect((JSON.parse(read(view)) as Array<{ title: string }>).map((x) => x.title)).toEqual(["one"])
  })

  it("never overwrites a backup: two repairs of two edits keep both", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "one" }))
    const view = path.join(dir, "findings.json")
    fs.writeFileSync(view, "edit one")
    await Effect.runPromise(Ledger.repair(dir))
    fs.writeFileSync(view, "edit two")
    await Effect.runPromise(Ledger.repair(dir))
    const backups = fs.readdirSync(dir).filter((n) => n.startsWith("findings.json.bak"))
    expect(backups.map((b) => read(path.join(dir, b))).sort()).toEqual(["edit one", "edit two"])
  })

  it("a view only behind the journal (a crash before its rename) is brought up to date silently", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) => Effect.all([add(l, { title: "one" }), add(l, { title: "two" })]))
    const view = path.join(dir, "findings.json")
    const lines = read(path.join(dir, "findings.ndjson")).split("\n").filter(Boolean)
    fs.writeFileSync(view, `[\n${lines[0]}\n]\n`)
    const f = await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "three" }))
    expect(f.id).toBe("FND-003")
    expect((JSON.parse(read(view)) as Array<{ id: string }>).map((x) => x.id)).toEqual([
      "FND-001",
      "FND-002",
      "FND-003"
    ])
  })

  it("imports a plain add_finding.py findings.json on first write", async () => {
    const dir = fresh()
    const legacy = await runWith(Ledger.layerMemory(), (l) =>
      Effect.all([add(l, { title: "old one" }), add(l, { title: "old two" }, "dx")])
    )
    fs.writeFileSync(path.join(dir, "findings.json"), JSON.stringify(legacy, null, 2))
    expect(Ledger.readSync(dir).map((f) => f.id)).toEqual(["FND-001", "FND-002"])
    const f = await runWith(Ledger.layerFile({ dir }), (l) => add(l, { title: "new" }))
    expect(f.id).toBe("FND-003")
    expect(Ledger.readSync(dir).map((x) => x.title)).toEqual(["old one", "old two", "new"])
    expect(fs.readdirSync(dir).some((n) => n.startsWith("findings.json.bak-"))).toBe(true)
  })

  it("breaks a lock left by a dead process at once", async () => {
    const dir = fresh()
    fs.writeFileSync(
      path.join(dir, "findings.lock"),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname(), nonce: "x", at: "then" })
    )
    const f = await runWith(Ledger.layerFile({ dir, timeoutMs: 2_000 }), (l) => add(l))
    expect(f.id).toBe("FND-001")
    expect(fs.existsSync(path.join(dir, "findings.lock"))).toBe(false)
  })

  it("waits a bounded time for a live holder, then fails with LockTimeout naming it", async () => {
    const dir = fresh()
    const lock = JSON.stringify({
      pid: process.pid,
      host: (await import("node:os")).hostname(),
      nonce: "held",
      at: "now"
    })
    fs.writeFileSync(path.join(dir, "findings.lock"), lock)
    const e = await runWith(Ledger.layerFile({ dir, timeoutMs: 200 }), (l) => fail(add(l)))
    expect(e.reason).toBe("LockTimeout")
    expect(e.message).toContain(`pid ${process.pid}`)
    expect(read(path.join(dir, "findings.lock"))).toBe(lock)
    expect(fs.existsSync(path.join(dir, "findings.ndjson"))).toBe(false)
  })
})

describe("Ledger.repair", () => {
  it("moves each bad line aside with its number and reason, keeps a backup, rebuilds the views", async () => {
    const dir = fresh()
    await runWith(Ledger.layerFile({ dir }), (l) =>
      Effect.all([add(l, { title: "one" }), add(l, { title: "two" }, "strength"), add(l, { title: "three" })])
    )
    const journal = path.join(dir, "findings.ndjson")
    const lines = read(journal).split("\n")
    const original = [lines[0], "{ hand edit", lines[1], lines[1], "", lines[2], '{"id":"FND-00'].join("\n")
    fs.writeFileSync(journal, original)
    const report = await Effect.runPromise(Ledger.repair(dir))
    expect(report.kept).toBe(3)
    expect(report.rejected.map((r) => r.line)).toEqual([2, 4, 5, 7])
    expect(report.rejected[0]?.reason).toMatch(/not valid JSON/)
    expect(report.rejected[1]?.reason).toMatch(/ids must increase/)
    expect(report.rejected[2]?.reason).toBe("blank line")
    expect(report.rejected[3]?.reason).toMatch(/unterminated/)
    expect(report.backup).toBeDefined()
    expect(read(report.backup ?? "")).toBe(original)
    expect(Ledger.readSync(dir).map((f) => f.title)).toEqual(["one", "two", "three"])
    expect(read(path.join(dir, "findings.rejected.ndjson")).split("\n").filter(Boolean)).toHaveLength(4)
    expect((JSON.parse(read(path.join(dir, "findings/strengths.json"))) as Array<unknown>).length).toBe(1)
    const again = await Effect.runPromise(Ledger.repair(dir))
    expect(again).toMatchObject({ kept: 3, rejected: [], backup: undefined, rebuilt: [] })
  })
})
