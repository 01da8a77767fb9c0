/**
 * The findings ledger.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Finding } from "./Finding.ts"
import { FindingsError, findingsError } from "./FindingsError.ts"
import { readSync as readDirSync } from "./internal/read.ts"

/**
 * Reads every acknowledged finding of the ledger in `dir` (a repository root or a run directory), without taking
 * the lock. Never blocks writers.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Ledger } from "@24h/findings"
 * const findings = await Effect.runPromise(Ledger.read("runs/run-2026-11-24-01"))
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const read = (dir: string): Effect.Effect<ReadonlyArray<Finding>, FindingsError> =>
  Effect.try({
    try: () => readDirSync(dir),
    catch: (e) =>
      e instanceof FindingsError
        ? e
        : findingsError("Io", `cannot read the ledger in ${dir}: ${String(e)}`, { cause: e })
  })

/**
 * Reads every acknowledged finding of the ledger in `dir`, synchronously; throws a {@link FindingsError}.
 *
 * @example
 * ```ts
 * import { Ledger } from "@24h/findings"
 * const findings = Ledger.readSync(".")
 * ```
 *
 * @category reading
 * @since 0.1.0
 */
export const readSync = (dir: string): ReadonlyArray<Finding> => readDirSync(dir)
