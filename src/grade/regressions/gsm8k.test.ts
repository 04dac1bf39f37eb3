/**
 * Regression table: GSM8K test gold answers (../shared/data/gsm8k/test.jsonl, by 0-based line), graded
 * against full model outputs in the styles models write: `#### n`, "The answer is", boxed, markdown,
 * currency and digit groups, negative numbers, and outputs that mark no answer at all.
 */
import { runAnswerCases, runOutputCases, type AnswerCase, type OutputCase } from "./cases.ts";

const answers: AnswerCase[] = [
  { id: "0", gold: "18", same: ["18", "\\$18", "18 dollars", "18.00", "$18$"], different: ["9", "18.5", "-18"] },
  { id: "2", gold: "70000", same: ["70,000", "\\$70,000", "70000.0", "7 \\times 10^4"], different: ["7000", "120000", "70,001"] },
  { id: "146", gold: "2,125", same: ["2125", "2,125", "2{,}125"], different: ["2,120", "212.5"] },
  { id: "201", gold: "114,200", same: ["114200", "\\$114,200"], different: ["109,200", "114.2"] },
  { id: "489", gold: "-10", same: ["-10", "-10 \\text{ degrees}", "−10"], different: ["10", "-30"] },
  { id: "611", gold: "1,450,000", same: ["1450000", "1,450,000", "1.45 \\times 10^6", "\\$1,450,000"], different: ["1,350,000", "145000"] },
  { id: "1113", gold: "-3", same: ["-3", "-3^\\circ"], different: ["3", "-6"] },
];

const outputs: OutputCase[] = [
  // A base model shown GSM8K's own solutions as few-shot examples imitates them: calculator annotations,
  // the answer in the last sentence's arithmetic, sometimes no `####` line (cut at the next "Question:").
  {
    id: "3",
    gold: "540",
    output: "He sprints 3*3=<<3*3=9>>9 times\nSo he runs 9*60=<<9*60=540>>540 meters",
    status: "correct",
    extracted: "540",
  },
  {
    id: "4",
    gold: "20",
    output:
      "If each chicken eats 3 cups of feed per day, then for 20 chickens they would need 3*20=<<3*20=60>>60 cups of feed per day.\nIf she feeds the flock 15 cups of feed in the morning, and 25 cups in the afternoon, then the final meal would require 60-15-25=<<60-15-25=20>>20 cups of chicken feed.",
    status: "correct",
    extracted: "20",
  },
  {
    id: "4",
    gold: "20",
    output: "She needs 3*20=<<3*20=60>>60 cups a day and has given 15+25=<<15+25=40>>40, so the last meal is 60-40=<<60-40=20>>20 cups.\n#### 20",
    status: "correct",
    extracted: "20",
  },
  {
    id: "0",
    gold: "18",
    output:
      "Janet's ducks lay 16 eggs per day. She eats 3 and bakes with 4, so she has 16 - 3 - 4 = 9 eggs left.\nShe sells each for $2, so she makes 9 * 2 = $18.\n#### 18",
    status: "correct",
    extracted: "18",
  },
  {
    id: "0",
    gold: "18",
    output: "She has 16 - 3 - 4 = 9 eggs.\n9 × $2 = $18 per day.\nThe answer is $18.",
    status: "correct",
    extracted: "18",
  },
  {
    id: "0",
    gold: "18",
    output: "16 - 3 - 4 = 9 eggs remain, and 9 * 2 = 18.\n\n**Answer:** $18",
    status: "correct",
  },
  { id: "0", gold: "18", output: "16 - 3 - 4 = 9, then 9 * 2 = 20.\n#### 20", status: "wrong", extracted: "20" },
  {
    id: "1",
    gold: "3",
    output: "It takes 2 bolts of blue fiber and half that, 2/2 = 1 bolt, of white fiber.\nIn total: 2 + 1 = 3 bolts.\n\\boxed{3}",
    status: "correct",
    extracted: "3",
  },
  {
    id: "2",
    gold: "70000",
    output:
      "The house cost $80,000 and repairs $50,000, so $130,000 in total.\nIts value rose by 150% of 80,000: 80,000 * 1.5 = 120,000, so it is worth 200,000.\nProfit = 200,000 - 130,000 = $70,000.\n#### $70,000",
    status: "correct",
  },
  {
    id: "2",
    gold: "70000",
    output: "The new value is 80,000 * 2.5 = 200,000. Profit = 200,000 - 130,000 = 70,000 dollars",
    status: "correct",
  },
  {
    id: "146",
    gold: "2,125",
    output: "500 + 3 * 500 + 500 / 4 = 500 + 1500 + 125 = 2125 blocks.\nThe final answer is 2125.",
    status: "correct",
  },
  {
    id: "489",
    gold: "-10",
    output: "The sum is -48 + 21 + (-3) = -30, and the average is -30 / 3 = -10 degrees.\n\nFinal answer: −10",
    status: "correct",
  },
  { id: "489", gold: "-10", output: "(-48 + 21 - 3) / 3 = 10\n#### 10", status: "wrong" },
  {
    id: "611",
    gold: "1,450,000",
    output: "First 5 months: $100,000. Then 45 months at $30,000 each = $1,350,000.\nTotal = $1,450,000\n#### 1,450,000",
    status: "correct",
  },
  {
    id: "17",
    gold: "57500",
    output: "Teaching: 35 * 20 = 700. Coaching: 15 * 30 = 450. Weekly: 1150. Yearly: 1150 * 50 = 57,500.\nThe answer is: 57,500",
    status: "correct",
  },
  { id: "1113", gold: "-3", output: "2 - 8 + 3 = -3. The temperature in the morning was -3 degrees Celsius.", status: "correct" },
  // No marker: the last number is used, and the result says so.
  { id: "3", gold: "540", output: "He runs 3 sprints 3 times a week, 60 meters each: 3 * 3 * 60 = 540 meters a week.", status: "correct" },
  { id: "4", gold: "20", output: "Let me think about the chickens again.", status: "no_answer", extracted: null },
  { id: "5", gold: "64", output: "", status: "no_answer", extracted: null },
];

runAnswerCases("gsm8k", answers);
runOutputCases("gsm8k", outputs);
