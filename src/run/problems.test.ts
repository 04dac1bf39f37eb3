import assert from "node:assert/strict";
import { test } from "node:test";
import { PROMPT_TEMPLATES } from "../study/templates.ts";
import type { PromptSpec } from "../study/index.ts";
import { renderPrompt } from "../study/templates.ts";
import { sharedDataDir } from "../testing/paths.ts";
import { fewShotExamples } from "./problems.ts";

const template = PROMPT_TEMPLATES["question-answer"]!;
const prompt = (fewShot: number): PromptSpec => ({
  template: "question-answer",
  style: template.style,
  instruction: template.instruction,
  user: template.user,
  fewShot,
  fewShotSplit: "train",
  stop: template.stop,
});

test("GSM8K few-shot examples show the answer line as lm-eval's task does: the worked solution, then #### <answer>", async () => {
  const examples = await fewShotExamples({ benchmark: "gsm8k", split: "test", seed: 0 }, prompt(3), { dataDir: sharedDataDir });
  assert.equal(examples.length, 3);
  for (const example of examples) {
    assert.match(example.solution, /<<[^>]*=[^>]*>>/, "calculator annotations kept, as the source writes them");
    assert.match(example.solution, /\n#### -?[\d,.]+$/);
    assert.equal(example.solution.match(/####/g)?.length, 1);
  }
  const rendered = renderPrompt(prompt(3), "Tom has 3 pens. How many pens does Tom have?", examples) as string;
  assert.equal(rendered.match(/\n#### /g)?.length, 3);
  assert.ok(rendered.endsWith("Question: Tom has 3 pens. How many pens does Tom have?\nAnswer:"));
});

test("a MATH example is its reference solution as it is: its answer is already in a box", async () => {
  const examples = await fewShotExamples({ benchmark: "math", split: "test", seed: 0 }, prompt(2), { dataDir: sharedDataDir });
  assert.equal(examples.length, 2);
  for (const example of examples) {
    assert.match(example.solution, /\\boxed\{/);
    assert.doesNotMatch(example.solution, /####/);
  }
});
