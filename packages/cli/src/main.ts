/**
 * The `24h` command: one binary whose subcommands come from each package's own `cli` module.
 *
 * @since 0.1.0
 */

import { command as proxyCommand } from "@24h/chaos/cli"
import { checkCommand, command as runCommand } from "@24h/core/cli"
import { command as findingCommand } from "@24h/findings/cli"
import { command as datasetCommand, loadCommand, mockCommand } from "@24h/mocks/cli"
import { command as reportCommand } from "@24h/reporting/cli"
import { Command } from "effect/cli"
import { version } from "./version.ts"

/**
 * The root `24h` command with every package's subcommands.
 *
 * @category commands
 * @since 0.1.0
 */
export const root = Command.make("24h").pipe(
  Command.withDescription("Reliability testing toolkit: runs, fault proxies, findings, reports and datasets"),
  Command.withSubcommands([
    runCommand,
    loadCommand,
    proxyCommand,
    findingCommand,
    reportCommand,
    datasetCommand,
    mockCommand,
    checkCommand
  ])
)

/**
 * Runs the `24h` command on an argument list (without `node` and the script path).
 *
 * @category running
 * @since 0.1.0
 */
export const run = (args: ReadonlyArray<string>) => Command.runWith(root, { version })(args)
