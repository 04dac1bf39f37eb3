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
