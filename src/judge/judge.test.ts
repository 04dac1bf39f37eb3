/**
 * The model judge's loop: prompt → model → parse → retry with the problem fed back → outcome. The model is
 * a scripted transcript (what a backend would have replied), so every call the loop makes is checked.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { QreasonError } from "../errors.ts";
import { createModelJudge, forDecoding, pairResponseFormat, type JudgeCall, type JudgeReply } from "./judge.ts";

const SAMPLING = { temperature: 0, topP: 1, topK: 0, maxTokens: 256, seed: 11, stop: [] };
const INPUT = { problem: "Tom has 3 bags of 8 apples and eats 2. How many are left?", steps: ["Step 1: 3 * 8 = 24.", "Step 2: 24 - 2 = 21.", "\\boxed{21}"] };
const GOOD = JSON.stringify({ explanation: "24 - 2 = 22, not 21.", first_error_step: 1, category: "execution", subtype: "computational_error", confidence: 0.9 });

function scripted(replies: (Partial<JudgeReply> | Error)[]) {
  const calls: JudgeCall[] = [];
  const model = async (call: JudgeCall): Promise<JudgeReply> => {
    calls.push(structuredClone(call));
    const next = replies[calls.length - 1];
    if (next === undefined) throw new Error("the judge asked more often than scripted");
    if (next instanceof Error) throw next;
    return { text: "", finishReason: "stop", promptTokens: 100, completionTokens: 20, warnings: [], ...next };
  };
  return { calls, model };
}

describe("createModelJudge", () => {
  it("returns the verdict of a valid first reply, with the schema sent as the response format", async () => {
    const { calls, model } = scripted([{ text: GOOD, warnings: ["top_k ignored"] }]);
    const judge = createModelJudge({ name: "j", modelId: "test-model", model, sampling: SAMPLING });
    const outcome = await judge.judge(INPUT);
    assert.equal(outcome.status, "verdict");
    assert.equal(outcome.status === "verdict" && outcome.value.firstErrorStep, 1);
    assert.deepEqual(outcome.usage, { calls: 1, promptTokens: 100, completionTokens: 20 });
    assert.deepEqual(outcome.warnings, ["top_k ignored"]);
    assert.equal(calls.length, 1);
    const format = calls[0]?.responseFormat;
    assert.equal(format?.name, "qreason_verdict");
    // As a decoder enforces it: "no error" with -1, or one category with a step index and its own subtypes.
    const alternatives = format?.schema.anyOf as { properties: Record<string, { enum?: unknown[]; maxLength?: number }> }[];
    assert.deepEqual(alternatives.map((entry) => [entry.properties.category?.enum, entry.properties.first_error_step?.enum]), [
      [["no_error"], [-1]], [["conceptual"], [0, 1, 2]], [["method"], [0, 1, 2]], [["execution"], [0, 1, 2]], [["reasoning"], [0, 1, 2]],
    ]);
    assert.deepEqual(alternatives[3]?.properties.subtype?.enum, ["computational_error", "symbolic_manipulation_error"]);
    assert.equal(alternatives[0]?.properties.explanation?.maxLength, undefined);
    assert.match(calls[0]?.messages[1]?.content ?? "", /<step_2>\n\\boxed\{21\}\n<\/step_2>/);
    assert.match(judge.identity, /^test-model\|judge-v1:[0-9a-f]{12}$/);
  });

  it("bounds the explanation a decoder may write when asked, in the pair format too", async () => {
    const { calls, model } = scripted([{ text: GOOD }]);
    const judge = createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING, explanationChars: 300 });
    await judge.judge(INPUT);
    const alternatives = calls[0]?.responseFormat?.schema.anyOf as { properties: Record<string, { maxLength?: number }> }[];
    assert.ok(alternatives.every((entry) => entry.properties.explanation?.maxLength === 300));
    const pair = forDecoding(pairResponseFormat(2, 3), 50).schema.properties as Record<string, { anyOf: { properties: Record<string, { enum?: unknown[]; maxLength?: number }> }[] }>;
    assert.deepEqual(pair.solution_b?.anyOf[1]?.properties.first_error_step?.enum, [0, 1, 2]);
    assert.equal(pair.solution_a?.anyOf[2]?.properties.explanation?.maxLength, 50);
  });

  it("sends no response format when the judge is not structured", async () => {
    const { calls, model } = scripted([{ text: GOOD }]);
    await createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING, structured: false }).judge(INPUT);
    assert.equal(calls[0]?.responseFormat, undefined);
  });

  it("retries an invalid reply with the validation problem fed back, and a new seed", async () => {
    const wrongEnum = GOOD.replace("computational_error", "arithmetic_error");
    const { calls, model } = scripted([{ text: `Thinking...\n${wrongEnum}` }, { text: GOOD, promptTokens: 180 }]);
    const outcome = await createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING }).judge(INPUT);
    assert.equal(outcome.status, "verdict");
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(outcome.usage, { calls: 2, promptTokens: 280, completionTokens: 40 });
    assert.equal(outcome.replies.length, 2);
    const retry = calls[1] as JudgeCall;
    assert.equal(retry.messages.length, 4);
    assert.deepEqual(retry.messages.slice(0, 2), calls[0]?.messages);
    assert.equal(retry.messages[2]?.role, "assistant");
    assert.ok(retry.messages[2]?.content.includes("arithmetic_error"));
    assert.equal(retry.messages[3]?.role, "user");
    assert.match(retry.messages[3]?.content ?? "", /'subtype' is "arithmetic_error"; it must be one of/);
    assert.match(retry.messages[3]?.content ?? "", /\(0 to 2\)/);
    assert.deepEqual([calls[0]?.sampling.seed, retry.sampling.seed], [11, 12]);
  });

  it("gives up after maxAttempts with the last reason, counting every call", async () => {
    const { calls, model } = scripted([{ text: "I cannot help with that." }, { text: '{"explanation": "cut', finishReason: "length" }]);
    const outcome = await createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING, maxAttempts: 2 }).judge(INPUT);
    assert.equal(outcome.status, "invalid");
    assert.equal(outcome.status === "invalid" && outcome.reason, "truncated");
    assert.equal(outcome.attempts, 2);
    assert.equal(outcome.usage.calls, 2);
    assert.equal(calls.length, 2);
  });

  it("tells a truncated reply to keep the explanation short", async () => {
    const { calls, model } = scripted([{ text: '{"explanation": "very long', finishReason: "length" }, { text: GOOD }]);
    await createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING }).judge(INPUT);
    assert.match(calls[1]?.messages[3]?.content ?? "", /token limit/);
  });

  it("quotes only the end of a long reply back to the judge", async () => {
    const long = `${"Let me think. ".repeat(400)}{"first_error_step": 9}`;
    const { calls, model } = scripted([{ text: long }, { text: GOOD }]);
    await createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING }).judge(INPUT);
    const quoted = calls[1]?.messages[2]?.content ?? "";
    assert.ok(quoted.startsWith("[…] ") && quoted.endsWith('{"first_error_step": 9}') && quoted.length < 1600);
  });

  it("turns a backend failure into an error outcome, and lets bugs and aborts through", async () => {
    const failing = scripted([new QreasonError("E_NETWORK", "connection refused")]);
    const outcome = await createModelJudge({ name: "j", modelId: "m", model: failing.model, sampling: SAMPLING }).judge(INPUT);
    assert.deepEqual([outcome.status, outcome.status === "error" && outcome.code, outcome.attempts], ["error", "E_NETWORK", 1]);

    const buggy = scripted([new TypeError("x is undefined")]);
    await assert.rejects(createModelJudge({ name: "j", modelId: "m", model: buggy.model, sampling: SAMPLING }).judge(INPUT), TypeError);

    const controller = new AbortController();
    controller.abort();
    const aborted = scripted([new QreasonError("E_BACKEND", "cancelled")]);
    await assert.rejects(createModelJudge({ name: "j", modelId: "m", model: aborted.model, sampling: SAMPLING }).judge(INPUT, controller.signal), QreasonError);
  });

  it("judges a pair of solutions against each one's own steps", async () => {
    const pair = JSON.stringify({
      solution_a: { explanation: "fine", first_error_step: -1, category: "no_error", subtype: "no_error", confidence: 0.9 },
      solution_b: JSON.parse(GOOD),
    });
    const { calls, model } = scripted([{ text: pair }]);
    const judge = createModelJudge({ name: "j", modelId: "m", model, sampling: SAMPLING });
    const outcome = await judge.judgePair({ problem: INPUT.problem, first: ["Step 1: 3 * 8 = 24.", "Step 2: 24 - 2 = 22."], second: INPUT.steps });
    assert.equal(outcome.status, "verdict");
    assert.equal(outcome.status === "verdict" && outcome.value.second.firstErrorStep, 1);
    assert.equal(calls[0]?.responseFormat?.name, "qreason_verdict_pair");
    assert.match(calls[0]?.messages[1]?.content ?? "", /\[Solution A\] \(2 steps\)[\s\S]*\[Solution B\] \(3 steps\)/);
    assert.match(judge.pairIdentity, /^m\|judge-pair-v1:/);
  });
});
