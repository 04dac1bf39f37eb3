/** The whole pipeline: statuses, reasons, flags, the gold cache, and the asymmetric isEquivalent. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGrader, gradeOutput, isEquivalent } from "./grade.ts";

const grader = createGrader();

const rows: Array<[string, string, string, string | null, RegExp]> = [
  // [gold, output, status, extracted, reason]
  ["\\frac{14}{3}", "So $x = \\boxed{\\dfrac{14}{3}}$.", "correct", "\\dfrac{14}{3}", /identical after normalization|exact/],
  ["\\frac{14}{3}", "So $x = \\boxed{\\frac{3}{14}}$.", "wrong", "\\frac{3}{14}", /different values/],
  ["18", "", "no_answer", null, /empty output/],
  ["18", "   \n  ", "no_answer", null, /empty output/],
  ["18", "I am not sure how to solve this.", "no_answer", null, /no answer marker/],
  ["18", "The answer is \\boxed{}.", "no_answer", "", /no answer marker|empty/],
  ["18", "The answer is $\\boxed{\\frac{1}{$", "unparsable", "\\boxed{\\frac{1}{", /unreadable/],
  ["18", "She makes 9 * 2 = 18 dollars", "correct", "18", /last_statement fallback/],
  ["18", "She makes 9 * 2 = 20 dollars", "wrong", "20", /last_statement fallback; different/],
  ["\\text{(C)}", "Looking at the options, (C) is right since the others fail.", "correct", "(C)", /choice fallback/],
  ["\\text{(C)}", "\\boxed{(D)}", "wrong", "(D)", /choice \(D\) instead of \(C\)/],
  ["\\text{(A)}", "\\boxed{\\text{A and B}}", "wrong", "\\text{A and B}", /several choices/],
  ["\\text{(A)}", "\\boxed{(A) \\text{ or } (B)}", "wrong", "(A) \\text{ or } (B)", /several choices/],
  ["\\text{(A)}", "\\boxed{A, C}", "wrong", "A, C", /several choices|choice/],
  ["\\text{(A)}", "\\boxed{\\text{(A) } 12}", "correct", "\\text{(A) } 12", /choice \(A\)/],
  ["\\text{(A)}", "\\boxed{A. 12, since B fails}", "correct", "A. 12, since B fails", /choice \(A\)/],
  ["5", "\\boxed{\\text{banana}}", "wrong", "\\text{banana}", /text answer where a value/],
  ["\\frac{1}{3}", "\\boxed{0.\\overline{3}}", "correct", "0.\\overline{3}", /identical after normalization|exact/],
  ["\\frac{1}{3}", "\\boxed{0.\\overline{33}4}", "wrong", "0.\\overline{33}4", /different values/],
  ["(-\\infty,\\infty)", "\\boxed{\\mathbb{R}}", "correct", "\\mathbb{R}", /identical after normalization|same interval/],
  ["0.5", "\\boxed{0{,}5}", "correct", "0{,}5", /identical after normalization|exact/],
  ["-5", "\\boxed{\u20135}", "correct", "\u20135", /identical after normalization|exact/],
  ["\\frac{3}{4}", "\\boxed{{3}\\over{4}}", "correct", "{3}\\over{4}", /identical after normalization|exact/],
  ["2 1/3", "\\boxed{\\frac{7}{3}}", "correct", "\\frac{7}{3}", /exact/],
  ["\\frac{7}{3}", "So she has 2 1/3 cups left.", "correct", "2 1/3", /exact/],
  ["t(0,4]", "\\boxed{(0,4]}", "unparsable", "(0,4]", /gold answer unreadable: arithmetic on a tuple/],
  // A spelled number, alone or with a label word; with a second number word, a scale word or "or" it is not that number.
  ["18", "Eighteen.", "correct", "Eighteen", /last_statement fallback; same expression/],
  ["10", "Therefore the answer is ten cookies.", "correct", "ten cookies", /same expression/],
  ["20", "The answer is twenty one.", "wrong", "twenty one", /text answer where a value/],
  ["2", "The answer is two hundred.", "wrong", "two hundred", /text answer where a value/],
  ["10", "The answer is ten or eleven.", "wrong", "ten or eleven", /text answer where a value/],
  // A note after the conclusion is an aside; "Note that" inside the working is not.
  ["18", "So she makes $18.\n\nNote: this assumes she sells all 9 eggs at $2 each.", "correct", "18", /identical/],
  ["18", "So she makes $18.\n\n(Note: 9 eggs at $2 each.)", "correct", "18", /identical/],
  ["8", "So the first part is 5. Note that the second part is 3 + 5 = 8.", "correct", "8", /last_statement fallback/],
  // The next few-shot item a base model invents is not its answer; a question restated first is kept.
  ["18", "The answer is 18.\n\nQuestion: John has 5 apples. How many does he have?\nAnswer: The answer is 5.", "correct", "18", /identical/],
  ["18", "She makes 9 * 2 = 18 dollars.\nQ: Tom has 3 pens. How many?\nA: 3", "correct", "18", /last_statement fallback/],
  ["5", "Question: John has 5 apples. How many does he have?\nAnswer: The answer is 5.", "correct", "5", /identical/],
];

for (const [gold, output, status, extracted, reason] of rows) {
  void test(`grade(${gold}, ${JSON.stringify(output.slice(0, 40))}) → ${status}`, () => {
    const result = grader.grade(gold, output);
    assert.equal(result.status, status, result.reason);
    assert.equal(result.correct, status === "correct");
    assert.equal(result.extracted, extracted);
    assert.match(result.reason, reason);
  });
}

void test("a fallback extraction is flagged in the result", () => {
  assert.equal(grader.grade("7", "3 + 4 = 7").fallback, true);
  assert.equal(grader.grade("7", "3 + 4 = 7").method, "last_statement");
  assert.equal(grader.grade("7", "\\boxed{7}").fallback, false);
});

void test("with the last-number fallback off, an unmarked output has no answer", () => {
  const strict = createGrader({ lastNumberFallback: false });
  assert.equal(strict.grade("7", "3 + 4 = 7").status, "no_answer");
});

void test("a passed wall-clock guard times out instead of grading, and says it was the wall clock", () => {
  const hurried = createGrader({ timeBudgetMs: -1 });
  const result = hurried.grade("(x+1)^2", "\\boxed{x^2+2x+1}");
  assert.equal(result.status, "timeout");
  assert.equal(result.guard, "wall");
  assert.match(result.reason, /wall-clock guard/);
});

void test("an exhausted work budget times out the same way on every run, and says it was the work budget", () => {
  const frugal = createGrader({ workBudget: 200 });
  const results = [1, 2, 3].map(() => frugal.grade("(x+1)^2", "\\boxed{x^2+2x+1}"));
  for (const result of results) {
    assert.equal(result.status, "timeout");
    assert.equal(result.guard, "work");
    assert.match(result.reason, /work budget of 200 units exhausted/);
  }
  assert.deepEqual(results[0], results[2]);
});

void test("isEquivalent is asymmetric: the gold sets the kind of answer", () => {
  assert.equal(isEquivalent("\\frac{1}{3}", "0.3333"), true);
  assert.equal(isEquivalent("0.3333", "\\frac{1}{3}"), false);
  assert.equal(isEquivalent("52_8", "52"), true);
  assert.equal(isEquivalent("52", "52_8"), false);
  assert.equal(isEquivalent("1, 2", "(1, 2)"), true);
  assert.equal(isEquivalent("(1, 2)", "2, 1"), false);
});

void test("isEquivalent reads model text: Unicode, units, x = prefixes", () => {
  assert.equal(isEquivalent("-\\frac{\\pi}{6}", "−π/6"), true);
  assert.equal(isEquivalent("15", "15 \\text{ cm}^2"), true);
  assert.equal(isEquivalent("5", "x = 5"), true);
});

void test("a gold whose digit groups would list a zero-padded item is a number, never a list", () => {
  assert.equal(isEquivalent("1,000", "1,0000"), false);
  assert.equal(isEquivalent("1,000", "1,0"), false);
  assert.equal(isEquivalent("10,050", "10, 50"), false);
  assert.equal(isEquivalent("1,000", "1000"), true);
  assert.equal(isEquivalent("10,050", "10050"), true);
});

void test("digit-group commas are retried as separators when the gold is a list", () => {
  assert.equal(isEquivalent("100, 200", "100,200"), true);
  assert.equal(isEquivalent("100200", "100,200"), true);
  assert.equal(isEquivalent("100, 201", "100,200"), false);
});

void test("gradeOutput uses one shared grader", () => {
  assert.equal(gradeOutput("4", "\\boxed{2+2}").status, "correct");
});

void test("grading is deterministic: the same item twice gives the same verdict and reason", () => {
  const first = createGrader().grade("x^5 - x^4 + x^3 - x^2 + x - 1", "\\boxed{(x-1)(x^4+x^2+1)}");
  const second = createGrader().grade("x^5 - x^4 + x^3 - x^2 + x - 1", "\\boxed{(x-1)(x^4+x^2+1)}");
  assert.deepEqual(first, second);
});
