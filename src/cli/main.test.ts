/**
 * The command line itself (issue: inputs6 audit): citty ignored options it did not know, so `--limt 5`
 * made `5` the study file and `--inptu x` graded nothing; an unknown command printed raw colour escapes and
 * no suggestion; the root help dumped whole multi-paragraph descriptions padded to hundreds of spaces.
 * The real CLI in a child process.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { runQreason, type CliRun } from "../testing/cli.ts";
import { projectRoot } from "../testing/paths.ts";

function assertUsageError(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, pattern);
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at |\\x1b/, "no stack trace, no escaped colour codes");
}

test("an unknown option is a usage error naming the closest one, before anything runs", async () => {
  assertUsageError(await runQreason(["run", "--limt", "5", "examples/quickstart.yaml"]), /unknown option '--limt' for 'qreason run'; did you mean '--limit'\?/);
  assertUsageError(await runQreason(["grade", "--inptu", "x.jsonl"]), /unknown option '--inptu' for 'qreason grade'; did you mean '--input'\?/);
  assertUsageError(await runQreason(["run", "--max_tokens=5", "x.yaml"]), /unknown option '--max_tokens'.*did you mean '--max-tokens'\?/);
  assertUsageError(await runQreason(["demo", "--no-restor"]), /did you mean '--no-restore'\?/);
  assertUsageError(await runQreason(["restore", "export-pairs", "runs/x", "--out", "o", "--formt", "trl"]), /unknown option '--formt' for 'qreason restore export-pairs'; did you mean '--format'\?/);
  assertUsageError(await runQreason(["judge", "calibrate", "--limt", "3"]), /for 'qreason judge calibrate'; did you mean '--limit'\?/);
  assertUsageError(await runQreason(["data", "show", "arith", "--bogus"]), /unknown option '--bogus' for 'qreason data show' \(`qreason data show --help` lists its options\)/);
});

test("known options in every spelling citty takes still work: --opt=value, --no-flag, camelCase, negative values", async () => {
  const shown = await runQreason(["data", "show", "arith", "--n=1", "--seed", "3", "--json"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(shown.stdout.trim().split("\n").length, 1);
  const negative = await runQreason(["data", "show", "arith", "--n", "-1"]);
  assertUsageError(negative, /--n must be a non-negative integer, got '-1'/);
  const camel = await runQreason(["run", "examples/quickstart.yaml", "--dryRun", "--json", "--no-allow-fallback"]);
  assert.doesNotMatch(camel.stderr, /unknown option/);
});

test("an unknown command is a usage error with the closest command, also with --help", async () => {
  assertUsageError(await runQreason(["grde"]), /unknown command 'grde' for 'qreason'; did you mean 'grade'\? \(commands: data, /);
  assertUsageError(await runQreason(["data", "lst"]), /unknown command 'lst' for 'qreason data'; did you mean 'list'\?/);
  assertUsageError(await runQreason(["serve", "--help"]), /unknown command 'serve' for 'qreason'/);
});

test("--help: one short line per command, no padding, the full command name in a subcommand's usage", async () => {
  const root = await runQreason(["--help"]);
  assert.equal(root.code, 0, root.stderr);
  const lines = root.stdout.split("\n");
  for (const line of lines) {
    assert.equal(line, line.trimEnd(), "no trailing padding");
    assert.ok(line.length < 160, `short line: ${line}`);
  }
  assert.ok(lines.some((line) => /^\s+judge\s+Run the judge stage/.test(line)));
  assert.ok(!root.stdout.includes("position-bias"), "the judge's long description stays in `judge --help`");
  const list = await runQreason(["data", "list", "--help"]);
  assert.match(list.stdout, /USAGE qreason data list/);
  const helpWord = await runQreason(["help", "data", "list"]);
  assert.equal(helpWord.code, 0, helpWord.stderr);
  assert.equal(helpWord.stdout, list.stdout, "`qreason help data list` is `qreason data list --help`");
});

test("a Node that cannot load TypeScript gets a usage error saying which Node to use, not a stack trace", () => {
  // Node 20 (a machine's system Node, run as `./bin/qreason.js`) fails the same way as type stripping turned off.
  const run = spawnSync(process.execPath, ["--no-experimental-strip-types", path.join(projectRoot, "bin", "qreason.js"), "--version"], { encoding: "utf8" });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /^qreason: error\[E_USAGE\]: this Node \(v[0-9.]+\) cannot load TypeScript sources .*npx qreason/);
  assert.doesNotMatch(run.stderr, /\n\s+at |ERR_UNKNOWN_FILE_EXTENSION/);
});
