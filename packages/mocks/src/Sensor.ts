/**
 * Seeded sensor streams from a declarative spec — a base signal (`constant`, `sine`, `ramp`, `randomWalk`,
 * `square`), noise, a sample rate — with realistic defects: dropouts, stuck-at values, drift, spikes, clock skew,
 * out-of-order and duplicated timestamps, unit changes and bursts. The ground truth of every sample (its true time and
 * value, what was reported, and which defects touched it) is recorded beside the stream, so a verdict can say whether
 * a SUT's alert or aggregate is right ({@link alertsCorrect}, {@link aggregateCorrect}).
 *
 * Available as an async iterable ({@link Sensor.readings}), as NDJSON files ({@link write}: the readings and a
 * `.truth.ndjson` beside them) and as a Server-Sent Events endpoint ({@link serve}). The same seed and spec give
 * byte-identical output.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sensor } from "@24h/mocks"
 *
 * const program = Effect.gen(function* () {
 *   const boiler = yield* Sensor.make(
 *     {
 *       name: "boiler-1",
 *       rateHz: 1,
 *       samples: 3600,
 *       signal: { kind: "sine", mean: 60, amplitude: 5, periodMs: 600_000 },
 *       noise: { kind: "gaussian", stddev: 0.2 },
 *       defects: [{ kind: "dropout", rate: 0.01, meanLength: 10 }, { kind: "spike", rate: 0.002, magnitude: 30 }]
 *     },
 *     { seed: 42 }
 *   )
 *   return yield* Sensor.write(boiler, { path: "boiler.ndjson" })
 * })
 * ```
 *
 * @since 0.2.0
 */
import { once } from "node:events"
import { createWriteStream, type WriteStream } from "node:fs"
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { Check, type Seed } from "@24h/core"
import { Effect, Result, type Scope } from "effect"
import { seedOption } from "./internal/seed.ts"
import {
  type Item as GenItem,
  type Reading as GenReading,
  type Truth as GenTruth,
  generate,
  readingLine,
  truthLine
} from "./internal/sensor/gen.ts"
import * as SpecSchema from "./internal/sensor/spec.ts"
import { type MocksError, mocksError } from "./MocksError.ts"

/**
 * The sensor spec schema (zod). `name`, `rateHz`, `samples` and `signal` are required; `unit` defaults to `"C"`,
 * `start` to 2026-01-01T00:00:00Z, `noise` to none, `precision` to 3 decimals, `defects` to none.
 *
 * @example
 * ```ts
 * import { Sensor } from "@24h/mocks"
 * Sensor.Spec.parse({ name: "t1", rateHz: 10, samples: 100, signal: { kind: "constant", value: 21 } })
 * ```
 *
 * @category schemas
 * @since 0.2.0
 */
export const Spec = SpecSchema.Spec
/**
 * A validated sensor spec.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const rate = (spec: Sensor.Spec) => spec.rateHz * 60 // samples a minute
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Spec = SpecSchema.Spec
/**
 * A sensor spec as written (defaults not yet applied).
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const spec: Sensor.SpecInput = { name: "t1", rateHz: 1, samples: 60, signal: { kind: "ramp", from: 20, perSecond: 0.1 } }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type SpecInput = SpecSchema.SpecInput
/**
 * A defect of a sensor spec.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const toFahrenheit: Sensor.Defect = { kind: "unitChange", atSample: 500, unit: "F", scale: 1.8, offset: 32 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Defect = SpecSchema.Defect

/**
 * One reading as the sensor sends it: `seq` is the arrival order; `ts` is the sensor's (possibly skewed) timestamp.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const hot = (r: Sensor.Reading) => r.unit === "C" && r.value > 80
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Reading = GenReading

/**
 * The ground truth of one sample: its true time and value, what was reported (or `null` when dropped), how many
 * copies were sent, and the defects that touched it.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const hidden = (t: Sensor.Truth) => t.copies === 0 && t.value > 80 // a real excursion the sensor dropped
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Truth = GenTruth

/**
 * A reading with its arrival time (true time, in epoch ms: when the SSE endpoint sends it at speed 1), or the truth
 * of one sample.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const arrivals = (items: Iterable<Sensor.Item>) => [...items].flatMap((i) => (i.kind === "reading" ? [i.arrivalMs] : []))
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export type Item = GenItem

/**
 * A seeded sensor: a spec and a seed, from which readings and truth are generated afresh on every call.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const count = (s: Sensor.Sensor) => s.collect().readings.length
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Sensor {
  readonly spec: Spec
  readonly seed: Seed.Seed
  /** The readings in arrival order, as an async iterable (no pacing). */
  readonly readings: () => AsyncIterable<Reading>
  /** Readings (with their arrival time) and truth, interleaved in generation order. */
  readonly items: () => Iterable<Item>
  /** Everything in memory (for small streams). */
  readonly collect: () => { readonly readings: ReadonlyArray<Reading>; readonly truth: ReadonlyArray<Truth> }
}

