import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type History, Linearizability } from "@24h/core"
import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { run24h } from "./util.ts"

type Ev = History.Event

/** Builds events from `[process, type, f, value, time, key?]` rows. */
const h = (...rows: ReadonlyArray<readonly [number, History.EventType, string, unknown, number, string?]>): Array<Ev> =>
  rows.map(([process, type, f, value, time, key]) => ({
    process,
    type,
    f,
    value,
    time,
    ...(key === undefined ? {} : { key })
  }))

const run = <S>(model: Linearizability.Model<S>, events: ReadonlyArray<Ev>, options?: Linearizability.CheckOptions) =>
  Effect.runSync(Linearizability.check(model, events, options))

// ── generated histories ─────────────────────────────────────────────────────────────────────────────────────────

interface GenOp {
  readonly kind: "read" | "write" | "cas"
  readonly a: number
  readonly b: number
  readonly gap: number
  readonly dur: number
  readonly at: number
}

const genOp: fc.Arbitrary<GenOp> = fc.record({
  kind: fc.constantFrom("read" as const, "write" as const, "cas" as const),
  a: fc.integer({ min: 0, max: 3 }),
  b: fc.integer({ min: 0, max: 3 }),
  gap: fc.integer({ min: 0, max: 20 }),
  dur: fc.integer({ min: 1, max: 40 }),
  at: fc.double({ min: 0.01, max: 0.99, noNaN: true })
})

/**
 * A history of a real atomic register: every operation takes effect at a point inside its interval, so the history
 * is linearizable by construction. With `processes` = 1 it is sequential.
 */
const registerHistory = (perProcess: ReadonlyArray<ReadonlyArray<GenOp>>, keyed = false): Array<Ev> => {
  const ops: Array<{ p: number; op: GenOp; call: number; ret: number; point: number; result?: unknown; ok?: boolean }> =
    []
  perProcess.forEach((list, p) => {
    let t = p * 0.001 // distinct times across processes
    for (const op of list) {
      const call = t + op.gap + 0.5
      const ret = call + op.dur
      ops.push({ p, op, call, ret, point: call + op.at * op.dur })
      t = ret
    }
  })
  const registers = new Map<string, unknown>()
  for (const o of [...ops].sort((x, y) => x.point - y.point)) {
    const key = keyed ? `k${o.op.a % 2}` : ""
    const cur = registers.get(key) ?? null
    if (o.op.kind === "read") o.result = cur
    else if (o.op.kind === "write") registers.set(key, o.op.b)
    else {
      o.ok = cur === o.op.a
      if (o.ok) registers.set(key, o.op.b)
    }
  }
  const events: Array<Ev & { readonly order: number }> = []
  for (const o of ops) {
    const key = keyed ? { key: `k${o.op.a % 2}` } : {}
    const value = o.op.kind === "read" ? null : o.op.kind === "write" ? o.op.b : [o.op.a, o.op.b]
    events.push({ process: o.p, type: "invoke", f: o.op.kind, value, time: o.call, order: 0, ...key })
    const type = o.op.kind === "cas" && o.ok === false ? "fail" : "ok"
    events.push({
      process: o.p,
      type,
      f: o.op.kind,
      value: o.op.kind === "read" ? o.result : value,
      time: o.ret,
      order: 1,
      ...key
    })
  }
  return events.sort((x, y) => x.time - y.time).map(({ order: _, ...e }) => e)
}

