/**
 * `qreason run` when every generation fails for one reason (inputs6 audit): a study without `prompt:` on the
 * reference model (a GGUF without a chat template) ended with "4 generation(s) failed" and nothing said why;
 * the reason was only in generations.jsonl. A stage that fails printed its error twice (the progress line,
 * then the error). A store another program holds locked gave "database is locked" with a stack trace (exit
 * 70). The real CLI in a child process, 2 problems, 16 tokens.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runQreason } from "../../testing/cli.ts";
import { projectRoot } from "../../testing/paths.ts";

let scratch = "";
after(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

test("a run whose generations fail says why in its error, once per distinct reason", async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-run-"));
  const study = path.join(scratch, "no template.yaml");
  await writeFile(
    study,
    [
      "name: no-template",
      "models:",
      "  - name: reference",
      `    gguf: ${JSON.stringify(path.join(projectRoot, "models", "reference", "model.gguf"))}`,
      "    variants: [Q8_0]",
      "benchmarks:",
      "  - { name: arith, size: 2 }",
      "sampling: { temperature: 0, max_tokens: 16 }",
      "runtime: { threads: 1 }",
      "",
    ].join("\n"),
  );
  const run = await runQreason(["run", study, "--out", path.join(scratch, "run"), "--quiet"], { timeoutMs: 120_000 });
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /error\[E_BACKEND\]: .*4 generation\(s\) failed \(4 x E_INPUT: chat messages given but this GGUF has no chat template; give a raw prompt\)/);
  assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
});

test("a failing stage's error is printed once, as the error", async () => {
  const judged = await runQreason(["judge", path.join(scratch, "run"), "--judges", "nosuch"]);
  assert.equal(judged.code, 2, judged.stderr);
  assert.equal(judged.stderr.match(/declares no judges to choose from/g)?.length, 1, judged.stderr);
  assert.match(judged.stderr, /^qreason: error\[E_USAGE\]: field 'judges': this run's study declares no judges/m);
});

test("a store another program holds locked is E_BUSY naming it, not a stack trace; the stored results stay", async () => {
  const file = path.join(scratch, "run", "qreason.sqlite");
  const holder = new DatabaseSync(file);
  const count = (): unknown => (holder.prepare("SELECT count(*) AS n FROM generations").get() as { n: number }).n;
  const before = count();
  holder.exec("BEGIN EXCLUSIVE");
  let report;
  try {
    report = await runQreason(["report", path.join(scratch, "run"), "--quiet"]);
  } finally {
    holder.exec("ROLLBACK");
  }
  assert.equal(report.code, 1, report.stderr);
  assert.match(report.stderr, /^qreason: error\[E_BUSY\]: .*qreason\.sqlite: the run store is locked by another program/m);
  assert.doesNotMatch(report.stderr, /internal error|\n\s+at /);
  assert.equal(count(), before);
  holder.close();
  const again = await runQreason(["report", path.join(scratch, "run"), "--quiet"]);
  assert.equal(again.code, 0, again.stderr);
});

test("a store truncated to 0 bytes is refused, and the report files (the only copy of the results left) are kept", async () => {
  const copy = path.join(scratch, "truncated");
  await cp(path.join(scratch, "run"), copy, { recursive: true });
  await writeFile(path.join(copy, "qreason.sqlite"), "");
  const generations = await readFile(path.join(copy, "generations.jsonl"), "utf8");
  assert.ok(generations.length > 0);
  for (const args of [["report", copy], ["status", copy], ["run", path.join(scratch, "no template.yaml"), "--out", copy]]) {
    const run = await runQreason(args);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /error\[E_STORE\]: .*truncated\/qreason\.sqlite: the run store is an empty file \(0 bytes: truncated\?\)/);
  }
  assert.equal(await readFile(path.join(copy, "generations.jsonl"), "utf8"), generations, "generations.jsonl is not overwritten by an empty report");
  assert.equal((await stat(path.join(copy, "qreason.sqlite"))).size, 0);
});
