import { test } from "node:test";
import assert from "node:assert/strict";
import { boxedAnswer, extractAnswer, lastMath, lastNumber, type ExtractionMethod } from "./extract.ts";

const cases: Array<[string, string, string | undefined, ExtractionMethod | undefined]> = [
  ["last box wins", "first \\boxed{3}, then \\boxed{4}.", "4", "boxed"],
  ["nested braces", "so $\\boxed{\\frac{1}{\\sqrt{2}}}$", "\\frac{1}{\\sqrt{2}}", "boxed"],
  ["escaped braces inside", "\\boxed{\\{1, 2\\}}", "\\{1, 2\\}", "boxed"],
  ["fbox", "\\fbox{12}", "12", "boxed"],
  ["TeX one-token box", "$\\boxed 5$", "5", "boxed"],
  ["box inside a box", "\\boxed{\\boxed{7}}", "7", "boxed"],
  ["adjacent boxes form a list", "$\\boxed{2}$ and $\\boxed{3}$", "2, 3", "boxed"],
  ["a repeated box is one answer", "\\boxed{4} \\boxed{4} \\boxed{4}", "4", "boxed"],
  ["boxes in separate sentences do not", "\\boxed{2}. Then we check it: \\boxed{3}", "3", "boxed"],
  ["box beats a later 'answer is'", "\\boxed{5}\nThe answer is 6", "5", "boxed"],
  ["an unclosed last box is a flagged fallback", "We get \\boxed{5} first and finally \\boxed{\\frac{3}{", "\\frac{3}{", "boxed"],
  ["Minerva format", "Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.", "\\frac{1}{2}", "final_answer"],
  ["Minerva format without dollars", "Final Answer: The final answer is 4.5e33. I hope it is correct.", "4.5e33", "final_answer"],
  ["the answer is, with a decimal", "Thus the answer is 3.5.", "3.5", "answer_is"],
  ["the answer is, in inline math", "The answer is $x = 2$.", "x = 2", "answer_is"],
  ["the answer is, in \\( \\)", "The final answer is \\(\\frac{3}{4}\\)", "\\frac{3}{4}", "final_answer"],
  ["GSM8K marker", "48 / 2 = 24\n#### 24", "24", "gsm8k"],
  ["Answer: label", "Work...\nAnswer: 17", "17", "answer_label"],
  ["bold label with the value on the next line", "**Final Answer:**\n\n42", "42", "answer_label"],
  ["a Final Answer heading with the value below", "Work.\n\n## Final Answer\n\n$\\frac{3}{4}$", "\\frac{3}{4}", "answer_label"],
  ["'answer' ending a prose line is not a heading", "so we check the answer\nmore work 12", "12", "last_statement"],
  ["latest statement wins", "The answer is 5.\nWait, recheck.\nFinal answer: 6", "6", "answer_label"],
  ["prose after 'answer is' yields to a label", "Answer: 9\nSo the answer is consistent.", "9", "answer_label"],
  ["last statement fallback: a computation's result", "I computed 3 + 4 = 7 apples", "7", "last_statement"],
  ["last statement fallback: the stated value, not the last number", "Ryan has 25 flowers after 15 days.", "25", "last_statement"],
  ["math is read whole, not as its last number", "The distance is $\\sqrt{117}$. Then", "\\sqrt{117}", "last_statement"],
  ["a stated definition is kept whole", "we get $x = 2 + 3 = 5$ and stop", "x = 2 + 3 = 5", "last_statement"],
  ["math without a digit is not an answer", "We get 12 when $x$ is even", "12", "last_statement"],
  ["dollar signs around prose are currency, not math", "He pays $5 and gets $3 back", "3", "last_statement"],
  ["a word answer after a marker", "So the answer is Evelyn.", "Evelyn", "answer_is"],
  ["words without a value give way to an earlier valued statement", "So the answer is 100. The answer is not the result of a question.", "100", "answer_is"],
  ["digit groups are kept", "total of 1,234 coins", "1,234", "last_statement"],
  ["a fraction is read whole", "we get 3/4", "3/4", "last_statement"],
  ["a sentence after the marker: its stated value", "**Answer:** The smallest n such that A_n >= K is n = 10", "n = 10", "answer_label"],
  ["a sentence after Answer: restating the result", "Change = 20 - 13 = 7.\n\n**Answer:** Verna received $7.00 in change.", "7.00", "answer_label"],
  ["the answer to the question is", "So the answer to the question is 42 apples.", "42", "answer_is"],
  ["'the answer is' a value, then words", "The answer is 18 dollars per day, since 9 * 2 = 18.", "18", "answer_is"],
  ["a concluding sentence", "5 + 7 = 12 apples in all.\n\nTherefore, Ana used **12 apples**.", "12", "conclusion"],
  ["a concluding sentence without bold", "36 * 3 = 108.\nTherefore, the car travelled 108 miles in 3 hours.", "108", "conclusion"],
  ["an 'and' conclusion with two values", "Both work. Therefore, n = 5 and n = 15.", "n = 5, n = 15", "conclusion"],
  ["a concluding sentence after display math", "\\[14 + 20 = 34\\] So, she spends a total of 34 hours on yoga in 4 weeks.", "34", "conclusion"],
  ["an empty box yields to a marker", "Final answer: 35 miles\n\nThe final answer is within \\boxed{}.", "35", "answer_label"],
  ["an empty box alone is the stated (empty) answer", "The final answer is within \\boxed{}.", "", "boxed"],
  ["a conclusion followed by more computation is not one", "So she has 12 apples. Then she buys 3: 12 + 3 = 15", "15", "last_statement"],
  ["nothing at all", "I do not know.", undefined, undefined],
];

