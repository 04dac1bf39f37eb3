/**
 * The deterministic budget: heavy-but-valid answers get the same verdict, reason and work count idle and
 * with the machine loaded by busy threads; none comes near the default budget; and where a budget is cut
 * on purpose, the same item times out at the same unit on every run, loaded or not.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { DEFAULT_WORK_BUDGET, WorkBudget, charge, metered, BudgetExceeded } from "./budget.ts";
import { createGrader } from "./grade.ts";
import { GradePool } from "./pool.ts";
import type { GradeItem, GradeResult } from "./types.ts";

const solution = (answer: string) =>
  `${"We expand each term, collect like terms and simplify; then we check the boundary cases one by one. ".repeat(30)}\n\nTherefore, the final answer is $\\boxed{${answer}}$.`;

/** Heavy but valid: each is a real answer a model might write, and each takes real work to decide. */
const heavy: Array<{ name: string; item: GradeItem }> = [
  { name: "a boxed elided sum with its value", item: { gold: "\\frac{1023}{1024}", output: "\\boxed{\\frac{1}{2^{1}}+\\cdots+\\frac{1}{2^{10}}=0.99999975}" } },
  { name: "a stray backslash", item: { gold: "15", output: "The final answer is: \\boxed{\\15}" } },
  { name: "a quotient of factorials", item: { gold: "3998000", output: solution("\\frac{2000!}{1998!}") } },
  { name: "a central binomial", item: { gold: "\\binom{600}{300}", output: solution("\\frac{600!}{300!\\,300!}") } },
  { name: "a polynomial identity", item: { gold: "(x+1)^{12}", output: solution("x^{12}+12x^{11}+66x^{10}+220x^9+495x^8+792x^7+924x^6+792x^5+495x^4+220x^3+66x^2+12x+1") } },
  { name: "a wrong polynomial", item: { gold: "(x+1)^{12}", output: solution("x^{12}+12x^{11}+66x^{10}+220x^9+495x^8+792x^7+924x^6+792x^5+495x^4+220x^3+66x^2+12x+2") } },
  { name: "a sum the CAS evaluates", item: { gold: "338350", output: solution("\\sum_{k=1}^{100} k^2") } },
  { name: "an infinite sum the CAS evaluates", item: { gold: "1", output: solution("\\sum_{k=1}^{\\infty} \\frac{1}{2^k}") } },
  { name: "nested radicals", item: { gold: "\\sqrt{2}+\\sqrt{3}", output: solution("\\sqrt{5+2\\sqrt{6}}") } },
  { name: "values below float64 (the CAS at 120 digits)", item: { gold: "\\frac{\\sqrt{2}}{2004!}", output: solution("\\frac{\\sqrt{3}}{2004!}") } },
  { name: "a 30-item set, shuffled", item: { gold: Array.from({ length: 30 }, (_, index) => index * 7).join(", "), output: solution(Array.from({ length: 30 }, (_, index) => ((index * 11) % 30) * 7).join(", ")) } },
  { name: "a 4x4 matrix", item: { gold: "\\begin{pmatrix} 1 & 2 & 3 & 4 \\\\ 5 & 6 & 7 & 8 \\\\ 9 & 10 & 11 & 12 \\\\ 13 & 14 & 15 & 16 \\end{pmatrix}", output: solution("\\begin{bmatrix} 1 & 2 & 3 & 4 \\\\ 5 & 6 & 7 & 8 \\\\ 9 & 10 & 11 & 12 \\\\ 13 & 14 & 15 & 16 \\end{bmatrix}") } },
  { name: "2^{1000} sums: undecidable, never equal", item: { gold: "2^{1000}+\\sqrt{2}", output: solution("2^{1000}+\\sqrt{3}") } },
  { name: "a trigonometric identity in two variables", item: { gold: "\\sin(a+b)", output: solution("\\sin a \\cos b + \\cos a \\sin b") } },
  { name: "a long prose solution ending in a bold value", item: { gold: "108", output: `${"She drives 36 miles each hour, and after each hour she rests for a while. ".repeat(40)}\n\nTherefore, the car travelled **108 miles**.` } },
  { name: "a repetition loop cut off at the token limit", item: { gold: "21", output: Array.from({ length: 400 }, (_, step) => `Step ${step + 1}: add again.`).join(" "), finishReason: "length" } },
];

