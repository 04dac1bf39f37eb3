import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeAnswer, stripMathDelimiters } from "./normalize.ts";

const cases: Array<[string, string]> = [
  ["$\\frac{1}{2}$", "\\frac{1}{2}"],
  ["$$x+1$$", "x+1"],
  ["\\(3\\)", "3"],
  ["\\boxed{\\frac{1}{2}}", "\\frac{1}{2}"],
  ["$\\boxed{ 7 }$", "7"],
  ["\\boxed{1} + \\boxed{2}", "\\boxed{1} + \\boxed{2}"],
  ["\\[ 7 \\]", "7"],
  ["\\dfrac{14}{3}", "\\frac{14}{3}"],
  ["\\tfrac12", "\\frac12"],
  ["\\dbinom{5}{2}", "\\binom{5}{2}"],
  ["\\left( 3, \\frac{\\pi}{2} \\right)", "( 3, \\frac{\\pi}{2} )"],
  ["\\left\\{ 1, 2 \\right\\}", "\\{ 1, 2 \\}"],
  ["\\left. x \\right|", "x |"],
  ["\\bigl( a \\bigr)", "( a )"],
  ["10,\\!080", "10,080"],
  ["11,\\! 111,\\! 111,\\! 100", "11,111,111,100"],
  ["1{,}000", "1,000"],
  ["1\\,000", "1,000"],
  ["a \\, b \\; c \\quad d", "a b c d"],
  ["90^\\circ", "90"],
  ["90^{\\circ}", "90"],
  ["45°", "45"],
  ["25\\%", "25\\%"],
  ["25%", "25\\%"],
  ["\\$18.90", "18.90"],
  ["864 \\mbox{ inches}^2", "864"],
  ["5.4 \\text{ cents}", "5.4"],
  ["\\frac{270}7\\text{ degrees}", "\\frac{270}7"],
  ["15 \\text{ cm}^2", "15"],
  ["162\\text{ minutes}", "162"],
  ["12 dollars", "12"],
  ["3 square feet", "3"],
  ["\\text{Evelyn}", "\\text{Evelyn}"],
  ["\\textbf{(C)}", "\\text{(C)}"],
  ["\\text{13}", "13"],
  ["\\mathrm{e}^{x}", "e^{x}"],
  ["x \\leq 3", "x \\le 3"],
  ["k \\geqslant 2", "k \\ge 2"],
  ["a \\neq b", "a \\ne b"],
  ["5.", "5"],
  ["x = 2;", "x = 2"],
  ["\\displaystyle \\frac{1}{2}", "\\frac{1}{2}"],
  ["np.arcsin(10/13)", "arcsin(10/13)"],
  ["$69$,$84$", "69 , 84"],
  ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"],
  ["\u20135", "-5"],
  ["(\u20131, 2)", "(-1, 2)"],
  ["3\u20135", "3\u20135"],
  ["\\minus 5", "- 5"],
  ["{3}\\over{4}", "\\frac{3}{4}"],
  ["{3 \\over 4}", "\\frac{3 }{ 4}"],
  ["\\mathbb{R}", "(-\\infty,\\infty)"],
  ["x \\in \\mathbb R", "x \\in (-\\infty,\\infty)"],
  ["\\mathbb{R}^2", "\\mathbb{R}^2"],
  ["0.\\overline{3}", "\\frac{1}{3}"],
  ["1.2\\overline{45}", "\\frac{137}{110}"],
  ["0.\\overline{9}", "1"],
  ["\\overline{AB}", "\\overline{AB}"],
  ["0{,}5", "0.5"],
  ["3{,}14", "3.14"],
  ["1{,}000{,}000", "1,000,000"],
  ["2 1/3", "2\\frac{1}{3}"],
  ["-1 3/4", "-1\\frac{3}{4}"],
  ["2 4/3", "2 4/3"],
  ["5\\over2", "\\frac{5}{2}"],
  ["\\text{-}3", "-3"],
  ["\\text{infinity}", "\\infty"],
  ["1011_{(2)}", "1011_{2}"],
  ["(1011)_2", "1011_2"],
  ["1 000", "1000"],
  ["1 000 000.5", "1000000.5"],
  ["12 345", "12345"],
  ["1 00", "1 00"],
  ["\\text{A,D}", "A,D"], // several choice letters: a list of them
  ["\\text{B, E, G}.", "B, E, G"],
  ["\\text{yes, no}", "\\text{yes, no}"],
  ["\\frac{\\pi}{6} + k\\pi \\text{ for } k \\in \\mathbb{Z}", "\\frac{\\pi}{6} + k\\pi"], // a trailing qualifier
  ["5 \\quad \\text{for all } n", "5"],
  ["1 0 8", "108"], // single digits spaced: LaTeX's math mode renders 108 (OlympiadBench writes \mathbf{1 0 8})
  ["\\mathbf{2 3}", "23"],
  ["-2 3", "-23"],
  ["2 3x", "2 3x"],
  ["7 \\pmod{9}", "7"],
  ["10^{\\circ}C", "10"],
  ["2.3 \\times 10^5 \\text{ J}", "2.3 \\times 10^5"],
  ["230000 \\mathrm{~J}", "230000"],
  ["\\frac{1}{4} \\text{ m}", "\\frac{1}{4}"],
  ["12\\mathrm{kg\\cdot m^2}", "12"],
  ["4:30 \\text{ p.m.}", "4:30pm"],
  ["2\\mathrm{i}", "2i"],
  ["90\\deg", "90"],
  ["\\deg(p)", "\\deg(p)"],
  ["USD 1000", "1000"],
  ["\\text{Rs. }50", "50"],
  ["\u20ac50", "50"],
  ["50\u20ac", "50"],
  ["\u00a31,000", "1,000"],
  ["-5^\\circ \\mathrm{F}", "-5"],
  ["30^\\circ + C", "30 + C"],
  ["x \\equiv 7 \\pmod 9", "x \\equiv 7"],
  ["7 \\mod 9", "7"],
  ["7 (\\bmod 9)", "7"],
  ["7 (mod 9)", "7"],
  ["\\approx 1.6667", "1.6667"],
  ["12 \\, \\text{m}^2", "12"],
  ["5\\mathrm{~g}", "5"],
  ["2\\mathrm{e}", "2e"],
];

