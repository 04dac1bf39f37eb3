import { test } from "node:test";
import assert from "node:assert/strict";
import * as Q from "./rational.ts";

const r = (num: bigint, den: bigint = 1n) => Q.rational(num, den);

void test("rationals are kept in lowest terms with a positive denominator", () => {
  assert.deepEqual(r(6n, -4n), { num: -3n, den: 2n });
  assert.deepEqual(r(0n, 5n), { num: 0n, den: 1n });
  assert.throws(() => r(1n, 0n), RangeError);
});

void test("arithmetic is exact where float64 is not", () => {
  assert.deepEqual(Q.add(r(1n, 10n), r(2n, 10n)), r(3n, 10n)); // 0.1 + 0.2 = 0.3 exactly
  assert.deepEqual(Q.multiply(r(2n, 3n), r(9n, 4n)), r(3n, 2n));
  assert.deepEqual(Q.divide(r(1n), r(3n)), r(1n, 3n));
  assert.equal(Q.divide(r(1n), r(0n)), undefined);
});

void test("1/2004! and 1/2006! are different numbers (float64 says both are 0)", () => {
  const a = Q.divide(Q.ONE, Q.factorial(r(2004n))!)!;
  const b = Q.divide(Q.ONE, Q.factorial(r(2006n))!)!;
  assert.equal(Q.toNumber(a), 0);
  assert.equal(Q.equals(a, b), false);
  assert.equal(Q.compare(a, b), 1);
});

void test("powers refuse results beyond the size limit instead of allocating them", () => {
  assert.deepEqual(Q.power(r(2n), 10n), r(1024n));
  assert.deepEqual(Q.power(r(2n, 3n), -2n), r(9n, 4n));
  assert.equal(Q.power(r(10n), 10n ** 10n), undefined);
  assert.deepEqual(Q.power(r(-1n), 10n ** 10n + 1n), r(-1n));
  assert.equal(Q.power(r(0n), -1n), undefined);
});

void test("exact roots exist only for perfect powers", () => {
  assert.deepEqual(Q.exactRoot(r(8n, 27n), 3n), r(2n, 3n));
  assert.deepEqual(Q.exactRoot(r(-8n), 3n), r(-2n));
  assert.equal(Q.exactRoot(r(2n), 2n), undefined);
  assert.equal(Q.exactRoot(r(-4n), 2n), undefined);
  const big = 123456789123456789n;
  assert.deepEqual(Q.exactRoot(r(big * big), 2n), r(big));
  assert.equal(Q.exactRoot(r(big * big + 1n), 2n), undefined);
});

void test("factorial, binomial, floor and ceil", () => {
  assert.deepEqual(Q.factorial(r(10n)), r(3628800n));
  assert.equal(Q.factorial(r(1n, 2n)), undefined);
  assert.equal(Q.factorial(r(10n ** 6n)), undefined);
  assert.deepEqual(Q.binomial(r(10n), r(3n)), r(120n));
  assert.deepEqual(Q.binomial(r(5n), r(7n)), r(0n));
  assert.deepEqual(Q.floor(r(-7n, 2n)), r(-4n));
  assert.deepEqual(Q.ceil(r(-7n, 2n)), r(-3n));
});

void test("decimals parse exactly", () => {
  assert.deepEqual(Q.parseDecimal("0.15"), r(3n, 20n));
  assert.deepEqual(Q.parseDecimal(".35625"), r(57n, 160n));
  assert.deepEqual(Q.parseDecimal("4.5e3"), r(4500n));
  assert.deepEqual(Q.parseDecimal("2.7778e-6"), r(27778n, 10n ** 10n));
  assert.equal(Q.parseDecimal("1e99999"), undefined);
  assert.equal(Q.parseDecimal("."), undefined);
});

void test("Gaussian rationals: (1+2i)(3-i) = 5+5i and 1/i = -i", () => {
  const a = Q.exact(r(1n), r(2n));
  const b = Q.exact(r(3n), r(-1n));
  assert.ok(Q.exactEquals(Q.exactMultiply(a, b)!, Q.exact(r(5n), r(5n))));
  assert.ok(Q.exactEquals(Q.exactDivide(Q.EXACT_ONE, Q.EXACT_I)!, Q.exact(r(0n), r(-1n))));
  assert.ok(Q.exactEquals(Q.exactPower(Q.EXACT_I, 45n)!, Q.EXACT_I));
});

void test("toNumber survives numerator and denominator that both overflow float64", () => {
  const huge = 10n ** 400n;
  assert.equal(Q.toNumber(r(3n * huge, 2n * huge + 1n)), 1.5);
});
