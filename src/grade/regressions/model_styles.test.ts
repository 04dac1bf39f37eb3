/**
 * Full outputs in the styles of common model families and of quantized models that have started to
 * break, on MATH-500 golds (../shared/data/math500, checked against the file). The styles: Qwen-Math
 * (boxed), Llama-3 ("Therefore, the final answer is: $\boxed{X}$. I hope it is correct."), DeepSeek-R1
 * (<think> … </think> then the answer), Minerva/lm-eval ("Final Answer: The final answer is X."),
 * markdown headings, and the failure modes low-bit quantization produces: repetition loops, answers cut
 * off mid-box, LaTeX gone wrong, a box around prose, switching language. (The looping output below was
 * first labeled wrong; running Math-Verify on these tables showed √117 = 3√13 is stated, so it is correct.)
 */
import { runOutputCases, type OutputCase } from "./cases.ts";

const cases: OutputCase[] = [
  {
    id: "test/algebra/2584.json",
    gold: "\\frac{14}{3}",
    output:
      "We need $3x = 14$. Dividing both sides by 3 gives $x = \\frac{14}{3}$.\n\nTherefore, the final answer is: $\\boxed{\\frac{14}{3}}$. I hope it is correct.",
    status: "correct",
    extracted: "\\frac{14}{3}",
  },
  {
    id: "test/algebra/2584.json",
    gold: "\\frac{14}{3}",
    output: "<think>\nOkay, so 3x = 14... x = 14/3 ≈ 4.67. Let me double check: 3 * 14/3 = 14. Yes.\n</think>\n\nSolving $3x = 14$ gives $x = \\boxed{\\dfrac{14}{3}}$.",
    status: "correct",
  },
  {
    id: "test/algebra/2584.json",
    gold: "\\frac{14}{3}",
    output: "<think>\nSo x = 14/3, which is about 4.67, so the answer is \\boxed{\\frac{14}{3}}",
    status: "correct",
  },
  {
    id: "test/precalculus/807.json",
    gold: "\\left( 3, \\frac{\\pi}{2} \\right)",
    output: "## Step 1: Find r\n$r = \\sqrt{0^2 + 3^2} = 3$.\n\n## Step 2: Find θ\nThe point is on the positive y-axis, so θ = π/2.\n\nThe final answer is: $\\boxed{\\left(3, \\frac{\\pi}{2}\\right)}$",
    status: "correct",
  },
  {
    id: "test/precalculus/807.json",
    gold: "\\left( 3, \\frac{\\pi}{2} \\right)",
    output: "r = 3 and θ = π/2.\n\n**Final Answer**\n\n(3, π/2)",
    status: "correct",
    extracted: "(3, \\pi /2)",
  },
  {
    id: "test/intermediate_algebra/1388.json",
    gold: "1,-2",
    output: "Factoring gives $(x - 1)(x + 2) = 0$, so the solutions are $x = 1$ and $x = -2$.\n\nFinal Answer: The final answer is $1, -2$. I hope it is correct.",
    status: "correct",
  },
  {
    id: "test/intermediate_algebra/1388.json",
    gold: "1,-2",
    output: "Factoring gives $(x - 1)(x + 2) = 0$. The solutions are $\\boxed{1}$ and $\\boxed{-2}$.",
    status: "correct",
    extracted: "1, -2",
  },
  {
    id: "test/intermediate_algebra/1388.json",
    gold: "1,-2",
    output: "The quadratic factors as (x-1)(x+2), so the answer is $\\boxed{1}$.",
    status: "wrong",
  },
  {
    id: "test/number_theory/864.json",
    gold: "52_8",
    output: "Converting to base 8: $42 = 5 \\cdot 8 + 2$, so the answer is $\\boxed{52_8}$.",
    status: "correct",
  },
  {
    id: "test/prealgebra/1558.json",
    gold: "1.25",
    output: "Each person pays $\\$5 \\div 4 = \\$1.25$.\n\nThe answer is $\\$1.25$.",
    status: "correct",
  },
  {
    id: "test/algebra/1349.json",
    gold: "\\text{Evelyn}",
    output: "Comparing the slopes of the segments, Evelyn's is the steepest, so she has the greatest average speed.\n\n\\boxed{\\text{Evelyn}}",
    status: "correct",
  },
  // Quantization-style breakage.
  {
    id: "test/algebra/2036.json",
    gold: "3\\sqrt{13}",
    output: "The distance is $\\sqrt{6^2 + 9^2} = \\sqrt{117} = 3\\sqrt{13}$. The distance is $\\sqrt{117}$. The distance is $\\sqrt{117}$. The distance is $\\sqrt{117}$. The distance is",
    status: "correct",
    extracted: "\\sqrt{117}",
  },
  {
    id: "test/algebra/2036.json",
    gold: "3\\sqrt{13}",
    output: "The distance between the points is $\\sqrt{36 + 81} = \\boxed{3\\sqrt{1",
    status: "unparsable",
  },
  {
    id: "test/algebra/2036.json",
    gold: "3\\sqrt{13}",
    output: "The distance is \\boxed{\\sqrt{6^2+9^2}}",
    status: "correct",
  },
  {
    id: "test/algebra/2036.json",
    gold: "3\\sqrt{13}",
    output: "The distance is $\\boxed{3\\sqrt{13}}}}}$ $$ \\frac{ \\left( \\right. \\boxed",
    status: "correct",
  },
  {
    id: "test/prealgebra/105.json",
    gold: "\\text{east}",
    output: "After the turns she faces \\boxed{\\text{the same direction she started in}}.",
    status: "wrong",
  },
  {
    id: "test/counting_and_probability/1114.json",
    gold: "\\frac{11}{36}",
    output: "共有 36 种结果,其中 11 种满足条件,所以概率是 $\\boxed{\\frac{11}{36}}$。",
    status: "correct",
  },
  {
    id: "test/counting_and_probability/1114.json",
    gold: "\\frac{11}{36}",
    output: "There are 36 outcomes, and 11 of them work. So the probability is 11/36 = 0.3056",
    status: "correct",
    extracted: "0.3056",
  },
  { id: "test/number_theory/572.json", gold: "9", output: "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", status: "no_answer" },
  { id: "test/number_theory/572.json", gold: "9", output: "The answer is \\boxed{}", status: "no_answer" },
];

runOutputCases("math500", cases);
