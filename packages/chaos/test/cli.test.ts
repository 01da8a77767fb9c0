import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { connect, echoServer, readExactly } from "./helpers.ts"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")
const children: Array<ChildProcess> = []
const dirs: Array<string> = []
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once("exit", r))
      c.kill("SIGTERM")
      await gone
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const start = (args: ReadonlyArray<string>, sub = "serve") => {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@24h/source", bin, "proxy", sub, ...args], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"]
  })
  children.push(child)
  let out = ""
  let err = ""
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString()
  })
  const firstLine = new Promise<string>((resolveLine, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf("\n")
      if (nl >= 0) resolveLine(out.slice(0, nl))
    })
    child.once("exit", (code) =>
      out.includes("\n") ? resolveLine(out.split("\n")[0]!) : reject(new Error(`exit ${code}: ${err}`))
    )
  })
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
  return { child, firstLine, exit }
}

describe("24h proxy serve", () => {
  it("--port 0 --json prints the bound address; the API answers; SIGTERM stops it", async () => {
    const { child, firstLine, exit } = start(["--port", "0", "--json", "--seed", "42"])
    const info = JSON.parse(await firstLine)
    expect(info).toMatchObject({ ok: true, host: "127.0.0.1", seed: 42, version: "2.12.0", proxies: [] })
    const res = await fetch(`${info.url}/version`)
    expect(await res.text()).toBe('{"version": "2.12.0"}\n')
    child.kill("SIGTERM")
    await exit
  })

  it("--config creates the proxies of a populate file, which forward traffic", async () => {
    const echo = await echoServer()
    const dir = mkdtempSync(join(tmpdir(), "24h-chaos-"))
    dirs.push(dir)
    const config = join(dir, "populate.json")
    writeFileSync(config, JSON.stringify([{ name: "echo", listen: "127.0.0.1:0", upstream: echo.address }]))
    const { child, firstLine, exit } = start(["--port", "0", "--json", "--config", config])
    const info = JSON.parse(await firstLine)
    expect(info.proxies).toEqual(["echo"])
    const proxy = (await (await fetch(`${info.url}/proxies/echo`)).json()) as { listen: string }
    const c = await connect(Number(proxy.listen.split(":")[1]))
    c.write("hi")
    expect((await readExactly(c, 2)).toString()).toBe("hi")
    c.destroy()
    child.kill("SIGTERM")
    await exit
    await echo.close()
  })

  it("a bad --config exits 2 with one JSON error document", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-chaos-"))
    dirs.push(dir)
    const config = join(dir, "bad.json")
    writeFileSync(config, '{"not":"an array"}')
    const { firstLine, exit } = start(["--port", "0", "--json", "--config", config])
    const doc = JSON.parse(await firstLine)
    expect(doc.ok).toBe(false)
    expect(doc.error).toMatchObject({ tag: "ChaosError", reason: "InvalidProxy" })
    expect(doc.error.message).toContain("expected a JSON array of proxies")
    expect(await exit).toBe(2)
  })
})

describe("24h proxy http", () => {
  it("--rules installs rules; traffic is proxied and faulted; the admin API answers", async () => {
    const upstream = createServer((_req, res) => res.end("from upstream"))
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r))
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
    const dir = mkdtempSync(join(tmpdir(), "24h-chaos-"))
    dirs.push(dir)
    const rules = join(dir, "rules.json")
    writeFileSync(
      rules,
      JSON.stringify([{ id: "teapot", match: { path: "/tea" }, action: { type: "status", status: 418 } }])
    )
    const { child, firstLine, exit } = start(["--upstream", origin, "--rules", rules, "--seed", "7", "--json"], "http")
    const info = JSON.parse(await firstLine)
    expect(info).toMatchObject({ ok: true, upstream: origin, seed: 7, rules: ["teapot"] })
    expect(await (await fetch(`${info.url}/hello`)).text()).toBe("from upstream")
    expect((await fetch(`${info.url}/tea`)).status).toBe(418)
    const journal = (await (await fetch(`${info.admin}/journal`)).json()) as { entries: Array<{ status: number }> }
    expect(journal.entries.map((e) => e.status)).toEqual([200, 418])
    child.kill("SIGTERM")
    await exit
    upstream.close()
  })

  it("a bad --rules file exits 2 naming the field and the value", async () => {
    const dir = mkdtempSync(join(tmpdir(), "24h-chaos-"))
    dirs.push(dir)
    const rules = join(dir, "rules.json")
    writeFileSync(rules, JSON.stringify([{ id: "x", probability: 3, action: { type: "reset" } }]))
    const { firstLine, exit } = start(["--upstream", "http://127.0.0.1:9", "--rules", rules, "--json"], "http")
    const doc = JSON.parse(await firstLine)
    expect(doc).toMatchObject({ ok: false, error: { tag: "ChaosError", reason: "InvalidRule" } })
    expect(doc.error.message).toContain("rules[0].probability")
    expect(doc.error.message).toContain("(got 3)")
    expect(await exit).toBe(2)
  })
})
