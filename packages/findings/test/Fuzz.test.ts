import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { Finding, FindingsError, Ledger } from "../src/index.ts"
import { tmpDir } from "./helpers.ts"

const RUNS = 10_000
const seed = Number(process.env.H24_SEED ?? Date.now() % 2_147_483_647)
const dir = tmpDir()
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const hostile = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom(
    "",
    " ",
    "\n",
    "]\n",
    '"},{"id":"FND-999"',
    "\u2028\u2029",
    "\u0000\u0001\u001f",
    "\ud800",
    "\udfff\ud800",
    "<script>alert(1)</script>",
    "'; DROP TABLE findings; --",
    "../../../etc/passwd",
    "x".repeat(Finding.MAX_TITLE + 1),
    "y".repeat(Finding.MAX_TEXT + 1),
    "🔥".repeat(200)
  )
)
const anyJson = fc.oneof(
  hostile,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostile, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), hostile, { maxKeys: 3 })
)
const keys = Object.keys(Finding.Payload.shape)

const valid = fc.record({
  title: fc.string({ unit: "binary", minLength: 1, maxLength: 120 }).filter((s) => s.trim() !== ""),
  severity: fc.constantFrom(...Finding.Severity.options),
  description: hostile,
  component: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ""),
  evidence: fc.array(hostile, { maxLength: 4 }),
  metadata: fc.record({ persona: fc.string({ maxLength: 20 }), run: fc.string({ maxLength: 20 }) })
})

/** A payload: valid, or valid with a key dropped, added or given a wrong-typed value, or not an object at all. */
const payloadArb = fc.oneof(
  valid,
  fc.tuple(valid, fc.constantFrom(...keys)).map(([p, k]) => {
    const { [k]: _, ...rest } = p as Record<string, unknown>
    return rest
  }),
  fc.tuple(valid, fc.string({ maxLength: 12 }), anyJson).map(([p, k, v]) => ({ ...p, [k]: v })),
  fc.tuple(valid, fc.constantFrom(...keys), anyJson).map(([p, k, v]) => ({ ...p, [k]: v })),
  anyJson,
  fc.string({ maxLength: 40 }) // raw text for --payload: usually not JSON
)

const inputArb = fc.record({
  type: fc.oneof(fc.constantFrom(...Finding.FindingType.options), hostile),
  entryId: fc.oneof(fc.constant("entry-1"), hostile),
  agent: fc.oneof(fc.constant("fuzzer"), hostile),
  payload: fc.oneof(
    payloadArb,
    payloadArb.map((p) => JSON.stringify(p) ?? "undefined")
  ),
  force: fc.boolean()
})

describe("fuzzed payloads", () => {
  it(`${RUNS} payloads: each rejected field by field with the ledger untouched, or accepted and valid`, async () => {
    console.log(`fuzz: seed ${seed} (replay with H24_SEED=${seed})`)
    const ledger = await Effect.runPromise(Ledger.makeFile({ dir, syncViews: false }))
    const journal = path.join(dir, "findings.ndjson")
    const size = () => (fs.existsSync(journal) ? fs.statSync(journal).size : 0)
    const accepted: Array<Finding.Finding> = []
    let rejected = 0
    await fc.assert(
      fc.asyncProperty(inputArb, async (input) => {
        const before = size()
        const exit = await Effect.runPromiseExit(ledger.add(input))
        if (Exit.isSuccess(exit)) {
          const f = exit.value
          expect(Finding.Finding.safeParse(f).success).toBe(true)
          expect(size()).toBe(before + Buffer.byteLength(JSON.stringify(f)) + 1)
          accepted.push(f)
          return
        }
        rejected++
        expect(size()).toBe(before)
        const error = exit.cause.reasons[0]
        expect(error?._tag).toBe("Fail")
        const e = (error as { error: unknown }).error
        expect(e).toBeInstanceOf(FindingsError)
        const fe = e as FindingsError
        if (fe.reason === "Duplicate") {
          expect(input.force).toBe(false)
          expect(fe.duplicateOf).toMatch(Finding.ID_PATTERN)
          return
        }
        expect(fe.reason).toBe("InvalidPayload")
        expect(fe.issues?.length).toBeGreaterThan(0)
        for (const i of fe.issues ?? []) {
          expect(i.field.length).toBeGreaterThan(0)
          expect(i.message.length).toBeGreaterThan(0)
        }
      }),
      { numRuns: RUNS, seed }
    )
    console.log(`fuzz: ${accepted.length} accepted, ${rejected} rejected`)
    expect(accepted.length).toBeGreaterThan(100)
    expect(rejected).toBeGreaterThan(100)
    // What was acknowledged is exactly what the ledger holds, and every view is valid JSON.
    expect(Ledger.readSync(dir)).toEqual(accepted)
    const viewText = fs.readFileSync(path.join(dir, "findings.json"), "utf8")
    expect(JSON.parse(viewText)).toEqual(accepted)
    // JSON.stringify escapes only unpaired surrogates; jq rejects them, so none may reach the files.
    expect(viewText).not.toMatch(/\\u[dD][89a-fA-F][0-9a-fA-F]{2}/)
  }, 180_000)
})
