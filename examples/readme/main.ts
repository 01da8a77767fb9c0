import { Invariant, Load, Log, Pipeline, Run } from "@24h/core"
import { HttpLoad } from "@24h/mocks"
import { Effect } from "effect"

export const program = (url: string, root = "runs") =>
  Effect.gen(function* () {
    const run = yield* Run.make({ root, seed: 42, metadata: { ENTRY_ID: "orders", ENTRY_TITLE: "Orders API" } })
    const invariants = yield* Invariant.make
    const ok = invariants.always("every response is 200")
    const get = yield* HttpLoad.iteration({ url: `${url}/orders/1` })
    const result = yield* Pipeline.baseline({
      name: "orders",
      dir: run.dir,
      load: {
        model: Load.constantRate({ rate: "100/s", duration: "1s" }),
        iteration: (ctx) => get(ctx).then((r) => ok.check(r.status === 200, { status: r.status }))
      },
      thresholds: ["p95 < 100ms", "errorRate < 1%", "dropped == 0"],
      invariants
    })
    yield* Effect.logInfo(`baseline: ${result.verdict}`)
    return result
  }).pipe(Effect.scoped, Effect.provide(Log.layer({ file: `${root}/orders.log` })))
