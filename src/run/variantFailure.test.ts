/**
 * One failed variant does not stop a run (`qreason run` as a user runs it, in a child process): a model
 * whose GGUF is damaged fails in quantize (its Q8_0) and when its backend loads (its fp), and the other
 * model's variants are generated, graded, compared and reported all the same. The failures are stored on
 * the variants' cells, shown in the summary and the report, and the exit code is non-zero; the next run
 * tries the failed variants again and asks nothing of the ones that finished; once the file is mended they
 * run and the failure is cleared.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runQreason } from "../testing/cli.ts";
import { projectRoot } from "../testing/paths.ts";
import { readRunRecord } from "./index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-variant-failure-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a variant whose quantization or backend load fails is reported; the others run to the end", { timeout: 180_000 }, async () => {
  const loopback = await startLoopback();
  try {
    const benchmarkFile = path.join(scratch, "sums.jsonl");
    writeSumsBenchmark(benchmarkFile, 12);
    // A GGUF magic, then a header whose counts no file could hold.
    const damaged = path.join(scratch, "damaged.gguf");
    const header = Buffer.alloc(24);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32LE(3, 4);
    header.writeBigUInt64LE(2n ** 62n, 8);
    header.writeBigUInt64LE(2n ** 62n, 16);
    writeFileSync(damaged, header);
    const study = `${sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"] })}`.replace(
      "benchmarks:",
      `  - name: broken\n    gguf: ${JSON.stringify(damaged)}\n    backend: llamacpp\n    variants: [Q8_0]\nbenchmarks:`,
    );
    const studyFile = path.join(scratch, "study.yaml");
    writeFileSync(studyFile, study);
    const runDirectory = path.join(scratch, "run");

    const first = await runQreason(["run", studyFile, "--out", runDirectory]);
    assert.notEqual(first.code, 0, first.stderr);
    assert.match(first.stderr, /error: broken\/Q8_0 failed in quantize: /);
    assert.match(first.stderr, /error: broken\/fp failed in generate: /);
    assert.match(first.stderr, /2 variant\(s\) failed: broken\/fp \(failed in generate: [^)]*\); broken\/Q8_0 \(failed in quantize: /);
    assert.doesNotMatch(first.stderr, / {4}at /); // no stack trace
    // The summary table still prints, with the healthy model's numbers and the failed variants marked.
    assert.match(first.stdout, /sums\s+loop\/q4\s+\S+%/);
    assert.match(first.stdout, /broken\/Q8_0 failed in quantize/);
    assert.equal(loopback.answered, 24);

    const record = readRunRecord(runDirectory);
    const status = (variant: string) => record.status.find((entry) => entry.model === "broken" && entry.variant === variant);
    assert.match(status("Q8_0")?.stopped ?? "", /^failed in quantize: E_/);
    assert.match(status("fp")?.stopped ?? "", /^failed in generate: E_/);
    assert.equal(record.status.find((entry) => entry.variant === "q4")?.pending, 0);
    const results = JSON.parse(readFileSync(path.join(runDirectory, "results.json"), "utf8")) as { comparisons: { model: string; variant: string }[] };
    assert.ok(results.comparisons.some((entry) => entry.model === "loop" && entry.variant === "q4"));
    const summary = readFileSync(path.join(runDirectory, "summary.md"), "utf8");
    assert.match(summary, /\| broken · Q8_0 \|.*\| failed in quantize: E_INPUT: /);

    const statusCommand = await runQreason(["status", runDirectory]);
    assert.match(statusCommand.stdout, /\nbroken\/Q8_0: failed in quantize: E_INPUT: /);

    // The next run tries the failed variants again and nothing else.
    const second = await runQreason(["run", studyFile, "--out", runDirectory]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /broken\/Q8_0 failed in quantize/);
    assert.equal(loopback.answered, 24);

    // Mended (the bundled reference model in its place): the failed variants run, and their failure is gone.
    copyFileSync(path.join(projectRoot, "models", "reference", "model.gguf"), damaged);
    const third = await runQreason(["run", studyFile, "--out", runDirectory]);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(loopback.answered, 24);
    const mended = readRunRecord(runDirectory);
    for (const entry of mended.status) assert.deepEqual([entry.variant, entry.pending, entry.stopped], [entry.variant, 0, undefined]);
  } finally {
    await loopback.close();
  }
});
