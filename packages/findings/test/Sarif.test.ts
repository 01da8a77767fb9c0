import * as fs from "node:fs"
import * as path from "node:path"
import { Ajv } from "ajv"
import addFormatsModule from "ajv-formats"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type Finding, Fingerprint, Junit, Ledger, Markdown, Sarif } from "../src/index.ts"
import { here, payload } from "./helpers.ts"

// ajv-formats is CommonJS: under NodeNext its default import is the module object, whose `default` is the plugin.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule.default }).default

const schema = JSON.parse(fs.readFileSync(path.join(here, "fixtures", "sarif-schema-2.1.0.json"), "utf8")) as object
// strict: false — the official schema uses annotations (e.g. `default` inside `items`) that ajv's strict mode flags.
const ajv = new Ajv({ allErrors: true, strict: false })
addFormats(ajv)
const validate = ajv.compile(schema)

const sample = (): Promise<ReadonlyArray<Finding.Finding>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const l = yield* Ledger.makeMemory()
      const add = (type: string, over: Record<string, unknown>) =>
        l.add({ type, entryId: "checkout-01", agent: "claude", payload: payload(over) })
      yield* add("bug", { location: { file: "examples/checkout/main.test.ts", line: 42 } })
      yield* add("security", { title: "Token leaks in logs", severity: "critical", component: "auth" })
      yield* add("security", { title: "Weak TLS accepted", severity: "medium", component: "proxy" })
      yield* add("silent_failure", {
        title: "Dropped writes report 200",
        severity: "high",
        replay: { seed: 42, command: "H24_SEED=42 npx vitest run checkout", run_dir: "runs/run-01" }
      })
      yield* add("strength", { title: "Clear error messages", severity: "info" })
      yield* add("dx", {
        title: "Confusing <config> & 'flags'",
        severity: "low",
        evidence: ["line 1\nline 2", "```nested```"]
      })
      return yield* l.list()
    })
  )

describe("Sarif.toSarif", () => {
  it("validates against the official SARIF 2.1.0 JSON schema", async () => {
    const log = Sarif.toSarif(await sample(), { category: "24h/run-01/" })
    const ok = validate(log)
    expect(validate.errors ?? []).toEqual([])
    expect(ok).toBe(true)
    expect(validate(Sarif.toSarif([]))).toBe(true)
    // The validator is real: a broken log fails it.
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} } }] })).toBe(false)
  })

  it("anchors every result to a repository file, never an http URI", async () => {
    const findings = await sample()
    const log = Sarif.toSarif(findings, { ledgerPath: "runs/run-01/findings.json" })
    const results = log.runs[0]?.results ?? []
    expect(results).toHaveLength(5) // the strength is not a problem
    const locs = results.map((r) => r.locations?.[0]?.physicalLocation)
    expect(locs[0]).toMatchObject({
      artifactLocation: { uri: "examples/checkout/main.test.ts", uriBaseId: "%SRCROOT%" },
      region: { startLine: 42 }
    })
    // FND-002 is entry 2 of findings.json: line 3 ("[" is line 1).
    expect(locs[1]).toMatchObject({ artifactLocation: { uri: "runs/run-01/findings.json" }, region: { startLine: 3 } })
    for (const l of locs) expect(l?.artifactLocation?.uri).not.toMatch(/^[a-z]+:/i)
  })

  it("one rule per finding type, security-severity on security findings, stable partialFingerprints", async () => {
    const findings = await sample()
    const log = Sarif.toSarif(findings)
    const run = log.runs[0]
    const rules = run?.tool.driver.rules ?? []
    expect(rules.map((r) => r.id)).toEqual(["24h/bug", "24h/security", "24h/silent_failure", "24h/dx"])
    expect(rules[1]?.properties?.["security-severity"]).toBe("9.5")
    expect(rules[1]?.properties?.tags).toContain("security")
    expect(rules[0]?.properties?.["security-severity"]).toBeUndefined()
    const results = run?.results ?? []
    expect(results.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ["24h/bug", 0, "error"],
      ["24h/security", 1, "error"],
      ["24h/security", 1, "warning"],
      ["24h/silent_failure", 2, "error"],
      ["24h/dx", 3, "note"]
    ])
    expect(results[2]?.properties?.["security-severity"]).toBe("5.5")
    const fp = results[0]?.partialFingerprints?.["24hFindingFingerprint/v2"]
    expect(fp).toBe(Fingerprint.of(findings[0] as Finding.Finding))
    // The same finding exported again (another run, another id, another time) keeps its fingerprint.
    const again = Sarif.toSarif([
      { ...(findings[0] as Finding.Finding), id: "FND-900", created_at: "2030-01-01T00:00:00.000Z" }
    ])
    expect(again.runs[0]?.results?.[0]?.partialFingerprints).toEqual(results[0]?.partialFingerprints)
  })
})

