/**
 * Pathological inputs: what a broken (or quantized) model and a hostile file can feed the grader.
 * Every one must come back as data (a status and a reason) inside the work budget and without the wall-clock
 * guard deciding, in-process and through the worker pool (where a hard wall-clock guard stands behind it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_WORK_BUDGET } from "../budget.ts";
import { createGrader } from "../grade.ts";
import { GradePool } from "../pool.ts";
import type { GradeStatus } from "../types.ts";

const prose = "We consider the sequence and simplify each term carefully. ";
const cases: Array<{ name: string; gold: string; output: string; status: GradeStatus | GradeStatus[] }> = [
  { name: "empty output", gold: "5", output: "", status: "no_answer" },
  // Runs that made a pattern backtrack past the wall-clock guard before 2026-12-08 (asterisks: exponentially).
  { name: "a label, then 4k asterisks", gold: "5", output: `Answer:${"*".repeat(4000)} 5`, status: "correct" },
  { name: "a sentence end, then 20k spaces", gold: "5", output: `So x.${" ".repeat(20_000)}5`, status: "correct" },
  { name: "a box of 20k spaces and a modulus", gold: "5", output: `\\boxed{5${" ".repeat(20_000)}\\pmod{7}}`, status: "correct" },
  { name: "an answer tag never closed (its tags are left as text; the last number states 5)", gold: "5", output: `<answer>${" ".repeat(20_000)}5 ${"<answer>a ".repeat(2000)}`, status: "correct" },
  { name: "a double sum with an infinite range", gold: "1", output: "\\boxed{\\sum_{k=2}^\\infty \\sum_{j=2}^{2008} \\frac{1}{j^k}}", status: "unparsable" },
  { name: "20k characters of prose, answer boxed at the end", gold: "42", output: `${prose.repeat(340)}So the answer is \\boxed{42}.`, status: "correct" },
  { name: "20k characters of a repetition loop (no answer)", gold: "42", output: "and then we and then we ".repeat(850), status: "no_answer" },
  { name: "a loop repeating a wrong answer", gold: "42", output: "The answer is 41. ".repeat(1100), status: "wrong" },
  { name: "20k digits", gold: "42", output: "7".repeat(20_000), status: "unparsable" },
  { name: "a 20k-character box", gold: "42", output: `\\boxed{${"x+".repeat(10_000)}1}`, status: "unparsable" },
  { name: "10,000 boxes", gold: "1", output: "\\boxed{1} ".repeat(10_000), status: "correct" },
  { name: "10,000 unclosed boxes", gold: "1", output: "\\boxed{".repeat(10_000), status: ["unparsable", "no_answer"] },
  { name: "5,000 nested parentheses", gold: "1", output: `\\boxed{${"(".repeat(5000)}1${")".repeat(5000)}}`, status: "unparsable" },
  // Too deep for our parser; the CAS may read it (its value is 2) or overflow its stack, depending on the thread's stack size.
  { name: "3,000 nested fractions", gold: "1", output: `\\boxed{${"\\frac{1}{".repeat(3000)}2${"}".repeat(3000)}}`, status: ["unparsable", "wrong"] },
  { name: "10,000 nested braces", gold: "1", output: `\\boxed{${"{".repeat(10_000)}1${"}".repeat(10_000)}}`, status: "unparsable" },
  { name: "unbalanced: box never closed (cut off after a complete answer)", gold: "\\frac{1}{2}", output: "so \\boxed{\\frac{1}{2}", status: "correct" },
  { name: "unbalanced: box cut off mid-answer", gold: "\\frac{1}{2}", output: "so \\boxed{\\frac{1}{", status: "unparsable" },
  { name: "unbalanced: extra closing braces", gold: "5", output: "\\boxed{5}}}}}", status: "correct" },
  { name: "unbalanced: brace soup", gold: "5", output: "\\boxed{}{}{}}{{{", status: "no_answer" },
  { name: "unbalanced parentheses in the answer", gold: "(1,2)", output: "\\boxed{(1,2}", status: "unparsable" },
  { name: "10^{10^{10}} against itself", gold: "10^{10^{10}}", output: "\\boxed{10^{10^{10}}}", status: "correct" },
  { name: "10^{10^{10}} against 10^{10^{10}} + 1", gold: "10^{10^{10}}", output: "\\boxed{10^{10^{10}}+1}", status: "unparsable" },
  { name: "a tower 2^2^2^2^2^2", gold: "5", output: "\\boxed{2^{2^{2^{2^{2^{2}}}}}}", status: "wrong" },
  { name: "a million factorial", gold: "5", output: "\\boxed{1000000!}", status: "wrong" },
  { name: "sqrt(2)^(10^9)", gold: "5", output: "\\boxed{\\sqrt{2}^{10^{9}}}", status: "wrong" },
  { name: "2^1000 + sqrt 2 against 2^1000 + sqrt 3: undecidable, never a false positive", gold: "2^{1000}+\\sqrt{2}", output: "\\boxed{2^{1000}+\\sqrt{3}}", status: "unparsable" },
  { name: "\\frac{1}{0} as the answer", gold: "2", output: "\\boxed{\\frac{1}{0}}", status: "wrong" },
  { name: "\\frac{1}{0} as the gold", gold: "\\frac{1}{0}", output: "\\boxed{2}", status: "unparsable" },
  { name: "0/0", gold: "1", output: "\\boxed{\\frac{0}{0}}", status: "wrong" },
  { name: "a 3,000-digit integer", gold: "1".repeat(3000), output: `\\boxed{${"1".repeat(3000)}}`, status: "correct" },
  { name: "a 3,000-digit integer, last digit off", gold: "1".repeat(3000), output: `\\boxed{${"1".repeat(2999)}2}`, status: "wrong" },
  { name: "a variable under a huge power", gold: "x^{1000000}", output: "\\boxed{x^{1000001}}", status: ["wrong", "unparsable"] },
  { name: "NUL bytes and control characters", gold: "5", output: "\u0000\u0001\\boxed{5}\u0007", status: "correct" },
  { name: "lone backslash", gold: "5", output: "\\boxed{\\}", status: ["unparsable", "no_answer"] },
  { name: "dollar storm", gold: "5", output: "$".repeat(10_000), status: "no_answer" },
  { name: "right-to-left and emoji noise", gold: "5", output: "\u202E🙂 the answer is 5 🙂", status: "correct" },
];

// Inside the budget is a count of work, not a time: wall time on a shared machine is no test (the wall
// clock stays only as the grader's last guard, at its default, and must never be what decides).
const grader = createGrader();

for (const entry of cases) {
  void test(`pathological, in-process: ${entry.name}`, () => {
    const result = grader.grade(entry.gold, entry.output);
    const expected = Array.isArray(entry.status) ? entry.status : [entry.status];
    assert.ok(expected.includes(result.status), `${result.status}: ${result.reason}`);
    assert.notEqual(result.guard, "wall", result.reason);
    assert.ok((result.work ?? 0) <= DEFAULT_WORK_BUDGET, `${result.work} units`);
  });
}

void test("pathological, through the worker pool: all graded, none lost, order kept", async () => {
  const pool = new GradePool({ workers: 2 });
  try {
    const results = await pool.grade(cases.map(({ gold, output }) => ({ gold, output })));
    assert.equal(results.length, cases.length);
    results.forEach((result, index) => {
      const entry = cases[index]!;
      const expected = Array.isArray(entry.status) ? entry.status : [entry.status];
      assert.ok(expected.includes(result.status), `${entry.name}: ${result.status}: ${result.reason}`);
    });
  } finally {
    await pool.close();
  }
});
