/**
 * Stages re-run alone from the command line, on a copy of a real v1 run directory (src/store/testdata/
 * v1-run) whose endpoints are pointed at a live loopback model that counts requests: `qreason status`
 * lists what each stage has pending; `qreason grade <run-dir>` upgrades the store and regrades every
 * result under the derived grader version without asking the backend anything; `qreason report` then
 * reflects the new grades; `qreason compare`; and the usage errors of `qreason grade`.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, test } from "node:test";
import { runQreason } from "../testing/cli.ts";
import { RUN_STORE_FILE } from "../store/index.ts";
import { currentGrader } from "./graderVersion.ts";
import { startLoopback, type LoopbackServer } from "./testdata/loopback.ts";

const fixture = path.join(import.meta.dirname, "..", "store", "testdata", "v1-run");
const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-stages-cli-"));
const runDirectory = path.join(scratch, "run");
let loopback: LoopbackServer;

before(async () => {
  loopback = await startLoopback();
  cpSync(fixture, runDirectory, { recursive: true });
  // The fixture's endpoint died with the process that made it: point its study at a live model instead.
  const oldUrl = (JSON.parse(readFileSync(path.join(runDirectory, "run.json"), "utf8")) as { models: { source: { endpoint: { baseUrls: string[] } } }[] }).models[0]?.source.endpoint.baseUrls[0] as string;
  writeFileSync(path.join(runDirectory, "run.json"), readFileSync(path.join(runDirectory, "run.json"), "utf8").replaceAll(oldUrl, loopback.baseUrl));
  const database = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  database.prepare("UPDATE study SET resolved_json = replace(resolved_json, ?, ?)").run(oldUrl, loopback.baseUrl);
  // A buggy old grader: it graded every fp result wrong.
  database.exec("UPDATE grades SET status = 'wrong' WHERE generation_key IN (SELECT key FROM generations WHERE variant = 'fp')");
  database.close();
});
after(async () => {
  await loopback.close();
  rmSync(scratch, { recursive: true, force: true });
});

const fpRow = (table: string): RegExp => new RegExp(`^sums +fp +${table}`, "m");

test("status, report, grade, report, compare on a v1 run directory: regraded without a backend", { timeout: 300_000 }, async () => {
  const grader = currentGrader().name;

  const status = await runQreason(["status", runDirectory]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /reports read grades of qreason-grade\/v1/);
  assert.match(status.stdout, /^grade +32 grades +32 graded only by an older grader/m);
  assert.match(status.stdout, /^generate +2 generations +2 failed before \(asked again\)/m);
  assert.match(status.stdout, /^plan +done/m);
  const json = JSON.parse((await runQreason(["status", runDirectory, "--json"])).stdout) as { grader: string; stages: { stage: string; pending: { count: number } }[] };
  assert.deepEqual(json.stages.map((entry) => [entry.stage, entry.pending.count]), [["plan", 0], ["quantize", 0], ["generate", 2], ["grade", 32], ["compare", 1], ["attribute", 0], ["restore", 0], ["report", 4]]);

  const oldReport = await runQreason(["report", runDirectory]);
  assert.equal(oldReport.code, 0, oldReport.stderr);
  assert.match(oldReport.stdout, fpRow("0\\.0%"), "the report reads the old grader's grades");

  const graded = await runQreason(["grade", runDirectory]);
  assert.equal(graded.code, 0, graded.stderr);
  assert.ok(graded.stderr.includes(`32 graded by ${grader}; 16 of 32 regraded results changed status from qreason-grade/v1`), graded.stderr);
  assert.match(graded.stderr, /compare and report are now pending; `qreason report .*` brings the report up to date/);
  assert.equal(loopback.received, 0, "no backend was asked anything");

  const again = await runQreason(["grade", runDirectory, "--json"]);
  assert.deepEqual(JSON.parse(again.stdout), { runDirectory, graded: 0, regraded: 0, changed: 0, pending: 0, skipped: "nothing pending" });

  const compare = await runQreason(["compare", runDirectory]);
  assert.equal(compare.code, 0, compare.stderr);
  assert.match(compare.stderr, /computed 1 comparison/);
  assert.match(compare.stdout, fpRow("100\\.0%"));
  assert.match(compare.stderr, /report is now pending/);

  const newReport = await runQreason(["report", runDirectory]);
  assert.equal(newReport.code, 0, newReport.stderr);
  assert.match(newReport.stdout, fpRow("100\\.0%"), "the report reflects the new grades");
  const results = JSON.parse(readFileSync(path.join(runDirectory, "results.json"), "utf8")) as { grader: string };
  assert.equal(results.grader, grader);

  const done = JSON.parse((await runQreason(["status", runDirectory, "--json"])).stdout) as { stages: { stage: string; pending: { count: number } }[] };
  assert.deepEqual(done.stages.map((entry) => [entry.stage, entry.pending.count]), [["plan", 0], ["quantize", 0], ["generate", 2], ["grade", 0], ["compare", 0], ["attribute", 0], ["restore", 0], ["report", 0]]);
  assert.equal(loopback.received, 0);
});

test("qreason grade: a run directory or --input, not both, not neither; run directories take no grading options", async () => {
  const both = await runQreason(["grade", runDirectory, "--input", "x.jsonl"]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /error\[E_USAGE\]: give a run directory or --input F\.jsonl, not both/);
  const neither = await runQreason(["grade"]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /error\[E_USAGE\]: give a run directory/);
  const option = await runQreason(["grade", runDirectory, "--no-last-number"]);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /apply to --input files only/);
  const missing = await runQreason(["grade", path.join(scratch, "nope")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /error\[E_NOT_FOUND\]: .*nope: not a run directory \(no qreason\.sqlite\)/);
});