/**
 * Options of {@link make}: the seed (a root, or a derived `Seed`; default 0).
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import type { Sensor } from "@24h/mocks"
 * const options: Sensor.MakeOptions = { seed: Seed.derive(Seed.make(42), "plant-3") }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface MakeOptions {
  readonly seed?: Seed.Root | Seed.Seed
}

/**
 * Validates a spec and makes a sensor. A bad spec fails with `InvalidOptions` naming the field and the value.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sensor } from "@24h/mocks"
 * const flat = Sensor.make({ name: "t", rateHz: 1, samples: 10, signal: { kind: "constant", value: 1 } }, { seed: 1 })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = Effect.fn("Sensor.make")(
  (input: SpecInput, options: MakeOptions = {}): Effect.Effect<Sensor, MocksError> =>
    Effect.gen(function* () {
      const checked = SpecSchema.parse(input)
      if (Result.isFailure(checked))
        return yield* mocksError("InvalidOptions", `Sensor.make: ${checked.failure.message}`, undefined, {
          ...checked.failure,
          module: "Sensor.make"
        })
      const parsed = checked.success
      const seed = yield* seedOption("Sensor.make", options.seed ?? 0)
      return fromSpec(parsed, seed)
    })
)

const fromSpec = (spec: Spec, seed: Seed.Seed): Sensor => ({
  spec,
  seed,
  items: () => ({ [Symbol.iterator]: () => generate(spec, seed) }),
  readings: () => ({
    async *[Symbol.asyncIterator]() {
      for (const item of generate(spec, seed)) if (item.kind === "reading") yield item.reading
    }
  }),
  collect: () => {
    const readings: Array<Reading> = []
    const truth: Array<Truth> = []
    for (const item of generate(spec, seed)) {
      if (item.kind === "reading") readings.push(item.reading)
      else truth.push(item.truth)
    }
    return { readings, truth }
  }
})

/**
 * One reading as an NDJSON line (with its newline), keys in a fixed order.
 *
 * @example
 * ```ts
 * import { Sensor } from "@24h/mocks"
 * Sensor.toLine({ sensor: "t", seq: 0, ts: "2026-01-01T00:00:00.000Z", value: 21.5, unit: "C" })
 * ```
 *
 * @category encoding
 * @since 0.2.0
 */
export const toLine = (r: Reading): string => readingLine(r)

/**
 * What {@link write} wrote.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const line = (w: Sensor.WriteSummary) => `${w.readings} readings of ${w.samples} samples to ${w.path} (truth: ${w.truthPath})`
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface WriteSummary {
  readonly sensor: string
  readonly seed: Seed.Root
  readonly path: string
  readonly truthPath: string
  readonly readings: number
  readonly samples: number
  readonly bytes: number
  readonly defects: Readonly<Record<string, number>>
}

const writeAll = async (stream: WriteStream, s: string) => {
  if (!stream.write(s)) await once(stream, "drain")
}

const closeStream = (stream: WriteStream) =>
  new Promise<void>((resolve, reject) => {
    stream.once("error", reject)
    stream.end(() => resolve())
  })

/**
 * Writes the readings as NDJSON to `path` and the ground truth to `truthPath` (default: `path` with
 * `.truth.ndjson` in place of `.ndjson`), streaming with backpressure. Fails with `Io` when a file cannot be written.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sensor } from "@24h/mocks"
 * declare const sensor: Sensor.Sensor
 * const summary = Sensor.write(sensor, { path: "/tmp/t.ndjson" }) // also /tmp/t.truth.ndjson
 * ```
 *
 * @category files
 * @since 0.2.0
 */
