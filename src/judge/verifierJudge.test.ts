/**
 * The step verifier as a judge: the labelled steps are its segments (its step numbers are the label's), a
 * refuted arithmetic claim is a certain computational error at that step, anything else is "no error".
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { stepVerifierJudge, stepsAsSegments, verifierFirstError } from "./verifierJudge.ts";

describe("the step verifier as a judge", () => {
  it("keeps each labelled step as one segment, even a step with several sentences", () => {
    const steps = ["First, 2 + 3 = 5. Then we double it.", "5 * 2 = 10", "\\boxed{10}"];
    const { text, segments } = stepsAsSegments(steps);
    assert.deepEqual(segments.map((segment) => text.slice(segment.start, segment.end)), steps);
    assert.deepEqual(segments.map((segment) => segment.index), [0, 1, 2]);
  });

  it("names the first step with a refuted claim, and -1 when every claim holds", async () => {
    assert.equal(verifierFirstError(["2 + 3 = 5.", "5 * 2 = 11", "11 - 1 = 9"]).step, 1);
    assert.match(verifierFirstError(["2 + 3 = 5.", "5 * 2 = 11"]).explanation, /10/);
    assert.equal(verifierFirstError(["2 + 3 = 5.", "5 * 2 = 10", "\\boxed{10}"]).step, -1);
    // A wrong idea with right arithmetic is beyond it: silent.
    assert.equal(verifierFirstError(["Ana has 3 apples and gets 2 more, so she has 3 - 2 = 1 apple."]).step, -1);

    const judge = stepVerifierJudge("v-test");
    assert.equal(judge.identity, "step-verifier@v-test");
    const outcome = await judge.judge({ problem: "p", steps: ["2 + 3 = 5.", "5 * 2 = 11"] });
    assert.equal(outcome.status, "verdict");
    assert.deepEqual(outcome.status === "verdict" && [outcome.value.firstErrorStep, outcome.value.category, outcome.value.subtype, outcome.value.confidence], [1, "execution", "computational_error", 1]);
    assert.deepEqual(outcome.usage, { calls: 0, promptTokens: 0, completionTokens: 0 });
    const clean = await judge.judge({ problem: "p", steps: ["2 + 3 = 5."] });
    assert.deepEqual(clean.status === "verdict" && [clean.value.firstErrorStep, clean.value.category], [-1, "no_error"]);
  });
});
