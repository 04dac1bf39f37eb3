/**
 * The grader version is derived from the grader's sources and the CAS version: editing, adding or renaming
 * a source file changes it, a CAS upgrade changes it, tests and other files do not; the version of this
 * checkout covers every non-test .ts file under src/grade and is computed once per process.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { projectRoot } from "../testing/paths.ts";
import { casVersion, currentGrader, deriveGraderVersion, graderSources } from "./graderVersion.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-grader-version-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function graderTree(name: string): string {
  const directory = path.join(scratch, name);
  mkdirSync(path.join(directory, "regressions"), { recursive: true });
  writeFileSync(path.join(directory, "grade.ts"), "export const rule = 1;\n");
  writeFileSync(path.join(directory, "parse.ts"), "export const parse = (text: string) => text;\n");
  writeFileSync(path.join(directory, "grade.test.ts"), "// a test\n");
  writeFileSync(path.join(directory, "regressions", "cases.ts"), "export const cases = [];\n");
  writeFileSync(path.join(directory, "regressions", "gsm8k.test.ts"), "// a test\n");
  writeFileSync(path.join(directory, "README.md"), "# grader\n");
  return directory;
}

test("sources: every .ts file, recursively, tests left out", () => {
  assert.deepEqual(graderSources(graderTree("listing")), ["grade.ts", "parse.ts", "regressions/cases.ts"]);
});

test("a source edit, a new source, a rename or a CAS upgrade gives a new version; tests and docs do not", () => {
  const directory = graderTree("changes");
  const first = deriveGraderVersion(directory, "0.140.0");
  assert.match(first.name, /^qreason-grade\/[0-9a-f]{12}\+ce0\.140\.0$/);
  assert.equal(first.files, 3);
  assert.deepEqual(deriveGraderVersion(directory, "0.140.0"), first, "deterministic");

  writeFileSync(path.join(directory, "grade.test.ts"), "// another test\n");
  writeFileSync(path.join(directory, "README.md"), "# the grader, documented\n");
  assert.equal(deriveGraderVersion(directory, "0.140.0").name, first.name, "tests and docs are not the grader");

  assert.notEqual(deriveGraderVersion(directory, "0.141.0").name, first.name, "a CAS upgrade");

  writeFileSync(path.join(directory, "grade.ts"), "export const rule = 2;\n");
  const edited = deriveGraderVersion(directory, "0.140.0");
  assert.notEqual(edited.name, first.name, "an edit");

  writeFileSync(path.join(directory, "truncation.ts"), "export const truncated = true;\n");
  const added = deriveGraderVersion(directory, "0.140.0");
  assert.notEqual(added.name, edited.name, "a new file");
  assert.equal(added.files, 4);

  renameSync(path.join(directory, "truncation.ts"), path.join(directory, "length.ts"));
  assert.notEqual(deriveGraderVersion(directory, "0.140.0").name, added.name, "a rename");
});

test("this checkout: src/grade and the installed compute-engine, derived once per process", () => {
  const grade = path.join(projectRoot, "src", "grade");
  const installed = JSON.parse(readFileSync(path.join(projectRoot, "node_modules", "@cortex-js", "compute-engine", "package.json"), "utf8")) as { version: string };
  assert.equal(casVersion(grade), installed.version);
  const version = currentGrader();
  assert.deepEqual(version, deriveGraderVersion(grade, installed.version));
  assert.ok(graderSources(grade).includes("grade.ts") && !graderSources(grade).some((file) => file.endsWith(".test.ts")));
  assert.equal(currentGrader(), version, "the same object: hashed once");
});
