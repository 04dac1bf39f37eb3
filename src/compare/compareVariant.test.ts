import assert from "node:assert/strict";
import { test } from "node:test";
import { compareVariant, type SampleRow } from "./compareVariant.ts";
import { seededRandom } from "./random.ts";
import type { GradeStatus } from "../store/index.ts";

const row = (problemId: string, status: GradeStatus, extra: Partial<SampleRow> = {}): SampleRow => ({
  problemId,
  benchmark: "arith",
  sampleIndex: 0,
  status,
  level: Number(problemId.slice(1)) <= 5 ? 1 : 2,
  subject: Number(problemId.slice(1)) % 2 === 0 ? "even" : "odd",
  ...extra,
});

// Ten paired problems (p1..p10), one only the baseline has (p12), one only the variant has (p11).
const baselineStatuses: GradeStatus[] = ["correct", "correct", "correct", "correct", "correct", "correct", "wrong", "no_answer", "correct", "wrong"];
const variantStatuses: GradeStatus[] = ["correct", "wrong", "no_answer", "correct", "unparsable", "correct", "correct", "wrong", "correct", "wrong"];
const baselineRows = [
  ...baselineStatuses.map((status, index) => row(`p${index + 1}`, status, { completionTokens: 100, steps: 4 })),
  row("p12", "correct", { completionTokens: 100 }),
];
const variantRows = [
  ...variantStatuses.map((status, index) => row(`p${index + 1}`, status, { completionTokens: 120 + index, steps: 4 })),
  row("p11", "wrong", { completionTokens: 50 }),
];

test("compareVariant on a hand-built case: headline, flips, McNemar, statuses, breakdowns", () => {
  const result = compareVariant(baselineRows, variantRows, { bootstrapResamples: 2000, seed: 1 });
  assert.deepEqual(result.problems, { paired: 10, baselineOnly: 1, variantOnly: 1 });
  assert.equal(result.pairing, "single-sample");
  assert.equal(result.baseline.score, 0.7);
  assert.equal(result.variant.score, 0.5);
  assert.equal(result.baseline.intervalMethod, "wilson");
  assert.ok(result.baseline.interval.low < 0.7 && result.baseline.interval.high > 0.7);
  assert.ok(Math.abs(result.headline.absoluteDropPoints - 20) < 1e-9);
  assert.ok(Math.abs((result.headline.relativeDropPercent ?? 0) - 200 / 7) < 1e-9);

  assert.deepEqual(result.flips.map((flip) => [flip.problemId, flip.variantStatus]), [["p2", "wrong"], ["p3", "no_answer"], ["p5", "unparsable"]]);
  assert.deepEqual(result.rescues.map((rescue) => rescue.problemId), ["p7"]);
  assert.deepEqual(result.flipCauses, { wrong: 1, no_answer: 1, unparsable: 1, timeout: 0 });
  // b = 3, c = 1: 2·(1 + 4)/16.
  assert.equal(result.mcnemar.baselineOnly, 3);
  assert.equal(result.mcnemar.variantOnly, 1);
  assert.ok(Math.abs(result.mcnemar.pValue - 0.625) < 1e-12);

  assert.ok(Math.abs(result.difference.estimate - -0.2) < 1e-12);
  assert.ok(result.difference.interval.low < -0.2 && result.difference.interval.high > -0.2);

  assert.deepEqual(
    { ...result.statuses.variant, formatFailureRate: Math.round(result.statuses.variant.formatFailureRate * 100) },
    { correct: 5, wrong: 3, no_answer: 1, unparsable: 1, timeout: 0, total: 10, formatFailures: 2, formatFailureRate: 20 },
  );
  assert.equal(result.statuses.baseline.formatFailures, 1);

  assert.deepEqual(
    result.byLevel.map((group) => [group.group, group.problems, group.baseline.score, group.variant.score, group.flips, group.rescues]),
    [["1", 5, 1, 0.4, 3, 0], ["2", 5, 0.4, 0.6, 0, 1]],
  );
  assert.deepEqual(result.bySubject.map((group) => group.group), ["even", "odd"]);
  assert.deepEqual(result.byBenchmark.map((group) => [group.group, group.problems]), [["arith", 10]]);

  const tokens = result.lengths.tokens;
  assert.ok(tokens);
  assert.equal(tokens.pairs, 10);
  assert.equal(tokens.baseline.mean, 100);
  assert.equal(tokens.variant.mean, 124.5);
  assert.equal(tokens.test.n, 10);
  assert.equal(tokens.test.wPlus, 55);
  assert.ok(tokens.test.pGreater < 0.01);
  // Equal step counts everywhere: no evidence either way.
  assert.equal(result.lengths.steps?.test.pGreater, 1);
});

test("compareVariant's result is plain JSON and does not depend on row order", () => {
  const result = compareVariant(baselineRows, variantRows, { bootstrapResamples: 500 });
  assert.deepStrictEqual(JSON.parse(JSON.stringify(result)), result);
  const random = seededRandom(3);
  const shuffle = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = random.below(index + 1);
      [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
    }
    return copy;
  };
  assert.deepStrictEqual(compareVariant(shuffle(baselineRows), shuffle(variantRows), { bootstrapResamples: 500 }), result);
});

test("compareVariant with 4 samples per problem: mean@n, pass@k, sample-0 pairing", () => {
  const samples = (problemId: string, statuses: GradeStatus[]): SampleRow[] =>
    statuses.map((status, sampleIndex) => ({ problemId, sampleIndex, status, completionTokens: 10 }));
  const c = "correct";
  const w = "wrong";
  const baseline = [...samples("A", [c, c, c, c]), ...samples("B", [c, w, w, w]), ...samples("C", [w, w, w, w])];
  const variant = [...samples("A", [c, c, w, w]), ...samples("B", [w, c, w, w]), ...samples("C", [w, w, w, c])];
  const result = compareVariant(baseline, variant, { bootstrapResamples: 500, passKs: [1, 2, 4] });
  assert.equal(result.pairing, "sample-0");
  assert.equal(result.baseline.intervalMethod, "normal-over-problems");
  assert.equal(result.baseline.samplesPerProblem, 4);
  assert.ok(Math.abs(result.baseline.score - 1.25 / 3) < 1e-12);
  assert.ok(Math.abs(result.variant.score - 1 / 3) < 1e-12);
  // pass@2: A 1, B 1 − C(3,2)/C(4,2) = 0.5, C 0.
  assert.deepEqual(result.baseline.passAtK.map((entry) => [entry.k, entry.value]), [[1, 1.25 / 3], [2, 0.5], [4, 2 / 3]]);
  assert.deepEqual(result.variant.passAtK.map((entry) => entry.value)[2], 1);
  assert.deepEqual(result.flips.map((flip) => flip.problemId), ["B"]);
  assert.deepEqual(result.rescues, []);
  assert.equal(result.byLevel.length, 0);
});

test("compareVariant refuses duplicate samples and handles an empty comparison", () => {
  assert.throws(() => compareVariant([row("p1", "correct"), row("p1", "wrong")], []), /two rows for problem p1 sample 0/);
  const empty = compareVariant([], []);
  assert.equal(empty.problems.paired, 0);
  assert.equal(empty.headline.relativeDropPercent, null);
  assert.equal(empty.lengths.tokens, null);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(empty)), empty);
});