export const write = Effect.fn("Sensor.write")(
  (
    sensor: Sensor,
    options: { readonly path: string; readonly truthPath?: string }
  ): Effect.Effect<WriteSummary, MocksError> =>
    Effect.tryPromise({
      try: async () => {
        const truthPath =
          options.truthPath ??
          (options.path.endsWith(".ndjson")
            ? `${options.path.slice(0, -7)}.truth.ndjson`
            : `${options.path}.truth.ndjson`)
        const out = createWriteStream(options.path)
        const truth = createWriteStream(truthPath)
        const failed = new Promise<never>((_, reject) => {
          out.once("error", reject)
          truth.once("error", reject)
        })
        const work = (async () => {
          let readings = 0
          let samples = 0
          let bytes = 0
          const defects: Record<string, number> = {}
          let bufOut = ""
          let bufTruth = ""
          for (const item of sensor.items()) {
            if (item.kind === "reading") {
              const line = readingLine(item.reading)
              bufOut += line
              bytes += Buffer.byteLength(line)
              readings++
            } else {
              bufTruth += truthLine(item.truth)
              samples++
              for (const d of item.truth.defects) defects[d] = (defects[d] ?? 0) + 1
            }
            if (bufOut.length > 65_536) {
              await writeAll(out, bufOut)
              bufOut = ""
            }
            if (bufTruth.length > 65_536) {
              await writeAll(truth, bufTruth)
              bufTruth = ""
            }
          }
          await writeAll(out, bufOut)
          await writeAll(truth, bufTruth)
          await Promise.all([closeStream(out), closeStream(truth)])
          return { readings, samples, bytes, defects }
        })()
        const r = await Promise.race([work, failed])
        return {
          sensor: sensor.spec.name,
          seed: sensor.seed.root,
          path: options.path,
          truthPath,
          ...r
        }
      },
      catch: (e) => mocksError("Io", `Sensor.write: cannot write ${options.path}: ${(e as Error).message}`, e)
    })
)

/**
 * Options of {@link serve}: the port (default 0), and `speed` — 1 paces readings in real time by their arrival,
 * 10 ten times faster, 0 sends them as fast as the socket takes them (default 0).
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const tenTimes: Sensor.ServeOptions = { speed: 10 }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface ServeOptions {
  readonly port?: number
  readonly speed?: number
}

/**
 * A running sensor endpoint.
 *
 * @example
 * ```ts
 * import type { Sensor } from "@24h/mocks"
 * const subscribe = (ep: Sensor.Endpoint) => new URL(ep.streamUrl("boiler-1"))
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Endpoint {
  readonly url: string
  readonly port: number
  /** The SSE stream of a sensor: `${url}/sensors/<name>`. */
  readonly streamUrl: (name: string) => string
}

/**
 * Serves sensors as Server-Sent Events on `127.0.0.1`: `GET /sensors` lists them; `GET /sensors/<name>` streams
 * `event: reading` with `id: <seq>` and the reading as JSON `data`, then `event: end`; a reconnect with
 * `Last-Event-ID` resumes after that reading; `GET /sensors/<name>/truth` is the ground truth as NDJSON. Each
 * subscriber gets the whole stream from the start. Scoped: closing the scope ends every stream and the server.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Sensor } from "@24h/mocks"
 * declare const sensor: Sensor.Sensor
 * const program = Effect.scoped(Effect.flatMap(Sensor.serve([sensor], { speed: 10 }), (ep) => Effect.log(ep.streamUrl("t1"))))
 * ```
 *
 * @category servers
 * @since 0.2.0
 */
