/** Divergence math against hand-computed values, and where the first divergence lands. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { segmentSteps } from "../steps/index.ts";
import { DivergenceSummary, analyzeDivergence, probabilityMargin, topKKl } from "./divergence.ts";
import { pairByOffsets, tokenSegments, type ScoredToken } from "./tokens.ts";

/** A scored token from probabilities: `top` as [token, p] pairs, the text token's own p. */
function scored(token: string, offset: [number, number], p: number, top: [string, number][]): ScoredToken {
  return { token, offset, logprob: Math.log(p), top: top.map(([alternative, probability]) => ({ token: alternative, logprob: Math.log(probability) })) };
}

const close = (actual: number, expected: number, message?: string): void => assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? ""} ${actual} vs ${expected}`);

void test("top-k KL: bins, the shared unlisted mass, the rest bin (hand-computed)", () => {
  // fp: a .7, b .2, c .05 (rest .05); variant: b .5, a .3, d .1 (unlisted .1, so c gets min(.1, .1/1) = .1).
  const fp = scored("a", [0, 1], 0.7, [["a", 0.7], ["b", 0.2], ["c", 0.05]]);
  const variant = scored("a", [0, 1], 0.3, [["b", 0.5], ["a", 0.3], ["d", 0.1]]);
  const expected = 0.7 * Math.log(0.7 / 0.3) + 0.2 * Math.log(0.2 / 0.5) + 0.05 * Math.log(0.05 / 0.1) + 0.05 * Math.log(0.05 / 0.1);
  close(topKKl(fp, variant), expected);
  assert.ok(Math.abs(expected - 0.340536) < 1e-6, "the figure worked by hand, to six places");
  assert.equal(topKKl(fp, fp), 0);
  // The text token outside fp's own top-k still gets its bin, with both exact log-probs.
  const sampled = scored("z", [0, 1], 0.01, [["a", 0.9]]);
  const other = scored("z", [0, 1], 0.5, [["z", 0.5], ["a", 0.4]]);
  close(topKKl(sampled, other), 0.9 * Math.log(0.9 / 0.4) + 0.01 * Math.log(0.01 / 0.5) + 0.09 * Math.log(0.09 / 0.1));
});

void test("top-k KL: when the variant lists all its mass and misses fp's token, the floor keeps it finite and large", () => {
  const fp = scored("a", [0, 1], 0.9, [["a", 0.9], ["b", 0.1]]);
  const variant = scored("a", [0, 1], 0, [["b", 1]]);
  const kl = topKKl(fp, { ...variant, logprob: Math.log(1e-12) });
  assert.ok(Number.isFinite(kl) && kl > 15, String(kl));
});

void test("probability margin and token-to-step mapping", () => {
  close(probabilityMargin(scored("a", [0, 1], 0.6, [["a", 0.6], ["b", 0.3]])), 0.3);
  const text = "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.";
  const segments = segmentSteps(text);
  const offsets: [number, number][] = [[0, 4], [4, 7], [7, 9], [18, 19], [19, 20], [20, 24], [35, 38], [38, 39]];
  assert.deepEqual(tokenSegments(text, segments, offsets.map((offset) => ({ offset }))), [0, 0, 0, 0, -1, 1, 1, 1]);
});

void test("streams pair by identical offsets; the rest is counted, not compared", () => {
  const spans = (offsets: [number, number][]): { offset: readonly [number, number] }[] => offsets.map((offset) => ({ offset }));
  const left = spans([[0, 2], [2, 4], [4, 6]]);
  const right = spans([[0, 2], [2, 3], [3, 4], [4, 6]]);
  const { pairs, unpaired } = pairByOffsets(left, right);
  assert.deepEqual(pairs.map(([a]) => a.offset[0]), [0, 4]);
  assert.equal(unpaired, 3);
});

// "Step 1: 24.\nStep 2: 31." tokens: "Step 1:" " 24" "." "\n" "Step 2:" " 31" "."
const TEXT = "Step 1: 24.\nStep 2: 31.";
const OFFSETS: [number, number][] = [[0, 7], [7, 10], [10, 11], [11, 12], [12, 19], [19, 22], [22, 23]];
const TOKENS = OFFSETS.map(([start, end]) => TEXT.slice(start, end));

function stream(rows: [p: number, top: [string, number][]][]): ScoredToken[] {
  return rows.map(([p, top], index) => scored(TOKENS[index] as string, OFFSETS[index] as [number, number], p, top));
}

void test("forward: the first step where the variant leaves a token fp was sure of", () => {
  const agree = (index: number): [number, [string, number][]] => [0.95, [[TOKENS[index] as string, 0.95], ["x", 0.03]]];
  const fp = stream([agree(0), [0.6, [[" 24", 0.6], [" 25", 0.35]]], agree(2), agree(3), agree(4), [0.9, [[" 31", 0.9], [" 32", 0.05]]], agree(6)]);
  const variant = stream([
    agree(0),
    [0.3, [[" 25", 0.6], [" 24", 0.3]]], // departs, but fp's margin ln(.6/.35) = 0.54 < 1: fp was unsure
    agree(2), agree(3), agree(4),
    [0.2, [[" 32", 0.7], [" 31", 0.2]]], // departs where fp was sure (margin ln(.9/.05) = 2.89)
    agree(6),
  ]);
  const result = analyzeDivergence({ text: TEXT, segments: segmentSteps(TEXT), fp, variant, direction: "forward" });
  assert.deepEqual(result.tokens.map((token) => token.diverges), [false, false, false, false, false, true, false]);
  assert.deepEqual(result.firstDivergence, { segment: 1, position: 5, weight: result.tokens[5]!.weight });
  close(result.tokens[5]!.weight, 0.85);
  close(result.tokens[1]!.fpMargin, Math.log(0.6 / 0.35));
  assert.deepEqual(result.steps.map((step) => [step.segment, step.tokens, step.divergent]), [[0, 3, 0], [1, 3, 1]]);
  assert.equal(result.steps[0]!.sameTopShare, 2 / 3);
  // With a looser threshold, the unsure departure in step 1 counts.
  const loose = analyzeDivergence({ text: TEXT, segments: segmentSteps(TEXT), fp, variant, direction: "forward", minFpMargin: 0.5 });
  assert.equal(loose.firstDivergence?.segment, 0);
});

void test("reverse: where fp, reading the variant's solution, confidently wanted another token", () => {
  const sure = (index: number): [number, [string, number][]] => [0.95, [[TOKENS[index] as string, 0.95], ["x", 0.03]]];
  const variant = stream([sure(0), sure(1), sure(2), sure(3), sure(4), sure(5), sure(6)]);
  const fp = stream([sure(0), sure(1), sure(2), sure(3), sure(4), [0.01, [[" 32", 0.97], [" 31", 0.01]]], sure(6)]);
  const result = analyzeDivergence({ text: TEXT, segments: segmentSteps(TEXT), fp, variant, direction: "reverse" });
  assert.equal(result.firstDivergence?.segment, 1);
  assert.equal(result.firstDivergence?.position, 5);
});

void test("the per-variant summary streams mean KL, percentiles and same-top % like llama.cpp's", () => {
  const summary = new DivergenceSummary();
  const fp = scored("a", [0, 1], 0.7, [["a", 0.7], ["b", 0.2], ["c", 0.05]]);
  const variant = scored("a", [0, 1], 0.3, [["b", 0.5], ["a", 0.3], ["d", 0.1]]);
  summary.addText();
  summary.add(fp, fp);
  summary.add(fp, variant);
  const result = summary.summary();
  assert.equal(result.positions, 2);
  assert.equal(result.texts, 1);
  close(result.kld.mean, topKKl(fp, variant) / 2);
  assert.equal(result.sameTopPercent, 50);
  close(result.kld.max, topKKl(fp, variant));
  close(result.deltaP.mean, (0 + (0.3 - 0.7)) / 2);
});

void test("offsets outside the text are an input error naming the field", () => {
  const bad = [scored("a", [0, 99], 0.5, [["a", 0.5]])];
  assert.throws(() => analyzeDivergence({ text: "abc", segments: [], fp: bad, variant: bad, direction: "forward" }), /token 0 has offsets \[0, 99\)/);
});
