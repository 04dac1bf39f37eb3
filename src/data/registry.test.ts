/** The benchmark registry: one list, well-formed, and pinned to exactly what PROVENANCE.md documents. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { benchmarks, findBenchmark, resolveSplit } from "./registry.ts";
import { processBenchSubsets } from "./processbench.ts";
import { dataFiles, type DataFile } from "./sources.ts";
import { readProvenance } from "./provenance.testutil.ts";
import { sharedDataDir } from "../testing/paths.ts";

const provenance = readProvenance(sharedDataDir);

void test("PROVENANCE.md parses into 15 files, each with a sha256", () => {
  assert.equal(provenance.size, 15);
  for (const [file, entry] of provenance) assert.match(entry.sha256 ?? "", /^[0-9a-f]{64}$/, file);
});

void test("the registry has every benchmark the issue names, once, with valid splits", () => {
  const names = benchmarks.map((benchmark) => benchmark.name);
  for (const required of ["gsm8k", "math500", "math", "aime24", "aime25", "amc23", "minerva_math", "olympiadbench"]) {
    assert.ok(names.includes(required), `${required} is registered`);
  }
  assert.equal(new Set(names).size, names.length, "names are unique");
  for (const benchmark of benchmarks) {
    assert.match(benchmark.name, /^[a-z0-9_]+$/);
    assert.ok(benchmark.description.length > 0);
    const splits = benchmark.splits.map((split) => split.name);
    assert.equal(new Set(splits).size, splits.length, `${benchmark.name} split names are unique`);
    assert.ok(splits.includes(benchmark.defaultSplit), `${benchmark.name} default split exists`);
    for (const split of benchmark.splits) {
      assert.ok(split.count !== undefined && split.count > 0, `${benchmark.name}/${split.name} declares its size`);
      if (benchmark.origin === "files") assert.ok(split.files.length > 0, `${benchmark.name}/${split.name} has files`);
      else assert.equal(split.files.length, 0, `${benchmark.name}/${split.name} is generated: no files`);
    }
  }
  assert.deepEqual(findBenchmark("math"), benchmarks.find((benchmark) => benchmark.name === "math"));
  assert.equal(resolveSplit(findBenchmark("gsm8k")), "test");
  assert.equal(resolveSplit(findBenchmark("gsm8k"), "train"), "train");
});

void test("every pinned file matches PROVENANCE.md (sha256, bytes) and the shared copy's size", () => {
  for (const file of Object.values(dataFiles) as DataFile[]) {
    const entry = provenance.get(file.path);
    assert.ok(entry, `${file.path} is in PROVENANCE.md`);
    assert.equal(file.sha256, entry.sha256, `${file.path} sha256`);
    assert.equal(file.bytes, entry.bytes, `${file.path} bytes`);
    assert.equal(statSync(path.join(sharedDataDir, file.path)).size, file.bytes, `${file.path} size on disk`);
    assert.ok(file.url || file.howToGet, `${file.path} says where it comes from`);
    if (file.url) assert.match(file.url, /^https:\/\/raw\.githubusercontent\.com\/[\w.-]+\/[\w.-]+\/[0-9a-f]{40}\//);
  }
});

void test("every data file in shared/data is pinned and read by some split", () => {
  const onDisk = readdirSync(sharedDataDir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== "PROVENANCE.md")
    .map((entry) => path.relative(sharedDataDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
  const read = [
    ...benchmarks.flatMap((benchmark) => benchmark.splits.flatMap((split) => split.files.map((file) => file.path))),
    ...processBenchSubsets.map((subset) => subset.file.path),
  ].sort();
  assert.deepEqual(read, onDisk);
});

void test("declared split counts equal PROVENANCE.md record counts", () => {
  for (const benchmark of benchmarks.filter((candidate) => candidate.origin === "files")) {
    for (const split of benchmark.splits) {
      const [file] = split.files;
      assert.equal(split.count, provenance.get(file?.path ?? "")?.records, `${benchmark.name}/${split.name}`);
    }
  }
  for (const subset of processBenchSubsets) assert.equal(subset.count, provenance.get(subset.file.path)?.records);
});

function errorOf(action: () => unknown): QreasonError {
  try {
    action();
  } catch (error) {
    if (error instanceof QreasonError) return error;
    throw error;
  }
  assert.fail("expected a QreasonError");
}

const unknownNames: [string, RegExp][] = [
  ["gsm9k", /did you mean 'gsm8k'/],
  ["MATH-500", /did you mean 'math500'/],
  ["minerva", /did you mean 'minerva_math'/],
  ["imagenet", /^unknown benchmark 'imagenet' \(known: gsm8k, /],
];
for (const [name, message] of unknownNames) {
  void test(`unknown benchmark '${name}' is E_NOT_FOUND with a suggestion where one is close`, () => {
    const error = errorOf(() => findBenchmark(name));
    assert.equal(error.code, "E_NOT_FOUND");
    assert.match(error.message, message);
  });
}

void test("an unknown split is E_NOT_FOUND listing the splits", () => {
  const error = errorOf(() => resolveSplit(findBenchmark("gsm8k"), "tset"));
  assert.equal(error.code, "E_NOT_FOUND");
  assert.match(error.message, /did you mean 'test'.*test, train, test_socratic/);
});

void test("'jsonl:' needs a path", () => {
  assert.equal(errorOf(() => findBenchmark("jsonl:")).code, "E_USAGE");
  assert.equal(findBenchmark("jsonl:some/file.jsonl").name, "jsonl:some/file.jsonl");
});
