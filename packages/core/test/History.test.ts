import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { History, Linearizability, Load } from "@24h/core"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, describe, expect, it } from "vitest"

const dirs: Array<string> = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "24h-history-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const fail = <A, E>(eff: Effect.Effect<A, E>) => Effect.runSync(Effect.flip(eff)) as unknown as { message: string }

describe("History.operations", () => {
  it("pairs calls with completions; a call never completed is of unknown outcome", () => {
    const ops = Effect.runSync(
      History.operations([
        { process: 0, type: "invoke", f: "write", value: 1, time: 0 },
        { process: 1, type: "invoke", f: "read", value: null, time: 1, key: "a" },
        { process: 0, type: "info", f: "write", value: null, time: 2 },
        { process: 1, type: "ok", f: "read", value: 1, time: 3, key: "a" },
        { process: 2, type: "invoke", f: "write", value: 2, time: 4 }
      ])
    )
    expect(ops).toEqual([
      {
        index: 0,
        process: 0,
        f: "write",
        key: undefined,
        value: 1,
        result: undefined,
        status: "info",
        call: 0,
        return: Infinity
      },
      { index: 1, process: 1, f: "read", key: "a", value: null, result: 1, status: "ok", call: 1, return: 3 },
      {
        index: 2,
        process: 2,
        f: "write",
        key: undefined,
        value: 2,
        result: undefined,
        status: "info",
        call: 4,
        return: Infinity
      }
    ])
  })

  it("rejects a completion with no call, a second pending call, and a completion of another f", () => {
    expect(fail(History.operations([{ process: 3, type: "ok", f: "read", value: 1, time: 0 }])).message).toBe(
      "history event 0: process 3 completes read (ok) with no pending call"
    )
    expect(
      fail(
        History.operations([
          { process: 3, type: "invoke", f: "read", value: null, time: 0 },
          { process: 3, type: "invoke", f: "write", value: 1, time: 1 }
        ])
      ).message
    ).toBe("history event 1: process 3 invokes write while its read is still pending")
    expect(
      fail(
        History.operations([
          { process: 3, type: "invoke", f: "read", value: null, time: 0 },
          { process: 3, type: "ok", f: "write", value: 1, time: 1 }
        ])
      ).message
    ).toBe('history event 1: process 3 completes f "write" but invoked "read"')
  })
})

describe("History.parse", () => {
  it("reads Jepsen log lines, ignoring other lines; :timed-out completions are unknown outcomes", () => {
    const text = [
      "2016-01-01 INFO jepsen.core - Running test",
      "INFO  jepsen.util - 3\t:invoke\t:read\tnil",
      "INFO  jepsen.util - 3\t:ok\t:read\t4",
      "INFO  jepsen.util - 1  :invoke  :cas  [4 2]",
      "INFO  jepsen.util - 1\t:fail\t:cas\t[4 2]",
      "INFO  jepsen.util - 2\t:invoke\t:write\t4",
      "INFO  jepsen.util - 2\t:info\t:write\t:timed-out",
      "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
      "INFO  jepsen.util - 0\t:fail\t:read\t:timed-out"
    ].join("\n")
    const events = Effect.runSync(History.parse(text, "jepsen-log"))
    expect(events.map((e) => [e.process, e.type, e.f, e.value, e.time])).toEqual([
      [3, "invoke", "read", null, 1],
      [3, "ok", "read", 4, 2],
      [1, "invoke", "cas", [4, 2], 3],
      [1, "fail", "cas", [4, 2], 4],
      [2, "invoke", "write", 4, 5],
      [2, "info", "write", "timed-out", 6],
      [0, "invoke", "read", null, 7],
      [0, "info", "read", "timed-out", 8]
    ])
  })

  it("reads EDN history lines, with keys and times when given", () => {
    const text = [
      '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
      "",
      '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y", :time 12}',
      '{:process 3, :type :invoke, :f :get, :key "7", :value nil}'
    ].join("\n")
    expect(Effect.runSync(History.parse(text, "edn"))).toEqual([
      { process: 0, type: "invoke", f: "append", key: "0", value: "x 0 0 y", time: 0 },
      { process: 0, type: "ok", f: "append", key: "0", value: "x 0 0 y", time: 12 },
      { process: 3, type: "invoke", f: "get", key: "7", value: null, time: 3 }
    ])
    expect(fail(History.parse("{:process 0, :type :invoke}", "edn")).message).toContain("line 1: f:")
    expect(fail(History.parse('{:process 0, :type "invoke', "edn")).message).toBe(
      "line 1: not EDN (unterminated string)"
    )
  })

  it("reads our JSON Lines and names the bad line and field", () => {
    const good = '{"process":0,"type":"invoke","f":"read","value":null,"time":0}'
    expect(Effect.runSync(History.parse(good, "jsonl"))).toHaveLength(1)
    expect(fail(History.parse(`${good}\n{"process":0,"type":"done","f":"read","time":1}`, "jsonl")).message).toMatch(
      /^line 2: type: .*\(got "done"\)$/
    )
    expect(fail(History.parse("nope", "jsonl")).message).toBe('line 1: not JSON (got "nope")')
  })

  it("detects the format from the name and the first line", () => {
    expect(History.detectFormat("a.jsonl", "")).toBe("jsonl")
    expect(History.detectFormat("c10-ok.txt", '{:process 0, :type :invoke, :f :get, :key "1", :value nil}')).toBe("edn")
    expect(History.detectFormat("etcd_000.log", "INFO  jepsen.util - 0\t:invoke\t:read\tnil")).toBe("jepsen-log")
  })
})

