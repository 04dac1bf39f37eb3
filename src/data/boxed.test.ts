import { test } from "node:test";
import assert from "node:assert/strict";
import { lastBoxed } from "./boxed.ts";

const cases: [string, string, string | undefined][] = [
  ["simple", "so the answer is $\\boxed{2}$.", "2"],
  ["nested braces", "$\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}"],
  ["deep nesting", "\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "\\left( 3, \\frac{\\pi}{2} \\right)"],
  ["last of several", "\\boxed{1} and then \\boxed{2}", "2"],
  ["fbox", "hence \\fbox{7}", "7"],
  ["fbox after boxed wins", "\\boxed{1} ... \\fbox{9}", "9"],
  ["boxed after fbox wins", "\\fbox{9} ... \\boxed{1}", "1"],
  ["escaped braces inside", "\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"],
  ["brace-less form (MATH release)", "our answer is $\\boxed 2$.", "2"],
  ["space before brace", "\\boxed {12}", "12"],
  ["text inside", "\\boxed{\\text{(A) } 0}", "\\text{(A) } 0"],
  ["empty box", "there are $\\boxed{}$ primes", ""],
  ["no box", "the answer is 5", undefined],
  ["unclosed", "\\boxed{\\frac{1}{2}", undefined],
  ["longer command is not a box", "\\boxedx{3}", undefined],
  ["boxed word without argument", "a \\boxed", undefined],
];

for (const [name, text, expected] of cases) {
  void test(`lastBoxed: ${name}`, () => {
    assert.equal(lastBoxed(text), expected);
  });
}

void test("lastBoxed is linear on long inputs (no catastrophic backtracking)", () => {
  const text = "\\boxed{" + "{".repeat(200_000);
  assert.equal(lastBoxed(text), undefined);
});
