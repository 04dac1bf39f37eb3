/**
 * Evaluating expression trees: exactly (Gaussian rationals over BigInt) where the value is rational, and
 * numerically (complex float64) otherwise. The numeric evaluator keeps a trace of how far it can be
 * trusted: an underflow to 0, an overflow, or a sum that cancels huge terms makes float equality
 * meaningless, and the comparer then asks for exact or high-precision evidence instead.
 */
import { arithmeticChildren, type Node } from "./ast.ts";
import { charge } from "./budget.ts";
import * as Q from "./rational.ts";
import type { Exact } from "./rational.ts";

export interface Complex {
  re: number;
  im: number;
}

export interface NumericTrace {
  /** Largest magnitude of any intermediate value (cancellation shows as max ≫ |result|). */
  maxMagnitude: number;
  /** An intermediate overflowed, underflowed to zero, or left float64's range. */
  unreliable: boolean;
  /** A division by zero (or log of zero): the expression has no value at all. */
  undefinedOperation: boolean;
}

export type Environment = ReadonlyMap<string, { exact: Exact; numeric: Complex }>;

/** Symbols that are not variables: constants, and the ellipsis of `1 + \cdots + 10` (parse.ts's ELLIPSIS). */
const CONSTANTS = new Set(["pi", "e", "i", "…"]);
const NAN: Complex = { re: NaN, im: NaN };

export function newTrace(): NumericTrace {
  return { maxMagnitude: 0, unreliable: false, undefinedOperation: false };
}

/** Variables of an expression (constants pi, e, i and function names excluded). */
export function freeSymbols(node: Node, into: Set<string> = new Set()): Set<string> {
  switch (node.type) {
    case "symbol":
      if (!CONSTANTS.has(node.name)) into.add(node.name);
      break;
    case "add":
      node.terms.forEach((term) => freeSymbols(term, into));
      break;
    case "multiply":
      node.factors.forEach((factor) => freeSymbols(factor, into));
      break;
    case "negate":
    case "percent":
      freeSymbols(node.arg, into);
      break;
    case "divide":
      freeSymbols(node.numerator, into);
      freeSymbols(node.denominator, into);
      break;
    case "power":
      freeSymbols(node.base, into);
      freeSymbols(node.exponent, into);
      break;
    case "call":
      node.args.forEach((arg) => freeSymbols(arg, into));
      break;
    case "group":
      freeSymbols(node.body, into);
      break;
    case "plusminus":
      if (node.left) freeSymbols(node.left, into);
      freeSymbols(node.right, into);
      break;
    case "tuple":
    case "set":
    case "list":
    case "union":
      node.items.forEach((item) => freeSymbols(item, into));
      break;
    case "relation":
      node.operands.forEach((operand) => freeSymbols(operand, into));
      break;
    case "matrix":
      node.rows.forEach((row) => row.forEach((cell) => freeSymbols(cell, into)));
      break;
    default:
      break;
  }
  return into;
}

const INTEGER_FUNCTIONS = new Set(["factorial", "binom", "floor", "ceil"]);

/** Whether some variable sits under n!, binom, floor or ceil: such expressions are sampled at integers. */
export function needsIntegerSamples(node: Node): boolean {
  if (node.type === "call" && INTEGER_FUNCTIONS.has(node.name) && node.args.some((arg) => freeSymbols(arg).size > 0)) return true;
  switch (node.type) {
    case "add":
      return node.terms.some(needsIntegerSamples);
    case "multiply":
      return node.factors.some(needsIntegerSamples);
    case "negate":
    case "percent":
      return needsIntegerSamples(node.arg);
    case "divide":
      return needsIntegerSamples(node.numerator) || needsIntegerSamples(node.denominator);
    case "power":
      return needsIntegerSamples(node.base) || needsIntegerSamples(node.exponent);
    case "call":
      return node.args.some(needsIntegerSamples);
    case "group":
      return needsIntegerSamples(node.body);
    default:
      return false;
  }
}

