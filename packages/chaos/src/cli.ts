/**
 * `24h proxy …` — the subcommands contributed by `@24h/chaos`.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"

/**
 * The `proxy` command group.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("proxy").pipe(Command.withDescription("(in progress)"))
