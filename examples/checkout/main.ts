/**
 * The checkout scenario: the whole reliability process on one small system, end to end.
 *
 *   checkout service (SUT, ./sut.ts) ──► TcpProxy (chaos) ──► payments upstream (HttpMock, failure switches)
 *
 * Phases, checkpointed in runs/checkout/run-YYYY-MM-DD-NN/ (a rerun resumes after the last completed one):
 *   research   research/checkout-summary.md — hypotheses and risks
 *   simulate   mocks/ — payment datasets in the four tiers (happy, edge, adversarial, scale)
 *   pipelines  pipelines/README.md — the harness and its knobs
 *   execute    the five pipelines (baseline, stress, chaos, adversarial, recovery), silent-failure probes, findings
 *   dx-review  dx-review/scorecard.json
 *   report     telemetry packs from the logs, results/junit.xml
 *   recommend  recommendations.json (each citing findings), FINAL_REPORT.md, report.html
 *
 *   npm start                  # runs it with the embedded defaults (seed 42)
 *   H24_SEED=7 npm start       # another seed; the run records it
 */

import { mkdir, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { TcpProxy, Toxic } from "@24h/chaos"
import { Histogram, Invariant, Log, Pipeline, Run, Seed } from "@24h/core"
import { Ledger } from "@24h/findings"
import { Adversarial, Dataset, type FailureSwitch, HttpMock, Packs, Verdict } from "@24h/mocks"
import { FinalReport, HtmlReport, Junit, LogAnalysis, Recommendations, Scorecard, SilentFailures } from "@24h/reporting"
import { Effect } from "effect"
import { Agent, request } from "undici"
import * as Checkout from "./sut.ts"

export interface ScenarioOptions {
  /** Where runs go. Default `runs`. */
  readonly root?: string
  /** Root seed. Default `H24_SEED`, else 42. */
  readonly seed?: Seed.Root
  /** Scales every pipeline's request count (1 = the defaults below). */
  readonly scale?: number
  /** Records written per tier in mocks/. Default 1,000 (scale tier 10,000). */
  readonly datasetCount?: number
}

export interface ScenarioResult {
  readonly dir: string
  readonly pipelines: ReadonlyArray<{
    readonly kind: string
    readonly name: string
    readonly verdict: string
    readonly p95: number
  }>
  readonly findings: ReadonlyArray<{
    readonly id: string
    readonly type: string
    readonly severity: string
    readonly title: string
  }>
  readonly probes: ReadonlyArray<{ readonly name: string; readonly outcome: string }>
  readonly artifacts: { readonly finalReport: string; readonly html: string; readonly junit: string }
  readonly replay: string
}

const ENTRY = "checkout"
const AGENT = "24h-example/checkout"

interface Reply {
  readonly status: number
  readonly body: { readonly status?: string; readonly chargeId?: unknown; readonly error?: string }
  readonly ms: number
}

/** One checkout call from a simulated client. */
const call = (agent: Agent, url: string, order: unknown, raw?: string): Promise<Reply> => {
  const started = performance.now()
  return request(`${url}/checkout`, {
    method: "POST",
    dispatcher: agent,
    headers: { "content-type": "application/json" },
    body: raw ?? JSON.stringify(order)
  }).then(async (res) => {
    const text = await res.body.text()
    let body: Reply["body"] = {}
    try {
      body = JSON.parse(text) as Reply["body"]
    } catch {
      body = { error: text }
    }
    return { status: res.statusCode, body, ms: performance.now() - started }
  })
}

/** Orders for one pipeline, from the payment pack's happy tier; ids are unique per pipeline (`label`). */
const orders = (seed: Seed.Seed, label: string, count: number) =>
  Dataset.sample(Packs.payment, { tier: "happy", seed: Seed.derive(seed, label), count }).map((p, i) => ({
    orderId: `ord-${label}-${i}`,
    amountMinor: Math.max(1, Math.min(100_000_000, Math.abs(p.amountMinor) || 1)),
    currency: ["EUR", "USD", "GBP", "JPY", "CHF", "SEK", "PLN", "KWD"].includes(p.currency) ? p.currency : "EUR"
  }))

/** Runs `count` calls with `concurrency` clients; every call is awaited (bounded in count). */
const drive = <A>(items: ReadonlyArray<A>, concurrency: number, f: (item: A, i: number) => Promise<void>) =>
  Effect.forEach(items, (item, i) => Effect.promise(() => f(item, i)), { concurrency, discard: true })

const research = (dir: string) =>
  writeFile(
    join(dir, "research", `${ENTRY}-summary.md`),
    `# Checkout — research summary

## System
A checkout service charging a payments upstream over HTTP, with a per-attempt timeout, retries with jittered backoff
and an Idempotency-Key per order.

## Hypotheses
1. Retries after timeouts or resets never double-charge (the idempotency key is sent on every attempt).
2. Hostile order input is rejected with 4xx before any charge is attempted.
3. A 2xx from payments whose body is malformed or drifted is *not* reported to the customer as charged.
4. After a payments outage the service recovers without a restart.

## Risks
- Silent failures: trusting status codes over bodies turns upstream corruption into lost money.
- Retry storms amplify an outage; missing jitter synchronises clients.

## Success criteria
p95 < 150 ms at baseline, error rate < 1% at baseline and < 5% under injected latency; no 5xx on hostile input;
recovery within 2 s of the outage ending.
`
  )

const pipelinesDoc = `# Harness

The pipelines are in \`examples/checkout/main.ts\`; each writes results/pipelines/<kind>-<name>.json.

| pipeline | knobs | expected |
|---|---|---|
| baseline | 60 × scale orders, 4 clients | p95 < 150 ms, errorRate < 1% |
| stress | 240 × scale orders, 16 clients | p99 < 1 s, errorRate < 1% |
| chaos | latency 120 ± 40 ms on payments' responses, then reset_peer at toxicity 0.2 | errorRate < 5%, every 201 has a charge |
| adversarial | hostile strings, prototype-poisoning keys, oversized bodies | always 4xx, never a charge |
| recovery | payments answers 503 for a window, then heals | recovered within 2 s |
`

export const program = (options: ScenarioOptions = {}) =>
  Effect.gen(function* () {
    const seedRoot = options.seed ?? (process.env.H24_SEED ? (yield* Seed.parse(process.env.H24_SEED)).root : 42)
    const run = yield* Run.make({
      root: options.root ?? "runs",
      seed: seedRoot,
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
    return yield* inRun(run, options).pipe(Effect.provide(Log.layer({ dir: run.dir, pretty: false })))
  }).pipe(Effect.withSpan("checkout-scenario"))

const inRun = (run: Run.Run, options: ScenarioOptions) =>
  Effect.gen(function* () {
    const scale = options.scale ?? 1
    const n = (x: number) => Math.max(10, Math.round(x * scale))
    const seed = run.seed
    const ledger = Ledger.layerFile({ dir: run.dir })

    yield* Run.phase(
      run,
      "research",
      Effect.promise(() => research(run.dir))
    )

    yield* Run.phase(
      run,
      "simulate",
      Effect.forEach(Dataset.tiers, (tier) =>
        Dataset.write(Packs.payment, {
          tier,
          seed: Seed.derive(seed, "mocks/payments"),
          count: tier === "scale" ? (options.datasetCount ?? 1000) * 10 : (options.datasetCount ?? 1000),
          path: join(run.dir, "mocks", `payments-${tier}.ndjson`),
          progress: false
        }).pipe(Effect.map((s) => ({ tier, records: s.records })))
      )
    )

    yield* Run.phase(
      run,
      "pipelines",
      Effect.promise(async () => {
        await mkdir(join(run.dir, "pipelines"), { recursive: true })
        await writeFile(join(run.dir, "pipelines", "README.md"), pipelinesDoc)
      })
    )

    const executed = yield* Run.phase(
      run,
      "execute",
      Effect.gen(function* () {
        // ── the simulated world ──────────────────────────────────────────────────────────────────────────────
        const payments = yield* HttpMock.make({
          seed: Seed.derive(seed, "mocks/payments-service"),
          routes: [
            {
              id: "charge",
              method: "POST",
              path: "/charges",
              respond: (req) => ({
                status: 200,
                json: {
                  chargeId: `ch_${(req.json as { orderId?: string } | undefined)?.orderId ?? "unknown"}`,
                  status: "succeeded"
                }
              })
            }
          ]
        })
        const proxy = yield* TcpProxy.make({
          name: "payments",
          upstream: `127.0.0.1:${payments.port}`,
          seed: Seed.derive(seed, "chaos/payments")
        })
        const sut = yield* Checkout.make({ paymentsUrl: `http://127.0.0.1:${proxy.port}`, seed })
        const client = new Agent({ connections: 16 })
        yield* Effect.addFinalizer(() => Effect.promise(() => client.close()))
        yield* Effect.logInfo("world up", { sut: sut.url, proxy: proxy.listen, payments: payments.url }).pipe(
          Log.withComponent("scenario")
        )

        const chargedIds = async () => {
          const j = await Effect.runPromise(payments.journal)
          return new Set(j.requests.filter((r) => r.path === "/charges").map((r) => r.idempotencyKey))
        }

        /** A pipeline of checkouts: records latency and checks the response contract. */
        const checkouts = (
          kind: Pipeline.Kind,
          name: string,
          list: ReadonlyArray<unknown>,
          concurrency: number,
          thresholds: ReadonlyArray<string>,
          extra?: (rec: Pipeline.Recorder, inv: Invariant.Catalog) => Effect.Effect<void>
        ) => {
          const invariants = Invariant.catalog()
          const contract = invariants.always("every answer is 201 charged or a 4xx/502 with an error")
          const ids = Log.correlationIds(`${kind}`)
          return Pipeline.run({ kind, name, thresholds, invariants, windowMs: 250 }, (rec) =>
            Effect.gen(function* () {
              if (extra) yield* extra(rec, invariants)
              yield* drive(list, concurrency, async (order) => {
                const r = await call(client, sut.url, order)
                const ok = r.status === 201 && r.body.status === "charged"
                rec.record(r.ms, ok)
                contract.check(
                  ok || ((r.status === 502 || (r.status >= 400 && r.status < 500)) && typeof r.body.error === "string"),
                  {
                    status: r.status,
                    correlationId: ids()
                  }
                )
              })
            })
          )
        }

        // ── 1 baseline ──────────────────────────────────────────────────────────────────────────────────────
        const baseline = yield* checkouts("baseline", "checkout", orders(seed, "baseline", n(60)), 4, [
          "p95 < 150ms",
          "errorRate < 1%"
        ])

        // ── 2 stress ────────────────────────────────────────────────────────────────────────────────────────
        const stress = yield* checkouts("stress", "checkout-16-clients", orders(seed, "stress", n(240)), 16, [
          "p99 < 1s",
          "errorRate < 1%"
        ])

        // ── 3 chaos: latency, then resets, on payments' side of the proxy ───────────────────────────────────
        const chaosOrders = orders(seed, "chaos", n(120))
        const chaos = yield* Pipeline.run(
          {
            kind: "chaos",
            name: "payments-latency-then-resets",
            thresholds: ["errorRate < 5%", "p99 < 2s"],
            windowMs: 250,
            invariants: Invariant.catalog()
          },
          (rec) =>
            Effect.gen(function* () {
              const inv = Invariant.catalog()
              const half = Math.floor(chaosOrders.length / 2)
              const recorded: Array<{ orderId: string; status: number }> = []
              const phase = (list: ReadonlyArray<{ orderId: string }>) =>
                drive(list, 8, async (order) => {
                  const r = await call(client, sut.url, order)
                  rec.record(r.ms, r.status === 201)
                  recorded.push({ orderId: order.orderId, status: r.status })
                })
              const endLatency = rec.fault("latency 120±40 ms (payments → checkout)", { target: "payments" })
              yield* proxy.addToxic(
                Toxic.latency({ name: "slow-payments", latency: 120, jitter: 40, stream: "downstream" })
              )
              yield* phase(chaosOrders.slice(0, half))
              yield* proxy.removeToxic("slow-payments")
              endLatency()
              const endResets = rec.fault("reset_peer, toxicity 0.2", { target: "payments" })
              yield* proxy.addToxic(Toxic.resetPeer({ name: "resets", timeout: 0, toxicity: 0.2, stream: "upstream" }))
              yield* phase(chaosOrders.slice(half))
              yield* proxy.removeToxic("resets")
              endResets()
              // Silent-failure playbook #2: audit downstream state — every 201 must have a charge at payments.
              const charged = yield* Effect.promise(chargedIds)
              const audit = inv.always("every 201 has a charge recorded at payments")
              for (const r of recorded) if (r.status === 201) audit.check(charged.has(r.orderId), r)
              const j = yield* payments.journal
              const dup = Verdict.noDuplicatePost(j, { path: "/charges" })
              rec.note(`verdict: ${dup.name}: ${dup.pass ? "pass" : "fail"} — ${dup.message}`)
              for (const line of dup.evidence.slice(0, 5)) rec.note(`evidence: ${line}`)
              rec.count("duplicateCharges", dup.pass ? 0 : 1)
              for (const e of inv.summary().entries) rec.note(`audit: ${e.name}: ${e.verdict} (${e.message})`)
            })
        )

        // ── 4 adversarial: hostile input must be refused before any charge ─────────────────────────────────
        const advRng = Seed.stream(Seed.derive(seed, "adversarial"))
        const before = (yield* payments.journal).requests.length
        const hostile: Array<string> = [
          ...Array.from({ length: n(40) }, () =>
            JSON.stringify({ orderId: Adversarial.pick(advRng), amountMinor: 100, currency: "EUR" })
          ),
          ...Adversarial.poisonKeys.map(
            (k) => `{"${k}":{"isAdmin":true},"orderId":"ord-1","amountMinor":100,"currency":"EUR"}`
          ),
          JSON.stringify({ orderId: "ord-2", amountMinor: -5, currency: "EUR" }),
          JSON.stringify({ orderId: "ord-3", amountMinor: 1e30, currency: "EUR" }),
          JSON.stringify({ orderId: Adversarial.oversized(70 * 1024), amountMinor: 1, currency: "EUR" }),
          "{not json"
        ]
        const advInv = Invariant.catalog()
        const refused = advInv.always("hostile input gets a 4xx")
        const no5xx = advInv.unreachable("hostile input causes a 5xx")
        const adversarial = yield* Pipeline.run(
          {
            kind: "adversarial",
            name: "hostile-orders",
            thresholds: ["requests >= 10"],
            invariants: advInv,
            windowMs: 250
          },
          (rec) =>
            drive(hostile, 4, async (raw) => {
              const r = await call(client, sut.url, undefined, raw)
              rec.record(r.ms, r.status >= 400 && r.status < 500)
              refused.check(r.status >= 400 && r.status < 500, { status: r.status, input: raw.slice(0, 80) })
              if (r.status >= 500) no5xx.hit({ status: r.status, input: raw.slice(0, 80) })
            }).pipe(
              Effect.andThen(
                Effect.gen(function* () {
                  const after = (yield* payments.journal).requests.length
                  rec.count("chargesFromHostileInput", after - before)
                })
              )
            )
        )

        // ── 5 recovery: payments down, then healed ─────────────────────────────────────────────────────────
        const recOrders = orders(seed, "recovery", n(60))
        let faultEndedAt = 0
        const recovery = yield* Pipeline.run(
          { kind: "recovery", name: "payments-outage", thresholds: ["recoveredWithinMs <= 2000"], windowMs: 250 },
          (rec) =>
            Effect.gen(function* () {
              const endOutage = rec.fault("payments answers 503", { target: "payments" })
              yield* payments.setSwitches([{ kind: "error", rate: 1, status: 503 }])
              yield* drive(recOrders.slice(0, recOrders.length / 2), 4, async (o) => {
                const r = await call(client, sut.url, o)
                rec.record(r.ms, r.status === 201)
              })
              yield* payments.clearSwitches()
              endOutage()
              faultEndedAt = Date.now()
              let firstOk: number | undefined
              yield* drive(recOrders.slice(recOrders.length / 2), 1, async (o) => {
                const r = await call(client, sut.url, o)
                rec.record(r.ms, r.status === 201)
                if (r.status === 201 && firstOk === undefined) firstOk = Date.now()
              })
              rec.count("recoveredWithinMs", firstOk === undefined ? Number.MAX_SAFE_INTEGER : firstOk - faultEndedAt)
              const v = Verdict.recoveredWithin(yield* payments.journal, {
                withinMs: 2000,
                faultEndedAt,
                path: "/charges"
              })
              rec.note(`verdict: ${v.name}: ${v.pass ? "pass" : "fail"} — ${v.message}`)
            })
        )

        // ── silent-failure probes: corrupt payments' 200s and watch what checkout tells the customer ───────
        // The request, the fault that hit it and the finding it causes share one correlation id in the logs.
        const probe = (name: string, sw: FailureSwitch.Input) => {
          const correlationId = `probe-${name.replace(/\W+/g, "-").replace(/-+$/, "")}`
          return Effect.gen(function* () {
            yield* payments.setSwitches([sw])
            yield* Effect.logWarning(`fault: payments switched to ${sw.kind}`, { switch: sw }).pipe(
              Log.withComponent("chaos")
            )
            const r = yield* Effect.promise(() =>
              call(client, sut.url, { orderId: correlationId, amountMinor: 1234, currency: "EUR" })
            )
            yield* payments.clearSwitches()
            const silent =
              r.status === 201 && (typeof r.body.chargeId !== "string" || !r.body.chargeId.startsWith("ch_"))
            yield* (silent ? Effect.logError : Effect.logInfo)(
              `checkout answered ${r.status} ${JSON.stringify(r.body)} while payments was corrupted`
            ).pipe(Log.withComponent("probe"))
            return { name, silent, status: r.status, chargeId: r.body.chargeId, correlationId }
          }).pipe(Log.withCorrelationId(correlationId))
        }
        const malformed = yield* probe("malformed 200 body", { kind: "malformed", rate: 1 })
        const drifted = yield* probe("drifted 200 body (chargeId renamed)", {
          kind: "drift",
          rate: 1,
          fieldRate: 1,
          operations: ["rename"]
        })
        const results = [baseline, stress, chaos, adversarial, recovery]
        return {
          results: results.map((r) => ({
            kind: r.kind,
            name: r.name,
            verdict: r.verdict,
            p95: Histogram.summary(Histogram.decode(r.latency)).p95,
            failures: [
              ...r.thresholds.filter((t) => t.verdict !== "pass").map((t) => t.message),
              ...r.invariants.entries
                .filter((e) => e.verdict !== "pass")
                .map(
                  (e) =>
                    `[${e.kind}] ${e.name}: ${e.message}${e.examples[0] ? ` — e.g. ${JSON.stringify(e.examples[0].details)}` : ""}`
                ),
              ...(r.error ? [r.error.split("\n")[0]!] : [])
            ]
          })),
          probes: [malformed, drifted],
          duplicateCharges: chaos.counts.duplicateCharges ?? 0,
          chargesFromHostileInput: adversarial.counts.chargesFromHostileInput ?? 0
        }
      }).pipe(Effect.scoped, Effect.provideService(Run.CurrentRun, run))
    )

    // ── findings, filed through the ledger (deduplicated by fingerprint on resume) ─────────────────────────
    const findings = yield* Effect.gen(function* () {
      const l = yield* Ledger.Ledger
      const existing = yield* l.list()
      if (existing.length > 0) return existing
      const base = { metadata: { persona: "fintech SRE", run: run.metadata.runId } }
      const filed = []
      for (const p of executed.probes.filter((x) => x.silent)) {
        const finding = yield* l.add({
          type: "silent_failure",
          entryId: ENTRY,
          agent: AGENT,
          payload: {
            ...base,
            severity: "high",
            title: `Checkout reports "charged" when payments returns a ${p.name}`,
            description: `With payments answering 200 with a ${p.name}, checkout answered ${p.status} {"status":"charged"} and chargeId ${JSON.stringify(p.chargeId ?? null)}.`,
            component: "checkout → payments client",
            reproduction: `${run.metadata.replay} npm start; see the silent-failure probe "${p.name}"`,
            expected_behavior:
              "A 2xx whose body does not carry a valid chargeId is treated as a failed charge (502) and retried or escalated.",
            actual_behavior: "The status code is trusted and the customer is told the order was charged.",
            evidence: ["results/silent-failures.json", `results/logs/run.log (correlationId ${p.correlationId})`],
            impact: "Orders marked paid without a charge: revenue loss and reconciliation work.",
            recommendation: "Validate the payments response body against its schema before reporting success."
          }
        })
        filed.push(finding)
        yield* Effect.logInfo(`finding ${finding.id} filed: ${finding.title}`).pipe(
          Log.withComponent("findings"),
          Log.withCorrelationId(p.correlationId)
        )
      }
      for (const r of executed.results.filter((x) => x.verdict !== "pass")) {
        filed.push(
          yield* l.add({
            type:
              r.kind === "chaos" || r.kind === "recovery"
                ? "reliability"
                : r.kind === "adversarial"
                  ? "security"
                  : "performance",
            entryId: ENTRY,
            agent: AGENT,
            payload: {
              ...base,
              severity: "medium",
              title: `${r.kind} pipeline "${r.name}": ${r.failures[0]?.slice(0, 200) ?? r.verdict}`,
              description: `The ${r.kind} pipeline ended with verdict ${r.verdict} (p95 ${r.p95.toFixed(1)} ms):\n${r.failures.map((f) => `- ${f}`).join("\n")}`,
              component: "checkout",
              reproduction: `${run.metadata.replay} npm start`,
              expected_behavior: "Every threshold and invariant of the pipeline passes.",
              actual_behavior: r.failures.join("; ") || `verdict ${r.verdict}`,
              evidence: [`results/pipelines/${r.kind}-${r.name}.json`],
              impact: "Degraded checkout under the pipeline's conditions.",
              recommendation: "Read the failing thresholds and invariants in the pipeline result and FINAL_REPORT.md."
            }
          })
        )
      }
      if (executed.duplicateCharges === 0) {
        filed.push(
          yield* l.add({
            type: "strength",
            entryId: ENTRY,
            agent: AGENT,
            payload: {
              ...base,
              severity: "info",
              title: "Retries through latency and resets never double-charge",
              description:
                "Every retry carries the order's Idempotency-Key; payments' journal shows no duplicate charge.",
              component: "checkout → payments client",
              reproduction: `${run.metadata.replay} npm start; chaos pipeline`,
              expected_behavior: "At most one charge per order.",
              actual_behavior: "At most one charge per order.",
              evidence: ["results/pipelines/chaos-payments-latency-then-resets.json"],
              impact: "Customers are never charged twice by a retry storm.",
              recommendation: "Keep the idempotency key on every attempt; add a test that pins it."
            }
          })
        )
      }
      return filed
    }).pipe(Effect.provide(ledger))

    yield* Run.phase(
      run,
      "dx-review",
      Scorecard.write(run.dir, {
        reviewer: AGENT,
        dimensions: {
          discoverability: { score: 4, explanation: "One endpoint, self-describing JSON errors." },
          contracts: {
            score: 2,
            explanation: "The payments response contract is not validated; a drifted body passes.",
            evidence: ["results/silent-failures.json"]
          },
          errors: { score: 4, explanation: "400s name the field that is wrong (orderId, amountMinor, currency)." },
          boilerplate: {
            score: 3,
            explanation: "Retry and timeout logic is hand-written rather than a shared client."
          },
          flexibility: { score: 3, explanation: "Timeout and retries are options; backoff shape is fixed." }
        },
        documentationGaps: [
          {
            topic: "payments response schema",
            description: "Nothing documents which fields of a 200 from payments checkout relies on."
          }
        ]
      })
    )

    yield* Run.phase(
      run,
      "report",
      Effect.gen(function* () {
        yield* SilentFailures.write(run.dir, {
          probes: executed.probes.map((p) => ({
            name: p.name,
            pipeline: "execute",
            method: "switch payments to a corrupted 200 and compare checkout's answer with payments' state",
            outcome: p.silent ? ("detected" as const) : ("clean" as const),
            evidence: ["results/logs/run.log"],
            details: `checkout answered ${p.status} with chargeId ${JSON.stringify(p.chargeId ?? null)}`
          }))
        })
        const packs = yield* LogAnalysis.analyzeRun(run.dir)
        const junit = yield* Junit.write(run.dir)
        return { packs: packs.length, junit: junit.path }
      })
    )

    const silentIds = findings.filter((f) => f.type === "silent_failure").map((f) => f.id)
    const anyId = findings.map((f) => f.id)
    yield* Run.phase(
      run,
      "recommend",
      Effect.gen(function* () {
        yield* Recommendations.write(run.dir, {
          framework: [
            {
              text: "Validate every payments response body (chargeId present and well-formed) before answering 201.",
              cites: silentIds.length > 0 ? silentIds : ["results/silent-failures.json"],
              priority: "high"
            },
            {
              text: "Keep the Idempotency-Key on every retry; it is what made retries safe under resets.",
              cites: anyId.slice(-1).length ? anyId.slice(-1) : ["results/pipelines"]
            }
          ],
          persona: [
            {
              text: "Reconcile 'charged' orders against the payment provider daily until body validation ships.",
              cites: silentIds.length > 0 ? silentIds : ["results/silent-failures.json"],
              priority: "high"
            }
          ]
        })
        yield* FinalReport.write(run.dir)
        yield* HtmlReport.write(run.dir)
      })
    )

    const out: ScenarioResult = {
      dir: run.dir,
      pipelines: executed.results,
      findings: findings.map((f) => ({ id: f.id, type: f.type, severity: f.severity, title: f.title })),
      probes: executed.probes.map((p) => ({ name: p.name, outcome: p.silent ? "detected" : "clean" })),
      artifacts: {
        finalReport: join(run.dir, "FINAL_REPORT.md"),
        html: join(run.dir, "report.html"),
        junit: join(run.dir, "results", "junit.xml")
      },
      replay: run.metadata.replay
    }
    return out
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await Effect.runPromise(program())
  console.log(`24h checkout scenario — ${r.dir}`)
  for (const p of r.pipelines)
    console.log(
      `  ${p.verdict === "pass" ? "✓" : "✗"} ${p.kind.padEnd(12)} ${p.name.padEnd(32)} ${p.verdict.padEnd(5)} p95 ${p.p95.toFixed(1)} ms`
    )
  for (const p of r.probes)
    console.log(`  ${p.outcome === "detected" ? "!" : "✓"} silent-failure probe: ${p.name} — ${p.outcome}`)
  console.log(`  ${r.findings.length} findings: ${r.findings.map((f) => `${f.id} ${f.type}/${f.severity}`).join(", ")}`)
  console.log(`  report    ${r.artifacts.finalReport}`)
  console.log(`  html      ${r.artifacts.html}`)
  console.log(`  junit     ${r.artifacts.junit}`)
  console.log(`  replay    ${r.replay} npm start`)
}
