import assert from "node:assert/strict";
import { test } from "node:test";
import { logChoose, logGamma, normalCdf, normalQuantile, normalSurvival } from "./special.ts";

test("logGamma matches log(n-1)! summed term by term for n = 1..170", () => {
  let logFactorial = 0; // log((n-1)!)
  for (let n = 1; n <= 170; n++) {
    if (n > 1) logFactorial += Math.log(n - 1);
    const value = logGamma(n);
    assert.ok(Math.abs(value - logFactorial) <= 1e-12 * Math.max(1, Math.abs(logFactorial)), `n=${n}: ${value} vs ${logFactorial}`);
  }
});

test("logGamma at half-integers and below 1/2 (reflection)", () => {
  assert.ok(Math.abs(logGamma(0.5) - Math.log(Math.sqrt(Math.PI))) < 1e-14);
  assert.ok(Math.abs(logGamma(1.5) - Math.log(Math.sqrt(Math.PI) / 2)) < 1e-14);
  // Γ(0.1) = 9.513507698668731836…
  assert.ok(Math.abs(logGamma(0.1) - Math.log(9.513507698668732)) < 1e-13);
  assert.throws(() => logGamma(0), RangeError);
});

test("logChoose agrees with exact BigInt binomials", () => {
  for (const [n, k] of [[10, 3], [52, 5], [1000, 17], [3000, 1500]] as const) {
    let exact = 1n;
    for (let i = 1; i <= k; i++) exact = (exact * BigInt(n - k + i)) / BigInt(i);
    const digits = exact.toString();
    // log of a big integer from its leading digits and length.
    const logExact = Math.log(Number(`0.${digits.slice(0, 17)}`)) + digits.length * Math.LN10;
    assert.ok(Math.abs(logChoose(n, k) - logExact) < 1e-9 * Math.max(1, logExact), `C(${n},${k})`);
  }
});

test("normal quantile and CDF: known values and round trips", () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-8);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-12);
  assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-7);
  // Upper tail keeps relative accuracy: P(Z > 5) = 2.866515718791939e-7, P(Z > 10) = 7.619853024160527e-24.
  assert.ok(Math.abs(normalSurvival(5) / 2.866515718791939e-7 - 1) < 1e-6);
  assert.ok(Math.abs(normalSurvival(10) / 7.619853024160527e-24 - 1) < 1e-6);
  for (const p of [1e-10, 0.001, 0.02, 0.1, 0.3, 0.7, 0.9, 0.99, 0.999999]) {
    const z = normalQuantile(p);
    assert.ok(Math.abs(normalCdf(z) / p - 1) < 1e-6, `p=${p}`);
  }
});
