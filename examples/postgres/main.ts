/**
 * The PostgreSQL scenario: a bank service in front of a real database, with faults on the wire between them.
 *
 *   bank service (./bank.ts, node pg) ──► TcpProxy (@24h/chaos) ──► PostgreSQL (a throwaway cluster, ./cluster.ts)
 *
 * Concurrent transfers and balance reads run through the five pipelines (baseline, stress, chaos with latency,
 * reset_peer, timeout and down on the proxy, adversarial with hostile transfers, recovery); every call is recorded as a history (History.recorder,
 * one operation per account leg) in results/history-<kind>-<name>.jsonl. Each pipeline is judged by three checks:
 *
 *   total balance conserved              SUM(balance) afterwards = accounts × initial
 *   no acknowledged transfer lost        every acknowledged transfer is in the journal, and every balance equals
 *                                        its initial value plus the journal's transfers (read from the database)
 *   per-account history linearizable     Linearizability.check with the account model below
 *
 * A failing check becomes a finding in the run's ledger (@24h/findings), citing the checker's evidence.
 *
 *   npm run example:postgres                         # both services: the correct one passes, the lost-update one fails
 *   npm run example:postgres -- --mode lost-update   # one of them
 *   DATABASE_URL=postgres://user@127.0.0.1:5432/db npm run example:postgres   # an existing server instead
 */
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { FaultSchedule, TcpProxy, Toxic } from "@24h/chaos"
import {
  Check,
  Fault,
  History,
  Linearizability,
  Load,
  Pipeline,
  Run,
  type FaultSchedule as Schedule,
  Seed,
  SteadyState
} from "@24h/core"
import { Ledger } from "@24h/findings"
import { HtmlReport } from "@24h/reporting"
import { Effect } from "effect"
import * as Bank from "./bank.ts"
import * as Cluster from "./cluster.ts"

export interface ScenarioOptions {
  readonly mode?: Bank.Mode
  /** Where runs go. Default `runs`. */
  readonly root?: string
  /** Root seed. Default `H24_SEED`, else 42. */
  readonly seed?: Seed.Root
  /** An existing server (default `DATABASE_URL`); else a throwaway cluster is started. */
  readonly databaseUrl?: string
  /** Scales every pipeline's duration and iteration cap (1 = the defaults). */
  readonly scale?: number
}

export interface PipelineSummary {
  readonly kind: string
  readonly name: string
  readonly verdict: string
  readonly checks: ReadonlyArray<Check.Check>
  readonly history: string
  readonly linearizability: Linearizability.Result | undefined
}

export interface ScenarioResult {
  readonly mode: Bank.Mode
  readonly dir: string
  /** report.html of the run (with the linearizability timelines). */
  readonly report: string
  readonly pipelines: ReadonlyArray<PipelineSummary>
  readonly findings: ReadonlyArray<{
    readonly id: string
    readonly type: string
    readonly severity: string
    readonly title: string
  }>
  /** The throwaway cluster's postmaster pid and directory (gone once the scenario returns). */
  readonly cluster: { readonly pid: number | undefined; readonly dir: string | undefined }
}

const ACCOUNTS = 4
const INITIAL = 1000
const AGENT = "24h-example/postgres"

/**
 * One account as a linearizable object: `transfer` legs (value: `{ id, delta }`; result: `[before, after]` as the service
 * saw them) and `read`s of the balance. A leg of unknown outcome may have applied its delta, at any time after its
 * call, or never.
 */
export const accountModel = (initial: number): Linearizability.Model<number> => ({
  name: "account",
  init: () => initial,
  step: (balance, op) => {
    if (op.f === "read") return op.result === balance ? balance : Linearizability.illegal
    const { delta } = op.value as { readonly delta: number }
    if (op.status === "info") return balance + delta
    const [before, after] = op.result as [number, number]
    return before === balance && after === balance + delta ? after : Linearizability.illegal
  },
  partition: (op) => op.key ?? "",
  include: (op) => op.status === "ok" || (op.status === "info" && op.f === "transfer")
})

