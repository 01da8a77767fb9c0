/**
 * Durations and rates as people write them on a command line or in a scenario:
 *
 *   durations  250 (ms) · "500ms" · "10s" · "2m" · "1h" · "1.5s" · "10 seconds" (Effect's Duration input)
 *   rates      200 (per second) · "200/s" · "12000/m" · "50/ms"
 */
import { Duration, Result } from "effect"

const UNIT: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const SHORT = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|h)\s*$/i
const RATE = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(ms|s|m|h))?\s*$/i

/** Milliseconds of a duration, or fails with a message saying why it is not one. */
export const millis = (input: unknown): Result.Result<number, string> => {
  if (typeof input === "number")
    return Number.isFinite(input) && input >= 0 ? Result.succeed(input) : Result.fail("must be a finite number >= 0")
  if (typeof input === "string") {
    const m = SHORT.exec(input)
    if (m !== null) return Result.succeed(Number(m[1]) * UNIT[m[2]!.toLowerCase()]!)
  }
  const d = Duration.fromInput(input as Duration.Input)
  if (d._tag === "None") return Result.fail(`is not a duration such as "500ms", "10s" or "2m"`)
  const ms = Duration.toMillis(d.value)
  return Number.isFinite(ms) && ms >= 0 ? Result.succeed(ms) : Result.fail("must be a finite duration >= 0")
}

/** Iterations per second of a rate, or fails with a message saying why it is not one. */
export const perSecond = (input: unknown): Result.Result<number, string> => {
  if (typeof input === "number")
    return Number.isFinite(input) && input > 0 ? Result.succeed(input) : Result.fail("must be a number > 0")
  if (typeof input !== "string") return Result.fail(`is not a rate such as 200, "200/s" or "12000/m"`)
  const m = RATE.exec(input)
  if (m === null) return Result.fail(`is not a rate such as 200, "200/s" or "12000/m"`)
  const n = Number(m[1])
  const per = (m[2] ?? "s").toLowerCase()
  const rate = n * (1000 / UNIT[per]!)
  return rate > 0 ? Result.succeed(rate) : Result.fail("must be > 0")
}
