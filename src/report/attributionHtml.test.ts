/**
 * The attribution section renders model text only as escaped text (tokens, steps, continuations never
 * become markup), marks the located steps on the right side, and shades tokens by margin.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { causalAgreement } from "../attribute/index.ts";
import type { AttributionResults, FlipView } from "./attribution.ts";
import { attributionSection } from "./attributionHtml.ts";

const fpText = "Step 1: <b>a</b> 2 + 2 = 4.\nStep 2: \"x\" & 4 * 3 = 12.\n\\boxed{12}";
const variantText = "Step 1: <script>alert(1)</script> 2 + 2 = 5.\nStep 2: 5 * 3 = 15.\n\\boxed{15}";
const segment = (text: string, index: number) => {
  const lines = text.split("\n");
  const start = lines.slice(0, index).reduce((sum, line) => sum + line.length + 1, 0);
  return { index, kind: index === 2 ? "answer" : "step", start, end: start + (lines[index] as string).length };
};
const flip = {
  model: "m", benchmark: "arith", baseline: "fp", variant: "Q2_K", problemId: "p<1>", fpSteps: 3, variantSteps: 3,
  firstError: { step: 0, steps: 3, fpStep: 0, category: "execution", subtype: "computational_error", reason: "wrong-result", certain: true },
  firstDivergence: 0, divergenceKind: "confident", reverseDivergence: 0, firstVulnerable: 0, rescueOutcome: "located", unrecoverable: 0, mirrorOutcome: "located",
  continuations: 4, relative: { firstError: 0, firstDivergence: 0, firstVulnerable: 0 },
};
const results: AttributionResults = {
  segmenter: "steps/v2", verifier: "qreason-verify/x", settingsHash: "h", settings: { topK: 10 }, histogramBins: 10, variants: [],
  overall: { flips: 1, agreement: causalAgreement([{ firstError: 0, firstDivergence: 0, firstVulnerable: 0 }]), histograms: { firstError: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], firstDivergence: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0], firstVulnerable: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] } },
  flips: [flip],
};
const position = (start: number, end: number, variantMargin: number) => ({ start, end, kl: 0.1, fpMargin: 3, variantMargin, fpProbability: 0.9, variantProbability: 0.4, sameTop: true, diverges: variantMargin < 0.5 });
const view: FlipView = {
  flip, anchor: "attr-x", fpText, variantText,
  fpSegments: [0, 1, 2].map((index) => segment(fpText, index)), variantSegments: [0, 1, 2].map((index) => segment(variantText, index)),
  alignment: [[0, 0], [1, 1], [2, 2]],
  forward: [position(0, 8, 5), position(8, 16, 0.2)],
  reverse: [position(0, 8, 5), position(8, 20, 0.2), position(20, 34, 0.7)],
};

test("model text is escaped, located steps are marked, tokens shaded by margin", async () => {
  const page = (await attributionSection(results, [view])).value;
  assert.doesNotMatch(page, /<script>|<b>a<\/b>/);
  // Token spans split the text; what is left without our own tags is the escaped text, whole.
  const text = page.replace(/<[^>]+>/g, "");
  assert.match(text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(text, /&lt;b&gt;a&lt;\/b&gt;/);
  assert.match(text, /&quot;x&quot; &amp; 4 \* 3 = 12\./);
  assert.match(page, /p&lt;1&gt;/);
  assert.match(page, /<div class="step m-error m-divergence m-vulnerable"><span class="badge b-error">error<\/span>/);
  assert.match(page, /<span class="t0 dv" title="fp margin 3\.00 · variant margin 0\.20/);
  assert.match(page, /Causal agreement over all 1 flips/);
});

test("without attribution the section says how to get it", async () => {
  assert.match((await attributionSection(null, [])).value, /qreason attribute &lt;run-dir&gt;/);
});
