import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { QreasonError } from "../errors.ts";
import { loadStudy, validateStudy } from "./load.ts";

test("loadStudy checks that the files a study reads exist, naming each missing one's line", async () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), "qreason-study-"));
  try {
    writeFileSync(path.join(directory, "model.gguf"), "GGUF");
    mkdirSync(path.join(directory, "hf"));
    mkdirSync(path.join(directory, "not-a-file.gguf"));
    const yaml = [
      "models:",
      "  - gguf: model.gguf",
      "    hf: hf",
      "    variants:",
      "      - { name: theirs, gguf: missing.gguf }",
      "      - { name: dir, gguf: not-a-file.gguf }",
      "      - { llamacpp: { type: Q4_K_M, imatrix: nowhere.dat } }",
      "benchmarks:",
      "  - arith",
      "  - file: problems.jsonl",
    ].join("\n");
    const studyFile = path.join(directory, "study.yaml");
    writeFileSync(studyFile, yaml);
    await assert.rejects(loadStudy(studyFile), (error: unknown) => {
      assert.ok(error instanceof QreasonError);
      assert.deepEqual(error.location, { file: studyFile, line: 5, field: "models[0].variants[0].gguf" });
      assert.match(error.message, /^no such file: .*missing\.gguf/);
      assert.match(error.message, /:6: field 'models\[0\]\.variants\[1\]\.gguf': expected a file, found a directory/);
      assert.match(error.message, /:7: field 'models\[0\]\.variants\[2\]\.llamacpp\.imatrix': no such file: .*nowhere\.dat/);
      assert.match(error.message, /:10: field 'benchmarks\[1\]\.file': no such file: .*problems\.jsonl/);
      return true;
    });
    // The same text validated on its own does not touch the file system.
    assert.equal(validateStudy(yaml, studyFile).ok, true);
    await assert.rejects(loadStudy(path.join(directory, "nope.yaml")), (error: unknown) => error instanceof QreasonError && error.code === "E_NOT_FOUND");
    await assert.rejects(loadStudy(directory), (error: unknown) => error instanceof QreasonError && error.code === "E_INPUT");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
