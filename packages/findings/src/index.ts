/**
 * `@24h/findings` — the findings ledger: typed, safe under concurrency and crashes, with SARIF, JUnit and Markdown
 * export.
 *
 * @since 0.1.0
 */
export * as Escape from "./Escape.ts"
export * as Finding from "./Finding.ts"
export * from "./FindingsError.ts"
export * as Fingerprint from "./Fingerprint.ts"
export * as FromRun from "./FromRun.ts"
export * as Junit from "./Junit.ts"
export * as Ledger from "./Ledger.ts"
export * as Markdown from "./Markdown.ts"
export * as Merge from "./Merge.ts"
export * as Sarif from "./Sarif.ts"