describe("Fingerprint", () => {
  it("ignores case, spacing and closing punctuation of title and component, not the type", () => {
    const a = Fingerprint.of({ type: "bug", component: "Payments", title: "Retry storm on 503!" })
    expect(Fingerprint.of({ type: "bug", component: " payments ", title: "retry storm   ON 503" })).toBe(a)
    expect(Fingerprint.of({ type: "reliability", component: "Payments", title: "Retry storm on 503!" })).not.toBe(a)
    expect(Fingerprint.normalize("  Ｒetry—Storm!! ")).toBe("retry—storm")
  })

  it("keeps numbers, signs, operators and punctuation that change what a title means", async () => {
    const fp = (title: string) => Fingerprint.of({ type: "bug", component: "api", title })
    const pairs: ReadonlyArray<readonly [string, string]> = [
      ["balance goes to -1", "balance goes to 1"],
      ["p95 > 2s", "p95 < 2s"],
      ["user@example.com is logged", "user example com is logged"],
      ["retries 3x", "retries 3"],
      ["timeout 1.5s", "timeout 15s"],
      ["a/b path", "a b path"]
    ]
    for (const [x, y] of pairs) expect(fp(x), `${x} vs ${y}`).not.toBe(fp(y))
    // …so the ledger files each as its own finding, and their SARIF partialFingerprints do not collide.
    const findings = await Effect.runPromise(
      Effect.gen(function* () {
        const l = yield* Ledger.makeMemory()
        for (const title of pairs.flat())
          yield* l.add({ type: "bug", entryId: "e", agent: "a", payload: payload({ title, component: "api" }) })
        return yield* l.list()
      })
    )
    expect(findings).toHaveLength(pairs.length * 2)
    const prints = (Sarif.toSarif(findings).runs[0]?.results ?? []).map(
      (r) => r.partialFingerprints?.["24hFindingFingerprint/v2"]
    )
    expect(new Set(prints).size).toBe(findings.length)
  })
})

describe("Junit.toJunit", () => {
  it("one suite per type; findings at or above --fail-on fail; XML is escaped", async () => {
    const xml = Junit.toJunit(await sample(), { failOn: "high" })
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="24h findings" tests="6" failures="3" errors="0">'
      )
    ).toBe(true)
    expect(xml.match(/<testsuite /g)).toHaveLength(5)
    expect(xml).toContain(
      '<testcase classname="24h.dx.payments-client" name="FND-006 Confusing &lt;config&gt; &amp; &apos;flags&apos;" time="0">'
    )
    expect(xml.match(/<failure /g)).toHaveLength(3)
    expect(Junit.escapeXml("a\u0000b\ud800")).toBe("a\uFFFDb\uFFFD")
  })
})

describe("Markdown.toMarkdown", () => {
  it("renders a summary table and one section per finding, most severe first", async () => {
    const md = Markdown.toMarkdown(await sample())
    expect(md.split("\n").slice(0, 10)).toMatchInlineSnapshot(`
      [
        "# Findings",
        "",
        "| type | critical | high | medium | low | info | total |",
        "|---|---:|---:|---:|---:|---:|---:|",
        "| bug | 0 | 1 | 0 | 0 | 0 | 1 |",
        "| security | 1 | 0 | 1 | 0 | 0 | 2 |",
        "| silent_failure | 0 | 1 | 0 | 0 | 0 | 1 |",
        "| dx | 0 | 0 | 0 | 1 | 0 | 1 |",
        "| strength | 0 | 0 | 0 | 0 | 1 | 1 |",
        "",
      ]
    `)
    const order = [...md.matchAll(/^## (FND-\d+)/gm)].map((m) => m[1])
    expect(order).toEqual(["FND-002", "FND-001", "FND-004", "FND-003", "FND-006", "FND-005"])
    expect(md).toContain("````\n```nested```\n````")
    expect(Markdown.toMarkdown([])).toBe("# Findings\n\nNo findings.\n")
  })
})
