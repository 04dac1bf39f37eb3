/**
 * Exact evaluation of the grader's expression trees (`AnswerNode`, from `parseAnswer` in src/grade) for the
 * step verifier: rationals over bigint, values of earlier definitions substituted for symbols. Whatever is
 * not exactly rational (π, √2, a function of an unknown) is `unsupported`, never approximated; an unknown
 * symbol is `unknown`, division by zero `undefined`. Integer powers, perfect roots (`\sqrt{16}`, `8^{1/3}`),
 * percents (`20\%` = 1/5), factorials and binomials are exact.
 *
 * Also: the degree of a tree in one symbol (syntactically), the solution of a linear equation in one
 * unknown, and an identity test (both sides agree at fixed rational points, so `2(x+3) = 2x+6` holds).
 */
import type { AnswerNode } from "../grade/index.ts";
import { add, divide, equals, fromInteger, multiply, negate, rational, subtract, type Rational } from "./rational.ts";

export type Evaluation =
  /** `computes`: an operator or a substituted symbol was involved (not a bare number). */
  | { status: "value"; value: Rational; computes: boolean }
  | { status: "unknown"; symbols: string[] }
  | { status: "unsupported"; reason: string }
  | { status: "undefined"; reason: string };

export interface EvaluateOptions {
  /** `a + b%` and `a - b%` as a·(1 ± b/100), the shop-talk reading (default false: b% is b/100). */
  percentOfBase?: boolean;
}

/** Values of symbols: what earlier steps defined. */
export type Environment = ReadonlyMap<string, Rational>;

const MAX_EXPONENT = 4096n;
const MAX_BITS = 100_000;
const IRRATIONAL_CONSTANTS = new Set(["pi", "e", "i"]);

const bits = (value: bigint): number => (value < 0n ? -value : value).toString(2).length;

function toRational(value: { num: bigint; den: bigint }): Rational {
  return rational(value.num, value.den);
}

function integerRoot(value: bigint, degree: bigint): bigint | undefined {
  if (value < 0n) {
    if (degree % 2n === 0n) return undefined;
    const root = integerRoot(-value, degree);
    return root === undefined ? undefined : -root;
  }
  if (value < 2n) return value;
  // Newton's method on integers, from an upper bound.
  let guess = 1n << BigInt(Math.ceil(bits(value) / Number(degree)) + 1);
  for (;;) {
    const next = ((degree - 1n) * guess + value / guess ** (degree - 1n)) / degree;
    if (next >= guess) break;
    guess = next;
  }
  return guess ** degree === value ? guess : undefined;
}

function exactRoot(value: Rational, degree: bigint): Rational | undefined {
  const numerator = integerRoot(value.numerator, degree);
  const denominator = integerRoot(value.denominator, degree);
  return numerator === undefined || denominator === undefined ? undefined : rational(numerator, denominator);
}

function power(base: Rational, exponent: Rational): Evaluation {
  if (exponent.denominator !== 1n) {
    const root = exactRoot(base, exponent.denominator);
    if (!root) return { status: "unsupported", reason: "an irrational root" };
    return power(root, rational(exponent.numerator));
  }
  const integer = exponent.numerator;
  if ((integer < 0n ? -integer : integer) > MAX_EXPONENT) return { status: "unsupported", reason: "an exponent too large to evaluate" };
  if (bits(base.numerator) * Number(integer < 0n ? -integer : integer) > MAX_BITS) return { status: "unsupported", reason: "a power too large to evaluate" };
  if (integer < 0n && base.numerator === 0n) return { status: "undefined", reason: "zero to a negative power" };
  const magnitude = rational(base.numerator ** (integer < 0n ? -integer : integer), base.denominator ** (integer < 0n ? -integer : integer));
  return { status: "value", value: integer < 0n ? (divide(fromInteger(1), magnitude) as Rational) : magnitude, computes: true };
}

function factorial(value: Rational): Evaluation {
  if (value.denominator !== 1n || value.numerator < 0n) return { status: "unsupported", reason: "a factorial of a non-natural number" };
  if (value.numerator > 2000n) return { status: "unsupported", reason: "a factorial too large to evaluate" };
  let product = 1n;
  for (let factor = 2n; factor <= value.numerator; factor++) product *= factor;
  return { status: "value", value: rational(product), computes: true };
}

