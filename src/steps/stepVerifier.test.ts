/**
 * The generic step verifier on hand-written steps: what it verifies, what it refutes (with the exact
 * value), and what it must leave alone so that a refutation stays certain.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { verifySteps, type CheckStatus, type ClaimReason } from "./stepVerifier.ts";

type Expected = [text: string, status: CheckStatus, reason: ClaimReason, expected?: string];

const claims = (text: string): Expected[][] => verifySteps(text).steps.map((step) => step.claims.map((claim) => {
  const row: Expected = [claim.text, claim.status, claim.reason];
  if (claim.expected !== undefined) row.push(claim.expected);
  return row;
}));

const cases: [string, string, Expected[][]][] = [
  ["a op b = c and chains", "Step 1: 4 * 6 = 24.\nStep 2: 24 + 7 = 32 = 30 + 2.", [
    [["4 * 6 = 24", "verified", "exact"]], [["24 + 7 = 32 = 30 + 2", "refuted", "false-equation", "31"]]]],
  ["fractions, powers, roots, factorials in LaTeX", "$\\frac{3}{4} \\times 20 = 15$, $\\dfrac{1}{2} + \\dfrac{1}{3} = \\dfrac{5}{6}$, $2^{10} = 1000$, $\\sqrt{49} = 7$, $5! = 120$", [
    [["\\frac{3}{4} \\times 20 = 15", "verified", "exact"], ["\\dfrac{1}{2} + \\dfrac{1}{3} = \\dfrac{5}{6}", "verified", "exact"],
      ["2^{10} = 1000", "refuted", "false-equation", "1024"], ["\\sqrt{49} = 7", "verified", "exact"], ["5! = 120", "verified", "exact"]]]],
  ["percents", "20% of 50 = 10. A 25% raise: 40 + 25% = 50. But 30% of 90 = 28.", [
    [["20% of 50 = 10", "verified", "exact"]], [["40 + 25% = 50", "verified", "percent-of-base"]], [["30% of 90 = 28", "refuted", "false-equation", "27"]]]],
  ["substitution of defined values across steps: verified, or doubtful (never refuted) when false", "Let x = 12.\nThen 3x = 36.\nAnd x + 5 = 18.", [
    [["x = 12", "unverifiable", "definition"]], [["3x = 36", "verified", "exact"]], [["x + 5 = 18", "doubtful", "false-equation", "17"]]]],
  ["a chain that defines: x = 36/3 = 12, then used", "$x = \\frac{36}{3} = 12$.\n$2x = 24$", [
    [["x = \\frac{36}{3} = 12", "verified", "exact"]], [["2x = 24", "verified", "exact"]]]],
  ["solving a linear equation: the slip in the last line is flagged doubtful", "$2x + 3 = 11$\n$2x = 8$\n$x = 5$", [
    [["2x + 3 = 11", "unverifiable", "equation"]], [["2x = 8", "verified", "solves-equation"]], [["x = 5", "doubtful", "contradicts-equation", "4"]]]],
  ["an align block, continued rows join the chain", "\\begin{align*}\nT &= 3 \\cdot 4 + 2 \\\\\n&= 12 + 2 \\\\\n&= 15\n\\end{align*}", [
    [["T &= 3 \\cdot 4 + 2 \\\\\n&= 12 + 2 \\\\\n&= 15", "refuted", "false-equation", "14"]]]],
  ["identities (symbolic rewrites) are verified", "$(x+1)^2 = x^2 + 2x + 1$ and $2(a + b) = 2a + 2b$", [
    [["(x+1)^2 = x^2 + 2x + 1", "verified", "identity"], ["2(a + b) = 2a + 2b", "verified", "identity"]]]],
  ["rounded decimals are accepted, wrong ones refuted; approximations", "10 / 3 = 3.33 and 10 / 3 = 3.4. Also 22 / 7 ≈ 3.14, not 22 / 7 ≈ 3.5.", [
    [["10 / 3 = 3.33", "verified", "rounded"], ["10 / 3 = 3.4", "refuted", "false-equation", "10/3"]],
    [["22 / 7 ≈ 3.14", "verified", "approximate"], ["22 / 7 ≈ 3.5", "refuted", "false-approximation", "22/7"]]]],
  ["inequalities are exact", "Since 7 * 8 > 50 and 3 / 4 < 0.5, we stop.", [
    [["7 * 8 > 50", "verified", "exact"], ["3 / 4 < 0.5", "refuted", "false-inequality", "0.75"]]]],
  ["prose, currency, units, thousands and the boxed result", "He pays $12 + $3 = $15 for 12 \\text{ kg}. So 1,200 + 34 = 1,234 and 24 + 32 = \\boxed{56}.", [
    [["12 + $3 = $15", "verified", "exact"]], [["1,200 + 34 = 1,234", "verified", "exact"], ["24 + 32 = \\boxed{56}", "verified", "exact"]]]],
  // Shapes seen in ProcessBench's model outputs, where a naive reader refutes true steps.
  ["words as the left operand: the phrase's tail is not a side", "Increase = Original Value * 1.5 = $80,000 * 1.5 = $120,000. One-third of 27 = 27 ÷ 3 = 9.", [
    [["80,000 * 1.5 = $120,000", "verified", "exact"]], [["27 ÷ 3 = 9", "verified", "exact"]]]],
  ["the same in LaTeX labels", "\\[ \\text{Brianna's Points} = \\text{Naomi's Points} + 17 = 68 + 17 = 85 \\]", [
    [["68 + 17 = 85", "verified", "exact"]]]],
  ["a percent read as its number", "Share = (4 / 20) * 100 = 0.2 * 100 = 20%. And $\\left( \\frac{2}{4} \\right) \\times 100 = 50\\%$.", [
    [["(4 / 20) * 100 = 0.2 * 100 = 20%", "verified", "percent-as-number"]], [["\\left( \\frac{2}{4} \\right) \\times 100 = 50\\%", "verified", "percent-as-number"]]]],
  ["units: a power on a unit is the unit's; sides in different units are not compared", "$V = 4 \\times 2 \\times 10 = 80 \\, \\text{cm}^3$ and $6 \\text{ inches} = \\frac{6}{12} \\text{ feet} = 0.5$", [
    [["V = 4 \\times 2 \\times 10 = 80", "verified", "exact"], ["6 \\text{ inches} = \\frac{6}{12} \\text{ feet} = 0.5", "unverifiable", "unparsed"]]]],
  ["approximations chained through rounded intermediates", "$\\frac{2011^2}{52^2} \\approx 38.6731^2 \\approx 1495.62$", [
    [["\\frac{2011^2}{52^2} \\approx 38.6731^2 \\approx 1495.62", "verified", "approximate"]]]],
  ["'x' between numbers is a times sign", "4 x 6 = 24 and 3x6 = 18.", [[["4 x 6 = 24", "verified", "exact"], ["3x6 = 18", "verified", "exact"]]]],
  ["GSM8K annotations are blanks: the text around them is the claim", "Tom has 4*6=<<4*6=24>>25 apples.", [[["4*6=<<4*6=24>>25", "refuted", "false-equation", "24"]]]],
  ["left alone: restatements, redefinitions, irrational values, cut-off equations, dates and ranges (a value for a division by zero is refuted)",
    "So 24 = 24. Let x = 3. Now let x = 5. Then $\\sqrt{2} = 1.41421$ and $\\pi r^2 = 12$. Also 5 / 0 = 0. In 2023-2024 we read pages 3-4. Finally 12 + 7 =", [
      [["24 = 24", "unverifiable", "no-computation"]], [["x = 3", "unverifiable", "definition"]], [["x = 5", "unverifiable", "redefinition"]],
      [["\\sqrt{2} = 1.41421", "unverifiable", "unsupported"], ["\\pi r^2 = 12", "unverifiable", "unsupported"]],
      [["5 / 0 = 0", "refuted", "false-equation", "undefined"]], [], [["12 + 7 =", "unverifiable", "incomplete"]]]],
];

void test("claims per step: verified, refuted with the exact value, or left unverifiable", () => {
  for (const [name, text, expected] of cases) assert.deepEqual(claims(text), expected, name);
});

void test("claim offsets point at the claim in the original text", () => {
  for (const [, text] of cases) {
    for (const step of verifySteps(text).steps) {
      for (const claim of step.claims) {
        assert.equal(text.slice(claim.start, claim.end), claim.text);
        assert.ok(claim.start >= step.start && claim.end <= step.end);
      }
    }
  }
});

void test("the first refuted step and claim, and step statuses", () => {
  const result = verifySteps("Tom has 12 apples.\n12 × 3 = 36.\nHe gives away 10: 36 - 10 = 25.\n25 + 1 = 26.");
  assert.deepEqual(result.steps.map((step) => step.status), ["unverifiable", "verified", "refuted", "verified"]);
  assert.deepEqual(result.firstRefuted, { segment: 2, claim: 0 });
  assert.equal(result.segmenterVersion, "steps/v2");
});
