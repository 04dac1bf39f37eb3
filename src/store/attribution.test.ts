/**
 * The attribution tables (schema v3) round-trip what the attribute stage writes: a generation's steps,
 * checks and first error; an attributed pair with both divergences (packed positions decode to what was
 * packed, float32) and its continuations; replacing a pair of the same identity; the done set and the
 * latest version the report reads; KLD summaries.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, test } from "node:test";
import { decodePositions, encodePositions, type PackedPosition } from "../attribute/index.ts";
import { attributionKey, type AttributionRecord } from "./attribution.ts";
import { openRunStore } from "./runStore.ts";
import { fakeKey, fakeRecord } from "./testdata/fakeGenerations.ts";

let directory = "";
beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), "qreason-attribution-"));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

const positions: PackedPosition[] = [
  { start: 0, end: 4, kl: 0.125, fpMargin: 3.5, variantMargin: Number.POSITIVE_INFINITY, fpProbability: 0.75, variantProbability: 0.5, sameTop: true, diverges: false },
  { start: 4, end: 9, kl: 1.5, fpMargin: 2, variantMargin: 0.25, fpProbability: 0.875, variantProbability: 0.0625, sameTop: false, diverges: true },
];

function record(overrides: Partial<AttributionRecord> = {}): AttributionRecord {
  return {
    studyHash: "study:1", model: "m", benchmark: "arith", baseline: "fp", variant: "Q2_K", problemId: "p1",
    baselineKey: fakeKey(0), variantKey: fakeKey(1), segmenter: "steps/v2", verifier: "qreason-verify/abc", settingsHash: "attr-v1-x",
    role: "flip", settings: { topK: 10 }, fpSteps: 4, variantSteps: 5, alignment: [[0, 0], [1, 1], [null, 2], [2, 3], [3, 4]],
    firstErrorVariantStep: 2, firstErrorFpStep: 2, firstDivergenceFpStep: 1, reverseDivergenceVariantStep: 2,
    firstVulnerableFpStep: 2, rescueOutcome: "located", unrecoverableVariantStep: 2, mirrorOutcome: "located", warnings: ["w"], ms: 12.4,
    divergences: [
      { direction: "forward", minFpMargin: 1, topK: 10, firstStep: 1, firstPosition: 1, firstWeight: 0.8, firstKind: "confident", tokens: 2, unpaired: 0, meanKl: 0.8, maxKl: 1.5, sameTopShare: 0.5, steps: [{ segment: 0 }], positions: encodePositions(positions) },
      { direction: "reverse", minFpMargin: 1, topK: 10, tokens: 0, unpaired: 1, steps: [], positions: encodePositions([]) },
    ],
    continuations: [
      { side: "rescue", k: 0, prefixEnd: 0, status: "wrong", extracted: "3", finishReason: "stop", text: "Step 1: <b>x</b>" },
      { side: "mirror", k: 2, prefixEnd: 40, status: "correct", extracted: "4", finishReason: "stop", text: "\\boxed{4}" },
    ],
    ...overrides,
  };
}

test("positions pack to 29 bytes each and decode to the same figures (float32), infinities included", () => {
  const bytes = encodePositions(positions);
  assert.equal(bytes.length, 58);
  assert.deepEqual(decodePositions(bytes), positions);
  assert.throws(() => decodePositions(bytes.subarray(0, 30)), /not a multiple of 29/);
});

test("an attributed pair round-trips with its divergences and continuations; a second put replaces it", () => {
  const store = openRunStore(directory);
  store.putGenerations([fakeRecord(0), fakeRecord(1)]);
  store.saveStudy({ hash: "study:1", name: "s", resolved: {} });
  store.attribution.putVerification({
    key: fakeKey(1), segments: [{ index: 0, kind: "step", label: 1, start: 0, end: 10 }],
    checks: [{ step: 0, status: "refuted", claims: 1, refuted: { text: "2 + 2 = 5", start: 3, end: 12, expected: "4", stated: "5", reason: "wrong-result" } }],
    firstError: { step: 0, steps: 1, part: "step", source: "step-verifier", kind: "computational", reason: "wrong-result", category: "execution", subtype: "computational_error", certain: true, start: 3, end: 12 },
  }, "steps/v2", "qreason-verify/abc");
  assert.ok(store.attribution.hasVerification(fakeKey(1), "steps/v2", "qreason-verify/abc"));
  assert.equal(store.attribution.hasVerification(fakeKey(1), "steps/v2", "qreason-verify/other"), false);
  assert.equal(store.attribution.verification(fakeKey(1), "steps/v2", "qreason-verify/abc")?.checks[0]?.refuted?.expected, "4");

  store.attribution.put(record());
  store.attribution.put(record({ firstDivergenceFpStep: 2 }));
  const [stored, ...rest] = store.attribution.list("study:1", "steps/v2", "qreason-verify/abc", "attr-v1-x");
  assert.equal(rest.length, 0, "the second put replaced the first");
  const { id: _id, createdAt: _created, ...fields } = stored!;
  const expected = record({ firstDivergenceFpStep: 2 });
  assert.deepEqual({ ...fields, divergences: fields.divergences.map((entry) => ({ ...entry, positions: decodePositions(entry.positions) })) }, {
    ...expected, ms: 12, divergences: expected.divergences.map((entry) => ({ ...entry, positions: decodePositions(entry.positions) })),
  });
  assert.deepEqual([...store.attribution.done("study:1", "steps/v2", "qreason-verify/abc", "attr-v1-x")], [attributionKey(expected)]);
  assert.equal(store.attribution.done("study:1", "steps/v2", "qreason-verify/new", "attr-v1-x").size, 0);
  assert.deepEqual(store.attribution.latestVersion("study:1"), { segmenter: "steps/v2", verifier: "qreason-verify/abc", settingsHash: "attr-v1-x" });
  const token = store.attribution.stateToken("study:1");
  store.attribution.put(record({ problemId: "p2" }));
  assert.notEqual(store.attribution.stateToken("study:1"), token);

  store.attribution.putKldSummary({ studyHash: "study:1", model: "m", benchmark: "arith", baseline: "fp", variant: "Q2_K", direction: "forward", segmenter: "steps/v2", verifier: "qreason-verify/abc", settingsHash: "attr-v1-x", texts: 2, positions: 9, meanKl: 0.1, p99Kl: Number.NaN, sameTopPercent: 99, summary: { any: 1 } });
  const [summary] = store.attribution.kldSummaries("study:1", "steps/v2", "qreason-verify/abc", "attr-v1-x");
  assert.deepEqual([summary?.positions, summary?.meanKl, summary?.p99Kl, summary?.summary], [9, 0.1, null, { any: 1 }]);
  store.close();
});
