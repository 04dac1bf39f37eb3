import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalNumber, gsm8kFinalAnswer, gsm8kSolutionBody, stripMathDelimiters } from "./answers.ts";

const numbers: [number | string, string][] = [
  [27.0, "27"],
  [-1.0, "-1"],
  [-0, "0"],
  [0.5, "0.5"],
  [70, "70"],
  ["025", "25"],
  ["000", "0"],
  ["-007", "-7"],
  ["+5", "5"],
  ["27.0", "27"],
  ["27.50", "27.5"],
  ["-0.50", "-0.5"],
  [" 12 ", "12"],
  ["\\frac{1}{2}", "\\frac{1}{2}"],
  ["1e-1", "1e-1"],
  ["3.14.15", "3.14.15"],
];
for (const [input, expected] of numbers) {
  void test(`canonicalNumber(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(canonicalNumber(input), expected);
  });
}

void test("canonicalNumber rejects non-finite numbers", () => {
  assert.throws(() => canonicalNumber(Number.NaN), RangeError);
});

const gsm8k: [string, string | undefined][] = [
  ["She makes 9 * 2 = $<<9*2=18>>18.\n#### 18", "18"],
  ["...\n#### 1,450,000", "1450000"],
  ["...\n####  -3 ", "-3"],
  ["a #### in the text\n#### 5", "5"],
  ["no marker here", undefined],
  ["#### ", undefined],
];
for (const [solution, expected] of gsm8k) {
  void test(`gsm8kFinalAnswer(${JSON.stringify(solution)})`, () => {
    assert.equal(gsm8kFinalAnswer(solution), expected);
  });
}

void test("gsm8kSolutionBody drops the final #### line and keeps calculator annotations", () => {
  assert.equal(gsm8kSolutionBody("2/2=<<2/2=1>>1 bolt\n#### 3"), "2/2=<<2/2=1>>1 bolt");
});

const olympiad: [string, string][] = [
  ["$69$,$84$", "69,84"],
  ["$(1,8,19), (2,7,13)$", "(1,8,19), (2,7,13)"],
  ["1,3,5", "1,3,5"],
  ["$(-\\infty, 0) \\cup\\{1\\}$.", "(-\\infty, 0) \\cup\\{1\\}"],
  ["$f(n)=n$, $g(n)=1$", "f(n)=n, g(n)=1"],
  ["$\\$5$", "\\$5"],
];
for (const [input, expected] of olympiad) {
  void test(`stripMathDelimiters(${JSON.stringify(input)}) = ${expected}`, () => {
    assert.equal(stripMathDelimiters(input), expected);
  });
}
