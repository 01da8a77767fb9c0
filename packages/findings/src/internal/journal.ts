/**
 * Reading the journal (`findings.ndjson`): one finding per line, each line validated on its own.
 *
 * ```
 * {"id":"FND-001",...}\n     ← complete lines: acknowledged (written and fsync'd before `add` returned)
 * {"id":"FND-002",...}\n
 * {"id":"FND-003","ty        ← an unterminated tail: an append cut by a crash, never acknowledged
 * ```
 */
import { Result } from "effect"
import { Finding, type Finding as FindingT, parseId } from "../Finding.ts"
import { type FindingsError, findingsError, issuesOf } from "../FindingsError.ts"

const NL = 0x0a

/** One complete journal line, decoded and validated. */
export interface Entry {
  readonly finding: FindingT
  readonly line: string
  readonly bytes: number
}

/** A line as a valid finding, or why it is not one (the problem, in words). */
export const checkLine = (text: string, previousId: number): Result.Result<FindingT, string> => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return Result.fail(`not valid JSON (${(e as Error).message})`)
  }
  const parsed = Finding.safeParse(json)
  if (!parsed.success) {
    return Result.fail(
      issuesOf(parsed.error.issues)
        .map((i) => `${i.field}: ${i.message}`)
        .join("; ")
    )
  }
  const n = parseId(parsed.data.id) ?? 0
  if (n <= previousId) {
    return Result.fail(
      `id ${parsed.data.id} is not after the previous id (FND-${String(previousId).padStart(3, "0")}): ids must increase`
    )
  }
  return Result.succeed(parsed.data)
}

/** The result of scanning a chunk of the journal. */
export interface Scan {
  readonly entries: ReadonlyArray<Entry>
  /** Bytes consumed: up to and including the last newline. */
  readonly consumed: number
  /** Bytes after the last newline: a torn (never acknowledged) append. */
  readonly tail: Buffer
}

/**
 * Scans `buf` (journal bytes starting at line `firstLine`, 1-based) into validated entries. A bad complete line is a
 * `CorruptLedger` error naming the file, the line and the problem.
 */
export const scan = (
  buf: Buffer,
  file: string,
  firstLine: number,
  previousId: number
): Result.Result<Scan, FindingsError> => {
  const entries: Array<Entry> = []
  // A UTF-8 byte order mark (an editor's) before the first line is not part of the finding.
  let start = firstLine === 1 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0
  let prev = previousId
  let lineNo = firstLine
  for (;;) {
    const end = buf.indexOf(NL, start)
    if (end === -1) break
    const text = buf.toString("utf8", start, end)
    const checked = checkLine(text, prev)
    if (Result.isFailure(checked)) {
      return Result.fail(
        findingsError(
          "CorruptLedger",
          `${file}:${lineNo}: ${checked.failure}. Run \`24h finding repair --output ${dirOf(file)}\` to move bad lines aside (a backup is kept).`,
          { file, line: lineNo }
        )
      )
    }
    entries.push({ finding: checked.success, line: text, bytes: end - start })
    prev = parseId(checked.success.id) ?? prev
    lineNo++
    start = end + 1
  }
  return Result.succeed({ entries, consumed: start, tail: buf.subarray(start) })
}

const dirOf = (file: string): string => {
  const i = file.lastIndexOf("/")
  return i <= 0 ? "." : file.slice(0, i)
}
