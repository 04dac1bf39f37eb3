/**
 * `qreason judge calibrate` end to end through the real CLI: two local judges (the bundled reference model
 * on llama.cpp, two seeds) on a ProcessBench subset and the arith injections; the protocol's table printed,
 * results and answers stored, a second run reusing every answer; usage errors without a stack trace.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { openRunStore } from "../../store/index.ts";
import { runQreason } from "../../testing/cli.ts";
import { projectRoot, sharedDataDir } from "../../testing/paths.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-judge-cli-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
const env = { QREASON_DATA: sharedDataDir, QREASON_OFFLINE: "1" };
const gguf = path.join(projectRoot, "models", "reference", "model.gguf");

test("judge calibrate: ProcessBench and arith with a local panel, stored, resumable", { timeout: 900_000 }, async () => {
  const judges = path.join(scratch, "judges.yaml");
  writeFileSync(judges, `baseline: a
explanation_chars: 40
sampling: { max_tokens: 200 }
members:
  - { name: a, llamacpp: { gguf: ${JSON.stringify(gguf)}, context_size: 4096 } }
  - { name: b, llamacpp: { gguf: ${JSON.stringify(gguf)}, context_size: 4096 }, sampling: { temperature: 0.7, seed: 5 } }
`);
  const out = path.join(scratch, "calibration");
  const args = ["judge", "calibrate", "--judges", judges, "--dataset", "both", "--subset", "gsm8k", "--limit", "2", "--arith-size", "4", "--bootstrap", "50", "--out", out];
  const first = await runQreason(args, { env, timeoutMs: 850_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^a on processbench: mean F1 /m);
  assert.match(first.stdout, /^ {2}gsm8k +2 /m);
  assert.match(first.stdout, /^panel on arith: mean F1 /m);
  assert.match(first.stdout, /agreement on the step: pairwise .*Fleiss' κ .*Krippendorff's α .*effective independent votes/);
  assert.match(first.stdout, /o1-mini 87\.9/);
  assert.match(first.stdout, /^verifier on arith: mean F1 /m);

  const store = openRunStore(out);
  try {
    const results = store.judges.latestCalibrations();
    assert.deepEqual([...new Set(results.map((row) => row.dataset))].sort(), ["arith", "processbench"]);
    assert.deepEqual([...new Set(results.map((row) => row.judge))].sort(), ["a", "b", "panel", "verifier"], "a judges file seats the verifier by default");
    const processbench = results.find((row) => row.judge === "a" && row.dataset === "processbench");
    assert.equal(processbench?.samples, 2);
    assert.match(processbench?.command ?? "", /judge calibrate --judges/);
  } finally {
    store.close();
  }

  const second = await runQreason(args, { env, timeoutMs: 300_000 });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /every answer is stored already/);
  assert.match(second.stderr, /4 answer\(s\) reused/);
});

test("judge calibrate: usage errors name the problem", async () => {
  const none = await runQreason(["judge", "calibrate", "--out", path.join(scratch, "x")], { env });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /error\[E_USAGE\]: name the judges: --judges judges.yaml/);
  const subset = await runQreason(["judge", "calibrate", "--llamacpp", gguf, "--subset", "gsm9k", "--out", path.join(scratch, "x")], { env });
  assert.equal(subset.code, 2);
  assert.match(subset.stderr, /processbench has no subset 'gsm9k'/);
  const noJudges = await runQreason(["judge", path.join(scratch, "missing-run")], { env });
  assert.equal(noJudges.code, 1);
  assert.match(noJudges.stderr, /not a run directory/);
  const noFile = await runQreason(["judge", path.join(scratch, "missing-run"), "--judges", path.join(scratch, "nope.yaml")], { env });
  assert.notEqual(noFile.code, 0);
  assert.match(noFile.stderr, /no such judges file/);
  assert.doesNotMatch(noFile.stderr, /\n\s+at /, "no stack trace");
});

test("judge calibrate --verifier alone: the step verifier scored without a model, stored", async () => {
  const out = path.join(scratch, "verifier");
  const run = await runQreason(["judge", "calibrate", "--verifier", "--dataset", "arith", "--arith-size", "40", "--bootstrap", "50", "--out", out], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^verifier on arith: mean F1 /m);
  assert.match(run.stdout, /exact-step hits by kind: .*computational (\d+)\/\1\b/, "every injected computational error is refuted");
  assert.match(run.stdout, /correct (\d+)\/\1\b/, "and no correct solution is");
  const store = openRunStore(out);
  try {
    assert.deepEqual(store.judges.latestCalibrations().map((row) => [row.judge, row.dataset]), [["verifier", "arith"]]);
    assert.match(store.judges.latestCalibrations()[0]?.identity ?? "", /^step-verifier@/);
  } finally {
    store.close();
  }
});
