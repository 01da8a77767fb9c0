import { Seed } from "@24h/core"
import { Effect, pipe, Result } from "effect"
import { describe, expect, it } from "vitest"
import { type LinkContext, makeStage, type Sink } from "../src/internal/chain.ts"
import * as Toxic from "../src/Toxic.ts"

const thrown = (f: () => unknown): { reason: string; message: string } => {
  try {
    f()
  } catch (e) {
    return e as { reason: string; message: string }
  }
  throw new Error("did not throw")
}

describe("Toxic constructors", () => {
  it("use Toxiproxy's names, defaults and zero-filled attributes", () => {
    expect(Toxic.latency({ latency: 100, jitter: 10 })).toEqual({
      type: "latency",
      name: "latency_downstream",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 100, jitter: 10 }
    })
    expect(Toxic.timeout().attributes).toEqual({ timeout: 0 })
    expect(Toxic.resetPeer({ stream: "upstream" }).name).toBe("reset_peer_upstream")
    expect(Toxic.slicer({ average_size: 64 }).attributes).toEqual({ average_size: 64, size_variation: 0, delay: 0 })
    expect(Toxic.bandwidth({ rate: 5 }).attributes).toEqual({ rate: 5, shared: false })
    expect(Toxic.noop().attributes).toEqual({})
    expect(Toxic.slowOpen({ delay: 3 }).type).toBe("slow_open")
    expect(Toxic.limitTime({ time: 3 }).attributes).toEqual({ time: 3 })
    expect(Toxic.limitData({ bytes: 0 }).attributes).toEqual({ bytes: 0 })
    expect(Toxic.slowClose({ delay: 1 }).attributes).toEqual({ delay: 1 })
    expect(Toxic.packetLoss({ loss_rate: 0.1 }).attributes).toEqual({
      loss_rate: 0.1,
      correlation: 0,
      rto: 200,
      max_rto: 60_000
    })
    expect(Toxic.types).toHaveLength(11)
  })

  it("reject invalid values with a ChaosError naming the attribute and the value", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => Toxic.bandwidth({ rate: 0 }), "Toxic.bandwidth: rate must be an integer >= 1 KB/s (got 0)"],
      [() => Toxic.bandwidth({ rate: 1.5 }), "Toxic.bandwidth: rate must be an integer >= 1 KB/s (got 1.5)"],
      [
        () => Toxic.slicer({ average_size: 0 }),
        "Toxic.slicer: average_size must be an integer number of bytes >= 1 (got 0)"
      ],
      [
        () => Toxic.latency({ jitter: -1 }),
        "Toxic.latency: jitter must be an integer number of ms in [0, 2147483647] (got -1)"
      ],
      [
        () => Toxic.latency({ latency: Number.NaN }),
        "Toxic.latency: latency must be an integer number of ms in [0, 2147483647] (got NaN)"
      ],
      [() => Toxic.timeout({ toxicity: 1.1 }), "Toxic.timeout: toxicity must be a number in [0, 1] (got 1.1)"],
      [() => Toxic.noop({ name: "" }), 'Toxic.noop: name must be a non-empty string (got "")'],
      [
        () => Toxic.noop({ stream: "sideways" as never }),
        'Toxic.noop: stream must be "upstream" or "downstream" (got "sideways")'
      ],
      [
        () => Toxic.make("nope" as never),
        'Toxic: type must be one of latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, noop, slow_open, limit_time, packet_loss (got "nope")'
      ]
    ]
    for (const [f, message] of cases) {
      const e = thrown(f)
      expect(e.reason).toBe("InvalidToxic")
      expect(e.message).toBe(message)
    }
  })

  it("name the module, the field and the value as data, thrown or as a Result", () => {
    expect(thrown(() => Toxic.bandwidth({ rate: 0 }))).toMatchObject({
      _tag: "ChaosError",
      reason: "InvalidToxic",
      module: "Toxic.bandwidth",
      field: "rate",
      value: 0
    })
    expect(thrown(() => Toxic.latency({ latency: Number.NaN }))).toMatchObject({ field: "latency", value: "NaN" })
    const r = Toxic.makeResult("packet_loss", { rto: 0 })
    expect(Result.isFailure(r) && r.failure).toMatchObject({ module: "Toxic.packet_loss", field: "rto", value: 0 })
    expect(Result.isSuccess(Toxic.makeResult("latency", { latency: 5 }))).toBe(true)
  })

  it("combinators are dual and keep validation", () => {
    const t = pipe(
      Toxic.latency({ latency: 5 }),
      Toxic.withToxicity(0.5),
      Toxic.onStream("upstream"),
      Toxic.named("db")
    )
    expect(t).toMatchObject({ name: "db", stream: "upstream", toxicity: 0.5 })
    expect(Toxic.onStream(Toxic.noop({ name: "keep" }), "upstream").name).toBe("keep")
    expect(Toxic.onStream(Toxic.noop(), "upstream").name).toBe("noop_upstream")
    expect(thrown(() => Toxic.withToxicity(t, -1)).reason).toBe("InvalidToxic")
  })

  it("update merges attributes and keeps toxicity; decode applies Toxiproxy's defaults", async () => {
    const t = Toxic.latency({ latency: 100, jitter: 10, toxicity: 0.3 })
    const u = await Effect.runPromise(Toxic.update(t, { attributes: { latency: 5, ignored: 1 } }))
    expect(u).toMatchObject({ toxicity: 0.3, attributes: { latency: 5, jitter: 10 } })
    const bad = await Effect.runPromise(Effect.flip(Toxic.update(t, { attributes: { latency: -1 } })))
    expect(bad.reason).toBe("InvalidToxic")
    const d = await Effect.runPromise(Toxic.decode({ type: "limit_data", attributes: { bytes: 3 } }))
    expect(d).toEqual(Toxic.limitData({ bytes: 3 }))
    expect((await Effect.runPromise(Effect.flip(Toxic.decode({ type: 1 })))).message).toBe(
      "Toxic: type must be a string"
    )
  })

  it("toJson prints Toxiproxy's shape and key order", () => {
    expect(JSON.stringify(Toxic.toJson(Toxic.latency({ latency: 100, jitter: 10 })))).toBe(
      '{"attributes":{"latency":100,"jitter":10},"name":"latency_downstream","type":"latency","stream":"downstream","toxicity":1}'
    )
    expect(Toxic.toJson(Toxic.bandwidth({ rate: 1 })).attributes).toEqual({ rate: 1 })
    expect(Toxic.toJson(Toxic.bandwidth({ rate: 1, shared: true })).attributes).toEqual({ rate: 1, shared: true })
  })
})

