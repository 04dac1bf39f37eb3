/** `qreason grade` end to end: the real CLI in a child process (`node bin/qreason.js grade ...`). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../testing/paths.ts";
import { runQreason } from "../testing/cli.ts";

const qreason = (args: string[]) => runQreason(args, { timeoutMs: 120_000 });

async function temporaryDirectory(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "qreason-grade-cli-"));
}

void test("grade meets the contract on the bundled example: same objects plus correct/extracted/status, in order", async () => {
  const example = path.join(projectRoot, "examples", "grade-example.jsonl");
  const run = await qreason(["grade", "--input", example]);
  assert.equal(run.code, 0, run.stderr);
  const inputs = (await readFile(example, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  const outputs = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(outputs.length, inputs.length);
  const statuses = new Set<string>();
  outputs.forEach((output, index) => {
    for (const [key, value] of Object.entries(inputs[index]!)) assert.deepEqual(output[key], value, key);
    assert.equal(typeof output.correct, "boolean");
    assert.ok(output.extracted === null || typeof output.extracted === "string");
    assert.ok(["correct", "wrong", "no_answer", "unparsable", "timeout"].includes(output.status as string));
    assert.equal(output.correct, output.status === "correct");
    statuses.add(output.status as string);
  });
  // The example is meant to show every kind of outcome a model run produces.
  for (const status of ["correct", "wrong", "no_answer", "unparsable"]) assert.ok(statuses.has(status), status);
  assert.match(run.stderr, /graded \d+ items .*correct \d+, wrong \d+, no_answer \d+, unparsable \d+, timeout 0/);
});

void test("--output writes the file (and nothing to stdout); no partial file is left behind", async () => {
  const directory = await temporaryDirectory();
  const input = path.join(directory, "in.jsonl");
  const output = path.join(directory, "out.jsonl");
  await writeFile(input, '{"id":"a","gold":"2","output":"1+1=\\\\boxed{2}"}\n');
  const run = await qreason(["grade", "--input", input, "--output", output, "--quiet"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "");
  assert.equal(run.stderr, "");
  const line = JSON.parse(await readFile(output, "utf8")) as { status: string; extracted: string };
  assert.deepEqual([line.status, line.extracted], ["correct", "2"]);
  assert.deepEqual((await readdir(directory)).sort(), ["in.jsonl", "out.jsonl"]);
});

void test("a malformed line is an error naming file, line and field, and no output file is written", async () => {
  const directory = await temporaryDirectory();
  const input = path.join(directory, "in.jsonl");
  await writeFile(input, '{"id":"a","gold":"2","output":"2"}\n{"id":"b","output":"3"}\n');
  const run = await qreason(["grade", "--input", input, "--output", path.join(directory, "out.jsonl")]);
  assert.equal(run.code, 1);
  assert.equal(run.stderr.trim(), `qreason: error[E_INPUT]: ${input}:2: field 'gold': missing`);
  assert.deepEqual(await readdir(directory), ["in.jsonl"]);
});

void test("usage errors: no --input, a bad --workers, --json with --input", async () => {
  const missing = await qreason(["grade"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /give a run directory \(`qreason grade runs\/my-study`\) or --input F\.jsonl/);
  const directory = await temporaryDirectory();
  const input = path.join(directory, "in.jsonl");
  await writeFile(input, '{"id":"a","gold":"2","output":"2"}\n');
  const workers = await qreason(["grade", "--input", input, "--workers", "zero"]);
  assert.equal(workers.code, 2);
  assert.match(workers.stderr, /--workers must be a positive integer/);
  // --json is the run directory's one-line summary; with --input it was silently ignored (inputs6 audit).
  const json = await qreason(["grade", "--input", input, "--json"]);
  assert.equal(json.code, 2, json.stderr);
  assert.match(json.stderr, /error\[E_USAGE\]: --json applies to a run directory/);
  assert.equal(json.stdout, "");
});

void test("100,000 lines: all graded, in order, streamed", async () => {
  const directory = await temporaryDirectory();
  const input = path.join(directory, "big.jsonl");
  const stream = createWriteStream(input);
  const forms = [(n: number) => `so \\boxed{${n}}`, (n: number) => `The answer is ${n + 1}.`, (n: number) => `#### ${n}`, () => "I give up."];
  for (let index = 0; index < 100_000; index++) {
    const line = `${JSON.stringify({ id: `q${index}`, gold: String(index % 1000), output: forms[index % 4]!(index % 1000) })}\n`;
    if (!stream.write(line)) await once(stream, "drain");
  }
  stream.end();
  await once(stream, "finish");
  const output = path.join(directory, "graded.jsonl");
  const run = await qreason(["grade", "--input", input, "--output", output]);
  assert.equal(run.code, 0, run.stderr);
  const lines = (await readFile(output, "utf8")).trim().split("\n");
  assert.equal(lines.length, 100_000);
  for (const index of [0, 1, 2, 3, 4_999, 54_321, 99_999]) {
    const record = JSON.parse(lines[index]!) as { id: string; status: string };
    assert.equal(record.id, `q${index}`);
    assert.equal(record.status, ["correct", "wrong", "correct", "no_answer"][index % 4]);
  }
  assert.match(run.stderr, /graded 100000 items .*correct 50000, wrong 25000, no_answer 25000, unparsable 0, timeout 0/);
});

void test("a reader that goes away (`| head -1`) ends the run quietly, not with an error", async () => {
  const directory = await temporaryDirectory();
  const input = path.join(directory, "in.jsonl");
  const lines = Array.from({ length: 20_000 }, (_, index) => JSON.stringify({ id: `q${index}`, gold: "1", output: "\\boxed{1}" }));
  await writeFile(input, `${lines.join("\n")}\n`);
  const child = spawn(process.execPath, [path.join(projectRoot, "bin", "qreason.js"), "grade", "--input", input], { env: { ...process.env, CI: "1" } });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await once(child.stdout, "data");
  child.stdout.destroy();
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /error/i);
});
