/**
 * Paired tests of baseline against variant on the same problems: a paired bootstrap interval for the
 * difference in score, and the exact McNemar test on discordant pairs.
 */
import type { Interval } from "./accuracy.ts";
import { seededRandom } from "./random.ts";
import { logChoose, logSumExp } from "./special.ts";

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  confidence?: number;
}

export interface PairedDifference {
  /** Mean over problems of (variant score − baseline score): negative means the variant lost accuracy. */
  estimate: number;
  interval: Interval;
  resamples: number;
  seed: number;
}

/**
 * Percentile bootstrap interval of the mean paired difference, resampling problems with replacement
 * (each problem keeps its baseline and variant scores together, so their correlation is kept).
 */
export function pairedBootstrap(baseline: readonly number[], variant: readonly number[], options: BootstrapOptions = {}): PairedDifference {
  if (baseline.length !== variant.length) throw new RangeError(`paired scores differ in length: ${baseline.length} vs ${variant.length}`);
  const resamples = options.resamples ?? 10_000;
  const seed = options.seed ?? 0;
  const confidence = options.confidence ?? 0.95;
  const count = baseline.length;
  if (count === 0) return { estimate: 0, interval: { low: 0, high: 0 }, resamples, seed };
  const differences = Float64Array.from(variant, (value, index) => value - (baseline[index] as number));
  const estimate = differences.reduce((sum, value) => sum + value, 0) / count;
  const random = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let resample = 0; resample < resamples; resample++) {
    let sum = 0;
    for (let draw = 0; draw < count; draw++) sum += differences[random.below(count)] as number;
    means[resample] = sum / count;
  }
  means.sort();
  const alpha = 1 - confidence;
  return { estimate, interval: { low: quantileSorted(means, alpha / 2), high: quantileSorted(means, 1 - alpha / 2) }, resamples, seed };
}

/** Linear-interpolation quantile (R type 7) of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, probability: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * probability;
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const lower = sorted[below] as number;
  return lower + (position - below) * ((sorted[above] as number) - lower);
}

export interface McNemarResult {
  /** Baseline right, variant wrong (flips). */
  baselineOnly: number;
  /** Variant right, baseline wrong (rescues). */
  variantOnly: number;
  /** Two-sided exact p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1. */
  pValue: number;
}

/**
 * Exact McNemar test. Under "quantization changes nothing", each discordant pair is equally likely to go
 * either way, so the smaller count is a Binomial(b + c, 1/2) tail. Summed in log space from log-gamma
 * binomials, so it stays accurate for thousands of pairs and p-values far below 1e-300 do not underflow
 * to a wrong 0 before the final exponent.
 */
export function mcnemarExact(baselineOnly: number, variantOnly: number): McNemarResult {
  if (!Number.isInteger(baselineOnly) || !Number.isInteger(variantOnly) || baselineOnly < 0 || variantOnly < 0) {
    throw new RangeError(`mcnemarExact(${baselineOnly}, ${variantOnly})`);
  }
  const n = baselineOnly + variantOnly;
  const smaller = Math.min(baselineOnly, variantOnly);
  if (n === 0 || 2 * smaller === n) return { baselineOnly, variantOnly, pValue: 1 };
  const logTerms: number[] = [];
  for (let i = 0; i <= smaller; i++) logTerms.push(logChoose(n, i));
  const logTail = logSumExp(logTerms) - n * Math.LN2;
  return { baselineOnly, variantOnly, pValue: Math.min(1, 2 * Math.exp(logTail)) };
}
