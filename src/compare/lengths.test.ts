import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedHistogram, summarize, wilcoxonSignedRank } from "./lengths.ts";
import { seededRandom } from "./random.ts";

test("summary statistics of 1..10", () => {
  const summary = summarize([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
  assert.ok(summary);
  assert.equal(summary.count, 10);
  assert.equal(summary.mean, 5.5);
  assert.equal(summary.median, 5.5);
  assert.equal(summary.p25, 3.25);
  assert.equal(summary.min, 1);
  assert.equal(summary.max, 10);
  assert.ok(Math.abs(summary.sd - Math.sqrt(55 / 6)) < 1e-12);
  assert.equal(summarize([]), null);
});

test("Wilcoxon signed-rank: hand-computed cases", () => {
  // All five differences positive: W+ = 15, E = 7.5, Var = 5·6·11/24 = 13.75, p = P(Z > 7/√13.75).
  const allUp = wilcoxonSignedRank([1, 2, 3, 4, 5]);
  assert.equal(allUp.wPlus, 15);
  assert.equal(allUp.n, 5);
  assert.ok(Math.abs(allUp.pGreater - 0.029527) < 2e-5, String(allUp.pGreater));
  assert.ok(allUp.pTwoSided > allUp.pGreater);
  // Ties and a zero: |d| = 1,1,1 share rank 2; |d| = 2,2,2 share rank 5. W+ = 2 + 2 + 5·3 = 19.
  // Var = 6·7·13/24 − ((3³−3) + (3³−3))/48 = 22.75 − 1 = 21.75; z = (19 − 10.5 − 0.5)/√21.75.
  const tied = wilcoxonSignedRank([1, 1, -1, 2, 2, 2, 0]);
  assert.equal(tied.zeros, 1);
  assert.equal(tied.n, 6);
  assert.equal(tied.wPlus, 19);
  assert.ok(Math.abs(tied.z - 8 / Math.sqrt(21.75)) < 1e-12);
  // Mirror image: the same evidence the other way.
  const down = wilcoxonSignedRank([-1, -2, -3, -4, -5]);
  assert.ok(Math.abs(down.pTwoSided - allUp.pTwoSided) < 1e-12);
  assert.ok(down.pGreater > 0.95);
  assert.deepEqual(wilcoxonSignedRank([0, 0]), { test: "wilcoxon-signed-rank", n: 0, zeros: 2, wPlus: 0, z: 0, pGreater: 1, pTwoSided: 1 });
});

/** Exact upper tail P(W+ ≥ w) for n untied ranks, by counting the 2^n sign patterns with a DP over sums. */
function exactUpperTail(n: number, w: number): number {
  const maxSum = (n * (n + 1)) / 2;
  let counts = new Array<number>(maxSum + 1).fill(0);
  counts[0] = 1;
  for (let rank = 1; rank <= n; rank++) {
    const next = [...counts];
    for (let sum = rank; sum <= maxSum; sum++) next[sum]! += counts[sum - rank]!;
    counts = next;
  }
  let tail = 0;
  for (let sum = Math.ceil(w); sum <= maxSum; sum++) tail += counts[sum]!;
  return tail / 2 ** n;
}

test("Wilcoxon normal approximation is within 0.01 of the exact null distribution (n = 20..30, no ties)", () => {
  const random = seededRandom(8);
  for (let n = 20; n <= 30; n++) {
    for (let trial = 0; trial < 5; trial++) {
      // Distinct magnitudes 1..n with random signs, shifted so some samples sit in the tail.
      const differences = Array.from({ length: n }, (_, index) => (random.next() < 0.65 ? 1 : -1) * (index + 1));
      const result = wilcoxonSignedRank(differences);
      const exact = exactUpperTail(n, result.wPlus);
      assert.ok(Math.abs(result.pGreater - exact) < 0.01, `n=${n} W+=${result.wPlus}: ${result.pGreater} vs exact ${exact}`);
    }
  }
});

test("Wilcoxon: ~5 % false positives under no effect, high power against a real lengthening (simulation)", (context) => {
  const random = seededRandom(31);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const replications = 2000;
  let falsePositives = 0;
  let detections = 0;
  for (let replication = 0; replication < replications; replication++) {
    // 60 problems, token counts rounded to integers (so ties and zeros occur, as in real outputs).
    const same = Array.from({ length: 60 }, () => Math.round(40 * normal()));
    const longer = Array.from({ length: 60 }, () => Math.round(40 * normal() + 20));
    if (wilcoxonSignedRank(same).pGreater < 0.05) falsePositives++;
    if (wilcoxonSignedRank(longer).pGreater < 0.05) detections++;
  }
  const size = falsePositives / replications;
  const power = detections / replications;
  context.diagnostic(`size ${size}, power ${power}`);
  assert.ok(size >= 0.03 && size <= 0.07, `size ${size}`);
  assert.ok(power > 0.9, `power ${power}`);
});

test("shared histogram bins both sides identically and counts every value", () => {
  const histogram = sharedHistogram([0, 1, 2, 10], [5, 10, 10], 5);
  assert.ok(histogram);
  assert.deepEqual(histogram.edges, [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(histogram.baseline, [2, 1, 0, 0, 1]);
  assert.deepEqual(histogram.variant, [0, 0, 1, 0, 2]);
  assert.deepEqual(sharedHistogram([3, 3], [3], 5), { edges: [3, 4], baseline: [2], variant: [1] });
  assert.equal(sharedHistogram([], []), null);
});
