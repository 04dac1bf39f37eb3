/**
 * Judge votes in the review, over a real small run (runStudy against the loopback model): before the judge
 * stage has written anything every flip has no votes and the verifier's label is proposed; with rows as the
 * judge stage writes them (into the store's own v6 tables), the
 * latest verdict per judge is read, the panel's decision is proposed, agreement (all / split) filters, the
 * audit queue is the judges' sample plus what they queued (with why), and the report's human review
 * compares the person with the panel.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { reviewMarkdown, reviewOf } from "../report/review.ts";
import { openRunDirectory, runRecordOf, RUN_STORE_FILE } from "../store/index.ts";
import { RunReview, type FlipItem } from "./index.ts";
import { makeFlipsRun } from "./testdata/flipsRun.ts";
import { writeJudgeRows, type TestPanel } from "./testdata/judgeTables.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-judge-votes-"));
let runDirectory: string;
before(async () => {
  runDirectory = await makeFlipsRun(scratch);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function withReview<T>(work: (review: RunReview, studyHash: string) => T): T {
  const store = openRunDirectory(runDirectory);
  try {
    return work(new RunReview(store, { reviewer: "carol" }), runRecordOf(store)?.study.hash ?? "");
  } finally {
    store.close();
  }
}

const flipOf = (item: FlipItem, studyHash: string): TestPanel["flip"] => ({ studyHash, model: item.model, variant: item.variant, baseline: item.baseline, benchmark: item.benchmark, problemId: item.problemId });

test("before the judge stage: no votes, the verifier proposes; with its rows: votes, the panel proposes, agreement, the audit queue", () => {
  const { agreeing, split, studyHash, total } = withReview((review, hash) => {
    const items = review.items();
    assert.equal(items.every((item) => item.judges === null), true, "nothing judged yet: no votes");
    assert.equal(review.items({ judges: "none" }).length, items.length);
    const wrong = items.filter((item) => item.variantStatus === "wrong");
    assert.ok(wrong.length >= 2, `two wrong flips (${wrong.length})`);
    for (const item of wrong) assert.equal(item.proposal.source, "verifier");
    return { agreeing: wrong[0] as FlipItem, split: wrong[1] as FlipItem, studyHash: hash, total: items.length };
  });

  writeJudgeRows(
    path.join(runDirectory, RUN_STORE_FILE),
    [
      // An older verdict of judge a under another model identity: the later one is a's say.
      { key: agreeing.key, judge: "a", identity: "a-old-model|judge-prompt/v1", step: 1, subtype: "procedural_error", category: "method", at: "2026-12-03T10:00:00Z" },
      { key: agreeing.key, judge: "a", step: 0, subtype: "computational_error", category: "execution", explanation: "12 + 30 is 42 <b>not 43</b>", confidence: 0.9, at: "2026-12-03T11:00:00Z" },
      { key: agreeing.key, judge: "b", step: 0, subtype: "computational_error", category: "execution", at: "2026-12-03T11:00:01Z" },
      { key: split.key, judge: "a", step: 0, subtype: "computational_error", category: "execution", at: "2026-12-03T11:00:02Z" },
      { key: split.key, judge: "b", step: 1, subtype: "logical_reasoning_error", category: "reasoning", at: "2026-12-03T11:00:03Z" },
      { key: split.key, judge: "c", step: null, invalid: "no_json", at: "2026-12-03T11:00:04Z" },
    ],
    [
      { key: agreeing.key, panel: "p1", flip: flipOf(agreeing, studyHash), step: 0, category: "execution", subtype: "computational_error", decidedBy: "majority", support: 2, votes: 2, members: 2, flags: [], audited: true, queue: ["audit"], at: "2026-12-03T11:01:00Z" },
      { key: split.key, panel: "p1", flip: flipOf(split, studyHash), step: 0, category: "execution", subtype: "computational_error", decidedBy: "baseline", support: 1, votes: 2, members: 3, flags: ["no_majority"], audited: false, queue: ["conflict"], at: "2026-12-03T11:01:01Z" },
    ],
  );

  withReview((review) => {
    const byKey = new Map(review.items().map((item) => [item.key, item]));
    const one = byKey.get(agreeing.key) as FlipItem;
    assert.deepEqual(one.judges?.votes.map((vote) => [vote.judge, vote.verdict?.firstErrorStep, vote.verdict?.subtype]), [["a", 0, "computational_error"], ["b", 0, "computational_error"]], "a's latest verdict");
    assert.equal(one.judges?.votes[0]?.verdict?.explanation, "12 + 30 is 42 <b>not 43</b>");
    assert.equal(one.judges?.agreement, "all");
    assert.deepEqual(one.proposal, { source: "panel", firstErrorStep: 0, category: "execution", subtype: "computational_error" });
    assert.deepEqual(one.queue, ["audit"]);

    const two = byKey.get(split.key) as FlipItem;
    assert.equal(two.judges?.agreement, "split");
    assert.deepEqual(two.judges?.votes.map((vote) => [vote.judge, vote.verdict === null ? vote.missing : vote.verdict.firstErrorStep]), [["a", 0], ["b", 1], ["c", "invalid: no_json"]]);
    assert.deepEqual(two.judges?.panel?.flags, ["no_majority"]);
    assert.deepEqual(two.queue, ["conflict"], "queued by the judges for the panel's conflict, not in their audit sample");

    assert.deepEqual(review.items({ judges: "split" }).map((item) => item.key), [split.key]);
    assert.deepEqual(review.items({ judges: "all" }).map((item) => item.key), [agreeing.key]);
    assert.equal(review.items({ judges: "none" }).length, total - 2);
    assert.deepEqual(new Set(review.items({ audit: true }).map((item) => item.key)), new Set([agreeing.key, split.key]), "once the judges decided, their sample and queue are the audit queue");

    review.review({ key: agreeing.key, action: "accept" });
    review.review({ key: split.key, action: "override", firstErrorStep: 1, subtype: "logical_reasoning_error" });
    const summary = reviewOf(review.store);
    const panel = summary.agreement.find((entry) => entry.source === "panel");
    assert.deepEqual([panel?.flips, panel?.step.items, panel?.step.agreeing], [2, 2, 1], "the person agrees with the panel on one step of two");
    assert.deepEqual(summary.audit, { sampled: 2, reviewed: 2 });
    const markdown = reviewMarkdown(summary).join("\n");
    assert.match(markdown, /\| judge panel \| 2 \| 1\/2 \(50%\)/);
    assert.match(markdown, /audit queue: 2 of 2 reviewed/);
  });
});
