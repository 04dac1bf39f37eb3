import assert from "node:assert/strict";
import { test } from "node:test";
import { PROMPT_TEMPLATES, renderPrompt, STEP_BY_STEP_INSTRUCTION } from "./templates.ts";
import type { PromptSpec } from "./types.ts";

const stepByStep: PromptSpec = {
  template: "step-by-step",
  style: "chat",
  instruction: STEP_BY_STEP_INSTRUCTION,
  user: "{question}\n\n{instruction}",
  fewShot: 0,
  fewShotSplit: "train",
};
const example = { question: "Ann has 2 apples and buys 3. How many?", solution: "Step 1: 2 + 3 = 5\n\\boxed{5}" };

test("chat rendering: system, examples as user/assistant turns, then the question", () => {
  const prompt = renderPrompt({ ...stepByStep, system: "You are careful." }, "What is 7 × 6?", [example]);
  assert.deepEqual(prompt, [
    { role: "system", content: "You are careful." },
    { role: "user", content: `${example.question}\n\n${STEP_BY_STEP_INSTRUCTION}` },
    { role: "assistant", content: example.solution },
    { role: "user", content: `What is 7 × 6?\n\n${STEP_BY_STEP_INSTRUCTION}` },
  ]);
});

test("raw rendering: one string, examples separated by blank lines, question last", () => {
  const raw: PromptSpec = { ...stepByStep, style: "raw", instruction: "", user: PROMPT_TEMPLATES["question-answer"]?.user ?? "" };
  assert.equal(renderPrompt(raw, "What is 7 × 6?", [example]), `Question: ${example.question}\nAnswer: ${example.solution}\n\nQuestion: What is 7 × 6?\nAnswer:`);
  assert.equal(renderPrompt(raw, "Q?"), "Question: Q?\nAnswer:");
});

test("inline examples win over drawn ones; placeholders inside a question are left alone", () => {
  const inline = { ...stepByStep, examples: [example] };
  const prompt = renderPrompt(inline, "Explain {instruction} literally.", [{ question: "other", solution: "other" }]);
  assert.ok(Array.isArray(prompt));
  assert.equal(prompt.length, 3);
  assert.equal(prompt[2]?.content, `Explain {instruction} literally.\n\n${STEP_BY_STEP_INSTRUCTION}`);
});

test("an empty instruction leaves no stray blank lines; other whitespace is kept as written", () => {
  assert.deepEqual(renderPrompt({ ...stepByStep, instruction: "" }, "Q?"), [{ role: "user", content: "Q?" }]);
  assert.deepEqual(renderPrompt({ ...stepByStep, instruction: "", user: "{instruction}\n\n{question}" }, "Q?"), [{ role: "user", content: "Q?" }]);
  assert.deepEqual(renderPrompt({ ...stepByStep, instruction: "", user: "A\n{instruction}\n\n{question}" }, "Q?"), [{ role: "user", content: "A\n\nQ?" }]);
  // The testbed format ends in a line break, which the reference model was trained to continue from.
  const testbed = PROMPT_TEMPLATES.testbed;
  assert.ok(testbed);
  assert.equal(renderPrompt({ ...stepByStep, ...testbed }, "Tom has 3 pens. How many?"), "Tom has 3 pens. How many?\n");
});
