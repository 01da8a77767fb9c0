/**
 * Core's own metrics (`24h.*`), updated only while `Telemetry.layer` is provided (see instruments.ts).
 */
import { Effect, Metric } from "effect"
import { Enabled } from "./instruments.ts"

/** Millisecond buckets for latencies: 1 ms … ~32 s, doubling. */
export const MS_BOUNDARIES = Metric.exponentialBoundaries({ start: 1, factor: 2, count: 17 })

export const loadIterations = Metric.counter("24h.load.iterations", {
  description: "load iterations completed (ok or not)",
  incremental: true
})
export const loadErrors = Metric.counter("24h.load.errors", {
  description: "load iterations that failed",
  incremental: true
})
export const loadDropped = Metric.counter("24h.load.dropped", {
  description: "arrivals that found every virtual user busy",
  incremental: true
})
export const loadLatency = Metric.histogram("24h.load.latency", {
  description: "iteration latency in ms (open model: from the intended start)",
  boundaries: MS_BOUNDARIES
})
export const faultsApplied = Metric.counter("24h.faults.applied", {
  description: "fault windows applied",
  incremental: true
})
export const faultsRevertErrors = Metric.counter("24h.faults.revert_errors", {
  description: "fault reverts that failed",
  incremental: true
})
export const pipelineRuns = Metric.counter("24h.pipeline.runs", {
  description: "pipelines run, by verdict",
  incremental: true
})

/** `Metric.update` when telemetry is enabled; nothing otherwise. */
export const updateIfEnabled = <I>(metric: Metric.Metric<I, unknown>, input: I): Effect.Effect<void> =>
  Effect.flatMap(Enabled, (on) => (on ? Metric.update(metric, input) : Effect.void))
