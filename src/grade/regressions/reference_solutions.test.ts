/**
 * Every benchmark's own reference solutions, graded as if a model had written them, against their gold
 * answers (../shared/data): what a base model imitating few-shot examples writes (GSM8K's worked answers
 * with calculator annotations and no `####` line), MATH's boxed prose, and the same prose with its box
 * removed (the conclusion must be read from the sentence). The misses are listed by id, each a solution
 * that does not state its gold the way a reader would take it; a new miss, or a listed one now graded
 * right, fails the test so the list stays true.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadProblems, type Problem } from "../../data/index.ts";
import { sharedDataDir } from "../../testing/paths.ts";
import { createGrader } from "../grade.ts";

const grader = createGrader();

async function misses(benchmark: string, output: (problem: Problem) => string | undefined): Promise<{ graded: number; wrong: string[] }> {
  const problems = await loadProblems(benchmark, { dataDir: sharedDataDir });
  const wrong: string[] = [];
  let graded = 0;
  for (const problem of problems) {
    const text = output(problem);
    if (text === undefined) continue;
    graded++;
    if (grader.gradeItem({ gold: problem.answer, output: text }).status !== "correct") wrong.push(problem.id);
  }
  return { graded, wrong };
}

/** The solution with its one `\boxed{X}` replaced by X (braces matched); undefined without exactly one box. */
function unboxed(solution: string | undefined): string | undefined {
  if (solution === undefined || solution.split("\\boxed").length !== 2) return undefined;
  const at = solution.indexOf("\\boxed");
  const open = solution.indexOf("{", at);
  if (open === -1) return undefined;
  for (let index = open, depth = 0; index < solution.length; index++) {
    if (solution[index] === "{") depth++;
    else if (solution[index] === "}" && --depth === 0) return solution.slice(0, at) + solution.slice(open + 1, index) + solution.slice(index + 1);
  }
  return undefined;
}

test("GSM8K's 1,319 worked test solutions (annotations kept, no #### line) state their gold", async () => {
  const { graded, wrong } = await misses("gsm8k", (problem) => problem.solution);
  assert.equal(graded, 1319);
  // 1038 and 1243: the solution's value is not the gold (6 years for 4; $0.50 for 50 cents); the rest end
  // on a sentence whose stated number is a circumstance ("in 2 days", "2:00 pm", "three days", "33%").
  assert.deepEqual(wrong, [13, 226, 270, 493, 593, 607, 625, 674, 1001, 1038, 1078, 1176, 1243].map((index) => `gsm8k/test/${index}`));
});

test("MATH's 5,000 test solutions state their gold (the misses box two answers or end in a figure)", async () => {
  const { graded, wrong } = await misses("math", (problem) => problem.solution);
  assert.equal(graded, 5000);
  assert.deepEqual(wrong, [414, 2703, 2716, 2912, 4860].map((index) => `math/test/${index}`));
});

test("Minerva's 272 solutions state their gold", async () => {
  assert.deepEqual(await misses("minerva_math", (problem) => problem.solution), { graded: 272, wrong: [] });
});

test("MATH and Minerva solutions with their box removed: the conclusion is read from the prose", async () => {
  const math = await misses("math", (problem) => unboxed(problem.solution));
  const minerva = await misses("minerva_math", (problem) => unboxed(problem.solution));
  const graded = math.graded + minerva.graded;
  const correct = graded - math.wrong.length - minerva.wrong.length;
  assert.equal(graded, 5182);
  // A floor, raised as the prose reading improves (2026-12-08: 4,290; 4,052 before that day's changes).
  assert.ok(correct >= 4290, `${correct} of ${graded} unboxed solutions graded right, fewer than 4,290`);
});
