/**
 * Regression table: the full MATH test set (../shared/data/math/test.jsonl, by idx; gold = last \boxed{}
 * of the reference solution), two or more problems from each of the seven subjects, chosen for answer
 * forms MATH-500 does not cover: functions as answers, percents, binary fractions, 3×3 matrices.
 */
import { runAnswerCases, runOutputCases, type AnswerCase, type OutputCase } from "./cases.ts";

const answers: AnswerCase[] = [
  // Algebra
  { id: "3", gold: "i", same: ["i", "\\sqrt{-1}", "i^5", "-i^3"], different: ["-i", "1", "3i"] },
  { id: "10", gold: "\\frac{x+2}{7}", same: ["h^{-1}(x) = \\frac{x+2}{7}", "\\frac{x}{7} + \\frac{2}{7}", "(x+2)/7"], different: ["\\frac{x-2}{7}", "7x - 2", "\\frac{y+2}{7}"] },
  { id: "45", gold: "6+9i", same: ["6+9i", "3(2+3i)"], different: ["6-9i"] },
  { id: "94", gold: "3s^2", same: ["3s^2", "3 s^{2}", "2s^2 - 6s^2 + 7s^2"], different: ["3s^3", "15s^2"] },
  // Counting & Probability
  { id: "1200", gold: "14,\\!400", same: ["14400", "14,400", "(5!)^2"], different: ["1440", "144,000"] },
  { id: "1277", gold: "771,\\!400", same: ["771400", "771{,}400"], different: ["771,000", "7714"] },
  { id: "1228", gold: "28121600", same: ["28,121,600", "26^3 \\cdot 1600"], different: ["28121601", "2812160"] },
  // Geometry
  { id: "1676", gold: "7.2\\%", same: ["7.2\\%", "7.2", "0.072"], different: ["7.3\\%", "72\\%"] },
  { id: "1697", gold: "-\\frac{\\sqrt{3}}{2}", same: ["-\\frac{1}{2}\\sqrt{3}", "\\frac{-\\sqrt3}{2}", "-0.8660"], different: ["\\frac{\\sqrt{3}}{2}", "-\\frac{1}{2}", "-0.87"] },
  { id: "1732", gold: "15.08", same: ["15.08", "15.080"], different: ["15.1", "15.09", "15.085"] },
  { id: "1746", gold: "\\frac 13", same: ["\\frac{1}{3}", "1/3", "0.3333"], different: ["\\frac{1}{4}", "0.3"] },
  // Intermediate Algebra
  { id: "2152", gold: "-3 + 6i", same: ["6i - 3", "-3+6i"], different: ["3 - 6i", "-3 - 6i"] },
  { id: "2166", gold: "-4,-2,-1,1,2,4", same: ["\\pm 1, \\pm 2, \\pm 4", "1, -1, 2, -2, 4, -4", "-4, -2, -1, 1, 2, 4"], different: ["1, 2, 4", "\\pm 1, \\pm 2", "-4,-2,-1,1,2,3"] },
  { id: "2173", gold: "\\text{odd}", same: ["odd", "\\text{Odd}", "\\textbf{odd}"], different: ["even", "\\text{neither}"] },
  { id: "2180", gold: "\\frac{\\sqrt{6}}{6}", same: ["\\frac{1}{\\sqrt{6}}", "6^{-1/2}", "\\sqrt{\\frac{1}{6}}"], different: ["\\sqrt{6}", "\\frac{\\sqrt{6}}{3}"] },
  { id: "2201", gold: "(7,49)", same: ["(7, 49)", "a = 7, b = 49"], different: ["(49,7)", "(7,-49)"] },
  // Number Theory
  { id: "3097", gold: "2112_6", same: ["2112_6", "2112_{6}", "2112"], different: ["476", "2112_7", "2121_6"] },
  { id: "3118", gold: "0.0011_{2}", same: ["0.0011_2", "0.0011"], different: ["0.011_2", "0.1875"] },
  { id: "3139", gold: "8{,}880", same: ["8880", "8,880"], different: ["888", "8,808"] },
  { id: "3076", gold: "11189", same: ["11,189", "11189"], different: ["11198"] },
  // Prealgebra
  { id: "3587", gold: "162\\text{ minutes}", same: ["162", "162 \\text{ min}", "162\\text{ minutes}"], different: ["16.2", "126"] },
  { id: "3601", gold: "\\frac{13}{5}", same: ["2.6", "2\\frac{3}{5}", "\\frac{26}{10}"], different: ["\\frac{5}{13}", "2.5"] },
  { id: "3678", gold: "\\frac{7}{20}", same: ["0.35", "35\\%", "\\frac{14}{40}"], different: ["0.36", "\\frac{7}{2}"] },
  // Precalculus
  { id: "4462", gold: "\\begin{pmatrix} 1 \\\\ 4 \\\\ 3 \\end{pmatrix}", same: ["\\begin{pmatrix}1\\\\4\\\\3\\end{pmatrix}", "(1, 4, 3)", "\\langle 1, 4, 3 \\rangle"], different: ["(1,3,4)", "\\begin{pmatrix} 1 \\\\ 4 \\end{pmatrix}"] },
  {
    id: "4469",
    gold: "\\begin{pmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}",
    same: ["\\begin{bmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 0 \\end{bmatrix}"],
    different: ["\\begin{pmatrix} 1 & 0 & 0 \\\\ 0 & 0 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}", "\\begin{pmatrix} 0 & 1 & 0 \\end{pmatrix}"],
  },
  { id: "4476", gold: "\\begin{pmatrix} 48/65 \\\\ 6/65 \\end{pmatrix}", same: ["\\begin{pmatrix} \\frac{48}{65} \\\\ \\frac{6}{65} \\end{pmatrix}", "\\left(\\frac{48}{65}, \\frac{6}{65}\\right)"], different: ["\\begin{pmatrix} 6/65 \\\\ 48/65 \\end{pmatrix}"] },
  { id: "4490", gold: "50^\\circ", same: ["50", "50°", "50^{\\circ}"], different: ["40^\\circ", "130"] },
  { id: "4497", gold: "(4,24)", same: ["(4, 24)"], different: ["(24, 4)", "(4, 12)"] },
  { id: "4518", gold: "5 \\pi", same: ["5\\pi", "\\frac{10\\pi}{2}", "15.708", "15.70"], different: ["5", "15.7", "15.69"] },
  { id: "4525", gold: "D", same: ["D", "\\boxed{D}", "(D)"], different: ["C", "C + D", "D + C", "2D"] },
  { id: "4546", gold: "-\\frac{\\pi}{6}", same: ["-\\frac{\\pi}{6}", "-30^\\circ \\cdot \\frac{\\pi}{180}"], different: ["\\frac{\\pi}{6}", "-\\frac{\\pi}{3}"] },
];

const outputs: OutputCase[] = [
  { id: "3", gold: "i", output: "Since $i^4 = 1$, $i^5 = i$, $i^{-25} = i^{-1} = -i$ and $i^{45} = i$. The sum is $\\boxed{i}$.", status: "correct" },
  { id: "10", gold: "\\frac{x+2}{7}", output: "$h(x) = 7x - 2$, so $h^{-1}(x) = \\boxed{\\frac{x+2}{7}}$.", status: "correct" },
  { id: "2166", gold: "-4,-2,-1,1,2,4", output: "By the rational root theorem, the possible integer roots are $\\boxed{-4,-2,-1,1,2,4}$.", status: "correct" },
  { id: "4469", gold: "\\begin{pmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}", output: "The answer is $\\boxed{\\begin{pmatrix} 0 & 0 & 0 \\\\ 0 & 1 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}}$", status: "correct" },
];

runAnswerCases("math", answers);
runOutputCases("math", outputs);