for (const [name, text, answer, method] of cases) {
  void test(`extractAnswer: ${name}`, () => {
    const extraction = extractAnswer(text);
    assert.equal(extraction?.answer, answer);
    assert.equal(extraction?.method, method);
  });
}

void test("fallbacks are flagged, markers are not", () => {
  assert.equal(extractAnswer("it is 7")?.fallback, true);
  assert.equal(extractAnswer("\\boxed{7}")?.fallback, false);
  assert.equal(extractAnswer("\\boxed{7")?.fallback, true);
});

void test("a truncated output is read only by a complete box or a complete marker", () => {
  const loop = Array.from({ length: 21 }, (_, step) => `Step ${step + 1}: add the two numbers.`).join("\n");
  assert.equal(extractAnswer(loop, { truncated: true }), undefined);
  assert.equal(extractAnswer(loop)?.method, "last_statement"); // finish reason unknown: the old fallback
  assert.equal(extractAnswer(`${loop}\nSo \\boxed{21}.\nStep 22: add`, { truncated: true })?.answer, "21");
  assert.equal(extractAnswer(`${loop}\nThe answer is 21.\nStep 22: add`, { truncated: true })?.answer, "21");
  // Cut off inside the value: "The answer is 2" might have become 21.
  assert.equal(extractAnswer(`${loop}\nThe answer is 2`, { truncated: true }), undefined);
  // Cut off inside the box, or before a concluding sentence counts: no answer.
  assert.equal(extractAnswer(`${loop}\nSo \\boxed{2`, { truncated: true }), undefined);
  assert.equal(extractAnswer("Therefore, she has 21 apples. Step 22: add", { truncated: true }), undefined);
});

void test("an equation gold keeps the stated equation whole; other golds read its last side", () => {
  const text = "The circle is\n$$x^2 + y^2 = 13$$";
  assert.equal(extractAnswer(text, { relation: true })?.answer, "x^2 + y^2 = 13");
  assert.equal(extractAnswer(text)?.answer, "13");
});

void test("a chain of = keeps its last side: an = inside braces is not a side, \\left is not \\le", () => {
  const chain = "We change the order: \\[\\sum_{k=2}^\\infty \\sum_{j=2}^{2008} \\frac{1}{j^k} = \\sum_{j=2}^{2008} \\left( \\frac 1 {j-1} - \\frac 1 j \\right) = 1 - \\frac 1 {2008} = \\frac{2007}{2008}.\\]";
  assert.equal(extractAnswer(chain)?.answer, "\\frac{2007}{2008}.");
  assert.equal(extractAnswer("Therefore $\\left(17^{2}-13^{2}\\right) / 12=120 / 12=10$.")?.answer, "10");
  assert.equal(extractAnswer("Therefore $x \\le 3 = y$.")?.answer, "x \\le 3 = y");
});

