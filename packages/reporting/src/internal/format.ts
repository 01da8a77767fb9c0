/** Small number and duration formatters shared by the renderers (deterministic: no locale). */

/** `1234567` → `"1,234,567"`. */
export const int = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

/** Milliseconds as `"850 ms"`, `"12.5 s"`, `"3 m 20 s"`, `"2 h 5 m"`. */
export const duration = (ms: number): string => {
  if (ms < 1000) return `${+ms.toFixed(1)} ms`
  if (ms < 60_000) return `${+(ms / 1000).toFixed(1)} s`
  if (ms < 3_600_000) {
    const m = Math.floor(ms / 60_000)
    const s = Math.round((ms % 60_000) / 1000)
    return s === 0 ? `${m} m` : `${m} m ${s} s`
  }
  const h = Math.floor(ms / 3_600_000)
  const m = Math.round((ms % 3_600_000) / 60_000)
  return m === 0 ? `${h} h` : `${h} h ${m} m`
}

/** A latency in ms with up to 3 decimals. */
export const ms = (value: number): string => `${+value.toFixed(3)} ms`

/** A ratio as a percentage. */
export const pct = (ratio: number): string => `${+(ratio * 100).toFixed(2)}%`

/** `n` with the singular or plural noun. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${int(n)} ${n === 1 ? one : many}`