/** A stage fed directly, with a recording sink: the toxic's own behaviour, without sockets. */
const feed = (toxic: Toxic.Toxic, chunks: ReadonlyArray<Buffer>, seed = 1) => {
  const pieces: Array<Buffer> = []
  const sink: Sink = { write: (c) => pieces.push(c), end: () => {} }
  const rngs = new Map<string, Seed.Stream>()
  const ctx: LinkContext = {
    acceptedAt: 0,
    rng: (name) => {
      let s = rngs.get(name)
      if (s === undefined) {
        s = Seed.stream(Seed.derive(Seed.make(seed), name))
        rngs.set(name, s)
      }
      return s
    },
    state: () => ({ count: 0 }),
    sharedCursor: () => ({ at: 0 }),
    released: () => {},
    closeAfterEnd: () => {},
    close: () => {},
    reset: () => {}
  }
  const stage = makeStage(toxic, ctx)
  stage.next = sink
  for (const c of chunks) stage.write(c, 0)
  stage.flush()
  return pieces
}

describe("latency stage", () => {
  it("a queue that never drains is compacted without losing or reordering chunks", async () => {
    const got: Array<number> = []
    const { performance } = await import("node:perf_hooks")
    const done = new Promise<void>((resolve) => {
      const sink: Sink = {
        write: (c) => {
          got.push(c.readUInt16BE(0))
          if (got.length === 3000) resolve()
        },
        end: () => {}
      }
      const ctx = { acceptedAt: 0 } as unknown as LinkContext
      const stage = makeStage(Toxic.latency({ latency: 5 }), ctx)
      stage.next = sink
      const now = performance.now()
      for (let i = 0; i < 3000; i++) {
        const b = Buffer.alloc(2)
        b.writeUInt16BE(i)
        // the second half is due 30 ms later: the first pump emits half the queue, which is then compacted
        stage.write(b, i < 1500 ? now : now + 30)
      }
    })
    await done
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i))
  })
})

describe("packet_loss (on the stage)", () => {
  it("validates its attributes naming the value", () => {
    expect(thrown(() => Toxic.packetLoss({ loss_rate: 1.5 })).message).toBe(
      "Toxic.packet_loss: loss_rate must be a number in [0, 1] (got 1.5)"
    )
    expect(thrown(() => Toxic.packetLoss({ rto: 500, max_rto: 100 })).message).toBe(
      "Toxic.packet_loss: max_rto must be >= rto (500) (got 100)"
    )
  })

  it("never drops or reorders a byte; the same seed holds the same chunks", () => {
    const data = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251))
    const chunks = Array.from({ length: 100 }, (_, i) => data.subarray(i * 1000, (i + 1) * 1000))
    const toxic = Toxic.packetLoss({ loss_rate: 0.3, correlation: 0.2 })
    const pieces = feed(toxic, chunks)
    expect(Buffer.concat(pieces).equals(data)).toBe(true)
  })
})

describe("slicer (Toxiproxy's toxic test, on the stage)", () => {
  it("480 KB at 1024 ± 512 gives 240–720 pieces with identical bytes, the same for the same seed", () => {
    const data = Buffer.from(Array.from({ length: 480_000 }, (_, i) => i % 251))
    const chunks = Array.from({ length: 15 }, (_, i) => data.subarray(i * 32_000, (i + 1) * 32_000))
    const toxic = Toxic.slicer({ average_size: 1024, size_variation: 512, delay: 10 })
    const pieces = feed(toxic, chunks)
    expect(pieces.length).toBeGreaterThanOrEqual(240)
    expect(pieces.length).toBeLessThanOrEqual(720)
    expect(Buffer.concat(pieces).equals(data)).toBe(true)
    expect(feed(toxic, chunks).map((p) => p.length)).toEqual(pieces.map((p) => p.length))
    expect(feed(toxic, chunks, 2).map((p) => p.length)).not.toEqual(pieces.map((p) => p.length))
  })

  it("accepts size_variation == average_size (as Toxiproxy does) and never emits an empty piece", () => {
    const data = Buffer.from(Array.from({ length: 64_000 }, (_, i) => i % 251))
    const pieces = feed(Toxic.slicer({ average_size: 10, size_variation: 10 }), [data])
    expect(pieces.every((p) => p.length > 0 && p.length <= 20)).toBe(true)
    expect(Buffer.concat(pieces).equals(data)).toBe(true)
    expect(() => Toxic.slicer({ average_size: 10, size_variation: 11 })).toThrow(
      "Toxic.slicer: size_variation must be <= average_size (10) (got 11)"
    )
  })

  it("average 1, variation 0 splits 24 B into exactly 24 pieces", () => {
    const pieces = feed(Toxic.slicer({ average_size: 1 }), [Buffer.alloc(24, 1)])
    expect(pieces).toHaveLength(24)
  })
})
