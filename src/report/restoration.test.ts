import assert from "node:assert/strict";
import { test } from "node:test";
import { restoreTable } from "../restore/index.ts";
import { restorationMarkdown, restorationSection, type RestorationResult } from "./restoration.ts";

const table = restoreTable(
  [
    { name: "fp", role: "fp", scores: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0] },
    { name: "Q2_K-pure", role: "variant", scores: [0, 0, 0, 0, 1, 1, 1, 1, 0, 0] },
    { name: "dpo", role: "restored", method: "dpo", pairs: 40, scores: [1, 1, 0, 0, 1, 1, 1, 1, 0, 0], training: { wall_seconds: 12.4 } },
    { name: "dpo-execution", role: "restored", method: "dpo", pairs: 30, category: "execution", scores: [1, 0, 0, 0, 1, 1, 1, 1, 0, 0] },
  ],
  { resamples: 500, seed: 0 },
);
const result: RestorationResult = {
  model: "reference", variant: "Q2_K-pure", table, missing: 0, base: "gguf-dequantized", computedAt: "2026-12-03T00:00:00Z",
  pairs: { all: { kept: 40, available: 52, candidates: 600, keptByCategory: { execution: 30, method: 10 } }, ablation: [{ category: "execution", pairs: 30 }] },
  leakage: { excluded: 0, evaluationSplits: [{ label: "arith/test", problems: 1000 }] },
};

test("restoration section: the table with recovered fractions, ablation rows marked, escaped", () => {
  const page = String(restorationSection([result]));
  assert.match(page, /<section id="restoration">/);
  // dpo: gap 0.4, gain 0.2: half the gap back.
  assert.match(page, /<td>dpo<\/td>.*?<b>50%<\/b>/s);
  assert.match(page, /dpo-execution <span class="muted">\(execution pairs only\)<\/span>/);
  assert.match(page, /12 s/);
  assert.match(page, /40 of 52 available \(execution 30, method 10\)/);
  assert.match(page, /arith\/test \(1000\)/);
  const hostile = String(restorationSection([{ ...result, variant: "<script>x</script>" }]));
  assert.doesNotMatch(hostile, /<script>x/);
  assert.equal(String(restorationSection([])), "");
  assert.match(restorationMarkdown([result]), /\| dpo \| 40 \| 60\.0% \| \+20\.0 \| 50% \[/);
});
