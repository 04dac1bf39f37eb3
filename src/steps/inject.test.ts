/** Error injection builds the text it claims to: one error where it says, the rest as stated. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random, arithGold, generateArithSplit, parseSolution } from "../data/arith/index.ts";
import { injectError } from "./inject.ts";

const problems = generateArithSplit("test", { size: 60 }).filter((problem) => (problem.meta.steps as unknown[]).length >= 3);

void test("each injection changes the gold text the way its kind says", () => {
  const random = new Random(5);
  for (const problem of problems) {
    const gold = arithGold(problem);
    const goldLines = (problem.solution as string).split("\n");
    const step = 2;
    const computational = injectError(gold, { kind: "computational", step, propagate: false }, random);
    if (computational) {
      const lines = computational.text.split("\n");
      assert.deepEqual(lines.map((line, index) => line === goldLines[index]), goldLines.map((_, index) => index !== step - 1));
      const parsed = parseSolution(computational.text);
      assert.ok(parsed.ok);
      const wrong = parsed.lines[step - 1]!;
      assert.notEqual(wrong.result, gold.steps[step - 1]!.result);
      assert.equal(computational.expected.answerCorrect, true);
    }
    const skipped = injectError(gold, { kind: "skipped-step", step, propagate: true }, random);
    if (skipped) assert.equal(skipped.text.split("\n").length, goldLines.length - 1);
    const extra = injectError(gold, { kind: "extra-step", step, propagate: true }, random);
    if (extra) {
      assert.equal(extra.text.split("\n").length, goldLines.length + 1);
      assert.deepEqual(extra.expected.firstError, { position: step + 1, part: "step", kind: "method", reason: "wrong-quantity" });
    }
    const broken = injectError(gold, { kind: "format", step, propagate: true }, random);
    assert.ok(broken);
    const parsed = parseSolution(broken.text);
    assert.deepEqual(parsed.ok ? undefined : parsed.line, step);
  }
});

void test("a carried error changes every later step that depends on it, and the answer", () => {
  const random = new Random(9);
  let checked = 0;
  for (const problem of problems) {
    const gold = arithGold(problem);
    const injected = injectError(gold, { kind: "computational", step: 1, propagate: true }, random);
    if (!injected) continue;
    const parsed = parseSolution(injected.text);
    assert.ok(parsed.ok);
    const changed = parsed.lines.filter((line, index) => line.result !== gold.steps[index]!.result).map((line) => line.index);
    assert.deepEqual(changed.slice(1), injected.expected.propagated);
    assert.notEqual(parsed.answer, gold.answer);
    checked++;
  }
  assert.ok(checked > 20);
});
