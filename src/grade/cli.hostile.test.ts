/**
 * `qreason grade` against the inputs and outputs of the hostile probe (issue 12): outputs that are
 * symlinks, FIFOs, devices or directories; inputs that are pipes, FIFOs, directories, deeply nested,
 * not UTF-8, or hold a raw U+2028; Ctrl-C in the middle. The real CLI in a child process.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../testing/paths.ts";
import { runQreason, type CliRun } from "../testing/cli.ts";

const qreason = (args: string[]) => runQreason(args, { timeoutMs: 60_000 });
const bin = path.join(projectRoot, "bin", "qreason.js");
const LINE = '{"id":"a","gold":"2","output":"so \\\\boxed{2}"}\n';

async function folder(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), "qreason-grade-hostile-"));
}

function assertCleanError(run: CliRun, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, run.stderr);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /, "no stack trace");
}

/** Runs the CLI with `stdin` fed from `input`; resolves with its result (killed after `timeoutMs`). */
async function withStdin(args: string[], input: string, timeoutMs = 60_000): Promise<CliRun> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, CI: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  child.stdin.end(input);
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code: code ?? (signal === "SIGKILL" ? 137 : 1), stdout, stderr };
}

test("--output through a symlink writes the file it names and keeps the link", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  await writeFile(input, LINE);
  await mkdir(path.join(directory, "real"));
  const real = path.join(directory, "real", "graded.jsonl");
  await writeFile(real, "old\n", { mode: 0o640 });
  const link = path.join(directory, "link.jsonl");
  await symlink(path.join("real", "graded.jsonl"), link); // relative, as `ln -s` makes them
  const run = await qreason(["grade", "--input", input, "--output", link, "--quiet"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok((await lstat(link)).isSymbolicLink(), "the link is still a link");
  assert.equal(await readlink(link), path.join("real", "graded.jsonl"));
  assert.equal((JSON.parse(await readFile(real, "utf8")) as { status: string }).status, "correct");
  assert.equal((await stat(real)).mode & 0o777, 0o640, "the replaced file keeps its permissions");
  assert.deepEqual(await readdir(path.join(directory, "real")), ["graded.jsonl"], "no temporary file left");

  // A dangling link: the file it names is created, the link stays.
  const dangling = path.join(directory, "new-link.jsonl");
  await symlink(path.join(directory, "real", "fresh.jsonl"), dangling);
  const second = await qreason(["grade", "--input", input, "--output", dangling, "--quiet"]);
  assert.equal(second.code, 0, second.stderr);
  assert.ok((await lstat(dangling)).isSymbolicLink());
  assert.match(await readFile(path.join(directory, "real", "fresh.jsonl"), "utf8"), /"status":"correct"/);
});

test("--output refuses a FIFO, a device node and a directory, and leaves them as they were", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  await writeFile(input, LINE);
  const fifo = path.join(directory, "fifo");
  execFileSync("mkfifo", [fifo]);
  assertCleanError(await qreason(["grade", "--input", input, "--output", fifo]), 2, /--output is a FIFO \(named pipe\); give a regular file/);
  assert.ok((await lstat(fifo)).isFIFO(), "the FIFO is still a FIFO");

  const outputFolder = path.join(directory, "out");
  await mkdir(outputFolder);
  assertCleanError(await qreason(["grade", "--input", input, "--output", outputFolder]), 2, /--output is a directory; give a file path/);
  assert.deepEqual(await readdir(outputFolder), []);

  if (process.getuid?.() === 0) {
    // A character device like /dev/null (made here, so a failing run cannot replace the real one).
    const device = path.join(directory, "null");
    execFileSync("mknod", [device, "c", "1", "3"]);
    assertCleanError(await qreason(["grade", "--input", input, "--output", device]), 2, /--output is a device/);
    assert.ok((await lstat(device)).isCharacterDevice(), "the device node is still a device node");
  }
  assert.deepEqual((await readdir(directory)).sort(), ["fifo", "in.jsonl", "null", "out"].filter((name) => name !== "null" || process.getuid?.() === 0));
});

test("--input from a pipe (/dev/stdin) or a FIFO is read once and graded whole", async () => {
  const lines = Array.from({ length: 300 }, (_, index) => JSON.stringify({ id: `q${index}`, gold: String(index), output: `\\boxed{${index}}` }));
  const directory = await folder();
  // A shell's pipe and process substitution are real pipes (Node's spawn gives a socket): through bash.
  const file = path.join(directory, "in.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  const quoted = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
  for (const script of [
    `cat ${quoted(file)} | ${quoted(process.execPath)} ${quoted(bin)} grade --input /dev/stdin --quiet`,
    `${quoted(process.execPath)} ${quoted(bin)} grade --input <(cat ${quoted(file)}) --quiet`,
    `cat ${quoted(file)} | ${quoted(process.execPath)} ${quoted(bin)} grade --input - --quiet`,
  ]) {
    const stdout = execFileSync("bash", ["-c", script], { env: { ...process.env, CI: "1" }, encoding: "utf8", timeout: 60_000 });
    assert.equal(stdout.trim().split("\n").length, 300, script);
  }

  // Node's spawn gives a child a socket for stdin, which cannot be opened again by name.
  const piped = await withStdin(["grade", "--input", "/dev/stdin", "--quiet"], `${lines.join("\n")}\n`);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.trim().split("\n").length, 300);
  assert.ok(piped.stdout.trim().split("\n").every((line) => (JSON.parse(line) as { correct: boolean }).correct));

  const fifo = path.join(directory, "in.fifo");
  execFileSync("mkfifo", [fifo]);
  const running = runQreason(["grade", "--input", fifo], { timeoutMs: 60_000 });
  await writeFile(fifo, `${lines.slice(0, 5).join("\n")}\n`); // opens, writes, closes: one writer, as a shell would
  const run = await running;
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trim().split("\n").length, 5);
  assert.match(run.stderr, /graded 5 items/);
  const malformed = await withStdin(["grade", "--input", "/dev/stdin"], `${LINE}{"id":"b"}\n`);
  assertCleanError(malformed, 1, /\/dev\/stdin:2: field 'gold': missing/);
});

