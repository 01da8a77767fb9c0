/**
 * The checkout scenario: the whole reliability process on one small system, end to end, composed from the library's
 * pipelines — no hand-written load loops, fault bookkeeping or finding payloads.
 *
 *   checkout service (SUT, ./sut.ts) ──► TcpProxy (chaos) ──► payments upstream (HttpMock, failure switches)
 *
 * Phases, checkpointed in runs/checkout/run-YYYY-MM-DD-NN/ (a rerun resumes after the last completed one):
 *   research · simulate (datasets) · pipelines (harness doc) · execute (five pipelines, silent-failure probes,
 *   findings) · dx-review · report (telemetry, JUnit) · recommend (recommendations, FINAL_REPORT.md, report.html)
 *
 *   npm start                  # embedded defaults (seed 42); exits 1 when a pipeline's verdict fails
 *   H24_SEED=7 npm start       # another seed; the run records it
 */
import { copyFile, mkdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { FaultSchedule, Toxic } from "@24h/chaos"
import { Check, Histogram, Load, Log, Pipeline, Run, Seed } from "@24h/core"
import { FromRun, Junit, Ledger } from "@24h/findings"
import { Adversarial, Dataset, FailureSwitch, Packs } from "@24h/mocks"
import { FinalReport, HtmlReport, LogAnalysis, Recommendations, Scorecard, SilentFailures } from "@24h/reporting"
import { Effect } from "effect"
import * as World from "./world.ts"

export interface ScenarioOptions {
  /** Where runs go. Default `runs`. */
  readonly root?: string
  /** Root seed. Default `H24_SEED`, else 42. */
  readonly seed?: Seed.Root
  /** Scales every pipeline's duration (1 = the defaults in content/harness.md). */
  readonly scale?: number
  /** Records written per tier in mocks/. Default 1,000 (scale tier 10,000). */
  readonly datasetCount?: number
  /** Plant a bug in the SUT (tests use it to show the audits can fail the run). */
  readonly plantedBug?: "double-charge"
}

const ENTRY = "checkout"
const AGENT = "24h-example/checkout"
const content = (name: string) => fileURLToPath(new URL(`./content/${name}`, import.meta.url))
export const program = (options: ScenarioOptions = {}) =>
  Effect.gen(function* () {
    const seed = options.seed ?? (process.env.H24_SEED ? (yield* Seed.parse(process.env.H24_SEED)).root : 42)
    const run = yield* Run.make({
      root: options.root ?? "runs",
      seed,
      resume: "latest",
      metadata: {
        ENTRY_ID: ENTRY,
        ENTRY_TITLE: "Checkout: charging a payments upstream through faults",
        PRIORITY: "P1",
        RISK_CLASS: "high",
        INDUSTRY: "fintech / e-commerce",
        DEPLOYMENT_MODE: "in-process simulation",
        MISSION_BRIEF: "Find how checkout behaves when payments is slow, resets, corrupts bodies or goes down."
      }
    })
    return yield* inRun(run, options).pipe(
      Effect.provide(Log.layer({ dir: run.dir, pretty: false })),
      Effect.provideService(Seed.RootSeed, run.seed)
    )
  })

const inRun = (run: Run.Run, options: ScenarioOptions) =>
  Effect.gen(function* () {
    const ms = (s: number) => Math.max(250, Math.round(s * 1000 * (options.scale ?? 1)))
    const { seed, dir } = run
    const count = options.datasetCount ?? 1000
    const copy = (name: string, to: string) => Effect.promise(() => copyFile(content(name), join(dir, to)))
    yield* Run.phase(run, "research", copy("research.md", `research/${ENTRY}-summary.md`))
    yield* Run.phase(
      run,
      "simulate",
      Effect.forEach(Dataset.tiers, (tier) =>
        Dataset.write(Packs.payment, {
          tier,
          seed: Seed.derive(seed, "mocks/payments"),
          count: tier === "scale" ? count * 10 : count,
          path: join(dir, "mocks", `payments-${tier}.ndjson`),
          progress: false
        }).pipe(Effect.map((s) => ({ tier, records: s.records })))
      )
    )
    yield* Run.phase(
      run,
      "pipelines",
      Effect.promise(() => mkdir(join(dir, "pipelines"), { recursive: true })).pipe(
        Effect.andThen(copy("harness.md", "pipelines/README.md"))
      )
    )

    const executed = yield* Run.phase(
      run,
      "execute",
      Effect.gen(function* () {
        const w = yield* World.make(seed, options.plantedBug)
        // ── the five pipelines ────────────────────────────────────────────────────────────────────────────────
        const baseline = yield* Pipeline.baseline({
          name: "checkout",
          load: { model: Load.constantRate({ rate: 20, duration: ms(2) }), iteration: w.checkout },
          thresholds: ["p95 < 150ms", "errorRate < 1%"],
          checks: [w.everyAcceptedIsCharged],
          windowMs: 250
        })
        const stress = yield* Pipeline.stress({
          name: "ramp-to-150",
          load: {
            model: Load.rampingRate({ stages: [{ target: 150, duration: ms(2) }], vus: 200 }),
            iteration: w.checkout
          },
          thresholds: ["p99 < 1s", "errorRate < 1%", "dropped == 0"],
          windowMs: 250
        })
        const latency = Toxic.latency({ name: "latency", latency: 120, jitter: 40 })
        const slow = Toxic.latency({ name: "slow", latency: 400, jitter: 200 })
        const chaos = yield* Pipeline.chaos({
          name: "payments-latency-then-slow-answers",
          load: { model: Load.constantRate({ rate: 40, duration: ms(3) }), iteration: w.checkout },
          faults: [
            { fault: FaultSchedule.toxic(w.proxy, latency, "latency 120±40 ms"), at: 0, duration: ms(1.4) },
            {
              fault: FaultSchedule.toxic(w.proxy, slow, "slow answers 400±200 ms"),
              at: ms(1.5),
              duration: ms(1.4)
            }
          ],
          steadyState: w.healthy,
          thresholds: ["errorRate < 5%", "p99 < 2s"],
          checks: [w.everyAcceptedIsCharged, w.atMostOneCharge],
          windowMs: 250
        })
        const rng = Seed.stream(Seed.derive(seed, "hostile"))
        const hostile = [
          ...Array.from({ length: 40 }, () =>
            JSON.stringify({ orderId: Adversarial.pick(rng), amountMinor: 100, currency: "EUR" })
          ),
          ...Adversarial.poisonKeys.map(
            (k) => `{"${k}":{"isAdmin":true},"orderId":"o-1","amountMinor":100,"currency":"EUR"}`
          ),
          JSON.stringify({ orderId: "o-2", amountMinor: -5, currency: "EUR" }),
          JSON.stringify({ orderId: Adversarial.oversized(70 * 1024), amountMinor: 1, currency: "EUR" }),
          "{not json"
        ]
        const before = yield* w.chargeCount
        const adversarial = yield* Pipeline.adversarial({
          name: "hostile-orders",
          load: { model: Load.iterations(hostile.length, 4), iteration: yield* w.refuse(hostile) },
          thresholds: ["errorRate == 0"],
          checks: [
            Effect.map(w.chargeCount, (n) =>
              Check.make("hostile input is never charged", n === before, {
                source: "audit",
                message: `${n - before} charges`
              })
            )
          ],
          windowMs: 250
        })
        const outage = FailureSwitch.fault(w.payments, [{ kind: "error", rate: 1, status: 503 }], {
          name: "payments answers 503"
        })
        const recovery = yield* Pipeline.recovery({
          name: "payments-outage",
          load: { model: Load.constantRate({ rate: 20, duration: ms(3) }), iteration: w.checkout },
          faults: [{ fault: outage, at: ms(0.5), duration: ms(1) }],
          steadyState: w.healthy,
          recovery: { interval: "50ms", timeout: "10s" },
          thresholds: ["recoveryMs < 2s"],
          windowMs: 250
        })

        const probes = [
          yield* w.silentFailure("malformed 200 body", { kind: "malformed", rate: 1 }),
          yield* w.silentFailure("drifted 200 body (chargeId renamed)", {
            kind: "drift",
            fieldRate: 1,
            operations: ["rename"]
          })
        ]
        const results = [baseline, stress, chaos, adversarial, recovery]
        const p95 = (r: Pipeline.Result) => Histogram.summary(Histogram.decode(r.latency)).p95
        return {
          results: results.map((r) => ({ kind: r.kind, name: r.name, verdict: r.verdict, p95: p95(r) })),
          probes
        }
      }).pipe(Effect.scoped, Effect.provideService(Run.CurrentRun, run))
    )

    // ── findings, from what the run judged (the ledger deduplicates by fingerprint on resume) ────────────────────
    const replay = `${run.metadata.replay} npm start`
    const context: FromRun.Context = {
      entryId: ENTRY,
      agent: AGENT,
      replay,
      seed: run.metadata.seed,
      runId: run.metadata.runId
    }
    const findings = yield* Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      if ((yield* ledger.list()).length > 0) return yield* ledger.list()
      for (const p of executed.probes.filter((x) => x.silent)) {
        const expected = "502: a charge is confirmed only by a valid chargeId"
        const f = yield* ledger.add(
          FromRun.probe({ ...p, expected }, { ...context, component: "checkout → payments client" })
        )
        yield* Effect.logInfo(`finding ${f.id} filed: ${f.title}`).pipe(
          Log.withComponent("findings"),
          Log.withCorrelationId(p.correlationId)
        )
      }
      for (const input of FromRun.results(yield* Pipeline.readAll(dir), context)) yield* ledger.add(input)
      return yield* ledger.list()
    }).pipe(Effect.provide(Ledger.layerFile({ dir })))

    const review = JSON.parse(yield* Effect.promise(() => readFile(content("dx-review.json"), "utf8")))
    yield* Run.phase(run, "dx-review", Scorecard.write(dir, review))
    yield* Run.phase(
      run,
      "report",
      Effect.gen(function* () {
        const probes = executed.probes.map((p) => ({
          name: p.name,
          pipeline: "execute",
          method: "switch payments to a corrupted 200 and compare checkout's answer with payments' state",
          outcome: p.silent ? ("detected" as const) : ("clean" as const),
          evidence: ["results/logs/run.log"],
          details: `checkout answered ${p.observed}`
        }))
        yield* SilentFailures.write(dir, { probes })
        yield* LogAnalysis.analyzeRun(dir)
        return { junit: (yield* Junit.write(dir)).path }
      })
    )
    const silent = findings.filter((f) => f.type === "silent_failure").map((f) => f.id)
    const cites = silent.length > 0 ? silent : ["results/silent-failures.json"]
    yield* Run.phase(
      run,
      "recommend",
      Effect.gen(function* () {
        yield* Recommendations.write(dir, {
          framework: [
            {
              text: "Validate every payments response body (a well-formed chargeId) before answering 201.",
              cites,
              priority: "high"
            },
            {
              text: "Keep the Idempotency-Key on every retry; the chaos audit checks it.",
              cites: [Pipeline.pathOf(executed.results[2]!)]
            }
          ],
          persona: [
            {
              text: "Reconcile 'charged' orders against the payment provider daily until body validation ships.",
              cites,
              priority: "high"
            }
          ]
        })
        yield* FinalReport.write(dir)
        yield* HtmlReport.write(dir)
      })
    )
    return {
      dir,
      pipelines: executed.results,
      findings: findings.map((f) => ({ id: f.id, type: f.type, severity: f.severity, title: f.title })),
      probes: executed.probes.map((p) => ({ name: p.name, outcome: p.silent ? "detected" : "clean" })),
      artifacts: {
        finalReport: join(dir, "FINAL_REPORT.md"),
        html: join(dir, "report.html"),
        junit: join(dir, "results", "junit.xml")
      },
      replay: run.metadata.replay,
      exitCode: Pipeline.exitCode(executed.results)
    }
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // H24_CHECKOUT_BUG=double-charge plants the bug; H24_CHECKOUT_SCALE=0.3 shortens the pipelines.
  const bug = process.env.H24_CHECKOUT_BUG === "double-charge" ? "double-charge" : undefined
  const scale = Number(process.env.H24_CHECKOUT_SCALE ?? 1)
  const r = await Effect.runPromise(program({ scale, ...(bug && { plantedBug: bug }) }))
  console.log(`24h checkout scenario — ${r.dir}`)
  for (const p of r.pipelines)
    console.log(
      `  ${p.verdict === "pass" ? "✓" : "✗"} ${p.kind.padEnd(12)} ${p.name.padEnd(36)} ${p.verdict.padEnd(7)} p95 ${p.p95.toFixed(1)} ms`
    )
  for (const p of r.probes)
    console.log(`  ${p.outcome === "detected" ? "!" : "✓"} silent-failure probe: ${p.name} — ${p.outcome}`)
  console.log(`  ${r.findings.length} findings: ${r.findings.map((f) => `${f.id} ${f.type}/${f.severity}`).join(", ")}`)
  console.log(
    `  report    ${r.artifacts.finalReport}\n  html      ${r.artifacts.html}\n  junit     ${r.artifacts.junit}`
  )
  console.log(`  replay    ${r.replay} npm start`)
  if (r.exitCode !== 0) console.log("  exit 1: a pipeline's verdict failed (see FINAL_REPORT.md)")
  process.exitCode = r.exitCode
}