interface Plan {
  readonly kind: Pipeline.Kind
  readonly name: string
  readonly vus: number
  readonly seconds: number
  readonly faults: (proxy: TcpProxy.TcpProxy) => ReadonlyArray<Schedule.Window<unknown>>
  /** Hostile transfers instead of the workload (adversarial). */
  readonly hostile?: boolean
}

/** Transfers the service must refuse: none may move money. */
const HOSTILE: ReadonlyArray<readonly [string, unknown, unknown, unknown]> = [
  ["zero", 1, 2, 0],
  ["negative", 1, 2, -50],
  ["fraction", 1, 2, 1.5],
  ["huge", 1, 2, 1e12],
  ["nan", 1, 2, Number.NaN],
  ["self", 3, 3, 10],
  ["unknown-src", 0, 2, 10],
  ["string-amount", 1, 2, "10"],
  ["'; DROP TABLE accounts; --", 1, 2, 10],
  ["float-account", 1.5, 2, 10]
]

const down = (proxy: TcpProxy.TcpProxy) =>
  Fault.make({ name: "down", target: `proxy/${proxy.name}`, apply: proxy.disable, revert: proxy.enable })

const windows = (proxy: TcpProxy.TcpProxy, scale: number): ReadonlyArray<Schedule.Window<unknown>> => [
  {
    fault: FaultSchedule.toxic(proxy, Toxic.latency({ latency: 40, jitter: 10 })),
    at: 300 * scale,
    duration: 800 * scale
  },
  { fault: FaultSchedule.toxic(proxy, Toxic.resetPeer({ timeout: 0 })), at: 1400 * scale, duration: 300 * scale },
  { fault: FaultSchedule.toxic(proxy, Toxic.timeout({ timeout: 0 })), at: 2100 * scale, duration: 600 * scale },
  { fault: down(proxy), at: 3100 * scale, duration: 500 * scale }
]

const plans = (scale: number): ReadonlyArray<Plan> => [
  { kind: "baseline", name: "transfers", vus: 4, seconds: 1.5 * scale, faults: () => [] },
  { kind: "stress", name: "contention", vus: 12, seconds: 1.5 * scale, faults: () => [] },
  { kind: "chaos", name: "proxy-faults", vus: 6, seconds: 4 * scale, faults: (p) => windows(p, scale) },
  { kind: "adversarial", name: "hostile-transfers", vus: 2, seconds: 1 * scale, faults: () => [], hostile: true },
  {
    kind: "recovery",
    name: "after-down",
    vus: 4,
    seconds: 2 * scale,
    faults: (p) => [{ fault: down(p), at: 300 * scale, duration: 500 * scale }]
  }
]

