/** Exact rationals: parsing, arithmetic without rounding, canonical keys and readable forms. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { add, divide, format, key, multiply, parseDecimal, rational, subtract } from "./rational.ts";

void test("parseDecimal reads integers, thousands separators and decimals, and nothing else", () => {
  const cases: [string, string | undefined][] = [
    ["12", "12"], ["-7", "-7"], ["1,234", "1234"], ["1,234,567", "1234567"], ["3.5", "7/2"], ["0.10", "1/10"],
    ["007", "7"], [" 42 ", "42"], ["1,23", undefined], ["1e3", undefined], ["", undefined], ["3.", undefined], ["twelve", undefined],
  ];
  for (const [text, expected] of cases) {
    const value = parseDecimal(text);
    assert.equal(value === undefined ? undefined : key(value), expected, text);
  }
});

void test("arithmetic is exact where floating point is not", () => {
  const tenth = rational(1n, 10n);
  const fifth = rational(1n, 5n);
  assert.equal(key(add(tenth, fifth)), "3/10"); // 0.1 + 0.2 !== 0.3 in doubles
  assert.equal(key(subtract(rational(1n), rational(3n))), "-2");
  assert.equal(key(multiply(rational(2n, 3n), rational(3n, 4n))), "1/2");
  assert.equal(key(divide(rational(7n), rational(2n)) ?? rational(0n)), "7/2");
  assert.equal(divide(rational(7n), rational(0n)), undefined);
  assert.equal(key(rational(6n, -4n)), "-3/2");
  assert.throws(() => rational(1n, 0n), RangeError);
});

void test("format writes integers plainly, terminating fractions as decimals, others as a/b", () => {
  const cases: [bigint, bigint, string][] = [[12n, 1n, "12"], [7n, 2n, "3.5"], [-1n, 8n, "-0.125"], [1n, 3n, "1/3"], [31n, 4n, "7.75"]];
  for (const [numerator, denominator, expected] of cases) assert.equal(format(rational(numerator, denominator)), expected);
});
