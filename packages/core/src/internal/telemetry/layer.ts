/**
 * The body of `Telemetry.layer`, loaded on first use: Effect's OtlpTracer and OtlpMetrics over the file transport.
 */
import { join } from "node:path"
import { Duration, Effect, Layer, Metric } from "effect"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import type * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpMetrics from "effect/observability/OtlpMetrics"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import type { LayerOptions } from "../../Telemetry.ts"
import * as fileClient from "./fileClient.ts"
import { Enabled } from "./instruments.ts"

export const make = (options: LayerOptions): Layer.Layer<OtlpExporter.Flusher> => {
  const name = options.name ?? "24h"
  const paths = { traces: join(options.dir, "results", "traces"), metrics: join(options.dir, "results", "metrics") }
  const endpoint =
    options.endpoint === null ? undefined : (options.endpoint ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? undefined)
  const forwardBase = endpoint === undefined || endpoint === "" ? undefined : endpoint
  const resource = {
    serviceName: options.serviceName ?? "24h",
    attributes: { ...options.attributes }
  }
  const interval = options.exportInterval ?? Duration.seconds(1)
  const base = "http://24h.telemetry.local"
  const signals = Layer.mergeAll(
    OtlpTracer.layer({ url: `${base}/v1/traces`, resource, exportInterval: interval, maxBatchSize: 512 }),
    OtlpMetrics.layer({ url: `${base}/v1/metrics`, resource, exportInterval: interval })
  )
  const client = Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function* () {
      const forward =
        forwardBase === undefined ? undefined : yield* HttpClient.HttpClient.pipe(Effect.provide(FetchHttpClient.layer))
      return fileClient.make({
        tracesFile: join(paths.traces, `${name}.jsonl`),
        metricsFile: join(paths.metrics, `${name}.json`),
        forward,
        forwardBase,
        stats: { written: 0, forwarded: 0, forwardFailures: 0 }
      })
    })
  )
  // A registry of its own: what the files hold is this run's metrics, not the process's since it started.
  const registry = Layer.sync(Metric.MetricRegistry, () => new Map())
  return signals.pipe(
    Layer.provide(Layer.mergeAll(client, OtlpSerialization.layerJson)),
    Layer.provideMerge(Layer.mergeAll(registry, Layer.succeed(Enabled, true)))
  )
}
