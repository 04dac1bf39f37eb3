/**
 * Adversarial probes, second set (written by hand, 2026-12-04): answer shapes the first set
 * (adversarial_probes.test.ts) did not cover, in the shapes MATH / MATH-500 / GSM8K / AIME / AMC golds take
 * (written here, not copied): half-open and infinite intervals, |x| and x != c as unions, R minus points,
 * set vs list vs ordered tuple, row/column vectors and determinants, degrees vs radians, scientific
 * notation and scale words, percent, mixed numbers and mixed-number percents, repeating decimals, radicals,
 * complex numbers, equations of lines and planes, base subscripts, money and digit groups, signed zero,
 * trailing prose and second boxes, truncation, AIME padding, GSM8K markers, choice labels with values,
 * "infinitely many", one value in several forms, unit vectors - and near misses that must not match.
 * Each probe carries the reason for its label; labels follow docs/grading.md (where that differs from
 * Math-Verify's documented rules, docs/grading.md section 5 says so).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createGrader } from "../grade.ts";
import type { FinishReason } from "../types.ts";

const grader = createGrader();

// [gold, output, correct, reason, finish_reason?]
type Probe = [string, string, boolean, string, FinishReason?];


const intervals: Probe[] = [
  ["(-\\infty, 0]", "\\boxed{(-\\infty,0]}", true, "same half-open interval, spacing only"],
  ["(-\\infty, 0]", "\\boxed{x \\le 0}", true, "x <= 0 is (-inf, 0]"],
  ["(-\\infty, 0]", "\\boxed{x < 0}", false, "strict: 0 is excluded"],
  ["(-\\infty, 0]", "\\boxed{(-\\infty, 0)}", false, "open end where the gold is closed"],
  ["(-\\infty, 0]", "\\boxed{[0, \\infty)}", false, "the other half-line"],
  ["(5,\\infty)", "\\boxed{x>5}", true, "x > 5 is (5, inf)"],
  ["(5,\\infty)", "\\boxed{5<x}", true, "5 < x, sides swapped"],
  ["(5,\\infty)", "\\boxed{(5,\\infty]}", true, "a bracket at infinity is sloppy but states the same set"],
  ["(5,\\infty)", "\\boxed{[5,\\infty)}", false, "closed at 5 where the gold is open"],
  ["(5,\\infty)", "\\boxed{(-5,\\infty)}", false, "sign error on the endpoint"],
  ["\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "\\boxed{(0.6, 8/3]}", true, "0.6 is exactly 3/5"],
  ["\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "\\boxed{\\frac{3}{5} < x \\le \\frac{8}{3}}", true, "the inequality chain of the same interval"],
  ["\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "\\boxed{\\left[\\frac{3}{5},\\frac{8}{3}\\right]}", false, "closed lower end where the gold is open"],
  ["\\left(\\frac{3}{5},\\frac{8}{3}\\right]", "\\boxed{(0.6, 2.667]}", true, "2.667 is 8/3 to 4 significant digits (policy: 4 digits for a non-terminating gold)"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "\\boxed{(-\\infty,2)\\cup(3,\\infty)}", true, "same union, spacing only"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "\\boxed{x<2 \\text{ or } x>3}", true, "inequalities joined by \"or\" state the union"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "\\boxed{(2,3)}", false, "the complement"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "\\boxed{(-\\infty,2]\\cup[3,\\infty)}", false, "closed ends where the gold is open"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "\\boxed{(-\\infty,3)\\cup(2,\\infty)}", false, "endpoints swapped between the pieces"],
  ["x \\in [-2,7]", "\\boxed{[-2,7]}", true, "x in [a,b] against the bare interval"],
  ["x \\in [-2,7]", "\\boxed{-2 \\leq x \\leq 7}", true, "a chain of <= against membership"],
  ["x \\in [-2,7]", "\\boxed{(-2,7)}", false, "open ends for a closed interval"],
  ["\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]", "\\boxed{[\\pi^2/8, 5\\pi^2/4]}", true, "\\frac written as /"],
  ["\\left[ \\frac{\\pi^2}{8}, \\frac{5 \\pi^2}{4} \\right]", "\\boxed{[\\pi^2/8, 5\\pi^2/2]}", false, "wrong upper end (5pi^2/2)"],
  ["[-1, 1]", "\\boxed{|x| \\le 1}", true, "|x| <= 1 is [-1, 1]"],
  ["(-1, 1)", "\\boxed{|x| < 1}", true, "|x| < 1 is (-1, 1)"],
  ["(-1, 1)", "\\boxed{|x| \\le 1}", false, "non-strict against an open interval"],
  ["(-\\infty,-1)\\cup(1,\\infty)", "\\boxed{|x| > 1}", true, "|x| > 1 is (-inf,-1) u (1,inf)"],
  ["(-\\infty,-1]\\cup[1,\\infty)", "\\boxed{|x| \\ge 1}", true, "|x| >= 1 with closed ends"],
  ["(-\\infty,-1)\\cup(1,\\infty)", "\\boxed{|x| \\ge 1}", false, "closed ends where the gold is open"],
  ["(-\\infty,-1)\\cup(1,\\infty)", "\\boxed{|x| > 2}", false, "wrong bound"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{x \\neq 0}", true, "x != 0 is the line without 0"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{x \\ne 1}", false, "x != 1 removes the wrong point"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{\\mathbb{R} \\setminus \\{0\\}}", true, "R minus {0}"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{\\mathbb{R} \\setminus \\{1\\}}", false, "R minus the wrong point"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{\\mathbb{R}}", false, "the whole line keeps 0"],
  ["(-\\infty,-2)\\cup(-2,3)\\cup(3,\\infty)", "\\boxed{\\mathbb{R} \\setminus \\{-2, 3\\}}", true, "R minus two points, three pieces"],
  ["(-\\infty,-2)\\cup(-2,3)\\cup(3,\\infty)", "\\boxed{\\mathbb{R} \\setminus \\{3\\}}", false, "one point missing"],
  ["(-\\infty,\\infty)", "\\boxed{\\text{all real numbers}}", true, "all real numbers in words"],
  ["(-\\infty,\\infty)", "\\boxed{(0,\\infty)}", false, "a half-line"],
];

const setsAndTuples: Probe[] = [
  ["\\{1, 2, 3\\}", "\\boxed{1, 2, 3}", true, "a set gold takes a bare list"],
  ["\\{1, 2, 3\\}", "\\boxed{(1,2,3)}", false, "a set gold does not take a tuple"],
  ["3, 5, 7", "\\boxed{7, 5, 3}", true, "a list gold is order-free"],
  ["3, 5, 7", "\\boxed{\\{3,5,7\\}}", true, "a list gold takes a set"],
  ["3, 5, 7", "\\boxed{3, 5}", false, "one answer missing"],
  ["3, 5, 7", "\\boxed{3, 5, 7, 9}", false, "one answer too many"],
  ["(6,31,-1)", "\\boxed{(6, 31, -1)}", true, "same triple, spacing only"],
  ["(6,31,-1)", "\\boxed{(6,-1,31)}", false, "ordered triple in the wrong order"],
  ["(6,31,-1)", "\\boxed{6, 31, -1}", true, "a tuple gold takes the same values in order without brackets"],
  ["(15,-29)", "\\boxed{(-29,15)}", false, "ordered pair reversed"],
  ["(15,-29)", "\\boxed{(15,29)}", false, "sign error in one coordinate"],
  ["\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3, \\pi/2)}", true, "polar point with pi/2 as pi/2"],
  ["\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3, 90^\\circ)}", false, "degrees for a radian coordinate (MATH's checkers do not convert)"],
  ["\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3, \\frac{3\\pi}{2})}", false, "wrong angle"],
  ["\\left( \\frac{3}{2}, -13 \\right)", "\\boxed{(1.5, -13)}", true, "1.5 is exactly 3/2"],
];

const matrices: Probe[] = [
  ["\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}}", true, "the same column with \\frac"],
  ["\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}}", false, "sign error in one entry"],
  ["\\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} -0.33 \\\\ 0.67 \\\\ 1.67 \\end{pmatrix}}", false, "2-digit decimals for thirds are not the exact vector"],
  ["\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\boxed{\\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}}", true, "bmatrix against pmatrix"],
  ["\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 1 & 0 \\\\ 0 & 1 \\end{pmatrix}}", false, "sign error in every entry"],
  ["\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\boxed{-1}", false, "a scalar for a matrix"],
  ["\\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix}", "\\boxed{\\begin{vmatrix} -1 & 0 \\\\ 0 & -1 \\end{vmatrix}}", false, "a vmatrix is a determinant (1), not the matrix"],
  ["\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}", "\\boxed{\\left(\\frac15, -\\frac{18}{5}\\right)}", true, "a tuple for a column vector"],
  ["\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 0.2 \\\\ -3.6 \\end{pmatrix}}", true, "exact decimals for fifths"],
  ["\\begin{pmatrix} 1/5 \\\\ -18/5 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 1/5 & -18/5 \\end{pmatrix}}", true, "a row vector with the column's entries in order"],
  ["\\begin{pmatrix} 2 & 1 \\\\ 0 & 3 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 2 & 0 \\\\ 1 & 3 \\end{pmatrix}}", false, "transposed matrix"],
];

const degrees: Probe[] = [
  ["30^\\circ", "\\boxed{\\frac{\\pi}{6}}", false, "degrees for a radian gold are not converted (lm-eval, Math-Verify do not either)"],
  ["\\frac{\\pi}{6}", "\\boxed{30^\\circ}", false, "the other way round"],
  ["\\frac{\\pi}{6}", "\\boxed{30}", false, "a bare 30 for pi/6"],
  ["145^\\circ", "\\boxed{145}", true, "the degree sign is decoration"],
  ["145^\\circ", "\\boxed{145 \\text{ degrees}}", true, "degrees in words"],
  ["145^\\circ", "\\boxed{35^\\circ}", false, "the supplement"],
  ["\\frac{270}7\\text{ degrees}", "\\boxed{\\frac{270}{7}^\\circ}", true, "a fraction of degrees"],
  ["\\frac{270}7\\text{ degrees}", "\\boxed{38.57^\\circ}", true, "38.57 is 270/7 to 4 significant digits"],
  ["-\\frac{\\pi}{6}", "\\boxed{-\\pi/6}", true, "slash form"],
  ["-\\frac{\\pi}{6}", "\\boxed{\\frac{11\\pi}{6}}", false, "a coterminal angle is not the stated value"],
];

const scientificAndPercent: Probe[] = [
  ["4.5\\times 10^{-7}", "\\boxed{4.5 \\times 10^{-7}}", true, "same scientific notation"],
  ["4.5\\times 10^{-7}", "\\boxed{4.5e-7}", true, "e-notation"],
  ["4.5\\times 10^{-7}", "\\boxed{0.00000045}", true, "the plain decimal"],
  ["4.5\\times 10^{-7}", "\\boxed{4.5 \\times 10^{7}}", false, "exponent sign error"],
  ["4.5\\times 10^{-7}", "\\boxed{45 \\times 10^{-8}}", true, "non-normalized mantissa, same value"],
  ["40\\%", "\\boxed{0.4}", true, "percent gold, decimal answer"],
  ["40\\%", "\\boxed{\\frac{2}{5}}", true, "percent gold, fraction answer"],
  ["40\\%", "\\boxed{0.04}", false, "off by a factor of ten"],
  ["40\\%", "\\boxed{4\\%}", false, "off by a factor of ten, as a percent"],
  ["0.4", "\\boxed{40}", false, "40 for 0.4 (the gold has no percent sign)"],
  ["33\\frac{1}{3}\\%", "\\boxed{\\frac{1}{3}}", true, "33 1/3 % is 1/3"],
];

const mixedNumbers: Probe[] = [
  ["2\\frac{1}{2}", "\\boxed{2.5}", true, "mixed number as a decimal"],
  ["2\\frac{1}{2}", "\\boxed{\\frac{5}{2}}", true, "mixed number as an improper fraction"],
  ["2\\frac{1}{2}", "\\boxed{\\frac{2}{2}}", false, "the whole part dropped"],
  ["2\\frac{1}{2}", "\\boxed{1}", false, "a different value"],
  ["-1\\frac{1}{2}", "\\boxed{-\\frac{3}{2}}", true, "negative mixed number"],
  ["-1\\frac{1}{2}", "\\boxed{-\\frac{1}{2}}", false, "the whole part dropped"],
  ["\\frac{5}{2}", "\\boxed{2 \\frac12}", true, "mixed number with \\frac12"],
];

const repeatingDecimals: Probe[] = [
  ["0.\\overline{6}", "\\boxed{\\frac{2}{3}}", true, "a repeating decimal gold against its fraction"],
  ["\\frac{2}{3}", "\\boxed{0.\\overline{6}}", true, "the fraction against the repeating decimal"],
  ["\\frac{41}{333}", "\\boxed{0.\\overline{123}}", true, "three repeating digits"],
  ["\\frac{41}{333}", "\\boxed{0.\\overline{12}}", false, "a shorter repetend is another number"],
  ["\\frac{1}{3}", "\\boxed{0.333}", false, "3 significant digits of a repeating gold are not enough (policy)"],
  ["\\frac{1}{3}", "\\boxed{0.33333}", true, "five 3s are enough"],
  ["0.333", "\\boxed{\\frac{1}{3}}", false, "a terminating gold 0.333 is not 1/3"],
];

const radicals: Probe[] = [
  ["3\\sqrt{5}", "\\boxed{\\sqrt{45}}", true, "sqrt(45) = 3 sqrt 5"],
  ["3\\sqrt{5}", "\\boxed{5\\sqrt{3}}", false, "coefficient and radicand swapped"],
  ["\\frac{\\sqrt{6}}{3}", "\\boxed{\\sqrt{\\frac{2}{3}}}", true, "sqrt(2/3) = sqrt6/3"],
  ["\\frac{\\sqrt{6}}{3}", "\\boxed{\\frac{\\sqrt{6}}{2}}", false, "wrong denominator"],
  ["2\\sqrt[3]{2}", "\\boxed{\\sqrt[3]{16}}", true, "cube root of 16 = 2 cbrt 2"],
  ["2\\sqrt[3]{2}", "\\boxed{\\sqrt[3]{8}}", false, "cbrt 8 = 2"],
  ["\\sqrt{2}+\\sqrt{3}", "\\boxed{\\sqrt{5+2\\sqrt{6}}}", true, "denested radical"],
  ["5\\sqrt{2}", "\\boxed{7.07}", false, "3 significant digits of an irrational gold are not enough"],
  ["5\\sqrt{2}", "\\boxed{7.071}", true, "4 significant digits"],
];

const complexNumbers: Probe[] = [
  ["6 - 5i", "\\boxed{-5i+6}", true, "terms reordered"],
  ["6 - 5i", "\\boxed{6+5i}", false, "sign of the imaginary part"],
  ["6 - 5i", "\\boxed{(6,-5)}", false, "a pair is not a complex number"],
  ["-2 + 7i", "\\boxed{7i-2}", true, "terms reordered"],
  ["-2 + 7i", "\\boxed{-2+7j}", false, "j is a variable here, not i"],
  ["1+274i", "\\boxed{1 + 274 i}", true, "spacing"],
  ["1+274i", "\\boxed{1 + 247 i}", false, "digits swapped"],
  ["\\frac{3}{5}+\\frac{4}{5}i", "\\boxed{\\frac{3+4i}{5}}", true, "one fraction over 5"],
  ["\\frac{3}{5}+\\frac{4}{5}i", "\\boxed{0.6+0.8i}", true, "exact decimals"],
  ["-1", "\\boxed{i^2}", true, "i^2 = -1"],
  ["i", "\\boxed{i^5}", true, "i^5 = i"],
];

const equations: Probe[] = [
  ["y = -2x", "\\boxed{y=-2x}", true, "the same line"],
  ["y = -2x", "\\boxed{-2x}", true, "the right side of y = -2x"],
  ["y = -2x", "\\boxed{2x + y = 0}", true, "rearranged equation of the same line"],
  ["y = -2x", "\\boxed{y = 2x}", false, "sign error in the slope"],
  ["y = -2x", "\\boxed{x = -2y}", false, "x = -2y is another line"],
  ["y = 2x + 3", "\\boxed{y - 3 = 2x}", true, "rearranged"],
  ["y = 2x + 3", "\\boxed{y = 3x + 2}", false, "slope and intercept swapped"],
  ["5x - 7y + 11z + 4 = 0", "\\boxed{10x - 14y + 22z + 8 = 0}", true, "the same plane times 2"],
  ["5x - 7y + 11z + 4 = 0", "\\boxed{5x - 7y + 11z - 4 = 0}", false, "sign error in the constant"],
  ["x=5", "\\boxed{5}", true, "the value of x"],
  ["x=5", "\\boxed{x = 6}", false, "another value"],
];

const bases: Probe[] = [
  ["52_8", "\\boxed{52_8}", true, "base-8 numeral"],
  ["52_8", "\\boxed{52}", true, "the digits without the subscript"],
  ["52_8", "\\boxed{42}", false, "the decimal value for a base-8 gold: the question asks for base-8 digits (policy)"],
  ["52_8", "\\boxed{25_8}", false, "digits reversed"],
  ["4210_{5}", "\\boxed{4210_5}", true, "braces on the base"],
  ["4210_{5}", "\\boxed{4210_6}", false, "another base"],
  ["101_2", "\\boxed{5}", false, "the decimal value for a base-2 gold (policy, as 11_2 vs 3)"],
  ["101_2", "\\boxed{101_{2}}", true, "braces on the base"],
  ["101_2", "\\boxed{110_2}", false, "other digits"],
];

const money: Probe[] = [
  ["\\$32,\\!348", "\\boxed{\\$32,348}", true, "thousands comma without \\!"],
  ["\\$32,\\!348", "\\boxed{32348}", true, "plain digits"],
  ["\\$32,\\!348", "\\boxed{32,348.00}", true, "cents shown"],
  ["\\$32,\\!348", "\\boxed{\\$32,384}", false, "digits transposed"],
  ["\\$36", "\\boxed{36 \\text{ dollars}}", true, "dollars in words"],
  ["\\$36", "\\boxed{\\$3.60}", false, "off by a factor of ten"],
  ["12.50", "The total cost is \\$12.50.", true, "money in prose after a marker-less sentence"],
  ["12.5", "\\boxed{12.5 \\text{ dollars}}", true, "dollars in words"],
  ["12.5", "\\boxed{\\$12.50}", true, "dollar sign and cents"],
  ["12.5", "\\boxed{1250 \\text{ cents}}", false, "the same amount in cents is a different number"],
  ["5.4 \\text{ cents}", "\\boxed{5.4}", true, "the unit word in the gold is decoration"],
  ["5.4 \\text{ cents}", "\\boxed{\\$0.054}", false, "dollars for a cents gold"],
  ["1234567", "\\boxed{1,234,567}", true, "thousands commas"],
  ["1234567", "\\boxed{1 234 567}", true, "thousands spaces"],
  ["1234567", "\\boxed{1,234,576}", false, "digits transposed"],
  ["1234567", "\\boxed{1.234.567}", false, "dots as thousands separators are decimal points in English"],
];

const signs: Probe[] = [
  ["0", "\\boxed{-0.0}", true, "negative zero"],
  ["0", "\\boxed{+0}", true, "plus zero"],
  ["-3", "\\boxed{-(3)}", true, "parenthesized negation"],
  ["-3", "\\boxed{--3}", false, "double minus is +3"],
  ["-3", "\\boxed{(-3)}", true, "parenthesized -3"],
];

const trailingAndTruncated: Probe[] = [
  ["17", "The answer is \\boxed{17}. This is because 17 is prime and 4 is not.", true, "trailing prose after the box"],
  ["17", "\\boxed{17}\n\nTherefore, the remainder is 4.", true, "the box wins over a later concluding number"],
  ["4", "\\boxed{17}\n\nTherefore, the remainder is 4.", false, "that later number is not the answer"],
  ["17", "So the answer is $\\boxed{17}$. Alternatively, one might get $\\boxed{19}$ by mistake.", false, "a second box states another answer: the last box is read"],
  ["17", "The final answer is \\boxed{17", false, "cut off inside the box", "length"],
  ["17", "Final Answer: The final answer is $17$. I hope it is correct.\n\nProblem: what is", true, "complete marker before the cut", "length"],
  ["17", "We have 3 + 14 = 17. Therefore the", false, "cut off before any marker", "length"],
  ["17", "\\boxed{17}. Let me verify: 17 is", true, "complete box before the cut", "length"],
];

const aimeGsm8k: Probe[] = [
  ["073", "\\boxed{73}", true, "AIME zero padding in the gold"],
  ["73", "\\boxed{073}", true, "AIME zero padding in the answer"],
  ["73", "\\boxed{37}", false, "digits reversed"],
  ["540", "#### 540", true, "GSM8K marker"],
  ["540", "#### 540.0", true, "GSM8K marker with .0"],
  ["540", "#### 54", false, "a digit missing"],
  ["18", "Janet makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18", true, "GSM8K calculator annotations before the marker"],
  ["18", "Janet makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 19", false, "wrong marked value"],
];

const choices: Probe[] = [
  ["\\text{(D)}", "The answer is D) 24.", true, "a choice label with its value in prose"],
  ["\\text{(D)}", "\\boxed{\\text{D) } 24}", true, "label and value in a box"],
  ["\\text{(D)}", "\\boxed{24}", false, "the value alone for a choice gold"],
  ["\\text{(C)}", "\\boxed{\\textbf{(C)}\\ 12}", true, "bold label and value"],
  ["\\text{(C)}", "\\boxed{\\textbf{(D)}\\ 12}", false, "wrong label, right value"],
];

const infinityWords: Probe[] = [
  ["\\infty", "\\boxed{\\text{infinitely many}}", true, "infinitely many for an infinite count"],
  ["\\infty", "The answer is infinitely many.", true, "the same in prose"],
  ["\\infty", "\\boxed{\\text{finitely many}}", false, "finitely many"],
  ["-\\infty", "\\boxed{\\text{infinitely many}}", false, "infinitely many is not -infinity"],
  ["0", "\\boxed{\\text{infinitely many}}", false, "not a finite number"],
];

const forms: Probe[] = [
  ["\\frac{1}{4}", "So the probability is 1/4 or 25%.", true, "one value in two forms"],
  ["\\frac{1}{4}", "So the probability is 1/4 or 20%.", false, "the second form is wrong"],
  ["\\frac{1}{4}", "\\boxed{\\frac{1}{4} = 0.25}", true, "a value and its decimal"],
  ["\\frac{1}{4}", "\\boxed{\\frac{1}{4} = 0.2}", false, "the decimal is wrong"],
  ["1", "\\boxed{\\begin{vmatrix} 1 & 0 \\\\ 0 & 1 \\end{vmatrix}}", true, "determinant of the identity"],
  ["-2", "\\boxed{\\begin{vmatrix} 1 & 2 \\\\ 3 & 4 \\end{vmatrix}}", true, "ad - bc = -2"],
  ["2", "\\boxed{\\begin{vmatrix} 1 & 2 \\\\ 3 & 4 \\end{vmatrix}}", false, "sign error in the determinant"],
  ["x \\neq 0", "\\boxed{(-\\infty,0)\\cup(0,\\infty)}", true, "gold x != 0 against the union"],
  ["x \\neq 0", "\\boxed{x \\ne 0}", true, "same relation"],
  ["x \\neq 0", "\\boxed{x > 0}", false, "one half of it"],
  ["|x| > 1", "\\boxed{x < -1 \\text{ or } x > 1}", true, "gold |x| > 1 against \"or\""],
  ["|x| > 1", "\\boxed{(-\\infty,-1)\\cup(1,\\infty)}", true, "gold |x| > 1 against the union"],
  ["|x| > 1", "\\boxed{(-1,1)}", false, "the complement"],
  ["(-\\infty,-3)\\cup(3,\\infty)", "\\boxed{|x|>3}", true, "|x| > 3"],
  ["(-\\infty,-3)\\cup(3,\\infty)", "\\boxed{|x|<3}", false, "the complement"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{\\mathbb{R}-\\{0\\}}", true, "R - {0} written with a minus"],
  ["(-\\infty,1)\\cup(1,\\infty)", "\\boxed{\\mathbb{R}\\setminus\\{-1\\}}", false, "the wrong point removed"],
  ["(-\\infty,-2)\\cup(-2,3)\\cup(3,\\infty)", "\\boxed{\\mathbb{R}\\setminus\\{3,-2\\}}", true, "points listed out of order"],
  ["\\frac{1}{4}", "\\boxed{\\frac{1}{4}, 0.25}", true, "one value in two forms, comma-separated"],
  ["\\frac{1}{4}", "\\boxed{\\frac{1}{4}, \\frac{1}{5}}", false, "two different values"],
  ["2", "\\boxed{2, 3}", false, "two values for one"],
  ["\\frac{1}{3}", "So the probability is 1/3 or about 0.33.", true, "the exact value leads; \"about 0.33\" only approximates it"],
  ["\\frac{1}{3}", "So the probability is 1/3, or about 0.3333.", true, "exact and 4-digit forms"],
  ["\\infty", "\\boxed{\\text{infinitely many solutions}}", true, "infinitely many solutions"],
  ["\\text{infinitely many}", "\\boxed{\\infty}", true, "gold in words, answer as infinity"],
  ["\\text{infinitely many}", "\\boxed{100}", false, "a finite number"],
  ["33\\frac{1}{3}\\%", "\\boxed{33.33\\%}", true, "33.33% is 1/3 to 4 significant digits"],
  ["33\\frac{1}{3}\\%", "\\boxed{33\\%}", false, "33% is too coarse"],
  ["\\frac{1}{3}", "\\boxed{33\\frac{1}{3}\\%}", true, "mixed-number percent answer"],
  ["12\\frac{1}{2}\\%", "\\boxed{0.125}", true, "12 1/2 % = 0.125"],
  ["\\begin{pmatrix} 3 & -1 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 3 \\\\ -1 \\end{pmatrix}}", true, "column answer for a row gold"],
  ["\\begin{pmatrix} 3 \\\\ -1 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} -1 & 3 \\end{pmatrix}}", false, "entries reversed"],
  ["\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\boxed{\\begin{pmatrix} 1 & 2 & 3 & 4 \\end{pmatrix}}", false, "a 1x4 row for a 2x2 matrix"],
  ["(-\\infty,\\infty)", "\\boxed{\\text{All real numbers}}", true, "capitalized words"],
  ["(-\\infty,\\infty)", "\\boxed{\\text{all real numbers except } 0}", false, "words with an exception are not the whole line"],
  ["[0,\\infty)", "\\boxed{\\text{all real numbers}}", false, "the whole line for a half-line"],
  ["\\text{(B)}", "The correct answer is (B) 7.", true, "label and value after \"the correct answer is\""],
  ["\\text{(B)}", "The answer is B) 7.", true, "label without an opening parenthesis"],
  ["\\text{(B)}", "The answer is C) 7.", false, "wrong label"],
  ["7", "The answer is B) 7.", true, "the value for a value gold, label dropped"],
  ["\\text{(B)}", "The answer is **B) 7**.", true, "bold label and value"],
];

const gsm8kProse: Probe[] = [
  ["12.5", "The answer is 12.5 dollars.", true, "dollars in words after a marker"],
  ["12.5", "She pays $12.50 in total.\n#### 12.50", true, "GSM8K marker with cents"],
  ["1250", "The answer is 1,250.", true, "thousands comma in prose"],
  ["1250", "The answer is 1,205.", false, "digits transposed"],
  ["3", "It takes 3 hours and 20 minutes, so the answer is 3.", true, "the marked value, not the minutes"],
  ["0.5", "The answer is 1/2.", true, "a fraction for a decimal gold"],
  ["50", "The answer is 50%.", true, "a percent sign as decoration for a plain gold"],
  ["-4", "The temperature drops to -4 degrees. The answer is -4.", true, "negative value"],
  ["-4", "The temperature drops to 4 degrees below zero. The answer is 4.", false, "the sign is lost"],
  ["5", "**Answer: 5 hours**", true, "bold label with a unit"],
  ["5", "**Answer: 6 hours**", false, "wrong value"],
];

const scaleAndScientific: Probe[] = [
  ["6.674\\times 10^{-11}", "\\boxed{6.674e-11}", true, "e-notation"],
  ["6.674\\times 10^{-11}", "\\boxed{6.674 \\times 10^{11}}", false, "exponent sign"],
  ["2 \\times 10^{6}", "\\boxed{2,000,000}", true, "the plain number"],
  ["2 \\times 10^{6}", "\\boxed{2 million}", true, "a scale word multiplies"],
  ["0.0025", "\\boxed{2.5\\times10^{-3}}", true, "scientific for a decimal gold"],
  ["0.0025", "\\boxed{2.5\\times10^{-4}}", false, "exponent off by one"],
];

const moreEquations: Probe[] = [
  ["y = x^2 - 4x + 3", "\\boxed{y = (x-1)(x-3)}", true, "factored right side"],
  ["y = x^2 - 4x + 3", "\\boxed{y = (x+1)(x+3)}", false, "wrong factors"],
  ["y = \\frac{1}{2}x + 1", "\\boxed{y = 0.5x + 1}", true, "0.5 for 1/2"],
  ["x^2+y^2=25", "\\boxed{x^2+y^2=5}", false, "radius for radius squared"],
  ["x+y=5", "\\boxed{y=5-x}", true, "rearranged"],
];

const moreComplex: Probe[] = [
  ["2i", "\\boxed{0+2i}", true, "zero real part"],
  ["2i", "\\boxed{-2i}", false, "sign error"],
  ["\\frac{1}{2}-\\frac{1}{2}i", "\\boxed{\\frac{1-i}{2}}", true, "one fraction"],
  ["\\frac{1}{2}-\\frac{1}{2}i", "\\boxed{\\frac{1+i}{2}}", false, "sign of the imaginary part"],
  ["3+4i", "\\boxed{5}", false, "the modulus is not the number"],
];

const unitVectorsAndScale: Probe[] = [
  ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\boxed{\\mathbf{i}+2\\mathbf{j}}", true, "unit vectors against a column"],
  ["(1,2)", "\\boxed{\\mathbf{i}+2\\mathbf{j}}", true, "unit vectors against a tuple"],
  ["2", "\\boxed{2 million}", false, "2 million is not 2"],
  ["2", "\\boxed{2 \\text{ million}}", false, "the scale word in \\text is not a unit either"],
  ["2", "The answer is 2 million.", false, "the same in prose"],
  ["2000000", "The answer is 2 million.", true, "2 million in prose"],
  ["2500000", "\\boxed{2.5 \\text{ million dollars}}", true, "a scale word before a unit"],
  ["3000", "\\boxed{3 thousand}", true, "3 thousand"],
  ["3", "\\boxed{3 thousand}", false, "3 thousand is not 3"],
  ["(1,2)", "\\boxed{2\\mathbf{j}+\\mathbf{i}}", true, "unit-vector terms in any order"],
  ["(1,2)", "\\boxed{2\\mathbf{i}+\\mathbf{j}}", false, "components swapped"],
  ["(3,0,-1)", "\\boxed{3\\hat{i} - \\hat{k}}", true, "hat notation, missing j is 0"],
  ["(3,0,-1)", "\\boxed{3\\hat{i} + \\hat{k}}", false, "sign error in the k component"],
  ["\\begin{pmatrix} 1/2 \\\\ -3 \\end{pmatrix}", "\\boxed{\\frac{1}{2}\\mathbf{i} - 3\\mathbf{j}}", true, "fraction coefficients"],
  ["\\mathbf{i}+2\\mathbf{j}", "\\boxed{(1,2)}", true, "gold in unit vectors, answer a tuple"],
  ["\\mathbf{i}+2\\mathbf{j}", "\\boxed{1+2i}", false, "a complex number is not the vector"],
  ["2i", "\\boxed{2\\mathbf{i}}", false, "a bold i is a unit vector, not the imaginary unit"],
];

const markerless: Probe[] = [
  ["\\text{(D)}", "D) 24", true, "a bare label closed by a parenthesis is the choice (fallback)"],
  ["\\text{(D)}", "C) 24", false, "another label"],
  ["\\text{(D)}", "We compute f(A) = 3, so the total is 24.", false, "f(A) is no choice (D); the read (A) is wrong anyway"],
  ["\\text{yes}", "Yes.", true, "a one-word output answers a yes/no question"],
  ["\\text{yes}", "No.", false, "the opposite word"],
  ["\\text{Evelyn}", "Evelyn.", true, "a name alone"],
  ["\\text{Evelyn}", "Sam.", false, "another name"],
  ["5", "Yes.", false, "words for a numeric gold state nothing"],
  ["\\text{yes}", "I am not sure at all about this.", false, "a sentence is not a word answer"],
];

const trigSetBuilderAndScale: Probe[] = [
  ["\\frac{\\sqrt{3}}{2}", "\\boxed{\\sin 60^\\circ}", true, "sin of 60 degrees is sqrt3/2 (degrees inside a trig function are converted)"],
  ["\\frac{\\sqrt{2}}{2}", "\\boxed{\\cos 45^{\\circ}}", true, "cos of 45 degrees"],
  ["\\frac{1}{2}", "\\boxed{\\sin 60^\\circ}", false, "sin 60 degrees is not 1/2"],
  ["(2,\\infty)", "\\boxed{\\{x \\mid x > 2\\}}", true, "set-builder with an inequality is the interval"],
  ["(2,\\infty)", "\\boxed{\\{x : x > 2\\}}", true, "set-builder with a colon"],
  ["(2,\\infty)", "\\boxed{\\{x \\mid x \\ge 2\\}}", false, "non-strict for an open interval"],
  ["\\{x \\mid x > 2\\}", "\\boxed{(2, \\infty)}", true, "set-builder gold against the interval"],
  ["\\{(1,2),(3,4)\\}", "\\boxed{(3,4),(1,2)}", true, "a set of points against the bare list, order-free"],
  ["\\{(1,2),(3,4)\\}", "\\boxed{\\{(2,1),(3,4)\\}}", false, "one point reversed"],
  ["1000", "#### 1,000", true, "GSM8K marker with a thousands comma"],
  ["1234.5", "\\boxed{1,234.5}", true, "thousands comma with a decimal part"],
  ["1234.5", "\\boxed{1,234.50}", true, "trailing zero in the cents"],
  ["1234.5", "\\boxed{1,243.5}", false, "digits transposed"],
  ["2i", "\\boxed{\\sqrt{-4}}", true, "sqrt(-4) = 2i"],
  ["\\frac{8}{15}", "\\boxed{0.5\\overline{3}}", true, "0.5 repeating 3 is 8/15"],
  ["\\frac{1}{3}", "\\boxed{.\\overline{3}}", true, "a repeating decimal without the leading zero"],
  ["000", "\\boxed{0}", true, "AIME 000 is 0"],
  ["\\text{(A)}", "\\boxed{\\text{(A)}\\ \\frac{1}{2}}", true, "choice label with the value in a box"],
  ["\\frac{1}{2}", "\\boxed{\\frac12 \\text{ or } 0.5}", true, "two forms of one value joined by \"or\""],
  ["2500000", "\\boxed{\\$2.5 \\text{ million}}", true, "money with a scale word"],
  ["2", "\\boxed{2 millions}", false, "plural scale word still multiplies (2 millions is not 2)"],
  ["500", "\\boxed{5 hundred}", true, "5 hundred is 500"],
  ["5", "\\boxed{5 hundred}", false, "5 hundred is not 5"],
  ["\\text{(B)}", "The answer is B) or D).", false, "two labels joined by \"or\" are a hedge"],
  ["\\text{(B)}", "The answer is (B) or (D).", false, "two bracketed labels joined by \"or\" are a hedge"],
  ["2", "\\boxed{2, 2}", true, "a value stated twice is one value"],
  ["x=2", "\\boxed{x = 2, y = 2}", false, "an assignment to a second variable is not the answer"],
  ["2", "\\boxed{x = 2, y = 2}", false, "two assignments for one value"],
  ["(-\\infty,3)\\cup(3,\\infty)", "\\boxed{x \\neq 3}", true, "x != 3"],
  ["(-\\infty,3)\\cup(3,\\infty)", "\\boxed{x \\neq -3}", false, "the wrong point"],
  ["(-\\infty,-3)\\cup(-3,\\infty)", "\\boxed{\\mathbb{R} \\setminus \\{-3\\}}", true, "R minus a negative point"],
  ["(-\\infty,\\frac{1}{2})\\cup(\\frac{1}{2},\\infty)", "\\boxed{\\mathbb{R}\\setminus\\{\\frac12\\}}", true, "R minus a short-form fraction"],
  ["(-\\infty,\\frac{1}{2})\\cup(\\frac{1}{2},\\infty)", "\\boxed{\\mathbb{R}\\setminus\\{\\tfrac{1}{2}\\}}", true, "R minus a \\tfrac"],
  ["(-\\infty,\\frac{1}{2})\\cup(\\frac{1}{2},\\infty)", "\\boxed{x\\neq\\frac{1}{2}}", true, "x != 1/2"],
  ["[-2, 2]", "\\boxed{|x| \\leq 2}", true, "|x| <= 2 is [-2, 2]"],
  ["[-2, 2]", "\\boxed{|x - 1| \\leq 2}", false, "|x - 1| <= 2 is [-1, 3], not [-2, 2]"],
  ["[-1, 3]", "\\boxed{|x - 1| \\leq 2}", true, "|x - 1| <= 2 is [-1, 3]"],
  ["\\frac{3}{2}", "\\boxed{1\\frac{1}{2}}", true, "mixed number for an improper fraction"],
  ["150\\%", "\\boxed{1.5}", true, "percent above 100"],
  ["1.5", "\\boxed{150\\%}", true, "1.5 for 150%"],
  ["3:1", "\\boxed{3}", true, "a ratio 3:1 is the quotient 3"],
  ["3:1", "\\boxed{1:3}", false, "the inverse ratio"],
  ["\\frac{9}{2}", "\\boxed{4.5 \\text{ square units}}", true, "area with a unit phrase"],
  ["\\pi", "\\boxed{180^\\circ}", false, "pi radians is not 180 (no conversion outside trig functions)"],
  ["\\frac{1}{6}", "\\boxed{16\\frac{2}{3}\\%}", true, "16 2/3 % is 1/6"],
  ["60", "\\boxed{\\frac{\\pi}{3}}", false, "pi/3 for a 60 gold is not converted"],
];

const relationsAndTrig: Probe[] = [
  ["0.05", "\\boxed{5}", false, "0.05 is not 5 (no percent sign in either)"],
  ["5\\%", "\\boxed{0.05}", true, "a percent gold against its decimal"],
  ["\\frac{1}{2}", "\\boxed{50}", false, "50 for 1/2 without a percent sign"],
  ["y=2x+1", "\\boxed{2x - y + 1 = 0}", true, "the line in general form"],
  ["\\pm 3", "\\boxed{x = 3 \\text{ or } x = -3}", true, "an or of the two roots for a ± gold"],
  ["1+\\sqrt{3}i", "\\boxed{2e^{i\\pi/3}}", true, "polar form of 1 + sqrt3 i"],
  ["\\frac{x}{2}", "\\boxed{\\frac{2x}{4}}", true, "an unreduced fraction of an expression"],
  ["5", "\\boxed{5} is the answer, but \\boxed{6} if we count differently.", false, "the last box hedges to another answer"],
  ["5", "\\boxed{5}. Verification: 2 + 3 = 5, so \\boxed{5}.", true, "the same box repeated after a check"],
  ["18", "#### $18", true, "GSM8K marker with a dollar sign"],
  ["18", "#### 18 dollars", true, "GSM8K marker with a unit word"],
  ["\\text{(B)}", "\\boxed{\\textbf{(B) }15}", true, "bold choice label with the value"],
  ["(0,0)", "\\boxed{(0,-0)}", true, "negative zero inside a tuple"],
  ["12\\%", "\\boxed{12\\,\\%}", true, "a thin space before the percent sign"],
  ["\\frac{\\pi}{2}", "\\boxed{\\frac{1}{2}\\pi}", true, "pi/2 written as (1/2) pi"],
  ["-1", "\\boxed{e^{i\\pi}}", true, "Euler's identity"],
  ["2", "\\boxed{\\log_{10} 100}", true, "log base 10 of 100"],
  ["\\frac{3}{4}", "\\boxed{\\frac{-3}{-4}}", true, "two negatives cancel"],
  ["3\\times10^8", "\\boxed{3.0 \\times 10^8 \\text{ m/s}}", true, "scientific notation with a unit"],
  ["(-\\infty,0)\\cup(0,\\infty)", "\\boxed{x > 0 \\text{ or } x < 0}", true, "the union as two inequalities joined by or"],
  ["(1,\\infty)", "\\boxed{|x| > 1}", false, "|x| > 1 is not the half-line (1, inf)"],
  ["(-\\infty,1)", "\\boxed{|x| < 1}", false, "|x| < 1 is not (-inf, 1)"],
  ["(-\\infty,\\infty)", "\\boxed{\\mathbb{R}\\setminus\\{0\\}}", false, "R minus a point is not R"],
  ["\\mathbb{R}\\setminus\\{0\\}", "\\boxed{(-\\infty,0)\\cup(0,\\infty)}", true, "gold R minus {0} against the union"],
  ["\\mathbb{R}\\setminus\\{0\\}", "\\boxed{x \\neq 0}", true, "gold R minus {0} against x != 0"],
  ["x = 4", "The answer is $x = 4$ (since $x = -4$ is rejected).", true, "a marked assignment with a rejected root in parentheses"],
  ["4", "The answer is 4, not 5.", true, "a correction after the marked value (\"not 5\")"],
  ["5", "The answer is 4, not 5.", false, "the rejected value"],
  ["10", "The answer is approximately 10.", true, "approximately before the value"],
  ["\\frac{7}{2}", "The answer is 3.5 (or 7/2).", true, "the decimal with its fraction in parentheses"],
  ["26", "**26**", true, "a bold value alone"],
  ["26", "The answer is $\\boxed{26}$ students.", true, "a box followed by a unit word"],
  ["\\$26", "\\boxed{26.00}", true, "a money gold against cents shown"],
  ["(3, -2)", "\\boxed{x=3, y=-2}", true, "assignments for the pair, in order"],
  ["(3, -2)", "\\boxed{y=-2, x=3}", false, "assignments out of order for a pair (as b=4, a=3 in the first set: the pair's order is not restated)"],
  ["(3, -2)", "\\boxed{x=-2, y=3}", false, "assignments with the values swapped"],
  ["\\sqrt{3}", "\\boxed{\\tan 60^\\circ}", true, "tan 60 degrees is sqrt3"],
  ["1", "\\boxed{\\tan 45^\\circ}", true, "tan 45 degrees is 1"],
  ["\\frac{1}{2}", "\\boxed{\\cos 60^\\circ}", true, "cos 60 degrees is 1/2"],
  ["\\frac{1}{2}", "\\boxed{\\cos 30^\\circ}", false, "cos 30 degrees is not 1/2"],
  ["-\\frac{1}{2}", "\\boxed{\\sin(-30^\\circ)}", true, "a signed angle in parentheses"],
  ["[1, 5]", "\\boxed{\\{x \\mid 1 \\le x \\le 5\\}}", true, "set-builder with a chain of inequalities"],
  ["\\{-2, 2\\}", "\\boxed{\\{x \\mid x^2 = 4\\}}", false, "set-builder with an equation is not rewritten (a false negative kept on purpose)"],
  ["4", "\\boxed{\\{x \\mid x^2 = 4\\}}", false, "nor is it read as its right side"],
  ["(-\\infty, -1)\\cup(3,\\infty)", "\\boxed{|x-1| > 2}", true, "|x - 1| > 2 is (-inf,-1) u (3,inf)"],
  ["(-\\infty, -3)\\cup(1,\\infty)", "\\boxed{|x+1| > 2}", true, "|x + 1| > 2 is (-inf,-3) u (1,inf)"],
  ["(-\\infty, -1)\\cup(3,\\infty)", "\\boxed{|x+1| > 2}", false, "the center's sign matters"],
];

const proseAndForms: Probe[] = [
  ["\\frac{1}{2}", "\\boxed{1/2.}", true, "a trailing period after the fraction"],
  ["A", "\\boxed{\\text{A}}", true, "a choice letter in text"],
  ["\\text{(A)}", "\\boxed{(a)}", true, "a lowercase label in parentheses"],
  ["\\text{(A)}", "\\boxed{(b)}", false, "another lowercase label"],
  ["f(x) = 3x - 2", "\\boxed{y = 3x - 2}", true, "f(x) written as y"],
  ["f(x) = 3x - 2", "\\boxed{f(x) = 3x + 2}", false, "sign error in the intercept"],
  ["\\sqrt{2}", "\\boxed{\\sqrt{2.0}}", true, "sqrt of 2.0"],
  ["[0.5, 2)", "\\boxed{[\\frac12, 2)}", true, "1/2 as \\frac12 in an interval"],
  ["12", "**Final answer:** \\textbf{12}", true, "bold value after a bold label"],
  ["12", "\\boxed{\\text{The answer is } 12}", true, "a marker copied into the box"],
  ["5", "\\boxed{2+3=5}", true, "a computation chain in the box"],
  ["5", "\\boxed{x = 5 \\text{ cm}}", true, "an assignment with a unit"],
  ["x^2+2x+1", "\\boxed{x^2+2x+1=0}", false, "an equation for an expression gold"],
  ["16", "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72", false, "GSM8K solution marked 72 for a gold 16"],
  ["72", "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72", true, "the same solution for its gold"],
  ["10", "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\nWorking 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n#### 10", true, "GSM8K calculator annotations with dollars"],
  ["5", "So she needs 5 more dollars.", true, "a concluding sentence with a unit word"],
  ["3", "There are 3 apples left. The answer is 3 apples.", true, "a conclusion with the value and its unit"],
  ["3", "The answer is 3. Wait, no: 3 + 1 = 4. The answer is 4.", false, "a later correction replaces the first marked value"],
  ["4", "The answer is 3. Wait, no: 3 + 1 = 4. The answer is 4.", true, "the corrected value"],
  ["\\frac{1}{2}", "The answer is $\\frac{1}{2}$ or equivalently $0.5$.", true, "a marked fraction and its decimal"],
  ["2\\sqrt{2}", "\\boxed{2\\sqrt{2} \\approx 2.83}", true, "an exact radical with its approximation"],
  ["2\\sqrt{2}", "\\boxed{2.83}", false, "the approximation alone has 3 digits only"],
  ["(1, -1)", "\\boxed{(1, -1)} and \\boxed{(-1, 1)}", false, "two boxes for a one-pair gold"],
  ["(1, -1), (-1, 1)", "\\boxed{(1, -1)} and \\boxed{(-1, 1)}", true, "two boxes for a two-pair gold"],
  ["\\frac{3}{8}", "\\boxed{\\frac{3}{8} = 37.5\\%}", true, "a fraction with its percent"],
  ["\\frac{3}{8}", "\\boxed{37.5\\%}", true, "the percent alone"],
  ["\\frac{3}{8}", "\\boxed{38\\%}", false, "a rounded percent"],
];

const olympiadAndMinerva: Probe[] = [
  ["\\frac{\\sqrt{5}-1}{2}", "\\boxed{\\frac{-1+\\sqrt{5}}{2}}", true, "the golden-ratio conjugate with terms reordered"],
  ["\\frac{\\sqrt{5}-1}{2}", "\\boxed{0.618}", false, "3 significant digits of an irrational gold"],
  ["\\frac{\\sqrt{5}-1}{2}", "\\boxed{0.6180}", true, "4 significant digits"],
  ["2^{2023}", "\\boxed{2^{2023}}", true, "a large power as written"],
  ["2^{2023}", "\\boxed{2^{2022}\\cdot 2}", true, "the same power split"],
  ["2^{2023}", "\\boxed{4^{1011}\\cdot 2}", true, "4^1011 * 2 = 2^2023"],
  ["2^{2023}", "\\boxed{2^{2024}}", false, "exponent off by one"],
  ["\\binom{10}{3}", "\\boxed{\\frac{10!}{3!7!}}", true, "a binomial as factorials"],
  ["\\frac{1}{2}\\ln 2", "\\boxed{\\ln\\sqrt{2}}", true, "ln sqrt2 = (ln 2)/2"],
  ["\\frac{1}{2}\\ln 2", "\\boxed{\\ln 2 / 2}", true, "(ln 2)/2 with a slash"],
  ["\\frac{1}{2}\\ln 2", "\\boxed{\\ln 4}", false, "ln 4 = 2 ln 2"],
  ["e^{-1}", "\\boxed{\\frac{1}{e}}", true, "1/e"],
  ["e^{-1}", "\\boxed{0.3679}", true, "4 significant digits of 1/e"],
  ["e^{-1}", "\\boxed{-e}", false, "-e is not 1/e"],
  ["\\sqrt[3]{3}", "\\boxed{3^{\\frac{1}{3}}}", true, "a fractional exponent in \\frac"],
  ["1.5 \\times 10^{11}", "\\boxed{1.5 \\times 10^{11} \\text{ m}}", true, "scientific notation with a unit"],
  ["1.5 \\times 10^{11}", "\\boxed{150000000000}", true, "the plain number"],
  ["1.5 \\times 10^{11}", "\\boxed{1.5 \\times 10^{12}}", false, "exponent off by one"],
  ["8.314", "\\boxed{8.314 \\mathrm{~J/(mol \\cdot K)}}", true, "a compound unit with parentheses in \\mathrm"],
  ["8.314", "\\boxed{8.31}", false, "a decimal gold must match to its digits"],
  ["0.05", "\\boxed{5 \\times 10^{-2}}", true, "scientific form of 0.05"],
  ["0.05", "\\boxed{\\frac{1}{20}}", true, "1/20"],
  ["0.05", "\\boxed{0.5}", false, "off by a factor of ten"],
  ["x^3 - 3x + 2", "\\boxed{(x-1)^2(x+2)}", true, "a factored cubic"],
  ["x^3 - 3x + 2", "\\boxed{(x+1)^2(x-2)}", false, "wrong signs in the factors"],
  ["\\frac{x^2}{4}+\\frac{y^2}{9}=1", "\\boxed{9x^2+4y^2=36}", true, "an ellipse cleared of denominators"],
  ["\\frac{x^2}{4}+\\frac{y^2}{9}=1", "\\boxed{4x^2+9y^2=36}", false, "the axes swapped"],
  ["(x-1)^2+(y+2)^2=9", "\\boxed{x^2-2x+y^2+4y-4=0}", true, "an expanded circle"],
  ["(x-1)^2+(y+2)^2=9", "\\boxed{(x+1)^2+(y-2)^2=9}", false, "center reflected"],
  ["[-3, 3]", "\\boxed{-3 \\leq x \\leq 3}", true, "an inequality chain for a closed interval"],
  ["[-3, 3]", "\\boxed{\\{-3, 3\\}}", false, "the endpoints only"],
  ["(0, 1]", "\\boxed{0 < x \\leq 1}", true, "a half-open chain"],
  ["(0, 1]", "\\boxed{(0, 1)}", false, "open where the gold is closed"],
  ["2, 4, 6", "\\boxed{2, 4, \\text{and } 6}", true, "an Oxford \"and\" in a list"],
  ["2, 4, 6", "\\boxed{2, 4 \\text{ and } 6}", true, "\"and\" before the last item"],
  ["2, 4, 6", "\\boxed{2 \\text{ and } 4}", false, "one item missing"],
  ["\\{(0,0), (1,1)\\}", "\\boxed{(0,0) \\text{ and } (1,1)}", true, "pairs joined by \"and\" for a set of pairs"],
  ["\\{(0,0), (1,1)\\}", "\\boxed{(0,0)}", false, "one pair missing"],
  ["(1, 2, 3)", "\\boxed{x = 1, y = 2, z = 3}", true, "three assignments for a triple, in order"],
  ["(1, 2, 3)", "\\boxed{x = 1, y = 3, z = 2}", false, "two values swapped"],
  ["n = 7", "\\boxed{7}", true, "the value of n"],
  ["n = 7", "The smallest such $n$ is $7$.", true, "the value in a concluding sentence"],
  ["n = 7", "The smallest such $n$ is $8$.", false, "another value"],
  ["7", "Thus $n = 7$ is the smallest.", true, "an assignment in a concluding sentence"],
  ["\\frac{7}{12}", "\\boxed{\\frac{14}{24}}", true, "an unreduced fraction"],
  ["\\frac{7}{12}", "\\boxed{0.58\\overline{3}}", true, "a repeating decimal with a fixed part"],
  ["\\frac{7}{12}", "\\boxed{0.583}", false, "3 significant digits of a repeating gold"],
  ["\\frac{7}{12}", "\\boxed{0.5833}", true, "4 significant digits"],
  ["-\\frac{7}{12}", "\\boxed{\\frac{7}{-12}}", true, "a negative denominator"],
  ["360", "\\boxed{360^{\\circ}}", true, "the degree sign on a plain gold"],
  ["360", "\\boxed{2\\pi}", false, "2pi is not 360 (no conversion)"],
  ["12\\sqrt{3}", "\\boxed{20.78}", true, "12 sqrt3 = 20.7846: 20.78 has 4 significant digits (policy)"],
  ["12\\sqrt{3}", "\\boxed{20.785}", true, "5 significant digits"],
  ["\\$1.50", "\\boxed{1.5}", true, "money gold without the dollar sign"],
  ["\\$1.50", "\\boxed{150}", false, "150 cents is another number"],
  ["\\$1.50", "\\boxed{\\$1.05}", false, "digits transposed"],
  ["1.50", "The answer is $1.50.", true, "money in prose after a marker"],
  ["15", "The answer is $15$%.", true, "a percent sign outside the math"],
  ["8", "$\\boxed{8}$ cm$^2$", true, "a unit after the box"],
  ["4", "The area is $4 \\text{ cm}^2$.", true, "a unit in text in a concluding sentence"],
];

const formsAndRelations: Probe[] = [
  ["x \\ne 3", "\\boxed{2x \\ne 6}", true, "an equivalent relation that is no simple union"],
  ["x \\ne 3", "\\boxed{x \\ne -3}", false, "the wrong point"],
  ["|x| > 1", "\\boxed{|x| \\ge 1}", false, "non-strict where the gold is strict"],
  ["|x| > 1", "\\boxed{1 < |x|}", true, "sides swapped"],
  ["3", "\\boxed{3, 3.0}", true, "one value in two forms"],
  ["1", "\\boxed{1, -1}", false, "two different values"],
  ["\\frac12", "\\boxed{0.5, 50\\%}", true, "a decimal and a percent"],
  ["0", "\\boxed{0, 0, 0}", true, "a triple root listed three times"],
];

// A second value after "or" with a hedge word or in parentheses (lead, 2026-12-04): two different values are a
// hedge; one value in two forms is still that value.
const hedgeWords: Probe[] = [
  ["7", "The answer is 7, or maybe 8.", false, "a hedge between 7 and 8 behind 'maybe'"],
  ["8", "The answer is 7, or maybe 8.", false, "the same hedge graded against its second value"],
  ["12", "The answer is 12, or perhaps 13.", false, "'perhaps' hedges too"],
  ["3.5", "The answer is 3.5 (or 7/3).", false, "a parenthesised alternative with another value"],
  ["\\frac{7}{2}", "The answer is 3.5 (or 7/2).", true, "the parenthesised alternative is the same value"],
  ["\\frac{1}{2}", "The answer is 1/2 or equivalently 0.6.", false, "'equivalently' naming a different value"],
  ["7", "The answer is 7, or equivalently 7.0.", true, "the same value in another form"],
  ["12", "The answer is 12, or possibly 12.0.", true, "a hedge word before the same value"],
  ["5", "So the answer is 5 (or five).", true, "a word in the parentheses is no second value"],
];

const groups = { hedgeWords, intervals, setsAndTuples, matrices, degrees, scientificAndPercent, mixedNumbers, repeatingDecimals, radicals, complexNumbers, equations, bases, money, signs, trailingAndTruncated, aimeGsm8k, choices, infinityWords, forms, gsm8kProse, scaleAndScientific, moreEquations, moreComplex, unitVectorsAndScale, markerless, trigSetBuilderAndScale, relationsAndTrig, proseAndForms, olympiadAndMinerva, formsAndRelations };

for (const [group, probes] of Object.entries(groups)) {
  void test(`adversarial probes, second set: ${group} (${probes.length})`, () => {
    const wrong = probes.filter(([gold, output, correct, , finishReason]) => grader.grade(gold, output, finishReason).correct !== correct);
    assert.deepEqual(wrong, []);
  });
}

void test(`adversarial probes, second set: ${Object.values(groups).flat().length} in all`, () => {
  assert.equal(Object.values(groups).flat().length, 480);
});
