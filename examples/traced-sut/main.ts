/**
 * Tracing a system under test: a three-hop SUT (./sut.ts, instrumented with the official OpenTelemetry Node SDK)
 * exports its spans to an `OtlpSink`; 24h's own load spans go to the run through `Telemetry.layer`; the completeness
 * checks judge the traces, and failed checks become findings.
 *
 *   Load + HttpLoad (spans: true) ──traceparent, x-correlation-id──▶ gateway ─▶ orders ─▶ inventory (SUT)
 *     24h.load.iteration spans                                              └── OTLP/HTTP ──▶ OtlpSink (run dir)
 *
 *   node --import tsx --conditions=@24h/source examples/traced-sut/main.ts            # healthy
 *   SUT_DROP_CONTEXT=orders node --import tsx --conditions=@24h/source examples/traced-sut/main.ts
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { type Check, Load, Telemetry } from "@24h/core"
import { type Finding, Ledger } from "@24h/findings"
import { HttpLoad, OtlpSink, TraceCheck } from "@24h/mocks"
import { Duration, Effect } from "effect"

export interface ScenarioOptions {
  /** Run directory. Default: a fresh temporary one. */
  readonly dir?: string
  /** Requests before any outage. Default 8. */
  readonly requests?: number
  /** The SUT's OTLP protocol. Default `http/protobuf`. */
  readonly protocol?: "http/protobuf" | "http/json"
  /** A planted defect: this hop calls the next one without `traceparent`. */
  readonly dropContext?: "gateway" | "orders"
  /** The SUT's gateway waits for its exporters before answering (a blocking exporter). */
  readonly flushPerRequest?: boolean
  /** A collector outage after the first requests: the sink goes down or slow for `requests` more requests. */
  readonly outage?: { readonly switch: OtlpSink.Switch; readonly requests: number }
  /** Inventory answers 500 for this sku (requests use sku-0, sku-1, …). */
  readonly failSku?: string
}

export interface ScenarioResult {
  readonly dir: string
  readonly requests: ReadonlyArray<TraceCheck.Request & { readonly latencyMs: number; readonly phase: string }>
  readonly checks: ReadonlyArray<Check.Check>
  readonly outage: TraceCheck.Outage | undefined
  readonly findings: ReadonlyArray<Finding.Finding>
  readonly sutSpans: ReadonlyArray<Telemetry.Span>
  readonly allSpans: ReadonlyArray<Telemetry.Span>
}

interface SutEvent {
  readonly event: string
  readonly url?: string
  readonly ok?: boolean
  readonly spans?: number
  readonly ids?: ReadonlyArray<string>
}

/** The SUT as a scoped child process whose stdout events can be awaited. */
const startSut = (env: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.callback<{ child: ChildProcess; url: string; events: Array<SutEvent>; listeners: Set<() => void> }>(
      (resume) => {
        const here = dirname(fileURLToPath(import.meta.url))
        const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href
        const child = spawn(process.execPath, ["--import", tsx, join(here, "sut.ts")], {
          env: { PATH: process.env.PATH ?? "", ...env },
          stdio: ["ignore", "pipe", "inherit"]
        })
        const events: Array<SutEvent> = []
        const listeners = new Set<() => void>()
        let buffer = ""
        child.stdout!.on("data", (d: Buffer) => {
          buffer += d.toString("utf8")
          let nl = buffer.indexOf("\n")
          while (nl >= 0) {
            const event = JSON.parse(buffer.slice(0, nl)) as SutEvent
            buffer = buffer.slice(nl + 1)
            events.push(event)
            if (event.event === "ready") resume(Effect.succeed({ child, url: event.url!, events, listeners }))
            for (const l of listeners) l()
            nl = buffer.indexOf("\n")
          }
        })
        child.once("exit", (code) => {
          for (const l of listeners) l()
          if (!events.some((e) => e.event === "ready")) resume(Effect.die(new Error(`SUT exited ${code} before ready`)))
        })
      }
    ),
    (sut) => Effect.sync(() => sut.child.exitCode === null && sut.child.kill("SIGKILL"))
  )

type Sut = Effect.Success<ReturnType<typeof startSut>>