void test("an implication states its consequent; an operation the problem defines is arithmetic", () => {
  assert.equal(extractAnswer("Then $10x=5.\\overline{5}$, and so $10x-x=9x=5\\implies x=\\frac{5}{9}$.")?.answer, "x=\\frac{5}{9}");
  assert.equal(extractAnswer("Therefore, $3 \\star 11 = \\frac{1}{3 \\cdot 11} = \\frac{1}{33}$.")?.answer, "\\frac{1}{33}");
  assert.equal(extractAnswer("So $2\\clubsuit 4=|2|^3+4=8+4=12$.")?.answer, "12");
});

void test("an aligned block states its last row; digit groups are not a list", () => {
  const aligned = "Adding, \\[\\begin{aligned} x_{753} + x_{975} &= x_2 + x_4 \\\\ &= 375 + 523 = 898. \\end{aligned}\\]";
  assert.equal(extractAnswer(aligned)?.answer, "898.");
  const groups = "So the count is $$ \\binom{30}{3}\\binom{40}{4} = (4,\\!060)(91,\\!390) = 371,\\!043,\\!400. $$";
  assert.equal(extractAnswer(groups)?.answer, "371,\\!043,\\!400.");
});

void test("a named quantity worked out to its value states the value; a list of definitions stays a list", () => {
  assert.equal(extractAnswer("Thus $\\mathrm{m} \\angle A P D=180^{\\circ}-54^{\\circ}-78^{\\circ}=48^{\\circ}$.")?.answer, "48^{\\circ}");
  assert.equal(extractAnswer("Therefore $x=-8$ or $x=-10$ or $x=-6$.")?.answer, "x=-8 or x=-10 or x=-6");
});

void test("boxes are reported in order, so several boxes can state a several-value gold", () => {
  assert.deepEqual(extractAnswer("First $\\boxed{-2}$.\n\nThen $\\boxed{-2}$.")?.boxes, ["-2", "-2"]);
});

void test("the last-number fallback can be turned off", () => {
  assert.equal(extractAnswer("I computed 3 + 4 = 7", { lastNumber: false }), undefined);
});

void test("a lone choice letter is found only when the gold is a choice", () => {
  const text = "Comparing the graphs, option (B) fits and (D) does not; it must be (B) since 3 > 2.";
  assert.deepEqual(extractAnswer(text, { choices: true }), { answer: "(B)", method: "choice", fallback: true });
  assert.equal(extractAnswer(text)?.method, "last_statement");
});

void test("boxedAnswer is undefined when the last box never closes", () => {
  assert.equal(boxedAnswer("\\boxed{1} and \\boxed{2"), undefined);
  assert.equal(boxedAnswer("no box"), undefined);
});

void test("lastMath and lastNumber, the deepest fallbacks, read the last math and the last number", () => {
  assert.equal(lastMath("The distance is $\\sqrt{117}$. Then"), "\\sqrt{117}");
  assert.equal(lastMath("we get $x = 2 + 3 = 5$ and stop"), "5");
  assert.equal(lastMath("He pays $5 and gets $3 back"), undefined);
  assert.equal(lastNumber("I computed 3 + 4 = 7 apples"), "7");
  assert.equal(lastNumber("total of 1,234 coins"), "1,234");
});

void test("lastNumber prefers a LaTeX fraction when it comes last", () => {
  assert.equal(lastNumber("we get 2 and then \\frac{3}{4}"), "\\frac{3}{4}");
  assert.equal(lastNumber("temperature -5 degrees"), "-5");
});

void test("extraction stays fast on 10,000 unclosed boxes", () => {
  const text = "\\boxed{".repeat(10_000);
  const started = performance.now();
  extractAnswer(text);
  assert.ok(performance.now() - started < 1000);
});
