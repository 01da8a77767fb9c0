import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Fault, Pipeline, SteadyState } from "@24h/core"
import { Effect, Exit } from "effect"
import { request } from "undici"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import * as Sut from "../src/Sut.ts"
import { acquire } from "./helpers.ts"

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "24h-sut-"))
const logDir = path.join(dir, "logs")
const server = path.join(dir, "server.cjs")
fs.writeFileSync(
  server,
  `const http = require("node:http")
const port = Number(process.env.PORT)
let n = 0
http.createServer((req, res) => { n++; res.end("ok " + n) }).listen(port, "127.0.0.1", () => console.log("listening on " + port))
process.on("SIGTERM", () => {
  if (process.env.IGNORE_TERM) { console.log("ignoring SIGTERM"); return }
  console.log("bye"); process.exit(0)
})
console.error("starting pid " + process.pid)
`
)

const cleanups: Array<() => Promise<void>> = []
const pids: Array<number> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  // No process is left behind, whatever the test did.
  for (const pid of pids.splice(0)) expect(alive(pid)).toBe(false)
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Running (a zombie nobody reaped, e.g. under a container's PID 1, counts as gone). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"))
  } catch {
    return false
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

const start = async (options: Partial<Sut.Options> & { port?: number } = {}) => {
  const port = options.port ?? (await freePort())
  const { value, close } = await acquire(
    Sut.make({
      name: "api",
      command: process.execPath,
      args: [server],
      ready: { port },
      logDir,
      readyTimeoutMs: 10_000,
      ...options,
      env: { PORT: String(port), ...options.env }
    })
  )
  cleanups.push(close)
  if (value.pid !== undefined) pids.push(value.pid)
  return { sut: value, port, close }
}

const get = async (port: number, timeoutMs = 2000) => {
  const res = await request(`http://127.0.0.1:${port}/`, {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    reset: true
  })
  return res.body.text()
}

const run = <A, E>(eff: Effect.Effect<A, E>) => Effect.runPromise(eff)

describe("Sut: start, readiness, logs", () => {
  it("spawns, waits for the port, and writes stdout and stderr to <logDir>/<name>.log", async () => {
    const { sut, port } = await start()
    expect(sut.running).toBe(true)
    expect(await get(port)).toBe("ok 1")
    expect(sut.logPath).toBe(path.join(logDir, "api.log"))
    const log = fs.readFileSync(sut.logPath, "utf8")
    expect(log).toContain(`listening on ${port}`)
    expect(log).toContain(`starting pid ${sut.pid}`)
  })

  it("readiness by HTTP status and by log line", async () => {
    const port = await freePort()
    const byHttp = await start({ name: "by-http", port, ready: { http: `http://127.0.0.1:${port}/` } })
    expect(await get(byHttp.port)).toMatch(/^ok/)
    await byHttp.close()
    const byLog = await start({ name: "by-log", ready: { log: /listening on \d+/ } })
    expect(await get(byLog.port)).toMatch(/^ok/)
  })

  it("NotReady when it exits first (with the exit code and the log tail) or times out", async () => {
    const exited = await Effect.runPromiseExit(
      Effect.scoped(
        Sut.make({
          name: "crasher",
          command: process.execPath,
          args: ["-e", 'console.error("boom: missing DATABASE_URL"); process.exit(3)'],
          ready: { port: 1 },
          logDir
        })
      )
    )
    expect(Exit.isFailure(exited)).toBe(true)
    const text = JSON.stringify(exited)
    expect(text).toContain("exited first (code 3")
    expect(text).toContain("boom: missing DATABASE_URL")
    const slow = await Effect.runPromiseExit(
      Effect.scoped(
        Sut.make({
          name: "sleeper",
          command: "sleep",
          args: ["30"],
          ready: { log: "never" },
          readyTimeoutMs: 300,
          logDir
        })
      )
    )
    expect(JSON.stringify(slow)).toContain("timed out after 300 ms")
  })

  it("bad options name the field and the value", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(Sut.make({ name: "a/b", command: "x" })))
    expect(JSON.stringify(exit)).toContain("Sut: name: must be letters, digits")
    expect(JSON.stringify(exit)).toContain('(got \\"a/b\\")')
    const spawnFail = await Effect.runPromiseExit(
      Effect.scoped(Sut.make({ name: "nope", command: "/no/such/binary", logDir }))
    )
    expect(JSON.stringify(spawnFail)).toContain("ENOENT")
  })
})

