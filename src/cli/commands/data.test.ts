/** `qreason data` end to end: the real CLI in a child process, reading shared/data, never the network. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { projectRoot, sharedDataDir } from "../../testing/paths.ts";
import { runQreason } from "../../testing/cli.ts";

const qreason = (args: string[], env: NodeJS.ProcessEnv = {}) => runQreason(args, { env: { QREASON_DATA: sharedDataDir, QREASON_OFFLINE: "1", ...env }, timeoutMs: 60_000 });

const benchmarkNames = ["gsm8k", "math500", "math", "aime24", "aime25", "amc23", "minerva_math", "olympiadbench", "processbench"];

void test("data list shows every benchmark of shared/data as present", async () => {
  const run = await qreason(["data", "list"]);
  assert.equal(run.code, 0, run.stderr);
  for (const name of benchmarkNames) assert.match(run.stdout, new RegExp(`^${name} +\\w+ +\\d+ +present `, "m"));
  assert.doesNotMatch(run.stdout, /missing/);
  assert.match(run.stdout, /^math +train +7500 +present +.*MATH_train_raw\.tar\.gz$/m);
});

void test("data list --check verifies every shared file's sha256 and problem count", async () => {
  const run = await qreason(["data", "list", "--check", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const rows = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { check?: string; origin: string })
    .filter((row) => row.origin === "files"); // generated benchmarks (arith) have no files to check
  assert.deepEqual(rows.map((row) => row.check), rows.map(() => "ok"));
  // A copy with one record dropped: the hash differs, and the check says so.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "qreason-check-"));
  await mkdir(path.join(dataDir, "aime25"));
  const lines = (await readFile(path.join(sharedDataDir, "aime25", "test.jsonl"), "utf8")).trimEnd().split("\n");
  await writeFile(path.join(dataDir, "aime25", "test.jsonl"), lines.slice(1).join("\n") + "\n");
  const altered = await qreason(["data", "list", "--check"], { QREASON_DATA: dataDir });
  assert.match(altered.stdout, /^aime25 +test +30 +present +sha256 differs \(aime25\/test\.jsonl\)/m);
  assert.match(altered.stdout, /^gsm8k +test +1319 +missing /m);
});

void test("data list --json gives one object per split, all present", async () => {
  const run = await qreason(["data", "list", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const rows = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { benchmark: string; status: string; origin: string });
  const files = rows.filter((row) => row.origin === "files");
  assert.equal(files.length, 15);
  assert.ok(files.every((row) => row.status === "present"));
  assert.deepEqual(rows.filter((row) => row.origin === "generated").map((row) => [row.benchmark, row.status]), [["arith", "generated"], ["arith", "generated"]]);
});

void test("data show --json prints a seeded sample: same seed, same ids; another seed, others", async () => {
  const ids = async (seed: string) => {
    const run = await qreason(["data", "show", "math500", "--n", "4", "--seed", seed, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    return run.stdout.trim().split("\n").map((line) => (JSON.parse(line) as { id: string }).id);
  };
  const first = await ids("1");
  assert.equal(first.length, 4);
  assert.deepEqual(await ids("1"), first);
  assert.notDeepEqual(await ids("2"), first);
});

void test("data show filters by subject and level", async () => {
  const run = await qreason(["data", "show", "math", "--subject", "number_theory", "--level", "5", "--n", "0", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  const problems = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { subject: string; level: number });
  assert.ok(problems.length > 100);
  assert.ok(problems.every((problem) => problem.subject === "Number Theory" && problem.level === 5));
});

const failures: [string, string[], Record<string, string>, number, RegExp][] = [
  ["an unknown benchmark suggests the closest name", ["data", "show", "gsm9k"], {}, 1, /error\[E_NOT_FOUND\]: unknown benchmark 'gsm9k'; did you mean 'gsm8k'\?/],
  ["an unknown split lists the splits", ["data", "show", "gsm8k", "--split", "dev"], {}, 1, /gsm8k has no split 'dev' \(splits: test, train, test_socratic\)/],
  ["a jsonl field option on a registered benchmark is a usage error, not ignored", ["data", "show", "gsm8k", "--question-field", "q"], {}, 2, /error\[E_USAGE\]: --question-field, --answer-field and --id-field apply to jsonl:<path> benchmarks; gsm8k has its own fields/],
  ["a mistyped --subject names the closest subject", ["data", "show", "arith", "--subject", "add_sub_mull"], {}, 2, /no arith test problem matches the filter; did you mean --subject add_sub_mul\? \(subjects: add, /],
  ["a bad --n is a usage error", ["data", "show", "gsm8k", "--n", "lots"], {}, 2, /error\[E_USAGE\]: --n must be a non-negative integer/],
  ["a missing file offline says where to put it", ["data", "show", "aime24"], { QREASON_DATA: path.join(os.tmpdir(), "qreason-no-data") }, 1,
    /error\[E_DATA_MISSING\]: .*qreason-no-data\/aime24\/test\.jsonl: benchmark file missing \(downloads are off\).*raw\.githubusercontent\.com/],
  // inputs6 audit: only "1" meant offline (true/yes downloaded anyway), anything else silently meant online,
  // and a $QREASON_DATA naming a file listed every benchmark as "missing".
  ["QREASON_OFFLINE=true is offline too", ["data", "show", "aime24"], { QREASON_DATA: path.join(os.tmpdir(), "qreason-no-data"), QREASON_OFFLINE: "true" }, 1, /\(downloads are off\)/],
  ["a QREASON_OFFLINE that is neither yes nor no is a usage error", ["data", "show", "aime24"], { QREASON_OFFLINE: "maybe" }, 2, /error\[E_USAGE\]: QREASON_OFFLINE is 'maybe'; set it to 1/],
  ["a QREASON_DATA naming a file is a usage error", ["data", "list"], { QREASON_DATA: path.join(projectRoot, "package.json") }, 2, /error\[E_USAGE\]: .*package\.json: \$QREASON_DATA names a file; give a directory/],
];
for (const [name, args, env, code, message] of failures) {
  void test(`data show: ${name}`, async () => {
    const run = await qreason(args, env);
    assert.equal(run.code, code);
    assert.match(run.stderr, message);
    assert.doesNotMatch(run.stderr, /^\s+at /m, "no stack trace for a user mistake");
  });
}

void test("data show jsonl:<path> with a malformed line names file and line", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-cli-"));
  const file = path.join(directory, "mine.jsonl");
  await writeFile(file, '{"q": "1+1?", "a": 2}\n{"q": "x", "a":\n');
  const run = await qreason(["data", "show", `jsonl:${file}`, "--question-field", "q", "--answer-field", "a"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`error\\[E_INPUT\\]: ${file}:2: not valid JSON`));
  await writeFile(file, '{"q": "1+1?", "a": 2}\n{"q": "x"}\n');
  const missingField = await qreason(["data", "show", `jsonl:${file}`, "--question-field", "q", "--answer-field", "a"]);
  assert.match(missingField.stderr, new RegExp(`${file}:2: field 'a': expected a string or a number`));
});