/** Combines children: undefined beats unsupported beats unknown beats values. */
function combine(evaluations: Evaluation[], compute: (values: Rational[]) => Evaluation | Rational | undefined): Evaluation {
  for (const status of ["undefined", "unsupported"] as const) {
    const found = evaluations.find((evaluation) => evaluation.status === status);
    if (found) return found;
  }
  const unknown = evaluations.flatMap((evaluation) => (evaluation.status === "unknown" ? evaluation.symbols : []));
  if (unknown.length > 0) return { status: "unknown", symbols: [...new Set(unknown)] };
  const values = evaluations.map((evaluation) => (evaluation as { value: Rational }).value);
  const result = compute(values);
  if (result === undefined) return { status: "undefined", reason: "a division by zero" };
  return "status" in result ? result : { status: "value", value: result, computes: true };
}

export function evaluateNode(node: AnswerNode, environment: Environment = new Map(), options: EvaluateOptions = {}): Evaluation {
  const visit = (child: AnswerNode): Evaluation => evaluateNode(child, environment, options);
  switch (node.type) {
    case "number":
      return { status: "value", value: toRational(node.value), computes: false };
    case "base":
      return { status: "value", value: toRational(node.value), computes: false };
    case "symbol": {
      const value = environment.get(node.name);
      if (value) return { status: "value", value, computes: true };
      if (IRRATIONAL_CONSTANTS.has(node.name)) return { status: "unsupported", reason: `the constant ${node.name}` };
      return { status: "unknown", symbols: [node.name] };
    }
    case "group":
      return visit(node.body);
    case "negate":
      return combine([visit(node.arg)], ([value]) => negate(value as Rational));
    case "percent":
      return combine([visit(node.arg)], ([value]) => divide(value as Rational, fromInteger(100)));
    case "add": {
      if (options.percentOfBase) return addPercentOfBase(node.terms, visit);
      return combine(node.terms.map(visit), (values) => values.reduce((sum, value) => add(sum, value)));
    }
    case "multiply":
      return combine(node.factors.map(visit), (values) => values.reduce((product, value) => multiply(product, value)));
    case "divide":
      return combine([visit(node.numerator), visit(node.denominator)], ([numerator, denominator]) => divide(numerator as Rational, denominator as Rational));
    case "power":
      return combine([visit(node.base), visit(node.exponent)], ([base, exponent]) => power(base as Rational, exponent as Rational));
    case "call":
      return evaluateCall(node.name, node.args.map(visit));
    default:
      return { status: "unsupported", reason: `a ${node.type}` };
  }
}

/** `a + b%`: each percent term is that share of the sum before it. */
function addPercentOfBase(terms: AnswerNode[], visit: (node: AnswerNode) => Evaluation): Evaluation {
  const percentOf = (term: AnswerNode): { sign: 1 | -1; share: AnswerNode } | undefined => {
    let node = term;
    let sign: 1 | -1 = 1;
    if (node.type === "negate") [node, sign] = [node.arg, -1];
    while (node.type === "group") node = node.body;
    return node.type === "percent" ? { sign, share: node.arg } : undefined;
  };
  let sum: Evaluation = { status: "value", value: fromInteger(0), computes: false };
  for (const [index, term] of terms.entries()) {
    const percent = index > 0 ? percentOf(term) : undefined;
    if (!percent) {
      sum = combine([sum, visit(term)], ([left, right]) => add(left as Rational, right as Rational));
      continue;
    }
    sum = combine([sum, visit(percent.share)], ([base, share]) => {
      const part = divide(multiply(base as Rational, share as Rational), fromInteger(100)) as Rational;
      return percent.sign === 1 ? add(base as Rational, part) : subtract(base as Rational, part);
    });
  }
  return sum;
}

