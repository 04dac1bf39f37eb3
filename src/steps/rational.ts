/**
 * Exact rational numbers over bigint: checking "a / b = c" must not depend on floating-point rounding.
 * Values are always normalized (denominator > 0, lowest terms), so `key` identifies a value.
 */

export interface Rational {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

function gcd(left: bigint, right: bigint): bigint {
  let a = left < 0n ? -left : left;
  let b = right < 0n ? -right : right;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rational(numerator: bigint, denominator = 1n): Rational {
  if (denominator === 0n) throw new RangeError("zero denominator");
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = gcd(numerator, denominator) || 1n;
  return { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
}

export function fromInteger(value: number): Rational {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
  return rational(BigInt(value));
}

/** "12", "1,234", "3.5", "-0.25" (no exponent forms); undefined when `text` is not such a number. */
export function parseDecimal(text: string): Rational | undefined {
  const match = /^([+-]?)(\d+(?:,\d{3})*)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole, fraction = ""] = match;
  const digits = BigInt((whole as string).replaceAll(",", "") + fraction);
  return rational(sign === "-" ? -digits : digits, 10n ** BigInt(fraction.length));
}

export function add(left: Rational, right: Rational): Rational {
  return rational(left.numerator * right.denominator + right.numerator * left.denominator, left.denominator * right.denominator);
}

export function subtract(left: Rational, right: Rational): Rational {
  return rational(left.numerator * right.denominator - right.numerator * left.denominator, left.denominator * right.denominator);
}

export function multiply(left: Rational, right: Rational): Rational {
  return rational(left.numerator * right.numerator, left.denominator * right.denominator);
}

/** undefined for division by zero. */
export function divide(left: Rational, right: Rational): Rational | undefined {
  if (right.numerator === 0n) return undefined;
  return rational(left.numerator * right.denominator, left.denominator * right.numerator);
}

export function negate(value: Rational): Rational {
  return rational(-value.numerator, value.denominator);
}

export function equals(left: Rational, right: Rational): boolean {
  return left.numerator === right.numerator && left.denominator === right.denominator;
}

/** A canonical string: `12`, `-7/2`. Equal values have equal keys. */
export function key(value: Rational): string {
  return value.denominator === 1n ? String(value.numerator) : `${value.numerator}/${value.denominator}`;
}

/** How a person would write it: integers plainly, terminating decimals as decimals, else `a/b`. */
export function format(value: Rational): string {
  if (value.denominator === 1n) return String(value.numerator);
  let denominator = value.denominator;
  let twos = 0;
  let fives = 0;
  while (denominator % 2n === 0n) [denominator, twos] = [denominator / 2n, twos + 1];
  while (denominator % 5n === 0n) [denominator, fives] = [denominator / 5n, fives + 1];
  if (denominator !== 1n) return key(value);
  const places = Math.max(twos, fives);
  const scaled = (value.numerator * 10n ** BigInt(places)) / value.denominator;
  const negative = scaled < 0n;
  const digits = String(negative ? -scaled : scaled).padStart(places + 1, "0");
  return `${negative ? "-" : ""}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}

export function isInteger(value: Rational): boolean {
  return value.denominator === 1n;
}
