/**
 * Exact arithmetic: rationals over BigInt and Gaussian rationals (a + bi with rational a, b).
 *
 * Floats collapse distinct values (1/2004! and 1/2006! are both 0 in float64, which is how Math-Verify
 * calls them equal); every value the grader can keep exact stays exact here. Sizes are bounded so a
 * hostile answer such as `10^{10^{10}}` gives up (undefined) instead of allocating gigabytes.
 */

import { charge } from "./budget.ts";

export interface Rational {
  /** Numerator; carries the sign. */
  readonly num: bigint;
  /** Denominator; always > 0, coprime with num. */
  readonly den: bigint;
}

/** Largest result, in bits, any exact operation may produce before it gives up. */
export const MAX_EXACT_BITS = 200_000;

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const next = a % b;
    a = b;
    b = next;
  }
  return a;
}

export function rational(num: bigint, den: bigint = 1n): Rational {
  if (den === 0n) throw new RangeError("zero denominator");
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  if (den === 1n) return { num, den };
  chargeGcd(num, den);
  const divisor = gcd(num, den);
  return divisor > 1n ? { num: num / divisor, den: den / divisor } : { num, den };
}

export const ZERO = rational(0n);
export const ONE = rational(1n);

export function isZero(value: Rational): boolean {
  return value.num === 0n;
}

export function isInteger(value: Rational): boolean {
  return value.den === 1n;
}

export function equals(a: Rational, b: Rational): boolean {
  return a.num === b.num && a.den === b.den;
}

export function add(a: Rational, b: Rational): Rational | undefined {
  chargeLinear(a.num, b.num, "exact arithmetic");
  if (a.den === 1n && b.den === 1n) return checked({ num: a.num + b.num, den: 1n });
  return checked(rational(a.num * b.den + b.num * a.den, a.den * b.den));
}

export function subtract(a: Rational, b: Rational): Rational | undefined {
  return add(a, negate(b));
}

export function negate(a: Rational): Rational {
  return { num: -a.num, den: a.den };
}

export function multiply(a: Rational, b: Rational): Rational | undefined {
  if (bitLength(a.num) + bitLength(b.num) > MAX_EXACT_BITS) return undefined;
  if (bitLength(a.den) + bitLength(b.den) > MAX_EXACT_BITS) return undefined;
  chargeMultiply(a.num, b.num);
  chargeMultiply(a.den, b.den);
  return rational(a.num * b.num, a.den * b.den);
}

export function divide(a: Rational, b: Rational): Rational | undefined {
  if (b.num === 0n) return undefined;
  return multiply(a, { num: b.den * (b.num < 0n ? -1n : 1n), den: b.num < 0n ? -b.num : b.num });
}

/** a^n for an integer n, or undefined when the result would exceed MAX_EXACT_BITS (or 0^negative). */
export function power(base: Rational, exponent: bigint): Rational | undefined {
  if (exponent === 0n) return ONE;
  if (base.num === 0n) return exponent > 0n ? ZERO : undefined;
  if (base.den === 1n && (base.num === 1n || base.num === -1n)) {
    return exponent % 2n === 0n ? ONE : base;
  }
  const magnitude = exponent < 0n ? -exponent : exponent;
  const bits = BigInt(Math.max(bitLength(base.num), bitLength(base.den)));
  if (bits * magnitude > BigInt(MAX_EXACT_BITS)) return undefined;
  charge(1 + Number(bits * magnitude) / 30, "exact powers");
  const num = base.num ** magnitude;
  const den = base.den ** magnitude;
  return exponent > 0n ? { num, den } : rational(den, num);
}

/** The exact k-th root of a rational when it has one (8/27 → 2/3), else undefined. */
export function exactRoot(value: Rational, degree: bigint): Rational | undefined {
  if (degree <= 0n) return undefined;
  if (value.num < 0n) {
    if (degree % 2n === 0n) return undefined;
    const root = exactRoot(negate(value), degree);
    return root && negate(root);
  }
  const num = integerRoot(value.num, degree);
  const den = integerRoot(value.den, degree);
  if (num === undefined || den === undefined) return undefined;
  return { num, den };
}

