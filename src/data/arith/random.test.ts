/** The PRNG against the reference C implementations it documents, and its integer draws. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random, fmix32, hashSeed } from "./random.ts";

void test("xoshiro128** matches the reference C code (prng.di.unimi.it) from state {1, 2, 3, 4}", () => {
  // Printed by xoshiro128starstar.c's next() compiled with gcc, state s = {1, 2, 3, 4}.
  const random = Random.fromState([1, 2, 3, 4]);
  assert.deepEqual(Array.from({ length: 6 }, () => random.nextUint32()), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

void test("seeding by splitmix32 (Weyl step 0x9e3779b9 + fmix32) matches the C reference for seed 42", () => {
  // C: w = 42; for i in 0..3 { w += 0x9e3779b9; s[i] = fmix32(w); } then four next() calls.
  const random = new Random(42);
  assert.deepEqual(Array.from({ length: 4 }, () => random.nextUint32()), [2837322924, 544945897, 479756282, 3500138142]);
});

void test("fmix32 is MurmurHash3's finalizer", () => {
  assert.equal(fmix32(0), 0);
  assert.equal(fmix32(1), 0x514e28b7); // the C finalizer compiled with gcc prints 514e28b7
});

void test("int() stays in range and is close to uniform", () => {
  const random = new Random(7);
  const counts = new Array<number>(6).fill(0);
  const draws = 60_000;
  for (let index = 0; index < draws; index++) {
    const value = random.int(3, 8);
    assert.ok(value >= 3 && value <= 8);
    counts[value - 3]!++;
  }
  for (const count of counts) assert.ok(Math.abs(count - draws / 6) < draws / 6 * 0.05, `bucket count ${count}`);
});

void test("same seed, same stream; different seeds, different streams", () => {
  const draw = (seed: number): number[] => {
    const random = new Random(seed);
    return Array.from({ length: 8 }, () => random.int(0, 1000));
  };
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
});

void test("hashSeed is order-sensitive and rejects parts that are not uint32", () => {
  assert.notEqual(hashSeed([1, 2]), hashSeed([2, 1]));
  assert.equal(hashSeed([1, 2, 3]), hashSeed([1, 2, 3]));
  for (const bad of [-1, 1.5, 2 ** 32]) assert.throws(() => hashSeed([bad]), RangeError);
  assert.throws(() => new Random(-1), RangeError);
});

void test("shuffle is a permutation and weighted() honours zero weights", () => {
  const random = new Random(11);
  const items = Array.from({ length: 20 }, (_, index) => index);
  const shuffled = random.shuffle(items);
  assert.deepEqual([...shuffled].sort((a, b) => a - b), items);
  assert.notDeepEqual(shuffled, items);
  for (let index = 0; index < 200; index++) assert.equal(random.weighted([["a", 0], ["b", 3]]), "b");
});
