/**
 * The system under test of the chaos-vitest example: a tiny line-protocol key-value server and a client with a
 * deadline and one retry. The test (`main.test.ts`) puts a `TcpProxy` between them and injects faults.
 */
import * as net from "node:net"

/** Starts a server on 127.0.0.1:0 answering `GET <key>\n` with `<value>\n`. */
export const startServer = async (
  data: Readonly<Record<string, string>>
): Promise<{ readonly address: string; readonly close: () => Promise<void> }> => {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => {})
    let buffered = ""
    socket.on("data", (chunk) => {
      buffered += chunk.toString()
      let nl = buffered.indexOf("\n")
      while (nl >= 0) {
        const key = buffered.slice(0, nl).replace(/^GET /, "")
        buffered = buffered.slice(nl + 1)
        socket.write(`${data[key] ?? ""}\n`)
        nl = buffered.indexOf("\n")
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}

/** One request on a fresh connection; rejects with `timeout` after `timeoutMs`, or with the socket error. */
const once = (port: number, key: string, timeoutMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error("timeout"))
    }, timeoutMs)
    let buffered = ""
    socket.on("connect", () => socket.write(`GET ${key}\n`))
    socket.on("data", (chunk) => {
      buffered += chunk.toString()
      const nl = buffered.indexOf("\n")
      if (nl >= 0) {
        clearTimeout(timer)
        socket.end()
        resolve(buffered.slice(0, nl))
      }
    })
    socket.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    socket.on("end", () => {
      clearTimeout(timer)
      reject(new Error("closed"))
    })
  })

/** `GET key` with a deadline per attempt and one retry on a connection error. */
export const get = async (port: number, key: string, options: { readonly timeoutMs: number }): Promise<string> => {
  try {
    return await once(port, key, options.timeoutMs)
  } catch (e) {
    if ((e as Error).message === "timeout") throw e
    return once(port, key, options.timeoutMs)
  }
}
