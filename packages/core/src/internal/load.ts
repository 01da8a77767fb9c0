/**
 * The load engine's hot loop, in plain Node (Effect wraps lifecycle, not every iteration).
 *
 *   open model                                        closed model
 *   ──────────                                        ────────────
 *   arrivals: k-th at N⁻¹(k) (uniform) or             vus × loop { start = now; await iteration; think }
 *             N⁻¹(E₁+…+E_k), E ~ Exp(1) (Poisson)
 *   timer ─► every arrival due ─► free VU? ─► run    latency = end - actual start (coordinated omission
 *                                  └─ no  ─► dropped  is inherent: a slow server slows the arrivals)
 *   latency = end - *intended* start  (no coordinated omission: a stall shows in every iteration it delays)
 *
 * N(t) is the expected number of arrivals by t for a piecewise-linear rate (stages); its inverse is exact within a
 * stage (a quadratic), so rates are not approximated step by step. Arrivals the timer fires late are launched at
 * once (catch-up) and still timed from their intended start.
 */

/** One stage: the rate moves linearly from `from` to `to` (per second) over `ms`. */
export interface Stage {
  readonly from: number
  readonly to: number
  readonly ms: number
}

/** Arrival offsets (ms from the start) of a piecewise-linear rate, with the inverse of its cumulative count. */
export class Arrivals {
  private readonly starts: Array<number> = []
  private readonly counts: Array<number> = []
  readonly total: number
  readonly durationMs: number

  constructor(private readonly stages: ReadonlyArray<Stage>) {
    let t = 0
    let c = 0
    for (const s of stages) {
      this.starts.push(t)
      this.counts.push(c)
      t += s.ms
      c += ((s.from + s.to) / 2) * (s.ms / 1000)
    }
    this.total = c
    this.durationMs = t
  }

  /** The time (ms) by which `k` arrivals are expected, or `undefined` past the last stage. */
  at(k: number): number | undefined {
    if (k < 0 || k >= this.total) return undefined
    let i = this.counts.length - 1
    while (i > 0 && this.counts[i]! > k) i--
    // Skip stages that add no arrivals (rate 0 throughout).
    for (; i < this.stages.length; i++) {
      const s = this.stages[i]!
      const next = i + 1 < this.counts.length ? this.counts[i + 1]! : this.total
      if (k < next || i === this.stages.length - 1) {
        const kk = k - this.counts[i]!
        const a = s.from / 1000
        const b = s.to / 1000
        if (Math.abs(b - a) < 1e-12) return a === 0 ? undefined : this.starts[i]! + kk / a
        const slope = (b - a) / s.ms
        const t = (-a + Math.sqrt(Math.max(0, a * a + 2 * slope * kk))) / slope
        return this.starts[i]! + Math.min(s.ms, Math.max(0, t))
      }
    }
    return undefined
  }
}
