#!/usr/bin/env node
import { CliExit, ExitCode } from "@24h/core/cli"
/**
 * Entry point of the `24h` binary. Exit codes: 0 ok, 1 verdict failed, 2 bad input, 3 runtime failure
 * (see `@24h/core/cli`'s `ExitCode`).
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { CliError } from "effect/cli"
import { run } from "./main.ts"

const program = run(process.argv.slice(2)).pipe(
  Effect.catch((error: unknown) =>
    Effect.sync(() => {
      if (error instanceof CliExit) process.exitCode = error.code
      else if (CliError.isCliError(error)) process.exitCode = ExitCode.Usage
      else {
        process.exitCode = ExitCode.Runtime
        console.error(error)
      }
    })
  ),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
