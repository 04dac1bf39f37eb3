/**
 * Regression cases from the issue tracker of huggingface/Math-Verify: inputs users reported as graded
 * wrongly (false positives, failed parses, broken extraction). Each group names its issue. These golds
 * are the reporters' own, not benchmark answers, so they are not checked against ../shared/data.
 * (The signal-based timeouts of issues #50 and #55 are covered by pool.test.ts: our budget is enforced
 * by terminating a worker thread, which works from any thread.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGrader } from "../grade.ts";
import type { GradeStatus } from "../types.ts";

const grader = createGrader();

interface Case {
  issue: string;
  gold: string;
  predicted: string;
  equivalent: boolean;
}

const answerCases: Case[] = [
  // #14: values float64 cannot tell apart, and structures whose parts differ.
  { issue: "#14", gold: "\\frac{1}{2004!}", predicted: "\\frac{1}{2006!}", equivalent: false },
  { issue: "#14", gold: "\\frac{1}{2004!}", predicted: "\\frac{2005 \\cdot 2006}{2006!}", equivalent: true },
  { issue: "#14", gold: "\\frac{1}{2^{99}}", predicted: "\\frac{1}{2^{98}}", equivalent: false },
  { issue: "#14", gold: "\\frac{1}{2^{99}}", predicted: "2^{-99}", equivalent: true },
  { issue: "#14", gold: "n=2, 3, 4", predicted: "n=1, 2, 3", equivalent: false },
  { issue: "#14", gold: "n=2, 3, 4", predicted: "4, 3, 2", equivalent: true },
  { issue: "#14", gold: "D = (0, 1)", predicted: "D = (0, 1.5)", equivalent: false },
  { issue: "#14", gold: "D = (0, 1)", predicted: "(0, 1)", equivalent: true },
  { issue: "#14", gold: "19, 46, \\text{ and } 82", predicted: "21, 36, and 82", equivalent: false },
  { issue: "#14", gold: "19, 46, \\text{ and } 82", predicted: "82, 46, 19", equivalent: true },
  { issue: "#14", gold: "\\frac{2^{2005}+1}{3 \\cdot 2^{2006}}", predicted: "\\frac{1}{3 \\cdot 2^{2006}}", equivalent: false },
  { issue: "#14", gold: "\\frac{2^{2005}+1}{3 \\cdot 2^{2006}}", predicted: "\\frac{1}{6} + \\frac{1}{3 \\cdot 2^{2006}}", equivalent: true },
  { issue: "#14 / PR #82", gold: "1 - \\frac{1}{\\mathrm{e}}", predicted: "1 + \\frac{1}{\\mathrm{e}}", equivalent: false },
  { issue: "#14 / PR #82", gold: "1 - \\frac{1}{\\mathrm{e}}", predicted: "\\frac{e-1}{e}", equivalent: true },
  { issue: "#14", gold: "\\pm 2021", predicted: "2021", equivalent: false },
  { issue: "#14", gold: "\\pm 2021", predicted: "2021, -2021", equivalent: true },
  { issue: "#14", gold: "12:00", predicted: "1:00", equivalent: false },
  { issue: "#14", gold: "1, 2, \\ldots, n", predicted: "1, 3, 5, \\ldots, 2n-1", equivalent: false },
  { issue: "#14", gold: "F_n = \\sum_{k=0}^{n-1} F_k F_{n-k-1}", predicted: "F_n = \\sum_{k=0}^{n-2} F_k F_{n-k-2}", equivalent: false },
  // #37: \text{13} is 13.
  { issue: "#37", gold: "\\text{13}", predicted: "13", equivalent: true },
  { issue: "#37", gold: "13", predicted: "\\text{13}", equivalent: true },
  // #41: 4 is not 4\sqrt(2), however the root is written.
  { issue: "#41", gold: "4", predicted: "4\\sqrt(2)", equivalent: false },
  { issue: "#41", gold: "4\\sqrt{2}", predicted: "4\\sqrt(2)", equivalent: true },
  // #47: a subset of the answers is not the answer.
  { issue: "#47", gold: "1331 \\text{ and } 1728", predicted: "1728", equivalent: false },
  { issue: "#47", gold: "1331 \\text{ and } 1728", predicted: "1728 \\text{ and } 1331", equivalent: true },
  // #50: the percent that errored in threads compares fine here.
  { issue: "#50", gold: "7.41\\%", predicted: "7.41\\%", equivalent: true },
  { issue: "#50", gold: "7.41\\%", predicted: "0.0741", equivalent: true },
  // #56: \left( ... \right) tuples.
  { issue: "#56", gold: "\\left( 3, \\frac{\\pi}{2} \\right)", predicted: "(3, \\frac{2\\pi}{3})", equivalent: false },
  { issue: "#56", gold: "\\left( 3, \\frac{\\pi}{2} \\right)", predicted: "(3, \\frac{\\pi}{2})", equivalent: true },
  // #60: two different lines both parsed to 0 and compared equal.
  { issue: "#60", gold: "3*x-1*y+13=0", predicted: "3x + 4y + 14=0", equivalent: false },
  { issue: "#60", gold: "3*x-1*y+13=0", predicted: "y = 3x + 13", equivalent: true },
  // #64: \sqrt{1/n} is 1/\sqrt{n}; a quantified statement is not the function.
  { issue: "#64", gold: "\\sqrt{1/n}", predicted: "\\frac{1}{\\sqrt{n}}", equivalent: true },
  { issue: "#64", gold: "f(x) = 0", predicted: "\\forall x>0, f(x) = 0", equivalent: false },
  // #70: \dfrac without delimiters parsed to nothing.
  { issue: "#70", gold: "\\dfrac{9}{7}", predicted: "9/7", equivalent: true },
  { issue: "#70", gold: "\\dfrac{9}{7}", predicted: "\\frac{7}{9}", equivalent: false },
  // #74: LaTeX without $ delimiters is still LaTeX.
  { issue: "#74", gold: "1 - \\sqrt{2}", predicted: "1", equivalent: false },
  { issue: "#74", gold: "1 - \\sqrt{2}", predicted: "-(\\sqrt{2} - 1)", equivalent: true },
];

for (const entry of answerCases) {
  void test(`Math-Verify ${entry.issue}: ${entry.gold} ${entry.equivalent ? "≡" : "≢"} ${entry.predicted}`, () => {
    assert.equal(grader.isEquivalent(entry.gold, entry.predicted), entry.equivalent);
  });
}

const outputCases: Array<{ issue: string; gold: string; output: string; status: GradeStatus; extracted: string }> = [
  {
    issue: "#44",
    gold: "840",
    output: "SoHi YES.\n\n could answer therefore\\boxed{840}.,but let me put this after explain.\n\n**Final Answer**\n\\boxed{840}",
    status: "correct",
    extracted: "840",
  },
  {
    issue: "#44",
    gold: "4",
    output:
      " the answer should be \\boxed{004}.\n\nBut let me check again: the sum is 2,552,004. The last three digits are 004. Therefore, when divided by 1000, the remainder is 004. So, \\boxed{004} is the correct answer.\n\n**Final Answer**\n\\boxed{004}",
    status: "correct",
    extracted: "004",
  },
  {
    issue: "#76",
    gold: "73",
    output:
      "Right: 122 + 294 + 489 = 905\n\n✅ Consistent!\n\nSo answer is consistent.\n\nThus, the number of residents who own all four of the things is **73**.\n\n--- \n\n✅ Final Answer: **73**",
    status: "correct",
    extracted: "73",
  },
];

for (const entry of outputCases) {
  void test(`Math-Verify ${entry.issue}: extracts ${entry.extracted} from ${JSON.stringify(entry.output.slice(-40))}`, () => {
    const result = grader.grade(entry.gold, entry.output);
    assert.equal(result.extracted, entry.extracted);
    assert.equal(result.status, entry.status, result.reason);
  });
}
