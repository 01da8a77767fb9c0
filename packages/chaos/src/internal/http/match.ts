/**
 * Compiled rule matchers. A rule is compiled once when installed, so a request pays one method check, one path
 * test and a few header lookups per rule — nothing is parsed per request.
 *
 * Path patterns: a string starting with `^` is a regular expression on the path (query excluded); otherwise a glob
 * where `*` matches within one segment and `**` matches anything, including `/`. Header values: `"*"` means the
 * header is present, `^…` a regular expression, anything else an exact match.
 */
import type { IncomingHttpHeaders } from "node:http"
import type { Rule } from "./schema.ts"

export interface Compiled {
  readonly rule: Rule
  readonly probability: number
  readonly matches: (method: string, path: string, headers: IncomingHttpHeaders) => boolean
}

const escapeRegExp = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")

export const globToRegExp = (glob: string): RegExp => {
  let out = "^"
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === "*") {
      if (glob[i + 1] === "*") {
        out += ".*"
        i++
      } else out += "[^/]*"
    } else out += escapeRegExp(c)
  }
  return new RegExp(`${out}$`)
}

const headerTest = (expected: string): ((v: string | undefined) => boolean) => {
  if (expected === "*") return (v) => v !== undefined
  if (expected.startsWith("^")) {
    const re = new RegExp(expected)
    return (v) => v !== undefined && re.test(v)
  }
  return (v) => v === expected
}

export const compile = (rule: Rule): Compiled => {
  const m = rule.match ?? {}
  const methods =
    m.method === undefined
      ? undefined
      : new Set((Array.isArray(m.method) ? m.method : [m.method]).map((x) => x.toUpperCase()))
  const path = m.path === undefined ? undefined : m.path.startsWith("^") ? new RegExp(m.path) : globToRegExp(m.path)
  const headers = Object.entries(m.headers ?? {}).map(([k, v]) => [k.toLowerCase(), headerTest(v)] as const)
  return {
    rule,
    probability: rule.probability ?? 1,
    matches: (method, p, h) => {
      if (methods !== undefined && !methods.has(method)) return false
      if (path !== undefined && !path.test(p)) return false
      for (const [name, test] of headers) {
        const v = h[name]
        if (!test(Array.isArray(v) ? v.join(", ") : v)) return false
      }
      return true
    }
  }
}
