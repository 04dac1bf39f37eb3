/** Verifier findings land in the shared taxonomy's subtypes, by the table in errorTypes.ts. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ArithGold } from "../data/arith/index.ts";
import { isErrorSubtype } from "../taxonomy/index.ts";
import { arithErrorType, refutedClaimType } from "./errorTypes.ts";
import { locateFirstError } from "./firstError.ts";

const gold: ArithGold = {
  quantities: [
    { id: "q1", value: 4, text: "4", role: "given" },
    { id: "q2", value: 6, text: "6", role: "given" },
    { id: "q3", value: 7, text: "7", role: "given" },
    { id: "q4", value: 5, text: "5", role: "distractor" },
  ],
  steps: [
    { index: 1, op: "*", result: 24, description: "Tom's apples", operands: [{ source: "question", quantity: "q1", value: 4 }, { source: "question", quantity: "q2", value: 6 }] },
    { index: 2, op: "+", result: 31, description: "Ann's apples", operands: [{ source: "step", step: 1, value: 24 }, { source: "question", quantity: "q3", value: 7 }] },
    { index: 3, op: "+", result: 55, description: "together", operands: [{ source: "step", step: 1, value: 24 }, { source: "step", step: 2, value: 31 }] },
  ],
  answer: 55,
};

const cases: [string, string, string | null, string, boolean][] = [
  ["a slip", "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 32.\nStep 3: 24 + 32 = 56.\n\\boxed{56}", "computational_error", "arith-verifier", true], // same step: the arith verifier speaks
  ["the distractor used", "Step 1: 4 * 6 = 24.\nStep 2: 24 + 5 = 29.\nStep 3: 24 + 29 = 53.\n\\boxed{53}", "contextual_oversight", "arith-verifier", true],
  ["the wrong operation", "Step 1: 4 * 6 = 24.\nStep 2: 24 * 7 = 168.\nStep 3: 24 + 168 = 192.\n\\boxed{192}", "procedural_error", "arith-verifier", true],
  ["an invented number", "Step 1: 4 * 6 = 24.\nStep 2: 25 + 7 = 32.\nStep 3: 24 + 32 = 56.\n\\boxed{56}", "contextual_oversight", "arith-verifier", true],
  ["stopping early", "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\n\\boxed{31}", "procedural_error", "arith-verifier", true],
  ["another computed value boxed", "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n\\boxed{31}", "conceptual_misunderstanding", "arith-verifier", true],
  ["a broken equation (format: no subtype)", "Step 1: 4 * 6 =.\nStep 2: 24 + 7 = 31.\nStep 3: 24 + 31 = 55.\n\\boxed{55}", null, "arith-verifier", true],
];

void test("first errors on arith carry the subtype their finding implies", () => {
  for (const [name, text, subtype, source, certain] of cases) {
    const first = locateFirstError(text, { arith: gold }).first;
    assert.deepEqual([first?.subtype ?? null, first?.source, first?.certain], [subtype, source, certain], name);
  }
});

void test("without gold steps only arithmetic is judged: a method error alone is not seen", () => {
  assert.equal(locateFirstError("Step 1: 4 * 6 = 24.\nStep 2: 24 * 7 = 168.\n\\boxed{168}").first, undefined);
  const slip = locateFirstError("Step 1: 4 * 6 = 24.\nStep 2: 24 * 7 = 167.\n\\boxed{167}").first;
  assert.deepEqual([slip?.segment, slip?.subtype, slip?.category], [1, "computational_error", "execution"]);
});

void test("every mapping is a taxonomy subtype or null", () => {
  assert.ok(isErrorSubtype(refutedClaimType().subtype));
  const reasons = ["wrong-result", "answer-mismatch", "wrong-operation", "wrong-quantity", "unknown-operand", "extra-step", "missing-step",
    "wrong-answer-quantity", "malformed-equation", "unshown-value", "no-equation", "no-steps", "no-boxed-answer", "unparsable-answer"] as const;
  for (const reason of reasons) {
    const { subtype, category } = arithErrorType(reason);
    assert.ok(subtype === null ? category === null : isErrorSubtype(subtype), reason);
  }
});
