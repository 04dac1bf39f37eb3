/**
 * The README's main command end to end: `qreason demo` on the bundled reference model (llama.cpp on the
 * CPU), into a temporary run directory. Checks the contract a newcomer relies on — every variant of the
 * quickstart generated and graded, a comparison per quantized variant, the report files written, every
 * flip attributed (a first-divergence step and a prefix-rescue result each; on arith the verifier's first
 * error never later than the first false equation, found here by an independent reading of the lines) —
 * and that a second run resumes without generating or attributing anything. Accuracy values are the model
 * card's business.
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

interface Attribution {
  overall: { flips: number };
  flips: Array<{ variant: string; problemId: string; firstError: { step?: number } | null; firstDivergence: number | null; rescueOutcome: string | null; mirrorOutcome: string | null }>;
}

/** The first line of a format-aligned arith solution whose `a op b = c` is false (0-based), by BigInt-free exact checks. */
function firstFalseEquation(text: string): number | undefined {
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    const match = /(-?\d+)\s*([-+*/])\s*(-?\d+)\s*=\s*(-?\d+)/.exec(line);
    if (!match) continue;
    const [left, op, right, stated] = [Number(match[1]), match[2], Number(match[3]), Number(match[4])];
    const holds = op === "+" ? left + right === stated : op === "-" ? left - right === stated : op === "*" ? left * right === stated : right !== 0 && left === stated * right;
    if (!holds) return index;
  }
  return undefined;
}

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
    comparisons: { variant: string; baseline: string; comparison: { flips: { problemId: string }[] } }[];
    attribution: Attribution | null;
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

  // Every flip attributed: a first-divergence step and a prefix-rescue result (and its mirror) each.
  const attribution = results.attribution;
  assert.ok(attribution, "results.json carries the attribution");
  const flips = results.comparisons.flatMap((entry) => entry.comparison.flips.map((flip) => `${entry.variant}\0${flip.problemId}`)).sort();
  assert.ok(flips.length > 0, "the quickstart has flips");
  assert.deepEqual(attribution.flips.map((flip) => `${flip.variant}\0${flip.problemId}`).sort(), flips);
  const texts = new Map(lines.map((line) => JSON.parse(line) as { variant: string; problem_id: string; text: string }).map((row) => [`${row.variant}\0${row.problem_id}`, row.text]));
  for (const flip of attribution.flips) {
    const name = `${flip.variant} ${flip.problemId}`;
    assert.notEqual(flip.firstDivergence, null, `${name}: a first-divergence step`);
    assert.ok(["located", "not-reproduced", "never"].includes(flip.rescueOutcome ?? ""), `${name}: a prefix-rescue result`);
    assert.ok(["located", "not-reproduced", "never"].includes(flip.mirrorOutcome ?? ""), `${name}: a mirror result`);
    const falseLine = firstFalseEquation(texts.get(`${flip.variant}\0${flip.problemId}`) ?? "");
    if (falseLine !== undefined) assert.ok(flip.firstError?.step !== undefined && flip.firstError.step <= falseLine, `${name}: first error ${flip.firstError?.step} after the false equation on line ${falseLine}`);
  }
  assert.match(first.stdout, /attribution \(steps\/v2, qreason-verify\/[0-9a-f]{12}\)/);

  const second = await runQreason(["demo", "--out", out], { timeoutMs: 600_000 });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout + second.stderr, /quantizing/);
  assert.doesNotMatch(second.stderr, /attributing/);
  // A first run prints "100/100 (100 new)"; a resumed one has nothing new to report.
  assert.equal((second.stdout.match(/ 100\/100 +\d+$/gm) ?? []).length, 6); // the summary rows (the variants table also shows graded / planned)
  assert.doesNotMatch(second.stdout, /new\)/);
});