function evaluateCall(name: string, args: Evaluation[]): Evaluation {
  switch (name) {
    case "sqrt":
      return combine(args, ([value]) => exactRoot(value as Rational, 2n) ?? { status: "unsupported", reason: "an irrational square root" });
    case "root":
      return combine(args, ([value, degree]) => {
        if ((degree as Rational).denominator !== 1n || (degree as Rational).numerator < 2n) return { status: "unsupported", reason: "a root of degree below 2" };
        return exactRoot(value as Rational, (degree as Rational).numerator) ?? { status: "unsupported", reason: "an irrational root" };
      });
    case "factorial":
      return combine(args, ([value]) => factorial(value as Rational));
    case "abs":
      return combine(args, ([value]) => ((value as Rational).numerator < 0n ? negate(value as Rational) : (value as Rational)));
    case "binom":
      return combine(args, ([n, k]) => {
        const [top, bottom] = [n as Rational, k as Rational];
        if (top.denominator !== 1n || bottom.denominator !== 1n || bottom.numerator < 0n || top.numerator < 0n || top.numerator > 2000n) {
          return { status: "unsupported", reason: "a binomial outside the naturals" };
        }
        if (bottom.numerator > top.numerator) return fromInteger(0);
        let result = 1n;
        for (let index = 1n; index <= bottom.numerator; index++) result = (result * (top.numerator - bottom.numerator + index)) / index;
        return rational(result);
      });
    case "floor":
    case "ceil":
      return combine(args, ([value]) => {
        const { numerator, denominator } = value as Rational;
        const floor = numerator >= 0n ? numerator / denominator : -((-numerator + denominator - 1n) / denominator);
        return rational(name === "floor" || floor * denominator === numerator ? floor : floor + 1n);
      });
    default:
      return combine(args, () => ({ status: "unsupported", reason: `the function ${name}` }));
  }
}

/** Syntactic degree of `node` in `symbol` (Infinity when not a polynomial in it). */
export function degreeIn(node: AnswerNode, symbol: string): number {
  switch (node.type) {
    case "symbol":
      return node.name === symbol ? 1 : 0;
    case "group":
      return degreeIn(node.body, symbol);
    case "negate":
    case "percent":
      return degreeIn(node.arg, symbol);
    case "add":
      return Math.max(...node.terms.map((term) => degreeIn(term, symbol)));
    case "multiply":
      return node.factors.reduce((sum, factor) => sum + degreeIn(factor, symbol), 0);
    case "divide":
      return degreeIn(node.denominator, symbol) === 0 ? degreeIn(node.numerator, symbol) : Infinity;
    case "power": {
      const base = degreeIn(node.base, symbol);
      if (degreeIn(node.exponent, symbol) !== 0) return Infinity;
      if (base === 0) return 0;
      const exponent = evaluateNode(node.exponent);
      if (exponent.status !== "value" || exponent.value.denominator !== 1n || exponent.value.numerator < 0n) return Infinity;
      return base * Number(exponent.value.numerator);
    }
    case "call":
      return node.args.every((arg) => degreeIn(arg, symbol) === 0) ? 0 : Infinity;
    default:
      return 0;
  }
}

/**
 * The solution of `left = right` in its one unknown `symbol`, when the equation is linear in it with a
 * nonzero coefficient and a nonzero constant (a homogeneous `5m + 3m = 9m` says nothing about m).
 */
export function solveLinear(left: AnswerNode, right: AnswerNode, symbol: string, environment: Environment): Rational | undefined {
  if (degreeIn(left, symbol) > 1 || degreeIn(right, symbol) > 1) return undefined;
  const at = (point: Rational): Rational | undefined => {
    const scope = new Map(environment).set(symbol, point);
    const l = evaluateNode(left, scope);
    const r = evaluateNode(right, scope);
    return l.status === "value" && r.status === "value" ? subtract(l.value, r.value) : undefined;
  };
  const constant = at(fromInteger(0));
  const atOne = at(fromInteger(1));
  if (!constant || !atOne) return undefined;
  const slope = subtract(atOne, constant);
  if (slope.numerator === 0n || constant.numerator === 0n) return undefined;
  return divide(negate(constant), slope);
}

/** Both sides agree wherever their unknowns are set to several fixed rational points (an identity). */
export function isIdentity(left: AnswerNode, right: AnswerNode, symbols: readonly string[], environment: Environment): boolean {
  const points = [[7n, 3n], [-11n, 5n], [13n, 17n], [19n, 2n]] as const;
  for (const [round, [numerator, denominator]] of points.entries()) {
    const scope = new Map(environment);
    symbols.forEach((symbol, index) => scope.set(symbol, rational(numerator + BigInt(index * (round + 3)), denominator + BigInt(index))));
    const l = evaluateNode(left, scope);
    const r = evaluateNode(right, scope);
    if (l.status !== "value" || r.status !== "value" || !equals(l.value, r.value)) return false;
  }
  return true;
}

export interface Interval {
  low: Rational;
  high: Rational;
}

const sign = (value: Rational): number => (value.numerator === 0n ? 0 : value.numerator < 0n ? -1 : 1);
const less = (left: Rational, right: Rational): boolean => sign(subtract(left, right)) < 0;
const smallest = (values: Rational[]): Rational => values.reduce((min, value) => (less(value, min) ? value : min));
const largest = (values: Rational[]): Rational => values.reduce((max, value) => (less(max, value) ? value : max));

