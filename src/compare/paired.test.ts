import assert from "node:assert/strict";
import { test } from "node:test";
import { mcnemarExact, pairedBootstrap, quantileSorted } from "./paired.ts";
import { seededRandom } from "./random.ts";

/** Two-sided exact binomial p-value computed independently with BigInt: 2·Σ_{i≤min} C(n,i) / 2^n. */
function exactMcNemar(b: number, c: number): number {
  const n = b + c;
  const smaller = Math.min(b, c);
  let term = 1n; // C(n, 0)
  let tail = 0n;
  for (let i = 0; i <= smaller; i++) {
    tail += term;
    term = (term * BigInt(n - i)) / BigInt(i + 1);
  }
  const numerator = 2n * tail;
  const denominator = 1n << BigInt(n);
  if (numerator >= denominator) return 1;
  // A big ratio as a double: keep ~64 significant bits of the quotient.
  const shift = BigInt(Math.max(0, denominator.toString(2).length - numerator.toString(2).length + 64));
  return Number((numerator << shift) / denominator) * 2 ** -Number(shift);
}

test("McNemar exact: hand-checked small cases", () => {
  // b=10, c=2: 2·(1 + 12 + 66)/4096 = 0.03857421875.
  assert.ok(Math.abs(mcnemarExact(10, 2).pValue - 0.03857421875) < 1e-12);
  assert.ok(Math.abs(mcnemarExact(2, 10).pValue - 0.03857421875) < 1e-12);
  // b=6, c=0: 2/64.
  assert.ok(Math.abs(mcnemarExact(6, 0).pValue - 0.03125) < 1e-14);
  // b=5, c=0: 2/32 = 0.0625, not significant at 5 %.
  assert.ok(Math.abs(mcnemarExact(5, 0).pValue - 0.0625) < 1e-14);
  assert.equal(mcnemarExact(0, 0).pValue, 1);
  assert.equal(mcnemarExact(7, 7).pValue, 1);
  assert.equal(mcnemarExact(1, 0).pValue, 1);
  assert.deepEqual({ ...mcnemarExact(10, 2), pValue: 0 }, { baselineOnly: 10, variantOnly: 2, pValue: 0 });
});

test("McNemar exact agrees with BigInt binomial sums, small to large n", () => {
  const cases: [number, number][] = [];
  for (let b = 0; b <= 40; b++) for (let c = 0; c <= 40; c += 3) cases.push([b, c]);
  cases.push([120, 80], [500, 430], [1500, 1320], [2000, 1700], [900, 100], [3000, 2900]);
  for (const [b, c] of cases) {
    const expected = exactMcNemar(b, c);
    const actual = mcnemarExact(b, c).pValue;
    const tolerance = Math.max(1e-300, 1e-8 * expected);
    assert.ok(Math.abs(actual - expected) <= tolerance, `b=${b} c=${c}: ${actual} vs ${expected}`);
  }
});

test("McNemar exact: type-I error at most 5 % under no effect (simulation)", (context) => {
  const random = seededRandom(11);
  let rejections = 0;
  const replications = 2000;
  for (let replication = 0; replication < replications; replication++) {
    let b = 0;
    let c = 0;
    // 200 problems; 20 % discordant, equally likely either way.
    for (let problem = 0; problem < 200; problem++) {
      const u = random.next();
      if (u < 0.1) b++;
      else if (u < 0.2) c++;
    }
    if (mcnemarExact(b, c).pValue < 0.05) rejections++;
  }
  const rate = rejections / replications;
  context.diagnostic(`rejection rate ${rate}`);
  // The exact test is conservative: at or somewhat below the nominal 5 %.
  assert.ok(rate <= 0.05 && rate >= 0.02, `rejection rate ${rate}`);
});

test("quantiles interpolate linearly (type 7)", () => {
  const sorted = [1, 2, 3, 4];
  assert.equal(quantileSorted(sorted, 0), 1);
  assert.equal(quantileSorted(sorted, 1), 4);
  assert.equal(quantileSorted(sorted, 0.5), 2.5);
  assert.equal(quantileSorted(sorted, 0.25), 1.75);
});

test("paired bootstrap: point estimate, degenerate data, determinism by seed", () => {
  const baseline = [1, 1, 1, 0, 1, 0, 1, 1];
  const variant = [1, 0, 1, 0, 0, 0, 1, 1];
  const result = pairedBootstrap(baseline, variant, { resamples: 2000, seed: 3 });
  assert.equal(result.estimate, -2 / 8);
  assert.ok(result.interval.low <= result.estimate && result.estimate <= result.interval.high);
  assert.deepEqual(pairedBootstrap(baseline, variant, { resamples: 2000, seed: 3 }), result);
  assert.notDeepEqual(pairedBootstrap(baseline, variant, { resamples: 2000, seed: 4 }).interval, result.interval);
  // No difference on any problem: every resample is 0.
  assert.deepEqual(pairedBootstrap([1, 0, 1], [1, 0, 1], { resamples: 100 }).interval, { low: 0, high: 0 });
  assert.throws(() => pairedBootstrap([1], [1, 0]), RangeError);
});

test("paired bootstrap interval contains the true paired difference ~95 % of the time (simulation)", (context) => {
  // Per problem: both right 0.60, baseline only 0.15, variant only 0.05, both wrong 0.20 → true Δ = −0.10.
  const random = seededRandom(2024);
  const problems = 150;
  const replications = 1000;
  const truth = 0.05 - 0.15;
  let covered = 0;
  for (let replication = 0; replication < replications; replication++) {
    const baseline: number[] = [];
    const variant: number[] = [];
    for (let problem = 0; problem < problems; problem++) {
      const u = random.next();
      baseline.push(u < 0.75 ? 1 : 0);
      variant.push(u < 0.6 || (u >= 0.75 && u < 0.8) ? 1 : 0);
    }
    const { interval } = pairedBootstrap(baseline, variant, { resamples: 1000, seed: replication });
    if (interval.low <= truth && truth <= interval.high) covered++;
  }
  const coverage = covered / replications;
  context.diagnostic(`coverage ${coverage}`);
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});

test("paired bootstrap coverage with fractional mean@n scores (4 samples per problem)", (context) => {
  const random = seededRandom(99);
  const problems = 200;
  const replications = 800;
  let covered = 0;
  // Each problem has a baseline solve rate r ~ U(0.2, 1) and the variant's rate is 0.8·r: true Δ = −0.2·E[r] = −0.12.
  const truth = -0.12;
  const draw = (rate: number): number => {
    let correct = 0;
    for (let sample = 0; sample < 4; sample++) if (random.next() < rate) correct++;
    return correct / 4;
  };
  for (let replication = 0; replication < replications; replication++) {
    const baseline: number[] = [];
    const variant: number[] = [];
    for (let problem = 0; problem < problems; problem++) {
      const rate = 0.2 + 0.8 * random.next();
      baseline.push(draw(rate));
      variant.push(draw(0.8 * rate));
    }
    const { interval } = pairedBootstrap(baseline, variant, { resamples: 1000, seed: replication });
    if (interval.low <= truth && truth <= interval.high) covered++;
  }
  const coverage = covered / replications;
  context.diagnostic(`coverage ${coverage}`);
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});
