import { spawn, spawnSync } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
export const repoRoot = join(here, "..", "..", "..")
const tsx = pathToFileURL(createRequire(join(repoRoot, "package.json")).resolve("tsx")).href

/** node arguments that run a TypeScript file from source, from any working directory. */
export const tsArgs = (file: string, ...args: Array<string>) => [
  "--import",
  tsx,
  "--conditions=@24h/source",
  file,
  ...args
]

export const fixture = (name: string) => join(here, "fixtures", name)
export const cliBin = join(repoRoot, "packages", "cli", "src", "bin.ts")

export interface Ran {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs a TypeScript file in a child process and waits (bounded) for it. */
export const runTs = (
  file: string,
  args: ReadonlyArray<string>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}
): Ran => {
  const r = spawnSync(process.execPath, tsArgs(file, ...args), {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: 60_000
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs the `24h` binary from source. */
export const run24h = (args: ReadonlyArray<string>, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runTs(cliBin, args, options)

export const spawnTs = (
  file: string,
  args: ReadonlyArray<string>,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}
) =>
  spawn(process.execPath, tsArgs(file, ...args), {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  })
