/**
 * Toxic validation shared by `Toxic` (constructors, `update`, `decode`) and `TcpProxy`: the attribute specs of each
 * type and the whole-toxic check, failing with an `InvalidToxic` `ChaosError` naming the module, field and value.
 */
import { Result } from "effect"
import { type ChaosError, make as chaosError } from "../ChaosError.ts"
import type { Type } from "../Toxic.ts"

/** An `InvalidToxic` error naming the module (`Toxic.bandwidth`), the field and the value as data. */
export const invalid = (message: string, module: string, field: string, value: unknown): ChaosError =>
  chaosError("InvalidToxic", message, undefined, { module, field, value })

/** The toxic types, in Toxiproxy's order (`Toxic.types`). */
export const typeList: ReadonlyArray<Type> = [
  "latency",
  "bandwidth",
  "slow_close",
  "timeout",
  "reset_peer",
  "slicer",
  "limit_data",
  "noop",
  "slow_open",
  "limit_time",
  "packet_loss"
]

/** Node's timer limit in ms (`Toxic.MAX_MS`). */
export const maxMs = 2_147_483_647

type Kind = "ms" | "us" | "bytes" | "size" | "kbps" | "bool" | "probability"
interface FieldSpec {
  readonly key: string
  readonly kind: Kind
  /** Default when absent (Toxiproxy's zero value otherwise). */
  readonly default?: number
}
export const specs: { readonly [T in Type]: ReadonlyArray<FieldSpec> } = {
  latency: [
    { key: "latency", kind: "ms" },
    { key: "jitter", kind: "ms" }
  ],
  bandwidth: [
    { key: "rate", kind: "kbps" },
    { key: "shared", kind: "bool" }
  ],
  slow_close: [{ key: "delay", kind: "ms" }],
  timeout: [{ key: "timeout", kind: "ms" }],
  reset_peer: [{ key: "timeout", kind: "ms" }],
  slicer: [
    { key: "average_size", kind: "size" },
    { key: "size_variation", kind: "bytes" },
    { key: "delay", kind: "us" }
  ],
  limit_data: [{ key: "bytes", kind: "bytes" }],
  noop: [],
  slow_open: [{ key: "delay", kind: "ms" }],
  limit_time: [{ key: "time", kind: "ms" }],
  packet_loss: [
    { key: "loss_rate", kind: "probability" },
    { key: "correlation", kind: "probability" },
    { key: "rto", kind: "ms", default: 200 },
    { key: "max_rto", kind: "ms", default: 60_000 }
  ]
}

const isKnownType = (u: unknown): u is Type => typeof u === "string" && Object.hasOwn(specs, u)

export const show = (v: unknown): string => {
  if (typeof v === "string") return JSON.stringify(v)
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) return String(v)
  try {
    const s = JSON.stringify(v)
    return s === undefined ? typeof v : s.length > 60 ? `${s.slice(0, 57)}...` : s
  } catch {
    return typeof v
  }
}

const checkField = (type: Type, spec: FieldSpec, v: unknown): Result.Result<unknown, ChaosError> => {
  const at = `Toxic.${type}: ${spec.key}`
  const ok = Result.succeed(v)
  const bad = (message: string) => Result.fail(invalid(message, `Toxic.${type}`, spec.key, v))
  const isInt = typeof v === "number" && Number.isSafeInteger(v)
  switch (spec.kind) {
    case "bool":
      return typeof v === "boolean" ? ok : bad(`${at} must be a boolean (got ${show(v)})`)
    case "ms":
      return isInt && v >= 0 && v <= maxMs
        ? ok
        : bad(`${at} must be an integer number of ms in [0, ${maxMs}] (got ${show(v)})`)
    case "us":
      return isInt && v >= 0 && v <= maxMs
        ? ok
        : bad(`${at} must be an integer number of µs in [0, ${maxMs}] (got ${show(v)})`)
    case "bytes":
      return isInt && v >= 0 ? ok : bad(`${at} must be an integer number of bytes >= 0 (got ${show(v)})`)
    case "size":
      return isInt && v >= 1 ? ok : bad(`${at} must be an integer number of bytes >= 1 (got ${show(v)})`)
    case "kbps":
      return isInt && v >= 1 ? ok : bad(`${at} must be an integer >= 1 KB/s (got ${show(v)})`)
    case "probability":
      return typeof v === "number" && v >= 0 && v <= 1 ? ok : bad(`${at} must be a number in [0, 1] (got ${show(v)})`)
  }
}

export const defaultsOf = (type: Type): Record<string, number | boolean> => {
  const out: Record<string, number | boolean> = {}
  for (const s of specs[type]) out[s.key] = s.kind === "bool" ? false : (s.default ?? 0)
  return out
}

/** Validates a whole toxic (type, name, stream, toxicity and every attribute). */
export const check = <T>(t: {
  readonly type: unknown
  readonly name: unknown
  readonly stream: unknown
  readonly toxicity: unknown
  readonly attributes: unknown
}): Result.Result<T, ChaosError> => {
  const ok = Result.succeed(t as T)
  if (!isKnownType(t.type))
    return Result.fail(
      invalid(`Toxic: type must be one of ${typeList.join(", ")} (got ${show(t.type)})`, "Toxic", "type", t.type)
    )
  const type = t.type
  const module = `Toxic.${type}`
  const bad = (field: string, value: unknown, message: string) =>
    Result.fail(invalid(`${module}: ${field} ${message}`, module, field, value))
  if (typeof t.name !== "string" || t.name.length === 0)
    return bad("name", t.name, `must be a non-empty string (got ${show(t.name)})`)
  if (t.stream !== "upstream" && t.stream !== "downstream")
    return bad("stream", t.stream, `must be "upstream" or "downstream" (got ${show(t.stream)})`)
  if (typeof t.toxicity !== "number" || !Number.isFinite(t.toxicity) || t.toxicity < 0 || t.toxicity > 1)
    return bad("toxicity", t.toxicity, `must be a number in [0, 1] (got ${show(t.toxicity)})`)
  if (typeof t.attributes !== "object" || t.attributes === null)
    return bad("attributes", t.attributes, `must be an object (got ${show(t.attributes)})`)
  const attrs = t.attributes as Record<string, unknown>
  for (const spec of specs[type]) {
    const field = checkField(type, spec, attrs[spec.key])
    if (Result.isFailure(field)) return Result.fail(field.failure)
  }
  if (type === "packet_loss") {
    const a = attrs as { rto: number; max_rto: number }
    if (a.rto < 1) return bad("rto", a.rto, `must be >= 1 ms (got ${a.rto})`)
    if (a.max_rto < a.rto) return bad("max_rto", a.max_rto, `must be >= rto (${a.rto}) (got ${a.max_rto})`)
  }
  if (type === "slicer") {
    const a = attrs as { average_size: number; size_variation: number }
    if (a.size_variation > a.average_size)
      return bad(
        "size_variation",
        a.size_variation,
        `must be <= average_size (${a.average_size}) (got ${a.size_variation})`
      )
  }
  return ok
}
