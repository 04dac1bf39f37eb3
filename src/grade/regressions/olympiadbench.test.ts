/**
 * Regression table: OlympiadBench (OE_TO_maths_en_COMP) gold answers (../shared/data/olympiadbench/
 * test.jsonl, by id; the gold is `final_answer` joined with ", " as the file states it, `$` included):
 * expressions in n, floors and binomials, function definitions, lists of tuples, intervals, unions
 * with sets, percents, units.
 */
import { runAnswerCases, runOutputCases, type AnswerCase, type OutputCase } from "./cases.ts";

const answers: AnswerCase[] = [
  { id: "1610", gold: "$\\frac{1}{2 n+2}$", same: ["\\frac{1}{2(n+1)}", "\\frac{1}{2n+2}", "(2n+2)^{-1}"], different: ["\\frac{1}{2n+1}", "\\frac{1}{n+2}"] },
  {
    id: "1618",
    gold: "$(1,8,19), (2,7,13), (4,5,7)$",
    same: ["(4,5,7), (1,8,19), (2,7,13)", "(2, 7, 13), (4, 5, 7), (1, 8, 19)"],
    different: ["(1,8,19), (2,7,13)", "(8,1,19), (2,7,13), (4,5,7)"],
  },
  { id: "1641", gold: "$\\binom{2n}{n}$", same: ["\\frac{(2n)!}{(n!)^2}", "\\dbinom{2n}{n}", "\\frac{(2n)!}{n!\\,n!}"], different: ["\\binom{2n}{n-1}", "2^n", "\\frac{(2n)!}{n!}"] },
  {
    id: "1644",
    gold: "$m n-\\lfloor m / 2\\rfloor$",
    same: ["mn - \\left\\lfloor \\frac{m}{2} \\right\\rfloor", "nm-\\lfloor\\frac{m}{2}\\rfloor"],
    different: ["mn - \\lceil m/2 \\rceil", "mn - \\frac{m}{2}"],
  },
  { id: "1659", gold: "$f(x)=2 x$", same: ["2x", "f(x) = 2x", "f(x)=x+x"], different: ["f(x) = x", "2x+1"] },
  { id: "1678", gold: "$(2,4)$", same: ["(2, 4)"], different: ["(4,2)", "2"] },
  { id: "1687", gold: "$f(n)=n$, $g(n)=1$", same: ["f(n)=n, g(n)=1", "g(n) = 1, f(n) = n"], different: ["f(n)=n, g(n)=n", "f(n)=n"] },
  { id: "1723", gold: "$M=2^{N-2}+1$", same: ["2^{N-2}+1", "M = \\frac{2^N}{4} + 1"], different: ["2^{N-1}+1", "M = 2^{N-2}"] },
  { id: "1737", gold: "$(6,3),(9,3),(9,5),(54,5)$", same: ["(54,5),(9,5),(9,3),(6,3)"], different: ["(6,3),(9,3),(9,5)", "(3,6),(3,9),(5,9),(5,54)"] },
  { id: "1766", gold: "$(0,2),(0,-2),(4,23),(4,-23)$", same: ["(0, \\pm 2), (4, \\pm 23)", "(4,23),(4,-23),(0,2),(0,-2)"], different: ["(0,2),(4,23)", "(0, \\pm 2), (4, \\pm 32)"] },
  { id: "1775", gold: "$\\left\\lfloor\\log _{2} n\\right\\rfloor+1$", same: ["\\lfloor \\log_2 n \\rfloor + 1", "\\left\\lfloor \\log_{2}(n) \\right\\rfloor + 1"], different: ["\\lfloor \\log_2 n \\rfloor", "\\log_2 n + 1"] },
  { id: "1782", gold: "$m_{\\max }=n^{2}-n-1$", same: ["n^2 - n - 1", "m_{max} = n^2-n-1"], different: ["n^2-n+1", "m_{\\max} = n^2"] },
  {
    id: "1789",
    gold: "$\\frac{100!}{2^{50}}$",
    same: ["100! \\cdot 2^{-50}", "\\frac{100!}{1125899906842624}", "\\frac{100!}{4^{25}}"],
    different: ["\\frac{100!}{2^{49}}", "\\frac{99!}{2^{50}}", "\\frac{101!}{2^{50}}"],
  },
  { id: "1810", gold: "$-(n-1) / 2$", same: ["\\frac{1-n}{2}", "-\\frac{n-1}{2}"], different: ["\\frac{n-1}{2}", "-\\frac{n+1}{2}"] },
  {
    id: "1818",
    gold: "$\\frac{n(n+1)(2 n+1)}{6}$",
    same: ["\\frac{2n^3+3n^2+n}{6}", "\\frac{n^3}{3}+\\frac{n^2}{2}+\\frac{n}{6}"],
    different: ["\\frac{n(n+1)}{2}", "\\frac{n(n+1)(2n-1)}{6}"],
  },
  { id: "1883", gold: "$\\lceil n / 2\\rceil+1$", same: ["\\left\\lceil \\frac{n}{2} \\right\\rceil + 1", "\\lfloor \\frac{n+1}{2} \\rfloor + 1"], different: ["\\lfloor n/2 \\rfloor + 1", "\\frac{n}{2} + 1"] },
  {
    id: "1930",
    gold: "$(1,2,3),(1,3,2),(2,1,3),(2,3,1),(3,1,2),(3,2,1)$",
    same: ["(3,2,1),(3,1,2),(2,3,1),(2,1,3),(1,3,2),(1,2,3)"],
    different: ["(1,2,3),(1,3,2),(2,1,3),(2,3,1),(3,1,2)", "(1,2,3),(1,3,2),(2,1,3),(2,3,1),(3,1,2),(3,1,2)"],
  },
  { id: "1938", gold: "$f(x)=-1$,$f(x)=x+1$", same: ["f(x)=x+1, f(x)=-1", "f(x) = -1 \\text{ and } f(x) = x + 1"], different: ["f(x) = x+1", "f(x)=1, f(x)=x+1"] },
  { id: "1964", gold: "$k \\geqslant 2$", same: ["k \\ge 2", "k\\geq 2", "2 \\le k", "k \\in [2, \\infty)"], different: ["k > 2", "k \\ge 3", "k \\le 2"] },
  { id: "1969", gold: "$f(n) = 2 n+1007$", same: ["2n+1007", "f(n)=1007+2n"], different: ["2n+1008", "f(n) = n + 1007"] },
  { id: "1970", gold: "$(-\\infty, 0) \\cup\\{1\\}$.", same: ["\\{1\\} \\cup (-\\infty, 0)", "(-\\infty,0)\\cup\\{1\\}"], different: ["(-\\infty, 0]", "(-\\infty, 0) \\cup \\{2\\}"] },
  { id: "2012", gold: "2500,7500", same: ["7500, 2500", "2500 \\text{ and } 7500"], different: ["2500", "2500, 7000"] },
  { id: "2040", gold: "$k\\left(4 k^{2}+k-1\\right) / 2$", same: ["\\frac{4k^3+k^2-k}{2}", "2k^3 + \\frac{k^2 - k}{2}"], different: ["\\frac{4k^3+k^2+k}{2}", "k(4k^2+k-1)"] },
  {
    id: "2091",
    gold: "$N(n)=\\left\\lfloor\\frac{2 n}{3}\\right\\rfloor+1$",
    same: ["\\lfloor 2n/3 \\rfloor + 1", "N(n) = \\left\\lfloor \\frac{2n}{3} \\right\\rfloor + 1"],
    different: ["\\lceil 2n/3 \\rceil + 1", "\\frac{2n}{3} + 1"],
  },
  { id: "2152", gold: "$\\frac{4 \\cdot 999^{4}}{27}$", same: ["4 \\cdot 37 \\cdot 999^3", "147556443852"], different: ["\\frac{4 \\cdot 999^3}{27}", "147556443853"] },
  { id: "2174", gold: "$2021 \\cdot 505 \\cdot 337$", same: ["343943885", "343,943,885", "505 \\cdot 337 \\cdot 2021"], different: ["343943886", "2021 \\cdot 505"] },
  {
    id: "2203",
    gold: "$(0,1,1),(0,-1,-1),(1,0,1),(-1,0,-1),(1,1,0)$,$(-1,-1,0),\\left(\\frac{1}{\\sqrt{3}}, \\frac{1}{\\sqrt{3}}, \\frac{1}{\\sqrt{3}}\\right)$,$\\left(-\\frac{1}{\\sqrt{3}},-\\frac{1}{\\sqrt{3}},-\\frac{1}{\\sqrt{3}}\\right)$",
    same: [
      "(1,1,0), (1,0,1), (0,1,1), (0,-1,-1), (-1,0,-1), (-1,-1,0), (\\frac{\\sqrt3}{3}, \\frac{\\sqrt3}{3}, \\frac{\\sqrt3}{3}), (-\\frac{\\sqrt3}{3}, -\\frac{\\sqrt3}{3}, -\\frac{\\sqrt3}{3})",
    ],
    different: ["(0,1,1),(0,-1,-1),(1,0,1),(-1,0,-1),(1,1,0),(-1,-1,0)"],
  },
  { id: "2243", gold: "(-\\infty,-5)", same: ["x < -5", "(-\\infty, -5)", "-5 > x"], different: ["(-\\infty, -5]", "x > -5"] },
  { id: "2255", gold: "62.5%", same: ["62.5\\%", "62.5", "0.625", "\\frac{5}{8}"], different: ["6.25\\%", "0.0625", "62\\%"] },
  { id: "2258", gold: "$2RC+R+C$", same: ["R + C + 2RC", "C+R+2CR"], different: ["2RC + R - C", "RC + R + C"] },
  { id: "2287", gold: "$a=2$, $a=-6-4 \\sqrt{2}$", same: ["a = -6 - 4\\sqrt{2}, a = 2", "2, -6-4\\sqrt2"], different: ["2, -6+4\\sqrt{2}", "a = 2"] },
  {
    id: "2289",
    gold: "$\\frac{1}{6} \\pi, \\frac{5}{6} \\pi, \\frac{1}{4} \\pi, \\frac{3}{4} \\pi$",
    same: ["\\frac{\\pi}{4}, \\frac{3\\pi}{4}, \\frac{\\pi}{6}, \\frac{5\\pi}{6}"],
    different: ["\\frac{\\pi}{6}, \\frac{5\\pi}{6}", "\\frac{\\pi}{4}, \\frac{3\\pi}{4}, \\frac{\\pi}{3}, \\frac{5\\pi}{6}"],
  },
  { id: "2298", gold: "$(-\\sqrt{11},-2)\\cup (\\sqrt{11},9)$", same: ["(\\sqrt{11}, 9) \\cup (-\\sqrt{11}, -2)"], different: ["(-\\sqrt{11}, 2) \\cup (\\sqrt{11}, 9)", "(-\\sqrt{11}, 9)"] },
  {
    id: "2303",
    gold: "$(10^{4}, 10^{3}, 10^{10}),(10^{2}, 10^{-1}, 10^{-2})$",
    same: ["(100, 0.1, 0.01), (10000, 1000, 10000000000)"],
    different: ["(10^4, 10^3, 10^{10})", "(10^{4}, 10^{3}, 10^{10}),(10^{2}, 10^{1}, 10^{-2})"],
  },
  { id: "2332", gold: "$(45^{\\circ}, 60^{\\circ}),(135^{\\circ}, 60^{\\circ})$", same: ["(45, 60), (135, 60)", "(135^\\circ, 60^\\circ), (45^\\circ, 60^\\circ)"], different: ["(45, 60), (135, 30)"] },
  { id: "2334", gold: "$\\frac{41}{12}$", same: ["\\frac{41}{12} \\text{ km}", "3\\frac{5}{12}", "3.4167"], different: ["\\frac{41}{13}", "3.41"] },
  { id: "2410", gold: "$[\\frac{1}{2}, 8]$", same: ["\\frac12 \\le x \\le 8", "[0.5, 8]"], different: ["(\\frac12, 8)", "[\\frac12, 8)"] },
  {
    id: "2415",
    gold: "$p(x)=\\frac{(x-1)(x-2)}{6}$",
    same: ["\\frac{x^2-3x+2}{6}", "p(x) = \\frac{1}{6}(x-1)(x-2)"],
    different: ["\\frac{(x-1)(x-2)}{3}", "p(x) = \\frac{(x+1)(x-2)}{6}"],
  },
  {
    id: "2427",
    gold: "$(22+8 \\sqrt{6}, 22-8 \\sqrt{6})$,$(22-8 \\sqrt{6}, 22+8 \\sqrt{6})$",
    same: ["(22 \\pm 8\\sqrt6, 22 \\mp 8\\sqrt6)", "(22-8\\sqrt{6}, 22+8\\sqrt{6}), (22+8\\sqrt{6}, 22-8\\sqrt{6})"],
    different: ["(22+8\\sqrt{6}, 22-8\\sqrt{6})", "(22 \\pm 8\\sqrt6, 22 \\pm 8\\sqrt6)"],
  },
  { id: "2435", gold: "$18.8^{\\circ}$", same: ["18.8", "18.8^\\circ", "18.80°"], different: ["18.9", "188"] },
  { id: "2469", gold: "$(-\\frac{1}{2}, \\frac{7}{2})$", same: ["(-0.5, 3.5)", "\\left(-\\frac12, \\frac72\\right)"], different: ["(\\frac{7}{2}, -\\frac{1}{2})", "(\\frac12, \\frac72)"] },
  { id: "2498", gold: "$\\frac{1}{2},\\sqrt{x}$", same: ["\\sqrt{x}, \\frac12", "0.5, x^{1/2}"], different: ["\\frac12, x", "\\frac12"] },
  { id: "2509", gold: "$\\frac{1}{3},-2,5$", same: ["5, -2, \\frac{1}{3}", "x = -2, x = \\frac13, x = 5"], different: ["\\frac{1}{3}, 2, 5", "\\frac13, -2"] },
  { id: "2560", gold: "$(-1,-9),(4+2 \\sqrt{2}, 8),(4-2 \\sqrt{2}, 8)$", same: ["(4 \\pm 2\\sqrt{2}, 8), (-1, -9)"], different: ["(-1,-9),(4+2\\sqrt2, 8)", "(-1,-9),(4 \\pm 2\\sqrt{2}, -8)"] },
  { id: "2565", gold: "$\\frac{a b}{2}$", same: ["\\frac{ab}{2}", "\\frac{1}{2}ab", "0.5ab"], different: ["ab", "\\frac{a+b}{2}"] },
];

