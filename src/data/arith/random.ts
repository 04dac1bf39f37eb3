/**
 * A small, self-contained seeded PRNG, so the testbed is byte-for-byte reproducible on every Node
 * version and platform (Math.random is neither seedable nor specified).
 *
 * - Generator: xoshiro128** (Blackman & Vigna, 2018; https://prng.di.unimi.it/xoshiro128starstar.c),
 *   32-bit state words, period 2^128 - 1.
 * - Seeding: the four state words come from splitmix32 (a Weyl sequence with step 0x9e3779b9 passed
 *   through MurmurHash3's fmix32 finalizer), the seeding Vigna recommends for xoshiro.
 *
 * Only Math.imul, shifts and `>>> 0` are used: their results are exactly specified by ECMAScript.
 * Draws are integers; no floating point enters any decision.
 */

const UINT32 = 0x1_0000_0000;

/** MurmurHash3's 32-bit finalizer: a bijective avalanche mix of one uint32. */
export function fmix32(value: number): number {
  let mixed = value >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b) >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35) >>> 0;
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** One uint32 from a list of uint32 parts (seed, stream, index, ...): order-sensitive hashing by fmix32. */
export function hashSeed(parts: readonly number[]): number {
  let hash = 0x2545f491;
  for (const part of parts) {
    if (!Number.isInteger(part) || part < 0 || part >= UINT32) throw new RangeError(`seed part ${part} is not a uint32`);
    hash = fmix32((hash ^ part) + 0x9e3779b9);
  }
  return hash;
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}

export class Random {
  private readonly state: Uint32Array;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= UINT32) throw new RangeError(`seed ${seed} is not a uint32`);
    this.state = new Uint32Array(4);
    let weyl = seed;
    for (let word = 0; word < 4; word++) {
      weyl = (weyl + 0x9e3779b9) >>> 0; // splitmix32
      this.state[word] = fmix32(weyl);
    }
    if (this.state.every((word) => word === 0)) this.state[0] = 1; // the all-zero state is a fixed point
  }

  /** A generator in a given raw state (for checking against the reference C implementation). */
  static fromState(words: readonly [number, number, number, number]): Random {
    const random = new Random(0);
    random.state.set(words);
    return random;
  }

  /** The next uint32 (xoshiro128**). */
  nextUint32(): number {
    const state = this.state;
    const s0 = state[0] as number;
    const s1 = state[1] as number;
    const result = Math.imul(rotateLeft(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    state[2] = (state[2] as number) ^ s0;
    state[3] = (state[3] as number) ^ s1;
    state[1] = s1 ^ (state[2] as number);
    state[0] = s0 ^ (state[3] as number);
    state[2] = (state[2] as number) ^ shifted;
    state[3] = rotateLeft(state[3] as number, 11);
    return result;
  }

  /** Uniform integer in [low, high] (inclusive), without modulo bias (rejection sampling). */
  int(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high) || high < low) throw new RangeError(`bad range [${low}, ${high}]`);
    const span = high - low + 1;
    if (span > UINT32) throw new RangeError(`range [${low}, ${high}] is wider than 2^32`);
    const limit = UINT32 - (UINT32 % span);
    let draw = this.nextUint32();
    while (draw >= limit) draw = this.nextUint32();
    return low + (draw % span);
  }

  /** True with probability numerator/denominator. */
  chance(numerator: number, denominator: number): boolean {
    return this.int(0, denominator - 1) < numerator;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[this.int(0, items.length - 1)] as T;
  }

  /** An item chosen with integer weights. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let draw = this.int(0, total - 1);
    for (const [item, weight] of entries) {
      if (draw < weight) return item;
      draw -= weight;
    }
    throw new RangeError("weighted pick with no positive weight");
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
    }
    return copy;
  }
}
