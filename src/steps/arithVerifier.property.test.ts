/**
 * Property tests: the verifier is exact on its own generator's perturbations. Every error kind is
 * injected at every step of many generated problems (carried forward or not), and the verifier must
 * recover the exact first-error position, part, kind and reason, the propagated steps, and the answer.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Random, arithGold, generateArithSplit, renderStepLine, type ArithGold } from "../data/arith/index.ts";
import { verifyArithProblem, verifyArithSolution } from "./arithVerifier.ts";
import { INJECTION_KINDS, injectError, type InjectedSolution, type InjectionKind } from "./inject.ts";

const problems = generateArithSplit("train", { size: 300 }).map(arithGold);
const ATTEMPTS = 6; // random choices an injection may retry before a (problem, kind, step) counts as refused

function inject(gold: ArithGold, kind: InjectionKind, step: number, propagate: boolean, random: Random): InjectedSolution | undefined {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const injected = injectError(gold, { kind, step, propagate }, random);
    if (injected) return injected;
  }
  return undefined;
}

void test("gold solutions verify clean: no error, every gold step reached, the answer right", () => {
  for (const problem of generateArithSplit("test", { size: 1000 })) {
    const result = verifyArithProblem(problem, problem.solution as string);
    assert.equal(result.firstError, undefined, problem.solution);
    assert.ok(result.answer.correct);
    assert.deepEqual(result.goldReached, (problem.meta.steps as unknown[]).map((_, index) => index + 1));
    assert.ok(result.steps.every((step) => step.status === "correct"));
  }
});

void test("each error kind at each step: exact first error, cascade and answer", () => {
  const random = new Random(2024);
  const made = new Map<string, number>();
  const tried = new Map<string, number>();
  for (const gold of problems) {
    for (const kind of INJECTION_KINDS) {
      const steps = kind.startsWith("answer-") ? [gold.steps.length] : gold.steps.map((step) => step.index);
      for (const step of steps) {
        for (const propagate of [true, false]) {
          const label = `${kind}/${propagate ? "carried" : "recovered"}`;
          tried.set(label, (tried.get(label) ?? 0) + 1);
          const injected = inject(gold, kind, step, propagate, random);
          if (!injected) continue;
          made.set(label, (made.get(label) ?? 0) + 1);
          const result = verifyArithSolution(gold, injected.text);
          const context = `${label} at step ${step}:\n${injected.text}`;
          const { firstError } = injected.expected;
          assert.deepEqual(
            result.firstError && { position: result.firstError.position, part: result.firstError.part, kind: result.firstError.kind },
            { position: firstError.position, part: firstError.part, kind: firstError.kind },
            context,
          );
          if (firstError.reason) assert.equal(result.firstError?.reason, firstError.reason, context);
          assert.deepEqual(result.cascade.propagated, injected.expected.propagated, context);
          assert.deepEqual(result.cascade.independent, [], context);
          assert.equal(result.answer.correct, injected.expected.answerCorrect, context);
          assert.equal(result.answer.status === "propagated", injected.expected.answerPropagated, context);
        }
      }
    }
  }
  // Coverage: most injections are possible (refusals are ambiguous cases, e.g. a wrong value equal to a gold one).
  const coverage = Object.fromEntries([...tried].map(([label, count]) => [label, (made.get(label) ?? 0) / count]));
  for (const [label, share] of Object.entries(coverage)) {
    const floor = label.endsWith("recovered") && /skipped|wrong-/.test(label) ? 0.3 : 0.6;
    assert.ok(share >= floor, `${label}: only ${(share * 100).toFixed(0)}% of injections were possible`);
  }
  const total = [...made.values()].reduce((sum, count) => sum + count, 0);
  assert.ok(total > 10_000, `only ${total} injections`);
  console.log(`verified ${total} injected errors`);
});

void test("a second, independent slip after a carried error is reported on its own", () => {
  const random = new Random(77);
  let checked = 0;
  for (const gold of problems) {
    for (let step = 1; step < gold.steps.length; step++) {
      const injected = inject(gold, "computational", step, true, random);
      const later = injected?.expected.propagated[0];
      if (!injected || later === undefined) continue;
      // Add a slip to the first carried step's stated result; the steps after it still use the value it computed.
      const lines = injected.text.split("\n");
      const match = /^Step (\d+): (.+): (\d+) ([-+*/]) (\d+) = (\d+)\.$/.exec(lines[later - 1] as string);
      assert.ok(match, lines[later - 1]);
      const [, , description, left, op, right, result] = match;
      const slipped = Number(result) + 1;
      const stated = new Set([...gold.quantities.map((quantity) => quantity.value), ...gold.steps.map((goldStep) => goldStep.result)]);
      if (stated.has(slipped) || injected.text.includes(` ${slipped}.`) || injected.text.includes(` ${slipped} `)) continue;
      lines[later - 1] = renderStepLine({ index: later, description: description as string, left: Number(left), op: op as "+", right: Number(right), result: slipped });
      const result2 = verifyArithSolution(gold, lines.join("\n"));
      assert.equal(result2.firstError?.position, injected.expected.firstError.position);
      assert.deepEqual(result2.cascade.independent.map((error) => [error.position, error.kind]), [[later, "computational"]], lines.join("\n"));
      assert.deepEqual(result2.cascade.propagated, injected.expected.propagated.filter((position) => position !== later));
      checked++;
    }
  }
  assert.ok(checked > 200, `only ${checked} cases`);
});
