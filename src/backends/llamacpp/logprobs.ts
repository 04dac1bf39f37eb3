/**
 * Log-probabilities from what llama.cpp hands back per position: a few logits (the target's and the top
 * k) and the total weight sum(exp(logit - maxLogit)). Then log p(t) = logit_t - maxLogit - ln(totalWeight):
 * no vocabulary-sized array is copied into JavaScript for scoring.
 */
import type { TokenScore } from "../types.ts";

/** log of the softmax normalizer, from the max logit and sum(exp(logit - max)). */
export function logNormalizer(maxLogit: number, totalLogitWeight: number): number {
  return maxLogit + Math.log(totalLogitWeight);
}

export interface PositionLogits {
  /** Logits llama.cpp returned, highest first (the top k, plus the target wherever it ranks). */
  logits: ReadonlyMap<number, number>;
  totalLogitWeight: number;
}

/**
 * The TokenScore of `target` at one position (without its offset); `text` renders a token id. llama.cpp was
 * asked for the `included` highest logits plus the target's: the target's rank is known when it is among
 * them (then every token above it is too), and null when it is not.
 */
export function scorePosition(
  position: PositionLogits,
  target: number,
  counts: { topK: number; included: number },
  text: (token: number) => string,
): Omit<TokenScore, "offset"> {
  const ranked = [...position.logits].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (first === undefined) throw new Error("no logits for this position");
  const logZ = logNormalizer(first[1], position.totalLogitWeight);
  const targetLogit = position.logits.get(target);
  if (targetLogit === undefined) throw new Error(`no logit for target token ${target}`);
  const inTop = ranked.slice(0, counts.included).some(([token]) => token === target);
  return {
    id: target,
    token: text(target),
    logprob: targetLogit - logZ,
    rank: inTop ? ranked.filter(([, logit]) => logit > targetLogit).length : null,
    top: ranked.slice(0, counts.topK).map(([token, logit]) => ({ id: token, token: text(token), logprob: logit - logZ })),
    margin: second === undefined ? Number.POSITIVE_INFINITY : first[1] - second[1],
  };
}
