import { createHash } from "node:crypto"

/**
 * NFKC, lower case, every run of white space (and invisible format characters) collapsed to one space, trimmed,
 * with sentence punctuation at the very end (`.`, `!`, `?`, `…`) dropped. Everything else is kept: digits, signs,
 * operators and punctuation inside the text change what a title means (`-1` vs `1`, `p95 > 2s` vs `p95 < 2s`,
 * `user@example.com` vs `user example com`).
 */
export const normalize = (text: string): string =>
  text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\p{Cf}]+/gu, "")
    .replace(/\s+/gu, " ")
    .trim()
    .replace(/[\s.!?\u2026]+$/u, "")

/** The fingerprint of a finding: type, normalised component and normalised title (SHA-256, 32 hex digits). */
export const fingerprintOf = (f: {
  readonly type: string
  readonly component: string
  readonly title: string
}): string =>
  createHash("sha256")
    .update(`24h-finding/v2\u0000${f.type}\u0000${normalize(f.component)}\u0000${normalize(f.title)}`)
    .digest("hex")
    .slice(0, 32)
