import { spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join, resolve } from "node:path"
import { Histogram } from "@24h/core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const load = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@24h/source", bin, "load", ...args], {
      cwd: repo,
      env: { ...process.env, CI: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", fail)
    child.on("close", (code) => done({ code, stdout, stderr }))
  })

let server: Server
let url: string
const seen: Array<{ method: string; id: string; auth: string }> = []
beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({
      method: req.method ?? "",
      id: String(req.headers["x-correlation-id"]),
      auth: String(req.headers.authorization)
    })
    req.resume()
    req.on("end", () => res.writeHead(req.url === "/missing" ? 404 : 200).end("ok"))
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

describe("24h load", () => {
  it("open model: --rate and --duration give one JSON document with latency percentiles and the HDR histogram", async () => {
    const r = await load([
      `${url}/`,
      "--rate",
      "100/s",
      "--duration",
      "1s",
      "--method",
      "POST",
      "--header",
      "authorization: Bearer t",
      "--body",
      "{}",
      "--threshold",
      "errorRate < 1%",
      "--json"
    ])
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & { latency: Record<string, number>; histogram: string }
    expect(doc).toMatchObject({ ok: true, verdict: "pass", requests: 100, succeeded: 100, errors: 0, dropped: 0 })
    expect(Object.keys(doc.latency).sort()).toEqual(["max", "mean", "p50", "p90", "p95", "p99", "p999"])
    expect(Histogram.count(Histogram.decode(doc.histogram))).toBe(100)
    expect(seen.at(-1)).toMatchObject({ method: "POST", auth: "Bearer t" })
    expect(seen.at(-1)!.id).toMatch(/^load-\d{6}$/)
  })

  it("closed model with --vus; a failing threshold exits 1 and still prints one document", async () => {
    const r = await load([
      `${url}/missing`,
      "--vus",
      "2",
      "--duration",
      "5s",
      "--max-iterations",
      "20",
      "--threshold",
      "errorRate < 1%",
      "--json"
    ])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout) as { ok: boolean; verdict: string; requests: number; errors: number }
    expect(doc).toMatchObject({ ok: false, verdict: "fail", requests: 20, errors: 20 })
  })

  it("bad input exits 2 with a message naming the flag and the value", async () => {
    const r = await load([`${url}/`, "--rate", "fast", "--json"])
    expect(r.code).toBe(2)
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { message: string } }
    expect(doc.ok).toBe(false)
    expect(doc.error.message).toContain('rate is not a rate such as 200, "200/s" or "12000/m" (got "fast")')
    const remote = await load(["http://192.0.2.1/", "--vus", "1", "--duration", "1s", "--json"])
    expect(remote.code).toBe(2)
    expect(remote.stdout).toContain("loopback only unless allowRemote is set")
  })
})
