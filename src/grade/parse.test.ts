import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeKey } from "./ast.ts";
import { parseAnswer, readChoice, readText } from "./parse.ts";

/** Input → canonical tree (nodeKey). Each row pins one parsing rule. */
const trees: Array<[string, string]> = [
  ["42", "42"],
  ["-7", "-(7)"],
  ["0.15", "3/20"],
  [".35625", "57/160"],
  ["4.5e33", "4500000000000000000000000000000000"],
  ["1e-5", "1/100000"],
  ["1,000", "1000"],
  ["\\frac{14}{3}", "(14)/(3)"],
  ["\\frac43", "(4)/(3)"],
  ["\\frac 59", "(5)/(9)"],
  ["\\frac9{19}", "(9)/(19)"],
  ["1\\frac{4}{5}", "(1+(4)/(5))"],
  ["2\\frac{x}{3}", "(2*(x)/(3))"],
  ["3\\sqrt{13}", "(3*sqrt(13))"],
  ["\\sqrt[3]{x}", "root(x,3)"],
  ["\\sqrt2", "sqrt(2)"],
  ["\\sqrt(2)", "sqrt(2)"],
  ["sqrt(2)/2", "(sqrt(2))/(2)"],
  ["x^2+7x+10", "((x)^(2)+(7*x)+10)"],
  ["2^{10}", "(2)^(10)"],
  ["2^10", "(2)^(10)"],
  ["x^-1", "(x)^(-(1))"],
  ["6 - 5i", "(6+-((5*i)))"],
  ["2k+2", "((2*k)+2)"],
  ["(a+5)(b+2)", "((a+5)*(b+2))"],
  ["x(x+1)", "(x*(x+1))"],
  ["f(x)", "fn:f(x)"],
  ["I(0) e^{t}", "(fn:I(0)*(e)^(t))"],
  ["\\sin^2 x + \\cos^2 x", "((sin(x))^(2)+(cos(x))^(2))"],
  ["\\sin 2x", "sin((2*x))"],
  ["\\sin x \\cos x", "(sin(x)*cos(x))"],
  ["\\sin^{-1}(x)", "arcsin(x)"],
  ["\\log_2 8", "log(8,2)"],
  ["\\ln 2", "ln(2)"],
  ["\\lfloor n/2 \\rfloor", "floor((n)/(2))"],
  ["\\lceil x \\rceil", "ceil(x)"],
  ["|x-1|", "abs((x+-(1)))"],
  ["5!", "factorial(5)"],
  ["(2n)!", "factorial((2*n))"],
  ["\\binom{5}{2}", "binom(5,2)"],
  ["25\\%", "25%"],
  ["1 \\pm \\sqrt{19}", "1+-sqrt(19)"],
  ["\\pm 2", "+-2"],
  ["52_8", "52_8"],
  ["4210_{5}", "4210_5"],
  ["x_1 + x_{2}", "(x_1+x_2)"],
  ["\\theta_w", "theta_w"],
  ["y'", "y'"],
  ["y^{\\prime}", "y'"],
  ["\\pi r^2", "(pi*(r)^(2))"],
  ["(3,4]", "(3,4]"],
  ["[-2, 7]", "[-(2),7]"],
  ["(2,\\infty)", "(2,oo)"],
  ["(-\\infty, 0]", "(-(oo),0]"],
  ["\\{1, 2\\}", "{1,2}"],
  ["\\emptyset", "{}"],
  ["1, -2", "1,-(2)"],
  ["x = 2 \\text{ or } x = 3", "x=2,x=3"],
  ["19, 46, \\text{ and } 82", "19,46,82"],
  ["(0,9) \\cup (9,36)", "(0,9) U (9,36)"],
  ["x \\le 3", "x<=3"],
  ["-2 < x \\le 7", "-(2)<x<=7"],
  ["x \\in [-2,7]", "xin[-(2),7]"],
  ["\\langle 1, 2 \\rangle", "(1,2)"],
  ["\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "[1,2;3,4]"],
  ["\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "[1;2]"],
  ["\\begin{array}{cc} 1 & 0 \\end{array}", "[1,0]"],
  ["3:2", "(3)/(2)"],
  ["1 : \\sqrt{3}", "(1)/(sqrt(3))"],
];

for (const [input, key] of trees) {
  void test(`parseAnswer(${JSON.stringify(input)})`, () => {
    const parsed = parseAnswer(input);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.reason);
    assert.equal(nodeKey(parsed.node), key);
  });
}

const failures: Array<[string, RegExp]> = [
  ["", /empty/],
  ["\\frac{1}{", /end of answer|expected/],
  ["(1, 2", /expected|end/],
  ["x^{2", /expected|end/],
  ["\\unknowncommand{3}", /unknown command/],
  ["5!!", /double factorial/],
  ["9_1", /unknown base/],
  ["19_8", /not valid in base 8/],
  ["\\begin{cases} 1 \\end{cases}", /unsupported environment/],
  ["\\begin{pmatrix} 1 & 2 \\\\ 3 \\end{pmatrix}", /ragged/],
  ["(".repeat(500) + "1" + ")".repeat(500), /nesting deeper/],
  ["x".repeat(5000), /longer than/],
  ["4:30pm", /unexpected ':'/],
  ["a:b", /unexpected ':'/],
];

for (const [input, reason] of failures) {
  void test(`parseAnswer refuses ${JSON.stringify(input.slice(0, 30))}`, () => {
    const parsed = parseAnswer(input);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.reason, reason);
  });
}

void test("digit groups can be read as list separators instead", () => {
  const grouped = parseAnswer("1,000");
  const listed = parseAnswer("1,000", { digitGroups: false });
  assert.ok(grouped.ok && listed.ok);
  assert.equal(nodeKey(grouped.node), "1000");
  assert.equal(nodeKey(listed.node), "1,0");
});

void test("choice letters: parenthesized or wrapped, upper case A-E only", () => {
  assert.equal(readChoice("(C)"), "C");
  assert.equal(readChoice("\\text{(E)}"), "E");
  assert.equal(readChoice("(B) 12"), "B");
  assert.equal(readChoice("(F)"), undefined);
  assert.equal(readChoice("(a)"), undefined);
  assert.equal(readChoice("(a+5)(b+2)"), undefined);
});

void test("words are text; single letters and function names are math", () => {
  assert.equal(readText("\\text{Evelyn}"), "evelyn");
  assert.equal(readText("east"), "east");
  assert.equal(readText("no solution"), "no solution");
  assert.equal(readText("p - q"), undefined);
  assert.equal(readText("sin x"), undefined);
  assert.equal(readText("x = 5"), undefined);
});

void test("an ellipsis parses as a symbol without a value, not a variable: `1 + \\cdots + 10 = 55` still states 55", () => {
  const parsed = parseAnswer("\\frac{1}{2}+\\ldots+\\frac{1}{2^{10}}=0.99999975");
  assert.ok(parsed.ok);
  assert.equal(nodeKey(parsed.node), "((1)/(2)+…+(1)/((2)^(10)))=0.99999975".replace("0.99999975", "3999999/4000000"));
});
