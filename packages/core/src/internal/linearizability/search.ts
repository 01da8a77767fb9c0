/**
 * The Wing–Gong / Lowe linearizability search (the algorithm of Porcupine), on flat typed arrays.
 *
 * ```
 *  operations ──▶ entries: one call and one return event per operation, sorted by time (calls first on ties;
 *                 an unknown outcome returns at +∞)
 *
 *  HEAD ⇄ c0 ⇄ c1 ⇄ r0 ⇄ c2 ⇄ r1 ⇄ r2          a doubly linked list over Int32Arrays (next / prev / match)
 *
 *  walk the list from HEAD:
 *    call cX   → step the model; if legal and (linearized ∪ {X}, state') is not in the cache:
 *                push (cX, state), lift cX and its return rX out of the list, restart at HEAD
 *    return rX → X had to be linearized by now and cannot be: pop the last lifted call, restore its state,
 *                unlift it, try the entry after it
 *  the list empties → linearizable; the stack empties at a return → not linearizable
 * ```
 *
 * The cache holds (linearized-set bitset, state) pairs already explored. Bitsets live in one growing Uint32Array
 * arena; the set's hash is a Zobrist hash (XOR of one random word per operation), updated in O(1) on lift/unlift,
 * optionally mixed with the model's state hash. Buckets are chained through Int32Arrays, so a lookup that finds
 * its pair allocates nothing.
 *
 * Evidence: each time the search backtracks from a depth deeper than any before, it copies the stack (the longest
 * linearizable prefix so far), the operation whose return stopped it, and the state after the prefix.
 */

/** The value a step returns when the operation is not legal in the state. */
export const ILLEGAL: unique symbol = Symbol.for("@24h/core/Linearizability/illegal")
export type Illegal = typeof ILLEGAL

export interface SearchOperation {
  readonly call: number
  readonly return: number
}

export interface Budget {
  /** performance.now() value after which the search gives up. */
  readonly deadline: number
  /** Steps left across partitions (decremented). */
  steps: number
}

export interface SearchModel<S, Op> {
  readonly init: S
  readonly step: (state: S, op: Op) => S | Illegal
  readonly equals: (a: S, b: S) => boolean
  readonly hash: ((state: S) => number) | undefined
}

export type SearchResult<S> =
  | { readonly _tag: "Ok"; readonly order: ReadonlyArray<number> }
  | {
      readonly _tag: "Violation" | "Unknown"
      /** Longest linearizable prefix found, as operation indices in linearization order. */
      readonly prefix: ReadonlyArray<number>
      /** The operation whose return the deepest prefix could not get past (-1 when the search never backtracked). */
      readonly blocked: number
      /** The model state after the prefix. */
      readonly state: S
    }

const zobrist = (n: number): Int32Array => {
  // splitmix32: a fixed, deterministic sequence of well-mixed words (not user randomness).
  const out = new Int32Array(n)
  let x = 0x9e3779b9 | 0
  for (let i = 0; i < n; i++) {
    x = (x + 0x9e3779b9) | 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    out[i] = z ^ (z >>> 16)
  }
  return out
}

