import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPassKs, meanInterval, passAtK, wilsonInterval } from "./accuracy.ts";
import { seededRandom } from "./random.ts";

const close = (actual: number, expected: number, tolerance: number, label = ""): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${label} ${actual} vs ${expected}`);

test("Wilson interval: hand-computed cases and edges", () => {
  // 8/10: center (0.8 + z²/20)/(1 + z²/10), half-width z/(1 + z²/10)·sqrt(0.016 + z²/400) with z = 1.959964.
  const eight = wilsonInterval(8, 10);
  close(eight.low, 0.490162, 1e-6, "8/10 low");
  close(eight.high, 0.943318, 1e-6, "8/10 high");
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
  const none = wilsonInterval(0, 20);
  assert.equal(none.low, 0);
  close(none.high, 0.161125, 1e-6, "0/20 high"); // z²/(n + z²)
  const all = wilsonInterval(20, 20);
  assert.equal(all.high, 1);
  close(all.low, 1 - 0.161125, 1e-6, "20/20 low");
  // A 99 % interval is wider than a 95 % one.
  const wide = wilsonInterval(8, 10, 0.99);
  assert.ok(wide.low < eight.low && wide.high > eight.high);
  assert.throws(() => wilsonInterval(11, 10), RangeError);
});

function binomial(random: ReturnType<typeof seededRandom>, trials: number, p: number): number {
  let successes = 0;
  for (let trial = 0; trial < trials; trial++) if (random.next() < p) successes++;
  return successes;
}

/** Exact coverage of the Wilson interval at (p, n): the binomial probability of every x whose interval holds p. */
function exactWilsonCoverage(p: number, trials: number): number {
  let coverage = 0;
  let logChoose = 0; // log C(n, x), updated as x grows
  for (let successes = 0; successes <= trials; successes++) {
    if (successes > 0) logChoose += Math.log(trials - successes + 1) - Math.log(successes);
    const interval = wilsonInterval(successes, trials);
    if (interval.low <= p && p <= interval.high) coverage += Math.exp(logChoose + successes * Math.log(p) + (trials - successes) * Math.log(1 - p));
  }
  return coverage;
}

// Wilson's coverage oscillates with n and p (it is 0.935 at p = 0.5, n = 50): each simulated coverage is
// checked against the exact one (within 3.5 standard errors of 2,000 replications) and both against [0.93, 0.97].
for (const [p, trials] of [[0.5, 50], [0.85, 100], [0.2, 200], [0.7, 500], [0.97, 400]] as const) {
  test(`Wilson coverage is near 95 % by simulation (p=${p}, n=${trials}, 2,000 replications)`, (context) => {
    const random = seededRandom(1000 + trials);
    const replications = 2000;
    let covered = 0;
    for (let replication = 0; replication < replications; replication++) {
      const interval = wilsonInterval(binomial(random, trials, p), trials);
      if (interval.low <= p && p <= interval.high) covered++;
    }
    const coverage = covered / replications;
    const exact = exactWilsonCoverage(p, trials);
    context.diagnostic(`coverage ${coverage} (exact ${exact.toFixed(4)})`);
    assert.ok(exact >= 0.93 && exact <= 0.97, `exact coverage ${exact}`);
    assert.ok(Math.abs(coverage - exact) <= 3.5 * Math.sqrt((exact * (1 - exact)) / replications), `simulated ${coverage} vs exact ${exact}`);
    assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
  });
}

test("mean@n normal interval: coverage near 95 % over problems of varying difficulty", (context) => {
  const random = seededRandom(7);
  const problems = 150;
  const samples = 4;
  const replications = 2000;
  // Each problem's solve rate is uniform on [0.1, 0.95]; the expected mean@n is the mean rate, 0.525.
  const truth = 0.525;
  let covered = 0;
  for (let replication = 0; replication < replications; replication++) {
    const scores: number[] = [];
    for (let problem = 0; problem < problems; problem++) {
      const rate = 0.1 + 0.85 * random.next();
      scores.push(binomial(random, samples, rate) / samples);
    }
    const { interval } = meanInterval(scores);
    if (interval.low <= truth && truth <= interval.high) covered++;
  }
  const coverage = covered / replications;
  context.diagnostic(`coverage ${coverage}`);
  assert.ok(coverage >= 0.93 && coverage <= 0.97, `coverage ${coverage}`);
});

/** pass@k by definition: the fraction of k-subsets of the n samples that contain a correct one. */
function passAtKByCounting(n: number, correct: number, k: number): number {
  const choose = (a: number, b: number): bigint => {
    if (b < 0 || b > a) return 0n;
    let result = 1n;
    for (let i = 1; i <= b; i++) result = (result * BigInt(a - b + i)) / BigInt(i);
    return result;
  };
  const all = choose(n, k);
  const noneCorrect = choose(n - correct, k);
  return Number(all - noneCorrect) / Number(all);
}

test("pass@k: hand cases and agreement with counting subsets for every n ≤ 16", () => {
  close(passAtK(2, 1, 1), 0.5, 1e-15);
  close(passAtK(5, 2, 2), 0.7, 1e-15); // 1 - C(3,2)/C(5,2)
  assert.equal(passAtK(10, 0, 3), 0);
  assert.equal(passAtK(10, 10, 3), 1);
  assert.equal(passAtK(10, 8, 3), 1); // fewer than k wrong samples: every k-subset has a correct one
  for (let n = 1; n <= 16; n++) {
    for (let correct = 0; correct <= n; correct++) {
      close(passAtK(n, correct, 1), correct / n, 1e-12, `pass@1 n=${n} c=${correct}`);
      for (let k = 1; k <= n; k++) close(passAtK(n, correct, k), passAtKByCounting(n, correct, k), 1e-12, `n=${n} c=${correct} k=${k}`);
    }
  }
  assert.throws(() => passAtK(4, 1, 5), RangeError);
});

test("default pass@k list", () => {
  assert.deepEqual(defaultPassKs(1), [1]);
  assert.deepEqual(defaultPassKs(8), [1, 2, 4, 8]);
  assert.deepEqual(defaultPassKs(10), [1, 2, 4, 8, 10]);
});
