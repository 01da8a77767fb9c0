/**
 * `@24h/core` — the shared vocabulary of 24h: seeds, runs, logs, invariants, histograms, thresholds, pipelines.
 *
 * @since 0.1.0
 */
export * from "./CoreError.ts"
export * as Seed from "./Seed.ts"