/** The exact integer k-th root of n >= 0, or undefined when n is not a perfect k-th power. */
function integerRoot(n: bigint, degree: bigint): bigint | undefined {
  if (n < 2n) return n;
  const estimate = BigInt(Math.round(Math.pow(Number(n), 1 / Number(degree))));
  // The float estimate is exact enough for small n; for large n refine with Newton's method.
  if (Number.isFinite(Number(n)) && n < 2n ** 52n) {
    for (const candidate of [estimate - 1n, estimate, estimate + 1n]) {
      if (candidate >= 0n && candidate ** degree === n) return candidate;
    }
    return undefined;
  }
  let x = 1n << BigInt(Math.ceil(bitLength(n) / Number(degree)));
  const words = bitLength(n) / 64;
  for (;;) {
    charge(1 + (words * words) / 1000, "exact roots");
    const next = ((degree - 1n) * x + n / x ** (degree - 1n)) / degree;
    if (next >= x) break;
    x = next;
  }
  return x ** degree === n ? x : undefined;
}

export function factorial(n: Rational, limit = 5000n): Rational | undefined {
  if (n.den !== 1n || n.num < 0n || n.num > limit) return undefined;
  let result = 1n;
  for (let k = 2n; k <= n.num; k++) {
    result *= k;
    chargeSteps(result, "factorials");
  }
  return { num: result, den: 1n };
}

export function binomial(n: Rational, k: Rational): Rational | undefined {
  if (n.den !== 1n || k.den !== 1n || n.num < 0n || n.num > 100_000n) return undefined;
  if (k.num < 0n || k.num > n.num) return ZERO;
  const small = k.num < n.num - k.num ? k.num : n.num - k.num;
  let result = 1n;
  for (let i = 1n; i <= small; i++) {
    result = (result * (n.num - small + i)) / i;
    charge(1 + bitsOf(result) / 2000, "binomials");
  }
  return { num: result, den: 1n };
}

export function floor(value: Rational): Rational {
  const quotient = value.num / value.den;
  return { num: value.num < 0n && quotient * value.den !== value.num ? quotient - 1n : quotient, den: 1n };
}

export function ceil(value: Rational): Rational {
  return negate(floor(negate(value)));
}

export function abs(value: Rational): Rational {
  return value.num < 0n ? negate(value) : value;
}

export function compare(a: Rational, b: Rational): number {
  const difference = a.num * b.den - b.num * a.den;
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function toNumber(value: Rational): number {
  if (value.den === 1n) return Number(value.num);
  const result = Number(value.num) / Number(value.den);
  if (Number.isFinite(result) && result !== 0) return result;
  // Both parts overflow float64: scale them down together so the quotient survives.
  const shift = BigInt(Math.max(0, Math.max(bitLength(value.num), bitLength(value.den)) - 1000));
  return Number(value.num >> shift) / Number(value.den >> shift);
}

/** Parses an unsigned decimal literal (`12`, `0.15`, `.35625`, `4.5e33`) exactly. */
export function parseDecimal(text: string): Rational | undefined {
  const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return undefined;
  const whole = match[1] ?? "";
  const fraction = match[2] ?? "";
  if (whole === "" && fraction === "") return undefined;
  const exponent = Number(match[3] ?? "0") - fraction.length;
  if (Math.abs(exponent) > 10_000) return undefined;
  const digits = BigInt((whole + fraction).replace(/^0+(?=\d)/, "") || "0");
  return exponent >= 0 ? checked(rational(digits * 10n ** BigInt(exponent))) : rational(digits, 10n ** BigInt(-exponent));
}

export function toString(value: Rational): string {
  return value.den === 1n ? value.num.toString() : `${value.num}/${value.den}`;
}

// Work charged to the item's budget (budget.ts), in units of roughly a microsecond: linear in the bits of
// an addition or a step of a product loop, product of the sizes for a multiplication, quadratic for gcd.

const SMALL = 1n << 64n;

function bitsOf(n: bigint): number {
  return n < SMALL && n > -SMALL ? 64 : bitLength(n);
}

function chargeLinear(a: bigint, b: bigint, what: string): void {
  charge(1 + (bitsOf(a) + bitsOf(b)) / 20_000, what);
}

function chargeMultiply(a: bigint, b: bigint): void {
  charge(1 + (bitsOf(a) / 64) * (bitsOf(b) / 64) / 1000, "exact arithmetic");
}

function chargeGcd(a: bigint, b: bigint): void {
  const words = Math.max(bitsOf(a), bitsOf(b)) / 64;
  charge(1 + (words * words) / 400, "exact arithmetic (gcd)");
}

function chargeSteps(result: bigint, what: string): void {
  charge(1 + bitsOf(result) / 20_000, what);
}

export function bitLength(n: bigint): number {
  if (n < 0n) n = -n;
  if (n === 0n) return 0;
  // toString(16) is linear and allocation-light; good enough for the sizes we allow.
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0] ?? "0", 16)));
}

