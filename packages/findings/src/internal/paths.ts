import * as path from "node:path"
import type { FindingType } from "../Finding.ts"

/** The files of a ledger directory. */
export interface Paths {
  readonly dir: string
  /** The source of truth: one finding per line, appended and fsync'd. */
  readonly journal: string
  /** The `findings.json` view: a JSON array of every finding. */
  readonly view: string
  /** The type-specific views under `findings/`. */
  readonly typeViews: Readonly<Record<TypeLedger, string>>
  readonly lock: string
  /** Where repair and crash recovery keep lines they could not keep in the journal. */
  readonly rejected: string
}

/** The type-specific ledgers under `findings/`. */
export type TypeLedger = "bugs" | "strengths" | "improvements"

export const TYPE_LEDGER: Readonly<Record<FindingType, TypeLedger>> = {
  bug: "bugs",
  security: "bugs",
  performance: "bugs",
  reliability: "bugs",
  silent_failure: "bugs",
  strength: "strengths",
  improvement: "improvements",
  dx: "improvements",
  documentation: "improvements",
  feature_request: "improvements"
}

export const TYPE_LEDGERS: ReadonlyArray<TypeLedger> = ["bugs", "strengths", "improvements"]

export const pathsOf = (dir: string): Paths => {
  const abs = path.resolve(dir)
  return {
    dir: abs,
    journal: path.join(abs, "findings.ndjson"),
    view: path.join(abs, "findings.json"),
    typeViews: {
      bugs: path.join(abs, "findings", "bugs.json"),
      strengths: path.join(abs, "findings", "strengths.json"),
      improvements: path.join(abs, "findings", "improvements.json")
    },
    lock: path.join(abs, "findings.lock"),
    rejected: path.join(abs, "findings.rejected.ndjson")
  }
}