test("a directory or a missing file as --input is a clear error", async () => {
  const directory = await folder();
  assertCleanError(await qreason(["grade", "--input", directory]), 2, /--input is a directory; give a file/);
  assertCleanError(await qreason(["grade", "--input", path.join(directory, "nope.jsonl")]), 1, /error\[E_NOT_FOUND\].*nope\.jsonl: the --input does not exist/);
  const empty = path.join(directory, "empty.jsonl");
  await writeFile(empty, "");
  const run = await qreason(["grade", "--input", empty]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /graded 0 items/);
});

test("a raw U+2028 / U+2029 inside a JSON string is part of the line", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  const records = [
    { id: "ls", gold: "7", output: "Adding up\u2028the answer is \\boxed{7}" },
    { id: "ps", gold: "8", output: "para\u2029graph: \\boxed{8}" },
  ];
  await writeFile(input, `${records.map((record) => JSON.stringify(record)).join("\n")}\n`); // JSON.stringify leaves them raw
  assert.ok((await readFile(input, "utf8")).includes("\u2028"));
  const run = await qreason(["grade", "--input", input, "--quiet"]);
  assert.equal(run.code, 0, run.stderr);
  const graded = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { id: string; output: string; correct: boolean });
  assert.deepEqual(graded.map((record) => [record.id, record.output, record.correct]), records.map((record) => [record.id, record.output, true]));
});

test("CRLF line ends and a UTF-8 byte-order mark (Windows editors) are accepted", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  await writeFile(input, `\uFEFF${LINE.trim()}\r\n${LINE.trim().replace('"a"', '"b"')}\r\n`);
  const run = await qreason(["grade", "--input", input, "--quiet"]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split("\n").map((line) => (JSON.parse(line) as { id: string; correct: boolean }).id), ["a", "b"]);
});

test("JSON nested 5,000 deep in an extra field is refused with its file and line before anything is written", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
  const lines = Array.from({ length: 400 }, (_, index) => JSON.stringify({ id: `q${index}`, gold: "1", output: "\\boxed{1}" }));
  lines.splice(300, 0, `{"id":"deep","gold":"1","output":"1","extra":${deep}}`);
  await writeFile(input, `${lines.join("\n")}\n`);
  const output = path.join(directory, "out.jsonl");
  const run = await qreason(["grade", "--input", input, "--output", output]);
  assertCleanError(run, 1, new RegExp(`${input.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:301: JSON nested deeper than 64 levels`));
  assert.deepEqual(await readdir(directory), ["in.jsonl"], "no output and no partial file");
  // Brackets inside strings are text, not nesting.
  await writeFile(input, JSON.stringify({ id: "s", gold: "1", output: `${"[".repeat(5000)} \\boxed{1}` }) + "\n");
  const strings = await qreason(["grade", "--input", input, "--quiet"]);
  assert.equal(strings.code, 0, strings.stderr);
});

test("a line that is not UTF-8 is refused by its number; an over-long line too", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  await writeFile(input, Buffer.concat([Buffer.from(LINE), Buffer.from('{"id":"b","gold":"1","output":"caf'), Buffer.from([0xe9, 0x22, 0x7d, 0x0a])]));
  assertCleanError(await qreason(["grade", "--input", input]), 1, /in\.jsonl:2: not valid UTF-8 \(at byte 3[0-9] of the line\)/);

  const long = path.join(directory, "long.jsonl");
  await writeFile(long, `${LINE}{"id":"b","gold":"1","output":"${"x".repeat(17 * 1024 * 1024)}"}\n`);
  assertCleanError(await qreason(["grade", "--input", long]), 1, /long\.jsonl:2: line is longer than 16777216 bytes/);
});

test("Ctrl-C while grading into --output leaves neither a partial file nor a changed target", async () => {
  const directory = await folder();
  const input = path.join(directory, "in.jsonl");
  const lines = Array.from({ length: 60_000 }, (_, index) => JSON.stringify({ id: `q${index}`, gold: "3", output: `1 + 2 = \\boxed{3} (${index})` }));
  await writeFile(input, `${lines.join("\n")}\n`);
  const output = path.join(directory, "out.jsonl");
  await writeFile(output, "previous\n");
  const child = spawn(process.execPath, [bin, "grade", "--input", input, "--output", output, "--quiet"], { env: { ...process.env, CI: "1" } });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  // Wait for the temporary output to appear (validation done, grading started), then interrupt.
  for (let tries = 0; tries < 600; tries++) {
    if ((await readdir(directory)).some((name) => name.includes(".partial-"))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGINT");
  const [code] = await exited;
  assert.equal(code, 130, stderr);
  assert.deepEqual((await readdir(directory)).sort(), ["in.jsonl", "out.jsonl"]);
  assert.equal(await readFile(output, "utf8"), "previous\n");
});
