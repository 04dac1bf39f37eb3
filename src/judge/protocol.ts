/**
 * ProcessBench's scoring protocol (Zheng et al. 2024, "ProcessBench: Identifying Process Errors in
 * Mathematical Reasoning", and its evaluation code), exactly:
 *
 * - each sample has a label: the 0-based index of its earliest wrong step, or -1 when every step is right;
 * - a prediction is an index or -1; a reply from which no prediction could be read counts as a miss in both
 *   classes (ProcessBench's code compares the extracted value, None when extraction fails, to the label);
 * - accuracy on erroneous samples = share with prediction == label (the exact index);
 *   accuracy on correct samples = share predicted -1;
 * - F1 = the harmonic mean of the two accuracies, per subset (gsm8k, math, olympiadbench, omnimath), and the
 *   benchmark's headline is the plain mean of the subset F1s.
 *
 * Invalid predictions are also counted on their own, and the same scores are given over valid predictions
 * only, so a judge that often fails to answer is visible as such rather than as a judge that is often wrong.
 *
 * Intervals: Wilson 95 % for each accuracy; a seeded percentile bootstrap for F1 (resampling within each
 * class, whose sizes the dataset fixes) and for the mean over subsets.
 */
import { wilsonInterval, type Interval } from "../compare/accuracy.ts";
import { quantileSorted } from "../compare/paired.ts";
import { seededRandom, type Random } from "../compare/random.ts";

export interface FirstErrorPrediction {
  subset: string;
  /** The true first wrong step (0-based), or -1 when the solution is correct. */
  label: number;
  /** The predicted first wrong step or -1; null when the judge gave no valid verdict. */
  prediction: number | null;
}

export interface ClassAccuracy {
  hits: number;
  total: number;
  /** Null when the class is empty. */
  accuracy: number | null;
  interval: Interval | null;
}

export interface ProtocolScores {
  /** Samples whose label is a step index. */
  erroneous: ClassAccuracy;
  /** Samples whose label is -1. */
  correct: ClassAccuracy;
  /** Harmonic mean of the two accuracies; null when either class is empty. */
  f1: number | null;
  f1Interval: Interval | null;
}

export interface SubsetScore extends ProtocolScores {
  subset: string;
  samples: number;
  /** Predictions that were null (invalid verdicts or errors), by class. */
  invalid: { erroneous: number; correct: number };
  /** The same scores over valid predictions only. */
  validOnly: ProtocolScores;
}

export interface ProtocolReport {
  /** One entry per subset, in first-seen order. */
  subsets: SubsetScore[];
  /** Mean of the subsets' F1 (ProcessBench's headline), over subsets where F1 is defined. */
  averageF1: number | null;
  averageF1Interval: Interval | null;
  /** All samples pooled as one subset named "all". */
  pooled: SubsetScore;
}

export interface ProtocolOptions {
  /** Bootstrap resamples for the F1 intervals (default 2000; 0 for none). */
  bootstrap?: number;
  seed?: number;
  confidence?: number;
}

/** F1 as ProcessBench defines it: 2·a·b/(a + b), 0 when both are 0, null when either is undefined. */
export function harmonicF1(erroneousAccuracy: number | null, correctAccuracy: number | null): number | null {
  if (erroneousAccuracy === null || correctAccuracy === null) return null;
  const sum = erroneousAccuracy + correctAccuracy;
  return sum === 0 ? 0 : (2 * erroneousAccuracy * correctAccuracy) / sum;
}

interface Split {
  erroneousHits: boolean[];
  correctHits: boolean[];
}

function split(records: readonly FirstErrorPrediction[]): Split {
  const erroneousHits: boolean[] = [];
  const correctHits: boolean[] = [];
  for (const record of records) {
    if (!Number.isInteger(record.label) || record.label < -1) throw new RangeError(`a label is -1 or a step index, got ${record.label}`);
    if (record.prediction !== null && (!Number.isInteger(record.prediction) || record.prediction < -1)) {
      throw new RangeError(`a prediction is -1, a step index or null, got ${record.prediction}`);
    }
    if (record.label === -1) correctHits.push(record.prediction === -1);
    else erroneousHits.push(record.prediction === record.label);
  }
  return { erroneousHits, correctHits };
}

