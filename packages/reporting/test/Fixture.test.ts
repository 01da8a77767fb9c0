import { readdirSync, readFileSync, statSync } from "node:fs"
import { join, relative } from "node:path"
import { Pipeline } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { FIXTURE, makeRun } from "./fixtures/makeRun.ts"
import { tempDir } from "./helpers.ts"

const files = (root: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n)
      if (statSync(p).isDirectory()) walk(p)
      else out.push(relative(root, p))
    }
  }
  walk(root)
  return out.sort()
}

describe("the fixture run", () => {
  it("is exactly what makeRun.ts produces with core's current writers", async () => {
    const fresh = await makeRun(join(tempDir(), "run"))
    expect(files(fresh)).toEqual(files(FIXTURE))
    for (const f of files(FIXTURE))
      expect(readFileSync(join(fresh, f), "utf8"), f).toBe(readFileSync(join(FIXTURE, f), "utf8"))
  })

  it("has one valid Pipeline.Result per kind", async () => {
    const results = await Effect.runPromise(Pipeline.readAll(FIXTURE))
    expect(results.map((r) => `${r.kind}:${r.verdict}`)).toEqual([
      "baseline:pass",
      "stress:fail",
      "chaos:fail",
      "adversarial:fail",
      "recovery:error"
    ])
  })
})
