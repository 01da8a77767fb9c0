import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { type BrowserContext, chromium, type Page } from "playwright-core"
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

/** Debian's chromium (scripts/setup.sh installs it); playwright-core drives it, no browser download. */
export const CHROMIUM = "/usr/bin/chromium"

/** The launch flags of ../shared/STACK.md: headless, no sandbox, nothing that phones home. */
export const CHROMIUM_FLAGS: ReadonlyArray<string> = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/**
 * Launches headless Chromium with a fresh profile (a temporary `--user-data-dir`, removed after the test file).
 * Fails with how to install it when it is missing. The caller closes the context (`try { … } finally { close() }`).
 */
export const launchChromium = async (): Promise<BrowserContext> => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is required at ${CHROMIUM} for this test and was not found. Install Debian's package: apt-get install -y chromium (scripts/setup.sh does it)`
    )
  return chromium.launchPersistentContext(tempDir("24h-chromium-"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: { width: 1280, height: 900 }
  })
}

/** Runs `f` with a page of a fresh headless Chromium ({@link launchChromium}), closed afterwards even on failure. */
export const withChromium = async <A>(f: (page: Page, context: BrowserContext) => Promise<A>): Promise<A> => {
  const context = await launchChromium()
  try {
    return await f(context.pages()[0] ?? (await context.newPage()), context)
  } finally {
    await context.close()
  }
}