function classAccuracy(hits: readonly boolean[], confidence: number): ClassAccuracy {
  const count = hits.filter(Boolean).length;
  if (hits.length === 0) return { hits: 0, total: 0, accuracy: null, interval: null };
  return { hits: count, total: hits.length, accuracy: count / hits.length, interval: wilsonInterval(count, hits.length, confidence) };
}

function resampledShare(hits: readonly boolean[], random: Random): number | null {
  if (hits.length === 0) return null;
  let count = 0;
  for (let draw = 0; draw < hits.length; draw++) if (hits[random.below(hits.length)]) count++;
  return count / hits.length;
}

function percentile(values: number[], confidence: number): Interval | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return { low: quantileSorted(sorted, (1 - confidence) / 2), high: quantileSorted(sorted, 1 - (1 - confidence) / 2) };
}

/** Bootstrap F1 intervals for several splits at once; index `splits.length` is the mean over them. */
function bootstrapF1(splits: readonly Split[], resamples: number, random: Random, confidence: number): (Interval | null)[] {
  if (resamples <= 0) return splits.map(() => null).concat([null]);
  const draws: number[][] = splits.map(() => []);
  const means: number[] = [];
  for (let round = 0; round < resamples; round++) {
    let sum = 0;
    let defined = 0;
    splits.forEach((item, index) => {
      const f1 = harmonicF1(resampledShare(item.erroneousHits, random), resampledShare(item.correctHits, random));
      if (f1 === null) return;
      (draws[index] as number[]).push(f1);
      sum += f1;
      defined++;
    });
    if (defined > 0) means.push(sum / defined);
  }
  return [...draws.map((values) => percentile(values, confidence)), percentile(means, confidence)];
}

function scores(item: Split, confidence: number, f1Interval: Interval | null): ProtocolScores {
  const erroneous = classAccuracy(item.erroneousHits, confidence);
  const correct = classAccuracy(item.correctHits, confidence);
  return { erroneous, correct, f1: harmonicF1(erroneous.accuracy, correct.accuracy), f1Interval };
}

/** Scores predictions by ProcessBench's protocol, per subset, averaged, and pooled. */
export function scoreFirstErrorPredictions(records: readonly FirstErrorPrediction[], options: ProtocolOptions = {}): ProtocolReport {
  const confidence = options.confidence ?? 0.95;
  const resamples = options.bootstrap ?? 2000;
  const random = seededRandom(options.seed ?? 0);
  const names = [...new Set(records.map((record) => record.subset))];
  const groups = names.map((name) => records.filter((record) => record.subset === name));
  const splits = groups.map(split);
  const validSplits = groups.map((group) => split(group.filter((record) => record.prediction !== null)));
  const pooledSplit = split(records);
  const intervals = bootstrapF1(splits, resamples, random, confidence);
  const [pooledInterval] = bootstrapF1([pooledSplit], resamples, random, confidence);
  const subsetScore = (name: string, group: readonly FirstErrorPrediction[], item: Split, valid: Split, interval: Interval | null): SubsetScore => ({
    subset: name,
    samples: group.length,
    ...scores(item, confidence, interval),
    invalid: {
      erroneous: group.filter((record) => record.label !== -1 && record.prediction === null).length,
      correct: group.filter((record) => record.label === -1 && record.prediction === null).length,
    },
    validOnly: scores(valid, confidence, null),
  });
  const subsets = names.map((name, index) =>
    subsetScore(name, groups[index] as FirstErrorPrediction[], splits[index] as Split, validSplits[index] as Split, intervals[index] ?? null),
  );
  const defined = subsets.flatMap((subset) => (subset.f1 === null ? [] : [subset.f1]));
  return {
    subsets,
    averageF1: defined.length === 0 ? null : defined.reduce((sum, value) => sum + value, 0) / defined.length,
    averageF1Interval: intervals[names.length] ?? null,
    pooled: subsetScore("all", records, pooledSplit, split(records.filter((record) => record.prediction !== null)), pooledInterval ?? null),
  };
}
