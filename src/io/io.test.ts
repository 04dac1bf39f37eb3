/** src/io on its own: line splitting at "\n" only, JSON depth, atomic outputs, re-readable inputs. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { isQreasonError } from "../errors.ts";
import { LineSplitter, jsonNestingDepth, openAtomicOutput, openRereadable, readLines, resolveOutputTarget } from "./index.ts";

async function collect(chunks: Array<Buffer | string>, options = {}): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines(Readable.from(chunks, { objectMode: true }), options)) lines.push(line);
  return lines;
}

test("lines end at \\n only; CR before LF is dropped; U+2028, U+2029 and a lone CR are text", async () => {
  const cases: Array<[string, Array<Buffer | string>, string[]]> = [
    ["separators are text", ["a\u2028b\u2029c\n"], ["a\u2028b\u2029c"]],
    ["lone CR is text", ['{"a":\r1}\n'], ['{"a":\r1}']],
    ["CRLF split across chunks", ["x\r", "\ny\r\n"], ["x", "y"]],
    ["last line without LF", ["p\nq"], ["p", "q"]],
    ["blank lines kept", ["\n\nz\n"], ["", "", "z"]],
    ["UTF-8 split inside a character", [Buffer.from([0x61, 0xe2, 0x80]), Buffer.from([0xa8, 0x62, 0x0a])], ["a\u2028b"]],
    ["BOM dropped on line 1 only", [Buffer.from("\uFEFFone\n\uFEFFtwo\n")], ["one", "\uFEFFtwo"]],
  ];
  for (const [name, chunks, expected] of cases) assert.deepEqual(await collect(chunks), expected, name);
});

test("a line that is not UTF-8, or too long, is an error naming its number", async () => {
  await assert.rejects(collect([Buffer.from("ok\nbad \xff here\n", "latin1")], { invalidUtf8: "error", file: "f.jsonl" }), (error) => {
    assert.ok(isQreasonError(error));
    assert.equal(error.describe(), "f.jsonl:2: not valid UTF-8 (at byte 4 of the line)");
    return true;
  });
  assert.deepEqual(await collect([Buffer.from("bad \xff\n", "latin1")]), ["bad \uFFFD"], "replaced by default");
  await assert.rejects(collect(["short\n", "x".repeat(6), "x".repeat(6), "\n"], { maxLineLength: 10 }), /line is longer than 10 characters/);
});

test("a long line in many chunks is joined in linear time", () => {
  const splitter = new LineSplitter();
  const piece = "y".repeat(1024);
  const started = performance.now();
  for (let index = 0; index < 20_000; index++) assert.deepEqual(splitter.push(piece), []);
  const [line] = splitter.push("\n");
  assert.equal(line!.length, 20_000 * 1024);
  // Quadratic re-scanning of 20 MB would take minutes; this is a sanity bound, not a benchmark.
  assert.ok(performance.now() - started < 20_000);
});

test("JSON depth is counted outside strings", () => {
  assert.equal(jsonNestingDepth('{"a":[1,{"b":[]}]}'), 4);
  assert.equal(jsonNestingDepth('{"a":"[[[[{{{{\\"[[["}'), 1);
  assert.equal(jsonNestingDepth("7"), 0);
  assert.equal(jsonNestingDepth("[".repeat(100_000), 64), 65, "stops counting past the limit");
});

test("an atomic output follows symlinks, keeps the link, and refuses non-regular files", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-io-"));
  await mkdir(path.join(directory, "data"));
  const real = path.join(directory, "data", "out.txt");
  await writeFile(real, "old");
  const link = path.join(directory, "link.txt");
  await symlink(real, link);
  const output = await openAtomicOutput(link);
  assert.equal(output.target.real, real);
  output.stream.write("new");
  assert.equal(await readFile(real, "utf8"), "old", "nothing visible before commit");
  await output.commit();
  assert.ok((await lstat(link)).isSymbolicLink());
  assert.equal(await readFile(real, "utf8"), "new");

  const aborted = await openAtomicOutput(real);
  aborted.stream.write("half");
  aborted.abort();
  assert.equal(await readFile(real, "utf8"), "new");
  assert.deepEqual(await readdir(path.join(directory, "data")), ["out.txt"]);

  const fifo = path.join(directory, "fifo");
  execFileSync("mkfifo", [fifo]);
  await assert.rejects(resolveOutputTarget(fifo), /is a FIFO/);
  await assert.rejects(resolveOutputTarget(directory), /is a directory/);
  await assert.rejects(resolveOutputTarget(path.join(directory, "missing", "x.txt")), (error) => isQreasonError(error) && error.code === "E_NOT_FOUND");
  const loop = path.join(directory, "loop");
  await symlink(loop, loop);
  await assert.rejects(resolveOutputTarget(loop), /ELOOP/);
});

test("a pipe is spooled once and can be read twice; a regular file is used as it is", async () => {
  const stdin = Readable.from([Buffer.from("one\n"), Buffer.from("two\n")]);
  const input = await openRereadable("-", "input", stdin);
  assert.ok(input.spooled);
  assert.equal(await readFile(input.path, "utf8"), "one\ntwo\n");
  assert.equal(await readFile(input.path, "utf8"), "one\ntwo\n");
  input.dispose();
  await assert.rejects(readFile(input.path), /ENOENT/);
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-io-"));
  const file = path.join(directory, "in.txt");
  await writeFile(file, "x");
  const regular = await openRereadable(file);
  assert.equal(regular.path, file);
  assert.equal(regular.spooled, false);
  await assert.rejects(openRereadable(directory), /is a directory/);
});
