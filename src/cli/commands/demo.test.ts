/**
 * The README's main command end to end: `qreason demo` on the bundled reference model (llama.cpp on the
 * CPU), into a temporary run directory. Checks the contract a newcomer relies on — every variant of the
 * quickstart generated and graded, a comparison per quantized variant, the report files written, every
 * flip attributed (a first-divergence step and a prefix-rescue result each; on arith the verifier's first
 * error never later than the first false equation, found here by an independent reading of the lines), Q2_K
 * pure restored (the restoration table in results.json, report.html and the printed summary: fp, the
 * variant, DPO, SFT and the no-training control, on the same 100 problems) — and that a second run resumes
 * without generating, attributing or training anything. Accuracy values are the model card's business
 * (docs/restore.md has the demo's measured restoration).
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

interface Restoration {
  model: string;
  variant: string;
  table: { problems: number; rows: { name: string; role: string; accuracy: number; recovered?: { estimate?: number } }[] };
}

test("qreason demo writes a full report with the restoration, then resumes with nothing to generate", { timeout: 1_200_000 }, async () => {
  const out = path.join(scratch, "run");
  const first = await runQreason(["demo", "--out", out], { timeoutMs: 1_200_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout + first.stderr, /report: .*report\.html/);
  for (const file of ["report.html", "summary.md", "results.json", "generations.jsonl"]) {
    assert.ok(existsSync(path.join(out, file)), `${file} written`);
  }
  const results = JSON.parse(await readFile(path.join(out, "results.json"), "utf8")) as {
    cells: Cell[];
    comparisons: { variant: string; baseline: string; comparison: { flips: { problemId: string }[] } }[];
    attribution: Attribution | null;
    restoration?: Restoration[];
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

  // Q2_K pure restored: the table over the same 100 problems, in results.json, the report and the summary.
  const [restoration, ...others] = results.restoration ?? [];
  assert.equal(others.length, 0);
  assert.deepEqual([restoration?.model, restoration?.variant, restoration?.table.problems], ["reference", "Q2_K-pure", 100]);
  assert.deepEqual(restoration?.table.rows.map((row) => [row.name, row.role]), [["fp", "fp"], ["Q2_K-pure", "variant"], ["dpo", "restored"], ["sft", "baseline"], ["no training (dpo adapter at scale 0)", "baseline"]]);
  const accuracy = new Map(restoration?.table.rows.map((row) => [row.name, row.accuracy]));
  const cell = (variant: string): number | undefined => results.cells.find((entry) => entry.variant === variant)?.accuracy.score;
  assert.equal(accuracy.get("fp"), cell("fp"));
  assert.equal(accuracy.get("Q2_K-pure"), cell("Q2_K-pure"));
  // The adapter at scale 0 is the variant itself: the evaluation path changes nothing.
  assert.equal(accuracy.get("no training (dpo adapter at scale 0)"), accuracy.get("Q2_K-pure"));
  assert.match(await readFile(path.join(out, "report.html"), "utf8"), /<section id="restoration">/);
  assert.match(first.stdout, /\nrestoration\nreference\/Q2_K-pure: 100 evaluation problems, \d+ pairs\n/);

  const second = await runQreason(["demo", "--out", out], { timeoutMs: 600_000 });
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stdout + second.stderr, /quantizing/);
  assert.doesNotMatch(second.stderr, /attributing/);
  assert.doesNotMatch(second.stderr, /training (dpo|sft)|dequantizing/);
  // A first run prints "100/100 (100 new)"; a resumed one has nothing new to report.
  assert.equal((second.stdout.match(/ 100\/100 +\d+$/gm) ?? []).length, 6); // the summary rows (the variants table also shows graded / planned)
  assert.doesNotMatch(second.stdout, /new\)/);

  // --no-restore: the quickstart without its restore: block, from the same stored generations.
  const plain = await runQreason(["demo", "--no-restore", "--out", out], { timeoutMs: 600_000 });
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stdout, /new\)/);
  assert.doesNotMatch(plain.stdout + plain.stderr, /restor/);
  assert.equal((plain.stdout.match(/ 100\/100 +\d+$/gm) ?? []).length, 6);
});
