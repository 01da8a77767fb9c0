/**
 * `24h report …` — the subcommands contributed by `@24h/reporting`.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"

/**
 * The `report` command group.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("report").pipe(Command.withDescription("(in progress)"))
