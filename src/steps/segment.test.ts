/** Step segmentation on the shapes model outputs take. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { segmentSteps } from "./segment.ts";

const shape = (text: string): [number | undefined, string][] => segmentSteps(text).map((segment) => [segment.label, segment.body]);

const cases: [string, string, [number | undefined, string][]][] = [
  ["format-aligned", "Step 1: A: 4 * 6 = 24.\nStep 2: B: 24 + 7 = 31.\n\\boxed{31}", [
    [1, "A: 4 * 6 = 24."], [2, "B: 24 + 7 = 31."], [undefined, "\\boxed{31}"]]],
  ["markdown labels and a preamble", "Let's solve it.\n\n**Step 1:** Tom has 24.\n### Step 2. Ann has 31.\n- Step 3) Together 55.\n\nThe answer is 55.", [
    [undefined, "Let's solve it."], [1, "Tom has 24."], [2, "Ann has 31."], [3, "Together 55."], [undefined, "The answer is 55."]]],
  ["labels inside one line", "Step 1: 4 * 6 = 24. Step 2: 24 + 7 = 31. So \\boxed{31}.", [
    [1, "4 * 6 = 24."], [2, "24 + 7 = 31. So \\boxed{31}."]]],
  ["a multi-line step", "Step 1: First,\nwe multiply 4 * 6 = 24.\nStep 2: Done.", [
    [1, "First,\nwe multiply 4 * 6 = 24."], [2, "Done."]]],
  ["no labels: sentences and lines", "Tom has 4 * 6 = 24 apples. Ann has 24 + 7 = 31!\nSo 3.5 is not split.", [
    [undefined, "Tom has 4 * 6 = 24 apples."], [undefined, "Ann has 24 + 7 = 31!"], [undefined, "So 3.5 is not split."]]],
  ["empty", "", []],
  ["the word step mid-sentence is not a label", "In this step 2 things happen.", [[undefined, "In this step 2 things happen."]]],
];

void test("segments: labels, bodies, and the answer line split from the last step", () => {
  for (const [name, text, expected] of cases) assert.deepEqual(shape(text), expected, name);
});

void test("offsets are exact: text, body and positions agree with the original", () => {
  const text = "Intro.\n  **Step 1:** 4 * 6 = 24.\nStep 2: 24 + 7 = 31.\n\\boxed{31}";
  for (const segment of segmentSteps(text)) {
    assert.equal(text.slice(segment.start, segment.end), segment.text);
    assert.equal(text.slice(segment.bodyStart, segment.bodyStart + segment.body.length), segment.body);
  }
  assert.deepEqual(segmentSteps(text).map((segment) => segment.index), [0, 1, 2, 3]);
});
