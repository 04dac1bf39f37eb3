/** Step alignment: by label numbers, else by a monotone similarity alignment that is optimal. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random } from "../data/arith/index.ts";
import { alignSteps, stepSimilarity, type StepPair } from "./align.ts";
import { segmentSteps } from "./segment.ts";

const shape = (pairs: StepPair[]): [number | null, number | null][] => pairs.map((pair) => [pair.fp ?? null, pair.variant ?? null]);

void test("similarity: numbers weigh most, words break ties", () => {
  assert.equal(stepSimilarity("Tom has 4 * 6 = 24 apples.", "Tom has 4 * 6 = 24 apples."), 1);
  assert.ok(stepSimilarity("4 * 6 = 24", "6 * 4 = 24") === 0.6, "same numbers, no words: 0.6");
  assert.ok(stepSimilarity("Ann has 24 + 7 = 31", "Ann has 24 + 7 = 32") > stepSimilarity("Ann has 24 + 7 = 31", "Ben has 5 pets"));
  assert.equal(stepSimilarity("Let us think.", "Let us think."), 1);
  assert.equal(stepSimilarity("", ""), 0);
});

void test("labelled solutions pair by number; the rest by similarity between the anchors", () => {
  const fp = segmentSteps("Let us go.\nStep 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n\\boxed{55}");
  const variant = segmentSteps("Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 32.\nStep 3: 24 + 32 = 56.\nStep 4: 56 / 2 = 28.\n\\boxed{28}");
  const alignment = alignSteps(fp, variant);
  assert.equal(alignment.method, "labels");
  assert.deepEqual(shape(alignment.pairs), [[0, null], [1, 0], [2, 1], [3, 2], [null, 3], [4, 4]]);
  assert.deepEqual(alignment.pairs.map((pair) => pair.by), ["gap", "label", "label", "label", "gap", "similarity"]);
});

void test("free text: an inserted sentence, a dropped one and a changed one are found", () => {
  const fp = segmentSteps("Tom has 4 bags of 6 apples, so 4 * 6 = 24. Ann has 7 more, so 24 + 7 = 31. Together 24 + 31 = 55. The answer is \\boxed{55}.");
  const variant = segmentSteps("Tom has 4 bags of 6 apples, so 4 * 6 = 24. Wait, let me check the bags again. Ann has 7 more, so 24 + 7 = 32. The answer is \\boxed{56}.");
  const alignment = alignSteps(fp, variant);
  assert.equal(alignment.method, "similarity");
  assert.deepEqual(shape(alignment.pairs), [[0, 0], [null, 1], [1, 2], [2, null], [3, 3]]);
});

/** The best total score over every monotone matching, by brute force. */
function bruteForce(similarity: number[][], threshold: number): number {
  const rows = similarity.length;
  const columns = similarity[0]?.length ?? 0;
  const search = (row: number, column: number): number => {
    if (row === rows || column === columns) return 0;
    const pair = similarity[row]![column]! > threshold ? similarity[row]![column]! - threshold + search(row + 1, column + 1) : -Infinity;
    return Math.max(pair, search(row + 1, column), search(row, column + 1));
  };
  return search(0, 0);
}

void test("the similarity alignment is monotone, covers every segment once, and is optimal (brute force)", () => {
  const random = new Random(31);
  const vocabulary = ["tom", "ann", "apples", "bags", "more", "total", "so", "each", "pets", "left"];
  const sentence = (): string => {
    const words = Array.from({ length: random.int(1, 4) }, () => random.pick(vocabulary));
    const numbers = Array.from({ length: random.int(0, 3) }, () => String(random.int(1, 9)));
    return [...words, ...numbers].join(" ");
  };
  for (let trial = 0; trial < 300; trial++) {
    const fp = Array.from({ length: random.int(0, 5) }, () => ({ body: sentence(), kind: "sentence" as const }));
    const variant = Array.from({ length: random.int(0, 5) }, () => ({ body: sentence(), kind: "sentence" as const }));
    const { pairs } = alignSteps(fp, variant, { threshold: 0.2 });
    const fpSeen = pairs.flatMap((pair) => (pair.fp === undefined ? [] : [pair.fp]));
    const variantSeen = pairs.flatMap((pair) => (pair.variant === undefined ? [] : [pair.variant]));
    assert.deepEqual(fpSeen, fp.map((_, index) => index));
    assert.deepEqual(variantSeen, variant.map((_, index) => index));
    const total = pairs.reduce((sum, pair) => sum + (pair.by === "gap" ? 0 : pair.similarity - 0.2), 0);
    const similarity = fp.map((left) => variant.map((right) => stepSimilarity(left.body, right.body)));
    assert.ok(Math.abs(total - bruteForce(similarity, 0.2)) < 1e-9, `trial ${trial}: ${total} vs optimum`);
    assert.ok(pairs.every((pair) => pair.by === "gap" || pair.similarity > 0.2));
  }
});

void test("labels that do not increase fall back to similarity", () => {
  const fp = segmentSteps("Step 1: 4 * 6 = 24.\nStep 1: 24 + 7 = 31.");
  const variant = segmentSteps("Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.");
  assert.equal(alignSteps(fp, variant).method, "similarity");
  assert.deepEqual(shape(alignSteps(fp, variant).pairs), [[0, 0], [1, 1]]);
});