describe("Linearizability.register", () => {
  it("finds the read of a stale value and cites the prefix, the operation and the state", () => {
    // p0 writes 1, then p1 reads 1, then p1 reads nil: the second read cannot be placed.
    const result = run(
      Linearizability.register(),
      h(
        [0, "invoke", "write", 1, 0],
        [0, "ok", "write", 1, 10],
        [1, "invoke", "read", null, 20],
        [1, "ok", "read", 1, 30],
        [1, "invoke", "read", null, 40],
        [1, "ok", "read", null, 50]
      )
    )
    expect(result.verdict).toBe("not-linearizable")
    const ev = result.evidence!
    expect(ev.prefix.map((o) => o.index)).toEqual([0, 1])
    expect(ev.blocked).toMatchObject({ index: 2, process: 1, f: "read", result: null, call: 40, return: 50 })
    expect(ev.stateText).toBe("1")
    expect(ev.message).toContain("#2 (process 1, read null → ok null, call 40, return 50)")
    expect(ev.message).toContain("longest linearizable prefix (2 of 3 operations")
  })

  it("accepts overlapping operations in any order that works, and returns a linearization", () => {
    // The read of 2 overlaps both writes: [write 1, write 2, read 2] and [write 2, read 2, write 1] are linearizations.
    const result = run(
      Linearizability.register(),
      h(
        [0, "invoke", "write", 2, 0],
        [1, "invoke", "write", 1, 1],
        [2, "invoke", "read", null, 2],
        [1, "ok", "write", 1, 3],
        [2, "ok", "read", 2, 4],
        [0, "ok", "write", 2, 5]
      )
    )
    expect(result.verdict).toBe("linearizable")
    expect([
      [1, 0, 2],
      [0, 2, 1]
    ]).toContainEqual(result.partitions[0]!.linearization)
  })

  it("checks cas: ok only when the register held `from`, fail only when it did not", () => {
    const base: Array<readonly [number, History.EventType, string, unknown, number]> = [
      [0, "invoke", "write", 1, 0],
      [0, "ok", "write", 1, 1]
    ]
    const casOk = run(
      Linearizability.register(),
      h(...base, [0, "invoke", "cas", [1, 2], 2], [0, "ok", "cas", [1, 2], 3])
    )
    const casOkWrong = run(
      Linearizability.register(),
      h(...base, [0, "invoke", "cas", [0, 2], 2], [0, "ok", "cas", [0, 2], 3])
    )
    const casFailWrong = run(
      Linearizability.register(),
      h(...base, [0, "invoke", "cas", { from: 1, to: 2 }, 2], [0, "fail", "cas", { from: 1, to: 2 }, 3])
    )
    expect([casOk.verdict, casOkWrong.verdict, casFailWrong.verdict]).toEqual([
      "linearizable",
      "not-linearizable",
      "not-linearizable"
    ])
  })

  it("lets an operation of unknown outcome take effect later, or never", () => {
    const write = (type: History.EventType) =>
      h([0, "invoke", "write", 7, 0], [0, type, "write", type === "info" ? null : 7, 1])
    const readLater = (v: unknown) => h([1, "invoke", "read", null, 50], [1, "ok", "read", v, 60])
    // A timed-out write may show up much later…
    expect(run(Linearizability.register(), [...write("info"), ...readLater(7)]).verdict).toBe("linearizable")
    // …or never.
    expect(run(Linearizability.register(), [...write("info"), ...readLater(null)]).verdict).toBe("linearizable")
    // A failed write never happened.
    expect(run(Linearizability.register(), [...write("fail"), ...readLater(7)]).verdict).toBe("not-linearizable")
    // A call still pending at the end is of unknown outcome too.
    const pending = h([0, "invoke", "write", 7, 0], [1, "invoke", "read", null, 50], [1, "ok", "read", 7, 60])
    const r = run(Linearizability.register(), pending)
    expect(r.verdict).toBe("linearizable")
    expect(r.history[0]).toMatchObject({ status: "info", return: Number.POSITIVE_INFINITY })
  })

  it("gives `unknown` when the step or time budget runs out", () => {
    // 16 concurrent writes, then a read of a value never written: every subset of writes is explored.
    const writes = Array.from({ length: 16 }, (_, p) => [p, "invoke", "write", p, p] as const)
    const oks = Array.from({ length: 16 }, (_, p) => [p, "ok", "write", p, 100 + p] as const)
    const events = h(...writes, ...oks, [99, "invoke", "read", null, 200], [99, "ok", "read", 42, 201])
    const bySteps = run(Linearizability.register(), events, { maxSteps: 5_000 })
    expect(bySteps.verdict).toBe("unknown")
    expect(bySteps.partitions[0]).toMatchObject({ verdict: "unknown", operations: 17 })
    const byTime = run(Linearizability.register(), events, { timeout: "0 millis" })
    expect(byTime.verdict).toBe("unknown")
    // With budget enough, the verdict.
    expect(run(Linearizability.register(), events).verdict).toBe("not-linearizable")
  })

  it("checks keyed registers as independent partitions and names the failing one", () => {
    const events = h(
      [0, "invoke", "write", 1, 0, "a"],
      [0, "ok", "write", 1, 1, "a"],
      [1, "invoke", "read", null, 2, "b"],
      [1, "ok", "read", 1, 3, "b"],
      [2, "invoke", "read", null, 4, "a"],
      [2, "ok", "read", 1, 5, "a"]
    )
    const r = run(Linearizability.register(), events)
    expect(r.verdict).toBe("not-linearizable")
    expect(r.partitions.map((p) => [p.partition, p.verdict])).toEqual([
      ["a", "linearizable"],
      ["b", "not-linearizable"]
    ])
    expect(r.evidence?.partition).toBe("b")
    expect(r.evidence?.message).toMatch(/^partition "b": /)
  })

  it("rejects operations the model does not know, naming the operation", () => {
    const exit = Effect.runSyncExit(
      Linearizability.check(Linearizability.register(), h([0, "invoke", "cas", 3, 0], [0, "ok", "cas", 3, 1]))
    )
    expect(JSON.stringify(exit)).toContain(
      "register model: operation 0 (process 0): a cas value must be [from, to] (got 3)"
    )
  })

  it("property: a sequential history of a real register is linearizable", () => {
    fc.assert(
      fc.property(fc.array(genOp, { maxLength: 40 }), (ops) => {
        expect(run(Linearizability.register(), registerHistory([ops])).verdict).toBe("linearizable")
      }),
      { seed: 13, numRuns: 200 }
    )
  })

  it("property: a concurrent history of an atomic register is linearizable", () => {
    fc.assert(
      fc.property(fc.array(fc.array(genOp, { maxLength: 10 }), { minLength: 2, maxLength: 5 }), (procs) => {
        expect(run(Linearizability.register(), registerHistory(procs)).verdict).toBe("linearizable")
        expect(run(Linearizability.register(), registerHistory(procs, true)).verdict).toBe("linearizable")
      }),
      { seed: 14, numRuns: 200 }
    )
  })

  it("property: a read of a value never written is not linearizable, and is the operation cited", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(genOp, { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 10_000 }),
        (procs, at) => {
          const events = registerHistory(procs)
          const t = events.length === 0 ? 0 : events[at % events.length]!.time + 0.25
          const bad = h([77, "invoke", "read", null, t], [77, "ok", "read", 999, t + 0.1])
          const merged = [...events, ...bad].sort((x, y) => x.time - y.time)
          const r = run(Linearizability.register(), merged)
          expect(r.verdict).toBe("not-linearizable")
          expect(r.evidence?.blocked).toMatchObject({ process: 77, result: 999 })
        }
      ),
      { seed: 15, numRuns: 200 }
    )
  })
})

