import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { QreasonError } from "../errors.ts";
import { gradeFile, readGradeRecord, validateGradeFile } from "./jsonl.ts";

const bad: Array<[string, string, string | undefined]> = [
  ["{not json", "not valid JSON", undefined],
  ["[1, 2]", "expected a JSON object", undefined],
  ['{"gold": "1", "output": "1"}', "missing", "id"],
  ['{"id": true, "gold": "1", "output": "1"}', "expected a string", "id"],
  ['{"id": "a", "output": "1"}', "missing", "gold"],
  ['{"id": "a", "gold": null, "output": "1"}', "expected a string", "gold"],
  ['{"id": "a", "gold": "1"}', "missing", "output"],
  ['{"id": "a", "gold": "1", "output": 5}', "expected a string", "output"],
  ['{"id": "a", "gold": "1", "output": "1", "finish_reason": "content_filter"}', 'expected "stop" (or eos, end_turn, stop_sequence), "length"', "finish_reason"],
  ['{"id": "a", "gold": "1", "output": "1", "finish_reason": 1}', 'expected "stop" (or eos, end_turn, stop_sequence), "length"', "finish_reason"],
];

for (const [line, message, field] of bad) {
  void test(`readGradeRecord rejects ${line}`, () => {
    assert.throws(
      () => readGradeRecord(line, "outputs.jsonl", 7),
      (error: unknown) =>
        error instanceof QreasonError &&
        error.code === "E_INPUT" &&
        error.location.file === "outputs.jsonl" &&
        error.location.line === 7 &&
        error.location.field === field &&
        error.message.includes(message),
    );
  });
}

void test("readGradeRecord keeps every field and accepts numeric ids and golds", () => {
  const record = readGradeRecord('{"id": 3, "gold": 27.0, "output": "27", "model": "q4"}', "f", 1);
  assert.equal(record.gold, "27");
  assert.deepEqual(record.record, { id: 3, gold: 27, output: "27", model: "q4" });
});

void test("readGradeRecord reads finish_reason: stop, length, null and absent", () => {
  assert.equal(readGradeRecord('{"id": 1, "gold": "1", "output": "1", "finish_reason": "length"}', "f", 1).finishReason, "length");
  assert.equal(readGradeRecord('{"id": 1, "gold": "1", "output": "1", "finish_reason": "stop"}', "f", 1).finishReason, "stop");
  assert.equal(readGradeRecord('{"id": 1, "gold": "1", "output": "1", "finish_reason": null}', "f", 1).finishReason, undefined);
  assert.equal(readGradeRecord('{"id": 1, "gold": "1", "output": "1"}', "f", 1).finishReason, undefined);
});

void test("readGradeRecord reads other tools' words for the finish reasons, in any case", () => {
  for (const [word, reason] of [["max_tokens", "length"], ["MAX_TOKENS", "length"], ["max_new_tokens", "length"], ["end_turn", "stop"], ["stop_sequence", "stop"], ["eos", "stop"], ["STOP", "stop"]]) {
    assert.equal(readGradeRecord(`{"id": 1, "gold": "1", "output": "1", "finish_reason": "${word}"}`, "f", 1).finishReason, reason, word as string);
  }
  assert.equal(readGradeRecord('{"id": 1, "gold": "1", "output": "1"}', "f", 1).finishReason, undefined);
});

async function fixture(lines: string[]): Promise<string> {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-grade-"));
  const file = path.join(directory, "in.jsonl");
  await writeFile(file, lines.join("\n"));
  return file;
}

void test("validateGradeFile counts records, skips blank lines, and names the first bad line", async () => {
  const good = await fixture(['{"id":"a","gold":"1","output":"1"}', "", '{"id":"b","gold":"2","output":"2"}', ""]);
  assert.equal(await validateGradeFile(good), 2);
  const broken = await fixture(['{"id":"a","gold":"1","output":"1"}', '{"id":"b","gold":"2"}']);
  await assert.rejects(validateGradeFile(broken), (error: unknown) => error instanceof QreasonError && error.location.line === 2 && error.location.field === "output");
  await assert.rejects(validateGradeFile("/nonexistent/in.jsonl"), (error: unknown) => error instanceof QreasonError && error.code === "E_NOT_FOUND");
});

void test("gradeFile writes every record back, in order, with the grade fields, and counts statuses", async () => {
  const items = Array.from({ length: 300 }, (_, index) => ({
    id: `p${index}`,
    gold: String(index),
    output: index % 3 === 0 ? `\\boxed{${index}}` : index % 3 === 1 ? `\\boxed{${index + 1}}` : "no idea",
    extra: index,
  }));
  const file = await fixture(items.map((item) => JSON.stringify(item)));
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const progress: number[] = [];
  const summary = await gradeFile({ inputPath: file, output: sink, workers: 2, batchSize: 16, onProgress: (done) => progress.push(done) });
  const lines = chunks.join("").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(lines.length, 300);
  lines.forEach((line, index) => {
    assert.equal(line.id, `p${index}`);
    assert.equal(line.extra, index);
    assert.equal(line.status, index % 3 === 0 ? "correct" : index % 3 === 1 ? "wrong" : "no_answer");
    assert.equal(line.correct, index % 3 === 0);
    assert.equal(typeof line.reason, "string");
  });
  assert.deepEqual(summary.counts, { correct: 100, wrong: 100, no_answer: 100, unparsable: 0, timeout: 0 });
  assert.equal(progress.at(-1), 300);
  assert.ok(progress.every((value, index) => index === 0 || value > progress[index - 1]!));
});

void test("gradeFile applies the truncation rule to finish_reason length lines, and counts them", async () => {
  // A repetition loop cut off by max_tokens: its step numbers are not answers, whatever the gold.
  const loop = Array.from({ length: 30 }, (_, step) => `Step ${step + 1}: add the numbers again.`).join(" ");
  const lines = [
    { id: "loop-length", gold: "21", output: loop, finish_reason: "length" },
    { id: "loop-unknown", gold: "30", output: loop },
    { id: "boxed-length", gold: "21", output: `${loop} So \\boxed{21}. Step 31: add`, finish_reason: "length" },
    { id: "stop", gold: "30", output: loop, finish_reason: "stop" },
  ];
  const file = await fixture(lines.map((line) => JSON.stringify(line)));
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const summary = await gradeFile({ inputPath: file, output: sink, workers: 1 });
  const graded = chunks.join("").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    graded.map((line) => [line.id, line.status, line.finish_reason]),
    [
      ["loop-length", "no_answer", "length"],
      ["loop-unknown", "correct", undefined],
      ["boxed-length", "correct", "length"],
      ["stop", "correct", "stop"],
    ],
  );
  assert.match(String(graded[0]!.reason), /token limit/);
  assert.equal(summary.truncated, 2);
  assert.equal(summary.truncatedNoAnswer, 1);
});
