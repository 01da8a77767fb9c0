import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Ledger } from "../src/index.ts"
import { bundleCli, cli, killAll, payload, run, tmpDir } from "./helpers.ts"

const dir = tmpDir()
const work = tmpDir()
let bundled: string
/** The same `24h` binary, bundled: used after the first test, which runs `tsx bin.ts` itself. */
const fast = (args: ReadonlyArray<string>) => run(process.execPath, [bundled, ...args])

beforeAll(async () => {
  bundled = await bundleCli(work)
})
afterAll(() => {
  killAll()
  fs.rmSync(dir, { recursive: true, force: true })
  fs.rmSync(work, { recursive: true, force: true })
})

const files = () =>
  [
    "findings.ndjson",
    "findings.json",
    "findings/bugs.json",
    "findings/strengths.json",
    "findings/improvements.json"
  ].map((f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), "utf8") : undefined))

describe("24h finding (the real CLI, end to end)", () => {
  it("add accepts the add_finding.py usage; a bad payload exits 2 with field-level messages and touches nothing", async () => {
    const ok = await cli([
      "finding",
      "add",
      "--type",
      "bug",
      "--entry-id",
      "checkout-01",
      "--agent",
      "claude-3.5-sonnet",
      "--payload",
      JSON.stringify(payload({ location: { file: "examples/checkout/main.test.ts", line: 12 } })),
      "--output",
      dir,
      "--json"
    ])
    expect(ok.stderr).toBe("")
    expect(ok.code).toBe(0)
    const doc = JSON.parse(ok.stdout) as { ok: boolean; id: string; finding: { entry_id: string; agent: string } }
    expect(doc).toMatchObject({
      ok: true,
      id: "FND-001",
      finding: { entry_id: "checkout-01", agent: "claude-3.5-sonnet" }
    })
    const before = files()

    const bad = await cli([
      "finding",
      "add",
      "--type",
      "bug",
      "--entry-id",
      "e",
      "--agent",
      "a",
      "--payload",
      '{"title":"","severity":"urgent","colour":1}',
      "--output",
      dir
    ])
    const payloadFile = path.join(dir, "payload.json")
    fs.writeFileSync(payloadFile, JSON.stringify(payload({ title: "From a file", component: "files" })))
    const [badJson, dup, list, show, fromFile] = await Promise.all([
      fast([
        "finding",
        "add",
        "--type",
        "bugs",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        "{oops",
        "--output",
        dir,
        "--json"
      ]),
      fast([
        "finding",
        "add",
        "--type",
        "bug",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        JSON.stringify(payload({ severity: "low" })),
        "--output",
        dir,
        "--json"
      ]),
      fast(["finding", "list", "--output", dir, "--json"]),
      fast(["finding", "show", "fnd-1", "--output", dir]),
      fast([
        "finding",
        "add",
        "--type",
        "dx",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        `@${path.join(dir, "missing.json")}`,
        "--output",
        dir
      ])
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("title: must not be empty")
    expect(bad.stderr).toContain(
      'severity: Invalid option: expected one of "critical"|"high"|"medium"|"low"|"info" (got "urgent")'
    )
    expect(bad.stderr).toContain("description: is required")
    expect(bad.stderr).toContain("colour: Unrecognized key")
    expect(badJson.code).toBe(2)
    const err = JSON.parse(badJson.stdout) as {
      ok: boolean
      error: { reason: string; issues: Array<{ field: string }> }
    }
    expect(err.ok).toBe(false)
    expect(err.error.reason).toBe("InvalidPayload")
    expect(err.error.issues.map((i) => i.field)).toEqual(["--type", "(payload)"])
    expect(dup.code).toBe(1)
    expect(JSON.parse(dup.stdout)).toMatchObject({ ok: false, error: { reason: "Duplicate", duplicateOf: "FND-001" } })
    expect(fromFile.code).toBe(2)
    expect(fromFile.stderr).toContain("(payload): cannot read")
    expect(files()).toEqual(before)
    expect(JSON.parse(list.stdout)).toMatchObject({ ok: true, count: 1, findings: [{ id: "FND-001" }] })
    const added = await fast([
      "finding",
      "add",
      "--type",
      "dx",
      "--entry-id",
      "e",
      "--agent",
      "a",
      "--payload",
      `@${payloadFile}`,
      "--output",
      dir,
      "--json"
    ])
    expect(JSON.parse(added.stdout)).toMatchObject({
      ok: true,
      id: "FND-002",
      finding: { title: "From a file", type: "dx" }
    })
    expect(show.code).toBe(0)
    expect(show.stdout).toContain("FND-001")
    expect(show.stdout).toContain("Retries hide upstream 503s")
  })

  it("export writes SARIF, JUnit and Markdown; repair reports a hand-edited line", async () => {
    const sarifFile = path.join(dir, "out.sarif")
    const [sarif, junit, md] = await Promise.all([
      fast(["finding", "export", "--format", "sarif", "--out", sarifFile, "--output", dir]),
      fast(["finding", "export", "--format", "junit", "--output", dir]),
      fast(["finding", "export", "--format", "md", "--output", dir])
    ])
    expect(sarif.code).toBe(0)
    const log = JSON.parse(fs.readFileSync(sarifFile, "utf8")) as {
      runs: Array<{ results: Array<{ locations: Array<unknown> }> }>
    }
    expect(log.runs[0]?.results[0]?.locations[0]).toMatchObject({
      physicalLocation: { artifactLocation: { uri: "examples/checkout/main.test.ts" }, region: { startLine: 12 } }
    })
    expect(junit.stdout).toContain(
      '<testcase classname="24h.bug.payments-client" name="FND-001 Retries hide upstream 503s"'
    )
    expect(md.stdout).toContain("## FND-001 — Retries hide upstream 503s")

    fs.appendFileSync(path.join(dir, "findings.ndjson"), '{"id":"FND-003","hand":"edit"}\n')
    const list = await fast(["finding", "list", "--output", dir])
    expect(list.code).toBe(3)
    expect(list.stderr).toContain("findings.ndjson:3: ")
    expect(list.stderr).toContain("24h finding repair")
    const repair = await fast(["finding", "repair", "--output", dir, "--json"])
    expect(repair.code).toBe(0)
    const report = JSON.parse(repair.stdout) as {
      kept: number
      rejected: Array<{ line: number; reason: string }>
      backup: string
    }
    expect(report.kept).toBe(2)
    expect(report.rejected).toHaveLength(1)
    expect(report.rejected[0]?.line).toBe(3)
    expect(fs.existsSync(report.backup)).toBe(true)
    expect(Ledger.readSync(dir).map((f) => f.id)).toEqual(["FND-001", "FND-002"])
  })
})
