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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const latency = Histogram.make()
 * const perSecond = Histogram.make({ storage: "compact", highestMs: 60_000 })
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const h = Histogram.make()
 * const started = performance.now()
 * await fetch("http://127.0.0.1:8080/health")
 * Histogram.record(h, performance.now() - started)
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const h = Histogram.make()
 * Histogram.recordMany(h, 12.5, 1_000) // 1,000 requests that took 12.5 ms
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * declare const workers: ReadonlyArray<Histogram.Histogram>
 * const total = Histogram.make()
 * for (const w of workers) Histogram.addInto(total, w)
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * declare const before: Histogram.Histogram
 * declare const after: Histogram.Histogram
 * const whole = Histogram.merge(before, after)
 * Histogram.count(whole) === Histogram.count(before) + Histogram.count(after) // true
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const h = Histogram.make()
 * Histogram.recordMany(h, 5, 3)
 * Histogram.count(h) // 3
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const count = (self: Histogram): number => self.hdr.totalCount

/**
 * The value at a percentile (0–100), in ms.
 *
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * declare const h: Histogram.Histogram
 * const p999 = Histogram.percentile(h, 99.9) // ms
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const percentile = (self: Histogram, p: number): number =>
  self.hdr.totalCount === 0 ? 0 : self.hdr.getValueAtPercentile(p) / US_PER_MS

/**
 * The summary of a histogram, in ms.
 *
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const s = Histogram.Summary.parse({
 *   count: 3, min: 1, mean: 2, stddev: 0.8, p50: 2, p90: 3, p95: 3, p99: 3, p999: 3, max: 3
 * })
 * ```
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
 * The summary of a histogram, in ms: count, min, mean, stddev, p50–p99.9 and max.
 *
 * @category models
 * @since 0.1.0
 */
export type Summary = z.infer<typeof Summary>

/**
 * Reads count, min, mean, stddev, p50, p90, p95, p99, p99.9 and max (ms).
 *
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * declare const h: Histogram.Histogram
 * const { count, p50, p99, max } = Histogram.summary(h)
 * console.log(`${count} requests: p50 ${p50} ms, p99 ${p99} ms, max ${max} ms`)
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * declare const text: string // one line of a results file
 * const h = Histogram.decode(Histogram.Encoded.parse(JSON.parse(text)))
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export const Encoded = Summary.extend({ encoded: z.string() })
/**
 * A serialised histogram: its summary plus the base64 HdrHistogram encoding.
 *
 * @category models
 * @since 0.1.0
 */
export type Encoded = z.infer<typeof Encoded>

/**
 * Serialises a histogram.
 *
 * @example
 * ```ts
 * import { writeFile } from "node:fs/promises"
 * import { Histogram } from "@24h/core"
 *
 * declare const h: Histogram.Histogram
 * await writeFile("results/latency.json", JSON.stringify(Histogram.encode(h)))
 * ```
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
 * @example
 * ```ts
 * import { Histogram } from "@24h/core"
 *
 * const h = Histogram.make()
 * Histogram.record(h, 42)
 * const copy = Histogram.decode(Histogram.encode(h))
 * Histogram.count(copy) // 1
 * ```
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
 * @example
 * ```ts
 * import { readFile } from "node:fs/promises"
 * import { Histogram } from "@24h/core"
 *
 * const result = Histogram.decodeSafe(JSON.parse(await readFile("results/latency.json", "utf8")))
 * if (result.ok) console.log(Histogram.summary(result.value).p99)
 * else console.error(result.error.message)
 * ```
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