/** The three checks of a pipeline, from the database and the recorded history. */
const judge = (
  dir: string,
  name: string,
  conn: Bank.Connection,
  rec: History.Recorder,
  acknowledged: ReadonlyArray<string>,
  out: { linearizability?: Linearizability.Result }
) =>
  Effect.gen(function* () {
    yield* rec.flush
    const db = yield* Effect.promise(() => Bank.audit(conn))
    const total = [...db.balances.values()].reduce((a, b) => a + b, 0)
    const conserved = Check.make("total balance conserved", total === ACCOUNTS * INITIAL, {
      source: "audit",
      message: `SUM(balance) = ${total}, expected ${ACCOUNTS} × ${INITIAL} = ${ACCOUNTS * INITIAL}`,
      evidence: [...db.balances].map(([id, b]) => `account ${id}: ${b}`)
    })
    const missing = acknowledged.filter((id) => !db.journal.has(id))
    const expected = new Map([...db.balances.keys()].map((id) => [id, INITIAL]))
    for (const t of db.journal.values()) {
      expected.set(t.src, expected.get(t.src)! - t.amount)
      expected.set(t.dst, expected.get(t.dst)! + t.amount)
    }
    const drifted = [...db.balances].filter(([id, b]) => expected.get(id) !== b)
    const kept = Check.make("no acknowledged transfer lost", missing.length === 0 && drifted.length === 0, {
      source: "audit",
      message:
        `${acknowledged.length} transfers acknowledged, ${missing.length} missing from the journal; ` +
        `${drifted.length} of ${ACCOUNTS} balances differ from initial + journaled transfers (${db.journal.size} journaled)`,
      evidence: [
        ...missing.slice(0, 10).map((id) => `acknowledged but not journaled: ${id}`),
        ...drifted.map(([id, b]) => `account ${id}: balance ${b}, journal says ${expected.get(id)}`)
      ]
    })
    // A transfer of unknown outcome that is not in the journal certainly did not commit (the journal row is written
    // in the same transaction): it becomes a `fail`, which the search need not place. Fewer unknowns, smaller search.
    const recorded = yield* History.readFile(rec.file)
    const calls = new Map<string | number, string>()
    const events = recorded.map((e) => {
      if (e.f !== "transfer") return e
      if (e.type === "invoke") {
        calls.set(e.process, (e.value as { readonly id: string }).id)
        return e
      }
      return e.type === "info" && !db.journal.has(calls.get(e.process) ?? "") ? { ...e, type: "fail" as const } : e
    })
    const result = yield* Linearizability.check(accountModel(INITIAL), events, { timeout: "20 seconds" })
    out.linearizability = result
    // The HTML report draws this as a timeline of the failing account's operations.
    yield* Linearizability.writeTimeline(
      result,
      `${name}: account histories`,
      join(dir, "results", "linearizability", `${name}.json`)
    )
    const lin = Linearizability.toCheck(result, "per-account history linearizable")
    return [conserved, kept, { ...lin, evidence: [...(lin.evidence ?? []), `history: ${rec.file}`] }]
  })

