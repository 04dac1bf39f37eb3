/**
 * `qreason restore` --help as a user meets it: the stage's help names the study block and the subcommand,
 * and `restore export-pairs --help` is the subcommand's own help (its formats and --out), not the parent's.
 * (The stage itself: src/run/restore.test.ts.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { runQreason } from "../../testing/cli.ts";

const plain = (text: string): string => stripVTControlCharacters(text);

void test("restore --help teaches the stage and points at export-pairs", async () => {
  const help = await runQreason(["restore", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  const text = plain(help.stdout);
  assert.match(text, /USAGE qreason restore \[OPTIONS\] <RUNDIRECTORY>/);
  assert.match(text, /restore:` block/);
  assert.match(text, /export-pairs <run-dir> --format trl\|llamafactory\|engine --out DIR/);
  assert.match(text, /--force/);
});

void test("restore export-pairs --help is the subcommand's help: formats, --out, --set", async () => {
  const help = await runQreason(["restore", "export-pairs", "--help"]);
  assert.equal(help.code, 0, help.stderr);
  const text = plain(help.stdout);
  assert.match(text, /USAGE qreason restore export-pairs \[OPTIONS\] <RUNDIRECTORY> --out=<out>/);
  assert.match(text, /--format=<format>\s+engine \| trl \| llamafactory/);
  assert.match(text, /--set=<set>/);
  assert.doesNotMatch(text, /--force/);
});

void test("restore export-pairs without --out is a usage error that shows the subcommand's help", async () => {
  const result = await runQreason(["restore", "export-pairs", "/nonexistent-run"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /Missing required argument: --out/);
  assert.match(plain(result.stdout), /USAGE qreason restore export-pairs/);
});
