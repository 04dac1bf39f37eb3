/**
 * The report's per-variant facts: two variants that are the same file (a K-quant that fell back entirely)
 * are marked as such; truncation and answers that differ from the baseline's are counted per (problem,
 * sample) pair graded on both sides; mean KL is the position-weighted forward KL of the attribute stage;
 * a variant with nothing graded shows "—", not a zero; a failed variant shows why.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CellSamples } from "../compare/index.ts";
import type { GradedSample } from "../store/index.ts";
import type { AttributionResults } from "./attribution.ts";
import type { VariantInfo } from "./results.ts";
import { tensorTypesText, variantFacts, variantFactsRows } from "./variantFacts.ts";

function variant(name: string, manifest: unknown, stopped?: string): VariantInfo {
  return {
    model: "m",
    variant: name,
    isBaseline: name === "fp",
    backend: "llamacpp",
    recipeHash: `hash-${name}`,
    recipe: name === "fp" ? { kind: "fp" } : { kind: "llamacpp", type: name },
    artifactPath: null,
    modelIdentity: null,
    provenance: null,
    manifest,
    status: { model: "m", variant: name, total: 4, pending: 0, failed: 0, ...(stopped ? { stopped } : {}) },
  };
}

const manifest = (sha: string, bits: number, types: Record<string, number>, fallbacks = 0): unknown => ({
  output: { sha256: sha, bitsPerWeight: bits, quantizedBitsPerWeight: bits + 0.1, tensorTypes: types },
  fallbacks: Array.from({ length: fallbacks }, (_, index) => ({ name: `t${index}`, rowLength: 576, storedAs: "Q4_0" })),
});

function sample(problemId: string, extracted: string | null, finishReason: "stop" | "length" = "stop"): GradedSample {
  return { key: `${problemId}-${extracted}`, benchmark: "gsm8k", problemId, sampleIndex: 0, status: "wrong", extracted, completionTokens: 10, finishReason, text: "" };
}

function cell(variantName: string, samples: GradedSample[]): [string, CellSamples] {
  return [`m\0${variantName}\0gsm8k`, { samples, rows: [], keys: [], statuses: [], cell: {} as CellSamples["cell"] } as unknown as CellSamples];
}

test("same file flagged, truncation and answer differences counted, KL weighted, nothing graded is not zero", () => {
  const variants = [
    variant("fp", null),
    variant("Q4_K_M", manifest("aaa", 5.14, { Q4_0: 180, Q3_K: 30, F32: 61 }, 180)),
    variant("Q2_K", manifest("aaa", 5.14, { Q4_0: 180, Q3_K: 30, F32: 61 }, 180)),
    variant("Q8_0", manifest("bbb", 8.51, { Q8_0: 211, F32: 61 })),
    variant("IQ2_XS", null, "failed in quantize: E_QUANT: needs an importance matrix"),
  ];
  const cells = variants.map((entry) => ({ model: "m", variant: entry.variant, benchmark: "gsm8k", planned: 4, generated: entry.variant === "IQ2_XS" ? 0 : 4 }));
  const data = new Map([
    cell("fp", [sample("1", "5"), sample("2", "7", "length"), sample("3", null, "length"), sample("4", " 9 ")]),
    cell("Q4_K_M", [sample("1", "5"), sample("2", "8", "length"), sample("3", null), sample("4", "9")]),
    cell("Q2_K", [sample("1", "6", "length"), sample("2", "8", "length"), sample("3", "1", "length")]), // problem 4 not graded yet
    cell("Q8_0", [sample("1", "5"), sample("2", "7"), sample("3", null), sample("4", "9")]),
  ]);
  const kl = (meanKl: number, positions: number) => ({ texts: 1, positions, meanKl, p99Kl: null, sameTopPercent: null });
  const attribution = {
    variants: [
      { model: "m", variant: "Q2_K", benchmark: "gsm8k", kld: { forward: kl(0.3, 100), reverse: kl(9, 100) } },
      { model: "m", variant: "Q2_K", benchmark: "math500", kld: { forward: kl(0.1, 300), reverse: null } },
    ],
  } as unknown as AttributionResults;
  const facts = variantFacts(variants, cells, data, attribution);
  const byName = new Map(facts.map((entry) => [entry.variant, entry]));

  assert.deepEqual(byName.get("Q4_K_M")?.sameFileAs, ["Q2_K"]);
  assert.deepEqual(byName.get("Q2_K")?.sameFileAs, ["Q4_K_M"]);
  assert.deepEqual(byName.get("Q8_0")?.sameFileAs, []);
  assert.equal(byName.get("Q4_K_M")?.fallbacks, 180);
  assert.equal(byName.get("Q8_0")?.bitsPerWeight, 8.51);
  assert.equal(byName.get("fp")?.bitsPerWeight, null);

  assert.equal(byName.get("fp")?.truncated, 2);
  assert.equal(byName.get("fp")?.truncationRate, 0.5);
  assert.equal(byName.get("Q2_K")?.graded, 3);
  assert.equal(byName.get("Q2_K")?.truncationRate, 1);
  // Q4_K_M differs on problem 2 only (" 9 " and "9" are the same answer; no answer on both sides is the same).
  assert.deepEqual([byName.get("Q4_K_M")?.answersDiffer, byName.get("Q4_K_M")?.answersCompared], [1, 4]);
  assert.deepEqual([byName.get("Q2_K")?.answersDiffer, byName.get("Q2_K")?.answersCompared], [3, 3]);
  assert.deepEqual([byName.get("Q8_0")?.answersDiffer, byName.get("fp")?.answersCompared], [0, 0]);
  // Forward KL weighted by positions: (0.3·100 + 0.1·300) / 400.
  assert.ok(Math.abs((byName.get("Q2_K")?.meanKl ?? 0) - 0.15) < 1e-12);
  assert.equal(byName.get("Q8_0")?.meanKl, null);
  assert.match(byName.get("IQ2_XS")?.failed ?? "", /^failed in quantize: E_QUANT/);

  const { header, rows } = variantFactsRows(facts, (model, name) => name);
  const row = (name: string): Record<string, string> => Object.fromEntries(header.map((title, index) => [title, rows.find((entry) => entry[0] === name)?.[index] ?? ""]));
  assert.equal(row("Q2_K")["tensor types"], "Q4_0 × 180, F32 × 61, Q3_K × 30 (180 fell back) — same file as Q4_K_M");
  assert.equal(row("Q2_K")["graded / planned"], "3/4");
  assert.equal(row("Q2_K").status, "incomplete");
  assert.equal(row("Q4_K_M")["answer ≠ baseline"], "1 of 4 (25.0%)");
  assert.equal(row("IQ2_XS")["stopped at max_tokens"], "—"); // nothing graded: no rate, not 0%
  assert.equal(row("IQ2_XS")["answer ≠ baseline"], "—");
  assert.equal(row("IQ2_XS").status, "failed in quantize: E_QUANT: needs an importance matrix");
  assert.equal(row("Q8_0").status, "ok");
  assert.equal(tensorTypesText(null), "—");
});
