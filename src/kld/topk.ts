/**
 * KL divergence from what `score` returns: each model's top-k alternatives and the log-prob of the text's
 * own token, not the whole distribution. Both distributions are coarse-grained to the tokens whose
 * probability is known under both models (the text's token, and every token in both top-k lists) plus one
 * "rest" bucket with the remaining mass, 1 − Σ known; KL is computed between the coarse-grained pair. By the
 * log-sum inequality, merging outcomes never increases KL, so the figure is a lower bound of the exact
 * KL(base ‖ variant), tight when the models agree on how the rest is spread, and it grows with k. Same-top-1,
 * margins and the text token's probabilities are exact.
 */
import type { TokenScore } from "../backends/types.ts";
import type { PositionStatistics } from "./summary.ts";

/** Below this, a bucket's mass is rounding (known probabilities can sum to a hair over 1). */
const NEGLIGIBLE = 1e-9;

/** The key two backends' alternatives are matched by: the id where both have one, else the text. */
function key(id: number | null, token: string): string {
  return id === null ? `text:${token}` : `id:${id}`;
}

function knownLogprobs(position: TokenScore, byText: boolean): Map<string, number> {
  const known = new Map<string, number>();
  for (const alternative of position.top) known.set(byText ? key(null, alternative.token) : key(alternative.id, alternative.token), alternative.logprob);
  known.set(byText ? key(null, position.token) : key(position.id, position.token), position.logprob);
  return known;
}

/** KL(p ‖ q) over two coarse-grained distributions given as aligned probability lists. */
function klDivergence(p: number[], q: number[]): number {
  let sum = 0;
  for (let index = 0; index < p.length; index += 1) {
    const pi = p[index]!;
    if (pi <= NEGLIGIBLE) continue;
    const qi = q[index]!;
    if (qi <= 0) return Number.POSITIVE_INFINITY;
    sum += pi * Math.log(pi / qi);
  }
  return Math.max(0, sum);
}

/** Compares one position scored by both models (the same text token). */
export function compareTopK(base: TokenScore, variant: TokenScore): PositionStatistics {
  const byText = base.id === null || variant.id === null;
  const baseKnown = knownLogprobs(base, byText);
  const variantKnown = knownLogprobs(variant, byText);
  const p: number[] = [];
  const q: number[] = [];
  for (const [token, logprob] of baseKnown) {
    const other = variantKnown.get(token);
    if (other === undefined) continue;
    p.push(Math.exp(logprob));
    q.push(Math.exp(other));
  }
  const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
  const baseRest = Math.max(0, 1 - sum(p));
  const variantRest = Math.max(0, 1 - sum(q));
  // A rest bucket the variant leaves (numerically) empty while the base puts mass there: floor it, since
  // the exact distributions are strictly positive everywhere.
  p.push(baseRest);
  q.push(baseRest > NEGLIGIBLE ? Math.max(variantRest, NEGLIGIBLE) : variantRest);
  const baseTop = base.top[0];
  const variantTop = variant.top[0];
  return {
    kld: klDivergence(p, q),
    sameTop: baseTop !== undefined && variantTop !== undefined && key(byText ? null : baseTop.id, baseTop.token) === key(byText ? null : variantTop.id, variantTop.token),
    baseMargin: base.margin,
    variantMargin: variant.margin,
    baseTargetProbability: Math.exp(base.logprob),
    variantTargetProbability: Math.exp(variant.logprob),
  };
}
