/** The `seed` option every mock takes (`number | string | Seed`), validated once for all of them. */
import { Seed } from "@24h/core"
import { Effect, Result } from "effect"
import { type MocksError, mocksError } from "../MocksError.ts"

/**
 * The seed of `<where>`'s options (`HttpMock.make`, `QueueMock.make`…): a made seed passes through, a root is
 * checked, and a bad one fails with `InvalidOptions` naming the option and the value.
 */
export const seedOption = (where: string, input: Seed.Root | Seed.Seed): Effect.Effect<Seed.Seed, MocksError> => {
  const checked = Seed.makeResult(input)
  return Result.isSuccess(checked)
    ? Effect.succeed(checked.success)
    : Effect.fail(
        mocksError("InvalidOptions", `${where}: seed: ${checked.failure.message}`, undefined, {
          module: where,
          field: "seed",
          value: input
        })
      )
}
