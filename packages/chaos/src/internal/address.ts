/**
 * `host:port` parsing and resolution with Go's `net.SplitHostPort` error messages, so API errors read as Toxiproxy's.
 */
import { lookup } from "node:dns/promises"
import { isIP } from "node:net"
import { Result } from "effect"

export interface HostPort {
  readonly host: string
  readonly port: number
}

/** Splits `host:port` / `[v6]:port`; fails with the problem (Go's wording) when malformed. */
export const splitHostPort = (address: string): Result.Result<HostPort, string> => {
  let host: string
  let portText: string
  if (address.startsWith("[")) {
    const close = address.indexOf("]")
    if (close < 0) return Result.fail(`address ${address}: missing ']' in address`)
    if (address[close + 1] !== ":") return Result.fail(`address ${address}: missing port in address`)
    host = address.slice(1, close)
    portText = address.slice(close + 2)
  } else {
    const colon = address.lastIndexOf(":")
    if (colon < 0) return Result.fail(`address ${address}: missing port in address`)
    host = address.slice(0, colon)
    if (host.includes(":")) return Result.fail(`address ${address}: too many colons in address`)
    portText = address.slice(colon + 1)
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    return Result.fail(`address ${address}: invalid port "${portText}"`)
  return Result.succeed({ host, port: Number(portText) })
}

/** Formats an address as `host:port`, bracketing IPv6. */
export const formatHostPort = (host: string, port: number): string =>
  isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`

/**
 * Resolves the host of a listen address to an IP: `localhost` → `127.0.0.1`, `""` → `::` (all interfaces, as Go),
 * other names through DNS preferring IPv4.
 */
export const resolveHost = async (host: string): Promise<string> => {
  if (host === "") return "::"
  if (host === "localhost") return "127.0.0.1"
  if (isIP(host) !== 0) return host
  const { address } = await lookup(host, { verbatim: false })
  return address
}
