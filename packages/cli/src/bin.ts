/**
 * Entry point of the `24h` binary (built to `dist/cli/bin.js`, started by the committed launcher `bin/24h.mjs`).
 *
 * Exit codes: 0 ok, 1 verdict failed, 2 bad input, 3 runtime failure (see `@24h/core/cli`'s `ExitCode`). Under
 * `--json` exactly one JSON document reaches stdout whatever happens — parse errors, help and version included.
 */
import { CliExit, ExitCode, terminalSafe } from "@24h/core/cli"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Effect, Layer } from "effect"
import { CliError, CliOutput } from "effect/cli"
import { run } from "./main.ts"

const args = process.argv.slice(2)
const asJson = args.some((a) => a === "--json" || a === "--json=true")

// Track whether a document already reached stdout, so a failure prints one only when nothing else did.
let wrote = false
const write = process.stdout.write.bind(process.stdout)
process.stdout.write = ((chunk: string | Uint8Array, ...rest: Array<never>) => {
  wrote = true
  return write(chunk, ...rest)
}) as typeof process.stdout.write

/** An error whose message is escaped for the terminal (`terminalSafe`), whatever put it there. */
const safe = <E extends CliError.CliError>(e: E): E =>
  Object.create(e, { message: { value: terminalSafe(e.message), enumerable: true } }) as E

/** effect/cli's formatter, with every error message it renders on stderr passed through `terminalSafe`. */
const formatter: CliOutput.Formatter = (() => {
  const base = CliOutput.defaultFormatter({ colors: !asJson && process.stdout.isTTY === true })
  return {
    ...base,
    formatCliError: (e) => base.formatCliError(safe(e)),
    formatError: (e) => base.formatError(safe(e)),
    formatErrors: (errors) => base.formatErrors(errors.map(safe))
  }
})()

/** Help on stdout when asked for; on a bad invocation help and errors go to stderr, keeping stdout clean. */
const presenter: CliOutput.Presenter = {
  present: (event) => {
    switch (event._tag) {
      case "Help":
        if (!asJson) return Console.log(formatter.formatHelpDoc(event.helpDoc))
        return event.reason === "Requested"
          ? Console.log(JSON.stringify({ ok: true, help: formatter.formatHelpDoc(event.helpDoc) }))
          : Effect.void
      case "InvalidInvocation":
        return asJson
          ? Effect.void
          : Console.error(`${formatter.formatHelpDoc(event.helpDoc)}\n${formatter.formatErrors(event.errors)}`)
      case "Version":
        return Console.log(
          asJson
            ? JSON.stringify({ ok: true, name: event.name, version: event.version })
            : formatter.formatVersion(event.name, event.version)
        )
    }
  }
}

interface Failure {
  readonly code: number
  readonly error: {
    readonly tag: string
    readonly reason: string
    readonly message: string
    readonly [k: string]: unknown
  }
  /** Already shown on stderr by effect/cli. */
  readonly shown: boolean
}

const classify = (cause: Cause.Cause<unknown>): Failure | undefined => {
  if (Cause.hasInterruptsOnly(cause)) return undefined
  const error = Cause.squash(cause)
  if (error instanceof CliExit) {
    const details = (error.details ?? {}) as Record<string, unknown>
    return {
      code: error.code,
      error: { tag: "CliExit", reason: "Failed", ...details, message: error.message },
      shown: true
    }
  }
  if (CliError.isCliError(error)) {
    if (error._tag === "ShowHelp") {
      // `--json` is understood by the binary itself (one document on stdout) even where a command has no such flag.
      const errors = error.errors.filter(
        (e) => !(asJson && e._tag === "UnrecognizedOption" && e.option.replace(/=.*$/, "") === "--json")
      )
      const path = error.commandPath.join(" ")
      const first = errors[0]
      return first === undefined
        ? {
            code: ExitCode.Usage,
            error: {
              tag: "CliError",
              reason: "MissingSubcommand",
              message: `${path}: choose a subcommand (see \`${path} --help\`)`,
              command: path
            },
            shown: false
          }
        : {
            code: ExitCode.Usage,
            error: {
              tag: "CliError",
              reason: first._tag,
              message: errors.map((e) => e.message).join("; "),
              command: path,
              errors: errors.map((e) => ({ reason: e._tag, message: e.message }))
            },
            shown: true
          }
    }
    return {
      code: ExitCode.Usage,
      error: { tag: "CliError", reason: error._tag, message: error.message },
      shown: false
    }
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
  return { code: ExitCode.Runtime, error: { tag: "Defect", reason: "Unexpected", message }, shown: false }
}

const program = run(args).pipe(
  Effect.catchCause((cause) =>
    Effect.sync(() => {
      const failure = classify(cause)
      if (failure === undefined) {
        process.exitCode = 130
        return
      }
      process.exitCode = failure.code
      if (asJson && !wrote) write(`${JSON.stringify({ ok: false, error: failure.error })}\n`)
      if (!failure.shown) process.stderr.write(`${terminalSafe(failure.error.message)}\n`)
    })
  ),
  Effect.provide(Layer.mergeAll(NodeServices.layer, CliOutput.layer(formatter), CliOutput.layerPresenter(presenter)))
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
