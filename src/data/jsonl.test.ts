import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { parseJsonArray, parseJsonl, readJsonlFile } from "./jsonl.ts";

function locationOf(action: () => unknown): { code: string; file?: string; line?: number; field?: string } {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof QreasonError, `expected a QreasonError, got ${String(error)}`);
    return { code: error.code, ...error.location };
  }
  assert.fail("expected an error");
}

void test("parseJsonl numbers records by their line, skipping blank lines, BOM and CRLF", () => {
  const records = parseJsonl('\ufeff{"a":1}\r\n\r\n  \n{"a":2}\n', "f.jsonl");
  assert.deepEqual(records.map((record) => [record.get("a"), record.location.line]), [[1, 1], [2, 4]]);
});

const malformed: [string, string, number][] = [
  ["truncated JSON", '{"a":1}\n{"a":\n', 2],
  ["an array, not an object", '{"a":1}\n{"a":2}\n[1,2]\n', 3],
  ["a bare string", '"text"\n', 1],
  ["null", "null\n", 1],
];
for (const [name, text, line] of malformed) {
  void test(`parseJsonl rejects ${name} with file and line`, () => {
    assert.deepEqual(locationOf(() => parseJsonl(text, "bad.jsonl")), { code: "E_INPUT", file: "bad.jsonl", line });
  });
}

void test("field readers name file, line and field", () => {
  const [record] = parseJsonl('{"q": "", "n": 1.5, "list": ["a", ""], "nested": {"x": "y"}}', "r.jsonl");
  assert.ok(record);
  assert.deepEqual(locationOf(() => record.string("q")), { code: "E_INPUT", file: "r.jsonl", line: 1, field: "q" });
  assert.deepEqual(locationOf(() => record.string("missing")), { code: "E_INPUT", file: "r.jsonl", line: 1, field: "missing" });
  assert.deepEqual(locationOf(() => record.integer("n")), { code: "E_INPUT", file: "r.jsonl", line: 1, field: "n" });
  assert.deepEqual(locationOf(() => record.stringList("list")), { code: "E_INPUT", file: "r.jsonl", line: 1, field: "list[1]" });
  assert.equal(record.string("nested.x"), "y");
  assert.equal(record.optionalString("absent"), undefined);
});

void test("parseJsonArray reports the element index of a bad element", () => {
  assert.deepEqual(locationOf(() => parseJsonArray('[{"a":1}, 3]', "p.json")), { code: "E_INPUT", file: "p.json", field: "[1]" });
  assert.deepEqual(locationOf(() => parseJsonArray('{"a":1}', "p.json")), { code: "E_INPUT", file: "p.json" });
  const [, second] = parseJsonArray('[{"a":1},{"b":""}]', "p.json");
  assert.deepEqual(locationOf(() => second?.string("b")), { code: "E_INPUT", file: "p.json[1]", field: "b" });
});

void test("readJsonlFile refuses a file over the size bound and a missing file", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-jsonl-"));
  const file = path.join(directory, "big.jsonl");
  await writeFile(file, '{"a":1}\n'.repeat(100));
  await assert.rejects(readJsonlFile(file, 100), (error: unknown) => error instanceof QreasonError && error.code === "E_INPUT");
  assert.equal((await readJsonlFile(file)).length, 100);
  await assert.rejects(readJsonlFile(path.join(directory, "nope.jsonl")), (error: unknown) =>
    error instanceof QreasonError && error.code === "E_NOT_FOUND");
});
