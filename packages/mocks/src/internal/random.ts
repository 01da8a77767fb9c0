/**
 * A pure-rand compatible generator (xoshiro128**, the same algorithm as `@24h/core`'s streams) so fast-check
 * arbitraries draw from a 24h seed: the 128-bit state is taken from a `Seed.Stream`, so the seed still decides
 * everything.
 */
import type { Seed } from "@24h/core"
import * as fc from "fast-check"

class Xoshiro {
  constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number
  ) {}
  clone(): Xoshiro {
    return new Xoshiro(this.a, this.b, this.c, this.d)
  }
  /** In [-2^31, 2^31 - 1], as pure-rand's `next` contract asks. */
  next(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9)
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return r | 0
  }
  unsafeNext(): number {
    return this.next()
  }
  getState(): ReadonlyArray<number> {
    return [this.a, this.b, this.c, this.d]
  }
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k))

/** A fast-check `Random` whose state comes from four draws of a seeded stream. */
export const fcRandom = (rng: Seed.Stream): fc.Random => {
  let a = rng.nextUint32() | 0
  const b = rng.nextUint32() | 0
  const c = rng.nextUint32() | 0
  const d = rng.nextUint32() | 0
  if ((a | b | c | d) === 0) a = 1
  return new fc.Random(new Xoshiro(a, b, c, d) as unknown as fc.RandomGenerator)
}
