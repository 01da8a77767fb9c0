/** Keys whose values are secrets, matched case-insensitively after removing '-' and '_'. */
export const SECRET_KEYS = [
  "authorization",
  "proxyauthorization",
  "cookie",
  "setcookie",
  "xapikey",
  "apikey",
  "token",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "secret",
  "clientsecret",
  "password",
  "passwd",
  "privatekey"
]

export const REDACTED = "[redacted]"

const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, "")

/** Secret-looking substrings of free text: bearer tokens, basic credentials, OpenAI-style keys. */
const TEXT_PATTERNS: ReadonlyArray<RegExp> = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\b((?:api[_-]?key|token|password|secret)=)[^\s&"']+/gi
]

export const redactText = (text: string): string => {
  let out = text
  for (const p of TEXT_PATTERNS) {
    out = out.replace(p, (_match, g1: string | undefined) =>
      g1 !== undefined && /=$/.test(g1)
        ? `${g1}${REDACTED}`
        : g1 !== undefined && /^(Bearer|Basic)$/i.test(g1)
          ? `${g1} ${REDACTED}`
          : REDACTED
    )
  }
  return out
}

/** A copy of `value` with secret keys redacted, at any depth (cycles and depth bounded). */
export const makeRedactor = (extraKeys: ReadonlyArray<string>) => {
  const keys = new Set([...SECRET_KEYS, ...extraKeys.map(normalise)])
  const walk = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === "string") return redactText(value)
    if (value === null || typeof value !== "object") return value
    if (depth > 8 || seen.has(value)) return "[…]"
    seen.add(value)
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen))
    if (value instanceof Error)
      return {
        type: value.name,
        message: redactText(value.message),
        stack: value.stack === undefined ? undefined : redactText(value.stack)
      }
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      out[k] = keys.has(normalise(k)) ? REDACTED : walk(v, depth + 1, seen)
    }
    return out
  }
  return (value: unknown): unknown => walk(value, 0, new WeakSet())
}
