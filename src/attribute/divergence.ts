/**
 * Teacher-forced divergence between the baseline (fp) and a variant over one text, pure over two
 * `ScoredToken` streams of that text, position by position:
 *
 * - forward: the text is fp's solution; `fp` is fp scored on it, `variant` the variant scored on it. A
 *   token diverges when fp was confident in it (fp's top-1 is the token and fp's margin ≥ `minFpMargin`)
 *   and the variant's top-1 is another token: the variant, shown the right path, would have left it.
 * - reverse: the text is the variant's (wrong) solution; `fp` is fp scored on it, `variant` the variant
 *   scored on it. A token diverges when fp confidently prefers another token (fp's top-1 is not the token
 *   and fp's margin ≥ `minFpMargin`): where fp would have objected.
 *
 * Each diverging token is weighted by fp's confidence, its probability margin p₁ − p₂ (0…1), since
 * divergence clusters where fp itself was unsure. The first divergence step is the first step holding a
 * diverging token.
 *
 * KL(fp ‖ variant) per position over top-k (TAIL_TREATMENT says how the unlisted mass is handled), top-1
 * agreement and both margins are kept per token; `DivergenceSummary` streams llama.cpp's figures (mean KL,
 * percentiles, same-top %) over many texts through src/kld's accumulator, so no logits are ever stored.
 */
import { KldAccumulator, type KldSummary } from "../kld/index.ts";
import type { StepSegment } from "../steps/index.ts";
import { checkOffsets, marginOf, pairByOffsets, tokenKey, tokenSegments, topOf, type ScoredToken } from "./tokens.ts";

/** How top-k KL treats what the lists leave out (recorded with every result). */
export const TAIL_TREATMENT =
  "bins: fp's top-k tokens and the text token, plus one bin for the rest of fp's mass; a bin token the variant does not list gets " +
  "the variant's unlisted mass shared equally, capped at its k-th probability (floor 1e-10); the rest bin holds what is left of each distribution";

const FLOOR = 1e-10;

/** KL(base ‖ variant) over the top-k partition at one position, in nats (see TAIL_TREATMENT). */
export function topKKl(base: ScoredToken, variant: ScoredToken): number {
  const byId = [base, variant, ...base.top, ...variant.top].every((token) => token.id !== undefined && token.id !== null);
  const key = (token: { token: string; id?: number | null }): string => (byId ? tokenKey(token) : `t:${token.token}`);
  const textKey = key(base);
  const p = new Map<string, number>();
  for (const alternative of base.top) p.set(key(alternative), Math.exp(alternative.logprob));
  p.set(textKey, Math.exp(base.logprob));
  const listed = new Map<string, number>();
  for (const alternative of variant.top) listed.set(key(alternative), Math.exp(alternative.logprob));
  listed.set(textKey, Math.exp(variant.logprob));
  let listedMass = 0;
  for (const value of listed.values()) listedMass += value;
  const residual = Math.max(0, 1 - listedMass);
  const missing = [...p.keys()].filter((token) => !listed.has(token));
  const kth = variant.top.length > 0 ? Math.min(...variant.top.map((alternative) => Math.exp(alternative.logprob))) : residual;
  const share = missing.length > 0 ? Math.max(FLOOR, Math.min(kth, residual / missing.length)) : 0;
  let kl = 0;
  let pMass = 0;
  let qMass = 0;
  for (const [token, probability] of p) {
    const q = listed.get(token) ?? share;
    pMass += probability;
    qMass += q;
    if (probability > 0) kl += probability * (Math.log(probability) - Math.log(Math.max(q, FLOOR)));
  }
  const pTail = Math.max(0, 1 - pMass);
  const qTail = Math.max(FLOOR, 1 - qMass);
  if (pTail > 0) kl += pTail * (Math.log(pTail) - Math.log(qTail));
  return Math.max(0, kl);
}

/** fp's probability margin p₁ − p₂ at a position (p₁ alone when one alternative is listed). */
export function probabilityMargin(token: ScoredToken): number {
  const [first, second] = token.top;
  if (!first) return Math.exp(token.logprob);
  return Math.exp(first.logprob) - (second ? Math.exp(second.logprob) : 0);
}

export type DivergenceDirection = "forward" | "reverse";

export interface TokenDivergence {
  /** Index in the paired stream. */
  position: number;
  offset: readonly [number, number];
  token: string;
  /** Segment of the text the token belongs to (-1: whitespace between steps). */
  segment: number;
  kl: number;
  sameTop: boolean;
  /** Whether each model's top-1 is the text's token. */
  fpTopIsText: boolean;
  variantTopIsText: boolean;
  fpTop: string;
  variantTop: string;
  fpMargin: number;
  variantMargin: number;
  /** Log-probability of the text's token under each model. */
  fpLogprob: number;
  variantLogprob: number;
  diverges: boolean;
  /** fp's probability margin (0…1); the weight of a diverging token. */
  weight: number;
}

export interface StepDivergence {
  segment: number;
  tokens: number;
  meanKl: number;
  maxKl: number;
  sameTopShare: number;
  /** Diverging tokens in the step, and the sum of their weights. */
  divergent: number;
  weight: number;
}

