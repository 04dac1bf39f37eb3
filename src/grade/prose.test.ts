/** Reading values out of prose: one value, a sentence's stated value, sentence boundaries, conclusions. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { conclusion, readValue, sentences, sentenceValue, valuesIn } from "./prose.ts";

const values: Array<[string, string, string | undefined]> = [
  ["a number, then words", "12 apples in all", "12"],
  ["currency", "$2,800.00 for the milk", "2,800.00"],
  ["escaped currency", "\\$324.", "324"],
  ["inline math", "$\\frac{3}{4}$ of the cake", "\\frac{3}{4}"],
  ["\\( \\) math", "\\(\\sqrt{2}\\) units", "\\sqrt{2}"],
  ["bold around a value with a unit", "**12 apples**.", "12"],
  ["bold around currency", "**$64** for the glasses", "64"],
  ["LaTeX bold", "\\textbf{42} in total", "42"],
  ["a variable stating its value", "n = 10", "n = 10"],
  ["two values joined by and", "n = 5 and n = 15.", "n = 5, n = 15"],
  ["a comma list", "1, 2, and 3 are the roots", "1, 2, 3"],
  ["or", "3 or -3.", "3 or -3"],
  ["a chain of equalities", "4 + 16 + 12 + 6 = 38 times", "4 + 16 + 12 + 6 = 38"],
  ["an ordinal", "12th place", "12"],
  ["a percent", "27%.", "27%"],
  ["a LaTeX fraction in plain text", "\\frac{1}{2} of it", "\\frac{1}{2}"],
  ["the end of a sentence is not a decimal point", "45. Then", "45"],
  ["a decimal", "3.25 dollars", "3.25"],
  ["a ratio", "3:1 of them", "3:1"],
  ["prose is not a value", "the smallest one", undefined],
  ["a lone article is not a variable", "a total of 5", undefined],
];

for (const [name, text, expected] of values) {
  void test(`readValue: ${name}`, () => {
    assert.equal(readValue(text, 0)?.value, expected);
  });
}

const sentenceCases: Array<[string, string, string | undefined, string?]> = [
  ["one value", "Therefore, the car travelled 108 miles.", "108"],
  ["bold wins", "Therefore, after 3 days Ana used **12 apples**.", "12"],
  ["after the copula", "The smallest n such that A_n >= K is n = 10", "n = 10"],
  ["after the copula, past fillers", "So the price of 1 sandwich in the third package is exactly $6.", "6"],
  ["'there were N more' states N", "Therefore, at noon on Sunday, there were 30 more pink flamingos out than white ones.", "30"],
  ["a circumstantial number loses to the one computed before", "So, Charisma spends a total of 34 hours on yoga in 4 weeks.", "34", "14 + 20 = 34 hours"],
  ["the value we get, not the case it is for", "Hence, for $n = 5$ we get 120.", "120"],
  ["the value we find, past 'that'", "Thus, plugging in $x = 2$, we find that the area is 14.", "14"],
  ["a word copula wins over a colon's elaboration", "We conclude that there are exactly 3 such integers: 2, 5, and 11.", "3"],
  ["first value when nothing else decides", "So she walks 2 miles per hour for the remaining 6 miles.", "2"],
  ["arithmetic worked out in the sentence states its result", "Then the final meal would require 60-15-25=20 cups of chicken feed.", "60-15-25=20"],
  ["the later of a copula's value and a worked result", "There are 12 eggs in 1 dozen and she'll eat 84 eggs so that's 84/12 = 7 dozen eggs", "84/12 = 7"],
  ["a copula after the arithmetic still wins", "Since 84/12 = 7, the number of dozens is 7.", "7"],
  ["a worked result split from its operands by a unit", "The friends' average weight is 540 pounds / 3 = 180 pounds.", "3 = 180"],
  ["a worked result after money operands", "Sara must mow the lawn $40 / $4 = 10 times to afford the jacket.", "4 = 10"],
  ["a spaced x as times", "Hence, in 30 days he will have 2.7 x 30 = 81 kilowatts saved.", "2.7 x 30 = 81"],
  ["a number in \\mathbf inside math is the highlighted answer", "Now apply the definition to obtain $u_{5}=34$ and $u_{7}=\\mathbf{233}$.", "u_{7}=\\mathbf{233}"],
  ["\\mathbf on a vector is not a highlight", "So $\\mathbf{v} = (1, 2)$ and the length is 5.", "5"],
  ["arithmetic after 'because' is a reason", "He can skip 4 classes because 10 - 4 = 6", "4"],
  ["a definition is not arithmetic", "So the answer is 5 when x = 3.", "5"],
  ["a comparison is not arithmetic", "In 4 weeks 2 + 3 < 6 holds.", "4"],
  ["a box inside a sentence", "So, Judy makes **\\boxed{$7455}** in one week.", "$7455"],
  ["no value", "So the answer checks out.", undefined],
  ["a concluding clause inside the sentence", "We get x = 5, so y = 10.", "y = 10"],
  ["'and therefore' opens the clause too", "The width is 4 cm; and therefore the area is 24.", "24"],
  ["'so that' is a purpose, not a conclusion", "Take n = 3, so that the sum is even.", "n = 3"],
  ["a box before the clause still wins", "The answer is \\boxed{5}, so y = 10.", "5"],
  ["a clause without a value leaves the sentence's", "So she has 12 apples, so she is happy.", "12"],
];

for (const [name, sentence, expected, context] of sentenceCases) {
  void test(`sentenceValue: ${name}`, () => {
    assert.equal(sentenceValue(sentence, context ?? ""), expected);
  });
}

void test("sentences: split at . ! ? and line breaks, never inside math, decimals or Mr.", () => {
  const text = "Mr. Smith pays $3.50 per item. The total is $x = 2.5$. Really? Yes!\nNext line \\(a. b\\) ok";
  assert.deepEqual(
    sentences(text).map((sentence) => sentence.text.trim()),
    ["Mr. Smith pays $3.50 per item.", "The total is $x = 2.5$.", "Really?", "Yes!", "Next line \\(a. b\\) ok"],
  );
});

void test("sentences: display math ends a block, so the sentence after it starts anew", () => {
  const text = "We add: \\[14 + 20 = 34\\] So, she spends 34 hours.";
  assert.deepEqual(
    sentences(text).map((sentence) => sentence.text.trim()),
    ["We add: \\[14 + 20 = 34\\]", "So, she spends 34 hours."],
  );
});

void test("sentences: inline math ending in a period ends its sentence, as MATH's solutions write", () => {
  const text = "Adding, we get $97i - 48i = 49i.$  Hence, $n = 97.$ Then $x = 2.$and more";
  assert.deepEqual(
    sentences(text).map((sentence) => sentence.text.trim()),
    ["Adding, we get $97i - 48i = 49i.$", "Hence, $n = 97.$", "Then $x = 2.$and more"],
  );
});

const conclusions: Array<[string, string, string | undefined]> = [
  ["the last Therefore sentence", "5 + 7 = 12.\n\nTherefore, Ana used 12 apples.", "12"],
  ["a bold value closing the output", "Total: 3 + 3 = 6.\n\nThe result is **6**.", "6"],
  ["a check after it does not replace it", "So she has 12 apples.\n\nLet's verify: 12 - 5 = 7 and 7 + 5 = 12. Correct.", "12"],
  ["further computation after it does", "So she has 12 apples. Then she buys 3 more: 12 + 3 = 15.", undefined],
  ["'So far' is no conclusion", "So far we have 5 apples.", undefined],
  ["nothing concluding", "We compute 5 + 7 = 12.", undefined],
  ["a value-free closing sentence is skipped", "Thus, the answer is 42.\n\nI hope this helps!", "42"],
];

for (const [name, text, expected] of conclusions) {
  void test(`conclusion: ${name}`, () => {
    assert.equal(conclusion(text)?.value, expected);
  });
}

void test("valuesIn finds each value once, in order", () => {
  assert.deepEqual(
    valuesIn("After 3 weeks, she has $45 and 2/3 of a cake, so x = 5.").map((value) => value.value),
    ["3", "45", "2/3", "x = 5"],
  );
});

void test("a run of math longer than any answer is skipped whole, not read as a value nor re-read from every digit", () => {
  const text = `${"1 + ".repeat(10_000)}1`;
  const started = performance.now();
  assert.deepEqual(valuesIn(text), []);
  assert.equal(conclusion(`So ${text}.`), undefined);
  // Milliseconds when linear; a quadratic re-read would take minutes. Generous for a loaded machine.
  assert.ok(performance.now() - started < 20_000, `took ${performance.now() - started} ms`);
});
