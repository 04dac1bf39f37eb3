/** `qreason data export` end to end: the real CLI in a child process, writing into a temporary directory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sharedDataDir } from "../../testing/paths.ts";
import { runQreason } from "../../testing/cli.ts";
import { arithTrainingJsonl, generateArithSplit } from "../../data/arith/index.ts";

const qreason = (args: string[]) => runQreason(args, { env: { QREASON_DATA: sharedDataDir, QREASON_OFFLINE: "1" }, timeoutMs: 60_000 });

void test("exports arith train as training records, byte-identical to the library's, and reports the sha256", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-export-"));
  const out = path.join(directory, "train.jsonl");
  const run = await qreason(["data", "export", "arith", "--split", "train", "--n", "200", "--seed", "4", "--out", out]);
  assert.equal(run.code, 0, run.stderr);
  const written = await readFile(out, "utf8");
  assert.equal(written, [...arithTrainingJsonl(generateArithSplit("train", { size: 200, seed: 4 }))].join(""));
  assert.match(run.stdout, new RegExp(`sha256 ${createHash("sha256").update(written).digest("hex")}`));
  assert.deepEqual(await readdir(directory), ["train.jsonl"], "no temporary file left behind");
  await rm(directory, { recursive: true, force: true });
});

void test("refuses to overwrite without --force, and replaces with it", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-export-"));
  const out = path.join(directory, "keep.jsonl");
  await writeFile(out, "precious\n");
  const refused = await qreason(["data", "export", "arith", "--n", "3", "--out", out]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /exists; pass --force/);
  assert.equal(await readFile(out, "utf8"), "precious\n");
  const forced = await qreason(["data", "export", "arith", "--n", "3", "--out", out, "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal((await readFile(out, "utf8")).trim().split("\n").length, 3);
  await rm(directory, { recursive: true, force: true });
});

void test("file-backed benchmarks export as normalized problems; bad counts are usage errors", async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), "qreason-export-"));
  const out = path.join(directory, "gsm8k.jsonl");
  const run = await qreason(["data", "export", "gsm8k", "--n", "5", "--out", out]);
  assert.equal(run.code, 0, run.stderr);
  const rows = (await readFile(out, "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { benchmark: string; question: string });
  assert.equal(rows.length, 5);
  assert.ok(rows.every((row) => row.benchmark === "gsm8k" && row.question.length > 0));
  const bad = await qreason(["data", "export", "arith", "--n", "zero", "--out", path.join(directory, "x.jsonl")]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--n must be a positive integer/);
  await rm(directory, { recursive: true, force: true });
});
