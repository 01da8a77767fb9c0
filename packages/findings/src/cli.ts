/**
 * `24h finding …` — the subcommands contributed by `@24h/findings`.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"

/**
 * The `finding` command group.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("finding").pipe(Command.withDescription("(in progress)"))
