/** `jsonl:<path>`: a user's JSONL with a field mapping, and the errors a malformed one produces. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { loadProblems } from "./registry.ts";
import type { FieldMapping } from "./benchmarks/jsonl.ts";

async function jsonlFile(lines: string[]): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-user-"));
  const file = path.join(directory, "mine.jsonl");
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

async function load(file: string, mapping?: FieldMapping) {
  return loadProblems(`jsonl:${file}`, { dataDir: "/nonexistent", ...(mapping ? { mapping } : {}) });
}

void test("defaults: question/answer fields, id from `id`, numbers canonical, extras in meta", async () => {
  const file = await jsonlFile([
    '{"id": "a", "question": "1+1?", "answer": 2.0, "source": "me"}',
    '{"id": 7, "question": "2+2?", "answer": "004", "level": "Level 3", "subject": "Arithmetic"}',
  ]);
  const problems = await load(file);
  assert.deepEqual(problems.map((problem) => [problem.id, problem.benchmark, problem.answer]), [
    ["mine/a", "jsonl:mine", "2"],
    ["mine/7", "jsonl:mine", "4"],
  ]);
  assert.equal(problems[0]?.meta.source, "me");
  assert.equal(problems[0]?.meta.originalAnswer, undefined, "JSON 2.0 is the number 2: nothing to keep");
  assert.equal(problems[1]?.meta.originalAnswer, "004");
  assert.equal(problems[1]?.level, 3);
  assert.equal(problems[1]?.subject, "Arithmetic");
});

void test("without an id field, ids are line numbers; `problem` is taken when there is no `question`", async () => {
  const file = await jsonlFile(['{"problem": "p1", "answer": "x"}', "", '{"problem": "p2", "answer": ["1", "2"]}']);
  const problems = await load(file);
  assert.deepEqual(problems.map((problem) => [problem.id, problem.question, problem.answer]), [
    ["mine/1", "p1", "x"],
    ["mine/3", "p2", "1, 2"],
  ]);
});

void test("an explicit mapping, including dotted paths into nested objects", async () => {
  const file = await jsonlFile(['{"key": "k1", "prompt": "Q?", "gold": {"final": "\\\\frac{1}{2}"}}']);
  const [problem] = await load(file, { questionField: "prompt", answerField: "gold.final", idField: "key" });
  assert.deepEqual([problem?.id, problem?.question, problem?.answer], ["mine/k1", "Q?", "\\frac{1}{2}"]);
});

const broken: [string, string[], FieldMapping, { line?: number; field?: string }][] = [
  ["bad JSON", ['{"question": "q", "answer": "1"}', '{"question": '], {}, { line: 2 }],
  ["a missing answer", ['{"question": "q", "answer": "1"}', '{"question": "q2"}'], {}, { line: 2, field: "answer" }],
  ["an empty question", ['{"q": "", "a": "1"}'], { questionField: "q", answerField: "a" }, { line: 1, field: "q" }],
  ["a mapped field that does not exist", ['{"question": "q", "answer": "1"}'], { answerField: "gold" }, { line: 1, field: "gold" }],
  ["an answer of the wrong type", ['{"question": "q", "answer": {"x": 1}}'], {}, { line: 1, field: "answer" }],
  ["duplicate ids", ['{"id": 1, "question": "q", "answer": "1"}', '{"id": 1, "question": "r", "answer": "2"}'], {}, { field: "id" }],
];
for (const [name, lines, mapping, where] of broken) {
  void test(`a JSONL with ${name} is E_INPUT naming file${where.line ? ", line" : ""}${where.field ? ", field" : ""}`, async () => {
    const file = await jsonlFile(lines);
    await assert.rejects(load(file, mapping), (error: unknown) => {
      assert.ok(error instanceof QreasonError, String(error));
      assert.equal(error.code, "E_INPUT");
      assert.equal(error.location.file, file);
      assert.equal(error.location.line, where.line);
      assert.equal(error.location.field, where.field);
      return true;
    });
  });
}

void test("common field names of other datasets are found without a mapping: final_answer, target, prompt, uid", async () => {
  const file = await jsonlFile(['{"prompt": "p1", "final_answer": 6, "uid": "a"}', '{"prompt": "p2", "final_answer": "7", "uid": "b"}']);
  assert.deepEqual((await load(file)).map((problem) => [problem.id, problem.question, problem.answer]), [
    ["mine/a", "p1", "6"],
    ["mine/b", "p2", "7"],
  ]);
  const lmEval = await jsonlFile(['{"input": "What is 2+2?", "target": "4"}']);
  assert.deepEqual((await load(lmEval)).map((problem) => [problem.question, problem.answer]), [["What is 2+2?", "4"]]);
});

void test("no answer field among the usual names: the error lists the record's fields and how to map one", async () => {
  const file = await jsonlFile(['{"query": "What is 2+2?", "response": "4"}']);
  await assert.rejects(load(file), (error: unknown) => {
    assert.ok(error instanceof QreasonError && error.code === "E_INPUT");
    assert.match(error.message, /no answer field: the first record's fields are 'query', 'response'/);
    assert.match(error.message, /--answer-field .*mapping: \{ answer: <field> \}/);
    assert.equal(error.location.line, 1);
    return true;
  });
  const mapped = await load(file, { answerField: "response" });
  assert.deepEqual(mapped.map((problem) => [problem.question, problem.answer]), [["What is 2+2?", "4"]]);
});

void test("an empty file and a missing file are clear errors", async () => {
  await assert.rejects(load(await jsonlFile([""])), (error: unknown) => error instanceof QreasonError && error.code === "E_INPUT");
  await assert.rejects(load("/nonexistent/x.jsonl"), (error: unknown) => error instanceof QreasonError && error.code === "E_NOT_FOUND");
});
