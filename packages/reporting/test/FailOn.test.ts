import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Check, Pipeline, Run } from "@24h/core"
import { Effect } from "effect"
import { describe, expect, it, onTestFinished } from "vitest"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const cli = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, ["--import", "tsx", "--conditions=@24h/source", bin, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000
  })

describe("24h report final|junit --fail-on", () => {
  it("exits 1 after its one JSON document when a pipeline's verdict fails, 0 by default", async () => {
    const root = mkdtempSync(join(tmpdir(), "24h-failon-"))
    onTestFinished(() => rmSync(root, { recursive: true, force: true }))
    const dir = await Effect.runPromise(
      Effect.gen(function* () {
        const run = yield* Run.create({ root, seed: 1, metadata: { ENTRY_ID: "f", ENTRY_TITLE: "fail-on" } })
        yield* Pipeline.baseline({ name: "ok", dir: run.dir, checks: [Effect.succeed(Check.pass("fine"))] })
        yield* Pipeline.chaos({ name: "bad", dir: run.dir, checks: [Effect.succeed(Check.fail("audit", "2 lost"))] })
        return run.dir
      })
    )
    const plain = cli(["report", "junit", dir, "--json"])
    expect(plain.status, plain.stderr).toBe(0)
    const gated = cli(["report", "junit", dir, "--fail-on", "fail", "--json"])
    expect(gated.status).toBe(1)
    expect(JSON.parse(gated.stdout)).toMatchObject({ ok: true })
    expect(gated.stderr).toContain("--fail-on fail: chaos/bad is fail")
    const final = cli(["report", "final", dir, "--fail-on", "fail", "--json"])
    expect(final.status).toBe(1)
    expect(final.stdout.trim().split("\n")).toHaveLength(1)
  }, 120_000)
})
