/** File helpers: atomic writes, existence checks and JSON reads with field-level validation errors. */
import { randomBytes } from "node:crypto"
import { mkdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises"
import { dirname } from "node:path"
import { issueData, issuesOf } from "@24h/core"
import { Effect } from "effect"
import type { z } from "zod"
import { type ReportingError, reportingError } from "../ReportingError.ts"

const message = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** Writes through a temporary file and a rename, so readers never see half a file. */
export const writeFileAtomic = async (path: string, text: string): Promise<void> => {
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (error) {
    await unlink(tmp).catch(() => undefined)
    throw error
  }
}

/** {@link writeFileAtomic} as an Effect failing with `Io`. */
export const write = (path: string, text: string, who: string): Effect.Effect<string, ReportingError> =>
  Effect.tryPromise({
    try: () => writeFileAtomic(path, text).then(() => path),
    catch: (cause) => reportingError("Io", `${who}: cannot write ${path} (${message(cause)})`, { cause })
  })

/** Whether a path exists (file or directory). */
export const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

/**
 * Reads and validates an optional JSON input file: `undefined` when it does not exist, an `InvalidInput` error
 * naming the file and every bad field otherwise.
 */
export const readJsonOptional = <S extends z.ZodType>(
  path: string,
  schema: S,
  who: string
): Effect.Effect<z.infer<S> | undefined, ReportingError> =>
  Effect.gen(function* () {
    const text = yield* Effect.tryPromise({
      try: async () => {
        try {
          return await readFile(path, "utf8")
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
          throw error
        }
      },
      catch: (cause) => reportingError("Io", `${who}: cannot read ${path} (${message(cause)})`, { cause })
    })
    if (text === undefined) return undefined
    const raw = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (cause) =>
        reportingError("InvalidInput", `${who}: ${path} is not valid JSON (${message(cause)})`, { cause })
    })
    return yield* validate(schema, raw, `${who}: ${path}`)
  })

/** Validates a value with zod; the error lists every field. */
export const validate = <S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string
): Effect.Effect<z.infer<S>, ReportingError> => {
  const parsed = schema.safeParse(value)
  if (parsed.success) return Effect.succeed(parsed.data)
  const withInput = parsed.error.issues.map((i) => ({ ...i, input: valueAt(value, i.path) }))
  const issues = issuesOf(withInput)
  return Effect.fail(
    reportingError("InvalidInput", `${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`, {
      issues,
      ...issueData(withInput, { module: where.split(":")[0] ?? where })
    })
  )
}

/** The value at a zod issue path, or `undefined` when absent. */
const valueAt = (value: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let v = value
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined
    v = (v as Record<PropertyKey, unknown>)[k]
  }
  return v
}
