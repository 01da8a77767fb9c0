import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"

const repo = join(import.meta.dirname, "..", "..", "..")
const script = join(repo, "scripts", "check-examples.mjs")
const check = (...args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, [script, ...args], { cwd: repo, encoding: "utf8", timeout: 120_000 })

describe("check:examples", () => {
  it("type-checks every TSDoc example of the repository", () => {
    const r = check()
    expect(r.stderr).toBe("")
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/check:examples: \d+ examples in \d+ files, all type-check/)
  })

  it("fails on a broken example, naming the source file and line", () => {
    // A small tree with the repository's compiler settings, its node_modules, and one package with one broken example
    // (a string where a number belongs) and one good one.
    const root = mkdtempSync(join(tmpdir(), "24h-examples-"))
    try {
      copyFileSync(join(repo, "tsconfig.base.json"), join(root, "tsconfig.base.json"))
      symlinkSync(join(repo, "node_modules"), join(root, "node_modules"), "dir")
      mkdirSync(join(root, "packages", "demo", "src", "internal"), { recursive: true })
      writeFileSync(
        join(root, "packages", "demo", "src", "Demo.ts"),
        [
          "/**",
          " * Doubles a number.",
          " *",
          " * @example",
          " * ```ts",
          ' * import { Seed } from "@24h/core"',
          " *",
          " * const n: number = Seed.describe(Seed.make(1))",
          " * ```",
          " */",
          "export const double = (n: number): number => n * 2",
          "",
          "/**",
          " * Fine, with top-level await and no import.",
          " *",
          " * @example",
          " * ```ts",
          " * declare const p: Promise<number>",
          " * const n: number = await p",
          " * ```",
          " */",
          "export const triple = (n: number): number => n * 3",
          ""
        ].join("\n")
      )
      // internal/ is skipped even when its examples are broken
      writeFileSync(
        join(root, "packages", "demo", "src", "internal", "hidden.ts"),
        "/**\n * @example\n * ```ts\n * const x: number = 'no'\n * ```\n */\nexport const x = 1\n"
      )
      const r = check(root)
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(/packages\/demo\/src\/Demo\.ts:8: TS2322 /)
      expect(r.stderr).not.toMatch(/hidden/)
      expect(r.stderr).toMatch(/check:examples: 1 error\(s\) in 2 examples in 1 files/)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
