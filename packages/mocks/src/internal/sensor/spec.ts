/**
 * The declarative sensor spec: a base signal, noise, a sample rate and defects, validated with zod.
 */
import { Result } from "effect"
import { z } from "zod"
import { type MocksError, zodError } from "../../MocksError.ts"

const finite = z.number().refine(Number.isFinite, "must be a finite number")
const probability = z.number().min(0).max(1)

export const Signal = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), value: finite }).strict(),
  z
    .object({
      kind: z.literal("sine"),
      mean: finite,
      amplitude: finite,
      periodMs: z.number().positive(),
      phase: finite.default(0)
    })
    .strict(),
  z.object({ kind: z.literal("ramp"), from: finite, perSecond: finite }).strict(),
  z.object({ kind: z.literal("randomWalk"), start: finite, step: z.number().min(0) }).strict(),
  z.object({ kind: z.literal("square"), low: finite, high: finite, periodMs: z.number().positive() }).strict()
])
export type Signal = z.infer<typeof Signal>

export const Noise = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }).strict(),
  z.object({ kind: z.literal("gaussian"), stddev: z.number().min(0) }).strict(),
  z.object({ kind: z.literal("uniform"), amplitude: z.number().min(0) }).strict()
])
export type Noise = z.infer<typeof Noise>

const windowed = { rate: probability, meanLength: z.int().min(1).max(1_000_000).default(5) }

export const Defect = z.discriminatedUnion("kind", [
  /** Samples are missing: a window starts at a sample with probability `rate`, of about `meanLength` samples. */
  z.object({ kind: z.literal("dropout"), ...windowed }).strict(),
  /** The sensor repeats its last value for a window. */
  z.object({ kind: z.literal("stuck"), ...windowed }).strict(),
  /** The reading drifts away from the truth by `perHour` units an hour from `fromSample`. */
  z.object({ kind: z.literal("drift"), perHour: finite, fromSample: z.int().min(0).default(0) }).strict(),
  /** A sample is off by ±`magnitude` (to 2× it) with probability `rate`. */
  z.object({ kind: z.literal("spike"), rate: probability, magnitude: z.number().positive() }).strict(),
  /** The device clock is off by `offsetMs` and runs fast by `driftPpm` parts per million. */
  z.object({ kind: z.literal("clockSkew"), offsetMs: finite.default(0), driftPpm: finite.default(0) }).strict(),
  /** A reading arrives after up to `maxDisplacement` later ones, with probability `rate`. */
  z
    .object({ kind: z.literal("outOfOrder"), rate: probability, maxDisplacement: z.int().min(1).max(1000).default(3) })
    .strict(),
  /** A reading is sent twice (the same timestamp and value), with probability `rate`. */
  z.object({ kind: z.literal("duplicate"), rate: probability }).strict(),
  /** From sample `atSample` on, values are reported in `unit` as `value * scale + offset` (°C → °F: 1.8, 32). */
  z
    .object({
      kind: z.literal("unitChange"),
      atSample: z.int().min(0),
      unit: z.string().min(1),
      scale: finite,
      offset: finite.default(0)
    })
    .strict(),
  /** Readings are held back for a window and then arrive together (a buffered flush after a link drop). */
  z.object({ kind: z.literal("burst"), ...windowed }).strict()
])
export type Defect = z.infer<typeof Defect>

export const Spec = z
  .object({
    /** The sensor id written in every reading. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 characters of A-Z a-z 0-9 _ . -"),
    unit: z.string().min(1).default("C"),
    /** The first sample's true time: an ISO timestamp or epoch milliseconds. */
    start: z.union([z.iso.datetime({ offset: true }), z.int().min(0)]).default("2026-01-01T00:00:00.000Z"),
    /** Samples per second. */
    rateHz: z.number().positive().max(100_000),
    samples: z.int().min(0).max(100_000_000),
    signal: Signal,
    noise: Noise.default({ kind: "none" }),
    /** Decimal places of reported values (default 3). */
    precision: z.int().min(0).max(12).default(3),
    defects: z.array(Defect).default([])
  })
  .strict()
export type Spec = z.infer<typeof Spec>
export type SpecInput = z.input<typeof Spec>

const pick = (input: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v: unknown = input
  for (const k of path) {
    if (typeof v !== "object" || v === null) return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}

/** Parses a spec; an `InvalidOptions` error names the field and the value (as text and as data). */
export const parse = (input: unknown, where = "spec"): Result.Result<Spec, MocksError> => {
  const r = Spec.safeParse(input)
  if (r.success) return Result.succeed(r.data)
  return Result.fail(
    zodError(
      "InvalidOptions",
      where,
      r.error.issues.map((i) => ({ path: i.path, message: i.message, input: pick(input, i.path) }))
    )
  )
}
