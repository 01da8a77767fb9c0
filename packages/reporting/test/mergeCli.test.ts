import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Histogram, Pipeline, Run } from "@24h/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const repo = resolve(import.meta.dirname, "../../..")
const bin = join(repo, "packages/cli/src/bin.ts")

const children = new Set<ReturnType<typeof spawn>>()
const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--conditions=@24h/source", bin, ...args], {
      cwd: repo,
      env: { ...process.env, CI: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("error", fail)
    child.on("close", (code) => {
      children.delete(child)
      done({ code, stdout, stderr })
    })
  })

let server: Server
let url: string
let served = 0
const ids = new Set<string>()
let root: string
let run: string
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "24h-shards-"))
  // A run directory, as `24h run new` makes it; the shards write under its shards/<i>/.
  run = (
    await Effect.runPromise(
      Run.create({ root, metadata: { ENTRY_ID: "sharded-01", ENTRY_TITLE: "Sharded load" }, seed: 42 })
    )
  ).dir
  server = createServer((req, res) => {
    served++
    ids.add(String(req.headers["x-correlation-id"]))
    req.resume()
    req.on("end", () => res.writeHead(200).end("ok"))
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL")
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  rmSync(root, { recursive: true, force: true })
})

const p99Of = (outs: ReadonlyArray<{ latency: { p99: number } }>) => Math.max(...outs.map((o) => o.latency.p99))
const json = (text: string) => JSON.parse(text.trim().split("\n").at(-1)!)

describe("24h load --shard + 24h merge", () => {
  // `--rate` is the whole run's rate, so every pod runs the same command line and only the index differs: each of
  // the four shards of `--rate 1000/s` sends 250/s.
  it("four shards at 250/s merge into one exact result beside one process at 1000/s", {
    timeout: 480_000
  }, async () => {
    // Thresholds that hold on any machine: this asserts merging, not the machine's speed.
    const common = ["--duration", "2s", "--threshold", "p99 < 60s", "--threshold", "errors >= 0", "--json"]
    const [single, ...shards] = await Promise.all([
      cli(["load", url, "--rate", "1000/s", ...common, "--name", "single"]),
      ...[0, 1, 2].map((i) => cli(["load", url, "--shard", `${i}/4`, "--rate", "1000/s", "--out", run, ...common])),
      // The fourth shard takes its index the way a Kubernetes Indexed Job pod does.
      cli(["load", url, "--rate", "1000/s", "--out", run, ...common], {
        JOB_COMPLETION_INDEX: "3",
        H24_SHARD_COUNT: "4"
      })
    ])
    for (const r of [single!, ...shards]) expect(r.code, r.stderr).toBe(0)
    const outs = shards.map((s) => json(s.stdout))
    expect(outs.map((o) => o.shard)).toEqual(["0/4", "1/4", "2/4", "3/4"])
    expect(outs.map((o) => o.model.rate)).toEqual([250, 250, 250, 250])
    const shardRequests = outs.reduce((n, o) => n + o.requests, 0)
    const singleOut = json(single!.stdout)
    // Same plan: the shards' rates add up to the single process's (what each achieved depends on the machine).
    expect(outs.reduce((n, o) => n + o.model.rate, 0)).toBe(singleOut.model.rate)
    expect(singleOut.requests).toBeGreaterThan(0)
    expect(p99Of(outs)).toBeGreaterThan(0)
    // Shards never reuse a correlation id (load-s<i>-…), nor collide with the single process.
    expect(ids.size).toBe(served)

    const merge = () => cli(["merge", run, "--out", run, "--threshold", "requests >= 1", "--json"])
    const first = await merge()
    expect(first.code, first.stderr).toBe(0)
    const report = json(first.stdout)
    expect(report.shards).toHaveLength(4)
    const p = report.pipelines[0]
    expect(p.requests).toBe(shardRequests)
    expect(p.errors).toBe(outs.reduce((n, o) => n + o.errors, 0))
    expect(p.latency.count).toBe(shardRequests)
    expect(p.latency.p99).toBeGreaterThan(0)
    expect(p.thresholds.map((t: { expression: string; verdict: string }) => [t.expression, t.verdict])).toEqual([
      ["p99 < 60s", "pass"],
      ["errors >= 0", "pass"],
      ["requests >= 1", "pass"]
    ])
    const path = join(run, Pipeline.pathOf({ kind: "baseline", name: "load" }))
    const merged = Pipeline.Result.parse(JSON.parse(readFileSync(path, "utf8")))
    // Bucket for bucket: the merged histogram is the sum of the shards' raw histograms.
    const expected = Histogram.make()
    for (const o of outs) Histogram.addInto(expected, Histogram.decode(o.histogram))
    expect(merged.latency.encoded).toBe(Histogram.encode(expected).encoded)
    const fromFiles = Histogram.make()
    for (const i of [0, 1, 2, 3]) {
      const r = Pipeline.Result.parse(
        JSON.parse(readFileSync(join(run, "shards", String(i), Pipeline.pathOf(merged)), "utf8"))
      )
      Histogram.addInto(fromFiles, Histogram.decode(r.latency))
    }
    expect(Histogram.encode(fromFiles).encoded).toBe(merged.latency.encoded)
    expect(merged.windows.reduce((n, w) => n + w.requests, 0)).toBe(shardRequests)

    // Merging the same shards again gives identical outputs.
    const bytes = readFileSync(path, "utf8")
    const second = await merge()
    expect(second.code, second.stderr).toBe(0)
    expect(second.stdout).toBe(first.stdout)
    expect(readFileSync(path, "utf8")).toBe(bytes)

    // The reports render from the merged run directory; a threshold failing on the merged data exits 1.
    const [junit, strict] = await Promise.all([
      cli(["report", "junit", run, "--json"]),
      cli(["merge", run, "--out", join(run, "strict"), "--threshold", "requests > 1000000", "--json"])
    ])
    expect(junit.code, junit.stderr).toBe(0)
    expect(readFileSync(join(run, "results", "junit.xml"), "utf8")).toContain("baseline")
    expect(strict.code).toBe(1)
    // A merge into another directory takes the run's run.json along, so reports render there too.
    expect(readFileSync(join(run, "strict", "run.json"), "utf8")).toBe(readFileSync(join(run, "run.json"), "utf8"))
    expect(json(strict.stdout).pipelines[0].verdict).toBe("fail")
  })

  it("bad input exits 2 naming the value", { timeout: 240_000 }, async () => {
    const [bad, none] = await Promise.all([
      cli(["load", url, "--shard", "4/4", "--rate", "10/s", "--json"]),
      cli(["merge", join(run, "nope"), "--out", join(run, "x"), "--json"])
    ])
    expect(bad.code).toBe(2)
    expect(bad.stdout).toContain("got 4")
    expect(none.code).toBe(2)
    expect(none.stdout).toContain("is not a directory")
  })
})