/** Whether the tree holds a decimal literal (`0.333`, `4.5e33`): the writer may mean an approximation. */
export function hasDecimal(node: Node): boolean {
  switch (node.type) {
    case "number":
      return node.decimal;
    case "add":
      return node.terms.some(hasDecimal);
    case "multiply":
      return node.factors.some(hasDecimal);
    case "negate":
    case "percent":
      return hasDecimal(node.arg);
    case "divide":
      return hasDecimal(node.numerator) || hasDecimal(node.denominator);
    case "power":
      return hasDecimal(node.base) || hasDecimal(node.exponent);
    case "call":
      return node.args.some(hasDecimal);
    case "group":
      return hasDecimal(node.body);
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Exact evaluation: undefined whenever the value is not a Gaussian rational or is too large to hold.

export function evaluateExact(node: Node, env?: Environment): Exact | undefined {
  charge(1, "exact evaluation");
  switch (node.type) {
    case "number":
      return Q.exact(node.value);
    case "base":
      return Q.exact(node.value);
    case "symbol":
      if (node.name === "i") return Q.EXACT_I;
      return env?.get(node.name)?.exact;
    case "group":
      return evaluateExact(node.body, env);
    case "negate": {
      const value = evaluateExact(node.arg, env);
      return value && Q.exactNegate(value);
    }
    case "percent": {
      const value = evaluateExact(node.arg, env);
      return value && Q.exactDivide(value, Q.exact(Q.rational(100n)));
    }
    case "add": {
      let sum: Exact | undefined = Q.EXACT_ZERO;
      for (const term of node.terms) {
        const value = evaluateExact(term, env);
        if (!value || !sum) return undefined;
        sum = Q.exactAdd(sum, value);
      }
      return sum;
    }
    case "multiply": {
      let product: Exact | undefined = Q.EXACT_ONE;
      for (const factor of node.factors) {
        const value = evaluateExact(factor, env);
        if (!value || !product) return undefined;
        product = Q.exactMultiply(product, value);
      }
      return product;
    }
    case "divide": {
      const numerator = evaluateExact(node.numerator, env);
      const denominator = evaluateExact(node.denominator, env);
      return numerator && denominator && Q.exactDivide(numerator, denominator);
    }
    case "power":
      return exactPower(node, env);
    case "call":
      return exactCall(node.name, node.args, env);
    default:
      return undefined;
  }
}

function exactPower(node: { base: Node; exponent: Node }, env?: Environment): Exact | undefined {
  const exponent = evaluateExact(node.exponent, env);
  if (!exponent || !Q.isReal(exponent)) return undefined;
  const base = evaluateExact(node.base, env);
  if (!base) return undefined;
  if (Q.isInteger(exponent.re)) return Q.exactPower(base, exponent.re.num);
  // p/q: exact only for a real base >= 0 that is a perfect q-th power (8^{2/3} = 4).
  if (!Q.isReal(base) || base.re.num < 0n || exponent.re.den > 64n) return undefined;
  const root = Q.exactRoot(base.re, exponent.re.den);
  if (!root) return undefined;
  const value = Q.power(root, exponent.re.num);
  return value && Q.exact(value);
}

function exactCall(name: string, args: Node[], env?: Environment): Exact | undefined {
  const values: Exact[] = [];
  for (const arg of args) {
    const value = evaluateExact(arg, env);
    if (!value) return undefined;
    values.push(value);
  }
  const [first, second] = values;
  if (!first) return undefined;
  const real = Q.isReal(first) ? first.re : undefined;
  switch (name) {
    case "sqrt": {
      if (!real) return undefined;
      if (real.num < 0n) {
        const root = Q.exactRoot(Q.negate(real), 2n);
        return root && Q.exact(Q.ZERO, root);
      }
      const root = Q.exactRoot(real, 2n);
      return root && Q.exact(root);
    }
    case "root": {
      if (!real || !second || !Q.isReal(second) || !Q.isInteger(second.re) || second.re.num <= 0n) return undefined;
      const root = Q.exactRoot(real, second.re.num);
      return root && Q.exact(root);
    }
    case "factorial": {
      const value = real && Q.factorial(real);
      return value && Q.exact(value);
    }
    case "binom": {
      if (!real || !second || !Q.isReal(second)) return undefined;
      const value = Q.binomial(real, second.re);
      return value && Q.exact(value);
    }
    case "floor":
      return real && Q.exact(Q.floor(real));
    case "ceil":
      return real && Q.exact(Q.ceil(real));
    case "abs": {
      if (real) return Q.exact(Q.abs(real));
      const reSquared = Q.multiply(first.re, first.re);
      const imSquared = Q.multiply(first.im, first.im);
      const norm = reSquared && imSquared && Q.add(reSquared, imSquared);
      const root = norm && Q.exactRoot(norm, 2n);
      return root && Q.exact(root);
    }
    case "log": {
      // log_b(b^k) = k exactly for rational b, x: try small integer k.
      if (!real || !second || !Q.isReal(second) || real.num <= 0n || second.re.num <= 0n) return undefined;
      return exactLog(real, second.re);
    }
    default:
      return undefined;
  }
}

function exactLog(value: Q.Rational, base: Q.Rational): Exact | undefined {
  if (Q.equals(base, Q.ONE)) return undefined;
  if (Q.equals(value, Q.ONE)) return Q.EXACT_ZERO;
  const estimate = Math.log(Q.toNumber(value)) / Math.log(Q.toNumber(base));
  if (!Number.isFinite(estimate)) return undefined;
  // k = p/q with small q: check base^p == value^q exactly.
  for (let q = 1; q <= 6; q++) {
    const p = Math.round(estimate * q);
    if (Math.abs(p - estimate * q) > 1e-6 || Math.abs(p) > 4096) continue;
    const left = Q.power(base, BigInt(p));
    const right = Q.power(value, BigInt(q));
    if (left && right && Q.equals(left, right)) return Q.exact(Q.rational(BigInt(p), BigInt(q)));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Numeric evaluation over complex float64.

export function evaluateNumeric(node: Node, env: Environment | undefined, trace: NumericTrace): Complex {
  const value = numeric(node, env, trace);
  note(value, trace);
  return value;
}

function note(value: Complex, trace: NumericTrace): Complex {
  const magnitude = Math.max(Math.abs(value.re), Math.abs(value.im));
  if (!Number.isFinite(magnitude)) {
    if (!Number.isNaN(magnitude)) trace.unreliable = true;
  } else {
    if (magnitude > trace.maxMagnitude) trace.maxMagnitude = magnitude;
    if (magnitude > 1e250 || (magnitude !== 0 && magnitude < 1e-250)) trace.unreliable = true;
  }
  return value;
}

function numeric(node: Node, env: Environment | undefined, trace: NumericTrace): Complex {
  charge(1, "numeric evaluation");
  switch (node.type) {
    case "number":
    case "base":
      return real(Q.toNumber(node.value));
    case "symbol":
      if (node.name === "pi") return real(Math.PI);
      if (node.name === "e") return real(Math.E);
      if (node.name === "i") return { re: 0, im: 1 };
      return env?.get(node.name)?.numeric ?? NAN;
    case "infinity":
      return real(Infinity);
    case "group":
      return numeric(node.body, env, trace);
    case "negate": {
      const value = numeric(node.arg, env, trace);
      return { re: -value.re, im: -value.im };
    }
    case "percent": {
      const value = numeric(node.arg, env, trace);
      return { re: value.re / 100, im: value.im / 100 };
    }
    case "add": {
      let re = 0;
      let im = 0;
      for (const term of node.terms) {
        const value = note(numeric(term, env, trace), trace);
        re += value.re;
        im += value.im;
      }
      return { re, im };
    }
    case "multiply": {
      let product: Complex = real(1);
      for (const factor of node.factors) {
        const value = note(numeric(factor, env, trace), trace);
        product = checkedProduct(product, value, trace);
      }
      return product;
    }
    case "divide": {
      const numerator = note(numeric(node.numerator, env, trace), trace);
      const denominator = note(numeric(node.denominator, env, trace), trace);
      if (isZero(denominator)) trace.undefinedOperation = true;
      const quotient = divideComplex(numerator, denominator);
      if (isZero(quotient) && !isZero(numerator) && Number.isFinite(denominator.re)) trace.unreliable = true;
      return quotient;
    }
    case "power": {
      const base = note(numeric(node.base, env, trace), trace);
      const exponent = note(numeric(node.exponent, env, trace), trace);
      const value = powerComplex(base, exponent);
      if (isZero(value) && !isZero(base)) trace.unreliable = true;
      return value;
    }
    case "call":
      return numericCall(node.name, node.args.map((arg) => note(numeric(arg, env, trace), trace)), trace);
    default:
      return NAN;
  }
}

function real(value: number): Complex {
  return { re: value, im: 0 };
}

function isZero(value: Complex): boolean {
  return value.re === 0 && value.im === 0;
}

function checkedProduct(a: Complex, b: Complex, trace: NumericTrace): Complex {
  const product = multiplyComplex(a, b);
  if (isZero(product) && !isZero(a) && !isZero(b)) trace.unreliable = true;
  return product;
}

export function multiplyComplex(a: Complex, b: Complex): Complex {
  if (a.im === 0 && b.im === 0) return real(a.re * b.re);
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}

export function divideComplex(a: Complex, b: Complex): Complex {
  if (b.im === 0) {
    if (b.re === 0) return NAN;
    return { re: a.re / b.re, im: a.im / b.re };
  }
  const norm = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / norm, im: (a.im * b.re - a.re * b.im) / norm };
}

function powerComplex(base: Complex, exponent: Complex): Complex {
  if (exponent.im === 0) {
    const n = exponent.re;
    if (base.im === 0 && (base.re >= 0 || Number.isInteger(n))) return real(Math.pow(base.re, n));
    if (Number.isInteger(n) && Math.abs(n) <= 64) {
      let result = real(1);
      for (let k = 0; k < Math.abs(n); k++) result = multiplyComplex(result, base);
      return n < 0 ? divideComplex(real(1), result) : result;
    }
  }
  if (isZero(base)) return exponent.re > 0 ? real(0) : NAN;
  return expComplex(multiplyComplex(exponent, logComplex(base)));
}

function logComplex(value: Complex): Complex {
  return { re: Math.log(Math.hypot(value.re, value.im)), im: Math.atan2(value.im, value.re) };
}

function expComplex(value: Complex): Complex {
  const magnitude = Math.exp(value.re);
  if (value.im === 0) return real(magnitude);
  return { re: magnitude * Math.cos(value.im), im: magnitude * Math.sin(value.im) };
}

function sqrtComplex(value: Complex): Complex {
  if (value.im === 0) return value.re >= 0 ? real(Math.sqrt(value.re)) : { re: 0, im: Math.sqrt(-value.re) };
  const modulus = Math.hypot(value.re, value.im);
  const re = Math.sqrt((modulus + value.re) / 2);
  const im = Math.sign(value.im) * Math.sqrt((modulus - value.re) / 2);
  return { re, im };
}

function sinComplex(z: Complex): Complex {
  return { re: Math.sin(z.re) * Math.cosh(z.im), im: Math.cos(z.re) * Math.sinh(z.im) };
}

function cosComplex(z: Complex): Complex {
  return { re: Math.cos(z.re) * Math.cosh(z.im), im: -Math.sin(z.re) * Math.sinh(z.im) };
}

function numericCall(name: string, args: Complex[], trace: NumericTrace): Complex {
  const [x, y] = args;
  if (!x) return NAN;
  const isRealArgument = x.im === 0;
  switch (name) {
    case "sqrt":
      return sqrtComplex(x);
    case "root": {
      if (!y || y.im !== 0) return NAN;
      // Odd roots of negative reals are real (\sqrt[3]{-8} = -2), as a reader means them.
      if (isRealArgument && x.re < 0 && Number.isInteger(y.re) && y.re % 2 !== 0) return real(-Math.pow(-x.re, 1 / y.re));
      return powerComplex(x, real(1 / y.re));
    }
    case "sin":
      return sinComplex(x);
    case "cos":
      return cosComplex(x);
    case "tan":
      return divideComplex(sinComplex(x), cosComplex(x));
    case "cot":
      return divideComplex(cosComplex(x), sinComplex(x));
    case "sec":
      return divideComplex(real(1), cosComplex(x));
    case "csc":
      return divideComplex(real(1), sinComplex(x));
    case "arcsin":
      return isRealArgument && Math.abs(x.re) <= 1 ? real(Math.asin(x.re)) : NAN;
    case "arccos":
      return isRealArgument && Math.abs(x.re) <= 1 ? real(Math.acos(x.re)) : NAN;
    case "arctan":
      return isRealArgument ? real(Math.atan(x.re)) : NAN;
    case "sinh":
      return isRealArgument ? real(Math.sinh(x.re)) : NAN;
    case "cosh":
      return isRealArgument ? real(Math.cosh(x.re)) : NAN;
    case "tanh":
      return isRealArgument ? real(Math.tanh(x.re)) : NAN;
    case "ln":
      return isZero(x) ? NAN : logComplex(x);
    case "log": {
      if (!y || isZero(x)) return NAN;
      return divideComplex(logComplex(x), logComplex(y));
    }
    case "exp":
      return expComplex(x);
    case "abs":
      return real(Math.hypot(x.re, x.im));
    case "floor":
      return isRealArgument ? real(Math.floor(x.re + 1e-12 * Math.max(1, Math.abs(x.re)))) : NAN;
    case "ceil":
      return isRealArgument ? real(Math.ceil(x.re - 1e-12 * Math.max(1, Math.abs(x.re)))) : NAN;
    case "factorial": {
      if (!isRealArgument || !Number.isInteger(x.re) || x.re < 0) return NAN;
      if (x.re > 170) {
        trace.unreliable = true;
        return real(Infinity);
      }
      let product = 1;
      for (let k = 2; k <= x.re; k++) product *= k;
      return real(product);
    }
    case "binom": {
      if (!y || !isRealArgument || y.im !== 0 || !Number.isInteger(x.re) || !Number.isInteger(y.re)) return NAN;
      const value = Q.binomial(Q.rational(BigInt(x.re)), Q.rational(BigInt(y.re)));
      return value ? real(Q.toNumber(value)) : NAN;
    }
    default:
      if (name.startsWith("fn:")) return uninterpreted(name, args);
      return NAN;
  }
}

/**
 * An unknown function (`f(x)`, `I(0)`) is a fixed pseudo-random function of its name and arguments:
 * `f(2)` on both sides agrees, `f(2)` and `f(3)` almost surely do not. This is the standard way to
 * test identities with uninterpreted functions.
 */
function uninterpreted(name: string, args: Complex[]): Complex {
  let key = name;
  for (const arg of args) key += `|${arg.re.toPrecision(10)},${arg.im.toPrecision(10)}`;
  return real(1 + (hashString(key) % 1_000_003) / 1_000_003);
}

/** 32-bit FNV-1a; seeds sample points and uninterpreted functions deterministically. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A small seeded generator (mulberry32): same seed, same points, on every machine and in every worker. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------------
// Static size estimates, used to keep the CAS away from values it would take minutes to build and to
// know when 120 digits are not enough to call two values equal.

/** Rough log10 of |value| of a constant expression (NaN when unknown). */
export function magnitudeDigits(node: Node): number {
  switch (node.type) {
    case "number":
    case "base": {
      const { num, den } = node.value;
      if (num === 0n) return 0;
      return digitsOf(num) - digitsOf(den);
    }
    case "symbol":
      return node.name === "pi" || node.name === "e" || node.name === "i" ? 0 : NaN;
    case "group":
      return magnitudeDigits(node.body);
    case "negate":
    case "percent":
      return magnitudeDigits(node.arg);
    case "add":
      return Math.max(...node.terms.map(magnitudeDigits));
    case "multiply":
      return node.factors.reduce((sum, factor) => sum + magnitudeDigits(factor), 0);
    case "divide":
      return magnitudeDigits(node.numerator) - magnitudeDigits(node.denominator);
    case "power": {
      const exponent = evaluateNumeric(node.exponent, undefined, newTrace());
      return exponent.im === 0 ? magnitudeDigits(node.base) * exponent.re : NaN;
    }
    case "call": {
      const [first] = node.args;
      if (!first) return NaN;
      const argument = evaluateNumeric(first, undefined, newTrace());
      switch (node.name) {
        case "sqrt":
          return magnitudeDigits(first) / 2;
        case "factorial":
          return argument.re > 1 ? logFactorial10(argument.re) : 0;
        case "binom":
          return argument.re > 1 ? argument.re * Math.LOG10E * Math.LN2 : 0;
        case "exp":
          return argument.re * Math.LOG10E;
        case "abs":
        case "floor":
        case "ceil":
          return magnitudeDigits(first);
        default:
          return 0;
      }
    }
    default:
      return NaN;
  }
}

/**
 * The widest gap, in decimal digits, between the terms of any sum in the tree: `2^{1000} + \sqrt{2}`
 * has 301. At p digits of precision, a sum with a gap above p loses its small terms entirely.
 */
export function additionSpread(node: Node): number {
  let widest = 0;
  const visit = (current: Node): void => {
    if (current.type === "add") {
      const sizes = current.terms.map(magnitudeDigits);
      widest = Math.max(widest, Math.max(...sizes) - Math.min(...sizes));
    }
    for (const child of arithmeticChildren(current)) visit(child);
  };
  visit(node);
  return widest;
}

function digitsOf(value: bigint): number {
  const text = (value < 0n ? -value : value).toString(16);
  return (text.length - 1) * 4 * Math.log10(2) + Math.log10(parseInt(text.slice(0, 13), 16) / 16 ** (Math.min(text.length, 13) - 1));
}

/** log10(n!) by Stirling's series (exact enough for size estimates). */
function logFactorial10(n: number): number {
  return (n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n)) * Math.LOG10E;
}