describe("History.recorder and instrument", () => {
  it("streams events to JSON Lines with Clock times, holding at most flushEvery lines", async () => {
    const file = join(tmp(), "results", "history.jsonl")
    const lines = () =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    const seen: Array<number> = []
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const rec = yield* History.recorder({ file, flushEvery: 2 })
          const fiber = yield* Effect.forkChild(
            Effect.gen(function* () {
              const p = yield* rec.invoke({ f: "write", value: 1, key: "acct-1" })
              yield* Effect.sleep("5 millis")
              yield* rec.complete(p, "ok")
              seen.push(lines().length)
              const q = yield* rec.invoke({ f: "read", key: "acct-1" })
              seen.push(lines().length)
              yield* rec.complete(q, "ok", 1)
            })
          )
          yield* TestClock.adjust("5 millis")
          yield* Fiber.join(fiber)
          seen.push(lines().length)
        }).pipe(Effect.provide(TestClock.layer()))
      )
    )
    expect(seen).toEqual([2, 2, 4])
    const events = await Effect.runPromise(History.readFile(file))
    expect(events).toEqual([
      { process: 0, type: "invoke", f: "write", value: 1, key: "acct-1", time: 0 },
      { process: 0, type: "ok", f: "write", value: null, key: "acct-1", time: 5_000_000 },
      { process: 0, type: "invoke", f: "read", value: null, key: "acct-1", time: 5_000_000 },
      { process: 0, type: "ok", f: "read", value: 1, key: "acct-1", time: 5_000_000 }
    ])
  })

  it("instrument: concurrent iterations get distinct processes; a failing run is recorded as info", async () => {
    const file = join(tmp(), "history.jsonl")
    let register: number | null = null
    const outcomes = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const rec = yield* History.recorder({ file })
          const iteration = History.instrument(rec, (ctx: { readonly index: number }) =>
            ctx.index === 3
              ? { f: "write", value: 3, run: Effect.fail("connection reset" as const) }
              : ctx.index % 2 === 0
                ? {
                    f: "write",
                    value: ctx.index,
                    run: Effect.sync(() => {
                      register = ctx.index
                      return { type: "ok" as const }
                    }).pipe(Effect.delay("1 millis"))
                  }
                : { f: "read", run: Effect.sync(() => ({ type: "ok" as const, value: register })) }
          )
          return yield* Effect.forEach([0, 1, 2, 3, 4, 5], (index) => Effect.result(iteration({ index })), {
            concurrency: 3
          })
        })
      )
    )
    expect(outcomes.map((o) => (o._tag === "Success" ? o.success.ok : o.failure))).toEqual([
      true,
      true,
      true,
      "connection reset",
      true,
      true
    ])
    const events = await Effect.runPromise(History.readFile(file))
    expect(new Set(events.map((e) => e.process))).toEqual(new Set([0, 1, 2]))
    expect(events.filter((e) => e.type === "info")).toHaveLength(1)
    const result = await Effect.runPromise(Linearizability.check(Linearizability.register(), events))
    expect(result.verdict).toBe("linearizable")
  })

  it("instrument plugs into core Load: a closed-model workload records a history that checks", async () => {
    const file = join(tmp(), "load.jsonl")
    let register: number | null = null
    const summary = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const rec = yield* History.recorder({ file, flushEvery: 8 })
          const iteration = History.instrument(rec, (ctx: Load.Context) =>
            ctx.index % 3 === 0
              ? {
                  f: "write",
                  value: ctx.index,
                  run: Effect.sync(() => {
                    register = ctx.index
                    return { type: "ok" as const }
                  })
                }
              : { f: "read", run: Effect.sync(() => ({ type: "ok" as const, value: register })) }
          )
          return yield* Load.run(Load.closed({ vus: 3, duration: "5 seconds", maxIterations: 60 }), iteration, {
            recorder: false
          })
        })
      )
    )
    expect(summary.ok).toBe(60)
    const events = await Effect.runPromise(History.readFile(file))
    expect(events).toHaveLength(120)
    const result = await Effect.runPromise(Linearizability.check(Linearizability.register(), events))
    expect(result.verdict).toBe("linearizable")
  })

  it("rejects a bad flushEvery", () => {
    const e = Effect.runSync(
      Effect.flip(Effect.scoped(History.recorder({ file: join(tmp(), "h.jsonl"), flushEvery: 0 })))
    )
    expect(e.message).toBe("History.recorder: flushEvery must be an integer ≥ 1 (got 0)")
  })
})
