import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { build } from "esbuild"

export const repo = path.resolve(import.meta.dirname, "..", "..", "..")
export const launcherSource = path.join(repo, "packages", "cli", "bin", "24h.mjs")

export const tmpDir = (prefix = "24h-cli-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

/**
 * A package directory laid out as a checkout after `npm run build`: the committed launcher `bin/24h.mjs`, the
 * package.json, and `dist/cli/bin.js` built from the current sources the way tsup builds it (one bundle, split at each
 * lazily loaded group). With `built: false`, as a checkout before the build.
 */
export const makePackage = async (built = true): Promise<{ readonly dir: string; readonly launcher: string }> => {
  const dir = tmpDir("24h-cli-pkg-")
  fs.mkdirSync(path.join(dir, "bin"))
  fs.copyFileSync(launcherSource, path.join(dir, "bin", "24h.mjs"))
  fs.copyFileSync(path.join(repo, "packages", "cli", "package.json"), path.join(dir, "package.json"))
  if (built) {
    await build({
      entryPoints: { bin: path.join(repo, "packages", "cli", "src", "bin.ts") },
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node20",
      conditions: ["@24h/source"],
      outdir: path.join(dir, "dist", "cli"),
      logLevel: "error",
      banner: {
        js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
      }
    })
  }
  return { dir, launcher: path.join(dir, "bin", "24h.mjs") }
}

export interface Done {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `node <script> ...args`; resolves when it exits (killed after `timeoutMs`). */
export const run = (
  script: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {}
): Promise<Done> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? repo,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${script} ${args.join(" ")} did not finish within ${options.timeoutMs ?? 60_000} ms`))
    }, options.timeoutMs ?? 60_000)
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

/** The one JSON document on stdout, failing the test when there is not exactly one. */
export const oneDocument = (stdout: string): Record<string, unknown> => {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "")
  if (lines.length !== 1) throw new Error(`expected exactly one JSON line on stdout, got ${lines.length}:\n${stdout}`)
  return JSON.parse(lines[0] as string) as Record<string, unknown>
}
