/**
 * Latency histograms: record millions of values in bounded memory, read p50/p95/p99/p99.9/max, merge histograms
 * from many workers or windows, and serialise them into pipeline results.
 *
 * Backed by HdrHistogram (`hdr-histogram-js`): values are recorded in **microseconds** as integers with 3
 * significant digits (relative error ≤ 0.1%), from 1 µs to 1 hour by default, auto-resizing beyond. The API speaks
 * **milliseconds** (fractions allowed), the unit people write thresholds in.
 *
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const h = Histogram.make()
 * for (const ms of [1.2, 3.4, 250]) Histogram.record(h, ms)
 * Histogram.summary(h).p99 // ≈ 250
 * ```
 *
 * @since 0.1.0
 */
import * as hdr from "hdr-histogram-js"
import { z } from "zod"
import { type CoreError, coreError } from "./CoreError.ts"

/**
 * A mutable latency histogram. Record with {@link record}; read with {@link summary}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Histogram {
  readonly _tag: "Histogram"
  /** @internal */
  readonly hdr: hdr.Histogram
}

/**
 * Options for {@link make}.
 *
 * @category models
 * @since 0.1.0
 */
export interface HistogramOptions {
  /** Highest value tracked without resizing, in ms. Default 3,600,000 (1 hour); larger values auto-resize. */
  readonly highestMs?: number
  /** Significant digits kept (1–5). Default 3: every percentile within 0.1% of exact. */
  readonly significantDigits?: 1 | 2 | 3 | 4 | 5
  /**
   * `"fast"` (default): 32-bit counters, ~95 KB fixed, the fastest `record`. `"compact"`: packed counters, a few
   * hundred bytes when sparse, ~6× slower to record — for many small histograms such as per-second windows.
   */
  readonly storage?: "fast" | "compact"
}

const US_PER_MS = 1000

/**
 * Makes an empty histogram.
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: HistogramOptions = {}): Histogram => {
  const highestMs = options.highestMs ?? 3_600_000
  if (!(highestMs > 0) || !Number.isFinite(highestMs)) {
    throw new RangeError(`Histogram.make: highestMs must be a positive finite number (got ${highestMs})`)
  }
  return {
    _tag: "Histogram",
    hdr: hdr.build({
      bitBucketSize: options.storage === "compact" ? "packed" : 32,
      autoResize: true,
      lowestDiscernibleValue: 1,
      highestTrackableValue: Math.max(2, Math.ceil(highestMs * US_PER_MS)),
      numberOfSignificantValueDigits: options.significantDigits ?? 3,
      useWebAssembly: false
    })
  }
}

/**
 * Records one value in milliseconds. Negative and non-finite values are ignored (a clock that went backwards is not
 * a latency); values below 1 µs count as 1 µs.
 *
 * @category mutations
 * @since 0.1.0
 */
export const record = (self: Histogram, ms: number): void => {
  if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY) return
  const us = Math.round(ms * US_PER_MS)
  self.hdr.recordValue(Math.max(us, 1))
}

/**
 * Records a value `count` times.
 *
 * @category mutations
 * @since 0.1.0
 */
export const recordMany = (self: Histogram, ms: number, count: number): void => {
  if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY || !(count > 0)) return
  const us = Math.round(ms * US_PER_MS)
  self.hdr.recordValueWithCount(Math.max(us, 1), Math.floor(count))
}

/**
 * Adds every value of `other` into `self` (in place).
 *
 * @category mutations
 * @since 0.1.0
 */
export const addInto = (self: Histogram, other: Histogram): void => {
  self.hdr.add(other.hdr)
}

/**
 * A new histogram holding the values of both: equal to one histogram fed both streams.
 *
 * @category combinators
 * @since 0.1.0
 */
export const merge = (a: Histogram, b: Histogram): Histogram => {
  const out = make()
  out.hdr.add(a.hdr)
  out.hdr.add(b.hdr)
  return out
}

/**
 * The number of recorded values.
 *
 * @category getters
 * @since 0.1.0
 */
