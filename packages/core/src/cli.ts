/**
 * Building blocks shared by every package's `24h` subcommands, and core's own `24h run …` commands.
 *
 * Conventions every subcommand follows (so agents can script them):
 * - `--json` prints one JSON document on stdout (success or failure); without it, human text.
 * - Exit codes: {@link ExitCode} — 0 ok, 1 the thing ran and its verdict failed, 2 bad input, 3 runtime failure.
 * - Failures are {@link CliExit} values: the message is rendered by `effect/cli`, the code becomes the exit code.
 *
 * @since 0.1.0
 */
import { Console, Data, Effect } from "effect"
import { CliError, Command, Flag } from "effect/cli"

/**
 * Exit codes of the `24h` binary.
 *
 * @category constants
 * @since 0.1.0
 */
export const ExitCode = {
  /** Done, and the verdict (if any) passed. */
  Ok: 0,
  /** Done, and the verdict failed (violated threshold, failed invariant, failing pipeline). */
  Failed: 1,
  /** Bad input: a flag, payload or file failed validation. Nothing was written. */
  Usage: 2,
  /** A runtime failure: I/O, a port in use, a crash in the SUT harness. */
  Runtime: 3
} as const

/**
 * A command failure carrying its exit code. `effect/cli` renders `message`; the `24h` binary exits with `code`.
 *
 * @category errors
 * @since 0.1.0
 */
export class CliExit extends Data.TaggedError("CliExit")<{
  readonly code: number
  readonly message: string
  readonly details?: unknown
}> {
  override get [CliError.userMessage](): string {
    return this.message
  }
}

/**
 * The `--json` flag every command accepts.
 *
 * @category flags
 * @since 0.1.0
 */
export const json = Flag.Boolean("json").pipe(
  Flag.withDefault(false),
  Flag.withDescription("Print one JSON document on stdout, for agents and scripts")
)

/**
 * Prints a value: as JSON when `asJson`, otherwise through `human` (defaults to pretty JSON).
 *
 * @category output
 * @since 0.1.0
 */
export const emit = <A>(value: A, asJson: boolean, human?: (value: A) => string): Effect.Effect<void> =>
  Console.log(asJson || human === undefined ? JSON.stringify(value, null, asJson ? 0 : 2) : human(value))

/**
 * Turns any tagged failure with a `message` into a {@link CliExit}; with `--json` the failure is also printed as
 * `{"ok":false,"error":{...}}` on stdout so agents can parse it.
 *
 * @category output
 * @since 0.1.0
 */
export const exitOnError =
  (asJson: boolean, code: number = ExitCode.Runtime) =>
  <A, E extends { readonly message: string; readonly _tag?: string; readonly reason?: unknown }, R>(
    self: Effect.Effect<A, E, R>
  ): Effect.Effect<A, CliExit, R> =>
    Effect.catch(self, (e: E) => {
      if (e instanceof CliExit) return Effect.fail(e)
      const reason = typeof e.reason === "string" ? e.reason : undefined
      const mapped =
        reason === "InvalidInput" ||
        reason === "InvalidSeed" ||
        reason === "InvalidThreshold" ||
        reason?.startsWith("Invalid")
          ? ExitCode.Usage
          : code
      const error = { tag: e._tag, reason, message: e.message }
      return Effect.andThen(
        asJson ? Console.log(JSON.stringify({ ok: false, error })) : Effect.void,
        Effect.fail(new CliExit({ code: mapped, message: e.message, details: error }))
      )
    })

/**
 * The `run` command group (filled in by the Run module).
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("run").pipe(Command.withDescription("Create and inspect run directories"))