describe("Linearizability.kv", () => {
  const appendHistory = (bad: boolean) =>
    h(
      [0, "invoke", "append", "x", 0, "k1"],
      [1, "invoke", "append", "y", 1, "k1"],
      [0, "ok", "append", "x", 2, "k1"],
      [1, "ok", "append", "y", 3, "k1"],
      [2, "invoke", "get", null, 4, "k1"],
      [2, "ok", "get", bad ? "x" : "yx", 5, "k1"],
      [3, "invoke", "put", "p", 6, "k2"],
      [3, "ok", "put", "p", 7, "k2"],
      [3, "invoke", "get", null, 8, "k2"],
      [3, "ok", "get", "p", 9, "k2"],
      [4, "invoke", "get", null, 10, "k3"],
      [4, "ok", "get", null, 11, "k3"]
    )

  it("partitions by key, with a verdict per key", () => {
    const ok = run(Linearizability.kv(), appendHistory(false))
    expect(ok.verdict).toBe("linearizable")
    expect(ok.partitions.map((p) => p.partition)).toEqual(["k1", "k2", "k3"])
    const bad = run(Linearizability.kv(), appendHistory(true))
    expect(bad.partitions.map((p) => p.verdict)).toEqual(["not-linearizable", "linearizable", "linearizable"])
    expect(bad.evidence).toMatchObject({ partition: "k1", stateText: '"xy"' })
    expect(bad.evidence?.blocked).toMatchObject({ f: "get", result: "x" })
  })

  it("gives the same verdicts unpartitioned, and `failFast` leaves later partitions unknown", () => {
    expect(run(Linearizability.kv({ partitioned: false }), appendHistory(false)).verdict).toBe("linearizable")
    const whole = run(Linearizability.kv({ partitioned: false }), appendHistory(true))
    expect(whole.verdict).toBe("not-linearizable")
    expect(whole.partitions).toHaveLength(1)
    const fast = run(Linearizability.kv(), appendHistory(true), { failFast: true })
    expect(fast.partitions.map((p) => p.verdict)).toEqual(["not-linearizable", "unknown", "unknown"])
  })

  it("property: partitioned and unpartitioned checks agree", () => {
    const op = fc.record({
      f: fc.constantFrom("get", "put", "append"),
      key: fc.constantFrom("a", "b"),
      v: fc.constantFrom("1", "2", "3"),
      start: fc.integer({ min: 0, max: 30 }),
      dur: fc.integer({ min: 1, max: 10 })
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        // One process per operation, arbitrary overlaps and arbitrary get results: some linearizable, some not.
        const events = ops
          .flatMap((o, p) => [
            {
              process: p,
              type: "invoke" as const,
              f: o.f,
              value: o.f === "get" ? null : o.v,
              key: o.key,
              time: o.start
            },
            {
              process: p,
              type: "ok" as const,
              f: o.f,
              value: o.f === "get" ? (p % 3 === 0 ? "" : o.v) : o.v,
              key: o.key,
              time: o.start + o.dur + 0.5
            }
          ])
          .sort((x, y) => x.time - y.time)
        const a = run(Linearizability.kv(), events).verdict
        const b = run(Linearizability.kv({ partitioned: false }), events).verdict
        expect(a).toBe(b)
      }),
      { seed: 16, numRuns: 300 }
    )
  })
})

