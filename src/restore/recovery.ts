/**
 * How much of the quantization loss a repair won back: the recovered fraction of the gap,
 *
 *     recovered = (acc(restored) − acc(variant)) / (acc(fp) − acc(variant)),
 *
 * on the same evaluation problems (1 = back to fp, 0 = no better than the variant, < 0 = worse, > 1 = better
 * than fp), with a paired percentile bootstrap interval: problems are resampled with replacement and each
 * keeps its three scores together, so the correlation between the three models on a problem is kept (the
 * interval is far narrower than three independent ones would give). A resample whose gap is not positive
 * has no defined fraction; those are counted (`undefinedResamples`) and the interval is over the rest,
 * so a report can say when the gap itself is not clearly there. Seeded: same scores and seed, same interval.
 */
import { quantileSorted, seededRandom, type Interval } from "../compare/index.ts";

export interface RecoveryOptions {
  resamples?: number;
  seed?: number;
  confidence?: number;
}

export interface RecoveredFraction {
  /** Undefined when fp is not above the variant on these problems (no gap to recover). */
  estimate: number | undefined;
  interval: Interval | undefined;
  /** Accuracy points (0-1) of the gap fp − variant and of the gain restored − variant. */
  gap: number;
  gain: number;
  problems: number;
  resamples: number;
  undefinedResamples: number;
  seed: number;
  confidence: number;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index] as number;
  return values.length === 0 ? 0 : sum / values.length;
}

/** Scores are per problem, in the same problem order for all three (1 correct, 0 not; or a mean over samples). */
export function recoveredFraction(fp: readonly number[], variant: readonly number[], restored: readonly number[], options: RecoveryOptions = {}): RecoveredFraction {
  if (fp.length !== variant.length || fp.length !== restored.length) {
    throw new RangeError(`paired scores differ in length: fp ${fp.length}, variant ${variant.length}, restored ${restored.length}`);
  }
  const resamples = options.resamples ?? 10_000;
  const seed = options.seed ?? 0;
  const confidence = options.confidence ?? 0.95;
  const count = fp.length;
  const gaps = Float64Array.from(fp, (value, index) => value - (variant[index] as number));
  const gains = Float64Array.from(restored, (value, index) => value - (variant[index] as number));
  const gap = mean(gaps);
  const gain = mean(gains);
  const estimate = gap > 0 ? gain / gap : undefined;
  const base = { gap, gain, problems: count, resamples, seed, confidence };
  if (count === 0 || estimate === undefined) return { ...base, estimate, interval: undefined, undefinedResamples: resamples };
  const random = seededRandom(seed);
  const ratios: number[] = [];
  for (let resample = 0; resample < resamples; resample++) {
    let gapSum = 0;
    let gainSum = 0;
    for (let draw = 0; draw < count; draw++) {
      const index = random.below(count);
      gapSum += gaps[index] as number;
      gainSum += gains[index] as number;
    }
    if (gapSum > 0) ratios.push(gainSum / gapSum);
  }
  const sorted = Float64Array.from(ratios).sort();
  const alpha = 1 - confidence;
  const interval = sorted.length === 0 ? undefined : { low: quantileSorted(sorted, alpha / 2), high: quantileSorted(sorted, 1 - alpha / 2) };
  return { ...base, estimate, interval, undefinedResamples: resamples - sorted.length };
}
