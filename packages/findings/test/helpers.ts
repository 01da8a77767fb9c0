import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"

export const here = path.dirname(fileURLToPath(import.meta.url))
export const repo = path.resolve(here, "../../..")

export const tmpDir = (prefix = "24h-findings-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

/**
 * Bundles `fixtures/appender.ts` into one `.mjs` (esbuild, which tsx ships): a child then starts in ~0.2 s instead of
 * ~1.5 s under tsx, which keeps 100 kill -9 trials inside the suite's time budget.
 */
export const bundleAppender = async (dir: string): Promise<string> => {
  const outfile = path.join(dir, "appender.mjs")
  await build({
    entryPoints: [path.join(here, "fixtures", "appender.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@24h/source"],
    outfile,
    logLevel: "error"
  })
  return outfile
}

/**
 * Bundles the real `24h` binary (`packages/cli/src/bin.ts`, every package from source) into one `.mjs`: the same
 * program as `tsx bin.ts`, starting in ~0.4 s instead of several seconds, for the CLI tests beyond the first.
 */
export const bundleCli = async (dir: string): Promise<string> => {
  const outfile = path.join(dir, "24h.mjs")
  await build({
    entryPoints: [path.join(repo, "packages/cli/src/bin.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@24h/source"],
    outfile,
    logLevel: "error",
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
    }
  })
  return outfile
}

/** Every child spawned by a test, killed in cleanup. */
export const children = new Set<ChildProcess>()

export const killAll = (): void => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL")
  children.clear()
}

export interface Done {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Spawns a process and collects its output; rejects when it outlives `timeoutMs` (after killing it). */
export const run = (cmd: string, args: ReadonlyArray<string>, timeoutMs = 60_000, cwd = repo): Promise<Done> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${cmd} ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stderr}`))
    }, timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      resolve({ code, signal, stdout, stderr })
    })
  })

/** Runs the real `24h` CLI from source. */
export const cli = (args: ReadonlyArray<string>, timeoutMs = 60_000): Promise<Done> =>
  run(
    process.execPath,
    ["--import", "tsx", "--conditions=@24h/source", path.join(repo, "packages/cli/src/bin.ts"), ...args],
    timeoutMs
  )

export const payload = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  title: "Retries hide upstream 503s",
  severity: "high",
  description: "The client retries 503 forever and reports success.",
  component: "payments-client",
  ...over
})