void test("a sum of 2007 infinite sums is not handed to the CAS to evaluate (it would run past the wall-clock guard)", () => {
  const [result] = grades([{ gold: "\\frac{2007}{2008}", output: solution("\\sum_{k=2}^\\infty \\sum_{j=2}^{2008} \\frac{1}{j^k}") }]);
  assert.equal(result?.status, "unparsable");
  assert.doesNotMatch(result?.reason ?? "", /guard|budget/);
});

function grades(items: GradeItem[]): GradeResult[] {
  const grader = createGrader();
  return items.map((item) => grader.gradeItem(item));
}

/** Keeps every core (and then some) busy in tight loops until stopped. */
async function loadMachine<T>(work: () => Promise<T> | T): Promise<T> {
  const count = Math.max(4, os.availableParallelism() * 2);
  const spinners = Array.from(
    { length: count },
    () => new Worker("let x = 0; for (;;) { for (let i = 0; i < 1e6; i++) x = (x * 1103515245 + 12345) % 2147483648; }", { eval: true }),
  );
  try {
    // Let them start spinning before measuring.
    await new Promise((resolve) => setTimeout(resolve, 200));
    return await work();
  } finally {
    await Promise.all(spinners.map((spinner) => spinner.terminate()));
  }
}

const idle = grades(heavy.map((entry) => entry.item));

void test("heavy valid answers: none hits a guard, each spends under 5% of the default budget", () => {
  idle.forEach((result, index) => {
    assert.notEqual(result.status, "timeout", `${heavy[index]!.name}: ${result.reason}`);
    assert.ok((result.work ?? 0) < DEFAULT_WORK_BUDGET / 20, `${heavy[index]!.name}: ${result.work} units`);
  });
  // The two inputs the issue names are fast and plainly graded.
  assert.equal(idle[0]!.status, "wrong");
  assert.equal(idle[1]!.status, "correct");
});

void test("the same verdicts, reasons and work counts with the machine loaded by busy threads", async () => {
  const loaded = await loadMachine(() => grades(heavy.map((entry) => entry.item)));
  assert.deepEqual(loaded, idle);
});

void test("through the worker pool, loaded: the same verdicts again", async () => {
  const pool = new GradePool({ workers: 2 });
  try {
    const loaded = await loadMachine(() => pool.grade(heavy.map((entry) => entry.item)));
    assert.deepEqual(
      loaded.map((result) => [result.status, result.reason, result.work]),
      idle.map((result) => [result.status, result.reason, result.work]),
    );
  } finally {
    await pool.close();
  }
});

void test("a budget cut below an item's work times it out at the same point every time, loaded or not", async () => {
  const index = heavy.findIndex((entry) => entry.name === "a polynomial identity");
  const needed = idle[index]!.work!;
  const item = heavy[index]!.item;
  const tight = (units: number) => createGrader({ workBudget: units }).gradeItem(item);
  const justEnough = tight(needed);
  assert.equal(justEnough.status, idle[index]!.status);
  const short = tight(needed - 1);
  assert.equal(short.status, "timeout");
  assert.equal(short.guard, "work");
  const underLoad = await loadMachine(() => [tight(needed), tight(needed - 1)]);
  assert.deepEqual(underLoad, [justEnough, short]);
});

void test("WorkBudget: spends, names the work it ran out on, and excuses wall time", () => {
  const budget = new WorkBudget(10, 1_000);
  assert.throws(
    () => metered(budget, () => {
      for (let step = 0; step < 20; step++) charge(1, "test steps");
    }),
    (error: unknown) => error instanceof BudgetExceeded && error.guard === "work" && /\(test steps\)/.test(error.message),
  );
  const late = new WorkBudget(Infinity, -1);
  assert.throws(() => late.checkWall(), (error: unknown) => error instanceof BudgetExceeded && error.guard === "wall");
  late.excuse(60_000);
  late.checkWall(); // an excused minute: no longer late
  // Outside `metered`, charging costs nothing (stage functions used on their own).
  charge(1e12, "nothing");
});