/** Waits (bounded) until `holds` is true of the SUT's events. */
const waitFor = (sut: Sut, holds: (events: ReadonlyArray<SutEvent>) => boolean, timeout: Duration.Input) =>
  Effect.callback<void>((resume) => {
    const check = () => {
      if (holds(sut.events) || sut.child.exitCode !== null) {
        sut.listeners.delete(check)
        resume(Effect.void)
      }
    }
    sut.listeners.add(check)
    check()
    return Effect.sync(() => sut.listeners.delete(check))
  }).pipe(Effect.timeoutOption(timeout), Effect.asVoid)

/** SIGTERM, then wait for the SUT to flush its exporters and exit. */
const stopSut = (sut: Sut) =>
  Effect.suspend(() => {
    if (sut.child.exitCode !== null) return Effect.void
    sut.child.kill("SIGTERM")
    return waitFor(sut, (es) => es.some((e) => e.event === "stopped"), Duration.seconds(20))
  })

/** Spans the SUT gave up exporting, per correlation id. */
const failedExports = (events: ReadonlyArray<SutEvent>) => {
  const n = new Map<string, number>()
  for (const e of events)
    if (e.event === "export" && e.ok === false) for (const id of e.ids ?? []) n.set(id, (n.get(id) ?? 0) + 1)
  return n
}

const SPANS_PER_REQUEST = 5 // gateway server + client, orders server + client, inventory server

type Sent = TraceCheck.Request & { readonly latencyMs: number; readonly phase: string }

/**
 * One phase of the load: `count` sequential requests through `HttpLoad`, sku numbers from `first`. `spans: true`
 * makes each a `24h.load.iteration` span, which HttpLoad sends on as `traceparent` (the SUT continues 24h's trace)
 * beside `x-correlation-id` (`<phase>-000001`, …). Each request's latency is kept for the outage verdict.
 */
const phase = (url: string, name: string, first: number, count: number, sent: Array<Sent>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const get = yield* HttpLoad.iteration(
        { url: `${url}/checkout`, connections: 1, okStatus: [200, 499] },
        (ctx) => ({
          path: `/checkout?sku=sku-${first + ctx.index}`
        })
      )
      const timed: Load.Iteration = (ctx) => {
        const t0 = performance.now()
        return get(ctx).then((r) => {
          sent.push({ correlationId: ctx.correlationId, ok: r.ok, latencyMs: performance.now() - t0, phase: name })
          return r
        })
      }
      return yield* Load.run(Load.iterations(count, 1), timed, { name, spans: true })
    })
  )

const drive = (options: ScenarioOptions, dir: string) =>
  Effect.gen(function* () {
    const sink = yield* OtlpSink.make({ dir })
    const sut = yield* startSut({
      ...sink.env,
      OTEL_EXPORTER_OTLP_PROTOCOL: options.protocol ?? "http/protobuf",
      OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
      SUT_DROP_CONTEXT: options.dropContext ?? "",
      SUT_FLUSH_PER_REQUEST: options.flushPerRequest === true ? "1" : "",
      SUT_FAIL_SKU: options.failSku ?? ""
    })
    const n = options.requests ?? 8
    const requests: Array<Sent> = []
    yield* phase(sut.url, "baseline", 0, n, requests)
    if (options.outage !== undefined) {
      // Every baseline span is in before the collector misbehaves.
      yield* sink.awaitSpans(n * SPANS_PER_REQUEST, Duration.seconds(20))
      yield* sink.setSwitches([options.outage.switch])
      yield* phase(sut.url, "outage", n, options.outage.requests, requests)
      // A down collector: wait until the SUT gave up exporting every span of the outage (it reports each attempt).
      const during = requests.filter((r) => r.phase === "outage").map((r) => r.correlationId)
      if (options.outage.switch.kind === "down")
        yield* waitFor(
          sut,
          (es) => {
            const failed = failedExports(es)
            return during.every((id) => (failed.get(id) ?? 0) >= SPANS_PER_REQUEST)
          },
          Duration.seconds(30)
        )
      yield* sink.setSwitches([])
      yield* phase(sut.url, "recovered", n + options.outage.requests, 2, requests)
    }
    yield* stopSut(sut)
    return { requests, sutSpans: yield* sink.spans, sutMetrics: yield* sink.metrics }
  }).pipe(Effect.scoped)

