/**
 * The sensor generator: one pass over the samples of a spec, yielding readings in arrival order and, for each
 * sample, its ground truth. Pure and synchronous; every random draw comes from a stream derived from the seed
 * (`mocks/sensor/<name>/<part>`), so the same seed and spec give the same bytes.
 *
 * ```
 *  sample i ─ true time t, true value v (signal) ───────────────────────────────► truth { v, defects }
 *     │ + noise, drift, stuck, spike, unit change                (reported value)
 *     │ clock skew                                               (reported timestamp)
 *     ├ dropout ─► nothing
 *     ├ duplicate ─► two copies
 *     ├ outOfOrder ─► held back for k later readings
 *     └ burst window ─► held until the window ends, then all at once ──────────► readings (seq = arrival order)
 * ```
 */
import { Seed } from "@24h/core"
import type { Defect, Spec } from "./spec.ts"

export interface Reading {
  readonly sensor: string
  readonly seq: number
  readonly ts: string
  readonly value: number
  readonly unit: string
}

export interface Truth {
  readonly i: number
  /** The sample's true time. */
  readonly t: string
  /** The true physical value, in the spec's unit, before noise and defects. */
  readonly value: number
  readonly unit: string
  /** The value and timestamp the sensor reported (null when dropped). */
  readonly reported: number | null
  readonly reportedUnit: string
  readonly ts: string
  /** How many copies were sent: 0 (dropped), 1, or 2 (duplicated). */
  readonly copies: number
  readonly defects: ReadonlyArray<Defect["kind"]>
}

export type Item =
  | { readonly kind: "reading"; readonly reading: Reading; readonly arrivalMs: number }
  | { readonly kind: "truth"; readonly truth: Truth }

const round = (x: number, p: number) => {
  const f = 10 ** p
  const r = Math.round(x * f) / f
  return r === 0 ? 0 : r
}

const startMs = (start: string | number) => (typeof start === "number" ? start : Date.parse(start))

interface WindowState {
  left: number
  value: number
}

