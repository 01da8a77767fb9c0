import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Done, makePackage, oneDocument, run, tmpDir } from "./helpers.ts"

let pkg: { readonly dir: string; readonly launcher: string }
const work = tmpDir()
const h24 = (args: ReadonlyArray<string>, env?: NodeJS.ProcessEnv): Promise<Done> =>
  run(pkg.launcher, args, { cwd: work, ...(env === undefined ? {} : { env }) })

beforeAll(async () => {
  pkg = await makePackage()
})
afterAll(() => {
  fs.rmSync(pkg.dir, { recursive: true, force: true })
  fs.rmSync(work, { recursive: true, force: true })
})

const payload = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ title: "Retry storm", severity: "high", description: "d", component: "payments", ...over })

describe("--json: exactly one JSON document on stdout, whatever happens", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, number, string]> = [
    ["a missing flag", ["finding", "add"], 2, "MissingOption"],
    ["an unknown flag", ["finding", "list", "--bogus"], 2, "UnrecognizedOption"],
    ["a bad choice", ["finding", "export", "--format", "xml"], 2, "InvalidValue"],
    ["an unknown subcommand", ["finding", "nope"], 2, "UnknownSubcommand"],
    ["an unknown command", ["nope"], 2, "UnknownSubcommand"],
    ["a group without its subcommand", ["finding"], 2, "MissingSubcommand"],
    ["a missing argument", ["finding", "show"], 2, "MissingArgument"]
  ]
  for (const [what, args, code, reason] of cases) {
    it(`${what}: ${args.join(" ")} → exit ${code}, {"ok":false,"error":{"reason":"${reason}"}}`, async () => {
      const r = await h24([...args, "--json"])
      expect(r.code).toBe(code)
      const doc = oneDocument(r.stdout)
      expect(doc).toMatchObject({ ok: false, error: { reason } })
      expect(typeof (doc.error as { message: unknown }).message).toBe("string")
    })
  }

  it("help and version are documents too", async () => {
    const help = await h24(["finding", "list", "--help", "--json"])
    expect(help.code).toBe(0)
    expect(oneDocument(help.stdout)).toMatchObject({ ok: true, help: expect.stringContaining("--output") })
    const v = await h24(["--version", "--json"])
    expect(oneDocument(v.stdout)).toMatchObject({ ok: true, version: expect.any(String) })
  })

  it("without --json a bad invocation keeps stdout empty and explains on stderr", async () => {
    const r = await h24(["finding", "list", "--bogus"])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe("")
    expect(r.stderr).toContain("--bogus")
  })
})

describe("the ledger directory flag", () => {
  it("export --output FILE (the ledger flag given for the file flag) is refused, naming --out", async () => {
    const file = path.join(work, "x.sarif")
    fs.writeFileSync(file, "")
    const r = await h24(["finding", "export", "--format", "sarif", "--output", file, "--json"])
    expect(r.code).toBe(2)
    const doc = oneDocument(r.stdout)
    expect(doc).toMatchObject({ ok: false, error: { reason: "NotADirectory" } })
    expect((doc.error as { message: string }).message).toContain("--out FILE")
    expect(fs.readFileSync(file, "utf8")).toBe("")
  })

  it("a missing ledger directory is exit 2 NotFound in every command, as a missing run directory is", async () => {
    const missing = path.join(work, "no-such-dir")
    for (const args of [
      ["finding", "list", "--output", missing],
      ["finding", "show", "FND-001", "--output", missing],
      ["finding", "export", "--output", missing],
      ["finding", "repair", "--output", missing],
      ["run", "status", missing]
    ]) {
      const r = await h24([...args, "--json"])
      expect(r.code, args.join(" ")).toBe(2)
      expect(oneDocument(r.stdout), args.join(" ")).toMatchObject({ ok: false, error: { reason: "NotFound" } })
    }
    expect(fs.existsSync(missing)).toBe(false)
  })

  it("add --output pointing at a file is exit 2 NotADirectory, not exit 3 EEXIST from mkdir", async () => {
    const file = path.join(work, "a-file")
    fs.writeFileSync(file, "x")
    const r = await h24([
      "finding",
      "add",
      "--type",
      "bug",
      "--entry-id",
      "e",
      "--agent",
      "a",
      "--payload",
      payload(),
      "--output",
      path.join(file, "ledger"),
      "--json"
    ])
    expect(r.code).toBe(2)
    const doc = oneDocument(r.stdout)
    expect(doc).toMatchObject({ ok: false, error: { reason: "NotADirectory" } })
    expect((doc.error as { message: string }).message).toContain(`${file} (in`)
  })
})