/** Decimals at which a written number is taken to be rounded (`2.8284`, `1.414`), not exact (`8.75`). */
export const APPROXIMATE_DECIMALS = 3;

function decimalsOf(text: string): number {
  const point = text.indexOf(".");
  return point === -1 ? 0 : text.length - point - 1;
}

/** Whether `node` holds a number written with APPROXIMATE_DECIMALS or more decimals. */
export function hasApproximateNumber(node: AnswerNode): boolean {
  switch (node.type) {
    case "number": return decimalsOf(node.text) >= APPROXIMATE_DECIMALS;
    case "group": return hasApproximateNumber(node.body);
    case "negate": case "percent": return hasApproximateNumber(node.arg);
    case "add": return node.terms.some(hasApproximateNumber);
    case "multiply": return node.factors.some(hasApproximateNumber);
    case "divide": return hasApproximateNumber(node.numerator) || hasApproximateNumber(node.denominator);
    case "power": return hasApproximateNumber(node.base) || hasApproximateNumber(node.exponent);
    default: return false;
  }
}

/**
 * The values `node` can have when every number written with APPROXIMATE_DECIMALS or more decimals stands
 * for anything that rounds to it (±half a unit of its last digit): exact interval arithmetic over
 * rationals. Undefined for what the interval rules here do not cover (roots, functions, a division by an
 * interval holding 0).
 */
export function evaluateInterval(node: AnswerNode, environment: Environment = new Map()): Interval | undefined {
  const visit = (child: AnswerNode): Interval | undefined => evaluateInterval(child, environment);
  switch (node.type) {
    case "number": {
      const value = toRational(node.value);
      const decimals = decimalsOf(node.text);
      if (decimals < APPROXIMATE_DECIMALS) return { low: value, high: value };
      const half = rational(1n, 2n * 10n ** BigInt(decimals));
      return { low: subtract(value, half), high: add(value, half) };
    }
    case "symbol": {
      const value = environment.get(node.name);
      return value ? { low: value, high: value } : undefined;
    }
    case "group":
      return visit(node.body);
    case "negate": {
      const inner = visit(node.arg);
      return inner && { low: negate(inner.high), high: negate(inner.low) };
    }
    case "percent": {
      const inner = visit(node.arg);
      const hundred = fromInteger(100);
      return inner && { low: divide(inner.low, hundred) as Rational, high: divide(inner.high, hundred) as Rational };
    }
    case "add": {
      let sum: Interval | undefined = { low: fromInteger(0), high: fromInteger(0) };
      for (const term of node.terms) {
        const value = visit(term);
        sum = sum && value && { low: add(sum.low, value.low), high: add(sum.high, value.high) };
      }
      return sum;
    }
    case "multiply": {
      let product: Interval | undefined = { low: fromInteger(1), high: fromInteger(1) };
      for (const factor of node.factors) {
        const value = visit(factor);
        if (!product || !value) return undefined;
        const { low, high } = product;
        const corners: Rational[] = [multiply(low, value.low), multiply(low, value.high), multiply(high, value.low), multiply(high, value.high)];
        product = { low: smallest(corners), high: largest(corners) };
      }
      return product;
    }
    case "divide": {
      const numerator = visit(node.numerator);
      const denominator = visit(node.denominator);
      if (!numerator || !denominator || sign(denominator.low) * sign(denominator.high) <= 0) return undefined;
      const corners = [numerator.low, numerator.high].flatMap((top) => [denominator.low, denominator.high].map((bottom) => divide(top, bottom) as Rational));
      return { low: smallest(corners), high: largest(corners) };
    }
    case "power": {
      const base = visit(node.base);
      const exponent = evaluateNode(node.exponent, environment);
      if (!base || exponent.status !== "value" || exponent.value.denominator !== 1n) return undefined;
      const integer = exponent.value.numerator;
      if (integer < 0n || integer > 64n) return undefined;
      const raise = (value: Rational): Rational => rational(value.numerator ** integer, value.denominator ** integer);
      const [low, high] = [raise(base.low), raise(base.high)];
      if (integer % 2n === 0n && sign(base.low) < 0 && sign(base.high) > 0) return { low: fromInteger(0), high: largest([low, high]) };
      return { low: smallest([low, high]), high: largest([low, high]) };
    }
    default:
      return undefined;
  }
}
