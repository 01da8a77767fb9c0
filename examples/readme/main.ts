import { Invariant, Log, Pipeline, Run } from "@24h/core"
import { Effect } from "effect"

export const program = (url: string, root = "runs") =>
  Effect.gen(function* () {
    const run = yield* Run.make({ root, seed: 42, metadata: { ENTRY_ID: "orders", ENTRY_TITLE: "Orders API" } })
    const invariants = Invariant.catalog()
    const ok = invariants.always("every response is 200")
    const result = yield* Pipeline.run(
      { kind: "baseline", name: "orders", thresholds: ["p95 < 100ms", "errorRate < 1%"], invariants, dir: run.dir },
      (rec) =>
        Effect.promise(async () => {
          for (let i = 0; i < 100; i++) {
            const started = performance.now()
            const res = await fetch(`${url}/orders/1`)
            await res.arrayBuffer()
            rec.record(performance.now() - started, res.ok)
            ok.check(res.status === 200, { status: res.status })
          }
        })
    )
    yield* Effect.logInfo(`baseline: ${result.verdict}`)
    return result
  }).pipe(Effect.provide(Log.layer({ file: `${root}/orders.log` })))
