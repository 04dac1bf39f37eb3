/** Re-verification of a flip the panel found no error in, with the real grader. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createGrader } from "../grade/index.ts";
import { reverifyFlip } from "./reverify.ts";

const grader = createGrader({ cas: false });

describe("reverifyFlip", () => {
  it("finds seed 003's false reject: 5.5 against \\frac{11}{2}", () => {
    const result = reverifyFlip({ gold: "\\frac{11}{2}", output: "So each gets \\boxed{5.5} hours.", storedStatus: "wrong", panel: { firstErrorStep: -1 } }, grader);
    assert.equal(result.status, "regraded_correct");
    assert.equal(result.regrade?.correct, true);
  });

  it("flags a still-wrong answer the panel found no error in", () => {
    const result = reverifyFlip({ gold: "12", output: "Adding up, \\boxed{13}.", storedStatus: "wrong", panel: { firstErrorStep: -1 } }, grader);
    assert.equal(result.status, "possible_false_reject");
    assert.equal(result.regrade?.extracted, "13");
  });

  it("does nothing when the panel found an error, decided nothing, or the grade is correct", () => {
    for (const input of [
      { storedStatus: "wrong" as const, panel: { firstErrorStep: 2 } },
      { storedStatus: "wrong" as const, panel: { firstErrorStep: null } },
      { storedStatus: "correct" as const, panel: { firstErrorStep: -1 } },
    ]) {
      assert.deepEqual(reverifyFlip({ gold: "1", output: "\\boxed{1}", ...input }, grader), { status: "not_applicable" });
    }
  });
});
