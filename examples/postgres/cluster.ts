/**
 * A throwaway PostgreSQL cluster: `initdb` into a temporary directory, `postgres` on a free loopback port, stopped
 * (fast shutdown, then SIGKILL if it lingers) and the directory removed when the scope closes — also when the
 * scenario fails. As root, the server runs as the `postgres` OS user (it refuses to run as root).
 *
 * With `DATABASE_URL` set, that server is used instead and nothing is started.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Data, Effect, type Scope } from "effect"

export class ClusterError extends Data.TaggedError("ClusterError")<{ readonly message: string }> {}

export interface Cluster {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly database: string
  /** The postmaster's pid (undefined for a `DATABASE_URL` server). */
  readonly pid: number | undefined
  /** The temporary directory (undefined for a `DATABASE_URL` server). */
  readonly dir: string | undefined
}

/** The newest `/usr/lib/postgresql/<version>/bin` with an `initdb`. */
export const binDir = (): string | undefined => {
  const root = "/usr/lib/postgresql"
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin")
}

const postgresUser = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"))
  if (line === undefined) return undefined
  const [, , uid, gid] = line.split(":")
  return { uid: Number(uid), gid: Number(gid) }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo
      srv.close(() => resolve(port))
    })
  })

const run = (cmd: string, args: ReadonlyArray<string>, as: { uid: number; gid: number } | undefined) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(as ?? {}) })
    let err = ""
    child.stderr.on("data", (c) => {
      err += c
    })
    child.stdout.resume()
    child.once("error", reject)
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))))
  })

/** Starts postgres and resolves once it logs that it accepts connections. */
const start = (
  bin: string,
  data: string,
  socketDir: string,
  port: number,
  as: { uid: number; gid: number } | undefined
) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(
      join(bin, "postgres"),
      [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        socketDir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "max_connections=50",
        // A transaction whose client vanished behind the proxy does not hold its row locks for long.
        "-c",
        "idle_in_transaction_session_timeout=5s"
      ],
      { stdio: ["ignore", "pipe", "pipe"], ...(as ?? {}) }
    )
    let log = ""
    const onData = (c: Buffer) => {
      log += c
      if (log.includes("database system is ready to accept connections")) {
        child.stderr!.off("data", onData)
        child.stderr!.resume()
        child.off("exit", onExit)
        resolve(child)
      }
    }
    const onExit = (code: number | null) =>
      reject(new Error(`postgres exited ${code} before it was ready: ${log.trim()}`))
    child.stderr!.on("data", onData)
    child.stdout!.resume()
    child.once("exit", onExit)
    child.once("error", reject)
  })

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), 10_000)
    child.once("exit", () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill("SIGINT") // fast shutdown: roll back open transactions, close connections
  })

const fromUrl = (url: string): Cluster => {
  const u = new URL(url)
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || "postgres"),
    database: u.pathname.replace(/^\//, "") || "postgres",
    pid: undefined,
    dir: undefined
  }
}

/** A cluster for the scope: `databaseUrl`, else `DATABASE_URL` when set, else a throwaway one (`""` forces it). */
export const make = (
  options: { readonly databaseUrl?: string | undefined } = {}
): Effect.Effect<Cluster, ClusterError, Scope.Scope> => {
  const url = options.databaseUrl ?? process.env.DATABASE_URL
  if (url !== undefined && url !== "") return Effect.succeed(fromUrl(url))
  const bin = binDir()
  if (bin === undefined) {
    return Effect.fail(
      new ClusterError({
        message:
          "no /usr/lib/postgresql/<version>/bin/initdb: install Debian's postgresql (scripts/setup.sh) or set DATABASE_URL"
      })
    )
  }
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const dir = mkdtempSync(join(tmpdir(), "24h-postgres-"))
        try {
          const as = postgresUser()
          if (as !== undefined) chownSync(dir, as.uid, as.gid)
          const data = join(dir, "data")
          await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], as)
          const port = await freePort()
          const child = await start(bin, data, dir, port, as)
          // Should this process die without running finalizers (an uncaught exception), take the server along.
          const onExit = () => {
            child.kill("SIGKILL")
            rmSync(dir, { recursive: true, force: true })
          }
          process.once("exit", onExit)
          return { child, dir, port, onExit }
        } catch (e) {
          rmSync(dir, { recursive: true, force: true })
          throw e
        }
      },
      catch: (e) => new ClusterError({ message: `cannot start a throwaway postgres: ${(e as Error).message}` })
    }),
    ({ child, dir, onExit }) =>
      Effect.promise(async () => {
        process.off("exit", onExit)
        await stop(child)
        rmSync(dir, { recursive: true, force: true })
      })
  ).pipe(
    Effect.map(
      ({ child, dir, port }): Cluster => ({
        host: "127.0.0.1",
        port,
        user: "postgres",
        database: "postgres",
        pid: child.pid,
        dir
      })
    )
  )
}
