/**
 * Output lengths (tokens, steps), paired by problem: distribution summaries, a shared-bin histogram for
 * the report, and the Wilcoxon signed-rank test of whether the variant writes longer outputs.
 */
import { quantileSorted } from "./paired.ts";
import { normalSurvival } from "./special.ts";

export interface Summary {
  count: number;
  mean: number;
  sd: number;
  min: number;
  p10: number;
  p25: number;
  median: number;
  p75: number;
  p90: number;
  max: number;
}

export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const count = sorted.length;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / count;
  const variance = count > 1 ? sorted.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (count - 1) : 0;
  return {
    count,
    mean,
    sd: Math.sqrt(variance),
    min: sorted[0] as number,
    p10: quantileSorted(sorted, 0.1),
    p25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    p75: quantileSorted(sorted, 0.75),
    p90: quantileSorted(sorted, 0.9),
    max: sorted[count - 1] as number,
  };
}

export interface WilcoxonResult {
  test: "wilcoxon-signed-rank";
  /** Pairs with a non-zero difference (zeros are dropped, Wilcoxon's original convention). */
  n: number;
  zeros: number;
  /** Sum of the ranks of positive differences (variant longer). */
  wPlus: number;
  /** Normal approximation with tie and continuity correction. */
  z: number;
  /** One-sided: H1 "the variant's outputs are longer". */
  pGreater: number;
  pTwoSided: number;
}

/**
 * Wilcoxon signed-rank test of paired differences (variant − baseline), normal approximation:
 * E[W+] = n(n+1)/4, Var[W+] = n(n+1)(2n+1)/24 − Σ(t³−t)/48 over groups of tied |differences|, with a
 * continuity correction of 1/2. Fine from about n ≥ 20; for fewer pairs the p-value is approximate.
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const nonZero = differences.filter((value) => value !== 0);
  const zeros = differences.length - nonZero.length;
  const n = nonZero.length;
  if (n === 0) return { test: "wilcoxon-signed-rank", n, zeros, wPlus: 0, z: 0, pGreater: 1, pTwoSided: 1 };
  const order = nonZero.map((value, index) => ({ magnitude: Math.abs(value), positive: value > 0, index })).sort((left, right) => left.magnitude - right.magnitude);
  let wPlus = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && (order[end + 1] as { magnitude: number }).magnitude === (order[start] as { magnitude: number }).magnitude) end++;
    const averageRank = (start + end + 2) / 2;
    const ties = end - start + 1;
    tieTerm += ties ** 3 - ties;
    for (let position = start; position <= end; position++) if ((order[position] as { positive: boolean }).positive) wPlus += averageRank;
    start = end + 1;
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (variance <= 0) return { test: "wilcoxon-signed-rank", n, zeros, wPlus, z: 0, pGreater: 1, pTwoSided: 1 };
  const sd = Math.sqrt(variance);
  const deviation = wPlus - mean;
  const z = (deviation - 0.5 * Math.sign(deviation)) / sd;
  const pGreater = normalSurvival((deviation - 0.5) / sd);
  const pLess = normalSurvival((-deviation - 0.5) / sd);
  return { test: "wilcoxon-signed-rank", n, zeros, wPlus, z, pGreater: Math.min(1, pGreater), pTwoSided: Math.min(1, 2 * Math.min(pGreater, pLess)) };
}

export interface Histogram {
  /** Bin edges, bins.length + 1 of them; the last bin includes its upper edge. */
  edges: number[];
  baseline: number[];
  variant: number[];
}

/** Counts of both samples over the same bins, for a side-by-side chart. */
export function sharedHistogram(baseline: readonly number[], variant: readonly number[], bins = 20): Histogram | null {
  if (baseline.length + variant.length === 0) return null;
  // A loop, not Math.min(...values): spreading tens of thousands of values overflows the call stack.
  let low = Infinity;
  let high = -Infinity;
  for (const values of [baseline, variant]) {
    for (const value of values) {
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
  }
  const width = high > low ? (high - low) / bins : 1;
  const binCount = high > low ? bins : 1;
  const edges = Array.from({ length: binCount + 1 }, (_, index) => low + index * width);
  const count = (values: readonly number[]): number[] => {
    const counts = new Array<number>(binCount).fill(0);
    for (const value of values) {
      const bin = Math.min(binCount - 1, Math.floor((value - low) / width));
      counts[bin] = (counts[bin] as number) + 1;
    }
    return counts;
  };
  return { edges, baseline: count(baseline), variant: count(variant) };
}