export interface DivergenceAnalysis {
  direction: DivergenceDirection;
  minFpMargin: number;
  tailTreatment: string;
  tokens: TokenDivergence[];
  /** Positions only one stream had (different tokenizations); not compared. */
  unpaired: number;
  steps: StepDivergence[];
  /** The first step with a diverging token: the segment, the token's position, its weight. */
  firstDivergence?: { segment: number; position: number; weight: number };
  /**
   * The first step with a departure whatever fp's confidence: forward, a token the variant's top-1 differs
   * from; reverse, one fp's top-1 differs from. Greedy decoding leaves fp's path only at such a token, so a
   * flip always has one unless the two streams tokenize differently; the fallback where fp was unsure everywhere.
   */
  firstDeparture?: { segment: number; position: number; weight: number };
  /**
   * The step holding the token whose log-probability the variant lowered most against fp (fp's minus the
   * variant's, on the text's token; the first of equals): the last resort when the two agree on every top-1,
   * as when a flip came from a near-tie that teacher forcing resolves fp's way. Undefined without tokens.
   */
  maxDrop?: { segment: number; position: number; weight: number; drop: number };
}

export interface DivergenceInput {
  /** The scored text (fp's solution forward, the variant's in reverse). */
  text: string;
  segments: readonly StepSegment[];
  /** fp scored on `text`. */
  fp: readonly ScoredToken[];
  /** The variant scored on `text`. */
  variant: readonly ScoredToken[];
  direction: DivergenceDirection;
  /** fp margin (log-prob, top-1 minus top-2) at or above which fp counts as confident (default 1.0). */
  minFpMargin?: number;
  /** Positions are added to it as they are compared (a per-variant summary over many texts). */
  summary?: DivergenceSummary;
}

export const DEFAULT_MIN_FP_MARGIN = 1.0;

export function analyzeDivergence(input: DivergenceInput): DivergenceAnalysis {
  const minFpMargin = input.minFpMargin ?? DEFAULT_MIN_FP_MARGIN;
  checkOffsets(input.text, input.fp, "fp");
  checkOffsets(input.text, input.variant, "variant");
  const { pairs, unpaired } = pairByOffsets(input.fp, input.variant);
  const segmentOf = tokenSegments(input.text, input.segments, pairs.map(([fp]) => fp));
  input.summary?.addText();
  const tokens: TokenDivergence[] = pairs.map(([fp, variant], position) => {
    const kl = topKKl(fp, variant);
    input.summary?.add(fp, variant, kl);
    const fpTop = topOf(fp);
    const variantTop = topOf(variant);
    const fpMargin = marginOf(fp);
    const textKey = tokenKey(fp);
    const confident = fpMargin >= minFpMargin;
    const diverges = input.direction === "forward"
      ? confident && tokenKey(fpTop) === textKey && tokenKey(variantTop) !== textKey
      : confident && tokenKey(fpTop) !== textKey;
    return {
      position, offset: fp.offset, token: fp.token, segment: segmentOf[position] as number, kl,
      sameTop: tokenKey(fpTop) === tokenKey(variantTop), fpTopIsText: tokenKey(fpTop) === textKey, variantTopIsText: tokenKey(variantTop) === textKey,
      fpTop: fpTop.token, variantTop: variantTop.token,
      fpMargin, variantMargin: marginOf(variant), fpLogprob: fp.logprob, variantLogprob: variant.logprob,
      diverges, weight: probabilityMargin(fp),
    };
  });
  const steps: StepDivergence[] = input.segments.map((segment) => {
    const inStep = tokens.filter((token) => token.segment === segment.index);
    const divergent = inStep.filter((token) => token.diverges);
    return {
      segment: segment.index,
      tokens: inStep.length,
      meanKl: inStep.length > 0 ? inStep.reduce((sum, token) => sum + token.kl, 0) / inStep.length : 0,
      maxKl: inStep.reduce((max, token) => Math.max(max, token.kl), 0),
      sameTopShare: inStep.length > 0 ? inStep.filter((token) => token.sameTop).length / inStep.length : 1,
      divergent: divergent.length,
      weight: divergent.reduce((sum, token) => sum + token.weight, 0),
    };
  });
  const first = tokens.find((token) => token.diverges && token.segment >= 0);
  const departs = (token: TokenDivergence): boolean => (input.direction === "forward" ? !token.variantTopIsText : !token.fpTopIsText);
  const departure = tokens.find((token) => token.segment >= 0 && departs(token));
  const located = (token: TokenDivergence) => ({ segment: token.segment, position: token.position, weight: token.weight });
  let drop: TokenDivergence | undefined;
  for (const token of tokens) {
    if (token.segment < 0) continue;
    if (drop === undefined || token.fpLogprob - token.variantLogprob > drop.fpLogprob - drop.variantLogprob) drop = token;
  }
  return {
    direction: input.direction, minFpMargin, tailTreatment: TAIL_TREATMENT, tokens, unpaired, steps,
    ...(first ? { firstDivergence: located(first) } : {}),
    ...(departure ? { firstDeparture: located(departure) } : {}),
    ...(drop ? { maxDrop: { ...located(drop), drop: drop.fpLogprob - drop.variantLogprob } } : {}),
  };
}

/** Per-variant KLD summary over many texts (llama.cpp's figures), streamed through src/kld's accumulator. */
export class DivergenceSummary {
  private readonly accumulator = new KldAccumulator();

  addText(): void {
    this.accumulator.addText();
  }

  add(fp: ScoredToken, variant: ScoredToken, kl = topKKl(fp, variant)): void {
    this.accumulator.add({
      kld: kl,
      sameTop: tokenKey(topOf(fp)) === tokenKey(topOf(variant)),
      baseMargin: marginOf(fp),
      variantMargin: marginOf(variant),
      baseTargetProbability: Math.exp(fp.logprob),
      variantTargetProbability: Math.exp(variant.logprob),
    });
  }

  summary(): KldSummary {
    return this.accumulator.summary();
  }
}
