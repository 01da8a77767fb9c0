#!/usr/bin/env node
// Prints the totals of one or more vitest JSON reports as a single plain line: "N passed, N failed[, N skipped]".
// Usage: node scripts/test-summary.mjs test-results/vitest.json [more.json …]
import { existsSync, readFileSync } from "node:fs"

let passed = 0
let failed = 0
let skipped = 0
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`(no report at ${file}: that leg did not run to completion)`)
    failed += 1
    continue
  }
  const r = JSON.parse(readFileSync(file, "utf8"))
  passed += r.numPassedTests ?? 0
  failed += (r.numFailedTests ?? 0) + (r.numFailedTestSuites ?? 0) - (r.numFailedTests > 0 ? 0 : 0)
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  console.log(
    `${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numFailedTestSuites ?? 0} failed files`
  )
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ""}`)
process.exit(failed === 0 ? 0 : 1)
