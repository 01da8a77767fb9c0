import { createHash } from "node:crypto"

/** Lower-case, NFKC, every run of non-letters/digits collapsed to one space, trimmed. */
export const normalize = (text: string): string =>
  text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()

/** The fingerprint of a finding: type, normalised component and normalised title (SHA-256, 32 hex digits). */
export const fingerprintOf = (f: {
  readonly type: string
  readonly component: string
  readonly title: string
}): string =>
  createHash("sha256")
    .update(`24h-finding/v1\u0000${f.type}\u0000${normalize(f.component)}\u0000${normalize(f.title)}`)
    .digest("hex")
    .slice(0, 32)
