import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import OpenAI from "openai"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const children = new Set<ChildProcess>()

const start = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@24h/source", bin, "mock", ...args], {
    cwd: repo,
    env: { ...process.env, CI: "1" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.add(child)
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)))
  /** The first line on stdout (the --json document), or the exit when the command fails first. */
  const firstLine = new Promise<string>((done, fail) => {
    child.stdout.on("data", () => {
      const i = stdout.indexOf("\n")
      if (i >= 0) done(stdout.slice(0, i))
    })
    void exited.then((code) => fail(new Error(`exited ${code} before printing: ${stdout}${stderr}`)))
  })
  return { child, firstLine, exited, output: () => ({ stdout, stderr }) }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "24h-mock-cli-"))
})
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  children.clear()
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("24h mock", () => {
  it("mock llm --json prints the base URLs, serves the official client from a fixtures file, and stops on SIGINT", async () => {
    const fixtures = join(dir, "fixtures.json")
    await writeFile(
      fixtures,
      JSON.stringify([{ match: { user: { regex: "ping", flags: "i" } }, reply: { text: "pong" } }])
    )
    const p = start(["llm", "--json", "--seed", "7", "--fixtures", fixtures])
    const info = JSON.parse(await p.firstLine) as { ok: boolean; url: string; openaiBaseUrl: string; seed: number }
    expect(info).toMatchObject({ ok: true, seed: 7, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) })
    const client = new OpenAI({ baseURL: info.openaiBaseUrl, apiKey: "test", maxRetries: 0 })
    const r = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "PING" }]
    })
    expect(r.choices[0]!.message.content).toBe("pong")
    p.child.kill("SIGINT")
    expect(await p.exited).toBe(130) // 128 + SIGINT, after the scope closed the server
  }, 30_000)

  it("mock http serves the default /health route", async () => {
    const p = start(["http", "--json"])
    const info = JSON.parse(await p.firstLine) as { url: string; routes: number }
    expect(info.routes).toBe(1)
    const r = await fetch(`${info.url}/health`)
    expect(await r.json()).toEqual({ ok: true })
    p.child.kill("SIGINT")
    expect(await p.exited).toBe(130) // 128 + SIGINT, after the scope closed the server
  }, 30_000)

  it("a bad fixtures file exits 2 naming the fixture and field", async () => {
    const fixtures = join(dir, "bad.json")
    await writeFile(fixtures, JSON.stringify([{ reply: { text: "x" }, times: 0 }]))
    const p = start(["llm", "--json", "--fixtures", fixtures])
    expect(await p.exited).toBe(2)
    const out = JSON.parse(p.output().stdout.trim()) as { ok: boolean; error: { reason: string; message: string } }
    expect(out.ok).toBe(false)
    expect(out.error.reason).toBe("InvalidFixture")
    expect(out.error.message).toMatch(/fixtures\[0\]\.times: .*\(got 0\)/)
  }, 30_000)
})