for (const [input, expected] of cases) {
  void test(`normalizeAnswer(${JSON.stringify(input)})`, () => assert.equal(normalizeAnswer(input), expected));
}

void test("stripMathDelimiters peels nested delimiters but not partial ones", () => {
  assert.equal(stripMathDelimiters("$\\(x\\)$"), "x");
  assert.equal(stripMathDelimiters("$a$ and $b$"), "$a$ and $b$");
});

void test("normalizing is idempotent on the MATH-500 style forms", () => {
  for (const [input] of cases) {
    const once = normalizeAnswer(input);
    assert.equal(normalizeAnswer(once), once, input);
  }
});

void test("label words closing a value are dropped from golds and predictions alike; meaningful words stay", () => {
  assert.equal(normalizeAnswer("65 \\text{ children tickets }"), "65");
  assert.equal(normalizeAnswer("9 \\text{ multiples}"), "9");
  assert.equal(normalizeAnswer("18\\text{ ways.}"), "18");
  assert.equal(normalizeAnswer("65 children tickets"), "65");
  assert.equal(normalizeAnswer("19 \\text{ and }43"), "19 \\text{ and }43");
  assert.equal(normalizeAnswer("R + C + 2RC"), "R + C + 2RC");
  assert.equal(normalizeAnswer("0.5 ab"), "0.5 ab");
  assert.equal(normalizeAnswer("4 pi"), "4 pi");
  assert.equal(normalizeAnswer("\\text{Evelyn}"), "\\text{Evelyn}");
});

void test("a stray backslash before a digit is a typo; times of day and ratios get one spelling", () => {
  assert.equal(normalizeAnswer("\\15"), "15");
  assert.equal(normalizeAnswer("\\$\\15"), "15");
  assert.equal(normalizeAnswer("\\text{1:03 PM}"), "1:03pm");
  assert.equal(normalizeAnswer("9\\text{ a.m.}"), "9:00am");
  assert.equal(normalizeAnswer("3 : 1"), "3:1");
});
