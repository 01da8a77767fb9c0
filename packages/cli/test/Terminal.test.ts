import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Done, makePackage, oneDocument, run, tmpDir } from "./helpers.ts"

let pkg: { readonly dir: string; readonly launcher: string }
const work = tmpDir()
const h24 = (args: ReadonlyArray<string>): Promise<Done> => run(pkg.launcher, args, { cwd: work })

beforeAll(async () => {
  pkg = await makePackage()
})
afterAll(() => {
  fs.rmSync(pkg.dir, { recursive: true, force: true })
  fs.rmSync(work, { recursive: true, force: true })
})

/** A clear-screen escape and a right-to-left override: neither may reach the terminal raw. */
const HOSTILE = "\u001b[2J\u202e"

const expectEscaped = (stderr: string) => {
  expect(stderr).not.toContain("\u001b[2J")
  expect(stderr).not.toContain("\u202e")
  expect(stderr).toMatch(/\\(x1b|u001b)\[2J/)
  expect(stderr).toContain("\\u{202e}")
}

describe("stderr is terminal-safe", () => {
  it("a finding title reaching an error message (a duplicate) is printed escaped", async () => {
    const ledger = path.join(work, "ledger")
    fs.mkdirSync(ledger)
    const payload = JSON.stringify({
      title: `Retry storm ${HOSTILE}`,
      severity: "high",
      description: "d",
      component: "payments"
    })
    const add = ["finding", "add", "--type", "bug", "--entry-id", "e1", "--agent", "a", "--output", ledger]
    expect((await h24([...add, "--payload", payload])).code).toBe(0)
    const dup = await h24([...add, "--payload", payload])
    expect(dup.code).toBe(1)
    expect(dup.stderr).toContain("duplicate of FND-001")
    expectEscaped(dup.stderr)
  })

  it("a finding id reaching an error message is printed escaped", async () => {
    const r = await h24(["finding", "show", `FND-${HOSTILE}`, "--output", work])
    expect(r.code).toBe(2)
    expectEscaped(r.stderr)
  })

  it("a path reaching an error message is printed escaped", async () => {
    const r = await h24(["finding", "list", "--output", path.join(work, `missing${HOSTILE}`)])
    expect(r.code).toBe(2)
    expectEscaped(r.stderr)
  })

  it("effect/cli's own parse errors are printed escaped", async () => {
    const r = await h24(["finding", "list", `--bogus${HOSTILE}`])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expectEscaped(r.stderr)
  })
})

describe("--json errors carry field and value", () => {
  it("a bad payload names the field and the value it got", async () => {
    const r = await h24([
      "finding",
      "add",
      "--type",
      "bug",
      "--entry-id",
      "e1",
      "--agent",
      "a",
      "--output",
      work,
      "--payload",
      JSON.stringify({ title: "t", severity: "urgent", description: "d", component: "c" }),
      "--json"
    ])
    expect(r.code).toBe(2)
    expect(oneDocument(r.stdout)).toMatchObject({
      ok: false,
      error: {
        tag: "FindingsError",
        reason: "InvalidPayload",
        module: "Ledger.add",
        field: "severity",
        value: "urgent"
      }
    })
  })
})
