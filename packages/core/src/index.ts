/**
 * `@24h/core` — the shared vocabulary of 24h: seeds, runs, logs, invariants, histograms, thresholds, pipelines.
 *
 * @since 0.1.0
 */
export * as Check from "./Check.ts"
export * from "./CoreError.ts"
export * as Fault from "./Fault.ts"
export * as FaultSchedule from "./FaultSchedule.ts"
export * as Histogram from "./Histogram.ts"
export * as History from "./History.ts"
export * as Invariant from "./Invariant.ts"
export * as Linearizability from "./Linearizability.ts"
export * as Load from "./Load.ts"
export * as Log from "./Log.ts"
export * as Pipeline from "./Pipeline.ts"
export * as Run from "./Run.ts"
export * as SchemaDrift from "./SchemaDrift.ts"
export * as Seed from "./Seed.ts"
export * as SteadyState from "./SteadyState.ts"
export * as Threshold from "./Threshold.ts"
export { version } from "./version.ts"
