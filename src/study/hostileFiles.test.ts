/**
 * Study files from the hostile probe (issue 12): invalid UTF-8 was silently read as U+FFFD (into prompts,
 * and so into generation keys); a 300 MB file took two minutes and 4 GB before failing; a broken file
 * listed the same YAML error hundreds of times.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { isQreasonError } from "../errors.ts";
import { loadStudy, MAX_STUDY_BYTES } from "./load.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-study-files-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer): string => {
  const target = path.join(scratch, name);
  writeFileSync(target, content);
  return target;
};

test("a study that is not UTF-8 is refused with the line of the bad byte", async () => {
  const study = file("latin1.yaml", Buffer.concat([Buffer.from("models:\n  - gguf: m.gguf\nprompt:\n  system: \"caf"), Buffer.from([0xe9]), Buffer.from("\"\nbenchmarks: [arith]\n")]));
  await assert.rejects(loadStudy(study), (error) => {
    assert.ok(isQreasonError(error) && error.code === "E_INPUT");
    assert.equal(error.location.line, 4);
    assert.match(error.message, /not valid UTF-8 \(byte \d+ of the file\)/);
    return true;
  });
});

test("a study file far larger than any study is refused before it is parsed", async () => {
  const study = file("huge.yaml", `description: "${"x".repeat(MAX_STUDY_BYTES)}"\n`);
  const started = Date.now();
  await assert.rejects(loadStudy(study), /the study file is \d+ bytes; a study is a few kilobytes/);
  assert.ok(Date.now() - started < 5_000);
});

test("a badly broken file lists each distinct problem once, and at most 20 of them", async () => {
  const study = file("deep.yaml", `a: ${"[".repeat(100_000)}\n`);
  await assert.rejects(loadStudy(study), (error) => {
    assert.ok(isQreasonError(error) && error.code === "E_INPUT");
    const lines = error.message.split("\n");
    assert.ok(lines.length <= 23, `${lines.length} lines`);
    assert.equal(new Set(lines).size, lines.length, "no line repeated");
    return true;
  });
  const many = file("many.yaml", `models:\n  - gguf: m.gguf\nbenchmarks: [arith]\n${Array.from({ length: 40 }, (_, index) => `typo${index}: 1`).join("\n")}\n`);
  await assert.rejects(loadStudy(many), (error) => {
    assert.ok(isQreasonError(error));
    assert.match(error.message, /\(39 more problems in this file:\)/);
    assert.match(error.message, /… and 19 more$/);
    return true;
  });
});
