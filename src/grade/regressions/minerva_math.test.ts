/**
 * Regression table: Minerva / OCW gold answers (../shared/data/minerva_math/test.jsonl, by idx): science
 * numbers in scientific notation (read to the gold's significant digits), plain decimals (exact),
 * symbolic answers with physical variables, trig and exponential identities, differential equations.
 */
import { runAnswerCases, runOutputCases, type AnswerCase, type OutputCase } from "./cases.ts";

const answers: AnswerCase[] = [
  { id: "2", gold: "41.8", same: ["41.8", "41.80"], different: ["41.7", "418", "41.79"] },
  { id: "23", gold: "7e37", same: ["7e37", "7 \\times 10^{37}", "7.0 \\times 10^{37}", "6.8 \\times 10^{37}"], different: ["7e36", "8 \\times 10^{37}"] },
  { id: "26", gold: "7.5e7", same: ["7.5 \\times 10^7", "75000000", "7.46e7", "7.5\\cdot10^{7}"], different: ["7.4e7", "7.5e8"] },
  { id: "44", gold: "1e-5", same: ["10^{-5}", "0.00001", "1 \\times 10^{-5}"], different: ["1e-4", "2e-5"] },
  { id: "50", gold: "2.7778e-6", same: ["2.7778 \\times 10^{-6}", "2.77778e-6"], different: ["2.7e-6", "2.78e-6"] },
  { id: "149", gold: "1.4903e4", same: ["14903", "1.4903 \\times 10^4", "14902.8"], different: ["14900", "1.49e4"] },
  { id: "155", gold: "4.4677", same: ["4.4677", "4.46770"], different: ["4.468", "4.4676"] },
  { id: "170", gold: "24.310", same: ["24.31", "24.310"], different: ["24.3", "24.301"] },
  {
    id: "5",
    gold: "np.arcsin(10/13)",
    same: ["\\arcsin(10/13)", "\\arcsin\\left(\\frac{10}{13}\\right)", "\\sin^{-1}(10/13)", "0.8776"],
    different: ["\\arccos(10/13)", "\\arcsin(10/11)", "0.88", "0.8773"],
  },
  {
    id: "35",
    gold: "\\arcsin{1.3 \\sin{\\theta_w}}",
    same: ["\\arcsin(1.3\\sin\\theta_w)", "\\sin^{-1}\\left(1.3 \\sin \\theta_{w}\\right)"],
    different: ["\\arcsin(1.3 \\cos\\theta_w)", "1.3\\sin\\theta_w"],
  },
  { id: "38", gold: "-1./3", same: ["-1/3", "-\\frac{1}{3}", "-0.3333"], different: ["1/3", "-0.33", "-3"] },
  {
    id: "41",
    gold: "\\frac{v_{0}}{r_{0}} \\frac{1}{\\left(1+r / r_{0}\\right)^{3 / 2}}",
    same: ["\\frac{v_0}{r_0 (1 + r/r_0)^{3/2}}", "\\frac{v_0 r_0^{1/2}}{(r_0 + r)^{3/2}}"],
    different: ["\\frac{v_0}{r_0 (1 + r/r_0)^{1/2}}", "\\frac{v_0}{(1 + r/r_0)^{3/2}}"],
  },
  { id: "62", gold: "y^{\\prime}+r y-r x(t)=0", same: ["y' + ry - rx(t) = 0", "y' = r x(t) - r y"], different: ["y' - ry + rx(t) = 0", "y' + ry = 0"] },
  {
    id: "71",
    gold: "\\frac{1}{2a}(\\exp{a*t} - \\exp{-a*t})",
    same: ["\\frac{\\sinh(at)}{a}", "\\frac{e^{at} - e^{-at}}{2a}"],
    different: ["\\frac{\\cosh(at)}{a}", "\\frac{e^{at} - e^{-at}}{2}"],
  },
  { id: "74", gold: "e^{t} / 3", same: ["\\frac{e^t}{3}", "\\frac{1}{3}e^{t}"], different: ["e^{3t}", "3e^t"] },
  {
    id: "80",
    gold: "x / 2-1 / 4+c e^{-2 x}",
    same: ["\\frac{x}{2} - \\frac{1}{4} + ce^{-2x}", "ce^{-2x} + \\frac{2x-1}{4}"],
    different: ["\\frac{x}{2} + \\frac{1}{4} + ce^{-2x}", "\\frac{x}{2} - \\frac{1}{4} + ce^{2x}"],
  },
  {
    id: "83",
    gold: "2 \\cos (\\pi t+\\pi / 3)",
    same: ["2\\cos(\\pi t + \\frac{\\pi}{3})", "\\cos(\\pi t) - \\sqrt{3}\\sin(\\pi t)"],
    different: ["2\\cos(\\pi t - \\pi/3)", "2\\sin(\\pi t + \\pi/3)"],
  },
  { id: "86", gold: "I(0) e^{-\\frac{t}{R C}}\n", same: ["I(0)e^{-t/(RC)}", "I(0) \\exp(-\\frac{t}{RC})"], different: ["I(0)e^{-tRC}", "I(0)", "I(1)e^{-t/(RC)}"] },
  { id: "92", gold: "\\frac{\\cos (2 t)}{15}", same: ["\\frac{1}{15}\\cos 2t", "\\frac{\\cos(2t)}{15}"], different: ["\\frac{\\sin(2t)}{15}", "\\frac{\\cos t}{15}"] },
  {
    id: "101",
    gold: "-\\sin (3 t) / 5+ C_{1} \\sin (2 t)+C_{2} \\cos (2 t)",
    same: ["C_1 \\sin(2t) + C_2\\cos(2t) - \\frac{\\sin(3t)}{5}"],
    different: ["C_1 \\sin(2t) + C_2\\cos(2t) + \\frac{\\sin(3t)}{5}", "-\\frac{\\sin(3t)}{5}"],
  },
  { id: "110", gold: "2.2 \\tau", same: ["2.2\\tau", "\\frac{11}{5}\\tau", "2.20 \\tau"], different: ["2.2", "2\\tau"] },
  {
    id: "113",
    gold: "\\frac{1}{s+1}-\\frac{e^{-1}}{s}-\\frac{e^{-1} e^{-s}}{s+1}+\\frac{e^{-1} e^{-s}}{s}",
    same: ["\\frac{1 - e^{-1}e^{-s}}{s+1} - \\frac{e^{-1}(1 - e^{-s})}{s}", "\\frac{1 - e^{-(s+1)}}{s+1} - \\frac{e^{-1} - e^{-(s+1)}}{s}"],
    different: ["\\frac{1}{s+1} - \\frac{e^{-1}}{s}"],
  },
  { id: "119", gold: "m \\frac{d v}{d t}+b v=f", same: ["m\\frac{dv}{dt} + bv = f", "f = m \\frac{dv}{dt} + bv"], different: ["m \\frac{dv}{dt} - bv = f", "m\\frac{dx}{dt} + bv = f"] },
  { id: "137", gold: "\\frac{1}{\\sqrt{2}}c", same: ["\\frac{c}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}c"], different: ["\\sqrt{2}c", "\\frac{c}{2}"] },
  { id: "245", gold: "MR=SRMC", same: ["SRMC = MR", "MR = SRMC"], different: ["MR = SRAC", "MR"] },
  { id: "260", gold: "X_{d}=125-1.25 P", same: ["X_d = 125 - 1.25P", "X_d = 125 - \\frac{5}{4}P", "125 - 1.25P"], different: ["X_d = 125 + 1.25P", "X_d = 125"] },
  { id: "269", gold: "E_{1},E_{2}", same: ["E_2, E_1", "E_1, E_2"], different: ["E_1", "E_1, E_3"] },
];

const outputs: OutputCase[] = [
  {
    id: "23",
    gold: "7e37",
    output: "The luminosity is $L = 4\\pi R^2 \\sigma T^4 \\approx 7 \\times 10^{37}$ erg/s.\n\nFinal Answer: The final answer is 7e37. I hope it is correct.",
    status: "correct",
    extracted: "7e37",
  },
  {
    id: "2",
    gold: "41.8",
    output: "Using the small-angle formula, the distance is about 41.8 pc.\n\nFinal Answer: The final answer is $41.8$. I hope it is correct.",
    status: "correct",
    extracted: "41.8",
  },
  { id: "2", gold: "41.8", output: "Final Answer: The final answer is 4.18. I hope it is correct.", status: "wrong" },
  { id: "74", gold: "e^{t} / 3", output: "Trying $x = Ae^{t}$ gives $3A = 1$, so the particular solution is $\\boxed{\\frac{e^{t}}{3}}$.", status: "correct" },
  { id: "110", gold: "2.2 \\tau", output: "The rise time is $\\ln 9 \\, \\tau \\approx \\boxed{2.2\\tau}$.", status: "correct" },
];

runAnswerCases("minerva_math", answers);
runOutputCases("minerva_math", outputs);
