import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanOutput } from "./clean.ts";

const cases: Array<[string, string, string]> = [
  ["keeps what follows a closed reasoning block", "<think>maybe 5? no, 6</think>\nThe answer is 6.", "\nThe answer is 6."],
  ["keeps everything when nothing follows the reasoning block", "<think>so it is \\boxed{6}</think>   ", "so it is \\boxed{6}   "],
  ["keeps an unclosed reasoning block (cut-off output)", "<think>still thinking about 7", "<think>still thinking about 7"],
  ["Unicode minus", "x = −5", "x = -5"],
  ["times and square root", "2×√3", "2\\times  sqrt3"],
  ["pi, infinity, inequalities", "π ≤ x < ∞", "\\pi  \\le  x < \\infty "],
  ["superscripts and degrees", "x² + 30°", "x^2 + 30^\\circ"],
  ["vulgar fractions", "½", "\\frac{1}{2}"],
  ["plus-minus", "±2", "\\pm 2"],
  ["no-break and zero-width spaces", "1\u00A0000\u200B", "1 000"],
  ["control characters dropped, newlines kept", "a\u0000b\u0007\nc", "ab\nc"],
  ["CRLF line ends", "a\r\nb\rc", "a\nb\nc"],
  ["bidi controls and emoji dropped", "\u202E✅ Final Answer: 5 🙂", " Final Answer: 5 "],
];

for (const [name, input, expected] of cases) {
  void test(`cleanOutput: ${name}`, () => assert.equal(cleanOutput(input), expected));
}
