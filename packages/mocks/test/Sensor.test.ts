import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { EventSource } from "eventsource"
import { request } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Sensor } from "../src/index.ts"

const everyDefect: Sensor.SpecInput = {
  name: "boiler-1",
  unit: "C",
  rateHz: 10,
  samples: 5000,
  signal: { kind: "sine", mean: 60, amplitude: 10, periodMs: 60_000 },
  noise: { kind: "gaussian", stddev: 0.3 },
  defects: [
    { kind: "dropout", rate: 0.005, meanLength: 8 },
    { kind: "stuck", rate: 0.002, meanLength: 20 },
    { kind: "drift", perHour: 2, fromSample: 1000 },
    { kind: "spike", rate: 0.003, magnitude: 40 },
    { kind: "clockSkew", offsetMs: -1500, driftPpm: 200 },
    { kind: "outOfOrder", rate: 0.01, maxDisplacement: 4 },
    { kind: "duplicate", rate: 0.01 },
    { kind: "unitChange", atSample: 4000, unit: "F", scale: 1.8, offset: 32 },
    { kind: "burst", rate: 0.001, meanLength: 30 }
  ]
}

const make = (spec: Sensor.SpecInput, seed: number) => Effect.runPromise(Sensor.make(spec, { seed }))

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "24h-sensor-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("Sensor", () => {
  it("the same seed and spec give byte-identical NDJSON (readings and truth); another seed does not", async () => {
    const write = async (seed: number, file: string) =>
      Effect.runPromise(Sensor.write(await make(everyDefect, seed), { path: join(dir, file) }))
    const a = await write(7, "a.ndjson")
    const b = await write(7, "b.ndjson")
    const c = await write(8, "c.ndjson")
    expect(a.truthPath).toBe(join(dir, "a.truth.ndjson"))
    expect(a.samples).toBe(5000)
    const bytes = (p: string) => readFile(p)
    expect((await bytes(a.path)).equals(await bytes(b.path))).toBe(true)
    expect((await bytes(a.truthPath)).equals(await bytes(b.truthPath))).toBe(true)
    expect((await bytes(a.path)).equals(await bytes(c.path))).toBe(false)
    expect((await bytes(a.path)).length).toBe(a.bytes)
    const lines = (await readFile(a.path, "utf8")).trimEnd().split("\n")
    expect(lines).toHaveLength(a.readings)
    expect(JSON.parse(lines[0]!)).toMatchObject({ sensor: "boiler-1", seq: 0, unit: "C" })
  })

  it("every defect shows in the stream and is recorded in the ground truth", async () => {
    const { readings, truth } = (await make(everyDefect, 7)).collect()
    const tagged = (k: Sensor.Defect["kind"]) => truth.filter((t) => t.defects.includes(k))
    for (const k of [
      "dropout",
      "stuck",
      "drift",
      "spike",
      "clockSkew",
      "outOfOrder",
      "duplicate",
      "unitChange",
      "burst"
    ] as const)
      expect(tagged(k).length, k).toBeGreaterThan(0)
    // Dropouts: those samples were never sent.
    expect(tagged("dropout").every((t) => t.reported === null && t.copies === 0)).toBe(true)
    const sent = truth.reduce((n, t) => n + t.copies, 0)
    expect(readings.length).toBe(sent)
    expect(readings.length).toBeLessThan(5000 + tagged("duplicate").length)
    // Duplicated timestamps and out-of-order arrival.
    const ts = readings.map((r) => Date.parse(r.ts))
    expect(ts.some((t, i) => i > 0 && t === ts[i - 1])).toBe(true)
    expect(ts.some((t, i) => i > 0 && t < ts[i - 1]!)).toBe(true)
    expect(readings.map((r) => r.seq)).toEqual(readings.map((_, i) => i))
    // Unit change from sample 4000: reported in F, truth stays in C.
    expect(truth[4000]).toMatchObject({ unit: "C", reportedUnit: "F" })
    expect(readings.at(-1)?.unit).toBe("F")
    // Clock skew: the first sample is reported 1.5 s early.
    expect(Date.parse(truth[0]!.ts) - Date.parse(truth[0]!.t)).toBe(-1500)
    // Stuck-at: consecutive equal reported values inside a stuck window.
    const stuck = truth.filter(
      (t, i) => i > 0 && t.defects.includes("stuck") && truth[i - 1]!.defects.includes("stuck")
    )
    expect(stuck.some((t) => t.reported !== null && t.reported === truth[t.i - 1]!.reported)).toBe(true)
    // Spikes: the reported value is far from the truth.
    expect(tagged("spike").some((t) => t.reported !== null && Math.abs(t.reported - t.value) > 30)).toBe(true)
  })

  it("the async iterable yields the same readings as collect()", async () => {
    const sensor = await make({ ...everyDefect, samples: 500 }, 3)
    const seen: Array<Sensor.Reading> = []
    for await (const r of sensor.readings()) seen.push(r)
    expect(seen).toEqual(sensor.collect().readings)
  })

  it("a bad spec names the field and the value", async () => {
    const e = await Effect.runPromise(
      Effect.flip(
        Sensor.make({ name: "t", rateHz: 0, samples: 1, signal: { kind: "constant", value: 1 } }, { seed: 1 })
      )
    )
    expect(e.reason).toBe("InvalidOptions")
    expect(e.message).toBe("Sensor.make: spec.rateHz: Too small: expected number to be >0 (got 0)")
  })

  it("serves Server-Sent Events that a standard EventSource client reads to the end, and the truth as NDJSON", async () => {
    const sensor = await make({ ...everyDefect, samples: 300 }, 5)
    const expected = sensor.collect()
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ep = yield* Sensor.serve([sensor])
          const got = yield* Effect.promise(
            () =>
              new Promise<Array<Sensor.Reading>>((resolve, reject) => {
                const out: Array<Sensor.Reading> = []
                const es = new EventSource(ep.streamUrl("boiler-1"))
                es.addEventListener("reading", (ev) => out.push(JSON.parse(ev.data) as Sensor.Reading))
                es.addEventListener("end", () => {
                  es.close()
                  resolve(out)
                })
                es.onerror = (e) => {
                  es.close()
                  reject(new Error(`EventSource error: ${e.message ?? "unknown"}`))
                }
              })
          )
          expect(got).toEqual(expected.readings)
          const truth = yield* Effect.promise(async () =>
            (await request(`${ep.url}/sensors/boiler-1/truth`)).body.text()
          )
          expect(
            truth
              .trimEnd()
              .split("\n")
              .map((l) => JSON.parse(l))
          ).toEqual(expected.truth.map((t) => ({ ...t })))
          const missing = yield* Effect.promise(() => request(`${ep.url}/sensors/nope`))
          expect(missing.statusCode).toBe(404)
          yield* Effect.promise(() => missing.body.text())
        })
      )
    )
  })

  it("verdicts against the ground truth: an alert on a spike is a false alert; alerting on the truth passes", async () => {
    const spec: Sensor.SpecInput = {
      name: "tank",
      rateHz: 1,
      samples: 600,
      signal: { kind: "square", low: 50, high: 90, periodMs: 300_000 },
      defects: [{ kind: "spike", rate: 0.02, magnitude: 40 }]
    }
    const { readings, truth } = (await make(spec, 9)).collect()
    // A naive SUT alerts on every reported reading over 80, including spikes during the low phase.
    const naive: Array<string> = []
    let inAlert = false
    for (const r of readings) {
      if (r.value > 80 && !inAlert) naive.push(r.ts)
      inAlert = r.value > 80
    }
    const bad = Sensor.alertsCorrect(truth, { threshold: 80, alerts: naive, withinMs: 5000 })
    expect(bad.outcome).toBe("fail")
    expect(bad.evidence?.some((e) => e.startsWith("false alert at"))).toBe(true)
    const good = Sensor.alertsCorrect(truth, {
      threshold: 80,
      alerts: ["2026-01-01T00:00:00.000Z", "2026-01-01T00:05:00.000Z"],
      withinMs: 5000
    })
    expect(good.outcome).toBe("pass")
    const mean = Sensor.aggregateCorrect(truth, { kind: "mean", value: 70, tolerance: 0.01 })
    expect(mean.outcome).toBe("pass")
    expect(Sensor.aggregateCorrect(truth, { kind: "max", value: 120, tolerance: 1 }).outcome).toBe("fail")
  })

  it("paces the SSE stream by arrival time at speed 1, and resumes after Last-Event-ID", async () => {
    const sensor = await make({ name: "fast", rateHz: 100, samples: 50, signal: { kind: "constant", value: 1 } }, 1)
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const ep = yield* Sensor.serve([sensor], { speed: 1 })
          const started = Date.now()
          const text = yield* Effect.promise(async () =>
            (await request(ep.streamUrl("fast"), { headers: { "last-event-id": "39" } })).body.text()
          )
          const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
          expect(ids).toEqual([40, 41, 42, 43, 44, 45, 46, 47, 48, 49])
          expect(text.endsWith("event: end\ndata: {}\n\n")).toBe(true)
          // 10 readings 10 ms apart: at least ~90 ms at real-time pace (a generous lower bound, no upper one).
          expect(Date.now() - started).toBeGreaterThanOrEqual(80)
        })
      )
    )
  })
})
