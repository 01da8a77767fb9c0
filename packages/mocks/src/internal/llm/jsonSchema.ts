/**
 * A seeded generator of JSON values for a JSON Schema (the subset structured outputs use: type, properties,
 * required, items, enum, const, anyOf / oneOf, numeric and length bounds, nullable via type arrays), and a
 * validator built on zod's `fromJSONSchema`, so a `response_format: json_schema` reply is checked before it is sent.
 */
import type { Seed } from "@24h/core"
import { Result } from "effect"
import { z } from "zod"
import { LOREM } from "../words.ts"

type Schema = Record<string, unknown>

const resolveRef = (root: Schema, ref: string): Schema => {
  const path = ref.replace(/^#\//, "").split("/")
  let cur: unknown = root
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p]
  return (cur ?? {}) as Schema
}

export const generate = (schema: unknown, rng: Seed.Stream, root: Schema = schema as Schema, depth = 0): unknown => {
  const s = (schema ?? {}) as Schema
  if (typeof s.$ref === "string") return generate(resolveRef(root, s.$ref), rng, root, depth + 1)
  if ("const" in s) return s.const
  if (Array.isArray(s.enum) && s.enum.length > 0) return rng.pick(s.enum)
  const alts = (s.anyOf ?? s.oneOf) as Array<unknown> | undefined
  if (Array.isArray(alts) && alts.length > 0) return generate(rng.pick(alts), rng, root, depth + 1)
  let type = s.type as string | Array<string> | undefined
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? "null"
  if (type === undefined) type = s.properties !== undefined ? "object" : s.items !== undefined ? "array" : "string"
  switch (type) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(props)) out[k] = generate(v, rng, root, depth + 1)
      return out
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 1
      const max = typeof s.maxItems === "number" ? s.maxItems : Math.max(min, 3)
      const n = depth > 6 ? min : rng.nextInt(min, max)
      return Array.from({ length: n }, () => generate(s.items, rng, root, depth + 1))
    }
    case "integer": {
      const min = typeof s.minimum === "number" ? Math.ceil(s.minimum) : 0
      const max = typeof s.maximum === "number" ? Math.floor(s.maximum) : min + 1000
      return rng.nextInt(min, max)
    }
    case "number": {
      const min = typeof s.minimum === "number" ? s.minimum : 0
      const max = typeof s.maximum === "number" ? s.maximum : min + 1000
      return Math.round(rng.nextRange(min, max) * 100) / 100
    }
    case "boolean":
      return rng.chance(0.5)
    case "null":
      return null
    default: {
      const min = typeof s.minLength === "number" ? s.minLength : 1
      const max = typeof s.maxLength === "number" ? s.maxLength : Math.max(min, 40)
      let text = ""
      while (text.length < min) text += (text === "" ? "" : " ") + rng.pick(LOREM)
      return text.slice(0, max)
    }
  }
}

/** Succeeds when `value` satisfies `schema`, else fails with the validation message. */
export const validate = (schema: unknown, value: unknown): Result.Result<void, string> => {
  let zs: z.ZodType
  try {
    zs = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0])
  } catch (e) {
    return Result.fail(
      `response_format.json_schema.schema: cannot be read (${e instanceof Error ? e.message : String(e)})`
    )
  }
  const r = zs.safeParse(value, { reportInput: true })
  return r.success
    ? Result.void
    : Result.fail(r.error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; "))
}
