/**
 * compareAnswers on parsed trees: one row per rule, true and false, with the reason that decided it.
 * (The regression tables under regressions/ exercise the same rules on real benchmark answers.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BudgetExceeded, metered, WorkBudget } from "./budget.ts";
import { casBridge } from "./cas.ts";
import { compareAnswers, expandPlusMinus } from "./compare.ts";
import { normalizeAnswer } from "./normalize.ts";
import { parseAnswer } from "./parse.ts";
import { nodeKey, type Node } from "./ast.ts";

function parsed(text: string): Node {
  const result = parseAnswer(normalizeAnswer(text));
  if (!result.ok) throw new Error(`${text}: ${result.reason}`);
  return result.node;
}

const context = { cas: casBridge() };

const rows: Array<[string, string, boolean | undefined, RegExp]> = [
  // numbers
  ["\\frac{1}{2}", "0.5", true, /exact/],
  ["\\frac{1}{2}", "0.50001", false, /different values/],
  ["025", "25", true, /same answer|exact/],
  ["27.0", "27", true, /exact|same/],
  ["\\frac{1}{3}", "0.3333", true, /approximation/],
  ["\\frac{1}{3}", "0.333", false, /different/],
  ["\\frac{1}{6}", "16.67\\%", true, /approximation/],
  ["\\frac{1}{6}", "16.66\\%", true, /approximation/],
  ["\\frac{1}{6}", "16.7\\%", false, /different/],
  ["\\frac{1}{6}", "16.68\\%", false, /different/],
  ["\\frac{1}{8}", "12.51\\%", false, /different/],
  ["\\frac{1}{8}", "0.1250001", false, /different/],
  ["\\sqrt{2}", "1.4142", true, /approximation/],
  ["\\sqrt{2}", "1.4143", false, /different/],
  ["0.125", "\\frac{1}{8}", true, /exact/],
  ["4.5e33", "4.46 \\times 10^{33}", true, /significant digits/],
  ["4.5e33", "4.4 \\times 10^{33}", false, /different/],
  ["25\\%", "25", true, /percent/],
  ["25\\%", "0.25", true, /exact/],
  ["0.25", "25\\%", true, /exact/],
  ["25", "0.25", false, /different/],
  // constants beyond float64
  ["\\frac{1}{2004!}", "\\frac{1}{2006!}", false, /different/],
  ["\\frac{\\sqrt{2}}{2004!}", "\\frac{\\sqrt{2}}{2006!}", false, /7 orders of magnitude apart/],
  ["\\frac{\\sqrt{2}}{2004!}", "\\frac{\\sqrt{3}}{2004!}", false, /different at 120 digits/],
  ["\\frac{\\sqrt{2}}{2004!}", "\\frac{\\sqrt{8}}{2 \\cdot 2004!}", true, /120 digits/],
  ["2^{100} + \\sqrt{2}", "2^{100} + \\sqrt{3}", false, /120 digits/],
  ["2", "\\frac{1}{0}", false, /divides by zero/],
  // symbolic
  ["(x+1)^2", "x^2+2x+1", true, /random points/],
  ["(x+1)^2", "x^2+x+1", false, /differ at/],
  ["\\frac{x^2-1}{x-1}", "x+1", true, /random points/],
  ["\\sin^2 x + \\cos^2 x", "1", true, /random points/],
  ["\\lfloor n/2 \\rfloor", "\\frac{n}{2}", false, /differ at/],
  ["n!", "\\Gamma", false, /differ|cannot/],
  ["2k", "2n", false, /differ at/],
  ["|x|", "x", false, /differ at/],
  ["|x|", "\\sqrt{x^2}", true, /random points/],
  ["|x - 1| + 1", "|1 - x| + 1", true, /random points/],
  ["\\sqrt{x^2}", "x", false, /differ at/],
  ["x", "\\sqrt{x^2}", false, /differ at/],
  ["\\sqrt{x^2}", "|x|", true, /random points/],
  ["\\sqrt{x}", "x^{1/2}", true, /random points/],
  ["\\sqrt[3]{x}", "x^{1/3}", true, /random points|CAS/],
  // relations
  ["x=5", "5", true, /exact|same/],
  ["5", "x = 5", true, /exact|same/],
  ["5", "x > 5", false, /relation where a value/],
  ["y = 2x+3", "2x - y + 3 = 0", true, /factor of -1/],
  ["y = 2x+3", "y = 2x + 4", false, /not proportional|differ/],
  ["x + y > 3", "3 < y + x", true, /factor/],
  ["x + y > 3", "x + y \\ge 3", false, /strict/],
  ["x + y > 3", "-x - y > -3", false, /direction/],
  ["k \\ge 2", "[2, \\infty)", true, /interval/],
  ["(2, \\infty)", "x > 2", true, /interval/],
  ["(2, \\infty)", "x \\ge 2", false, /open\/closed/],
  ["(3, 4]", "x = (3, 4]", true, /same/],
  ["(1, 2)", "P = (1, 2)", true, /same/],
  ["52_8", "n = 52_8", true, /same/],
  ["\\text{east}", "d = \\text{east}", true, /same/],
  ["-1, 3", "x \\in \\{-1, 3\\}", true, /order-free/],
  ["x = 2", "y = 2", false, /a value for y where x was asked/],
  ["\\text{no solution}", "\\emptyset", true, /empty set/],
  ["\\emptyset", "\\text{No solution}", true, /empty set/],
  ["\\emptyset", "\\text{no}", false, /./],
  ["\\text{no solution}", "\\{0\\}", false, /./],
  ["\\text{DNE}", "\\text{does not exist}", true, /same words/],
  ["4", "\\text{four}", true, /exact|same/],
  ["2", "\\{2\\}", true, /exact|same/],
  ["2", "\\{3\\}", false, /different/],
  ["2", "\\{2, 3\\}", false, /set where one value/],
  ["4", "\\text{five}", false, /different/],
  ["4", "\\text{banana}", false, /text answer where a value/],
  ["\\{1, 2\\}", "\\{1, 2, 2\\}", true, /order-free/],
  ["\\{1, 2\\}", "\\{2, 1, 1\\}", true, /order-free/],
  ["\\{1, 2\\}", "\\{1, 1\\}", false, /answers instead of|no match/],
  ["1, 2", "1, 2, 2", false, /3 answers instead of 2/],
  ["\\frac{5}{3}", "\\frac{5}{3} \\approx 1.67", true, /same|exact/],
  ["\\frac{5}{3}", "x = \\frac{5}{3} \\approx 1.67", true, /same|exact/],
  ["\\frac{5}{3}", "x \\approx 1.6667", true, /approximation/],
  ["\\frac{5}{3}", "\\frac{4}{3} \\approx 1.67", false, /different/],
  ["(-\\infty, -1) \\cup (1, \\infty)", "x < -1 \\text{ or } x > 1", true, /order-free/],
  ["(-\\infty, -1) \\cup (1, \\infty)", "x > 1 \\text{ or } x < -1", true, /order-free/],
  ["(-\\infty, -1) \\cup (1, \\infty)", "x \\le -1 \\text{ or } x > 1", false, /no match/],
  ["(-\\infty, -1) \\cup (1, \\infty)", "x < -1", false, /expected a union/],
  ["a = 2, b = 3", "a = 3, b = 2", false, /no match/],
  ["a = 2, b = 3", "b = 3, a = 2", true, /order-free/],
  ["y = 2x + 1", "f(x) = 2x + 1", true, /./],
  ["3:2", "6:4", true, /exact/],
  ["3:2", "\\frac{3}{2}", true, /exact|same/],
  ["3:2", "1.5", true, /exact/],
  ["3:2", "2:3", false, /different/],
  ["1:\\sqrt{3}", "\\frac{\\sqrt{3}}{3}", true, /./],
  ["\\{-1, 3\\}", "x \\in \\{3, -1\\}", true, /order-free/],
  ["-1, 3", "x \\in \\{-1, 4\\}", false, /no match/],
  ["5", "x \\in \\{5, 6\\}", false, /set where one value/],
  // structures
  ["1, 2", "2, 1", true, /order-free/],
  ["1, 2", "1, 2, 3", false, /3 answers instead of 2/],
  ["1, 3", "[1, 3]", false, /interval where a list/],
  ["(1, 2)", "(2, 1)", false, /entry 1/],
  ["(1, 2)", "1, 2", true, /in order/],
  ["\\{1, 2\\}", "(1, 2)", false, /tuple where a set/],
  ["(3, 4]", "(3, 4)", false, /upper end open\/closed/],
  ["(0,1) \\cup (2,3)", "(2,3) \\cup (0,1)", true, /order-free/],
  ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "(1, 2)", true, /in order/],
  ["\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix} 1 & 3 \\\\ 2 & 4 \\end{pmatrix}", false, /entry 2/],
  ["1 \\pm \\sqrt{2}", "1 + \\sqrt{2}", false, /1 answers instead of 2/],
  ["2 + 3i", "3i + 2", true, /exact/],
  ["2 + 3i", "2 - 3i", false, /different/],
  // words, choices, bases
  ["\\text{east}", "East", true, /same/],
  ["\\text{east}", "west", false, /instead of/],
  ["\\text{(C)}", "C", true, /choice/],
  ["\\text{(C)}", "(D)", false, /choice \(D\)/],
  ["52_8", "52", true, /digits/],
  ["52_8", "42", false, /digits/],
  ["52_8", "52_9", false, /base 9/],
];

for (const [gold, predicted, equal, reason] of rows) {
  void test(`compareAnswers(${gold}, ${predicted}) → ${equal}`, () => {
    const verdict = compareAnswers(parsed(gold), parsed(predicted), context);
    assert.equal(verdict.equal, equal, verdict.reason);
    assert.match(verdict.reason, reason);
  });
}

void test("asymmetric: a decimal for a repeating gold is accepted, the gold as decimal for an exact prediction is not", () => {
  assert.equal(compareAnswers(parsed("\\frac{1}{3}"), parsed("0.3333"), context).equal, true);
  assert.equal(compareAnswers(parsed("0.3333"), parsed("\\frac{1}{3}"), context).equal, false);
});

void test("asymmetric: a gold list takes a tuple of its answers, a gold set does not", () => {
  assert.equal(compareAnswers(parsed("1, 2"), parsed("(2, 1)"), context).equal, true);
  assert.equal(compareAnswers(parsed("\\{1, 2\\}"), parsed("(2, 1)"), context).equal, false);
});

void test("± expands with one sign per expression: (1 ± √5)/2 has two values", () => {
  assert.deepEqual(expandPlusMinus(parsed("\\frac{1 \\pm \\sqrt{5}}{2}")).map(nodeKey), ["((1+sqrt(5)))/(2)", "((1+-(sqrt(5))))/(2)"]);
});

void test("an exhausted work budget stops the comparison, naming the work it ran out on", () => {
  assert.throws(
    () => metered(new WorkBudget(50), () => compareAnswers(parsed("(x+1)^3"), parsed("x^3+3x^2+3x+1"), { cas: undefined })),
    (error: unknown) => error instanceof BudgetExceeded && error.guard === "work" && /work budget of 50 units exhausted/.test(error.message),
  );
});

void test("a passed wall-clock guard stops the comparison too, and says it is the wall clock", () => {
  assert.throws(
    () => metered(new WorkBudget(Infinity, -1), () => compareAnswers(parsed("(x+1)^3"), parsed("x^3+3x^2+3x+1"), { cas: undefined })),
    (error: unknown) => error instanceof BudgetExceeded && error.guard === "wall",
  );
});

void test("without the CAS, what float64 cannot decide stays undecided", () => {
  const verdict = compareAnswers(parsed("\\frac{\\sqrt{2}}{2004!}"), parsed("\\frac{\\sqrt{3}}{2004!}"), { cas: undefined });
  assert.equal(verdict.equal, undefined);
  assert.match(verdict.reason, /cannot decide/);
});
