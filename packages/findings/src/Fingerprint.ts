/**
 * Fingerprints: the identity of a finding across filings and exports — its type, its normalised component and its
 * normalised title. The same finding filed twice has the same fingerprint, so the ledger reports the second as a
 * duplicate of the first, and SARIF's `partialFingerprints` stay stable across runs.
 *
 * @since 0.1.0
 */
import { fingerprintOf, normalize as normalizeText } from "./internal/fingerprint.ts"

/**
 * The fingerprint (32 hex digits of SHA-256) of a finding's type, normalised component and normalised title.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "@24h/findings"
 * Fingerprint.of({ type: "bug", component: "Payments", title: "Retry storm!" }) ===
 *   Fingerprint.of({ type: "bug", component: "payments", title: "  retry   STORM" }) // true
 * Fingerprint.of({ type: "bug", component: "api", title: "p95 > 2s" }) ===
 *   Fingerprint.of({ type: "bug", component: "api", title: "p95 < 2s" }) // false
 * ```
 *
 * @category fingerprints
 * @since 0.1.0
 */
export const of = (finding: { readonly type: string; readonly component: string; readonly title: string }): string =>
  fingerprintOf(finding)

/**
 * The normalisation used by {@link of}: NFKC, lower case, white space collapsed and trimmed, sentence punctuation at
 * the end dropped. Digits, signs, operators and inner punctuation are kept, because they change what a title means.
 *
 * @example
 * ```ts
 * import { Fingerprint } from "@24h/findings"
 * Fingerprint.normalize("  Retry-Storm   on 503!! ") // "retry-storm on 503"
 * ```
 *
 * @category fingerprints
 * @since 0.1.0
 */
export const normalize = (text: string): string => normalizeText(text)