function checked(value: Rational): Rational | undefined {
  return bitLength(value.num) > MAX_EXACT_BITS || bitLength(value.den) > MAX_EXACT_BITS ? undefined : value;
}

// ---------------------------------------------------------------------------------------------------
// Gaussian rationals: exact complex values a + bi. Answers like `6 - 5i` or `\frac{4A}{3+3i}` stay exact.

export interface Exact {
  readonly re: Rational;
  readonly im: Rational;
}

export function exact(re: Rational, im: Rational = ZERO): Exact {
  return { re, im };
}

export const EXACT_ZERO = exact(ZERO);
export const EXACT_ONE = exact(ONE);
export const EXACT_I = exact(ZERO, ONE);

export function isReal(value: Exact): boolean {
  return value.im.num === 0n;
}

export function exactEquals(a: Exact, b: Exact): boolean {
  return equals(a.re, b.re) && equals(a.im, b.im);
}

export function exactAdd(a: Exact, b: Exact): Exact | undefined {
  const re = add(a.re, b.re);
  const im = add(a.im, b.im);
  return re && im && { re, im };
}

export function exactNegate(a: Exact): Exact {
  return { re: negate(a.re), im: negate(a.im) };
}

export function exactMultiply(a: Exact, b: Exact): Exact | undefined {
  if (isReal(a) && isReal(b)) {
    const re = multiply(a.re, b.re);
    return re && { re, im: ZERO };
  }
  const ac = multiply(a.re, b.re);
  const bd = multiply(a.im, b.im);
  const ad = multiply(a.re, b.im);
  const bc = multiply(a.im, b.re);
  if (!ac || !bd || !ad || !bc) return undefined;
  const re = subtract(ac, bd);
  const im = add(ad, bc);
  return re && im && { re, im };
}

export function exactDivide(a: Exact, b: Exact): Exact | undefined {
  if (isReal(b)) {
    if (isZero(b.re)) return undefined;
    const re = divide(a.re, b.re);
    const im = divide(a.im, b.re);
    return re && im && { re, im };
  }
  // a / b = a * conj(b) / |b|^2
  const conjugate = { re: b.re, im: negate(b.im) };
  const numerator = exactMultiply(a, conjugate);
  const reSquared = multiply(b.re, b.re);
  const imSquared = multiply(b.im, b.im);
  if (!numerator || !reSquared || !imSquared) return undefined;
  const norm = add(reSquared, imSquared);
  if (!norm) return undefined;
  const re = divide(numerator.re, norm);
  const im = divide(numerator.im, norm);
  return re && im && { re, im };
}

export function exactPower(base: Exact, exponent: bigint): Exact | undefined {
  if (isReal(base)) {
    const re = power(base.re, exponent);
    return re && { re, im: ZERO };
  }
  const magnitude = exponent < 0n ? -exponent : exponent;
  if (magnitude > 4096n) return undefined;
  let result: Exact | undefined = EXACT_ONE;
  let square: Exact | undefined = base;
  for (let remaining = magnitude; remaining > 0n && result && square; remaining >>= 1n) {
    if (remaining & 1n) result = exactMultiply(result, square);
    if (remaining > 1n) square = exactMultiply(square, square);
  }
  if (!result) return undefined;
  return exponent < 0n ? exactDivide(EXACT_ONE, result) : result;
}

export function exactToString(value: Exact): string {
  if (isReal(value)) return toString(value.re);
  return `${toString(value.re)} + ${toString(value.im)}i`;
}
