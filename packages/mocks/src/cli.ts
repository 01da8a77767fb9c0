/**
 * `24h dataset …` — the subcommands contributed by `@24h/mocks`.
 *
 * @since 0.1.0
 */
import { Command } from "effect/cli"

/**
 * The `dataset` command group.
 *
 * @category commands
 * @since 0.1.0
 */
export const command = Command.make("dataset").pipe(Command.withDescription("(in progress)"))
