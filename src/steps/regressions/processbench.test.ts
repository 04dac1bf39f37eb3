/**
 * The generic step verifier on ProcessBench (../shared/data/processbench): 3,400 real model solutions whose
 * earliest wrong step was labelled by people (-1: no error). A refutation must be certain, so:
 * - on a solution labelled correct, a refuted claim must be a false equation people let pass (listed below
 *   with its true value, each checked by hand);
 * - on a solution labelled wrong, the first refuted step may not come before the labelled one, except for
 *   the listed false equations people did not mark.
 * The list is tight both ways: each entry must still be refuted. How many errors the verifier catches is
 * measured, not asserted (docs/attribution.md).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { sharedDataDir } from "../../testing/paths.ts";
import { verifySteps } from "../index.ts";

interface Row {
  id: string;
  steps: string[];
  label: number;
}

/** False equations in ProcessBench solutions that its labels do not count: [id, the claim, its true value]. */
const UNLABELLED_FALSE_EQUATIONS: [string, string, string][] = [
  ["math-164", "\\binom{28}{4} = \\frac{28!}{4!(28-4)!} = \\frac{28 \\times 27 \\times 26 \\times 25}{4 \\times 3 \\times 2 \\times 1} = \\frac{28 \\times 27 \\times 13 \\times 25}{4}", "20475"],
  ["olympiadbench-610", "0 + (15 - 1) * 71 = 999", "994"],
  ["olympiadbench-897", "6084 * 6084 = 36,997,536", "37015056"],
  ["omnimath-165", "1547 = 23 \\times 67", "1541"],
  ["omnimath-612", "11.5098 \\times 720 = 8286.656", "8287.056"],
  ["omnimath-805", "1404 = 2^2 \\times 3^2 \\times 13", "468"],
  ["omnimath-894", "5742^3 \\approx 5740^3 = 190537064000", "189119224000"],
  ["omnimath-998", "47.25 \\cdot 8.75 = 414.375", "413.4375"],
];

void test("ProcessBench: no refutation people would dispute", () => {
  const allowed = new Map(UNLABELLED_FALSE_EQUATIONS.map(([id, claim, value]) => [id, { claim, value }]));
  const seen = new Set<string>();
  const counts: Record<string, { solutions: number; caught: number; atLabel: number }> = {};
  for (const subset of ["gsm8k", "math", "olympiadbench", "omnimath"]) {
    const rows = JSON.parse(readFileSync(path.join(sharedDataDir, "processbench", `${subset}.json`), "utf8")) as Row[];
    const count = { solutions: rows.length, caught: 0, atLabel: 0 };
    counts[subset] = count;
    for (const row of rows) {
      const text = row.steps.join("\n\n");
      const starts: number[] = [];
      let offset = 0;
      for (const step of row.steps) {
        starts.push(offset);
        offset += step.length + 2;
      }
      const result = verifySteps(text);
      if (!result.firstRefuted) continue;
      const claim = result.steps.find((step) => step.segment === result.firstRefuted!.segment)!.claims[result.firstRefuted.claim]!;
      const step = starts.findLastIndex((start) => start <= claim.start);
      if (row.label !== -1) count.caught++;
      if (step === row.label) count.atLabel++;
      if (row.label === -1 || step < row.label) {
        const entry = allowed.get(row.id);
        assert.ok(entry, `${row.id}: '${claim.text}' refuted at step ${step}, labelled ${row.label} (expected ${claim.expected}, stated ${claim.stated})`);
        assert.deepEqual([claim.text, claim.expected], [entry.claim, entry.value], row.id);
        seen.add(row.id);
      }
    }
  }
  assert.deepEqual([...allowed.keys()].filter((id) => !seen.has(id)), [], "every listed false equation is still refuted");
  console.log("ProcessBench, generic verifier:", JSON.stringify(counts));
});
