import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { request } from "undici"
import { afterEach, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const children: Array<ChildProcess> = []
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL")
})

/** Starts `24h mock otlp …` and resolves with its first stdout line, parsed. */
const start = (args: ReadonlyArray<string>) =>
  new Promise<{ child: ChildProcess; first: Record<string, unknown> }>((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@24h/source", bin, "mock", "otlp", ...args],
      {
        cwd: repo,
        env: { ...process.env, CI: "1" },
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    children.push(child)
    let out = ""
    let err = ""
    child.stderr!.on("data", (d) => (err += d))
    child.stdout!.on("data", (d) => {
      out += d
      const nl = out.indexOf("\n")
      if (nl >= 0) done({ child, first: JSON.parse(out.slice(0, nl)) })
    })
    child.on("close", (code) => fail(new Error(`24h mock otlp exited ${code} before printing: ${err}`)))
  })

const exited = (child: ChildProcess) => new Promise<number | null>((r) => child.once("exit", (code) => r(code)))

describe("24h mock otlp", () => {
  it("prints the URL and OTEL_* variables as JSON, stores what it receives in --dir, and stops on SIGTERM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-otlp-cli-"))
    const { child, first } = await start(["--port", "0", "--dir", dir, "--json"])
    expect(first.ok).toBe(true)
    const url = first.url as string
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect((first.env as Record<string, string>).OTEL_EXPORTER_OTLP_ENDPOINT).toBe(url)
    const body = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "0af7651916cd43dd8448eb211c80319c",
                  spanId: "b7ad6b7169203331",
                  name: "GET /",
                  startTimeUnixNano: "1",
                  endTimeUnixNano: "2"
                }
              ]
            }
          ]
        }
      ]
    }
    const ok = await request(`${url}/v1/traces`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" }
    })
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
    const bad = await request(`${url}/v1/traces`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" }
    })
    expect(bad.statusCode).toBe(400)
    expect(JSON.parse(await bad.body.text()).message).toContain("resourceSpans")
    expect(readFileSync(join(dir, "results", "traces", "sut.jsonl"), "utf8")).toContain("b7ad6b7169203331")
    const code = exited(child)
    child.kill("SIGTERM")
    expect(await code).not.toBeNull()
  })

  it("a port that is taken exits with a runtime error naming it", async () => {
    const { first } = await start(["--port", "0", "--json"])
    const port = String(first.port)
    const second = spawn(
      process.execPath,
      ["--import", "tsx", "--conditions=@24h/source", bin, "mock", "otlp", "--port", port, "--json"],
      { cwd: repo, env: { ...process.env, CI: "1" }, stdio: ["ignore", "pipe", "pipe"] }
    )
    children.push(second)
    let out = ""
    second.stdout!.on("data", (d) => (out += d))
    const code = await exited(second)
    expect(code).toBe(3)
    expect(out).toContain(`127.0.0.1:${port}`)
  })
})
