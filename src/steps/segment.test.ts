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

const kinds = (text: string): [string, string][] => segmentSteps(text).map((segment) => [segment.kind, segment.text]);

const freeCases: [string, string, [string, string][]][] = [
  ["display equations are their own steps, the lone period after one joins it",
    "We need the total.\n$$4 \\times 6 = 24.$$\nThen we add. \\[24 + 7 = 31\\]. So Ann has 31.", [
      ["sentence", "We need the total."], ["display", "$$4 \\times 6 = 24.$$"], ["sentence", "Then we add."],
      ["display", "\\[24 + 7 = 31\\]."], ["sentence", "So Ann has 31."]]],
  ["an align block over several lines is one step, its `\\\\` and periods untouched",
    "First:\n\\begin{align*}\nx &= 3. \\\\\n2x &= 6.\n\\end{align*}\nDone.", [
      ["sentence", "First:"], ["display", "\\begin{align*}\nx &= 3. \\\\\n2x &= 6.\n\\end{align*}"], ["sentence", "Done."]]],
  ["no split inside inline math, decimals, abbreviations or after list numbers",
    "1. Tom pays $3.5 \\cdot 2 = 7. Then$ more, e.g. Ann. The rate is 2.5 per hour, approx. half.\n2. Next, i.e. Ben pays 4 vs. 5 dollars.", [
      ["sentence", "1. Tom pays $3.5 \\cdot 2 = 7. Then$ more, e.g. Ann."], ["sentence", "The rate is 2.5 per hour, approx. half."],
      ["sentence", "2. Next, i.e. Ben pays 4 vs. 5 dollars."]]],
  ["currency dollars are not math: sentences still split",
    "It costs $3. Then $5 more. Total $8!", [["sentence", "It costs $3."], ["sentence", "Then $5 more."], ["sentence", "Total $8!"]]],
  ["paragraphs and the answer",
    "Tom has 24 apples.\n\nAnn has 31 apples. Together 55.\n\nThe answer is $\\boxed{55}$.", [
      ["sentence", "Tom has 24 apples."], ["sentence", "Ann has 31 apples."], ["sentence", "Together 55."], ["answer", "The answer is $\\boxed{55}$."]]],
  ["a period inside a box does not end the sentence", "So \\boxed{3. 5} is it. Yes.", [["answer", "So \\boxed{3. 5} is it."], ["sentence", "Yes."]]],
  ["labels inside display math are not labels", "Step 1: We write\n$$\\text{Step 2: } 4 + 4 = 8$$\nStep 2: 8 * 2 = 16.", [
    ["step", "Step 1: We write\n$$\\text{Step 2: } 4 + 4 = 8$$"], ["step", "Step 2: 8 * 2 = 16."]]],
];

void test("free text: display equations, sentences, lines, and what must not be split", () => {
  for (const [name, text, expected] of freeCases) assert.deepEqual(kinds(text), expected, name);
});

void test("paragraph numbers count blank-line blocks", () => {
  const text = "A one.\nA two.\n\n  B one. B two.\n\n\nC one.";
  assert.deepEqual(segmentSteps(text).map((segment) => segment.paragraph), [0, 0, 1, 1, 2]);
});

void test("offsets stay exact on every case", () => {
  for (const [, text] of [...freeCases, ...cases]) {
    let previousEnd = 0;
    for (const segment of segmentSteps(text)) {
      assert.equal(text.slice(segment.start, segment.end), segment.text);
      assert.equal(text.slice(segment.bodyStart, segment.bodyStart + segment.body.length), segment.body);
      assert.ok(segment.start >= previousEnd, "segments are ordered and disjoint");
      previousEnd = segment.end;
    }
  }
});
