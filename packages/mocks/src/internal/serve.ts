/** A mock's HTTP server on 127.0.0.1 as a scoped resource: listen, track sockets, and on release close everything. */
import type { AddressInfo, Server, Socket } from "node:net"
import { Effect, type Scope } from "effect"
import { type MocksError, mocksError } from "../MocksError.ts"

/**
 * Listens on `127.0.0.1:port` in the current scope and answers the port bound. A listen error fails with
 * `Server` (`<where>: cannot listen on 127.0.0.1:<port>: …`). On release, pending `timers` are cleared, every socket
 * is destroyed and the server closed; a client's protocol error only destroys its own socket.
 */
export const serveScoped = (
  where: string,
  server: Server & { closeAllConnections?: () => void },
  port: number,
  timers: Set<ReturnType<typeof setTimeout>>
): Effect.Effect<number, MocksError, Scope.Scope> => {
  const sockets = new Set<Socket>()
  server.on("connection", (s: Socket) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })
  server.on("clientError", (_e: Error, socket: Socket) => socket.destroy())
  const listen = Effect.callback<void, MocksError>((resume) => {
    const onError = (e: Error) =>
      resume(Effect.fail(mocksError("Server", `${where}: cannot listen on 127.0.0.1:${port}: ${e.message}`, e)))
    server.once("error", onError)
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError)
      resume(Effect.void)
    })
  })
  return Effect.acquireRelease(listen, () =>
    Effect.callback<void>((resume) => {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      server.close(() => resume(Effect.void))
      for (const s of sockets) s.destroy()
      server.closeAllConnections?.()
    })
  ).pipe(Effect.map(() => (server.address() as AddressInfo).port))
}
