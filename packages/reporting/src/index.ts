/**
 * `@24h/reporting` — telemetry packs from logs, `FINAL_REPORT.md`, the DX scorecard, an offline HTML report with
 * charts, and JUnit XML, all rendered from a run directory.
 *
 * @since 0.1.0
 */
export * as FinalReport from "./FinalReport.ts"
export * as HtmlReport from "./HtmlReport.ts"
export * as Junit from "./Junit.ts"
export * as LogAnalysis from "./LogAnalysis.ts"
export * as Recommendations from "./Recommendations.ts"
export * from "./ReportingError.ts"
export * as Scorecard from "./Scorecard.ts"
export * as SilentFailures from "./SilentFailures.ts"
