/**
 * What tracing costs TcpProxy: the same proxy with `Telemetry.layer` (tracing on: a `TcpProxy.connection` span per
 * connection, the `24h.proxy.*` counters) against tracing off, with an A/A control, in many short interleaved rounds.
 *
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/TcpProxyTracing.ts            # 24 rounds, pinned
 *   npx tsx --conditions=@24h/source packages/chaos/benchmark/TcpProxyTracing.ts --rounds 6 --mib 16   # quick
 *
 * Why this shape: a single long transfer per target moves by 10–20% between two identical proxies on this 2-core
 * machine (scheduling, GC timing), which is more than the 5% to resolve (issue #16). So:
 * - three targets in this process, built by the same code: A (tracing off), B (tracing on), A′ (tracing off again:
 *   the A/A control, whose ratio to A is the noise floor);
 * - every round runs the three in a seeded random order, so no target always follows the same neighbour; two
 *   warm-up rounds are discarded;
 * - each round's ratio is B/A (and A′/A) of that round; the figure is the median of the per-round ratios with a 95%
 *   bootstrap confidence interval over rounds (seeded resampling);
 * - B's windows include flushing its own telemetry (`Telemetry.flush`), so the export of its spans and metrics is
 *   charged to it and never lands in a neighbour's window;
 * - with `taskset` present, this process (the proxies) runs on CPU 0 and the peers (servers and clients, a child
 *   process) on CPU 1, so the two never take each other's core (`--no-pin` to turn off).
 *
 * Workloads (the peers in `child/peer.ts`): 1 connection × N MiB and 32 connections × N/32 MiB to a sink (MB/s, and
 * this process's CPU per GiB over both), and connection churn (2,000 short connections of 1 KiB each, 8 at a time,
 * through an echo server: connections/s and CPU per connection), where the per-connection span is paid.
 *
 * A ratio "holds ≤ 5%" when its whole confidence interval is within 5% of 1 on the slower side; it is "resolved" only
 * if the A/A interval is within ±5% too (otherwise the run could not have seen a 5% difference).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Seed, Telemetry } from "@24h/core"
import { Effect, Exit, Layer, Scope } from "effect"
import { TcpProxy } from "../src/index.ts"
import type { PeerRequest } from "./child/peer.ts"

const args = process.argv.slice(2)
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : dflt
}
const ROUNDS = flag("rounds", 24)
const MIB = flag("mib", 512)
const CHURN = flag("churn", 4000)
const SEED = flag("seed", 1)
const WARMUP = 2
const hasTaskset = spawnSync("taskset", ["-V"]).status === 0
const pin = hasTaskset && !args.includes("--no-pin")

// Pinned: run again under `taskset -c 0` (the peers go to CPU 1), once.
if (pin && process.env.H24_BENCH_PINNED === undefined) {
  const r = spawnSync(
    "taskset",
    ["-c", "0", process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...args],
    {
      stdio: "inherit",
      env: { ...process.env, H24_BENCH_PINNED: "1" }
    }
  )
  process.exit(r.status ?? 1)
}

const children = new Set<ChildProcess>()
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL")
})

const peerPath = fileURLToPath(new URL("./child/peer.ts", import.meta.url))
const nodeArgs = ["--import", "tsx", "--conditions=@24h/source", peerPath]
const [command, ...commandArgs] = pin
  ? ["taskset", "-c", "1", process.execPath, ...nodeArgs]
  : [process.execPath, ...nodeArgs]
const peer = spawn(command!, commandArgs, { stdio: ["ignore", "inherit", "inherit", "ipc"] })
children.add(peer)
const ask = <A>(m: PeerRequest) =>
  new Promise<A>((resolve) => {
    peer.once("message", (a) => resolve(a as A))
    peer.send(m)
  })

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const rng = Seed.stream(Seed.derive(Seed.make(SEED), "TcpProxyTracing"))
/** Median of `ratios` and its 95% bootstrap percentile interval (2,000 seeded resamples). */
const estimate = (ratios: ReadonlyArray<number>) => {
  const meds: Array<number> = []
  for (let b = 0; b < 2000; b++) meds.push(median(ratios.map(() => ratios[rng.nextInt(0, ratios.length - 1)]!)))
  meds.sort((a, b) => a - b)
  return {
    median: median(ratios),
    lo: meds[Math.floor(0.025 * meds.length)]!,
    hi: meds[Math.ceil(0.975 * meds.length) - 1]!
  }
}