const outputs: OutputCase[] = [
  {
    id: "1618",
    gold: "$(1,8,19), (2,7,13), (4,5,7)$",
    output: "Checking all cases, the solutions are $\\boxed{(1, 8, 19), (2, 7, 13), (4, 5, 7)}$.",
    status: "correct",
  },
  { id: "2012", gold: "2500,7500", output: "So the two possible values are $\\boxed{2500}$ and $\\boxed{7500}$.", status: "correct", extracted: "2500, 7500" },
  // One box per case of a two-value answer: read together, as a reader of the whole solution does (issue 11).
  { id: "2012", gold: "2500,7500", output: "Earlier we found $\\boxed{2500}$.\n\nThe other case gives $\\boxed{7500}$.", status: "correct", extracted: "2500, 7500" },
  { id: "2012", gold: "2500,7500", output: "Earlier we found $\\boxed{2500}$.\n\nThe other case gives $\\boxed{7000}$.", status: "wrong", extracted: "7000" },
  { id: "1641", gold: "$\\binom{2n}{n}$", output: "Counting lattice paths, the answer is $\\boxed{\\dbinom{2n}{n}}$.", status: "correct" },
  { id: "1964", gold: "$k \\geqslant 2$", output: "Hence the condition holds exactly when $\\boxed{k \\geq 2}$.", status: "correct" },
  { id: "2255", gold: "62.5%", output: "The probability is 5/8, i.e. \\boxed{62.5\\%}.", status: "correct" },
];

runAnswerCases("olympiadbench", answers);
runOutputCases("olympiadbench", outputs);
