import assert from "node:assert/strict";
import { test } from "node:test";
import { recoveredFraction } from "./recovery.ts";

test("recovered fraction: point estimate by hand", () => {
  // fp 4/4, variant 2/4, restored 3/4: gap 0.5, gain 0.25, half the gap back.
  const result = recoveredFraction([1, 1, 1, 1], [0, 0, 1, 1], [1, 0, 1, 1], { resamples: 2000 });
  assert.equal(result.gap, 0.5);
  assert.equal(result.gain, 0.25);
  assert.equal(result.estimate, 0.5);
  assert.equal(result.problems, 4);
});

test("recovered fraction: the bootstrap distribution of two problems, enumerated by hand", () => {
  // Problem A: fp 1, variant 0, restored 1 (recovered). Problem B: fp 1, variant 0, restored 0.
  // Resamples of 2 problems: AA (p 1/4) → 1, BB (1/4) → 0, AB or BA (1/2) → 0.5. Every gap is 1 > 0.
  const result = recoveredFraction([1, 1], [0, 0], [1, 0], { resamples: 20_000, seed: 7 });
  assert.equal(result.estimate, 0.5);
  assert.equal(result.undefinedResamples, 0);
  // 2.5 % and 97.5 % quantiles of {0: 1/4, 0.5: 1/2, 1: 1/4} are 0 and 1.
  assert.deepEqual(result.interval, { low: 0, high: 1 });
  // A 40 % interval is inside the middle half: both ends 0.5.
  const narrow = recoveredFraction([1, 1], [0, 0], [1, 0], { resamples: 20_000, seed: 7, confidence: 0.4 });
  assert.deepEqual(narrow.interval, { low: 0.5, high: 0.5 });
});

test("recovered fraction: resamples without a gap are counted, not divided by", () => {
  // Problem A has the gap (fp 1, variant 0) and is restored; B has none (all correct).
  // Resample BB (probability 1/4) has gap 0: undefined. The others all give fraction 1.
  const result = recoveredFraction([1, 1], [0, 1], [1, 1], { resamples: 40_000, seed: 3 });
  assert.equal(result.estimate, 1);
  assert.deepEqual(result.interval, { low: 1, high: 1 });
  const share = result.undefinedResamples / result.resamples;
  assert.ok(share > 0.23 && share < 0.27, `share ${share} should be near 1/4`);
});

test("recovered fraction: no gap, no estimate; worse than the variant is negative; seeded", () => {
  const none = recoveredFraction([1, 0, 1], [1, 0, 1], [1, 1, 1]);
  assert.equal(none.estimate, undefined);
  assert.equal(none.interval, undefined);
  const worse = recoveredFraction([1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 1, 1], { resamples: 1000 });
  assert.equal(worse.estimate, -1);
  const fp = [1, 1, 1, 0, 1, 1, 0, 1, 1, 1];
  const variant = [0, 1, 0, 0, 1, 0, 0, 1, 1, 0];
  const restored = [1, 1, 0, 0, 1, 1, 0, 1, 1, 0];
  assert.deepEqual(recoveredFraction(fp, variant, restored, { seed: 11 }), recoveredFraction(fp, variant, restored, { seed: 11 }));
  const seeded = recoveredFraction(fp, variant, restored, { seed: 11 });
  assert.ok(Math.abs((seeded.estimate ?? 0) - 0.5) < 1e-12); // gap 8/10 − 4/10, gain 6/10 − 4/10
  assert.ok(seeded.interval !== undefined && seeded.interval.low <= 0.5 && seeded.interval.high >= 0.5);
  assert.throws(() => recoveredFraction([1], [1, 0], [1]), RangeError);
});

test("restoration table: accuracies, paired differences and the recovered fraction by hand", async () => {
  const { restoreTable } = await import("./table.ts");
  const table = restoreTable(
    [
      { name: "fp", role: "fp", scores: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0] },
      { name: "Q2_K-pure", role: "variant", scores: [0, 0, 0, 0, 1, 1, 1, 1, 0, 0] },
      { name: "dpo", role: "restored", method: "dpo", pairs: 40, scores: [1, 1, 1, 0, 1, 1, 1, 1, 0, 1] },
    ],
    { resamples: 2000, seed: 1 },
  );
  const [fp, variant, dpo] = table.rows;
  assert.equal(fp?.accuracy, 0.8);
  assert.equal(variant?.accuracy, 0.4);
  assert.equal(dpo?.accuracy, 0.8);
  // dpo vs variant: 4 problems better (three of the lost ones, and one neither solved), none worse.
  assert.deepEqual([dpo?.versusVariant?.mcnemar.baselineOnly, dpo?.versusVariant?.mcnemar.variantOnly], [0, 4]);
  assert.ok(Math.abs((dpo?.versusVariant?.difference.estimate ?? 0) - 0.4) < 1e-12);
  // Recovered: (0.8 − 0.4) / (0.8 − 0.4) = 1, though one of the four lost problems is still lost and a
  // problem fp misses is solved: the fraction is about accuracy, the flips say the rest.
  assert.ok(Math.abs((dpo?.recovered?.estimate ?? 0) - 1) < 1e-12);
  assert.equal(fp?.versusFp, undefined);
  assert.equal(variant?.versusVariant, undefined);
  assert.throws(() => restoreTable([{ name: "fp", role: "fp", scores: [1] }, { name: "v", role: "variant", scores: [1, 0] }]), RangeError);
});
