/**
 * Quickstart: one complete, small reliability run.
 *
 * 1. creates a run directory `runs/quickstart/run-YYYY-MM-DD-NN/` (a new one each time; see examples/checkout for
 *    a run that resumes by phase),
 * 2. starts a small real HTTP service on 127.0.0.1 (port 0) whose latency is drawn from the run's seed,
 * 3. runs a bounded baseline pipeline against it (`Pipeline.baseline` with `HttpLoad`) — thresholds, an invariant,
 *    a latency histogram,
 * 4. writes the run's logs (results/logs/run.log) and the pipeline result (results/pipelines/baseline-orders.json),
 * 5. prints where the run is and how to replay it.
 *
 *   npm start                       # from the repository root
 *   H24_SEED=7 npm start            # replay (or vary) the seed
 */

import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { pathToFileURL } from "node:url"
import { Histogram, Invariant, Load, Log, Pipeline, Run, Seed } from "@24h/core"
import { HttpLoad } from "@24h/mocks"
import { Effect } from "effect"

export interface QuickstartOptions {
  /** Where runs go. Default `runs`. */
  readonly root?: string
  /** Root seed. Default `H24_SEED`, else 42. */
  readonly seed?: Seed.Root
  /** Requests in the baseline. Default 300. */
  readonly requests?: number
  /** Concurrent clients. Default 4. */
  readonly concurrency?: number
}

export interface QuickstartResult {
  readonly dir: string
  readonly verdict: Pipeline.Verdict
  readonly summary: Histogram.Summary
  readonly resultPath: string
  readonly logPath: string
  readonly replay: string
}

/** A tiny orders service: GET /orders/:id answers JSON after a seeded delay of 1–8 ms. */
const ordersService = (seed: Seed.Seed) =>
  Effect.acquireRelease(
    Effect.callback<{ server: Server; url: string }, Error>((resume) => {
      const rng = Seed.stream(Seed.derive(seed, "quickstart/orders-service"))
      const server = createServer((req, res) => {
        const match = /^\/orders\/(\d+)$/.exec(req.url ?? "")
        const delay = rng.nextInt(1, 8)
        setTimeout(() => {
          if (match === null) {
            res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}')
            return
          }
          res.writeHead(200, { "content-type": "application/json" })
          res.end(JSON.stringify({ id: Number(match[1]), status: "shipped", total: 1299 }))
        }, delay)
      })
      server.once("error", (e) => resume(Effect.fail(e)))
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}` }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )

/**
 * The baseline: `requests` GETs from `concurrency` virtual users, each timed and checked. `HttpLoad.iteration` sends
 * the iteration's correlation id as `x-correlation-id`; `Pipeline.baseline` runs the load and judges it.
 */
const baseline = (url: string, options: Required<Pick<QuickstartOptions, "requests" | "concurrency">>) =>
  Effect.gen(function* () {
    const invariants = yield* Invariant.make
    const okShape = invariants.always("every response is 200")
    const get = yield* HttpLoad.iteration({ url: `${url}/orders/1`, connections: options.concurrency })
    const checked: Load.Iteration = (ctx) =>
      get(ctx).then((r) => {
        okShape.check(r.status === 200, { status: r.status, correlationId: ctx.correlationId })
        return r
      })
    return yield* Pipeline.baseline({
      name: "orders",
      load: { model: Load.iterations(options.requests, options.concurrency), iteration: checked },
      thresholds: ["p95 < 100ms", "errorRate < 1%", "requests >= 100"],
      invariants,
      windowMs: 250
    })
  }).pipe(Effect.scoped)

/** The whole quickstart as an Effect program. */
export const program = (options: QuickstartOptions = {}) =>
  Effect.gen(function* () {
    const seed = options.seed ?? (process.env.H24_SEED ? (yield* Seed.parse(process.env.H24_SEED)).root : 42)
    const run = yield* Run.make({
      root: options.root ?? "runs",
      seed,
      metadata: {
        ENTRY_ID: "quickstart",
        ENTRY_TITLE: "Quickstart: an orders service under a baseline pipeline",
        PRIORITY: "P2",
        RISK_CLASS: "low",
        INDUSTRY: "e-commerce",
        DEPLOYMENT_MODE: "in-process",
        MISSION_BRIEF: "Show the 24h run layout, logs and a pipeline result on a small real HTTP service."
      }
    })
    const inRun = Effect.gen(function* () {
      yield* Run.phase(run, "research", Effect.logInfo("research: the SUT is a single GET /orders/:id endpoint"))
      const service = yield* ordersService(run.seed)
      yield* Effect.logInfo(`orders service listening on ${service.url}`).pipe(Log.withComponent("sut"))
      const result = yield* baseline(service.url, {
        requests: options.requests ?? 300,
        concurrency: options.concurrency ?? 4
      })
      yield* Effect.logInfo(`baseline verdict: ${result.verdict}`, {
        thresholds: result.thresholds.map((t) => t.message)
      })
      return result
    }).pipe(
      Effect.scoped,
      Log.withComponent("quickstart"),
      Effect.provideService(Run.CurrentRun, run),
      Effect.provide(Log.layer({ dir: run.dir, pretty: false }))
    )
    const result = yield* inRun
    const out: QuickstartResult = {
      dir: run.dir,
      verdict: result.verdict,
      summary: Histogram.summary(Histogram.decode(result.latency)),
      resultPath: `${run.dir}/results/pipelines/baseline-orders.json`,
      logPath: Log.pathIn(run.dir),
      replay: run.metadata.replay
    }
    return out
  }).pipe(Effect.withSpan("quickstart"))

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const r = await Effect.runPromise(program())
  console.log(`24h quickstart — baseline ${r.verdict.toUpperCase()}`)
  console.log(
    `  p50 ${r.summary.p50.toFixed(2)} ms · p95 ${r.summary.p95.toFixed(2)} ms · p99 ${r.summary.p99.toFixed(2)} ms · ${r.summary.count} requests`
  )
  console.log(`  run       ${r.dir}`)
  console.log(`  result    ${r.resultPath}`)
  console.log(`  logs      ${r.logPath}`)
  console.log(`  replay    ${r.replay} npm run quickstart`)
  process.exitCode = Pipeline.exitCode([r])
}
