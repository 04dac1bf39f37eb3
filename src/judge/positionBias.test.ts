/** The position-bias check: verdicts that move with the order the solutions are shown in. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createModelJudge, type JudgeCall, type JudgeReply } from "./judge.ts";
import { positionBias, probePositionBias, type PositionProbe } from "./positionBias.ts";
import { NO_ERROR, type Verdict } from "./verdict.ts";

const at = (step: number): Verdict => ({
  firstErrorStep: step,
  category: step === -1 ? NO_ERROR : "execution",
  subtype: step === -1 ? NO_ERROR : "computational_error",
  explanation: "",
  confidence: 1,
});

describe("positionBias", () => {
  it("finds no bias in a judge that ignores the order", () => {
    const probes: PositionProbe[] = [
      { key: "a", inOrder: { first: at(-1), second: at(2) }, swapped: { first: at(2), second: at(-1) } },
      { key: "b", inOrder: { first: at(-1), second: at(-1) }, swapped: { first: at(-1), second: at(-1) } },
    ];
    const result = positionBias(probes);
    assert.deepEqual([result.consistent, result.consistency, result.onlyWhenFirst, result.onlyWhenSecond, result.pValue], [2, 1, 0, 0, 1]);
    assert.equal(result.errorRateShownFirst, result.errorRateShownSecond);
  });

  it("measures a judge that calls whatever comes second wrong (hand-counted)", () => {
    // The solution shown second is always called wrong at step 1, the first never.
    const probes: PositionProbe[] = Array.from({ length: 6 }, (_, index) => ({
      key: String(index),
      inOrder: { first: at(-1), second: at(1) },
      swapped: { first: at(-1), second: at(1) },
    }));
    const result = positionBias(probes);
    assert.deepEqual([result.consistent, result.errorRateShownFirst, result.errorRateShownSecond], [0, 0, 1]);
    assert.deepEqual([result.onlyWhenFirst, result.onlyWhenSecond], [0, 12]);
    // Exact McNemar: 2 · 0.5^12.
    assert.ok(Math.abs(result.pValue - 2 * 0.5 ** 12) < 1e-15);
  });

  it("is empty-safe", () => {
    const result = positionBias([]);
    assert.deepEqual([result.probes, result.consistency, result.pValue], [0, null, 1]);
  });
});

describe("probePositionBias", () => {
  it("asks each pair in both orders and keeps the verdicts by solution", async () => {
    const shown: string[] = [];
    // A biased scripted judge: calls solution B wrong at its last step, whatever it is.
    const model = async (call: JudgeCall): Promise<JudgeReply> => {
      const user = call.messages[1]?.content ?? "";
      shown.push(/\[Solution A\][^]*?<step_0>\n(.*)\n/.exec(user)?.[1] ?? "");
      const steps = Number(/\[Solution B\] \((\d+) steps\)/.exec(user)?.[1]);
      const verdictOf = (step: number) => ({ explanation: "", first_error_step: step, category: step === -1 ? NO_ERROR : "execution", subtype: step === -1 ? NO_ERROR : "computational_error", confidence: 1 });
      return { text: JSON.stringify({ solution_a: verdictOf(-1), solution_b: verdictOf(steps - 1) }), finishReason: "stop", promptTokens: 1, completionTokens: 1, warnings: [] };
    };
    const judge = createModelJudge({ name: "biased", modelId: "m", model, sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 64, seed: 0, stop: [] } });
    const run = await probePositionBias(judge, [{ key: "p", problem: "q", left: ["fp step"], right: ["variant step", "variant answer"] }]);
    assert.deepEqual(shown, ["fp step", "variant step"]);
    assert.equal(run.failed.length, 0);
    const result = positionBias(run.probes);
    assert.deepEqual([result.consistent, result.onlyWhenFirst, result.onlyWhenSecond], [0, 0, 2]);
  });
});
