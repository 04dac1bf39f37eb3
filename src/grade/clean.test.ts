import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanOutput } from "./clean.ts";

const cases: Array<[string, string, string]> = [
  ["keeps what follows a closed reasoning block", "<think>maybe 5? no, 6</think>\nThe answer is 6.", "\nThe answer is 6."],
  ["keeps everything when nothing follows the reasoning block", "<think>so it is \\boxed{6}</think>   ", "so it is \\boxed{6}   "],
  ["keeps an unclosed reasoning block (cut-off output)", "<think>still thinking about 7", "<think>still thinking about 7"],
  ["Unicode minus", "x = −5", "x = -5"],
  ["times and square root", "2×√3", "2\\times  sqrt3"],
  ["pi, infinity, inequalities", "π ≤ x < ∞", "\\pi \\le x < \\infty "],
  ["a symbol spelled as a command takes the spaces after it (one run of math)", "6 × 10 ÷ 2 = 30", "6 \\times 10 \\div 2 = 30"],
  ["a spaced en dash between numbers is a minus; a range is not", "22 – 7 = 15, pages 10–20", "22 - 7 = 15, pages 10–20"],
  ["GSM8K calculator annotations dropped", "2+1=<<2+1=3>>3 bolts and $50 - $33 = $<<50-33=17>>17.", "2+1=3 bolts and $50 - $33 = $17."],
  ["digits spaced inside \\mathbf are one number", "so $n=\\mathbf{1 9 1 3 3}$ and $\\mathbf{v}$", "so $n=\\mathbf{19133}$ and $\\mathbf{v}$"],
  ["answer tags read as an answer label", "<think>41?</think>\n<answer> 42 </answer>\n\nI used 13 steps.", "\n\nAnswer: 42\n\n\nI used 13 steps."],
  ["a sign and digits spaced inside \\mathbf, or before a constant", "$\\mathbf{- 1 0}$ and $\\frac{\\mathbf{6 7 \\pi}}{\\mathbf{3}}$", "$\\mathbf{-10}$ and $\\frac{\\mathbf{67 \\pi}}{\\mathbf{3}}$"],
  ["<< without an annotation stays", "a << b and 1 << 3 >> 2", "a << b and 1 << 3 >> 2"],
  ["superscripts and degrees", "x² + 30°", "x^2 + 30^\\circ"],
  ["vulgar fractions", "½", "\\frac{1}{2}"],
  ["plus-minus", "±2", "\\pm 2"],
  ["no-break and zero-width spaces", "1\u00A0000\u200B", "1 000"],
  ["control characters dropped, newlines kept", "a\u0000b\u0007\nc", "ab\nc"],
  ["CRLF line ends", "a\r\nb\rc", "a\nb\nc"],
  ["drops the next few-shot item a base model invents", "The answer is 18.\n\nQuestion: Tom has 3 pens?\nAnswer: 3", "The answer is 18.\n"],
  ["drops an invented Q: / Problem: item", "x = 4\n  Q: next\nA: 1\nProblem: more", "x = 4"],
  ["keeps a question restated at the start", "\nQuestion: Tom has 3 pens?\nAnswer: 3", "\nQuestion: Tom has 3 pens?\nAnswer: 3"],
  ["keeps a question word inside a line", "The Question: is 3 the answer? Yes, 3", "The Question: is 3 the answer? Yes, 3"],
  ["bidi controls and emoji dropped", "\u202E✅ Final Answer: 5 🙂", " Final Answer: 5 "],
];

for (const [name, input, expected] of cases) {
  void test(`cleanOutput: ${name}`, () => assert.equal(cleanOutput(input), expected));
}