export const count = (self: Histogram): number => self.hdr.totalCount

/**
 * The value at a percentile (0–100), in ms.
 *
 * @category getters
 * @since 0.1.0
 */
export const percentile = (self: Histogram, p: number): number =>
  self.hdr.totalCount === 0 ? 0 : self.hdr.getValueAtPercentile(p) / US_PER_MS

/**
 * The summary of a histogram, in ms.
 *
 * @category models
 * @since 0.1.0
 */
export const Summary = z.object({
  count: z.number().int().nonnegative(),
  min: z.number().nonnegative(),
  mean: z.number().nonnegative(),
  stddev: z.number().nonnegative(),
  p50: z.number().nonnegative(),
  p90: z.number().nonnegative(),
  p95: z.number().nonnegative(),
  p99: z.number().nonnegative(),
  p999: z.number().nonnegative(),
  max: z.number().nonnegative()
})
/**
 * @category models
 * @since 0.1.0
 */
export type Summary = z.infer<typeof Summary>

/**
 * Reads count, min, mean, stddev, p50, p90, p95, p99, p99.9 and max (ms).
 *
 * @category getters
 * @since 0.1.0
 */
export const summary = (self: Histogram): Summary => {
  const h = self.hdr
  if (h.totalCount === 0)
    return { count: 0, min: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 }
  return {
    count: h.totalCount,
    min: h.minNonZeroValue / US_PER_MS,
    mean: h.mean / US_PER_MS,
    stddev: h.stdDeviation / US_PER_MS,
    p50: h.getValueAtPercentile(50) / US_PER_MS,
    p90: h.getValueAtPercentile(90) / US_PER_MS,
    p95: h.getValueAtPercentile(95) / US_PER_MS,
    p99: h.getValueAtPercentile(99) / US_PER_MS,
    p999: h.getValueAtPercentile(99.9) / US_PER_MS,
    max: h.maxValue / US_PER_MS
  }
}

/**
 * A serialised histogram: its summary for people and `jq`, and the compressed HdrHistogram encoding (base64) that
 * {@link decode} turns back into a histogram — so windows written by different processes can be merged later.
 *
 * @category models
 * @since 0.1.0
 */
export const Encoded = Summary.extend({ encoded: z.string() })
/**
 * @category models
 * @since 0.1.0
 */
export type Encoded = z.infer<typeof Encoded>

/**
 * Serialises a histogram.
 *
 * @category encoding
 * @since 0.1.0
 */
export const encode = (self: Histogram): Encoded => ({
  ...summary(self),
  encoded: hdr.encodeIntoCompressedBase64(self.hdr)
})

/**
 * Restores a histogram from {@link encode}'s output (or from its `encoded` string alone).
 *
 * @category encoding
 * @since 0.1.0
 */
export const decode = (input: Encoded | string): Histogram => {
  const text = typeof input === "string" ? input : input.encoded
  const decoded = hdr.decodeFromCompressedBase64(text, "packed", false)
  const out = make()
  out.hdr.add(decoded)
  return out
}

/**
 * {@link decode} as a typed result for untrusted input (files).
 *
 * @category encoding
 * @since 0.1.0
 */
export const decodeSafe = (
  input: unknown
): { readonly ok: true; readonly value: Histogram } | { readonly ok: false; readonly error: CoreError } => {
  const parsed = Encoded.safeParse(input)
  if (!parsed.success)
    return {
      ok: false,
      error: coreError(
        "InvalidInput",
        `Histogram.decode: not an encoded histogram (${parsed.error.issues[0]?.path.join(".") || "(root)"}: ${parsed.error.issues[0]?.message})`
      )
    }
  try {
    return { ok: true, value: decode(parsed.data) }
  } catch (cause) {
    return {
      ok: false,
      error: coreError(
        "InvalidInput",
        `Histogram.decode: the encoded field is not a valid HdrHistogram (${String(cause)})`,
        cause
      )
    }
  }
}