export function* generate(spec: Spec, seed: Seed.Seed): Generator<Item> {
  const base = Seed.derive(seed, `mocks/sensor/${spec.name}`)
  const signalRng = Seed.stream(Seed.derive(base, "signal"))
  const noiseRng = Seed.stream(Seed.derive(base, "noise"))
  const defectRng = spec.defects.map((d, k) => Seed.stream(Seed.derive(base, `${d.kind}/${k}`)))
  const windows: Array<WindowState> = spec.defects.map(() => ({ left: 0, value: 0 }))
  const t0 = startMs(spec.start)
  const period = 1000 / spec.rateHz
  let walk = spec.signal.kind === "randomWalk" ? spec.signal.start : 0
  let lastReported: number | undefined
  let seq = 0
  // Readings held back by outOfOrder (with how many later readings they wait for) and by a burst window.
  const held: Array<{ reading: Omit<Reading, "seq">; wait: number }> = []
  let burst: Array<Omit<Reading, "seq">> = []
  let inBurst = false

  const emit = function* (r: Omit<Reading, "seq">, arrivalMs: number): Generator<Item> {
    yield {
      kind: "reading",
      reading: { sensor: r.sensor, seq: seq++, ts: r.ts, value: r.value, unit: r.unit },
      arrivalMs
    }
    for (const h of held) h.wait--
    while (true) {
      const due = held.findIndex((h) => h.wait <= 0)
      if (due < 0) break
      const [h] = held.splice(due, 1)
      yield { kind: "reading", reading: { ...h!.reading, seq: seq++ }, arrivalMs }
    }
  }

  for (let i = 0; i < spec.samples; i++) {
    const tTrue = t0 + i * period
    const elapsed = tTrue - t0
    const s = spec.signal
    let v: number
    switch (s.kind) {
      case "constant":
        v = s.value
        break
      case "sine":
        v = s.mean + s.amplitude * Math.sin((2 * Math.PI * elapsed) / s.periodMs + s.phase)
        break
      case "ramp":
        v = s.from + (s.perSecond * elapsed) / 1000
        break
      case "randomWalk":
        if (i > 0) walk += signalRng.nextGaussian(0, s.step)
        v = walk
        break
      case "square":
        v = elapsed % s.periodMs < s.periodMs / 2 ? s.high : s.low
        break
    }
    const n = spec.noise
    let m =
      v +
      (n.kind === "gaussian"
        ? noiseRng.nextGaussian(0, n.stddev)
        : n.kind === "uniform"
          ? noiseRng.nextRange(-n.amplitude, n.amplitude)
          : 0)
    const tags: Array<Defect["kind"]> = []
    let unit = spec.unit
    let ts = tTrue
    let dropped = false
    let copies = 1
    let holdFor = 0
    let bursting = false
    for (const [k, d] of spec.defects.entries()) {
      const rng = defectRng[k]!
      const w = windows[k]!
      const inWindow = (rate: number, meanLength: number): boolean => {
        if (w.left > 0) {
          w.left--
          return true
        }
        if (rng.chance(rate)) {
          w.left = rng.nextInt(1, Math.max(1, 2 * meanLength - 1)) - 1
          w.value = lastReported ?? m
          return true
        }
        return false
      }
      switch (d.kind) {
        case "drift":
          if (i >= d.fromSample && d.perHour !== 0) {
            m += (d.perHour * (tTrue - (t0 + d.fromSample * period))) / 3_600_000
            tags.push("drift")
          }
          break
        case "stuck":
          if (inWindow(d.rate, d.meanLength)) {
            m = w.value
            tags.push("stuck")
          }
          break
        case "spike":
          if (rng.chance(d.rate)) {
            m += (rng.chance(0.5) ? 1 : -1) * d.magnitude * (1 + rng.next())
            tags.push("spike")
          }
          break
        case "unitChange":
          if (i >= d.atSample) {
            m = m * d.scale + d.offset
            unit = d.unit
            tags.push("unitChange")
          }
          break
        case "clockSkew":
          if (d.offsetMs !== 0 || d.driftPpm !== 0) {
            ts += d.offsetMs + (elapsed * d.driftPpm) / 1e6
            tags.push("clockSkew")
          }
          break
        case "dropout":
          if (inWindow(d.rate, d.meanLength)) {
            dropped = true
            tags.push("dropout")
          }
          break
        case "duplicate":
          if (rng.chance(d.rate)) {
            copies = 2
            tags.push("duplicate")
          }
          break
        case "outOfOrder":
          if (rng.chance(d.rate)) {
            holdFor = rng.nextInt(1, d.maxDisplacement)
            tags.push("outOfOrder")
          }
          break
        case "burst":
          if (inWindow(d.rate, d.meanLength)) {
            bursting = true
            tags.push("burst")
          }
          break
      }
    }
    const reported = round(m, spec.precision)
    const tsIso = new Date(Math.round(ts)).toISOString()
    const arrival = Math.round(tTrue)
    // A burst window that ended releases its readings now, before this sample.
    if (inBurst && !bursting) {
      const flush = burst
      burst = []
      for (const r of flush) yield* emit(r, arrival)
    }
    inBurst = bursting
    if (!dropped) {
      lastReported = m
      const r = { sensor: spec.name, ts: tsIso, value: reported, unit }
      for (let c = 0; c < copies; c++) {
        if (bursting) burst.push(r)
        else if (holdFor > 0 && c === 0) held.push({ reading: r, wait: holdFor })
        else yield* emit(r, arrival)
      }
    }
    yield {
      kind: "truth",
      truth: {
        i,
        t: new Date(Math.round(tTrue)).toISOString(),
        value: round(v, spec.precision),
        unit: spec.unit,
        reported: dropped ? null : reported,
        reportedUnit: unit,
        ts: tsIso,
        copies: dropped ? 0 : copies,
        defects: tags
      }
    }
  }
  const end = Math.round(t0 + spec.samples * period)
  for (const r of burst) yield* emit(r, end)
  burst = []
  while (held.length > 0) {
    const h = held.shift()!
    yield { kind: "reading", reading: { ...h.reading, seq: seq++ }, arrivalMs: end }
  }
}

/** One reading as an NDJSON line (fixed key order). */
export const readingLine = (r: Reading): string =>
  `{"sensor":${JSON.stringify(r.sensor)},"seq":${r.seq},"ts":"${r.ts}","value":${JSON.stringify(r.value)},"unit":${JSON.stringify(r.unit)}}\n`

/** One truth record as an NDJSON line (fixed key order). */
export const truthLine = (t: Truth): string =>
  `${JSON.stringify({ i: t.i, t: t.t, value: t.value, unit: t.unit, reported: t.reported, reportedUnit: t.reportedUnit, ts: t.ts, copies: t.copies, defects: t.defects })}\n`
