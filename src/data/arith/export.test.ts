/** Training records and the registry entry: what the engine trains on and what `qreason data` loads. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { QreasonError } from "../../errors.ts";
import { loadProblems } from "../registry.ts";
import { arithTrainingJsonl, arithTrainingRecord } from "./export.ts";
import { parseSolution } from "./format.ts";
import { arithGold } from "./gold.ts";
import { generateArithSplit } from "./splits.ts";

const problems = generateArithSplit("train", { size: 50 });

void test("a training record is the prompt (question + line break) and the gold solution as completion", () => {
  for (const problem of problems) {
    const record = arithTrainingRecord(problem);
    assert.equal(record.prompt, `${problem.question}\n`);
    assert.equal(record.completion, problem.solution);
    assert.equal(record.text, record.prompt + record.completion);
    assert.equal(record.answer, problem.answer);
    assert.equal(record.level, problem.level);
    const parsed = parseSolution(record.completion);
    assert.ok(parsed.ok && String(parsed.answer) === record.answer);
  }
  assert.throws(() => arithTrainingRecord({ ...problems[0]!, solution: undefined }), RangeError);
});

void test("the JSONL has one parseable line per problem, in order, with the fields train-reference reads", () => {
  const lines = [...arithTrainingJsonl(problems)];
  assert.equal(lines.length, problems.length);
  lines.forEach((line, index) => {
    assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.id, problems[index]!.id);
    for (const field of ["prompt", "completion", "answer"]) assert.equal(typeof record[field], "string", field);
  });
});

void test("arith is registered: loads by name with sizes and seeds, default split test", async () => {
  const loaded = await loadProblems("arith", { dataDir: "/nonexistent", size: 12 });
  assert.equal(loaded.length, 12);
  assert.deepEqual(loaded, generateArithSplit("test", { size: 12 }));
  const train = await loadProblems("arith", { dataDir: "/nonexistent", split: "train", size: 3, seed: 9 });
  assert.deepEqual(train, generateArithSplit("train", { size: 3, seed: 9 }));
  assert.equal((await loadProblems("arith", { dataDir: "/nonexistent", size: undefined })).length, 1000);
  await assert.rejects(loadProblems("arith", { dataDir: "/nonexistent", size: 2, seed: 2 ** 32 }), (error: unknown) =>
    error instanceof QreasonError && error.code === "E_USAGE");
});

void test("arithGold reads meta back and names the field when it is malformed", () => {
  const problem = problems[0]!;
  const gold = arithGold(JSON.parse(JSON.stringify(problem)) as typeof problem);
  assert.equal(gold.answer, Number(problem.answer));
  assert.deepEqual(gold.steps, problem.meta.steps);
  const broken = (meta: Record<string, unknown>, answer = problem.answer) => ({ ...problem, answer, meta: { ...problem.meta, ...meta } });
  const steps = problem.meta.steps as { op: string }[];
  const cases: [ReturnType<typeof broken>, string][] = [
    [broken({ steps: undefined }), "meta.steps"],
    [broken({ quantities: "none" }), "meta.quantities"],
    [broken({ steps: [{ ...steps[0], op: "^" }, ...steps.slice(1)] }), "meta.steps[0].op"],
    [broken({ steps: [{ ...steps[0], operands: [] }, ...steps.slice(1)] }), "meta.steps[0].operands"],
    [broken({}, "12.5"), "answer"],
    [broken({}, String(Number(problem.answer) + 1)), "answer"],
  ];
  for (const [bad, field] of cases) {
    assert.throws(() => arithGold(bad), (error: unknown) => error instanceof QreasonError && error.code === "E_INPUT" && error.location.field === field, field);
  }
});
