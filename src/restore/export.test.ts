import assert from "node:assert/strict";
import { test } from "node:test";
import { generateArithSplit } from "../data/arith/index.ts";
import { verifiedCategory, storedCategory } from "./categorize.ts";
import { engineDpoRecord, engineMarginRecord, engineSftRecord, firstDifference, jsonLines, llamaFactoryDatasetInfo, llamaFactoryRecord, trlRecord } from "./export.ts";
import type { PreferencePair } from "./mine.ts";

const pair: PreferencePair = {
  id: "m/arith/train/0-1", model: "m", variant: "Q2_K", benchmark: "arith", problemId: "arith/train/0-1",
  prompt: "Ann has 3 apples.\n", chosen: "Step 1: 3 + 4 = 7.\n\\boxed{7}", rejected: "Step 1: 3 + 4 = 8.\n\\boxed{8}",
  chosenKey: "k1", rejectedKey: "k2", rejectedStatus: "wrong", category: "execution", subtype: "computational_error", categorySource: "step-verifier",
};
const chat: PreferencePair = { ...pair, prompt: [{ role: "system", content: "Be exact." }, { role: "user", content: "Ann has 3 apples." }] };

test("TRL: strings for a raw prompt, conversational for a chat prompt", () => {
  assert.deepEqual(trlRecord(pair), { prompt: "Ann has 3 apples.\n", chosen: pair.chosen, rejected: pair.rejected });
  assert.deepEqual(trlRecord(chat), {
    prompt: [{ role: "system", content: "Be exact." }, { role: "user", content: "Ann has 3 apples." }],
    chosen: [{ role: "assistant", content: pair.chosen }],
    rejected: [{ role: "assistant", content: pair.rejected }],
  });
});

test("LLaMA-Factory: alpaca ranking for raw prompts, sharegpt with system for chat, and the dataset_info entry", () => {
  assert.deepEqual(llamaFactoryRecord(pair), { instruction: "Ann has 3 apples.\n", input: "", chosen: pair.chosen, rejected: pair.rejected });
  assert.deepEqual(llamaFactoryRecord(chat), {
    conversations: [{ from: "human", value: "Ann has 3 apples." }],
    chosen: { from: "gpt", value: pair.chosen },
    rejected: { from: "gpt", value: pair.rejected },
    system: "Be exact.",
  });
  const info = llamaFactoryDatasetInfo("restore", "restore.json", false) as Record<string, { ranking: boolean; columns: Record<string, string> }>;
  assert.equal(info.restore?.ranking, true);
  assert.deepEqual(info.restore?.columns, { prompt: "instruction", query: "input", chosen: "chosen", rejected: "rejected" });
});

test("engine lines: dpo, sft on chosen, margin at the first difference", () => {
  assert.deepEqual(Object.keys(engineDpoRecord(pair)), ["id", "prompt", "chosen", "rejected", "meta"]);
  assert.deepEqual(engineSftRecord(pair).completion, pair.chosen);
  // "Step 1: 3 + 4 = 7" vs "... = 8": the first differing character is the 7, at index 16.
  assert.equal(firstDifference(pair.chosen, pair.rejected), 16);
  assert.equal(pair.chosen[16], "7");
  assert.deepEqual(engineMarginRecord(pair)?.positions, [16]);
  assert.equal(engineMarginRecord({ ...pair, rejected: `${pair.chosen} and more` }), undefined, "no position inside chosen");
  assert.equal(firstDifference("abc", "abc"), undefined);
  assert.equal(jsonLines([{ a: 1 }, { b: "x" }]), '{"a":1}\n{"b":"x"}\n');
  assert.equal(jsonLines([]), "");
});

test("categories: stored attribution first, the verifiers on the fly otherwise", () => {
  const [problem] = generateArithSplit("train", { size: 1 });
  if (problem === undefined || problem.solution === undefined) throw new Error("no problem");
  // A wrong result in the first step: the arith verifier calls it a computational error (execution).
  const wrong = problem.solution.replace(/= (\d+)\./, (_match, value: string) => `= ${Number(value) + 1}.`);
  assert.deepEqual(verifiedCategory(problem, wrong), { category: "execution", subtype: "computational_error", source: "step-verifier" });
  assert.deepEqual(verifiedCategory(problem, "I do not know."), { category: "unknown", subtype: null, source: "none" });
  assert.deepEqual(storedCategory({ category: "method", subtype: "procedural_error" }), { category: "method", subtype: "procedural_error", source: "attribution" });
  assert.equal(storedCategory(undefined), undefined);
});
