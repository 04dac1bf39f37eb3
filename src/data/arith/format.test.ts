/** The solution grammar: what the renderer writes, the strict parser accepts, and nothing else. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSolution, renderPrompt, renderSolution, renderStepLine } from "./format.ts";
import type { ArithStep } from "./types.ts";

const steps: ArithStep[] = [
  {
    index: 1, op: "*", result: 24, description: "Tom's apples",
    operands: [{ source: "question", quantity: "q1", value: 4 }, { source: "question", quantity: "q2", value: 6 }],
  },
  {
    index: 2, op: "+", result: 31, description: "Ann's apples",
    operands: [{ source: "step", step: 1, value: 24 }, { source: "question", quantity: "q3", value: 7 }],
  },
];

void test("renders the documented format exactly", () => {
  assert.equal(renderSolution(steps, 31), "Step 1: Tom's apples: 4 * 6 = 24.\nStep 2: Ann's apples: 24 + 7 = 31.\n\\boxed{31}");
  assert.equal(renderPrompt("How many?"), "How many?\n");
});

void test("parse(render(x)) gives back x", () => {
  const parsed = parseSolution(renderSolution(steps, 31));
  assert.deepEqual(parsed, {
    ok: true,
    answer: 31,
    lines: [
      { index: 1, description: "Tom's apples", left: 4, op: "*", right: 6, result: 24 },
      { index: 2, description: "Ann's apples", left: 24, op: "+", right: 7, result: 31 },
    ],
  });
});

const good = "Step 1: Tom's apples: 4 * 6 = 24.\nStep 2: Ann's apples: 24 + 7 = 31.\n\\boxed{31}";

const broken: [string, string, number][] = [
  ["missing period", good.replace("= 24.", "= 24"), 1],
  ["unicode times", good.replace("*", "\u00d7"), 1],
  ["no spaces around op", good.replace("4 * 6", "4*6"), 1],
  ["step numbers skip", good.replace("Step 2", "Step 3"), 2],
  ["digit in the description", good.replace("Ann's", "Ann2's"), 2],
  ["leading zero", good.replace("= 31.", "= 031."), 2],
  ["negative number", good.replace("24 + 7 = 31", "24 + -7 = 17"), 2],
  ["answer not boxed", good.replace("\\boxed{31}", "The answer is 31."), 3],
  ["trailing newline", `${good}\n`, 3],
  ["answer only", "\\boxed{31}", 1],
  ["prose line", good.replace("Step 2", "So Step 2"), 2],
  ["empty", "", 1],
];

void test("anything outside the grammar is refused at its line", () => {
  for (const [name, text, line] of broken) {
    const parsed = parseSolution(text);
    assert.equal(parsed.ok, false, name);
    if (!parsed.ok) assert.equal(parsed.line, line, name);
  }
});

void test("the renderer refuses descriptions and numbers the parser could not read back", () => {
  const line = { index: 1, description: "Apples", left: 4, op: "*" as const, right: 6, result: 24 };
  assert.throws(() => renderStepLine({ ...line, description: "Apples: total" }), RangeError);
  assert.throws(() => renderStepLine({ ...line, description: "3 bags" }), RangeError);
  assert.throws(() => renderStepLine({ ...line, description: " Apples" }), RangeError);
  assert.throws(() => renderStepLine({ ...line, result: -1 }), RangeError);
  assert.throws(() => renderStepLine({ ...line, left: 2.5 }), RangeError);
});
