/**
 * Every registered benchmark split, loaded from shared/data: counts equal PROVENANCE.md, every record
 * has a question and an answer, ids are unique and stable, and each source's shape quirk is handled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { benchmarks, loadProblems } from "./registry.ts";
import { loadProcessBench, processBenchSubsets } from "./processbench.ts";
import { readProvenance } from "./provenance.testutil.ts";
import type { Problem } from "./types.ts";
import { sharedDataDir } from "../testing/paths.ts";

const provenance = readProvenance(sharedDataDir);
const dataDir = sharedDataDir;

async function load(name: string, split?: string): Promise<Problem[]> {
  return loadProblems(name, { dataDir, ...(split ? { split } : {}) });
}

function byId(problems: Problem[]): Map<string, Problem> {
  return new Map(problems.map((problem) => [problem.id, problem]));
}

for (const benchmark of benchmarks.filter((candidate) => candidate.origin === "files")) {
  for (const split of benchmark.splits) {
    void test(`${benchmark.name}/${split.name}: every record parses, counts match PROVENANCE.md, ids unique`, async () => {
      const problems = await load(benchmark.name, split.name);
      assert.equal(problems.length, provenance.get(split.files[0]?.path ?? "")?.records);
      assert.equal(new Set(problems.map((problem) => problem.id)).size, problems.length);
      for (const problem of problems) {
        assert.equal(problem.benchmark, benchmark.name);
        assert.ok(problem.id.startsWith(`${benchmark.name}/${split.name}/`), problem.id);
        assert.ok(problem.question.trim().length > 0, `${problem.id} question`);
        assert.ok(problem.answer.trim().length > 0, `${problem.id} answer`);
        assert.equal(problem.answer, problem.answer.trim(), `${problem.id} answer is trimmed`);
        if (problem.level !== undefined) assert.ok(Number.isInteger(problem.level) && problem.level >= 1 && problem.level <= 5);
      }
      // Loading twice gives the same ids in the same order: ids come from the data, not from load order.
      assert.deepEqual((await load(benchmark.name, split.name)).map((problem) => problem.id), problems.map((problem) => problem.id));
    });
  }
}

void test("aime24: zero-padded answers become plain integers, the original stays in meta", async () => {
  const problems = byId(await load("aime24"));
  const second = problems.get("aime24/test/67");
  assert.equal(second?.answer, "25");
  assert.equal(second?.meta.originalAnswer, "025");
  assert.deepEqual([second?.meta.contest, second?.meta.problemNumber], ["2024 AIME I", 2]);
  assert.ok(second?.solution && second.solution.length > 0);
  for (const problem of problems.values()) assert.match(problem.answer, /^(0|[1-9]\d{0,2})$/);
  // The source repeats the problem as `question`; it is identical, so nothing extra is kept.
  assert.equal(second?.meta.alternateQuestion, undefined);
});

void test("aime25: integer answers become strings; contest and problem number come from the id", async () => {
  const problems = byId(await load("aime25"));
  assert.equal(problems.get("aime25/test/0")?.answer, "70");
  assert.equal(problems.get("aime25/test/0")?.meta.originalAnswer, 70);
  assert.deepEqual([problems.get("aime25/test/14")?.meta.contest, problems.get("aime25/test/14")?.meta.problemNumber], ["2025 AIME I", 15]);
  assert.deepEqual([problems.get("aime25/test/15")?.meta.contest, problems.get("aime25/test/15")?.meta.problemNumber], ["2025 AIME II", 1]);
});

void test("amc23: float answers become their plain form (27.0 -> 27, -1.0 -> -1)", async () => {
  const problems = await load("amc23");
  const answers = problems.map((problem) => problem.answer);
  assert.equal(problems[0]?.answer, "27");
  assert.equal(problems[0]?.meta.originalAnswer, 27);
  assert.ok(answers.includes("-1"));
  for (const answer of answers) assert.match(answer, /^-?\d+$/);
  assert.ok(problems.every((problem) => typeof problem.meta.contest === "string" && /2023 AMC 12[AB]/.test(problem.meta.contest)));
});

void test("gsm8k: the answer is the number after ####, without thousands commas", async () => {
  const problems = await load("gsm8k");
  assert.equal(problems[0]?.answer, "18");
  assert.ok(problems[0]?.solution?.includes("<<16-3-4=9>>"), "calculator annotations are kept in the solution");
  assert.ok(!problems[0]?.solution?.includes("####"));
  const withCommas = problems.filter((problem) => typeof problem.meta.originalAnswer === "string" && problem.meta.originalAnswer.includes(","));
  assert.ok(withCommas.length >= 10);
  for (const problem of problems) assert.match(problem.answer, /^-?\d+(\.\d+)?$/);
  const socratic = await load("gsm8k", "test_socratic");
  assert.equal(socratic[5]?.meta.testId, "gsm8k/test/5");
  assert.equal(socratic[5]?.answer, problems[5]?.answer);
});

void test("math test: the last \\boxed{} of the solution agrees with MATH-500's own answer on all 500 shared problems", async () => {
  const math = await load("math");
  const byQuestion = new Map(math.map((problem) => [problem.question, problem]));
  const disagreements: string[] = [];
  const math500 = await load("math500");
  for (const problem of math500) {
    const twin = byQuestion.get(problem.question);
    if (!twin || twin.answer !== problem.answer) disagreements.push(`${problem.id}: ${problem.answer} vs ${twin?.answer}`);
  }
  assert.deepEqual(disagreements, []);
  assert.equal(byId(math).get("math/test/0")?.answer, "2");
  assert.deepEqual(
    [...new Set(math.map((problem) => problem.level))].sort(),
    [1, 2, 3, 4, 5],
  );
});

void test("math500: ids from unique_id, integer levels, the seven subjects with PROVENANCE.md's counts", async () => {
  const problems = await load("math500");
  assert.equal(problems[0]?.id, "math500/test/precalculus/807");
  assert.equal(problems[0]?.meta.uniqueId, "test/precalculus/807.json");
  const subjects = new Map<string, number>();
  for (const problem of problems) subjects.set(problem.subject ?? "", (subjects.get(problem.subject ?? "") ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(subjects), {
    Algebra: 124, "Intermediate Algebra": 97, Prealgebra: 82, "Number Theory": 62, Precalculus: 56, Geometry: 41, "Counting & Probability": 38,
  });
});

void test("math train: 7,500 files, brace-less \\boxed, empty-box errata, 'Level ?' without a level", async () => {
  const problems = await load("math", "train");
  const ids = byId(problems);
  assert.equal(ids.get("math/train/algebra/24014")?.answer, "2"); // `$\boxed 2$.`
  const erratum = ids.get("math/train/number_theory/7115");
  assert.equal(erratum?.answer, "0");
  assert.match(String(erratum?.meta.answerSource), /errata/);
  const unleveled = problems.filter((problem) => problem.level === undefined);
  assert.deepEqual(unleveled.map((problem) => problem.meta.rawLevel), ["Level ?", "Level ?"]);
  const perSubject = new Map<string, number>();
  for (const problem of problems) perSubject.set(problem.id.split("/")[2] ?? "", (perSubject.get(problem.id.split("/")[2] ?? "") ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(perSubject), {
    algebra: 1744, counting_and_probability: 771, geometry: 870, intermediate_algebra: 1295, number_theory: 869, prealgebra: 1205, precalculus: 746,
  });
});

void test("minerva_math: answers from the last \\boxed{}, course as subject", async () => {
  const problems = await load("minerva_math");
  assert.equal(problems[0]?.answer, "1.6");
  assert.match(problems[0]?.subject ?? "", /Astronomy/);
  assert.equal(new Set(problems.map((problem) => problem.subject)).size, 9);
});

void test("olympiadbench: $-delimited answer lists become plain text; meta keeps list, type, unit, tolerance", async () => {
  const problems = byId(await load("olympiadbench"));
  const multiple = [...problems.values()].find((problem) => (problem.meta.finalAnswer as string[])[0] === "$69$,$84$");
  assert.equal(multiple?.answer, "69,84");
  assert.equal(multiple?.meta.isMultipleAnswer, true);
  for (const problem of problems.values()) assert.ok(!/(?<!\\)\$/.test(problem.answer), `${problem.id}: ${problem.answer}`);
  const withUnit = [...problems.values()].filter((problem) => problem.meta.unit !== undefined);
  assert.equal(withUnit.length, 8);
  assert.equal([...problems.values()].filter((problem) => problem.meta.isMultipleAnswer).length, 94);
  assert.equal(problems.get("olympiadbench/test/2592")?.meta.tolerance, "1e-1");
});

void test("processbench: subsets load with PROVENANCE.md's error / all-correct counts", async () => {
  const expected: Record<string, [number, number]> = {
    gsm8k: [207, 193], math: [594, 406], olympiadbench: [661, 339], omnimath: [759, 241],
  };
  for (const subset of processBenchSubsets) {
    const solutions = await loadProcessBench(subset.name, { dataDir });
    const correct = solutions.filter((solution) => solution.firstErrorStep === null).length;
    assert.deepEqual([solutions.length - correct, correct], expected[subset.name], subset.name);
    for (const solution of solutions) {
      if (solution.firstErrorStep !== null) assert.ok(solution.firstErrorStep < solution.steps.length);
    }
  }
});
