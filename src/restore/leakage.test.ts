import assert from "node:assert/strict";
import { test } from "node:test";
import { QreasonError } from "../errors.ts";
import { generateArithSplit } from "../data/arith/index.ts";
import { checkLeakage } from "./leakage.ts";
import { normalizeProblemText } from "./normalize.ts";

test("normal form: case, width, punctuation and spacing do not count; digits do", () => {
  assert.equal(normalizeProblemText("  Zoe has 9 PACKS,\n with 291 pencils!  "), "zoe has 9 packs with 291 pencils");
  assert.equal(normalizeProblemText("Ｚｏｅ has ９ packs"), normalizeProblemText("zoe has 9 packs."));
  assert.notEqual(normalizeProblemText("Zoe has 9 packs"), normalizeProblemText("Zoe has 8 packs"));
});

test("leakage: a training problem equal to an evaluation problem in normal form is excluded and named", () => {
  const evaluation = [
    { label: "arith/test", problems: [{ id: "t1", question: "Ann has 3 apples. How many?" }] },
    { label: "gsm8k/test", problems: [{ id: "g1", question: "ann has 3 apples  how many" }, { id: "g2", question: "Other." }] },
  ];
  const training = [
    { id: "a", question: "ANN has 3 apples. How many?" },
    { id: "b", question: "Ann has 4 apples. How many?" },
  ];
  const result = checkLeakage(training, evaluation);
  assert.deepEqual(result.kept.map((problem) => problem.id), ["b"]);
  assert.deepEqual(result.leaked, [{ id: "a", matches: [{ split: "arith/test", id: "t1" }, { split: "gsm8k/test", id: "g1" }] }]);
  assert.equal(result.evaluationProblems, 3);
  assert.throws(() => checkLeakage(training, evaluation, "error"), (error: unknown) => error instanceof QreasonError && /1 training problem\(s\).*a = arith\/test t1/.test(error.message));
  assert.equal(checkLeakage([training[1] as { id: string; question: string }], evaluation, "error").leaked.length, 0);
});

test("leakage: the arith testbed's train split never meets its test split", () => {
  const train = generateArithSplit("train", { size: 3000 });
  const test = generateArithSplit("test", { size: 1000 });
  const result = checkLeakage(train, [{ label: "arith/test", problems: test }], "error");
  assert.equal(result.kept.length, 3000);
  // The test split against itself leaks completely: the check sees what it should.
  assert.equal(checkLeakage(test.slice(0, 50), [{ label: "arith/test", problems: test }]).leaked.length, 50);
});
