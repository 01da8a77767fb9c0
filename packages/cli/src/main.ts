/**
 * The `24h` command: one binary whose subcommands come from each package's own `cli` module, each loaded only when
 * its group is invoked (so `24h finding add` never imports the chaos proxy, the reports or the mocks).
 *
 * @since 0.1.0
 */
import type { FileSystem, Path, Stdio, Terminal } from "effect"
import { Effect } from "effect"
import { Command } from "effect/cli"
import type { ChildProcessSpawner } from "effect/process"
import { version } from "./version.ts"

/**
 * One command group of `24h`: its name (the first word after `24h`) and how to load it.
 *
 * @example
 * ```ts
 * import type { Group } from "@24h/cli"
 *
 * const finding: Group = { name: "finding", load: () => import("@24h/findings/cli").then((m) => m.command) }
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface Group {
  /** The word after `24h` that selects this group (`finding` in `24h finding add`). */
  readonly name: string
  /** Loads the group's command; called only when the group is invoked (or for `24h --help`). */
  readonly load: () => Promise<Command.Command.Any>
}

/**
 * Every command group, loaded lazily. Adding a command is one line here (see the package README).
 *
 * @example
 * ```ts
 * import { groups } from "@24h/cli"
 *
 * const names = groups.map((g) => g.name) // ["run", "load", "proxy", "finding", "report", "merge", "dataset", "mock", "check"]
 * ```
 *
 * @category commands
 * @since 0.2.0
 */
export const groups: ReadonlyArray<Group> = [
  { name: "run", load: () => import("@24h/core/cli").then((m) => m.command) },
  { name: "load", load: () => import("@24h/mocks/cli").then((m) => m.loadCommand) },
  { name: "proxy", load: () => import("@24h/chaos/cli").then((m) => m.command) },
  { name: "finding", load: () => import("@24h/findings/cli").then((m) => m.command) },
  { name: "report", load: () => import("@24h/reporting/cli").then((m) => m.command) },
  { name: "merge", load: () => import("@24h/reporting/cli").then((m) => m.mergeCommand) },
  { name: "dataset", load: () => import("@24h/mocks/cli").then((m) => m.command) },
  { name: "mock", load: () => import("@24h/mocks/cli").then((m) => m.mockCommand) },
  { name: "check", load: () => import("@24h/core/cli").then((m) => m.checkCommand) }
]

const DESCRIPTION = "Reliability testing toolkit: runs, fault proxies, findings, reports and datasets"

/** The first argument that is not a flag: the group a command line selects, when it names one. */
const selected = (args: ReadonlyArray<string>): ReadonlyArray<Group> => {
  const first = args.find((a) => !a.startsWith("-"))
  const group = groups.find((g) => g.name === first)
  return group === undefined ? groups : [group]
}

const build = (commands: ReadonlyArray<Command.Command.Any>) => {
  const base = Command.make("24h").pipe(Command.withDescription(DESCRIPTION))
  const [head, ...rest] = commands
  return head === undefined ? base : base.pipe(Command.withSubcommands([head, ...rest]))
}

/**
 * The root `24h` command with the groups an argument list needs: only the named group when the first word names
 * one, every group otherwise (for `--help`, or to report an unknown subcommand with the full list).
 *
 * @example
 * ```ts
 * import { root } from "@24h/cli"
 * import { Effect } from "effect"
 *
 * const command = Effect.promise(() => root(["finding", "list"]))
 * ```
 *
 * @category commands
 * @since 0.1.0
 */
export const root = async (args: ReadonlyArray<string> = []) =>
  build(await Promise.all(selected(args).map((g) => g.load())))

/**
 * Runs the `24h` command on an argument list (without `node` and the script path).
 *
 * @example
 * ```ts
 * import { run } from "@24h/cli"
 * import { NodeServices } from "@effect/platform-node"
 * import { Effect } from "effect"
 *
 * const program = run(["run", "status", "runs/payments-01/latest"]).pipe(Effect.provide(NodeServices.layer))
 * ```
 *
 * @category running
 * @since 0.1.0
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<void, unknown, Services> =>
  Effect.flatMap(
    Effect.promise(() => root(args)),
    (command) => Command.runWith(command, { version })(args) as Effect.Effect<void, unknown, Services>
  )

/**
 * The platform services `effect/cli` needs to run a command (Node's are `NodeServices.layer`).
 *
 * @example
 * ```ts
 * import type { Services } from "@24h/cli"
 * import { NodeServices } from "@effect/platform-node"
 * import type { Layer } from "effect"
 *
 * const layer: Layer.Layer<Services> = NodeServices.layer
 * ```
 *
 * @category running
 * @since 0.2.0
 */
export type Services =
  | FileSystem.FileSystem
  | Path.Path
  | Terminal.Terminal
  | Stdio.Stdio
  | ChildProcessSpawner.ChildProcessSpawner
