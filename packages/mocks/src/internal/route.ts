/** Route compilation, matching and "nearest route" explanations. */
import type { IncomingHttpHeaders } from "node:http"

export type Matcher = string | RegExp | ((value: string | undefined) => boolean)

export interface MockRequest {
  readonly method: string
  readonly path: string
  readonly params: Readonly<Record<string, string>>
  readonly query: Readonly<Record<string, string>>
  readonly headers: IncomingHttpHeaders
  readonly body: string
  /** The body parsed as JSON, or `undefined` when it is empty or not JSON. */
  readonly json: unknown
}

export interface CompiledRoute {
  readonly id: string
  readonly method: string
  readonly path: string
  readonly segments: ReadonlyArray<string>
  readonly wildcard: boolean
  readonly query: ReadonlyArray<readonly [string, Matcher]>
  readonly headers: ReadonlyArray<readonly [string, Matcher]>
  readonly body: unknown
  readonly hasBody: boolean
}

export const splitPath = (path: string): Array<string> => {
  const out: Array<string> = []
  let start = 1
  for (let i = 1; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47) {
      if (i > start) out.push(path.slice(start, i))
      start = i + 1
    }
  }
  return out
}

export const compilePath = (path: string): { segments: Array<string>; wildcard: boolean } => {
  const segments = splitPath(path)
  const wildcard = segments.at(-1) === "*"
  if (wildcard) segments.pop()
  return { segments, wildcard }
}

const test = (m: Matcher, v: string | undefined): boolean =>
  typeof m === "string" ? v === m : m instanceof RegExp ? v !== undefined && m.test(v) : m(v)

/** Deep partial match: every key of `expected` must match in `actual` (arrays match element-wise, same length). */
export const partialMatch = (expected: unknown, actual: unknown): boolean => {
  if (expected === actual) return true
  if (expected instanceof RegExp) return typeof actual === "string" && expected.test(actual)
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => partialMatch(e, actual[i]))
    )
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object") return false
    for (const [k, v] of Object.entries(expected)) {
      if (!partialMatch(v, (actual as Record<string, unknown>)[k])) return false
    }
    return true
  }
  return false
}

/** Matches path segments, filling `params`; returns false on mismatch. */
export const matchPath = (
  route: CompiledRoute,
  segs: ReadonlyArray<string>,
  params: Record<string, string>
): boolean => {
  const rs = route.segments
  if (route.wildcard ? segs.length < rs.length : segs.length !== rs.length) return false
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!
    const s = segs[i]!
    if (r.charCodeAt(0) === 58) params[r.slice(1)] = safeDecode(s)
    else if (r !== s) return false
  }
  if (route.wildcard) params["*"] = segs.slice(rs.length).join("/")
  return true
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** The rest of the match (after method and path). Returns the first reason for a mismatch, or undefined. */
export const mismatch = (route: CompiledRoute, req: MockRequest): string | undefined => {
  for (const [k, m] of route.query) {
    if (!test(m, req.query[k])) return `query "${k}": expected ${describe(m)}, got ${JSON.stringify(req.query[k])}`
  }
  for (const [k, m] of route.headers) {
    const v = req.headers[k]
    const s = Array.isArray(v) ? v.join(", ") : v
    if (!test(m, s)) return `header "${k}": expected ${describe(m)}, got ${JSON.stringify(s)}`
  }
  if (route.hasBody) {
    const b = route.body
    if (typeof b === "function") {
      if (!(b as (r: MockRequest) => boolean)(req)) return "body: the predicate returned false"
    } else if (typeof b === "string") {
      if (req.body !== b) return `body: expected ${JSON.stringify(b)}, got ${JSON.stringify(truncate(req.body))}`
    } else if (!partialMatch(b, req.json)) {
      return `body: expected JSON containing ${truncate(JSON.stringify(b) ?? String(b))}, got ${truncate(req.body) || "(empty)"}`
    }
  }
  return undefined
}

const describe = (m: Matcher): string =>
  typeof m === "string" ? JSON.stringify(m) : m instanceof RegExp ? String(m) : "a predicate"
const truncate = (s: string): string => (s.length > 120 ? `${s.slice(0, 117)}...` : s)

/** Levenshtein distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]!
}

/** Explains why a request matched no route, naming the nearest route and the first difference. */
export const explain = (
  routes: ReadonlyArray<CompiledRoute>,
  req: MockRequest,
  blocked: (route: CompiledRoute) => string | undefined = () => undefined
): { nearest?: string; explanation: string } => {
  if (routes.length === 0) return { explanation: `${req.method} ${req.path}: no routes are defined` }
  const segs = splitPath(req.path)
  let best: { route: CompiledRoute; score: number; why: string } | undefined
  for (const r of routes) {
    let score = 0
    let why = ""
    const methodOk = r.method === "*" || r.method === req.method
    if (!methodOk) {
      score += 3
      why = `method: expected ${r.method}, got ${req.method}`
    }
    const params: Record<string, string> = {}
    if (!matchPath(r, segs, params)) {
      const n = Math.max(r.segments.length, segs.length)
      let first = ""
      for (let i = 0; i < n; i++) {
        const rs = r.segments[i]
        const s = segs[i]
        if (rs?.startsWith(":") && s !== undefined) continue
        if (rs !== s) {
          score += rs === undefined || s === undefined ? 4 : Math.min(4, distance(rs, s))
          if (first === "") {
            first =
              rs === undefined
                ? `path: unexpected extra segment "${s}"`
                : s === undefined
                  ? `path: missing segment ${i + 1} ("${rs}")`
                  : `path segment ${i + 1}: expected "${rs}", got "${s}"`
          }
        }
      }
      if (why === "") why = first
    } else if (methodOk) {
      const m = mismatch(r, { ...req, params })
      score += 1
      why = m ?? blocked(r) ?? "matched"
    }
    if (best === undefined || score < best.score) best = { route: r, score, why }
  }
  const b = best!
  return {
    nearest: b.route.id,
    explanation: `${req.method} ${req.path} matched no route; nearest is "${b.route.id}" (${b.route.method} ${b.route.path}): ${b.why}`
  }
}