const pipeline = (
  run: Run.Run,
  plan: Plan,
  mode: Bank.Mode,
  direct: Bank.Connection,
  proxy: TcpProxy.TcpProxy,
  scale: number
) =>
  Effect.scoped(
    Effect.gen(function* () {
      yield* Effect.promise(() => Bank.reset(direct, ACCOUNTS, INITIAL))
      const file = join(run.dir, "results", `history-${plan.kind}-${plan.name}.jsonl`)
      const rec = yield* History.recorder({ file })
      const bank = yield* Effect.acquireRelease(
        Effect.sync(() => Bank.make({ ...direct, host: proxy.host, port: proxy.port }, mode)),
        (b) => Effect.promise(() => b.end())
      )
      const acknowledged: Array<string> = []
      const streams = new Map<number, Seed.Stream>()
      const rngFor = (vu: number) => {
        let s = streams.get(vu)
        if (s === undefined) {
          s = Seed.stream(Seed.derive(run.seed, `postgres/${plan.kind}/${plan.name}/vu-${vu}`))
          streams.set(vu, s)
        }
        return s
      }
      let hostileAccepted = 0
      const hostile = (ctx: Load.Context) =>
        Effect.promise(async () => {
          const [name, src, dst, amount] = HOSTILE[ctx.index % HOSTILE.length]!
          const id = name.startsWith("'") ? name : `${ctx.correlationId}-${name}`
          const accepted = await bank.transfer(id, src as number, dst as number, amount as number).then(
            () => true,
            () => false
          )
          if (accepted) hostileAccepted++
          // Refusing a hostile transfer is the right answer.
          return { ok: !accepted }
        })
      const iteration = (ctx: Load.Context) =>
        Effect.gen(function* () {
          const rng = rngFor(ctx.vu)
          if (rng.chance(0.3)) {
            const account = rng.nextInt(1, ACCOUNTS)
            const p = yield* rec.invoke({ process: `${ctx.vu}:${account}`, f: "read", key: String(account) })
            const r = yield* Effect.promise(() =>
              bank.balance(account).then(
                (b) => ({ b }),
                (e: Bank.CallError) => ({ e })
              )
            )
            if ("b" in r) yield* rec.complete(p, "ok", r.b)
            else yield* rec.complete(p, r.e.outcome)
            return { ok: "b" in r }
          }
          const src = rng.nextInt(1, ACCOUNTS)
          const dst = ((src - 1 + rng.nextInt(1, ACCOUNTS - 1)) % ACCOUNTS) + 1
          const amount = rng.nextInt(1, 20)
          const id = ctx.correlationId
          const legs = [
            yield* rec.invoke({
              process: `${ctx.vu}:${src}`,
              f: "transfer",
              key: String(src),
              value: { id, delta: -amount }
            }),
            yield* rec.invoke({
              process: `${ctx.vu}:${dst}`,
              f: "transfer",
              key: String(dst),
              value: { id, delta: amount }
            })
          ]
          const r = yield* Effect.promise(() =>
            bank.transfer(id, src, dst, amount).then(
              (l) => ({ l }),
              (e: Bank.CallError) => ({ e })
            )
          )
          if ("l" in r) {
            acknowledged.push(id)
            for (const [i, leg] of r.l.entries()) yield* rec.complete(legs[i]!, "ok", [leg.before, leg.after])
          } else {
            for (const p of legs) yield* rec.complete(p, r.e.outcome)
          }
          return { ok: "l" in r }
        })
      const out: { linearizability?: Linearizability.Result } = {}
      const result = yield* Pipeline.experiment(plan.kind, {
        name: plan.name,
        dir: run.dir,
        load: {
          model: Load.closed({
            vus: plan.vus,
            duration: `${plan.seconds} seconds`,
            maxIterations: Math.round(800 * scale)
          }),
          iteration: plan.hostile === true ? hostile : iteration,
          options: { name: `${plan.kind}-${plan.name}` }
        },
        faults: plan.faults(proxy),
        // Healthy: a balance read through the proxy answers.
        steadyState: SteadyState.make("a balance read answers through the proxy", [
          SteadyState.probe(
            "read account 1",
            Effect.promise(() =>
              bank.balance(1).then(
                () => true,
                () => false
              )
            )
          )
        ]),
        checks: [
          judge(run.dir, `${plan.kind}-${plan.name}`, direct, rec, acknowledged, out),
          ...(plan.hostile === true
            ? [
                Effect.sync(() =>
                  Check.make("hostile transfers refused", hostileAccepted === 0, {
                    source: "audit",
                    message: `${hostileAccepted} hostile transfers accepted (${HOSTILE.length} kinds tried)`
                  })
                )
              ]
            : [])
        ]
      })
      return {
        kind: plan.kind,
        name: plan.name,
        verdict: result.verdict,
        checks: result.checks,
        history: file,
        linearizability: out.linearizability
      } satisfies PipelineSummary
    })
  )

const fileFindings = (run: Run.Run, mode: Bank.Mode, pipelines: ReadonlyArray<PipelineSummary>) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const filed = []
    const failing = pipelines.flatMap((p) => p.checks.filter((c) => c.outcome === "fail").map((c) => ({ p, c })))
    const byName = new Map<string, Array<{ p: PipelineSummary; c: Check.Check }>>()
    for (const f of failing) {
      const name = f.c.name.replace(/^[^:]*: /, "")
      byName.set(name, [...(byName.get(name) ?? []), f])
    }
    for (const [name, hits] of byName) {
      const lin = name === "per-account history linearizable"
      const first = hits[0]!
      filed.push(
        yield* ledger.add({
          type: "bug",
          entryId: "postgres-bank",
          agent: AGENT,
          force: true,
          payload: {
            severity: lin ? "high" : "critical",
            title: lin
              ? `Account histories are not linearizable (${mode} service)`
              : `Transfers break "${name}" (${mode} service)`,
            description:
              `In ${hits.length} pipeline(s) (${hits.map((h) => `${h.p.kind}/${h.p.name}`).join(", ")}), the check ` +
              `"${name}" failed: ${first.c.message}`,
            component: "bank transfer (examples/postgres/bank.ts)",
            reproduction: `${run.metadata.replay} npm run example:postgres -- --mode ${mode}`,
            expected_behavior: lin
              ? "Every account behaves like one atomic register: each transfer reads the balance the previous one wrote."
              : "Money is neither created nor destroyed, and every acknowledged transfer is in the books.",
            actual_behavior: first.c.message,
            evidence: [...hits.flatMap((h) => [...(h.c.evidence ?? [])]), ...hits.map((h) => h.p.history)].slice(0, 50),
            impact: "Balances drift under concurrency: acknowledged transfers are partly undone.",
            recommendation:
              "Lock the rows you read before you write them (SELECT … FOR UPDATE, in a fixed order), or run the " +
              "transfer at SERIALIZABLE and retry on 40001.",
            metadata: { persona: "bank SRE", run: run.metadata.runId }
          }
        })
      )
    }
    return filed.map((f) => ({ id: f.id, type: f.type, severity: f.severity, title: f.title }))
  }).pipe(Effect.provide(Ledger.layerFile({ dir: run.dir })))

