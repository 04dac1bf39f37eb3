/**
 * Accuracy and its uncertainty: the Wilson score interval for one sample per problem; mean@n with a
 * normal interval over per-problem means, and the unbiased pass@k estimator, for n samples per problem.
 */
import { twoSidedZ } from "./special.ts";

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for `successes` out of `trials` (Wilson 1927). Unlike the Wald interval it stays
 * inside [0, 1] and keeps near-nominal coverage for accuracies close to 0 or 1 and small samples.
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval(${successes}, ${trials})`);
  }
  if (trials === 0) return { low: 0, high: 1 };
  const z = twoSidedZ(confidence);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const center = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials));
  // Clamp the last bits of rounding: at 0 or n successes the bound is exactly 0 or 1.
  return { low: successes === 0 ? 0 : Math.max(0, center - half), high: successes === trials ? 1 : Math.min(1, center + half) };
}

export interface MeanEstimate {
  mean: number;
  /** Standard error of the mean. */
  standardError: number;
  interval: Interval;
}

/**
 * Mean of per-problem scores in [0, 1] (mean@n: each problem's fraction of correct samples) with a normal
 * interval whose variance is the spread between problems, the unit that was sampled. Clipped to [0, 1].
 */
export function meanInterval(scores: readonly number[], confidence = 0.95): MeanEstimate {
  const count = scores.length;
  if (count === 0) return { mean: 0, standardError: 0, interval: { low: 0, high: 1 } };
  const mean = scores.reduce((sum, value) => sum + value, 0) / count;
  const variance = count > 1 ? scores.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1) : 0;
  const standardError = Math.sqrt(variance / count);
  const z = twoSidedZ(confidence);
  return { mean, standardError, interval: { low: Math.max(0, mean - z * standardError), high: Math.min(1, mean + z * standardError) } };
}

/**
 * Unbiased pass@k for one problem with `n` samples of which `correct` are right (Chen et al. 2021):
 * 1 − C(n−c, k) / C(n, k), computed as a product so large n does not overflow.
 */
export function passAtK(n: number, correct: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(correct) || !Number.isInteger(k) || correct < 0 || correct > n || k < 1 || k > n) {
    throw new RangeError(`passAtK(n=${n}, c=${correct}, k=${k})`);
  }
  if (n - correct < k) return 1;
  let allWrong = 1;
  for (let i = n - correct + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** The k values worth reporting for n samples: 1, powers of two below n, and n. */
export function defaultPassKs(n: number): number[] {
  const ks = new Set<number>();
  for (let k = 1; k < n; k *= 2) ks.add(k);
  if (n >= 1) ks.add(n);
  return [...ks].sort((left, right) => left - right);
}
