/** Panel voting: majority, the baseline judge, conflicts, and the verifier as a certain member. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { categoryOf, type ErrorSubtype } from "../taxonomy/index.ts";
import { decidePanel, type MemberVote } from "./panel.ts";
import { NO_ERROR, type Verdict } from "./verdict.ts";

function verdict(step: number, subtype: ErrorSubtype | "no_error" = step === -1 ? NO_ERROR : "computational_error"): Verdict {
  return { firstErrorStep: step, category: subtype === NO_ERROR ? NO_ERROR : categoryOf(subtype), subtype, explanation: "", confidence: 0.8 };
}

const votes = (...steps: (number | null | [number, ErrorSubtype | "no_error"])[]): MemberVote[] =>
  steps.map((step, index) => {
    const judge = index === 0 ? "base" : `j${index}`;
    if (step === null) return { judge, missing: "truncated" };
    return { judge, verdict: Array.isArray(step) ? verdict(step[0], step[1]) : verdict(step) };
  });

describe("decidePanel", () => {
  it("takes a strict majority of valid votes, with the baseline agreeing: no conflict", () => {
    const decision = decidePanel(votes(2, 2, 2, 3, -1), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.decidedBy, decision.support, decision.votes, decision.members], [2, "majority", 3, 5, 5]);
    assert.deepEqual(decision.flags, []);
    assert.equal(decision.needsReview, false);
  });

  it("flags the baseline dissenting from the majority", () => {
    const decision = decidePanel(votes(3, 2, 2, 2, -1), { baseline: "base" });
    assert.equal(decision.firstErrorStep, 2);
    assert.deepEqual(decision.flags, ["baseline_dissent"]);
    assert.equal(decision.needsReview, true);
  });

  it("falls back to the baseline without a majority, flagged", () => {
    const decision = decidePanel(votes(1, 2, 2, 3, 3), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.decidedBy, decision.support], [1, "baseline", 1]);
    assert.deepEqual(decision.flags, ["no_majority"]);
    assert.equal(decision.needsReview, true);
  });

  it("treats a tie as no majority (2 of 4 is not more than half)", () => {
    const decision = decidePanel(votes(-1, -1, 4, 4), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.decidedBy], [-1, "baseline"]);
    assert.ok(decision.flags.includes("no_majority"));
  });

  it("counts invalid verdicts as missing, not as votes", () => {
    const decision = decidePanel(votes(null, 2, 2, null, 5), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.votes, decision.members], [2, 3, 5]);
    assert.deepEqual(decision.missing, [{ judge: "base", reason: "truncated" }, { judge: "j3", reason: "truncated" }]);
    assert.deepEqual(decision.flags, ["baseline_missing"]);
  });

  it("decides nothing when no judge gave a verdict", () => {
    const decision = decidePanel(votes(null, null), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.category, decision.decidedBy], [null, null, "none"]);
    assert.ok(decision.flags.includes("no_votes") && decision.needsReview);
  });

  it("decides nothing without a majority when the baseline has no verdict", () => {
    const decision = decidePanel(votes(null, 1, 2), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.decidedBy], [null, "none"]);
    assert.ok(decision.flags.includes("no_majority"));
  });

  it("labels the majority step with the plurality subtype of its voters", () => {
    const decision = decidePanel(votes([2, "procedural_error"], [2, "computational_error"], [2, "computational_error"], [1, "procedural_error"]), { baseline: "base" });
    assert.deepEqual([decision.firstErrorStep, decision.subtype, decision.category], [2, "computational_error", "execution"]);
  });

  it("breaks a subtype tie toward the baseline's label, else taxonomy order, flagged", () => {
    const towardBaseline = decidePanel(votes([2, "symbolic_manipulation_error"], [2, "computational_error"], [-1, "no_error"]), { baseline: "base" });
    assert.equal(towardBaseline.subtype, "symbolic_manipulation_error");
    assert.ok(towardBaseline.flags.includes("subtype_tie"));
    const byOrder = decidePanel(votes(-1, [2, "logical_reasoning_error"], [2, "formula_rule_error"]), { baseline: "base" });
    assert.deepEqual([byOrder.firstErrorStep, byOrder.subtype, byOrder.category], [2, "formula_rule_error", "method"]);
  });

  describe("with the deterministic verifier", () => {
    it("overrides a majority for a later step, or for no error, when it is certain", () => {
      const later = decidePanel(votes(4, 4, 4), { baseline: "base", verifier: { verdict: verdict(2) } });
      assert.deepEqual([later.firstErrorStep, later.decidedBy, later.subtype, later.support], [2, "verifier", "computational_error", 1]);
      assert.ok(later.flags.includes("verifier_override") && later.flags.includes("baseline_dissent"));
      const none = decidePanel(votes(-1, -1, 2), { baseline: "base", verifier: { verdict: verdict(2) } });
      assert.deepEqual([none.firstErrorStep, none.support], [2, 2]);
    });

    it("keeps a majority for an earlier step: a refuted step 3 says nothing about steps 0-2", () => {
      const decision = decidePanel(votes([1, "contextual_oversight"], [1, "contextual_oversight"], 3), { baseline: "base", verifier: { verdict: verdict(3) } });
      assert.deepEqual([decision.firstErrorStep, decision.decidedBy, decision.subtype], [1, "majority", "contextual_oversight"]);
      assert.ok(!decision.flags.includes("verifier_override"));
    });

    it("agrees without an override flag when the majority found its step", () => {
      const decision = decidePanel(votes([2, "procedural_error"], [2, "procedural_error"], -1), { baseline: "base", verifier: { verdict: verdict(2) } });
      assert.deepEqual([decision.firstErrorStep, decision.decidedBy, decision.subtype, decision.support], [2, "verifier", "computational_error", 3]);
      assert.deepEqual(decision.flags, []);
    });

    it("settles a panel without a majority", () => {
      const decision = decidePanel(votes(1, 3, -1), { baseline: "base", verifier: { verdict: verdict(3) } });
      assert.deepEqual([decision.firstErrorStep, decision.decidedBy], [3, "verifier"]);
      assert.ok(decision.flags.includes("no_majority") && decision.flags.includes("verifier_override"));
    });

    it("is an ordinary vote when not certain (a method error it merely suspects, or 'no error')", () => {
      const suspect = decidePanel(votes(4, 2, 2), { baseline: "base", verifier: { verdict: verdict(4, "procedural_error") } });
      // 4 (base, verifier) against 2 (j1, j2): no majority, so the baseline's 4 stands.
      assert.deepEqual([suspect.firstErrorStep, suspect.votes, suspect.members, suspect.decidedBy, suspect.support], [4, 4, 4, "baseline", 2]);
      const clean = decidePanel(votes(-1, 2, 2), { baseline: "base", verifier: { verdict: verdict(-1) } });
      assert.deepEqual([clean.firstErrorStep, clean.decidedBy], [-1, "baseline"]);
      const forced = decidePanel(votes(4, 4, 4), { baseline: "base", verifier: { verdict: verdict(1, "procedural_error"), certain: true } });
      assert.deepEqual([forced.firstErrorStep, forced.subtype], [1, "procedural_error"]);
    });
  });

  it("refuses a baseline that is not a member, and a judge voting twice", () => {
    assert.throws(() => decidePanel(votes(1, 1), { baseline: "nobody" }), /not among the votes/);
    assert.throws(() => decidePanel([...votes(1), ...votes(2)], { baseline: "base" }), /votes once/);
  });
});
