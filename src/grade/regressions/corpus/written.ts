/**
 * Hand-written outputs in the failure classes of issue 11, rewritten in our own words (not taken from any
 * evaluation set): prose and bold conclusions, a sentence after the marker, several-part answers, golds
 * with words, equation answers, trivial inputs that used to exhaust the time budget, and truncated
 * repetition loops. Golds are real benchmark answers (checked against ../shared/data by id). Each label is
 * what a careful reader of the output would decide.
 */
import type { CorpusCase } from "./corpus.ts";

const loop = (from: number, to: number, line: (step: number) => string) =>
  Array.from({ length: to - from + 1 }, (_, index) => line(from + index)).join("\n");

export const WRITTEN: CorpusCase[] = [
  // --- prose and bold conclusions (GSM8K) -------------------------------------------------------------
  {
    id: "gsm8k/test/0", benchmark: "gsm8k", gold: "18",
    output: "Janet's ducks lay 16 eggs a day. She eats 3 and bakes with 4, so 16 - 3 - 4 = 9 eggs are left.\n\nShe sells each for $2, so 9 × $2 = $18.\n\nTherefore, Janet makes **$18** every day at the farmers' market.",
    label: { status: "correct", answer: "18", category: "bold" },
  },
  {
    id: "gsm8k/test/0", benchmark: "gsm8k", gold: "18",
    output: "16 - 3 - 4 = 9 eggs remain, and 9 × 2 = 18.\n\nTherefore, after 7 days of selling at $2 per egg, Janet earns **$126**.",
    label: { status: "wrong", answer: "126", category: "bold", note: "the bold value, not the circumstantial 7 or 2, nor the 18 computed before" },
  },
  {
    id: "gsm8k/test/3", benchmark: "gsm8k", gold: "540",
    output: "James runs 3 sprints, 3 times a week: 3 × 3 = 9 sprints.\nEach is 60 meters: 9 × 60 = 540 meters.\n\nSo, James runs a total of 540 meters every week in his 3 weekly sessions.",
    label: { status: "correct", answer: "540", category: "conclusion" },
  },
  {
    id: "gsm8k/test/3", benchmark: "gsm8k", gold: "540",
    output: "Each session: 3 × 60 = 180 meters.\n\nThus, James runs 180 meters in each of his 3 weekly sessions.",
    label: { status: "wrong", answer: "180", category: "conclusion", note: "the first value after the subject; 3 is circumstantial" },
  },
  {
    id: "gsm8k/test/19", benchmark: "gsm8k", gold: "6",
    output: "She has walked 4 + 2 = 6 miles in 2 hours, so 12 - 6 = 6 miles remain. To average 4 mph over 12 miles she needs 12 / 4 = 3 hours in total, leaving 3 - 2 = 1 hour.\n\nHence, Marissa must walk at 6 miles per hour for the remaining 6 miles.",
    label: { status: "correct", answer: "6", category: "conclusion" },
  },
  {
    id: "gsm8k/test/19", benchmark: "gsm8k", gold: "6",
    output: "The remaining distance is 12 - 6 = 6 miles and the remaining time is 2 hours, so the speed is 6 / 2 = 3.\n\nTherefore, Marissa needs to walk at a speed of 3 miles per hour for the remaining 6 miles of the trail.",
    label: { status: "wrong", answer: "3", category: "conclusion", note: "a last-number reader takes the circumstantial 6 (the gold) here" },
  },
  {
    id: "gsm8k/test/23", benchmark: "gsm8k", gold: "8",
    output: "From 1:00 PM to 5:00 PM is 4 hours. At 2 centimeters per hour: 4 × 2 = 8 centimeters.\n\nIn conclusion, the candle will be 8 centimeters shorter.",
    label: { status: "correct", answer: "8", category: "conclusion" },
  },
  {
    id: "gsm8k/test/97", benchmark: "gsm8k", gold: "12",
    output: "Each can holds 16 ounces, and the sauce keeps half: 16 / 2 = 8 ounces per can. She ended with 32 ounces, so 32 / 8 = 4 cans, and each can has 3 tomatoes: 4 × 3 = 12.\n\nTherefore, Freda used **12 tomatoes** to make her sauce.",
    label: { status: "correct", answer: "12", category: "bold" },
  },
  {
    id: "gsm8k/test/5", benchmark: "gsm8k", gold: "64",
    output: "Eight glasses cost the full $5 and eight cost 60% of $5 = $3.\n- Full price: 8 × 5 = 40\n- Discounted: 8 × 3 = 24\n\nTotal: 40 + 24 = **64**.",
    label: { status: "correct", answer: "64", category: "bold" },
  },
  {
    id: "gsm8k/test/33", benchmark: "gsm8k", gold: "70",
    output: "Let s be the silver coins. Then s + (s + 30) = 110, so 2s = 80 and s = 40. The gold coins are 40 + 30 = 70.\n\nLet's verify: 70 + 40 = 110 and 70 - 40 = 30. ✓\n\nSo Gretchen has 70 gold coins.",
    label: { status: "correct", answer: "70", category: "conclusion" },
  },
  {
    id: "gsm8k/test/33", benchmark: "gsm8k", gold: "70",
    output: "Let s be the silver coins: 2s + 30 = 110, so s = 40.\n\nTherefore, Gretchen has 40 silver coins.\n\nLet's verify: 40 + 70 = 110. Correct.",
    label: { status: "wrong", answer: "40", category: "conclusion", note: "the check after the conclusion mentions 70 (the gold); the stated answer is 40" },
  },
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: "Ryan plants 2 flowers a day for 15 days: 2 × 15 = 30 flowers. Five did not grow: 30 - 5 = 25.\n\nRyan has 25 flowers in his garden after 15 days.",
    label: { status: "correct", answer: "25", category: "fallback", note: "no opener, no marker: the last-number fallback would take 15" },
  },
  {
    id: "gsm8k/test/61", benchmark: "gsm8k", gold: "1430",
    output: "Material and construction: $500 + $800 = $1300. The jeweler adds 10%: 1300 × 0.10 = 130.\n\nThus, Janet pays a total of $1,430 for the brooch.",
    label: { status: "correct", answer: "1,430", category: "conclusion" },
  },
  // --- a sentence after the marker ---------------------------------------------------------------------
  {
    id: "gsm8k/test/79", benchmark: "gsm8k", gold: "70",
    output: "The discount is 30% of $100 = $30, so the grooming costs 100 - 30 = 70.\n\n**Answer:** John pays $70 for the grooming.",
    label: { status: "correct", answer: "70", category: "marker_sentence" },
  },
  {
    id: "gsm8k/test/79", benchmark: "gsm8k", gold: "70",
    output: "The discount is 30% of $100 = $30.\n\n**Answer:** After the 30% discount, John saves $30.",
    label: { status: "wrong", answer: "30", category: "marker_sentence" },
  },
  {
    id: "olympiadbench/test/2391", benchmark: "olympiadbench", gold: "5,15",
    output: "We need $n^2 - 10n + 70 = 5 + 10(n-1)$, i.e. $n^2 - 20n + 75 = 0$, so $(n-5)(n-15) = 0$.\n\n**Answer:** The terms are equal exactly when n = 5 and n = 15.",
    label: { status: "correct", answer: "5, 15", category: "multi_part" },
  },
  {
    id: "olympiadbench/test/1675", benchmark: "olympiadbench", gold: "k=1",
    output: "Summing the four areas and applying the inequality to each pair shows the bound is attained by a square.\n\nFinal Answer: The smallest such real number is k = 1",
    label: { status: "correct", answer: "k = 1", category: "marker_sentence" },
  },
  {
    id: "gsm8k/test/89", benchmark: "gsm8k", gold: "24",
    output: "She invited 16 guests and 1/4 won't show, so she needs gift bags for 0.75 × 16 = 12 guests. Each bag costs $2: 12 × 2 = 24.\n\nThe answer is that Christina will spend $24 on gift bags.",
    label: { status: "correct", answer: "24", category: "marker_sentence" },
  },
  // --- several-part answers ----------------------------------------------------------------------------
  {
    id: "olympiadbench/test/2532", benchmark: "olympiadbench", gold: "-2,-2",
    output: "Expanding, $ax + abx + 3ab = 2x + 12$, so $a + ab = 2$ and $3ab = 12$. Then $ab = 4$ and $a = -2$, so $a = \\boxed{-2}$.\n\nFrom $ab = 4$ we get $b = \\boxed{-2}$.",
    label: { status: "correct", answer: "-2, -2", category: "multi_part", note: "one box per unknown" },
  },
  {
    id: "olympiadbench/test/2532", benchmark: "olympiadbench", gold: "-2,-2",
    output: "Comparing coefficients gives $3ab = 12$ and $a + ab = 2$, hence $a = -2$.\n\nTherefore, $a = \\boxed{-2}$.",
    label: { status: "wrong", answer: "-2", category: "multi_part", note: "only one of the two values" },
  },
  {
    id: "olympiadbench/test/2532", benchmark: "olympiadbench", gold: "-2,-2",
    output: "Comparing coefficients: $a + ab = 2$ and $3ab = 12$.\n\nTherefore, a = -2 and b = -2.",
    label: { status: "correct", answer: "a = -2, b = -2", category: "multi_part" },
  },
  {
    id: "olympiadbench/test/2391", benchmark: "olympiadbench", gold: "5,15",
    output: "Setting the terms equal: $n^2 - 20n + 75 = 0$, which factors as $(n - 5)(n - 15) = 0$.\n\nThus n = 5 and n = 15.",
    label: { status: "correct", answer: "n = 5, n = 15", category: "multi_part" },
  },
  {
    id: "olympiadbench/test/2391", benchmark: "olympiadbench", gold: "5,15",
    output: "Setting the terms equal: $n^2 - 20n + 75 = 0$, so $(n - 5)(n - 15) = 0$. Since the sequences must agree for a positive term count larger than 10, only the second root works.\n\nThus $n = \\boxed{15}$.",
    label: { status: "wrong", answer: "15", category: "multi_part" },
  },
  {
    id: "olympiadbench/test/2421", benchmark: "olympiadbench", gold: "-5,7",
    output: "With common difference d: $25 + (5+d)^2 + (5+2d)^2 = (5+3d)^2 + (5+4d)^2$, which simplifies to $d^2 - d - 2 = 0$... so $d = 2$ or $d = -\\frac{5}{2}$.\n\nThe possible fifth terms are $\\boxed{13}$ and $\\boxed{-5}$.",
    label: { status: "wrong", answer: "13, -5", category: "multi_part" },
  },
  {
    id: "math/test/644", benchmark: "math", gold: "19 \\text{ and }43",
    output: "We need $(q - p)(q + p) = 1488 = 2^4 \\cdot 3 \\cdot 31$ with both primes below 50. Trying factor pairs, $q - p = 24$ and $q + p = 62$ give $q = 43$, $p = 19$.\n\nThe primes are $\\boxed{19 \\text{ and } 43}$.",
    label: { status: "correct", answer: "19, 43", category: "text_gold" },
  },
  {
    id: "math/test/4943", benchmark: "math", gold: "7, -2, \\text{ and } -5",
    output: "The determinant vanishes at $x = 7$ and $x = -2$ (two equal columns), and the remaining factor gives $x = -5$.\n\nSo the values are $\\boxed{-5, -2, 7}$.",
    label: { status: "correct", answer: "-5, -2, 7", category: "multi_part" },
  },
  // --- golds with words --------------------------------------------------------------------------------
  {
    id: "math/test/602", benchmark: "math", gold: "65 \\text{ children tickets }",
    output: "Let $a$ adult and $c$ child tickets: $a + c = 100$ and $9a + 5c = 640$. Then $4a = 140$, so $a = 35$ and $c = 65$.\n\nThe theater sold $\\boxed{65}$ children's tickets.",
    label: { status: "correct", answer: "65", category: "text_gold" },
  },
  {
    id: "math/test/602", benchmark: "math", gold: "65 \\text{ children tickets }",
    output: "From $a + c = 100$ and $9a + 5c = 640$ we get $a = 35$.\n\nThe answer is $\\boxed{35 \\text{ adult tickets}}$.",
    label: { status: "wrong", answer: "35", category: "text_gold" },
  },
  {
    id: "math/test/3921", benchmark: "math", gold: "9 \\text{ multiples}",
    output: "The multiples of 6 strictly between -25 and 25 are -24, -18, -12, -6, 0, 6, 12, 18, 24.\n\nThere are $\\boxed{9}$ of them.",
    label: { status: "correct", answer: "9", category: "text_gold" },
  },
  {
    id: "math/test/3921", benchmark: "math", gold: "9 \\text{ multiples}",
    output: "Counting -24, -18, ..., 24 gives 9 numbers.\n\nTherefore, there are 9 multiples of 6 in that range.",
    label: { status: "correct", answer: "9", category: "text_gold" },
  },
  {
    id: "math/test/175", benchmark: "math", gold: "575\\text{ students}",
    output: "Last year's enrollment $x$ satisfies $1.04x = 598$, so $x = 575$.\n\nThe final answer is $\\boxed{575 \\text{ students}}$.",
    label: { status: "correct", answer: "575", category: "text_gold" },
  },
  {
    id: "math/test/1309", benchmark: "math", gold: "18\\text{ ways.}",
    output: "The smallest book cannot go at the end with the hole: 3 choices for that spot, then $3! = 6$ for the rest, giving $3 \\cdot 6 = 18$.\n\nThe answer is **18 ways**.",
    label: { status: "correct", answer: "18", category: "text_gold" },
  },
  {
    id: "math/test/1787", benchmark: "math", gold: "10\\;\\text{edges}",
    output: "A pyramid with 6 vertices has a pentagonal base: 5 base edges and 5 lateral edges, so $\\boxed{10}$.",
    label: { status: "correct", answer: "10", category: "text_gold" },
  },
  {
    id: "math/test/3823", benchmark: "math", gold: "3.25\\text{ dollars}",
    output: "The 48-ounce size is $3.90 / 48 = 0.08125$ per ounce; 25% more is $0.1015625$, and $32 \\times 0.1015625 = 3.25$.\n\nSo it should charge $\\boxed{\\$3.25}$.",
    label: { status: "correct", answer: "3.25", category: "text_gold" },
  },
  {
    id: "math500/test/algebra/1349", benchmark: "math500", gold: "\\text{Evelyn}",
    output: "Evelyn covers 4.5 units in 1.25 hours, the fastest average speed of the five.\n\nSo the answer is Evelyn.",
    label: { status: "correct", answer: "\\text{Evelyn}", category: "text_gold", note: "a word answer after the marker" },
  },
  {
    id: "math500/test/algebra/1349", benchmark: "math500", gold: "\\text{Evelyn}",
    output: "Comparing distance over time for each student, Briana's ratio is the largest.\n\n**Answer:** Briana",
    label: { status: "wrong", answer: "\\text{Briana}", category: "text_gold" },
  },
  // --- equation answers --------------------------------------------------------------------------------
  {
    id: "math/test/1824", benchmark: "math", gold: "x^2 + y^2 = 13",
    output: "The center is the origin and the circle passes through $(2, 3)$, so $r^2 = 4 + 9 = 13$. The equation of the circle is\n$$x^2 + y^2 = 13$$",
    label: { status: "correct", answer: "x^2 + y^2 = 13", category: "equation" },
  },
  {
    id: "math/test/1824", benchmark: "math", gold: "x^2 + y^2 = 13",
    output: "The radius squared is $2^2 + 3^2 = 13$, so the circle is\n\\[y^2 + x^2 = 13.\\]",
    label: { status: "correct", answer: "y^2 + x^2 = 13", category: "equation" },
  },
  {
    id: "math/test/1824", benchmark: "math", gold: "x^2 + y^2 = 13",
    output: "The radius is $\\sqrt{4 + 9} = \\sqrt{13}$, so the circle is\n$$x^2 + y^2 = \\sqrt{13}$$",
    label: { status: "wrong", answer: "x^2 + y^2 = \\sqrt{13}", category: "equation" },
  },
  {
    id: "math/test/4697", benchmark: "math", gold: "y = 2x + 3",
    output: "The slope is $\\frac{7 - 3}{2 - 0} = 2$ and the intercept is 3.\n\nTherefore, the line is $y = 2x + 3$.",
    label: { status: "correct", answer: "y = 2x + 3", category: "equation" },
  },
  {
    id: "math/test/4850", benchmark: "math", gold: "5x - 7y + 11z + 4 = 0",
    output: "The normal vector is the cross product of the two direction vectors, $(5, -7, 11)$, and the plane passes through $(1, 2, -1)$... giving\n\\[-5x + 7y - 11z - 4 = 0.\\]",
    label: { status: "correct", answer: "-5x + 7y - 11z - 4 = 0", category: "equation", note: "the same plane up to a factor of -1" },
  },
  // --- inputs that used to exhaust the time budget -----------------------------------------------------
  {
    id: "gsm8k/test/101", benchmark: "gsm8k", gold: "6",
    output: "He has 4 + 20 + 7 + 8 = 39 pages over 4 days... wait, 5 days minus one for the trip is 4: 24 / 4 = 6.\n\nThe final answer is: \\boxed{\\6}",
    label: { status: "correct", answer: "6", category: "budget", note: "a stray backslash before the digits" },
  },
  {
    id: "gsm8k/test/101", benchmark: "gsm8k", gold: "6",
    output: "So he reads $\\boxed{\\$\\7}$ pages a day.",
    label: { status: "wrong", answer: "7", category: "budget" },
  },
  {
    id: "gsm8k/test/23", benchmark: "gsm8k", gold: "8",
    output: "Halving each hour: \\boxed{\\frac{1}{2^{1}}+\\frac{1}{2^{2}}+\\cdots+\\frac{1}{2^{10}}=0.99999975}",
    label: { status: "wrong", answer: "0.99999975", category: "budget", note: "an elided sum and its stated value; read fast, compared by the value" },
  },
  // --- truncated outputs (finish_reason length) --------------------------------------------------------
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: `Ryan plants 2 flowers a day.\n${loop(1, 25, (step) => `Step ${step}: add 2 more flowers to the garden.`)}\nStep 26: add 2`,
    finishReason: "length",
    label: { status: "no_answer", category: "truncated_loop", note: "the last complete step number equals the gold" },
  },
  {
    id: "gsm8k/test/41", benchmark: "gsm8k", gold: "200",
    output: `${loop(1, 40, (step) => `${step * 5}. The dragon's reach is 1000 feet, and the javelin goes farther.`)}\n200. The dragon's`,
    finishReason: "length",
    label: { status: "no_answer", category: "truncated_loop", note: "a numbered loop reaching the gold's number" },
  },
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: `2 × 15 = 30 flowers, 30 - 5 = 25.\n\nThe answer is 25.\n\n${loop(1, 12, () => "Let me double check the count of the flowers once more.")}\nLet me double`,
    finishReason: "length",
    label: { status: "correct", answer: "25", category: "truncated_marked", note: "an explicit marker before the loop" },
  },
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: "2 × 15 = 30 flowers, and 5 did not grow, so 30 - 5 = 25.\n\nTherefore, the final answer is $\\boxed{2",
    finishReason: "length",
    label: { status: "no_answer", category: "truncated_marked", note: "cut off inside the box: 2 of 25" },
  },
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: "2 × 15 = 30 flowers, and 5 did not grow, so 30 - 5 = 25.\n\nThe answer is 2",
    finishReason: "length",
    label: { status: "no_answer", category: "truncated_marked", note: "cut off inside the marker's value" },
  },
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: "2 × 15 = 30 flowers, and 5 did not grow, so 30 - 5 = 25.\n\nTherefore, Ryan has 25 flowers.\n\nNow let us also consider",
    finishReason: "length",
    label: { status: "no_answer", category: "truncated", note: "a conclusion, but the output was cut off: only a box or a marker counts" },
  },
  {
    id: "gsm8k/test/113", benchmark: "gsm8k", gold: "25",
    output: "2 × 15 = 30 flowers, and 5 did not grow, so 30 - 5 = 25.\n\nTherefore, Ryan has 25 flowers.",
    finishReason: "stop",
    label: { status: "correct", answer: "25", category: "conclusion", note: "the same text, finished" },
  },
];