/** Searches one partition. `ops` are the partition's operations; results refer to their positions in `ops`. */
export const search = <S, Op extends SearchOperation>(
  model: SearchModel<S, Op>,
  ops: ReadonlyArray<Op>,
  budget: Budget
): SearchResult<S> => {
  const n = ops.length
  if (n === 0) return { _tag: "Ok", order: [] }
  // ── entries, sorted by time; calls before returns on ties, then by operation index ─────────────────────────
  const m = 2 * n
  const order = new Int32Array(m)
  for (let i = 0; i < m; i++) order[i] = i
  const timeOf = (e: number) => (e < n ? ops[e]!.call : ops[e - n]!.return)
  const sorted = Array.from(order).sort((a, b) => {
    const ta = timeOf(a)
    const tb = timeOf(b)
    if (ta !== tb) return ta < tb ? -1 : 1
    const ka = a < n ? 0 : 1
    const kb = b < n ? 0 : 1
    if (ka !== kb) return ka - kb
    return (a < n ? a : a - n) - (b < n ? b : b - n)
  })
  const HEAD = m
  const next = new Int32Array(m + 1)
  const prev = new Int32Array(m + 1)
  const match = new Int32Array(m) // call entry → its return entry; return entry → -1
  const opOf = new Int32Array(m)
  const posOf = new Int32Array(m) // event id → list position
  for (let p = 0; p < m; p++) {
    const ev = sorted[p]!
    posOf[ev] = p
    opOf[p] = ev < n ? ev : ev - n
  }
  for (let p = 0; p < m; p++) {
    const ev = sorted[p]!
    match[p] = ev < n ? posOf[ev + n]! : -1
    next[p] = p + 1 < m ? p + 1 : -1
    prev[p] = p === 0 ? HEAD : p - 1
  }
  next[HEAD] = 0
  prev[HEAD] = -1

  // ── cache: chained hash table of (bitset in arena, state) ──────────────────────────────────────────────────
  const W = (n + 31) >>> 5
  const bits = new Uint32Array(W)
  const zob = zobrist(n)
  let zh = 0
  let capacity = 1024
  let tableMask = capacity - 1
  let heads = new Int32Array(capacity).fill(-1)
  let chain = new Int32Array(capacity)
  let hashes = new Int32Array(capacity)
  let arena = new Uint32Array(capacity * W)
  const states: Array<S> = []
  let count = 0
  const { equals, hash, step } = model

  const grow = () => {
    const cap2 = capacity * 2
    const heads2 = new Int32Array(cap2).fill(-1)
    const chain2 = new Int32Array(cap2)
    const hashes2 = new Int32Array(cap2)
    hashes2.set(hashes)
    const arena2 = new Uint32Array(cap2 * W)
    arena2.set(arena)
    const mask2 = cap2 - 1
    for (let k = 0; k < count; k++) {
      const b = hashes2[k]! & mask2
      chain2[k] = heads2[b]!
      heads2[b] = k
    }
    capacity = cap2
    tableMask = mask2
    heads = heads2
    chain = chain2
    hashes = hashes2
    arena = arena2
  }

  /** True when (bits ∪ {op}, s) is cached; otherwise caches it and returns false. */
  const seenOrAdd = (h: number, op: number, s: S): boolean => {
    const w = op >>> 5
    const bw = (bits[w]! | (1 << (op & 31))) >>> 0
    for (let k = heads[h & tableMask]!; k !== -1; k = chain[k]!) {
      if (hashes[k] !== h) continue
      const base = k * W
      let same = arena[base + w] === bw
      for (let i = 0; same && i < W; i++) if (i !== w && arena[base + i] !== bits[i]) same = false
      if (same && equals(states[k]!, s)) return true
    }
    if (count === capacity) grow()
    const k = count++
    const base = k * W
    for (let i = 0; i < W; i++) arena[base + i] = bits[i]!
    arena[base + w] = bw
    hashes[k] = h
    states[k] = s
    const b = h & tableMask
    chain[k] = heads[b]!
    heads[b] = k
    return false
  }

  // ── the search ─────────────────────────────────────────────────────────────────────────────────────────────
  const stackEntry = new Int32Array(n)
  const stackState: Array<S> = new Array(n)
  let depth = 0
  let state = model.init
  let bestDepth = -1
  let bestPrefix: ReadonlyArray<number> = []
  let bestBlocked = -1
  let bestState = state
  let tick = 0
  let e = next[HEAD]!
  while (next[HEAD] !== -1) {
    if ((++tick & 0x3ff) === 0) {
      budget.steps -= 0x400
      if (budget.steps <= 0 || performance.now() > budget.deadline) {
        return { _tag: "Unknown", prefix: bestPrefix, blocked: bestBlocked, state: bestState }
      }
    }
    const ret = match[e]!
    if (ret !== -1) {
      const op = opOf[e]!
      const s2 = step(state, ops[op]!)
      if (s2 !== ILLEGAL) {
        const ns = s2 as S
        const h = hash === undefined ? zh ^ zob[op]! : (zh ^ zob[op]! ^ Math.imul(hash(ns) | 0, 0x9e3779b1)) | 0
        if (!seenOrAdd(h, op, ns)) {
          stackEntry[depth] = e
          stackState[depth] = state
          depth++
          state = ns
          bits[op >>> 5]! |= 1 << (op & 31)
          zh ^= zob[op]!
          // lift e and its return out of the list
          next[prev[e]!] = next[e]!
          prev[next[e]!] = prev[e]!
          next[prev[ret]!] = next[ret]!
          if (next[ret] !== -1) prev[next[ret]!] = prev[ret]!
          e = next[HEAD]!
          continue
        }
      }
      e = next[e]!
    } else {
      if (depth > bestDepth) {
        bestDepth = depth
        const prefix = new Array<number>(depth)
        for (let i = 0; i < depth; i++) prefix[i] = opOf[stackEntry[i]!]!
        bestPrefix = prefix
        bestBlocked = opOf[e]!
        bestState = state
      }
      if (depth === 0) return { _tag: "Violation", prefix: bestPrefix, blocked: bestBlocked, state: bestState }
      depth--
      e = stackEntry[depth]!
      state = stackState[depth]!
      stackState[depth] = undefined as S
      const op = opOf[e]!
      bits[op >>> 5]! &= ~(1 << (op & 31))
      zh ^= zob[op]!
      // unlift e and its return
      const r = match[e]!
      next[prev[r]!] = r
      if (next[r] !== -1) prev[next[r]!] = r
      next[prev[e]!] = e
      prev[next[e]!] = e
      e = next[e]!
    }
  }
  budget.steps -= tick & 0x3ff
  const result = new Array<number>(depth)
  for (let i = 0; i < depth; i++) result[i] = opOf[stackEntry[i]!]!
  return { _tag: "Ok", order: result }
}