describe("finding export --json", () => {
  it("wraps the export in one document, or reports the file it wrote", async () => {
    const dir = tmpDir()
    try {
      const add = await h24([
        "finding",
        "add",
        "--type",
        "bug",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        payload(),
        "--output",
        dir
      ])
      expect(add.code).toBe(0)
      const sarif = await h24(["finding", "export", "--format", "sarif", "--output", dir, "--json"])
      expect(sarif.code).toBe(0)
      const doc = oneDocument(sarif.stdout) as { ok: boolean; count: number; document: { version: string } }
      expect(doc).toMatchObject({ ok: true, format: "sarif", count: 1, document: { version: "2.1.0" } })
      const junit = await h24(["finding", "export", "--format", "junit", "--output", dir, "--json"])
      expect(oneDocument(junit.stdout)).toMatchObject({ ok: true, content: expect.stringContaining("<testsuites") })
      const out = path.join(dir, "out.md")
      const md = await h24(["finding", "export", "--format", "md", "--output", dir, "--out", out, "--json"])
      expect(oneDocument(md.stdout)).toMatchObject({ ok: true, file: out, count: 1 })
      expect(fs.readFileSync(out, "utf8")).toContain("Retry storm")
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("terminal output", () => {
  it("escapes control characters and ANSI escapes in a title instead of printing them raw", async () => {
    const dir = tmpDir()
    try {
      const title = "\u001b[2J\u001b[31mred\u001b[0m \r\u0007 \u202eevil"
      const add = await h24([
        "finding",
        "add",
        "--type",
        "bug",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        payload({ title }),
        "--output",
        dir
      ])
      expect(add.code).toBe(0)
      for (const args of [
        ["finding", "list", "--output", dir],
        ["finding", "show", "1", "--output", dir]
      ]) {
        const r = await h24(args)
        expect(r.code).toBe(0)
        // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
        expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/)
        expect(r.stdout).toContain("\\x1b")
        expect(r.stdout).toContain("\\u{202e}evil")
        // `list` prints the title as it is (escaped for the terminal); `show` prints Markdown, escaped for that too.
        if (args[1] === "list") expect(r.stdout).toContain("\\x1b[31mred\\x1b[0m \\x0d\\x07 \\u{202e}evil")
      }
      // JSON output carries the exact title (JSON escapes it).
      const json = await h24(["finding", "show", "1", "--output", dir, "--json"])
      expect((oneDocument(json.stdout) as { finding: { title: string } }).finding.title).toBe(title)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("a hand-edited view through the CLI", () => {
  it("add refuses with exit 2 ViewEdited, and repair --from-view takes the edit in", async () => {
    const dir = tmpDir()
    try {
      const add = (title: string) =>
        h24([
          "finding",
          "add",
          "--type",
          "bug",
          "--entry-id",
          "e",
          "--agent",
          "a",
          "--payload",
          payload({ title }),
          "--output",
          dir,
          "--json"
        ])
      expect((await add("one")).code).toBe(0)
      const view = path.join(dir, "findings.json")
      fs.writeFileSync(view, fs.readFileSync(view, "utf8").replace('"title":"one"', '"title":"one, edited"'))
      const refused = await add("two")
      expect(refused.code).toBe(2)
      const doc = oneDocument(refused.stdout) as { error: { reason: string; message: string } }
      expect(doc.error.reason).toBe("ViewEdited")
      expect(doc.error.message).toContain('title is "one, edited" in findings.json but "one" in the journal')
      const repaired = await h24(["finding", "repair", "--from-view", "--output", dir, "--json"])
      expect(repaired.code).toBe(0)
      expect((await add("two")).code).toBe(0)
      const list = await h24(["finding", "list", "--output", dir, "--json"])
      const titles = (oneDocument(list.stdout) as { findings: Array<{ title: string }> }).findings.map((f) => f.title)
      expect(titles).toEqual(["one, edited", "two"])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("lock wait", () => {
  it("--lock-timeout sets the limit; a timeout is exit 3 with one document", async () => {
    const dir = tmpDir()
    try {
      fs.writeFileSync(
        path.join(dir, "findings.lock"),
        JSON.stringify({ pid: process.pid, host: (await import("node:os")).hostname(), nonce: "n", at: "then" })
      )
      const r = await h24([
        "finding",
        "add",
        "--type",
        "bug",
        "--entry-id",
        "e",
        "--agent",
        "a",
        "--payload",
        payload(),
        "--output",
        dir,
        "--lock-timeout",
        "100",
        "--json"
      ])
      expect(r.code).toBe(3)
      const doc = oneDocument(r.stdout) as { error: { reason: string; message: string } }
      expect(doc.error.reason).toBe("LockTimeout")
      expect(doc.error.message).toContain("(now 100)")
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