describe("Sut: process faults", () => {
  it("pause makes a client's requests time out; resume lets them through", async () => {
    const { sut, port } = await start()
    expect(await get(port)).toBe("ok 1")
    await run(sut.pause)
    await expect(get(port, 400)).rejects.toMatchObject({ code: "UND_ERR_HEADERS_TIMEOUT" })
    await run(sut.resume)
    expect(await get(port)).toMatch(/^ok/)
  })

  it("restart: a new process, serving again, with the time it took", async () => {
    const { sut, port } = await start()
    const before = sut.pid!
    const { pid, tookMs } = await run(sut.restart)
    pids.push(pid)
    expect(pid).not.toBe(before)
    expect(alive(before)).toBe(false)
    expect(tookMs).toBeGreaterThan(0)
    expect(await get(port)).toBe("ok 1")
    expect(await run(sut.unexpectedExits)).toEqual([])
    expect(fs.readFileSync(sut.logPath, "utf8")).toContain("bye")
  })

  it("terminate escalates to SIGKILL after the grace period", async () => {
    const { sut } = await start({ env: { IGNORE_TERM: "1" }, graceMs: 300 })
    const pid = sut.pid!
    await run(sut.terminate)
    expect(alive(pid)).toBe(false)
    expect(sut.running).toBe(false)
    expect(fs.readFileSync(sut.logPath, "utf8")).toContain("ignoring SIGTERM")
  })

  it("kill -9 from outside mid-run is reported with its signal and log tail, and fails the check", async () => {
    const { sut, port } = await start()
    const seen: Array<Sut.UnexpectedExit> = []
    sut.onUnexpectedExit((e) => seen.push(e))
    await get(port)
    process.kill(sut.pid!, "SIGKILL")
    await expect.poll(() => seen.length).toBe(1)
    const [e] = await run(sut.unexpectedExits)
    expect(e).toMatchObject({
      _tag: "UnexpectedExit",
      name: "api",
      code: null,
      signal: "SIGKILL",
      logPath: sut.logPath
    })
    expect(e!.logTail.join("\n")).toContain(`listening on ${port}`)
    const verdict = Sut.check(sut.name, [e!])
    expect(verdict.outcome).toBe("fail")
    expect(verdict.message).toContain("exited unexpectedly 1 time(s)")
    expect(verdict.evidence?.[0]).toContain("on SIGKILL")
    expect(Sut.check(sut.name, []).outcome).toBe("pass")
  })

  it("as core Faults: pause/resume and kill/start on a schedule, not reported as unexpected", async () => {
    const { sut, port } = await start()
    await run(
      Fault.during(
        Sut.fault(sut, "pause"),
        Effect.sync(() => expect(sut.paused).toBe(true))
      )
    )
    expect(sut.paused).toBe(false)
    expect(await get(port)).toMatch(/^ok/)
    const kill = Sut.fault(sut, "kill")
    expect(kill).toMatchObject({ target: "sut/api", name: "kill api" })
    await run(kill.apply)
    expect(sut.running).toBe(false)
    await expect(get(port, 300)).rejects.toThrow()
    await run(kill.revert)
    pids.push(sut.pid!)
    expect(await get(port)).toBe("ok 1")
    await run(Sut.fault(sut, "restart").apply)
    pids.push(sut.pid!)
    expect(await run(sut.unexpectedExits)).toEqual([])
  })

  it("a recovery pipeline measures the recovery time after a kill fault (revert: start again) and a pause", async () => {
    const { sut, port } = await start()
    const answers = SteadyState.make("the api answers", [
      SteadyState.probe(
        "GET /",
        Effect.promise(() =>
          get(port, 300).then(
            (t) => t.startsWith("ok"),
            () => false
          )
        )
      )
    ])
    const result = await run(
      Pipeline.recovery({
        name: "api crash and freeze",
        faults: [
          { fault: Sut.fault(sut, "kill"), at: "100ms", duration: "300ms" },
          { fault: Sut.fault(sut, "pause"), at: "1500ms", duration: "300ms" }
        ],
        steadyState: answers,
        recovery: { interval: "50ms", timeout: "10s" },
        thresholds: ["recoveryMs < 10s"],
        dir: path.join(dir, "results")
      })
    )
    pids.push(sut.pid!)
    expect(result.verdict).toBe("pass")
    expect(result.counts.recoveredWindows).toBe(2)
    expect(result.counts.recoveryMs).toBeGreaterThanOrEqual(0)
    expect(result.faultWindows.map((w) => w.name)).toEqual(["kill api", "pause api"])
    expect(await run(sut.unexpectedExits)).toEqual([])
  })

  it("leaves no process behind: the scope kills the whole process group", async () => {
    const { sut, close } = await start({
      name: "wrapper",
      command: "sh",
      args: ["-c", "sleep 300 & echo grandchild $!; wait"],
      ready: { log: "grandchild" }
    })
    const grandchild = Number(/grandchild (\d+)/.exec(fs.readFileSync(sut.logPath, "utf8"))![1])
    expect(alive(grandchild)).toBe(true)
    pids.push(grandchild)
    const pid = sut.pid!
    await close()
    expect(alive(pid)).toBe(false)
    await expect.poll(() => alive(grandchild)).toBe(false)
  })
})

describe("Sut: clock skew (Debian's faketime)", () => {
  it("runs the SUT with its clock offset, or fails with Unsupported naming the package", async () => {
    const options: Sut.Options = {
      name: "skewed",
      command: process.execPath,
      args: ["-e", "console.log('now ' + Date.now()); setInterval(() => {}, 1000)"],
      ready: { log: "now " },
      clock: { offset: "+1d" },
      logDir
    }
    if (Sut.faketimeLibrary() === undefined) {
      const exit = await Effect.runPromiseExit(Effect.scoped(Sut.make(options)))
      expect(JSON.stringify(exit)).toContain("apt-get install faketime")
      return
    }
    const t0 = Date.now()
    const { sut } = await start(options)
    // Readiness is seen on the output stream; the log file's copy of the line may land a moment later.
    let line: RegExpExecArray | null = null
    for (let i = 0; i < 100 && line === null; i++) {
      line = /now (\d+)/.exec(fs.readFileSync(sut.logPath, "utf8"))
      if (line === null) await new Promise((r) => setTimeout(r, 50))
    }
    expect(line, `no "now <ms>" line in ${sut.logPath}`).not.toBeNull()
    const shown = Number(line![1])
    expect(Math.abs(shown - t0 - 86_400_000)).toBeLessThan(60_000)
  })
})