export const serve = Effect.fn("Sensor.serve")(
  (sensors: ReadonlyArray<Sensor>, options: ServeOptions = {}): Effect.Effect<Endpoint, MocksError, Scope.Scope> =>
    Effect.gen(function* () {
      const speed = options.speed ?? 0
      if (!(speed >= 0 && Number.isFinite(speed)))
        return yield* mocksError("InvalidOptions", `Sensor.serve: speed must be a finite number >= 0 (got ${speed})`)
      const port = options.port ?? 0
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return yield* mocksError("InvalidOptions", `Sensor.serve: port must be an integer in 0..65535 (got ${port})`)
      const byName = new Map<string, Sensor>()
      for (const s of sensors) {
        if (byName.has(s.spec.name))
          return yield* mocksError(
            "InvalidOptions",
            `Sensor.serve: two sensors are named ${JSON.stringify(s.spec.name)}`
          )
        byName.set(s.spec.name, s)
      }
      const timers = new Set<ReturnType<typeof setTimeout>>()
      const sockets = new Set<Socket>()
      const streamTo = (sensor: Sensor, res: ServerResponse, after: number) => {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive"
        })
        const it = sensor.items()[Symbol.iterator]()
        let first: number | undefined
        const began = Date.now()
        const pump = () => {
          while (!res.destroyed) {
            const n = it.next()
            if (n.done === true) {
              res.end("event: end\ndata: {}\n\n")
              return
            }
            const item = n.value
            if (item.kind !== "reading" || item.reading.seq <= after) continue
            first ??= item.arrivalMs
            if (speed > 0) {
              const due = began + (item.arrivalMs - first) / speed - Date.now()
              if (due > 1) {
                const t = setTimeout(() => {
                  timers.delete(t)
                  send(item.reading)
                  pump()
                }, due)
                timers.add(t)
                return
              }
            }
            if (!send(item.reading)) {
              res.once("drain", pump)
              return
            }
          }
        }
        const send = (r: Reading) => res.write(`event: reading\nid: ${r.seq}\ndata: ${readingLine(r)}\n`)
        pump()
      }
      const server = createServer((req, res) => {
        const path = (req.url ?? "/").split("?")[0]!
        const json = (status: number, body: unknown) => {
          const text = JSON.stringify(body)
          res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
          res.end(text)
        }
        if (req.method !== "GET")
          return json(405, { error: { reason: "InvalidOptions", message: `only GET is served (got ${req.method})` } })
        if (path === "/sensors")
          return json(200, {
            sensors: [...byName.values()].map((s) => ({
              name: s.spec.name,
              unit: s.spec.unit,
              rateHz: s.spec.rateHz,
              samples: s.spec.samples
            }))
          })
        const m = /^\/sensors\/([^/]+)(\/truth)?$/.exec(path)
        const sensor = m === null ? undefined : byName.get(decodeURIComponent(m[1]!))
        if (sensor === undefined)
          return json(404, {
            error: {
              reason: "InvalidOptions",
              message: `no sensor at ${JSON.stringify(path)} (sensors: ${[...byName.keys()].join(", ")})`
            }
          })
        if (m![2] !== undefined) {
          res.writeHead(200, { "content-type": "application/x-ndjson" })
          const it = sensor.items()[Symbol.iterator]()
          const pump = () => {
            while (!res.destroyed) {
              const n = it.next()
              if (n.done === true) return void res.end()
              if (n.value.kind === "truth" && !res.write(truthLine(n.value.truth))) return void res.once("drain", pump)
            }
          }
          return pump()
        }
        const last = req.headers["last-event-id"]
        const after = typeof last === "string" && /^\d+$/.test(last) ? Number(last) : -1
        streamTo(sensor, res, after)
      })
      server.on("connection", (s) => {
        sockets.add(s)
        s.on("close", () => sockets.delete(s))
      })
      yield* Effect.acquireRelease(
        Effect.callback<void, MocksError>((resume) => {
          server.once("error", (e) =>
            resume(
              Effect.fail(mocksError("Server", `Sensor.serve: cannot listen on 127.0.0.1:${port}: ${e.message}`, e))
            )
          )
          server.listen(port, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.callback<void>((resume) => {
            for (const t of timers) clearTimeout(t)
            timers.clear()
            server.close(() => resume(Effect.void))
            for (const s of sockets) s.destroy()
            server.closeAllConnections()
          })
      )
      const bound = (server.address() as AddressInfo).port
      const url = `http://127.0.0.1:${bound}`
      return { url, port: bound, streamUrl: (name: string) => `${url}/sensors/${encodeURIComponent(name)}` }
    })
)

// ── verdicts against the ground truth ────────────────────────────────────────────────────────────────────────────

const ms = (t: string | number) => (typeof t === "number" ? t : Date.parse(t))

/**
 * Did the SUT alert on every episode where the *true* value crossed `threshold` (`above`, default, or below), within
 * `withinMs` of the episode's start, and never outside one? Episodes come from the ground truth, so a spike or a
 * stuck sensor that the SUT alerted on is a false positive, and a dropout that hid a real excursion is a miss.
 *
 * @example
 * ```ts
 * import { Sensor } from "@24h/mocks"
 * declare const truth: ReadonlyArray<Sensor.Truth>
 * Sensor.alertsCorrect(truth, { threshold: 80, alerts: ["2026-01-01T00:10:02.000Z"], withinMs: 5000 })
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const alertsCorrect = (
  truth: ReadonlyArray<Truth>,
  options: {
    readonly threshold: number
    readonly direction?: "above" | "below"
    readonly alerts: ReadonlyArray<string | number>
    readonly withinMs: number
  }
): Check.Check => {
  const name = `alerts when the true value goes ${options.direction ?? "above"} ${options.threshold}`
  const over = (v: number) =>
    (options.direction ?? "above") === "above" ? v > options.threshold : v < options.threshold
  const episodes: Array<{ from: number; to: number }> = []
  for (const s of truth) {
    const t = ms(s.t)
    const last = episodes.at(-1)
    if (over(s.value)) {
      if (last !== undefined && last.to === -1) continue
      episodes.push({ from: t, to: -1 })
    } else if (last !== undefined && last.to === -1) last.to = t
  }
  const end = truth.length === 0 ? 0 : ms(truth.at(-1)!.t)
  for (const e of episodes) if (e.to === -1) e.to = end
  const alerts = options.alerts.map(ms)
  const iso = (t: number) => new Date(t).toISOString()
  const missed = episodes.filter((e) => !alerts.some((a) => a >= e.from && a <= e.from + options.withinMs))
  const spurious = alerts.filter(
    (a) => !episodes.some((e) => a >= e.from && a <= Math.max(e.to, e.from) + options.withinMs)
  )
  const evidence = [
    ...missed.map((e) => `missed: true excursion ${iso(e.from)}..${iso(e.to)}`),
    ...spurious.map(
      (a) => `false alert at ${iso(a)}: the true value was not ${options.direction ?? "above"} ${options.threshold}`
    )
  ]
  if (missed.length > 0 || spurious.length > 0)
    return Check.fail(
      name,
      `${missed.length} of ${episodes.length} excursions missed, ${spurious.length} false alert(s)`,
      {
        source: "sensor",
        evidence: evidence.slice(0, 20)
      }
    )
  if (episodes.length === 0 && alerts.length === 0)
    return Check.unknown(name, "the true value never crossed the threshold and nothing alerted", { source: "sensor" })
  return Check.pass(name, `${episodes.length} excursion(s), each alerted within ${options.withinMs} ms`, {
    source: "sensor",
    evidence: episodes.slice(0, 20).map((e) => `excursion ${iso(e.from)}..${iso(e.to)}`)
  })
}

/**
 * Is the SUT's aggregate (`mean`, `min`, `max` or `count` of samples) over `[from, to)` of true time within
 * `tolerance` of the ground truth's?
 *
 * @example
 * ```ts
 * import { Sensor } from "@24h/mocks"
 * declare const truth: ReadonlyArray<Sensor.Truth>
 * Sensor.aggregateCorrect(truth, { kind: "mean", value: 60.1, tolerance: 0.5 })
 * ```
 *
 * @category verdicts
 * @since 0.2.0
 */
export const aggregateCorrect = (
  truth: ReadonlyArray<Truth>,
  options: {
    readonly kind: "mean" | "min" | "max" | "count"
    readonly value: number
    readonly tolerance: number
    readonly from?: string | number
    readonly to?: string | number
  }
): Check.Check => {
  const from = options.from === undefined ? -Infinity : ms(options.from)
  const to = options.to === undefined ? Infinity : ms(options.to)
  const window = truth.filter((s) => ms(s.t) >= from && ms(s.t) < to)
  const name = `${options.kind} within ${options.tolerance} of the truth`
  if (window.length === 0) return Check.unknown(name, "no true sample in the window", { source: "sensor" })
  const values = window.map((s) => s.value)
  const expected =
    options.kind === "count"
      ? values.length
      : options.kind === "min"
        ? Math.min(...values)
        : options.kind === "max"
          ? Math.max(...values)
          : values.reduce((a, b) => a + b, 0) / values.length
  const diff = Math.abs(options.value - expected)
  const evidence = [
    `true ${options.kind} ${expected} over ${window.length} samples (${window[0]!.t}..${window.at(-1)!.t})`,
    `SUT said ${options.value}`
  ]
  return Check.make(name, diff <= options.tolerance, {
    message: `the SUT's ${options.kind} ${options.value} is ${diff.toPrecision(4)} from the true ${expected}`,
    source: "sensor",
    evidence
  })
}