const main = async () => {
  const ports = await ask<{ sink: number; echo: number }>({ kind: "init" })
  const scope = await Effect.runPromise(Scope.make())
  const dir = mkdtempSync(join(tmpdir(), "24h-bench-tcpproxy-tracing-"))
  try {
    const traced = await Effect.runPromise(Layer.buildWithScope(Telemetry.layer({ dir, endpoint: null }), scope))
    const proxy = (upstream: number, tracing: boolean) =>
      Effect.runPromise(
        Scope.provide(scope)(
          TcpProxy.make({ upstream: `127.0.0.1:${upstream}`, seed: SEED }).pipe(
            tracing ? Effect.provide(traced) : (x) => x
          )
        )
      )
    const flushTraced = () => Effect.runPromise(Telemetry.flush.pipe(Effect.provide(traced)))
    const target = async (name: string, tracing: boolean) => ({
      name,
      tracing,
      sink: (await proxy(ports.sink, tracing)).port,
      echo: (await proxy(ports.echo, tracing)).port
    })
    const targets = [
      await target("A  tracing off", false),
      await target("B  tracing on", true),
      await target("A′ tracing off (A/A)", false)
    ]
    type Sample = { one: number; many: number; cpuPerGiB: number; churn: number; cpuPerConn: number }
    const samples: Array<Array<Sample>> = targets.map(() => [])
    const bytes = MIB * 1024 * 1024
    /** Runs `f`, then B's flush when `t` is B, and returns wall ms and this process's CPU µs for both together. */
    const timed = async (t: (typeof targets)[number], f: () => Promise<unknown>) => {
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      await f()
      if (t.tracing) await flushTraced()
      const cpu = process.cpuUsage(cpu0)
      return { ms: performance.now() - t0, cpuUs: cpu.user + cpu.system }
    }
    const started = performance.now()
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      for (const i of rng.shuffle([0, 1, 2])) {
        const t = targets[i]!
        const one = await timed(t, () => ask({ kind: "throughput", port: t.sink, conns: 1, bytesEach: bytes }))
        const many = await timed(t, () => ask({ kind: "throughput", port: t.sink, conns: 32, bytesEach: bytes / 32 }))
        const churn = await timed(t, () =>
          ask({ kind: "churn", port: t.echo, conns: CHURN, concurrency: 8, bytesEach: 1024 })
        )
        if (round < WARMUP) continue
        if (args.includes("--raw"))
          console.log(
            `round ${round - WARMUP + 1} ${t.name.padEnd(22)} 1 conn ${(bytes / 1e3 / one.ms).toFixed(0)} MB/s, 32 conns ${(bytes / 1e3 / many.ms).toFixed(0)} MB/s, CPU ${((one.cpuUs + many.cpuUs) / 1e6 / ((2 * bytes) / 2 ** 30)).toFixed(3)} s/GiB, churn ${(CHURN / (churn.ms / 1000)).toFixed(0)} conn/s, ${(churn.cpuUs / CHURN).toFixed(0)} µs/conn`
          )
        samples[i]!.push({
          one: bytes / 1e6 / (one.ms / 1000),
          many: bytes / 1e6 / (many.ms / 1000),
          cpuPerGiB: (one.cpuUs + many.cpuUs) / 1e6 / ((2 * bytes) / 2 ** 30),
          churn: CHURN / (churn.ms / 1000),
          cpuPerConn: churn.cpuUs / CHURN
        })
      }
      if (process.stderr.isTTY) process.stderr.write(`\r  round ${round + 1}/${WARMUP + ROUNDS}`)
    }
    if (process.stderr.isTTY) process.stderr.write("\n")
    const [a, b, a2] = samples as [Array<Sample>, Array<Sample>, Array<Sample>]
    const metrics: Array<{ key: keyof Sample; label: string; higherIsBetter: boolean; unit: string }> = [
      { key: "one", label: "1 connection, MB/s", higherIsBetter: true, unit: "MB/s" },
      { key: "many", label: "32 connections, MB/s", higherIsBetter: true, unit: "MB/s" },
      { key: "cpuPerGiB", label: "proxy CPU per GiB", higherIsBetter: false, unit: "s/GiB" },
      { key: "churn", label: "churn, connections/s", higherIsBetter: true, unit: "conn/s" },
      { key: "cpuPerConn", label: "proxy CPU per connection", higherIsBetter: false, unit: "µs" }
    ]
    console.log(
      `\nTcpProxy, tracing on vs off — ${ROUNDS} rounds (+${WARMUP} warm-up) × (${MIB} MiB ×2, ${CHURN} short connections), ${pin ? "pinned (proxies CPU 0, peers CPU 1)" : "not pinned"}, seed ${SEED}, Node ${process.version}, ${((performance.now() - started) / 1000).toFixed(0)} s\n`
    )
    console.log("| workload | off (A) | on (B) | B / A [95% CI] | A′ / A (A/A) [95% CI] | ≤ 5% slower |")
    console.log("|---|---:|---:|---:|---:|---|")
    const fmt = (e: { median: number; lo: number; hi: number }) =>
      `${e.median.toFixed(3)}× [${e.lo.toFixed(3)}, ${e.hi.toFixed(3)}]`
    for (const m of metrics) {
      const on = estimate(b.map((s, i) => s[m.key] / a[i]![m.key]))
      const aa = estimate(a2.map((s, i) => s[m.key] / a[i]![m.key]))
      // Slower means a lower MB/s or connections/s, a higher CPU per unit.
      const holds = m.higherIsBetter ? on.lo >= 0.95 : on.hi <= 1.05
      const exceeds = m.higherIsBetter ? on.hi < 0.95 : on.lo > 1.05
      const resolved = aa.lo >= 0.95 && aa.hi <= 1.05
      const verdict = !resolved
        ? "unresolved (A/A wider than ±5%)"
        : holds
          ? "yes"
          : exceeds
            ? "no (slower by more than 5%)"
            : "not shown (the interval crosses 5%)"
      const abs = (xs: Array<Sample>) => median(xs.map((s) => s[m.key]))
      const digits = m.unit === "s/GiB" ? 3 : 0
      console.log(
        `| ${m.label} | ${abs(a).toFixed(digits)} | ${abs(b).toFixed(digits)} | ${fmt(on)} | ${fmt(aa)} | ${verdict} |`
      )
    }
    // The peers' last connections close a moment after their reply: let the proxy see them close before flushing.
    await new Promise((r) => setTimeout(r, 250))
    await flushTraced()
    const spans = (await Effect.runPromise(Telemetry.readSpans(dir))).filter((s) => s.name === "TcpProxy.connection")
    const points = await Effect.runPromise(Telemetry.readMetrics(dir))
    const mib = points.filter((p) => p.name === "24h.proxy.bytes").reduce((n, p) => n + p.value, 0) / 2 ** 20
    const expected = (WARMUP + ROUNDS) * (1 + 32 + CHURN)
    console.log(
      `\n(B recorded ${spans.length.toLocaleString("en")} TcpProxy.connection spans for ${expected.toLocaleString("en")} connections, and ${mib.toFixed(0)} MiB in 24h.proxy.bytes)`
    )
  } finally {
    await ask({ kind: "close" })
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
