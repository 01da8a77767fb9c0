/**
 * Prometheus text exposition (format 0.0.4) of proxy counters, with Toxiproxy's metric and label names.
 */
import type { ProxyCore } from "./proxy.ts"

const escapeLabel = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")

const labels = (pairs: ReadonlyArray<readonly [string, string]>): string =>
  `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`

/** Renders the counters of every proxy, sorted by proxy name. */
export const render = (proxies: ReadonlyArray<ProxyCore>): string => {
  const sorted = [...proxies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const out: Array<string> = []
  const family = (
    name: string,
    help: string,
    type: "counter" | "gauge",
    rows: (p: ProxyCore) => ReadonlyArray<readonly [ReadonlyArray<readonly [string, string]>, number]>
  ) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const p of sorted) for (const [ls, v] of rows(p)) out.push(`${name}${labels(ls)} ${v}`)
  }
  const base = (p: ProxyCore) =>
    [
      ["listener", p.listen],
      ["proxy", p.name],
      ["upstream", p.upstream]
    ] as const
  const byDirection = (key: "received" | "sent") => (p: ProxyCore) =>
    (["downstream", "upstream"] as const).map(
      (d) => [[["direction", d] as const, ...base(p)], p.stats[d][key]] as const
    )
  family(
    "toxiproxy_proxy_received_bytes_total",
    "The total bytes received from the source of each direction",
    "counter",
    byDirection("received")
  )
  family(
    "toxiproxy_proxy_sent_bytes_total",
    "The total bytes sent to the destination of each direction",
    "counter",
    byDirection("sent")
  )
  family("chaos_proxy_connections_total", "The connections accepted by the proxy", "counter", (p) => [
    [base(p), p.stats.connectionsTotal]
  ])
  family("chaos_proxy_connections_active", "The connections open through the proxy", "gauge", (p) => [
    [base(p), p.stats.connectionsActive]
  ])
  return `${out.join("\n")}\n`
}
