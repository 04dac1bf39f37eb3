/**
 * Per-position comparison of two next-token distributions given as logits, and the summary statistics of
 * many such positions. Pure functions in float64; llama.cpp's perplexity tool reports the same quantities
 * (mean KL divergence, "same top" %, RMS Δp) so figures are comparable with published ones.
 */

export interface PositionComparison {
  /** KL(base ‖ variant) in nats: what the variant loses describing the base model's distribution. */
  kld: number;
  baseTop: number;
  variantTop: number;
  /** Top-1 logit minus top-2 logit: how decided each model was. */
  baseMargin: number;
  variantMargin: number;
  /** Probability of `target` (the text's actual next token) under each model; NaN without a target. */
  baseTargetProbability: number;
  variantTargetProbability: number;
}

/** log-sum-exp of `logits`, ignoring -Infinity entries; -Infinity when all are. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < logits.length; index += 1) if (logits[index]! > max) max = logits[index]!;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (let index = 0; index < logits.length; index += 1) sum += Math.exp(logits[index]! - max);
  return max + Math.log(sum);
}

/** Indices and values of the two largest logits. */
export function topTwo(logits: ArrayLike<number>): { first: number; second: number; margin: number } {
  let first = -1;
  let second = -1;
  for (let index = 0; index < logits.length; index += 1) {
    const value = logits[index]!;
    if (first < 0 || value > logits[first]!) {
      second = first;
      first = index;
    } else if (second < 0 || value > logits[second]!) {
      second = index;
    }
  }
  const margin = second < 0 ? Number.POSITIVE_INFINITY : logits[first]! - logits[second]!;
  return { first, second, margin };
}

/**
 * Compares two distributions over the same vocabulary. KL(P‖Q) = Σ p_i (log p_i − log q_i); a token P
 * gives probability and Q gives none makes it Infinity, as it should.
 */
export function comparePosition(base: ArrayLike<number>, variant: ArrayLike<number>, target = -1): PositionComparison {
  if (base.length !== variant.length) {
    throw new Error(`vocabularies differ: ${base.length} vs ${variant.length} logits`);
  }
  const baseLogZ = logSumExp(base);
  const variantLogZ = logSumExp(variant);
  let kld = 0;
  for (let index = 0; index < base.length; index += 1) {
    const baseLogProbability = base[index]! - baseLogZ;
    if (baseLogProbability === Number.NEGATIVE_INFINITY) continue;
    const p = Math.exp(baseLogProbability);
    if (p === 0) continue;
    kld += p * (baseLogProbability - (variant[index]! - variantLogZ));
  }
  const baseTopTwo = topTwo(base);
  const variantTopTwo = topTwo(variant);
  const hasTarget = target >= 0 && target < base.length;
  return {
    // Rounding can leave a tiny negative sum for identical distributions; KL is never negative.
    kld: Math.max(0, kld),
    baseTop: baseTopTwo.first,
    variantTop: variantTopTwo.first,
    baseMargin: baseTopTwo.margin,
    variantMargin: variantTopTwo.margin,
    baseTargetProbability: hasTarget ? Math.exp(base[target]! - baseLogZ) : Number.NaN,
    variantTargetProbability: hasTarget ? Math.exp(variant[target]! - variantLogZ) : Number.NaN,
  };
}

/** The q-quantile (0..1) of ascending `sorted` values, linear between neighbours (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}
