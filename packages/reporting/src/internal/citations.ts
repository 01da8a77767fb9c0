/** Checking citations: finding ids must be in the ledger, paths must exist inside the run directory. */
import { isAbsolute, join, normalize, sep } from "node:path"
import { Result } from "effect"
import { exists } from "./fs.ts"

/** A finding id (`FND-003`). */
export const FINDING_ID = /^FND-\d{3,}$/

/** The path part of a citation: `results/logs/run.log:120` and `FINAL_REPORT.md#summary` → the file. */
export const pathOf = (cite: string): string => cite.replace(/#.*$/, "").replace(/:\d+(?::\d+)?$/, "")

/** A citation that resolves, or why it does not (in words, to follow "<field> <label> "). */
export const resolve = async (
  cite: string,
  dir: string,
  findingIds: ReadonlySet<string>
): Promise<Result.Result<void, string>> => {
  const c = cite.trim()
  if (c === "") return Result.fail("an empty citation")
  if (FINDING_ID.test(c))
    return findingIds.has(c) ? Result.void : Result.fail(`cites ${c}, which is not in the findings ledger`)
  const p = pathOf(c)
  if (isAbsolute(p) || normalize(p).split(sep)[0] === "..")
    return Result.fail(`cites ${JSON.stringify(c)}, which is not a path inside the run directory`)
  return (await exists(join(dir, p)))
    ? Result.void
    : Result.fail(`cites ${JSON.stringify(c)}, which does not exist in the run directory`)
}
