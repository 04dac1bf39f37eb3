/**
 * The review over a real small run (runStudy against the loopback model): flips with the verifier's first
 * error proposed, filters, accept and override stored as human labels with their history, validation of
 * an override naming the field, the audit sample, agreement with the verifier, and the JSONL export.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { QreasonError } from "../errors.ts";
import { openRunDirectory, type RunStore } from "../store/index.ts";
import { labelLines, reviewSummary, RunReview } from "./index.ts";
import { makeFlipsRun } from "./testdata/flipsRun.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-review-"));
let store: RunStore;
before(async () => {
  store = openRunDirectory(await makeFlipsRun(scratch));
});
after(() => {
  store.close();
  rmSync(scratch, { recursive: true, force: true });
});

test("flips carry the verifier's first error as the proposal; filters select by variant, category and review", () => {
  const review = new RunReview(store, { reviewer: "alice" });
  const items = review.items();
  assert.ok(items.length >= 4, `a handful of flips (${items.length})`);
  assert.deepEqual(new Set(items.map((item) => item.variant)), new Set(["q8", "q4"]));
  const wrong = items.filter((item) => item.variantStatus === "wrong");
  assert.ok(wrong.length > 0);
  for (const item of wrong) {
    // "Step 1: Add the numbers: A + B = A+B+1." is a false equation in segment 0.
    assert.deepEqual(item.proposal, { source: "verifier", firstErrorStep: 0, category: "execution", subtype: "computational_error" }, item.problemId);
  }
  for (const item of items.filter((candidate) => candidate.variantStatus === "no_answer")) assert.equal(item.proposal.source, "none");
  assert.equal(review.items({ variant: "q4" }).length, items.filter((item) => item.variant === "q4").length);
  assert.equal(review.items({ category: "execution" }).length, wrong.length);
  assert.equal(review.items({ reviewed: true }).length, 0);
  assert.equal(review.items({ judges: "none" }).length, items.length, "no judge has voted in this run");
  const audited = review.items({ audit: true });
  assert.equal(audited.length, Math.ceil(0.02 * items.length), "the audit sample: 2 % of the flips, at least one");
});

test("accept and override are stored as human labels with history; bad overrides name their field", () => {
  const review = new RunReview(store, { reviewer: "alice" });
  const [first, second] = review.items({ category: "execution" });
  assert.ok(first && second);
  review.review({ key: first.key, action: "accept", note: "right" });
  review.review({ key: second.key, action: "override", firstErrorStep: 0, subtype: "procedural_error", note: "wrong plan" });
  const later = new RunReview(store, { reviewer: "bob" });
  later.review({ key: second.key, action: "override", firstErrorStep: 0, subtype: "formula_rule_error", category: "method", note: null });

  const after = review.items({ reviewed: true });
  assert.equal(after.length, 2);
  const byKey = new Map(after.map((item) => [item.key, item]));
  assert.deepEqual(byKey.get(first.key)?.label, { source: "human", firstErrorStep: 0, category: "execution", subtype: "computational_error" });
  assert.deepEqual(byKey.get(second.key)?.label, { source: "human", firstErrorStep: 0, category: "method", subtype: "formula_rule_error" });
  assert.equal(byKey.get(second.key)?.human?.reviewer, "bob");
  assert.deepEqual(store.reviews.history(second.key).map((row) => [row.reviewer, row.subtype, row.note]), [["alice", "procedural_error", "wrong plan"], ["bob", "formula_rule_error", null]]);

  const refused = (request: Parameters<RunReview["review"]>[0], field: string): void => {
    assert.throws(() => review.review(request), (error: unknown) => error instanceof QreasonError && error.location.field === field, field);
  };
  refused({ key: first.key, action: "override", subtype: "computational_error", category: "method" }, "subtype");
  refused({ key: first.key, action: "override", subtype: "made_up" }, "subtype");
  refused({ key: first.key, action: "override", firstErrorStep: 99 }, "firstErrorStep");
  refused({ key: first.key, action: "override", firstErrorStep: -1, subtype: "computational_error" }, "category");
  refused({ key: "gen:v1:nothing", action: "accept" }, "key");
  assert.equal(store.reviews.history(first.key).length, 1, "a refused review stores nothing");

  const summary = reviewSummary(review.items());
  assert.equal(summary.reviewed, 2);
  assert.deepEqual([summary.accepted, summary.overridden], [1, 1]);
  const verifier = summary.agreement.find((entry) => entry.source === "verifier");
  assert.deepEqual(verifier?.step, { items: 2, agreeing: 2, rate: 1, alpha: null });
  assert.deepEqual([verifier?.subtype.items, verifier?.subtype.agreeing], [2, 1]);
  assert.equal(summary.agreement.some((entry) => entry.source === "panel"), false, "no panel without judges");

  const lines = labelLines(review);
  assert.deepEqual(lines.map((line) => [line.generation_key, line.reviewer, line.action, line.subtype]), [
    [first.key, "alice", "accept", "computational_error"],
    [second.key, "bob", "override", "formula_rule_error"],
  ].sort((left, right) => review.items().findIndex((item) => item.key === left[0]) - review.items().findIndex((item) => item.key === right[0])));
  assert.equal(labelLines(review, { history: true }).length, 3);
  assert.equal(lines[0]?.segmenter, "steps/v2");
});
