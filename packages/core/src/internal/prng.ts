/**
 * The PRNG behind every 24h random stream.
 *
 * Key derivation: a seed's identity is its root (a number or a string) and its path of names. That identity is
 * encoded as UTF-8 text and hashed with MurmurHash3 (x86, 32-bit) under four different hash seeds, giving a
 * 128-bit key. The key seeds xoshiro128** (Blackman & Vigna, 2018): 4 × 32-bit words of state, period 2^128 − 1,
 * fast in JavaScript because it needs only 32-bit integer operations (`Math.imul`, shifts, rotations).
 *
 * Everything here is integer arithmetic on 32-bit words, so the same identity gives the same numbers on every
 * JavaScript engine and Node version. Tests pin golden vectors so this cannot drift silently.
 *
 * ```
 *  root "42" + path ["chaos","p1"]  ──utf8──▶ bytes ──murmur3 ×4──▶ [a,b,c,d] ──xoshiro128**──▶ u32, u32, …
 * ```
 */

const encoder = new TextEncoder()

/** MurmurHash3 x86 32-bit over bytes. */
export const murmur3 = (bytes: Uint8Array, seed: number): number => {
  let h = seed >>> 0
  const len = bytes.length
  const blocks = len & ~3
  let i = 0
  for (; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const tail = len & 3
  if (tail > 0) {
    let k = 0
    if (tail === 3) k ^= bytes[i + 2]! << 16
    if (tail >= 2) k ^= bytes[i + 1]! << 8
    k ^= bytes[i]!
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
  }
  h ^= len
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** The 128-bit key of a text identity; never all zero (xoshiro's one forbidden state). */
export const keyOf = (identity: string): [number, number, number, number] => {
  const bytes = encoder.encode(identity)
  const key: [number, number, number, number] = [
    murmur3(bytes, 0x9e3779b9),
    murmur3(bytes, 0x85ebca6b),
    murmur3(bytes, 0xc2b2ae35),
    murmur3(bytes, 0x27d4eb2f)
  ]
  if ((key[0] | key[1] | key[2] | key[3]) === 0) key[0] = 1
  return key
}

/** xoshiro128** state, advanced in place. */
export class Xoshiro128 {
  a: number
  b: number
  c: number
  d: number
  constructor(key: readonly [number, number, number, number]) {
    this.a = key[0] | 0
    this.b = key[1] | 0
    this.c = key[2] | 0
    this.d = key[3] | 0
  }
  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const b = this.b
    let r = Math.imul(b, 5)
    r = Math.imul((r << 7) | (r >>> 25), 9)
    const t = b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = (this.d << 11) | (this.d >>> 21)
    return r >>> 0
  }
  /** Next double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5 // 27 bits
    const lo = this.nextUint32() >>> 6 // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992
  }
}
