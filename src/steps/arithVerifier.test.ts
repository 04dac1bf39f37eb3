/**
 * The arith step verifier on hand-written, realistic model outputs for one problem: extra prose, no
 * Step labels, markdown and LaTeX, merged and reordered steps, and each kind of error.
 *
 * Problem: "Tom has 4 bags with 6 apples in each. Ann has 7 more apples than Tom. Ben has 5 pets.
 * How many apples do Tom and Ann have together?"  Gold: 4 * 6 = 24; 24 + 7 = 31; 24 + 31 = 55.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ArithGold } from "../data/arith/index.ts";
import { verifyArithSolution, type FirstError } from "./arithVerifier.ts";

const gold: ArithGold = {
  quantities: [
    { id: "q1", value: 4, text: "4", role: "given" },
    { id: "q2", value: 6, text: "6", role: "given" },
    { id: "q3", value: 7, text: "7", role: "given" },
    { id: "q4", value: 5, text: "5", role: "distractor" },
  ],
  steps: [
    { index: 1, op: "*", result: 24, description: "Tom's apples",
      operands: [{ source: "question", quantity: "q1", value: 4 }, { source: "question", quantity: "q2", value: 6 }] },
    { index: 2, op: "+", result: 31, description: "Ann's apples",
      operands: [{ source: "step", step: 1, value: 24 }, { source: "question", quantity: "q3", value: 7 }] },
    { index: 3, op: "+", result: 55, description: "Tom and Ann together",
      operands: [{ source: "step", step: 1, value: 24 }, { source: "step", step: 2, value: 31 }] },
  ],
  answer: 55,
};

interface Case {
  name: string;
  output: string;
  firstError?: Pick<FirstError, "position" | "part" | "kind" | "reason">;
  statuses: string[];
  propagated?: number[];
  independent?: [number, string][];
  answer: "correct" | "propagated" | "error";
}

const cases: Case[] = [
  {
    name: "the gold format",
    output: "Step 1: Tom's apples: 4 * 6 = 24.\nStep 2: Ann's apples: 24 + 7 = 31.\nStep 3: Tom and Ann together: 24 + 31 = 55.\n\\boxed{55}",
    statuses: ["correct", "correct", "correct"], answer: "correct",
  },
  {
    name: "prose without labels, 'x' for times, the answer in a sentence",
    output: "Tom has 4 bags of 6 apples, so he has 4 x 6 = 24 apples. Ann has 7 more, so 24 + 7 = 31. " +
      "Together they have 24 + 31 = 55 apples.\nThe answer is \\boxed{55}.",
    statuses: ["correct", "correct", "correct"], answer: "correct",
  },
  {
    name: "markdown labels and LaTeX",
    output: "Let me think.\n\n**Step 1:** $4 \\times 6 = 24$\n**Step 2:** $24 + 7 = 31$\n**Step 3:** $24 + 31 = 55$\n\nFinal answer: $\\boxed{55}$",
    statuses: ["correct", "correct", "correct"], answer: "correct",
  },
  {
    name: "reordered, merged and commuted steps that still compute gold values",
    output: "Step 1: Ann has 4 * 6 + 7 = 31 apples.\nStep 2: Tom has 6 * 4 = 24.\nStep 3: 31 + 24 = 55.\n\\boxed{55}",
    statuses: ["correct", "correct", "correct"], answer: "correct",
  },
  {
    name: "a reversed equation, a restatement step, and the box inside the last equation",
    output: "Step 1: 24 = 4 * 6\nStep 2: 24 + 7 = 31\nStep 3: So Ann has 31 apples.\nStep 4: 24 + 31 = \\boxed{55}",
    statuses: ["correct", "correct", "restatement", "correct"], answer: "correct",
  },
  {
    name: "a gold value stated without its computation is accepted as mental arithmetic",
    output: "Step 1: Tom has 24 apples.\nStep 2: Ann has 24 + 7 = 31 apples.\nStep 3: 24 + 31 = 55\n\\boxed{55}",
    statuses: ["correct", "correct", "correct"], answer: "correct",
  },
  {
    name: "GSM8K calculator annotations are not counted twice; '####' is not a boxed answer",
    output: "Tom has 4*6=<<4*6=24>>24 apples. Ann has 24+7=<<24+7=31>>31 apples. Together 24+31=<<24+31=55>>55.\n#### 55",
    firstError: { position: 4, part: "answer", kind: "format", reason: "no-boxed-answer" },
    statuses: ["correct", "correct", "correct"], answer: "error",
  },
  {
    name: "an arithmetic slip carried to the end",
    output: "4 x 6 = 24. Ann: 24 + 7 = 32. Together: 24 + 32 = 56.\n\\boxed{56}",
    firstError: { position: 2, part: "step", kind: "computational", reason: "wrong-result" },
    statuses: ["correct", "error", "propagated"], propagated: [3], answer: "propagated",
  },
  {
    name: "the distractor used instead of the needed number",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 + 5 = 29.\nStep 3: 24 + 29 = 53.\n\\boxed{53}",
    firstError: { position: 2, part: "step", kind: "method", reason: "wrong-quantity" },
    statuses: ["correct", "error", "propagated"], propagated: [3], answer: "propagated",
  },
  {
    name: "the right numbers under the wrong operation",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 * 7 = 168.\nStep 3: 24 + 168 = 192.\n\\boxed{192}",
    firstError: { position: 2, part: "step", kind: "method", reason: "wrong-operation" },
    statuses: ["correct", "error", "propagated"], propagated: [3], answer: "propagated",
  },
  {
    name: "a miscopied operand",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 25 + 7 = 32.\nStep 3: 24 + 32 = 56.\n\\boxed{56}",
    firstError: { position: 2, part: "step", kind: "method", reason: "unknown-operand" },
    statuses: ["correct", "error", "propagated"], propagated: [3], answer: "propagated",
  },
  {
    name: "a wrong value stated without an equation",
    output: "Step 1: 4 * 6 = 24.\nStep 2: Ann has 30 apples.\nStep 3: 24 + 30 = 54.\n\\boxed{54}",
    firstError: { position: 2, part: "step", kind: "format", reason: "unshown-value" },
    statuses: ["correct", "error", "propagated"], propagated: [3], answer: "propagated",
  },
  {
    name: "a labelled step with no arithmetic",
    output: "Step 1: Tom's apples.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n\\boxed{55}",
    firstError: { position: 1, part: "step", kind: "format", reason: "no-equation" },
    statuses: ["error", "correct", "correct"], answer: "correct",
  },
  {
    name: "stopping one step early",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\n\\boxed{31}",
    firstError: { position: 3, part: "answer", kind: "method", reason: "missing-step" },
    statuses: ["correct", "correct"], answer: "error",
  },
  {
    name: "an extra step after the answer, boxed",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\nStep 4: 55 / 5 = 11.\n\\boxed{11}",
    firstError: { position: 4, part: "step", kind: "method", reason: "extra-step" },
    statuses: ["correct", "correct", "correct", "error"], answer: "propagated",
  },
  {
    name: "the answer computed, another value boxed",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n\\boxed{31}",
    firstError: { position: 4, part: "answer", kind: "method", reason: "wrong-answer-quantity" },
    statuses: ["correct", "correct", "correct"], answer: "error",
  },
  {
    name: "the answer miscopied",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n\\boxed{56}",
    firstError: { position: 4, part: "answer", kind: "computational", reason: "answer-mismatch" },
    statuses: ["correct", "correct", "correct"], answer: "error",
  },
  {
    name: "output cut off mid-equation",
    output: "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 +",
    firstError: { position: 3, part: "step", kind: "format", reason: "malformed-equation" },
    statuses: ["correct", "correct", "error"], independent: [[4, "no-boxed-answer"]], answer: "error",
  },
  {
    name: "two independent errors: a slip, then a slip on top of the carried value",
    output: "Step 1: 4 * 6 = 25.\nStep 2: 25 + 7 = 32.\nStep 3: 24 + 32 = 57.\n\\boxed{57}",
    firstError: { position: 1, part: "step", kind: "computational", reason: "wrong-result" },
    statuses: ["error", "propagated", "error"], propagated: [2], independent: [[3, "wrong-result"]], answer: "propagated",
  },
  {
    name: "nothing to check",
    output: "I am not sure how to solve this.",
    firstError: { position: 1, part: "step", kind: "format", reason: "no-steps" },
    statuses: [], independent: [[1, "no-boxed-answer"]], answer: "error",
  },
];

void test("hand-written outputs: first error, step statuses, cascade and answer", () => {
  for (const entry of cases) {
    const result = verifyArithSolution(gold, entry.output);
    const firstError = result.firstError && {
      position: result.firstError.position, part: result.firstError.part, kind: result.firstError.kind, reason: result.firstError.reason,
    };
    assert.deepEqual(firstError, entry.firstError, entry.name);
    assert.deepEqual(result.steps.map((step) => step.status), entry.statuses, entry.name);
    assert.deepEqual(result.cascade.propagated, entry.propagated ?? [], entry.name);
    assert.deepEqual(result.cascade.independent.map((error) => [error.position, error.reason]), entry.independent ?? [], entry.name);
    assert.equal(result.answer.status, entry.answer, entry.name);
    assert.equal(result.answer.correct, entry.answer === "correct", entry.name);
  }
});

void test("step verdicts locate the claims in the output and name the gold steps they compute", () => {
  const output = "Step 1: Tom: 4 * 6 = 24.\nStep 2: Ann: 24 + 7 = 32.\n\\boxed{32}";
  const result = verifyArithSolution(gold, output);
  const [first, second] = result.steps;
  assert.equal(output.slice(first!.start, first!.end), "Step 1: Tom: 4 * 6 = 24.");
  const claim = second!.claims[0]!;
  assert.equal(output.slice(claim.start, claim.end), "24 + 7 = 32");
  assert.deepEqual([first!.goldSteps, second!.goldSteps], [[1], [2]]);
  assert.equal(result.firstError?.label, 2);
  assert.deepEqual(result.goldReached, [1]);
  assert.equal(result.answer.extracted, "32");
});

void test("boxed answers are read in the forms models write them", () => {
  const steps = "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n";
  for (const box of ["\\boxed{55}", "\\boxed{55.}", "\\boxed{\\$55}", "\\boxed{55 \\text{ apples}}", "\\boxed{55.0}", "\\boxed{ 55 }"]) {
    assert.equal(verifyArithSolution(gold, steps + box).answer.correct, true, box);
  }
  const unparsable = verifyArithSolution(gold, `${steps}\\boxed{fifty-five}`);
  assert.deepEqual([unparsable.answer.status, unparsable.answer.reason], ["error", "unparsable-answer"]);
});