/** Runs the scenario for one service mode; the cluster and the proxy live only as long as the returned effect. */
export const scenario = (
  options: ScenarioOptions = {}
): Effect.Effect<ScenarioResult, { readonly _tag: string; readonly message: string }> =>
  Effect.scoped(
    Effect.gen(function* () {
      const mode = options.mode ?? "correct"
      const scale = options.scale ?? 1
      const run = yield* Run.make({
        root: options.root ?? "runs",
        metadata: { ENTRY_ID: "postgres-bank", ENTRY_TITLE: `PostgreSQL bank, ${mode} service` },
        // Run.make reads H24_SEED when no seed is given.
        ...(options.seed !== undefined
          ? { seed: options.seed }
          : process.env.H24_SEED === undefined
            ? { seed: 42 }
            : {})
      })
      const cluster = yield* Cluster.make({ databaseUrl: options.databaseUrl })
      const direct: Bank.Connection = {
        host: cluster.host,
        port: cluster.port,
        user: cluster.user,
        database: cluster.database
      }
      const proxy = yield* TcpProxy.make({
        name: "postgres",
        upstream: `${cluster.host}:${cluster.port}`,
        seed: Seed.derive(run.seed, "postgres/proxy")
      })
      const pipelines: Array<PipelineSummary> = []
      for (const plan of plans(scale)) pipelines.push(yield* pipeline(run, plan, mode, direct, proxy, scale))
      const findings = yield* fileFindings(run, mode, pipelines)
      const report = yield* HtmlReport.write(run.dir)
      return {
        mode,
        dir: run.dir,
        report: report.path,
        pipelines,
        findings,
        cluster: { pid: cluster.pid, dir: cluster.dir }
      } satisfies ScenarioResult
    })
  )

const describe = (r: ScenarioResult) =>
  [
    `${r.mode} service — ${r.dir} (report: ${r.report})`,
    ...r.pipelines.flatMap((p) => [
      `  ${p.kind}/${p.name}: ${p.verdict}`,
      ...p.checks.map(
        (c) => `    ${c.outcome === "pass" ? "✓" : c.outcome === "fail" ? "✗" : "?"} ${c.name}: ${c.message}`
      )
    ]),
    ...r.findings.map((f) => `  finding ${f.id} [${f.severity}] ${f.title}`)
  ].join("\n")

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf("--mode")
  const modes: ReadonlyArray<Bank.Mode> =
    i >= 0 ? [process.argv[i + 1] === "lost-update" ? "lost-update" : "correct"] : ["correct", "lost-update"]
  const results = []
  for (const mode of modes) {
    const r = await Effect.runPromise(scenario({ mode }))
    process.stdout.write(`${describe(r)}\n`)
    results.push(r)
  }
  // As expected: the correct service passes every pipeline, the lost-update one files findings.
  const expected = results.every((r) =>
    r.mode === "correct" ? r.pipelines.every((p) => p.verdict === "pass") : r.findings.length > 0
  )
  process.exitCode = expected ? 0 : 1
}
