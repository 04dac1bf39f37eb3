/**
 * The view's pages rendered from data (no server): the heat overlay cuts text at token offsets into CSS
 * classes by KL (or margin); the flip page marks the first divergence and vulnerable step on fp's side,
 * the verifier / panel / human first errors on the variant's, lists judge votes with their explanations,
 * and escapes every model text, explanation and note.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { locateFirstError } from "../attribute/index.ts";
import type { FlipItem } from "../review/index.ts";
import { segmentSteps, verifySteps } from "../steps/index.ts";
import { heatLevel, heatPieces } from "./heat.ts";
import { flipPage } from "./pages/flip.ts";

test("heat levels rise with KL and fall with margin; pieces cover the text exactly", () => {
  assert.deepEqual([0, 0.02, 0.2, 5].map((kl) => heatLevel({ kl, margin: null })), [0, 1, 3, 6]);
  assert.deepEqual([10, 1.5, 0.05].map((margin) => heatLevel({ kl: null, margin })), [0, 2, 6]);
  assert.equal(heatLevel({ kl: null, margin: null }), 0);
  const text = "ab cd ef";
  const tokens = [{ start: 0, end: 2, kl: 0.5, margin: 1, diverged: false }, { start: 3, end: 5, kl: 4, margin: 0.1, diverged: true }];
  const pieces = heatPieces(text, 1, 7, tokens);
  assert.deepEqual(pieces.map((piece) => [piece.text, piece.level]), [["b", 4], [" ", 0], ["cd", 6], [" e", 0]]);
  assert.equal(pieces.map((piece) => piece.text).join(""), text.slice(1, 7));
});

test("the flip page marks every locator, shows votes and heat, and escapes what models wrote", async () => {
  const fpText = "Step 1: 2 + 3 = 5.\nStep 2: 5 * 4 = 20.\n\\boxed{20}";
  const variantText = "Step 1: 2 + 3 = 5.\nStep 2: 5 * 4 = 21. <b>bold</b>\n\\boxed{21}";
  const findings = locateFirstError(variantText);
  const fpSegments = segmentSteps(fpText);
  const item = {
    key: "gen:v1:v", baselineKey: "gen:v1:f", model: "m", benchmark: "b", storedBenchmark: "b", problemId: "p<1>", baseline: "fp", variant: "q4",
    baselineStatus: "correct", variantStatus: "wrong", question: "What is (2 + 3) * 4? <script>x()</script>", gold: "20",
    verifier: { source: "verifier", firstErrorStep: 1, category: "execution", subtype: "computational_error" },
    proposal: { source: "panel", firstErrorStep: 1, category: "execution", subtype: "computational_error" },
    judges: {
      votes: [
        { judge: "a", verdict: { firstErrorStep: 1, category: "execution", subtype: "computational_error", explanation: "5 × 4 is 20, not 21 <i>sure</i>", confidence: 0.9 }, missing: null },
        { judge: "b", verdict: null, missing: "invalid: no_json" },
      ],
      panel: { firstErrorStep: 1, category: "execution", subtype: "computational_error", decidedBy: "verifier", support: 2, votes: 1, members: 3, missing: [], flags: ["baseline_missing"], needsReview: false },
      agreement: "all", audited: false, queued: ["conflict"],
    },
    human: { id: 1, generationKey: "gen:v1:v", reviewer: "r&d", action: "override", firstErrorStep: 0, category: "method", subtype: "procedural_error", note: "<u>note</u>", proposal: null, segmenter: "steps/v2", baselineKey: "gen:v1:f", createdAt: "2026-12-03T00:00:00Z" },
    label: { source: "human", firstErrorStep: 0, category: "method", subtype: "procedural_error" },
    audit: true, queue: ["audit", "conflict"], reviewed: true,
  } as FlipItem;
  const page = String(
    await flipPage({
      item, filter: { variant: "q4" }, position: { index: 0, total: 1, previous: null, next: null }, fpText, variantText, fpSegments, fpSteps: verifySteps(fpText, fpSegments), findings,
      attribution: {
        divergenceStep: 1, vulnerableStep: 1, vulnerableOutcome: "located", reverseDivergenceStep: 1, unrecoverableStep: 1, mirrorOutcome: "located", segmenter: "steps/v2",
        tokens: [{ start: fpText.indexOf("20"), end: fpText.indexOf("20") + 2, kl: 4, margin: 0.2, diverged: true }],
        variantTokens: [{ start: variantText.indexOf("21"), end: variantText.indexOf("21") + 2, kl: 0.05, margin: 0.7, diverged: false }],
      },
      history: [], token: "T0KEN", saved: false,
    }),
  );
  for (const [kind, count] of [["divergence", 2], ["vulnerable", 2], ["verifier", 1], ["panel", 1], ["human", 1]] as const) {
    assert.equal(page.split(`marker marker-${kind}"`).length - 1, count, kind);
  }
  assert.match(page, /data-fp-step="1"><span class="num">2<\/span> <span class="marker marker-divergence">/);
  assert.match(page, /data-step="1"><span class="num">2<\/span> <span class="marker marker-verifier">/);
  assert.match(page, /<span class="tok heat-6 diverged" title="KL 4.000 · margin 0.20">20<\/span>/);
  assert.match(page, /data-step="1"><span class="num">2<\/span> <span class="marker marker-verifier">.*<span class="marker marker-divergence">fp diverges here<\/span><span class="marker marker-vulnerable">fp cannot recover from here<\/span>/);
  assert.match(page, /5 \* 4 = <span class="tok heat-2" title="KL 0.050 · margin 0.70">21<\/span>\. &lt;b&gt;/, "the variant's text is shaded too, and still escaped");
  assert.match(page, /First divergence at fp&#39;s step 2; on the variant&#39;s text fp first diverges at its step 2\. Prefix rescue: first vulnerable step 2 of fp/);
  assert.match(page, /mirror: fp cannot recover from the variant&#39;s step 2 on/);
  assert.match(page, /id="heat-legend"/);
  assert.match(page, /5 × 4 is 20, not 21 &lt;i&gt;sure&lt;\/i&gt;/);
  assert.match(page, /no valid verdict: invalid: no_json/);
  assert.match(page, /flags: baseline_missing/);
  assert.match(page, /<span class="badge audit" title="in the audit queue: audit">audit<\/span> <span class="badge audit" title="in the audit queue: conflict">conflict<\/span>/);
  assert.match(page, /&lt;script&gt;x\(\)&lt;\/script&gt;/);
  assert.match(page, /21<\/span>\. &lt;b&gt;bold&lt;\/b&gt;/);
  assert.match(page, /&lt;u&gt;note&lt;\/u&gt;/);
  assert.match(page, /by r&amp;d/);
  assert.doesNotMatch(page, /<script>|<b>bold|<i>sure|<u>note/);
  assert.match(page, /<input type="hidden" name="token" value="T0KEN">/);
  assert.match(page, /action="\/flip\/gen%3Av1%3Av\/review\?variant=q4"/);
});
