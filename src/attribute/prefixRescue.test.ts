/**
 * Prefix rescue over synthetic continuations built from injected errors: a "variant" that slips at gold
 * step j whenever it has to write step j itself, and an "fp" that carries a wrong value it is handed. The
 * first vulnerable and the unrecoverable step must both be step j, where the verifier also puts the first
 * error, so all three agree on every such flip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random, arithGold, generateArithSplit } from "../data/arith/index.ts";
import { alignSteps, injectError, segmentSteps } from "../steps/index.ts";
import { agreementRate, causalAgreement, histogram, relativePosition, toFpSegment, type FlipLocations } from "./agreement.ts";
import { locateFirstError } from "./firstError.ts";
import { findFirstVulnerableStep, findUnrecoverableStep, prefixCuts } from "./prefixRescue.ts";

const stepsIn = (prefix: string): number => prefix.split("\n").filter((line) => /^Step \d+: .*\.$/.test(line)).length;

void test("cuts: prefix k ends where step k+1 starts; the answer line is not a cut point", () => {
  const text = "Step 1: A: 4 * 6 = 24.\nStep 2: B: 24 + 7 = 31.\n\\boxed{31}";
  const { steps, cuts } = prefixCuts(text, segmentSteps(text));
  assert.deepEqual(steps, [0, 1]);
  assert.deepEqual(cuts.map((cut) => text.slice(0, cut)), ["", "Step 1: A: 4 * 6 = 24.\n", "Step 1: A: 4 * 6 = 24.\nStep 2: B: 24 + 7 = 31.\n"]);
});

void test("injected slips: first vulnerable step = unrecoverable step = verifier's first error, on every problem", async () => {
  const random = new Random(17);
  const flips: FlipLocations[] = [];
  for (const problem of generateArithSplit("test", { size: 40 })) {
    const gold = arithGold(problem);
    const fpText = problem.solution as string;
    const j = random.int(1, gold.steps.length);
    const injected = injectError(gold, { kind: "computational", step: j, propagate: true }, random);
    if (!injected) continue;
    const fpSegments = segmentSteps(fpText);
    const variantSegments = segmentSteps(injected.text);
    const seen: string[] = [];
    const forward = await findFirstVulnerableStep({
      fpText, fpSegments,
      variantContinues: async (prefix, k) => {
        seen.push(prefix);
        assert.equal(stepsIn(prefix), k, "prefix k holds exactly k steps");
        return stepsIn(prefix) >= j; // the variant slips when it writes step j itself
      },
    });
    assert.equal(forward.outcome, "located");
    assert.deepEqual([forward.k, forward.segment], [j, j - 1], injected.text);
    assert.ok(forward.search.verified);
    assert.ok(forward.calls <= Math.ceil(Math.log2(gold.steps.length + 1)) + 2);
    assert.ok(seen.every((prefix) => fpText.startsWith(prefix)));
    const mirror = await findUnrecoverableStep({
      variantText: injected.text, variantSegments,
      fpContinues: async (prefix) => stepsIn(prefix) < j, // handed the wrong value of step j, fp carries it
    });
    assert.deepEqual([mirror.outcome, mirror.k, mirror.segment], ["located", j, j - 1]);
    const error = locateFirstError(injected.text, { arith: gold }).first;
    assert.ok(error);
    const alignment = alignSteps(fpSegments, variantSegments);
    flips.push({ firstError: toFpSegment(alignment, error.segment, fpSegments.length), firstVulnerable: forward.segment });
  }
  const agreement = agreementRate(flips, "firstVulnerable", "firstError");
  assert.ok(agreement.pairs >= 30);
  assert.deepEqual([agreement.exact, agreement.withinOne, agreement.firstEarlier], [1, 1, 0]);
});

void test("outcomes at the ends: the variant right from the bare prompt, or never rescued", async () => {
  const fpText = "Step 1: A: 4 * 6 = 24.\nStep 2: B: 24 + 7 = 31.\n\\boxed{31}";
  const fpSegments = segmentSteps(fpText);
  const alone = await findFirstVulnerableStep({ fpText, fpSegments, variantContinues: async () => true });
  assert.deepEqual([alone.outcome, alone.k, alone.segment], ["not-reproduced", undefined, undefined]);
  const never = await findFirstVulnerableStep({ fpText, fpSegments, variantContinues: async () => false });
  assert.deepEqual([never.outcome, never.calls], ["never", 2]);
  const recovers = await findUnrecoverableStep({ variantText: fpText, variantSegments: fpSegments, fpContinues: async () => true });
  assert.equal(recovers.outcome, "never");
});

void test("agreement rates, fp positions of inserted variant steps, relative positions and histograms", () => {
  const flips: FlipLocations[] = [
    { firstError: 2, firstDivergence: 2, firstVulnerable: 2 },
    { firstError: 3, firstDivergence: 1, firstVulnerable: 2 },
    { firstError: 0, firstVulnerable: 1 },
    { firstDivergence: 4 },
  ];
  const agreement = causalAgreement(flips);
  assert.deepEqual(agreement.found, { firstError: 3, firstDivergence: 3, firstVulnerable: 3 });
  assert.deepEqual(agreement.vulnerableVsDivergence, { pairs: 2, exact: 0.5, withinOne: 1, firstEarlier: 0, secondEarlier: 0.5 });
  assert.deepEqual(agreement.vulnerableVsError, { pairs: 3, exact: 1 / 3, withinOne: 1, firstEarlier: 1 / 3, secondEarlier: 1 / 3 });
  assert.deepEqual(agreement.divergenceVsError, { pairs: 2, exact: 0.5, withinOne: 0.5, firstEarlier: 0.5, secondEarlier: 0 });
  assert.ok(Number.isNaN(agreementRate([], "firstError", "firstDivergence").exact));
  const alignment = { method: "similarity" as const, pairs: [
    { fp: 0, variant: 0, similarity: 1, by: "similarity" as const },
    { variant: 1, similarity: 0, by: "gap" as const },
    { fp: 1, variant: 2, similarity: 1, by: "similarity" as const },
  ] };
  assert.deepEqual([toFpSegment(alignment, 0, 2), toFpSegment(alignment, 1, 2), toFpSegment(alignment, 2, 2), toFpSegment(alignment, 9, 2)], [0, 1, 1, undefined]);
  assert.deepEqual([relativePosition(0, 5), relativePosition(4, 5), relativePosition(2, 5), relativePosition(0, 1)], [0, 1, 0.5, 0]);
  assert.deepEqual(histogram([0, 0.05, 0.5, 0.99, 1, Number.NaN], 4), [2, 0, 1, 2]);
});
