import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import { FIXTURE } from "./fixtures/makeRun.ts"

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
export const PACKAGE = join(REPO, "packages", "reporting")

const temps: Array<string> = []
afterAll(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true })
})

/** A fresh temporary directory, removed after the test file. */
export const tempDir = (prefix = "24h-reporting-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}

/** A copy of the fixture run in a temporary directory (tests write reports into it). */
export const fixtureRun = (): string => {
  const dir = join(tempDir(), "run-2026-11-24-01")
  cpSync(FIXTURE, dir, { recursive: true })
  return dir
}

export const read = (path: string): string => readFileSync(path, "utf8")
