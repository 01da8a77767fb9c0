/**
 * What an `OtlpSink` keeps: the decoded requests in memory (flattened on read) and, with a run directory, on disk.
 *
 * ```
 * <dir>/results/traces/<name>.jsonl       one OTLP/JSON TracesData per accepted request (appended)
 * <dir>/results/metrics/<name>.json       every accepted MetricsData merged into one (rewritten atomically)
 * <dir>/results/logs/<name>.otlp.jsonl    one OTLP/JSON LogsData per accepted request (appended)
 * ```
 *
 * Waiters (`awaitSpans`) are plain callbacks run after each store: no polling.
 */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Telemetry } from "@24h/core"

export type Signal = "traces" | "metrics" | "logs"

export interface Files {
  readonly traces: string
  readonly metrics: string
  readonly logs: string
}

export const filesIn = (dir: string, name: string): Files => ({
  traces: join(dir, "results", "traces", `${name}.jsonl`),
  metrics: join(dir, "results", "metrics", `${name}.json`),
  logs: join(dir, "results", "logs", `${name}.otlp.jsonl`)
})

export class Store {
  readonly traces: Array<Telemetry.TracesData> = []
  readonly metrics: Array<Telemetry.MetricsData> = []
  readonly logs: Array<Telemetry.LogsData> = []
  spanCount = 0
  private readonly waiters = new Set<() => void>()

  constructor(readonly files: Files | undefined) {
    if (files !== undefined) {
      for (const f of Object.values(files)) mkdirSync(join(f, ".."), { recursive: true })
    }
  }

  add(signal: Signal, data: Telemetry.TracesData | Telemetry.MetricsData | Telemetry.LogsData): number {
    let items = 0
    if (signal === "traces") {
      const d = data as Telemetry.TracesData
      this.traces.push(d)
      items = Telemetry.spansOf(d).length
      this.spanCount += items
      if (this.files !== undefined) appendFileSync(this.files.traces, `${JSON.stringify(d)}\n`)
    } else if (signal === "metrics") {
      const d = data as Telemetry.MetricsData
      this.metrics.push(d)
      items = Telemetry.pointsOf(d).length
      if (this.files !== undefined) {
        const merged = { resourceMetrics: this.metrics.flatMap((m) => m.resourceMetrics) }
        const tmp = `${this.files.metrics}.${process.pid}.tmp`
        writeFileSync(tmp, JSON.stringify(merged))
        renameSync(tmp, this.files.metrics)
      }
    } else {
      const d = data as Telemetry.LogsData
      this.logs.push(d)
      items = d.resourceLogs.reduce(
        (n, r) => n + (r.scopeLogs ?? []).reduce((m, s) => m + (s.logRecords ?? []).length, 0),
        0
      )
      if (this.files !== undefined) appendFileSync(this.files.logs, `${JSON.stringify(d)}\n`)
    }
    for (const w of this.waiters) w()
    return items
  }

  onChange(f: () => void): () => void {
    this.waiters.add(f)
    return () => this.waiters.delete(f)
  }
}