describe("user models", () => {
  it("typed model with hash and equals", () => {
    interface Counter {
      readonly n: number
    }
    const counter: Linearizability.Model<Counter, number> = {
      name: "counter",
      init: () => ({ n: 0 }),
      step: (s, op) => (op.f === "add" ? { n: s.n + op.value } : op.result === s.n ? s : Linearizability.illegal),
      equals: (a, b) => a.n === b.n,
      hash: (s) => s.n
    }
    const events: ReadonlyArray<History.Event<number>> = [
      { process: 0, type: "invoke", f: "add", value: 2, time: 0 },
      { process: 1, type: "invoke", f: "read", value: 0, time: 1 },
      { process: 1, type: "ok", f: "read", value: 2, time: 2 },
      { process: 0, type: "ok", f: "add", value: 2, time: 3 },
      { process: 1, type: "invoke", f: "read", value: 0, time: 4 },
      { process: 1, type: "ok", f: "read", value: 3, time: 5 }
    ]
    const r = Effect.runSync(Linearizability.check(counter, events))
    expect(r.verdict).toBe("not-linearizable")
    expect(r.evidence?.stateText).toBe('{"n":2}')
  })

  it("nondeterministic model: a lossy counter's add may or may not apply", () => {
    const lossy = Linearizability.nondeterministic<number>({
      name: "lossy-counter",
      init: () => 0,
      step: (n, op) => (op.f === "add" ? [n, n + (op.value as number)] : op.result === n ? [n] : []),
      hash: (n) => n
    })
    const events = (read: number) =>
      h(
        [0, "invoke", "add", 1, 0],
        [0, "ok", "add", 1, 1],
        [0, "invoke", "add", 2, 2],
        [0, "ok", "add", 2, 3],
        [1, "invoke", "read", null, 4],
        [1, "ok", "read", read, 5]
      )
    expect([0, 1, 2, 3].map((n) => run(lossy, events(n)).verdict)).toEqual(Array(4).fill("linearizable"))
    const bad = run(lossy, events(4))
    expect(bad.verdict).toBe("not-linearizable")
    expect(bad.evidence?.stateText).toBe("one of 0 | 2 | 1 | 3")
  })
})

