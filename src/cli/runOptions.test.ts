/**
 * `qreason run`'s lm-eval-style options as a user runs them (the CLI in a child process, loopback servers
 * playing the model): --dry-run asks nothing; --limit and --max-tokens change the study (hash, provenance)
 * and the keys exactly as far as they change the question (a smaller limit reuses what is stored, another
 * max_tokens asks again); --batch-size is recorded; --log-samples prints outputs; progress lines appear
 * when stderr is a pipe; and a study without a file (`--model ... --variants ... --benchmarks ...`) is
 * written to its run directory, with clear errors for what it cannot use.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { readRunRecord } from "../run/index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark } from "../run/testdata/loopback.ts";
import { openRunStore } from "../store/index.ts";
import { runQreason } from "../testing/cli.ts";
import { projectRoot } from "../testing/paths.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-run-options-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("--dry-run, --limit, --max-tokens, --batch-size, --log-samples and progress lines", { timeout: 180_000 }, async () => {
  const loopback = await startLoopback();
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, 30);
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(studyFile, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"] }));
    const runDirectory = path.join(scratch, "run");

    const dry = await runQreason(["run", studyFile, "--out", runDirectory, "--limit", "6", "--max-tokens", "32", "--dry-run", "--json"]);
    assert.equal(dry.code, 0, dry.stderr);
    const plan = JSON.parse(dry.stdout) as { generations: number; comparisons: number; variants: unknown[]; tokens: { promptEstimate: number; completionAtMost: number }; study: { overrides: unknown } };
    assert.equal(plan.generations, 12);
    assert.equal(plan.variants.length, 2);
    assert.equal(plan.comparisons, 1);
    assert.equal(plan.tokens.completionAtMost, 12 * 32);
    assert.ok(plan.tokens.promptEstimate > 0);
    assert.deepEqual(plan.study.overrides, { limit: 6, maxTokens: 32 });
    assert.equal(loopback.received, 0); // nothing asked
    assert.equal(existsSync(runDirectory), false); // nothing written
    const dryText = await runQreason(["run", studyFile, "--out", runDirectory, "--limit", "6", "--dry-run"]);
    assert.match(dryText.stdout, /12 generations \(variants × problems × samples\)/);
    assert.match(dryText.stdout, /completions at most 768/);

    const first = await runQreason(["run", studyFile, "--out", runDirectory, "--limit", "6", "--max-tokens", "32", "--batch-size", "3", "--log-samples", "1"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(loopback.received, 12);
    // Progress lines (stderr is a pipe here) and one logged output per variant.
    assert.match(first.stderr, /qreason: loop\/q4: 6\/6 \(100%\)/);
    assert.equal(first.stderr.match(/── sample 1\/1 of loop\/(fp|q4): sums sums\/sum-\d+ \(finish stop, \d+ tokens\)\nStep 1: Add the numbers/g)?.length, 2);
    const record = readRunRecord(runDirectory);
    assert.deepEqual(record.cells.map((cell) => cell.planned), [6, 6]);
    const store = openRunStore(runDirectory, { readOnly: true });
    try {
      const provenance = store.variants().find((variant) => variant.name === "q4")?.provenance as { overrides?: unknown; runtime?: { batchSize?: number }; sampling?: Record<string, { maxTokens: number }> };
      assert.deepEqual(provenance.overrides, { limit: 6, maxTokens: 32, batchSize: 3 });
      assert.equal(provenance.runtime?.batchSize, 3);
      assert.equal(provenance.sampling?.sums?.maxTokens, 32);
    } finally {
      store.close();
    }

    // A smaller limit keeps the same questions: nothing is asked again.
    const smaller = await runQreason(["run", studyFile, "--out", runDirectory, "--limit", "4", "--max-tokens", "32"]);
    assert.equal(smaller.code, 0, smaller.stderr);
    assert.equal(loopback.received, 12);
    assert.match(smaller.stderr, /qreason: 8 generation\(s\) were already stored under the same keys .* and are reused/);
    // Another max_tokens is another question: every generation is asked again.
    const longer = await runQreason(["run", studyFile, "--out", runDirectory, "--limit", "4", "--max-tokens", "48"]);
    assert.equal(longer.code, 0, longer.stderr);
    assert.equal(loopback.received, 20);

    const bad = await runQreason(["run", studyFile, "--limit", "0"]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--limit takes a positive whole number, got '0' \(e\.g\. --limit 20\)/);
  } finally {
    await loopback.close();
  }
});

test("a study without a file: --model, --variants, --benchmarks", { timeout: 120_000 }, async () => {
  const model = path.join(projectRoot, "models", "reference", "model.gguf");
  const benchmarkFile = path.join(scratch, "sums-model.jsonl");
  writeSumsBenchmark(benchmarkFile, 8);
  const out = path.join(scratch, "from-arguments");
  const dry = await runQreason(["run", "--model", model, "--variants", "Q8_0,Q4_0", "--benchmarks", benchmarkFile, "--out", out, "--limit", "3", "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /variants \(3\)\n {2}fp +llamacpp +full precision {2}\(baseline\)\n {2}Q8_0 +llamacpp +llama\.cpp Q8_0\n {2}Q4_0 /);
  assert.match(dry.stdout, /9 generations/);
  const studyFile = path.join(out, "study.yaml");
  const written = readFileSync(studyFile, "utf8");
  assert.match(written, /output: \.\n/);
  assert.match(written, /gguf: .*model\.gguf/);
  assert.match(written, /size: 3\n/); // --limit is written into the study, so the file alone runs the same
  assert.doesNotMatch(written, /allow_fallback/); // only with --allow-fallback, and only on K- and IQ-quants
  // The written study runs like any other (here: its dry run, from the file, without the flags).
  const again = await runQreason(["run", studyFile, "--dry-run"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /9 generations/);
  assert.match(again.stdout, new RegExp(`run directory ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\n`));

  const unknownBenchmark = await runQreason(["run", "--model", model, "--variants", "Q8_0", "--benchmarks", "gsm9k"]);
  assert.equal(unknownBenchmark.code, 2);
  assert.match(unknownBenchmark.stderr, /--benchmarks: 'gsm9k' is neither a benchmark qreason knows \(.*gsm8k.*\) nor a JSONL file/);
  const noModel = await runQreason(["run", "--model", "nowhere/model.gguf", "--variants", "Q8_0", "--benchmarks", "gsm8k"]);
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /--model: no such file or directory: nowhere\/model\.gguf/);
  const noVariants = await runQreason(["run", "--model", model, "--benchmarks", "gsm8k"]);
  assert.match(noVariants.stderr, /--variants is required with --model/);
  const both = await runQreason(["run", studyFile, "--model", model]);
  assert.match(both.stderr, /give a study file or --model, not both/);
  const neither = await runQreason(["run"]);
  assert.match(neither.stderr, /give a study file \(qreason run examples\/quickstart\.yaml\) or a model/);
  for (const result of [unknownBenchmark, noModel, noVariants, both, neither]) assert.doesNotMatch(result.stderr, / {4}at /);
});
