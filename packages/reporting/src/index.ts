/**
 * `@24h/reporting` — telemetry packs from logs, `FINAL_REPORT.md`, the DX scorecard, an offline HTML report with
 * charts, and JUnit XML, all rendered from a run directory.
 *
 * @since 0.1.0
 */

/**
 * JUnit XML has one home, `Junit` of `@24h/findings` (findings and pipeline results, one serialiser); it is
 * re-exported here, the same object, so `import { Junit } from "@24h/reporting"` keeps working beside the other
 * reports of a run.
 */
export { Junit } from "@24h/findings"
export * as FinalReport from "./FinalReport.ts"
export * as HtmlReport from "./HtmlReport.ts"
export * as LogAnalysis from "./LogAnalysis.ts"
export * as Recommendations from "./Recommendations.ts"
export * from "./ReportingError.ts"
export * as Scorecard from "./Scorecard.ts"
export * as SilentFailures from "./SilentFailures.ts"
