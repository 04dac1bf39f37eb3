/** The arithmetic checker on the ways people and models write equations, and on broken ones. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { scanArithmetic, type ArithmeticClaim } from "./arithmetic.ts";
import { key } from "./rational.ts";

interface Expected {
  operands: string[];
  value: string | undefined;
  result: string | undefined;
  holds: boolean;
}

const describe = (claim: ArithmeticClaim): Expected => ({
  operands: claim.operands.map(key),
  value: claim.value && key(claim.value),
  result: claim.result && key(claim.result),
  holds: claim.holds,
});

const claims: [string, Expected[]][] = [
  ["Step 1: Tom's apples: 4 * 6 = 24.", [{ operands: ["4", "6"], value: "24", result: "24", holds: true }]],
  ["She has 12 + 7 = 20 apples.", [{ operands: ["12", "7"], value: "19", result: "20", holds: false }]],
  ["4 x 6 = 24 and 4x6=24", [{ operands: ["4", "6"], value: "24", result: "24", holds: true }, { operands: ["4", "6"], value: "24", result: "24", holds: true }]],
  ["$4 \\times 6 = 24$, $24 \\div 3 = 8$", [{ operands: ["4", "6"], value: "24", result: "24", holds: true }, { operands: ["24", "3"], value: "8", result: "8", holds: true }]],
  ["\u00d7 and \u2212: 5 \u00d7 3 \u2212 1 = 14", [{ operands: ["5", "3", "1"], value: "14", result: "14", holds: true }]],
  ["3 * 4 + 2 = 12 + 2 = 14", [{ operands: ["3", "4", "2"], value: "14", result: "14", holds: true }]],
  ["3 * 4 + 2 = 12 + 3 = 14", [{ operands: ["3", "4", "2"], value: "14", result: "14", holds: false }]],
  ["So 31 = 24 + 7.", [{ operands: ["24", "7"], value: "31", result: "31", holds: true }]],
  ["Total = 12 + 7 = 19", [{ operands: ["12", "7"], value: "19", result: "19", holds: true }]],
  ["(12 + 8) / 4 = 5", [{ operands: ["12", "8", "4"], value: "5", result: "5", holds: true }]],
  ["2(3 + 4) = 14", [{ operands: ["2", "3", "4"], value: "14", result: "14", holds: true }]],
  ["5 - 7 = -2", [{ operands: ["5", "7"], value: "-2", result: "-2", holds: true }]],
  ["7 / 2 = 3.5, not 10 / 3 = 3.33", [{ operands: ["7", "2"], value: "7/2", result: "7/2", holds: true }, { operands: ["10", "3"], value: "10/3", result: "333/100", holds: false }]],
  ["1,200 + 34 = 1,234", [{ operands: ["1200", "34"], value: "1234", result: "1234", holds: true }]],
  ["5 / 0 = 0", [{ operands: ["5", "0"], value: undefined, result: "0", holds: false }]],
  ["Tom's apples - 12 + 7 = 19", [{ operands: ["12", "7"], value: "19", result: "19", holds: true }]],
  ["**12 + 7 = 19**", [{ operands: ["12", "7"], value: "19", result: "19", holds: true }]],
  ["He has 12+7=<<12+7=19>>19 apples.", [{ operands: ["12", "7"], value: "19", result: "19", holds: true }]],
];

void test("claims: operands, exact value, stated result and whether it holds", () => {
  for (const [text, expected] of claims) {
    const scan = scanArithmetic(text);
    assert.deepEqual(scan.claims.map(describe), expected, text);
    assert.deepEqual(scan.malformed, [], text);
  }
});

void test("claim offsets point into the original text", () => {
  const text = "Step 2: Ann: 24 + 7 = 31.";
  const [claim] = scanArithmetic(text).claims;
  assert.equal(text.slice(claim!.start, claim!.end), "24 + 7 = 31");
  assert.equal(claim!.text, "24 + 7 = 31");
});

const malformed: [string, string][] = [
  ["Tom's apples: 24 + 7 =.", "nothing after '='"],
  ["Tom's apples: 24 + 7 31.", "an expression without '=' and a result"],
  ["Tom's apples: 24 7 = 31.", "a side of '=' is not an arithmetic expression"],
  ["Tom's apples: 24 +", "an expression cut off after an operator"],
  ["24 + = 31", "a side of '=' is not an arithmetic expression"],
  ["(24 + 7 = 31", "a side of '=' is not an arithmetic expression"],
  ["24 + 7 == 31", "nothing between two '='"],
];

void test("broken equations are reported as malformed, with their reason", () => {
  for (const [text, reason] of malformed) {
    const scan = scanArithmetic(text);
    assert.deepEqual(scan.claims, [], text);
    assert.equal(scan.malformed[0]?.reason, reason, text);
  }
});

void test("plain numbers are mentions, not claims", () => {
  const scan = scanArithmetic("Tom has 24 apples, = 31 now, 19 = 19, and a 12-year-old sister.");
  assert.deepEqual(scan.claims, []);
  assert.deepEqual(scan.malformed, []);
  assert.deepEqual(scan.mentions.map((mention) => key(mention.value)), ["24", "31", "19", "19", "12"]);
  assert.deepEqual(scanArithmetic("Ella has 4 boxes, each with 6 eggs; Max is 5 years old").mentions.map((mention) => key(mention.value)), ["4", "6", "5"]);
});
