/**
 * The README's main command end to end: `qreason demo` on the bundled reference model (llama.cpp on the
 * CPU), into a temporary run directory. Checks the contract a newcomer relies on — every variant of the
 * quickstart generated and graded, a comparison per quantized variant, the report files written — and
 * that a second run resumes without generating anything. Accuracy values are the model card's business.
 */
import assert from "node:assert/strict";
import { readFile, rm, mkdtemp } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runQreason } from "../../testing/cli.ts";

const scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-demo-"));
after(() => rm(scratch, { recursive: true, force: true }));

interface Cell {
  variant: string;
  planned: number;
  generated: number;
  graded: number;
  failures: number;
  accuracy: { score: number };
}

test("qreason demo writes a full report, then resumes with nothing to generate", { timeout: 600_000 }, async () => {
  const out = path.join(scratch, "run");
  const first = await runQreason(["demo", "--out", out], { timeoutMs: 600_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout + first.stderr, /report: .*report\.html/);
  for (const file of ["report.html", "summary.md", "results.json", "generations.jsonl"]) {
    assert.ok(existsSync(path.join(out, file)), `${file} written`);
  }
  const results = JSON.parse(await readFile(path.join(out, "results.json"), "utf8")) as {
    cells: Cell[];
    comparisons: { variant: string; baseline: string }[];
  };
  const variants = results.cells.map((cell) => cell.variant);
  assert.deepEqual(variants, ["fp", "Q8_0", "Q4_K_M", "Q3_K_S", "Q2_K", "Q2_K-pure"]);
  for (const cell of results.cells) {
    assert.equal(cell.generated, cell.planned, `${cell.variant}: all generated`);
    assert.equal(cell.graded, cell.planned, `${cell.variant}: all graded`);
    assert.equal(cell.failures, 0);
    assert.ok(cell.accuracy.score >= 0 && cell.accuracy.score <= 1);
  }
  assert.deepEqual(results.comparisons.map((comparison) => comparison.variant), ["Q8_0", "Q4_K_M", "Q3_K_S", "Q2_K", "Q2_K-pure"]);
  const lines = (await readFile(path.join(out, "generations.jsonl"), "utf8")).trim().split("\n");
  assert.equal(lines.length, results.cells.reduce((sum, cell) => sum + cell.planned, 0));

  const second = await runQreason(["demo", "--out", out], { timeoutMs: 600_000 });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout + second.stderr, /quantizing/);
  // A first run prints "100/100 (100 new)"; a resumed one has nothing new to report.
  assert.equal((second.stdout.match(/100\/100/g) ?? []).length, 6);
  assert.doesNotMatch(second.stdout, /new\)/);
});
