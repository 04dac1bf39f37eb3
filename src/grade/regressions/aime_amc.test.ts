/**
 * Regression tables: AIME 2024 (zero-padded string golds, ../shared/data/aime24), AIME 2025 (integer
 * golds, ../shared/data/aime25) and AMC 2023 (float golds like 27.0, ../shared/data/amc23). Integer
 * answers in every padding and float form, and full competition-style outputs.
 */
import { runAnswerCases, runOutputCases, type AnswerCase, type OutputCase } from "./cases.ts";

const aime24: AnswerCase[] = [
  { id: "67", gold: "025", same: ["25", "025", "25.0", "0025"], different: ["205", "250", "2.5"] },
  { id: "75", gold: "073", same: ["73", "073"], different: ["37", "730"] },
  { id: "78", gold: "023", same: ["23", "\\boxed{23}"], different: ["32", "0.23"] },
  { id: "83", gold: "045", same: ["45", "45^\\circ"], different: ["54", "4.5"] },
  { id: "85", gold: "080", same: ["80", "080", "8 \\cdot 10"], different: ["8", "800"] },
  { id: "60", gold: "204", same: ["204", "204.0"], different: ["240", "24"] },
  { id: "89", gold: "902", same: ["902"], different: ["920", "209"] },
];

const aime24Outputs: OutputCase[] = [
  {
    id: "67",
    gold: "025",
    output: "From $\\log_x(y^x)=10$ we get $x\\log_x y = 10$, and similarly $4y\\log_y x=10$. Multiplying, $4xy=100$, so $xy = \\boxed{025}$.",
    status: "correct",
    extracted: "025",
  },
  {
    id: "67",
    gold: "025",
    output: "Multiplying the two equations gives $4xy = 100$.\n\nTherefore, the final answer is: $\\boxed{25}$. I hope it is correct.",
    status: "correct",
  },
  { id: "67", gold: "025", output: "So xy = 100/4.\n\nFinal Answer: The final answer is $24$. I hope it is correct.", status: "wrong", extracted: "24" },
  {
    id: "78",
    gold: "023",
    output: "<think>Let me set up coordinates... the radius squared is 657/64, so p+q = 721? No wait, recompute: 23.</think>\nThe answer is $\\boxed{23}$.",
    status: "correct",
  },
  { id: "60", gold: "204", output: "Aya walks 9 km. Solving gives s = 2.5, so the walk takes 204 minutes.\n\n**Final Answer** \\boxed{204}", status: "correct" },
  { id: "89", gold: "902", output: "We need the sum 902 - 1 = 901? Checking again:\n\n\\boxed{901}", status: "wrong" },
];

const aime25: AnswerCase[] = [
  { id: "0", gold: "70", same: ["70", "070", "70.0"], different: ["7", "700"] },
  { id: "1", gold: "588", same: ["588", "588.00"], different: ["558", "588.1"] },
  { id: "2", gold: "16", same: ["16", "2^4", "016"], different: ["61", "15"] },
  { id: "14", gold: "735", same: ["735"], different: ["753"] },
  { id: "26", gold: "19", same: ["19", "\\text{19}"], different: ["91", "-19"] },
];

const aime25Outputs: OutputCase[] = [
  { id: "0", gold: "70", output: "Hence $b \\in \\{21, 49\\}$ and their sum is $\\boxed{70}$.", status: "correct" },
  { id: "0", gold: "70", output: "The bases are 21 and 49, so the answer is 70.", status: "correct", extracted: "70" },
  { id: "1", gold: "588", output: "The area of the heptagon equals that of triangle ABC, so the answer is $\\boxed{588}$", status: "correct" },
  { id: "2", gold: "16", output: "The number of assignments is N = 2016, so N mod 1000 = \\boxed{16}.", status: "correct" },
];

const amc23: AnswerCase[] = [
  { id: "0", gold: "27.0", same: ["27", "27.0", "27.00", "\\boxed{27}"], different: ["27.5", "72", "28"] },
  { id: "3", gold: "3159.0", same: ["3159", "3,159"], different: ["3195", "315.9"] },
  { id: "17", gold: "-1.0", same: ["-1", "-1.0", "-\\frac{2}{2}"], different: ["1", "-0.1"] },
  { id: "44", gold: "1625.0", same: ["1625", "1,625"], different: ["1652", "162.5"] },
  { id: "47", gold: "901.0", same: ["901"], different: ["900"] },
  { id: "10", gold: "1.0", same: ["1", "1.0", "\\frac{3}{3}"], different: ["0", "-1"] },
];

const amc23Outputs: OutputCase[] = [
  { id: "0", gold: "27.0", output: "Solving the system gives x = 9, so the answer is $\\boxed{27}$.", status: "correct" },
  { id: "0", gold: "27.0", output: "Thus the requested value is 27.", status: "correct" },
  { id: "1", gold: "36.0", output: "The two cyclists meet after covering 36 miles from A.\n\n**Answer: 36**", status: "correct" },
  { id: "17", gold: "-1.0", output: "The sum of the roots is $\\boxed{-1}$.", status: "correct" },
  { id: "17", gold: "-1.0", output: "The sum of the roots is $\\boxed{1}$.", status: "wrong" },
  { id: "5", gold: "7.0", output: "So $n = \\boxed{\\textbf{(C) }7}$", status: "correct" },
];

runAnswerCases("aime24", aime24);
runOutputCases("aime24", aime24Outputs);
runAnswerCases("aime25", aime25);
runOutputCases("aime25", aime25Outputs);
runAnswerCases("amc23", amc23);
runOutputCases("amc23", amc23Outputs);
