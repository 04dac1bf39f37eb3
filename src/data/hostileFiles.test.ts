/**
 * Benchmark files from the hostile probe (issue 12): a directory where the JSONL should be gave a stack
 * trace (EISDIR), and invalid UTF-8 became U+FFFD inside questions and gold answers without a word.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { isQreasonError } from "../errors.ts";
import { loadProblems } from "./index.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-data-files-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a benchmark file that is a directory, or not UTF-8, is a clear error naming it", async () => {
  const folder = path.join(scratch, "bench.jsonl");
  mkdirSync(folder);
  await assert.rejects(loadProblems(`jsonl:${folder}`, { dataDir: scratch }), (error) => isQreasonError(error) && /this is a directory/.test(error.message));
  const latin1 = path.join(scratch, "latin1.jsonl");
  writeFileSync(latin1, Buffer.concat([Buffer.from('{"question": "What is 1 + 1?", "answer": "2"}\n{"question": "caf'), Buffer.from([0xe9]), Buffer.from('?", "answer": "3"}\n')]));
  await assert.rejects(loadProblems(`jsonl:${latin1}`, { dataDir: scratch }), (error) => {
    assert.ok(isQreasonError(error) && error.code === "E_INPUT");
    assert.equal(error.location.line, 2);
    assert.match(error.message, /not valid UTF-8/);
    return true;
  });
});
