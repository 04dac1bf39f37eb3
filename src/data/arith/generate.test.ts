/** Invariants every generated problem must satisfy, checked over a thousand problems of every level. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateArithProblem, type GeneratedArith } from "./generate.ts";
import { parseSolution, renderSolution } from "./format.ts";
import { LEVELS } from "./levels.ts";
import { hashSeed } from "./random.ts";
import type { ArithOperand } from "./types.ts";

const PER_LEVEL = 200;
const problems: GeneratedArith[] = LEVELS.flatMap(({ level }) =>
  Array.from({ length: PER_LEVEL }, (_, index) => generateArithProblem(hashSeed([99, level, index]), level)));

function exact(op: string, left: number, right: number): number {
  if (op === "+") return left + right;
  if (op === "-") return left - right;
  if (op === "*") return left * right;
  assert.equal(left % right, 0, `${left} / ${right} is exact`);
  return left / right;
}

void test("steps per level, number ranges and distractors follow the level table", () => {
  for (const problem of problems) {
    const spec = LEVELS[problem.level - 1]!;
    const { steps, quantities } = problem.meta;
    assert.ok(steps.length >= spec.minSteps && steps.length <= spec.maxSteps, `level ${problem.level}: ${steps.length} steps`);
    assert.ok(steps.length >= 2 && steps.length <= 6);
    for (const step of steps) assert.ok(Number.isInteger(step.result) && step.result >= 2 && step.result <= spec.maxValue, `${step.result}`);
    for (const quantity of quantities) assert.ok(quantity.value >= 2 && quantity.value <= spec.maxValue);
    assert.equal(quantities.filter((quantity) => quantity.role === "distractor").length, spec.distractors);
  }
});

void test("every step is exact arithmetic on operands whose sources exist and carry their values", () => {
  for (const problem of problems) {
    const { steps, quantities } = problem.meta;
    const byId = new Map(quantities.map((quantity) => [quantity.id, quantity]));
    const valueOf = (operand: ArithOperand, at: number): number => {
      if (operand.source === "question") {
        const quantity = byId.get(operand.quantity);
        assert.ok(quantity, `quantity ${operand.quantity} exists`);
        assert.equal(quantity.role, "given", "steps never use a distractor");
        return quantity.value;
      }
      assert.ok(operand.step >= 1 && operand.step < at, "a step only uses earlier steps");
      return steps[operand.step - 1]!.result;
    };
    steps.forEach((step, position) => {
      assert.equal(step.index, position + 1);
      const [left, right] = step.operands.map((operand) => {
        const value = valueOf(operand, step.index);
        assert.equal(operand.value, value, "an operand records the value of its source");
        return value;
      }) as [number, number];
      assert.equal(exact(step.op, left, right), step.result, `${left} ${step.op} ${right}`);
    });
    assert.equal(problem.answer, steps[steps.length - 1]!.result);
  }
});

void test("nothing is wasted: every step but the last feeds a later one, every given number is used", () => {
  for (const problem of problems) {
    const { steps, quantities } = problem.meta;
    const usedSteps = new Set(steps.flatMap((step) => step.operands.flatMap((operand) => (operand.source === "step" ? [operand.step] : []))));
    for (const step of steps.slice(0, -1)) assert.ok(usedSteps.has(step.index), `step ${step.index} of ${problem.question}`);
    const usedQuantities = new Set(steps.flatMap((step) => step.operands.flatMap((operand) => (operand.source === "question" ? [operand.quantity] : []))));
    for (const quantity of quantities.filter((candidate) => candidate.role === "given")) assert.ok(usedQuantities.has(quantity.id));
  }
});

void test("every value is unambiguous: step results differ from each other and from the question's numbers", () => {
  for (const problem of problems) {
    const results = problem.meta.steps.map((step) => step.result);
    const stated = new Set(problem.meta.quantities.map((quantity) => quantity.value));
    assert.equal(new Set(results).size, results.length, problem.question);
    for (const result of results) assert.ok(!stated.has(result), `${result} is not stated in: ${problem.question}`);
  }
});

void test("the question states each quantity, in id order, as its text", () => {
  for (const problem of problems) {
    let from = 0;
    problem.meta.quantities.forEach((quantity, index) => {
      assert.equal(quantity.id, `q${index + 1}`);
      const pattern = new RegExp(`(?<![\\w])${quantity.text}(?![\\w])`, "g");
      pattern.lastIndex = from;
      const found = pattern.exec(problem.question);
      assert.ok(found, `'${quantity.text}' after offset ${from} in: ${problem.question}`);
      from = found.index + quantity.text.length;
    });
    const digits = problem.question.match(/\d+/g) ?? [];
    assert.equal(digits.length, problem.meta.quantities.filter((quantity) => /^\d+$/.test(quantity.text)).length, "no other numbers");
    assert.match(problem.question, /\?$/);
  }
});

void test("the solution text is the rendering of the gold steps and parses back to them", () => {
  for (const problem of problems) {
    assert.equal(problem.solution, renderSolution(problem.meta.steps, problem.answer));
    const parsed = parseSolution(problem.solution);
    assert.ok(parsed.ok, problem.solution);
    assert.equal(parsed.answer, problem.answer);
    assert.deepEqual(parsed.lines, problem.meta.steps.map((step) => ({
      index: step.index,
      description: step.description,
      left: step.operands[0].value,
      op: step.op,
      right: step.operands[1].value,
      result: step.result,
    })));
  }
});

void test("every level mixes all four operations, and the subject names the problem's operations", () => {
  for (const { level } of LEVELS) {
    const ops = new Set(problems.filter((problem) => problem.level === level).flatMap((problem) => problem.meta.steps.map((step) => step.op)));
    assert.deepEqual([...ops].sort(), ["*", "+", "-", "/"], `level ${level}`);
  }
  const names: Record<string, string> = { "+": "add", "-": "sub", "*": "mul", "/": "div" };
  for (const problem of problems) {
    const used = new Set(problem.meta.steps.map((step) => names[step.op]));
    assert.deepEqual(problem.subject.split("_"), ["add", "sub", "mul", "div"].filter((name) => used.has(name)));
  }
});

void test("a seed and a level determine the problem; meta.seed regenerates it", () => {
  const first = problems[PER_LEVEL * 3 + 17]!;
  assert.deepEqual(generateArithProblem(first.meta.seed, first.level), first);
  assert.notEqual(generateArithProblem(first.meta.seed + 1, first.level).question, first.question);
  assert.throws(() => generateArithProblem(1, 6), RangeError);
  assert.throws(() => generateArithProblem(1, 0), RangeError);
});