describe("Linearizability.toCheck", () => {
  it("maps verdicts to pass / fail / unknown with evidence a reader can verify", () => {
    const ok = run(Linearizability.register(), h([0, "invoke", "write", 1, 0], [0, "ok", "write", 1, 1]))
    expect(Linearizability.toCheck(ok)).toMatchObject({
      name: "history is linearizable (register)",
      outcome: "pass",
      message: "1 operations in 1 partition(s): 1 linearizable, 0 not, 0 unknown",
      source: "linearizability"
    })
    const bad = run(
      Linearizability.register(),
      h([0, "invoke", "write", 1, 0], [0, "ok", "write", 1, 1], [0, "invoke", "read", null, 2], [0, "ok", "read", 2, 3])
    )
    const check = Linearizability.toCheck(bad, "account 7 is linearizable")
    expect(check.outcome).toBe("fail")
    expect(check.message).toContain("#1 (process 0, read null → ok 2, call 2, return 3)")
    expect(check.evidence).toContain("longest linearizable prefix: #0")
  })
})

describe("24h check linearizability", () => {
  const dir = mkdtempSync(join(tmpdir(), "24h-lin-cli-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, text: string) => {
    const file = join(dir, name)
    writeFileSync(file, text)
    return file
  }
  const good = write(
    "good.jsonl",
    h([0, "invoke", "write", 1, 0], [1, "invoke", "read", null, 1], [0, "ok", "write", 1, 2], [1, "ok", "read", 1, 3])
      .map((e) => JSON.stringify(e))
      .join("\n")
  )
  const jepsen = (p: number, type: string, f: string, v: string) => `INFO  jepsen.util - ${p}\t:${type}\t:${f}\t${v}`
  const badLog = write(
    "bad.log",
    [
      jepsen(0, "invoke", "write", "3"),
      jepsen(0, "ok", "write", "3"),
      jepsen(1, "invoke", "cas", "[3 4]"),
      jepsen(1, "ok", "cas", "[3 4]"),
      jepsen(2, "invoke", "read", "nil"),
      jepsen(2, "ok", "read", "3")
    ].join("\n")
  )
  const kvEdn = write(
    "kv.edn",
    [
      '{:process 0, :type :invoke, :f :append, :key "a", :value "x"}',
      '{:process 0, :type :ok, :f :append, :key "a", :value "x"}',
      '{:process 1, :type :invoke, :f :get, :key "a", :value nil}',
      '{:process 1, :type :ok, :f :get, :key "a", :value "x"}'
    ].join("\n")
  )

  it("prints one JSON document per run, with a verdict, partitions and evidence per file; exit 1 when one fails", () => {
    const r = run24h(["check", "linearizability", good, badLog, "--model", "register", "--json"])
    expect(r.status).toBe(1)
    const doc = JSON.parse(r.stdout)
    expect(doc).toMatchObject({ ok: false, model: "register", verdict: "not-linearizable" })
    expect(doc.files.map((f: { file: string; verdict: string }) => [f.file, f.verdict])).toEqual([
      [good, "linearizable"],
      [badLog, "not-linearizable"]
    ])
    const bad = doc.files[1]
    expect(bad.partitions).toEqual([
      { partition: "", verdict: "not-linearizable", operations: 3, ms: expect.any(Number), longestPrefix: 2 }
    ])
    expect(bad.evidence).toMatchObject({
      state: "4",
      prefix: [0, 1],
      blocked: { index: 2, process: 2, f: "read", status: "ok", result: 3, call: 4, return: 5 }
    })
    expect(typeof bad.ms).toBe("number")
  })

  it("checks kv EDN by key and exits 0; bad input exits 2 naming the problem", () => {
    const ok = run24h([
      "check",
      "linearizability",
      kvEdn,
      "--model",
      "kv",
      "--format",
      "edn",
      "--timeout",
      "30s",
      "--json"
    ])
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({
      ok: true,
      verdict: "linearizable",
      files: [{ partitions: [{ partition: "a" }] }]
    })
    const notEdn = run24h(["check", "linearizability", good, "--model", "kv", "--format", "edn", "--json"])
    expect(notEdn.status).toBe(2)
    expect(JSON.parse(notEdn.stdout).error.message).toContain("good.jsonl: line 1: ")
    const timeout = run24h(["check", "linearizability", good, "--model", "register", "--timeout", "soon"])
    expect(timeout.status).toBe(2)
    expect(timeout.stderr).toContain('--timeout: expected a duration like 30s, 500ms or 2m (got "soon")')
    const missing = run24h(["check", "linearizability", join(dir, "nope.jsonl"), "--model", "register"])
    expect(missing.status).toBe(2)
  })
})