const fileFindings = (dir: string, checks: ReadonlyArray<Check.Check>, outage: TraceCheck.Outage | undefined) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const filed: Array<Finding.Finding> = []
    for (const c of checks.filter((x) => x.outcome === "fail")) {
      filed.push(
        yield* ledger.add({
          type: "reliability",
          entryId: "traced-sut",
          agent: "traced-sut-example",
          payload: {
            severity: "medium",
            title: `Broken telemetry: ${c.name} — ${c.message}`.slice(0, 200),
            description: `The completeness check "${c.name}" failed: ${c.message}.`,
            component: "tracing (gateway → orders → inventory)",
            reproduction: "node --import tsx --conditions=@24h/source examples/traced-sut/main.ts (see its options)",
            expected_behavior: "Every request crosses every hop in one trace, with every parent span present.",
            actual_behavior: c.message,
            evidence: [...(c.evidence ?? []), "results/traces/sut.jsonl", "results/traces/24h.jsonl"],
            impact: "An incident on this path cannot be followed end to end: the trace stops at the broken hop.",
            recommendation: "Propagate W3C trace context (traceparent) on every outgoing call.",
            metadata: {}
          }
        })
      )
    }
    if (outage !== undefined && outage.verdict !== "neither") {
      filed.push(
        yield* ledger.add({
          type: outage.verdict === "drops" ? "silent_failure" : "reliability",
          entryId: "traced-sut",
          agent: "traced-sut-example",
          payload: {
            severity: "medium",
            title: `Collector outage: ${outage.message}`.slice(0, 200),
            description: `${outage.message}. Median latency ${outage.duringP50Ms.toFixed(1)} ms during vs ${outage.baselineP50Ms.toFixed(1)} ms before.`,
            component: "OpenTelemetry exporter",
            reproduction: "examples/traced-sut/main.ts with an outage option",
            expected_behavior: "Requests keep their latency and spans are buffered until the collector returns.",
            actual_behavior: outage.message,
            evidence: outage.checks.flatMap((c) => [`${c.name}: ${c.outcome} (${c.message})`, ...(c.evidence ?? [])]),
            impact:
              outage.verdict === "drops"
                ? "Traces of exactly the period that matters (an incident) are missing."
                : "A telemetry outage becomes a user-facing latency incident.",
            recommendation: "Export asynchronously with a bounded queue; never flush on the request path.",
            metadata: {}
          }
        })
      )
    }
    yield* Effect.logDebug(`${filed.length} findings in ${dir}`)
    return filed
  })

export const program = (options: ScenarioOptions = {}) =>
  Effect.gen(function* () {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "24h-traced-sut-"))
    const { requests, sutSpans, sutMetrics } = yield* drive(options, dir).pipe(
      Effect.withSpan("traced-sut.scenario"),
      Effect.provide(Telemetry.layer({ dir, endpoint: null }))
    )
    // 24h's own spans are written now (the Telemetry layer closed): the SUT's traces continue them.
    const allSpans = yield* Telemetry.readSpans(dir)
    const metrics = yield* Telemetry.readMetrics(dir)
    const hops = ["gateway", "orders", "inventory"]
    const judged = options.outage === undefined ? requests : requests.filter((r) => r.phase !== "outage")
    const checks = [
      TraceCheck.everyRequestTraced(sutSpans, judged),
      TraceCheck.expectedHops(sutSpans, judged, hops),
      TraceCheck.noOrphans(allSpans),
      TraceCheck.errorsMarked(sutSpans, judged),
      // Load's own counter (one series per phase, summed): the run's registry holds this run's metrics only.
      TraceCheck.counterMoved(metrics, { metric: "24h.load.iterations", expected: requests.length }),
      TraceCheck.counterMoved(sutMetrics, { metric: "checkout.requests", expected: requests.length })
    ]
    const outage =
      options.outage === undefined
        ? undefined
        : TraceCheck.collectorOutage({
            baselineMs: requests.filter((r) => r.phase === "baseline").map((r) => r.latencyMs),
            duringMs: requests.filter((r) => r.phase === "outage").map((r) => r.latencyMs),
            during: requests.filter((r) => r.phase === "outage"),
            spans: sutSpans
          })
    const findings = yield* fileFindings(dir, checks, outage).pipe(Effect.provide(Ledger.layerFile({ dir })))
    return { dir, requests, checks, outage, findings, sutSpans, allSpans } satisfies ScenarioResult
  })

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const drop = process.env.SUT_DROP_CONTEXT
  const r = await Effect.runPromise(program(drop === "orders" || drop === "gateway" ? { dropContext: drop } : {}))
  for (const c of r.checks) process.stdout.write(`${c.outcome.padEnd(7)} ${c.name}: ${c.message}\n`)
  process.stdout.write(`run directory: ${r.dir}\n`)
}
