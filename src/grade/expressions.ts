/**
 * Equality of two expressions (no structure: numbers, symbols, operations, functions).
 *
 * Order of evidence, cheapest first:
 *  1. the same canonical tree;
 *  2. constants: exact Gaussian-rational values, else float64 values that the trace says can be trusted,
 *     else the CAS at 120 digits (never float64 across an underflow: 1/2004! ≠ 1/2006!);
 *  3. with variables: evaluation at seeded random points, exactly at rational points where possible
 *     (Schwartz–Zippel), at integers when a variable sits under n!, binom, floor or ceil.
 * A decimal written for an irrational or repeating gold value is accepted when it is the gold rounded or
 * truncated at its last digit, with at least 4 significant digits (0.3333 for 1/3; not 0.333, 0.3334);
 * a gold with a finite decimal expansion must be matched exactly; a gold in scientific notation accepts any value
 * that rounds to it. Both rules read the gold as the authority, the prediction as the claim.
 */
import { nodeKey, unwrap, type Node } from "./ast.ts";
import { charge, checkWallGuard } from "./budget.ts";
import type { CasBridge } from "./cas.ts";
import {
  evaluateExact,
  magnitudeDigits,
  evaluateNumeric,
  freeSymbols,
  hashString,
  hasDecimal,
  needsIntegerSamples,
  newTrace,
  seededRandom,
  type Complex,
  type Environment,
} from "./evaluate.ts";
import * as Q from "./rational.ts";

export interface Verdict {
  /** true: equivalent; false: not; undefined: could not be decided (reported as unparsable). */
  equal: boolean | undefined;
  reason: string;
}

/** What comparing may use besides the trees. Work is charged to the item's budget (budget.ts). */
export interface ExpressionContext {
  cas: CasBridge | undefined;
}

/** One sample point or CAS hand-off: its evaluations charge themselves; this is the step's own cost. */
function chargeStep(what: string): void {
  charge(4, what);
}

/** Relative tolerance for float64 evidence between two exact-looking expressions. */
const FLOAT_TOLERANCE = 1e-9;
/** A float result this much smaller than its largest intermediate lost its digits to cancellation. */
const CANCELLATION_RATIO = 1e6;
const SAMPLE_POINTS = 8;
const MIN_VALID_POINTS = 3;

export function equalExpressions(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  if (nodeKey(gold) === nodeKey(predicted)) return { equal: true, reason: "same expression" };
  const goldBare = unwrap(gold);
  const predictedBare = unwrap(predicted);
  if (goldBare.type === "infinity" || predictedBare.type === "infinity") {
    return { equal: false, reason: "infinity against a finite value" };
  }
  const variables = new Set([...freeSymbols(gold), ...freeSymbols(predicted)]);
  if (variables.size === 0) return equalConstants(gold, predicted, context);
  return equalFunctions(gold, predicted, [...variables].sort(), context);
}

function equalConstants(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  const goldExact = evaluateExact(gold);
  const predictedExact = evaluateExact(predicted);
  if (goldExact && predictedExact) {
    if (Q.exactEquals(goldExact, predictedExact)) return { equal: true, reason: `equal exact values (${Q.exactToString(goldExact)})` };
    const approximate = approximationVerdict(gold, predicted, toComplex(goldExact), toComplex(predictedExact), goldExact, predictedExact);
    if (approximate) return approximate;
    return { equal: false, reason: `different values (${short(Q.exactToString(goldExact))} vs ${short(Q.exactToString(predictedExact))})` };
  }
  const goldTrace = newTrace();
  const predictedTrace = newTrace();
  const goldValue = goldExact ? toComplex(goldExact) : evaluateNumeric(gold, undefined, goldTrace);
  const predictedValue = predictedExact ? toComplex(predictedExact) : evaluateNumeric(predicted, undefined, predictedTrace);
  if (!isNaNComplex(goldValue) && goldTrace.undefinedOperation === false && predictedTrace.undefinedOperation) {
    return { equal: false, reason: "the answer divides by zero" };
  }
  if (isNaNComplex(goldValue) || isNaNComplex(predictedValue)) {
    return casOrUndecided(gold, predicted, context, "not a number when evaluated");
  }
  const trusted = trustworthy(goldValue, goldTrace) && trustworthy(predictedValue, predictedTrace);
  if (trusted) {
    if (closeEnough(goldValue, predictedValue, FLOAT_TOLERANCE)) return { equal: true, reason: `numerically equal (${formatComplex(goldValue)})` };
    const approximate = approximationVerdict(gold, predicted, goldValue, predictedValue);
    if (approximate) return approximate;
    // Far apart in float64 means apart in fact, unless float64 lost the digits (handled below).
    return { equal: false, reason: `different values (${formatComplex(goldValue)} vs ${formatComplex(predictedValue)})` };
  }
  const approximate = approximationVerdict(gold, predicted, goldValue, predictedValue);
  if (approximate?.equal) return approximate;
  // Without sums, a size estimate is reliable: 1000000! is not 5, whatever float64 overflowed to.
  if (!hasAddition(gold) && !hasAddition(predicted)) {
    const gap = Math.abs(magnitudeDigits(gold) - magnitudeDigits(predicted));
    if (gap > 3) return { equal: false, reason: `${Number.isFinite(gap) ? `about ${Math.round(gap)}` : "vastly many"} orders of magnitude apart` };
  }
  return casOrUndecided(gold, predicted, context, "float64 cannot separate these values");
}

function casOrUndecided(gold: Node, predicted: Node, context: ExpressionContext, why: string): Verdict {
  checkWallGuard();
  const verdict = context.cas?.equalConstants(gold, predicted);
  if (verdict !== undefined) return { equal: verdict, reason: `${verdict ? "equal" : "different"} at 120 digits (CAS); ${why}` };
  return { equal: undefined, reason: `cannot decide: ${why}` };
}

function callsFunction(node: Node, name: string): boolean {
  switch (node.type) {
    case "call":
      return node.name === name || node.args.some((arg) => callsFunction(arg, name));
    case "add":
      return node.terms.some((term) => callsFunction(term, name));
    case "multiply":
      return node.factors.some((factor) => callsFunction(factor, name));
    case "divide":
      return callsFunction(node.numerator, name) || callsFunction(node.denominator, name);
    case "negate":
    case "percent":
      return callsFunction(node.arg, name);
    case "power":
      return callsFunction(node.base, name) || callsFunction(node.exponent, name);
    case "group":
      return callsFunction(node.body, name);
    default:
      return false;
  }
}

function hasAddition(node: Node): boolean {
  switch (node.type) {
    case "add":
    case "plusminus":
      return true;
    case "multiply":
      return node.factors.some(hasAddition);
    case "divide":
      return hasAddition(node.numerator) || hasAddition(node.denominator);
    case "negate":
    case "percent":
      return hasAddition(node.arg);
    case "power":
      return hasAddition(node.base) || hasAddition(node.exponent);
    case "call":
      return node.args.some(hasAddition);
    case "group":
      return hasAddition(node.body);
    default:
      return false;
  }
}

function trustworthy(value: Complex, trace: { maxMagnitude: number; unreliable: boolean }): boolean {
  if (trace.unreliable || !Number.isFinite(value.re) || !Number.isFinite(value.im)) return false;
  const magnitude = Math.max(Math.abs(value.re), Math.abs(value.im));
  return trace.maxMagnitude <= Math.max(magnitude, 1) * CANCELLATION_RATIO && trace.maxMagnitude < 1e15;
}

function closeEnough(a: Complex, b: Complex, tolerance: number): boolean {
  const scale = Math.max(Math.abs(a.re), Math.abs(a.im), Math.abs(b.re), Math.abs(b.im));
  const difference = Math.max(Math.abs(a.re - b.re), Math.abs(a.im - b.im));
  return difference <= tolerance * Math.max(scale, 1e-300) || (scale < 1e-12 && difference === 0);
}

// ---------------------------------------------------------------------------------------------------
// Approximations: the gold decides what precision it asks for.

interface Literal {
  value: number;
  /** Place value of the last digit written (0.333 → 0.001, 4.5e33 → 1e32). */
  lastPlace: number;
  significantDigits: number;
  scientific: boolean;
}

/** A single (possibly negated) number literal, or `d × 10^k`, with its written precision. */
export function readLiteral(node: Node): Literal | undefined {
  const bare = unwrap(node);
  if (bare.type === "negate") {
    const inner = readLiteral(bare.arg);
    return inner && { ...inner, value: -inner.value };
  }
  if (bare.type === "number") return literalOf(bare.text, 0);
  // `16.67\%`: the percent's digits, a hundredth of the value and of the last place.
  if (bare.type === "percent") {
    const inner = readLiteral(bare.arg);
    return inner && !inner.scientific ? { ...inner, value: inner.value / 100, lastPlace: inner.lastPlace / 100 } : undefined;
  }
  if (bare.type === "multiply" && bare.factors.length === 2) {
    const [mantissa, power] = bare.factors.map(unwrap);
    if (mantissa?.type === "number" && power?.type === "power") {
      const base = unwrap(power.base);
      const exponent = unwrap(power.exponent);
      const exponentValue =
        exponent.type === "number" && exponent.value.den === 1n
          ? Number(exponent.value.num)
          : exponent.type === "negate" && unwrap(exponent.arg).type === "number"
            ? -Number((unwrap(exponent.arg) as { value: Q.Rational }).value.num)
            : undefined;
      if (base.type === "number" && base.text === "10" && exponentValue !== undefined) {
        const literal = literalOf(mantissa.text, exponentValue);
        return literal && { ...literal, scientific: true };
      }
    }
  }
  return undefined;
}

function literalOf(text: string, extraExponent: number): Literal | undefined {
  const match = /^(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.replaceAll(",", ""));
  if (!match) return undefined;
  const exponent = Number(match[3] ?? "0") + extraExponent;
  const fraction = match[2] ?? "";
  const digits = `${match[1] ?? ""}${fraction}`.replace(/^0+/, "");
  const value = Number(text.replaceAll(",", "")) * 10 ** extraExponent;
  return {
    value,
    lastPlace: 10 ** (exponent - fraction.length),
    significantDigits: digits.length,
    scientific: match[3] !== undefined || extraExponent !== 0,
  };
}

/** Fewest significant digits a decimal needs to stand for an irrational or repeating gold value. */
const MIN_APPROXIMATION_DIGITS = 4;

function approximationVerdict(
  gold: Node,
  predicted: Node,
  goldValue: Complex,
  predictedValue: Complex,
  goldExact?: Q.Exact,
  predictedExact?: Q.Exact,
): Verdict | undefined {
  if (goldValue.im !== 0 || predictedValue.im !== 0) return undefined;
  const goldLiteral = readLiteral(gold);
  if (goldLiteral?.scientific) {
    const withinHalf = Math.abs(predictedValue.re - goldValue.re) <= goldLiteral.lastPlace * (0.5 + 1e-9);
    return withinHalf
      ? { equal: true, reason: `rounds to the gold's ${goldLiteral.significantDigits} significant digits` }
      : undefined;
  }
  if (hasDecimal(gold) || !hasDecimal(predicted)) return undefined;
  // A gold with a finite decimal expansion (15.975) can be written exactly: no approximation accepted.
  if (goldExact && terminates(goldExact.re)) return undefined;
  const predictedLiteral = readLiteral(predicted);
  if (!predictedLiteral || predictedLiteral.significantDigits < MIN_APPROXIMATION_DIGITS) return undefined;
  if (!roundsOrTruncatesTo(goldValue.re, predictedValue.re, predictedLiteral.lastPlace, goldExact?.re, predictedExact?.re)) return undefined;
  return { equal: true, reason: `decimal approximation correct to the ${predictedLiteral.significantDigits} digits shown` };
}

/** Whether `shown` is `value` rounded, or truncated, at the digit of place value `place`. */
function roundsOrTruncatesTo(value: number, shown: number, place: number, exactValue?: Q.Rational, exactShown?: Q.Rational): boolean {
  const decimals = Math.round(Math.log10(1 / place));
  if (exactValue && exactShown && decimals >= 0 && Math.abs(decimals - Math.log10(1 / place)) < 1e-9) {
    // Exact: 4/3 to ten decimals is 1.3333333333 exactly, whatever float64 says.
    const scale = 10n ** BigInt(decimals);
    const shownScaled = exactShown.num * scale;
    if (shownScaled % exactShown.den !== 0n) return false;
    const shownDigits = shownScaled / exactShown.den;
    const scaledNumerator = exactValue.num * scale;
    const truncated = scaledNumerator / exactValue.den; // toward zero
    const rounded = (2n * scaledNumerator + (exactValue.num < 0n ? -exactValue.den : exactValue.den)) / (2n * exactValue.den);
    return shownDigits === truncated || shownDigits === rounded;
  }
  const slack = Math.max(place * 1e-6, 4 * Number.EPSILON * Math.abs(value));
  const scaled = value / place;
  return Math.abs(shown - Math.round(scaled) * place) < slack || Math.abs(shown - Math.trunc(scaled) * place) < slack;
}

/** A rational whose decimal expansion ends: its denominator has no prime factors but 2 and 5. */
function terminates(value: Q.Rational): boolean {
  let den = value.den;
  while (den % 2n === 0n) den /= 2n;
  while (den % 5n === 0n) den /= 5n;
  return den === 1n;
}

// ---------------------------------------------------------------------------------------------------
// Expressions with variables: identity testing at seeded random points.

function equalFunctions(gold: Node, predicted: Node, variables: string[], context: ExpressionContext): Verdict {
  const integers = needsIntegerSamples(gold) || needsIntegerSamples(predicted);
  // Positive points suit answers about lengths and counts, but make |x| (and \sqrt{x^2}) look like x: with
  // an absolute value or a root in play, half the points are negative, compared only where both sides are real there.
  const signed = [gold, predicted].some((node) => ["abs", "sqrt", "root"].some((name) => callsFunction(node, name)));
  const random = seededRandom(hashString(`${nodeKey(gold)}\u0000${nodeKey(predicted)}`));
  let valid = 0;
  // Integer-valued functions (floor, n!) agree with wrong answers at some integers: sample more.
  const wanted = integers ? SAMPLE_POINTS * 2 : SAMPLE_POINTS;
  for (let point = 0; point < wanted * 3 && valid < wanted; point++) {
    chargeStep("sample points");
    const negative = signed && point % 2 === 1;
    const env = samplePoint(variables, random, integers, negative);
    const goldExact = evaluateExact(gold, env);
    const predictedExact = goldExact && evaluateExact(predicted, env);
    if (goldExact && predictedExact) {
      if (negative && !(Q.isReal(goldExact) && Q.isReal(predictedExact))) continue;
      valid++;
      if (!Q.exactEquals(goldExact, predictedExact)) return { equal: false, reason: `differ at ${describePoint(env)}` };
      continue;
    }
    const goldTrace = newTrace();
    const predictedTrace = newTrace();
    const goldValue = evaluateNumeric(gold, env, goldTrace);
    const predictedValue = evaluateNumeric(predicted, env, predictedTrace);
    if (!trustworthy(goldValue, goldTrace) || !trustworthy(predictedValue, predictedTrace)) continue;
    if (negative && (Math.abs(goldValue.im) > 1e-12 || Math.abs(predictedValue.im) > 1e-12)) continue;
    valid++;
    if (!closeEnough(goldValue, predictedValue, FLOAT_TOLERANCE)) return { equal: false, reason: `differ at ${describePoint(env)}` };
  }
  if (valid >= MIN_VALID_POINTS) return { equal: true, reason: `equal at ${valid} random points in ${variables.join(", ")}` };
  checkWallGuard();
  const verdict = context.cas?.identical(gold, predicted);
  if (verdict !== undefined) return { equal: verdict, reason: `${verdict ? "identical" : "not identical"} by the CAS` };
  return { equal: undefined, reason: "cannot decide: too few points where both sides are defined" };
}

/** Positive rationals a/b with small b (exact evaluation stays cheap), or integers 1..40; negated on request. */
function samplePoint(variables: string[], random: () => number, integers: boolean, negative = false): Environment {
  const env = new Map<string, { exact: Q.Exact; numeric: Complex }>();
  for (const name of variables) {
    const magnitude = integers
      ? Q.rational(BigInt(1 + Math.floor(random() * 40)))
      : Q.rational(BigInt(1 + Math.floor(random() * 60)), BigInt(7 + Math.floor(random() * 7)));
    const value = negative && random() < 0.75 ? Q.negate(magnitude) : magnitude;
    env.set(name, { exact: Q.exact(value), numeric: { re: Q.toNumber(value), im: 0 } });
  }
  return env;
}

function describePoint(env: Environment): string {
  return [...env].map(([name, value]) => `${name}=${Q.toString(value.exact.re)}`).join(", ");
}

function toComplex(value: Q.Exact): Complex {
  return { re: Q.toNumber(value.re), im: Q.toNumber(value.im) };
}

function isNaNComplex(value: Complex): boolean {
  return Number.isNaN(value.re) || Number.isNaN(value.im);
}

function formatComplex(value: Complex): string {
  const re = Number(value.re.toPrecision(12)).toString();
  return value.im === 0 ? re : `${re}${value.im < 0 ? "-" : "+"}${Number(Math.abs(value.im).toPrecision(12))}i`;
}

function short(text: string): string {
  return text.length > 60 ? `${text.slice(0, 28)}…${text.slice(-28)}` : text;
}

// ---------------------------------------------------------------------------------------------------
// Proportionality: `5x - 7y + 11z + 4 = 0` and `-10x + 14y - 22z = 8` are the same plane.

/**
 * Whether `predicted = c · gold` for one constant c ≠ 0 (c > 0 when `positive`, as inequalities need),
 * tested at seeded random points, exactly where the values are rational.
 */
export function proportional(gold: Node, predicted: Node, context: ExpressionContext, positive: boolean): Verdict {
  const variables = [...new Set([...freeSymbols(gold), ...freeSymbols(predicted)])].sort();
  const random = seededRandom(hashString(`ratio\u0000${nodeKey(gold)}\u0000${nodeKey(predicted)}`));
  const rounds = variables.length === 0 ? 1 : SAMPLE_POINTS * 3;
  let ratio: Complex | undefined;
  let exactRatio: Q.Exact | undefined;
  let valid = 0;
  for (let point = 0; point < rounds && valid < SAMPLE_POINTS; point++) {
    chargeStep("sample points");
    const env = samplePoint(variables, random, needsIntegerSamples(gold) || needsIntegerSamples(predicted));
    const goldExact = evaluateExact(gold, env);
    const predictedExact = goldExact && evaluateExact(predicted, env);
    let goldValue: Complex;
    let predictedValue: Complex;
    let pointRatio: Q.Exact | undefined;
    if (goldExact && predictedExact) {
      goldValue = toComplex(goldExact);
      predictedValue = toComplex(predictedExact);
      if (Q.exactEquals(goldExact, Q.EXACT_ZERO)) {
        if (!Q.exactEquals(predictedExact, Q.EXACT_ZERO)) return { equal: false, reason: `not proportional (at ${describePoint(env)})` };
        continue;
      }
      pointRatio = Q.exactDivide(predictedExact, goldExact);
    } else {
      const goldTrace = newTrace();
      const predictedTrace = newTrace();
      goldValue = evaluateNumeric(gold, env, goldTrace);
      predictedValue = evaluateNumeric(predicted, env, predictedTrace);
      if (!trustworthy(goldValue, goldTrace) || !trustworthy(predictedValue, predictedTrace)) continue;
      if (closeEnough(goldValue, { re: 0, im: 0 }, 0)) {
        if (!closeEnough(predictedValue, { re: 0, im: 0 }, 0)) return { equal: false, reason: `not proportional (at ${describePoint(env)})` };
        continue;
      }
    }
    valid++;
    const current = pointRatio ? toComplex(pointRatio) : divide(predictedValue, goldValue);
    if (ratio === undefined) {
      ratio = current;
      exactRatio = pointRatio;
      if (current.re === 0 && current.im === 0) return { equal: false, reason: "the prediction is identically zero" };
      if (positive && (current.im !== 0 || current.re < 0)) return { equal: false, reason: "direction of the inequality differs" };
      continue;
    }
    const same = exactRatio && pointRatio ? Q.exactEquals(exactRatio, pointRatio) : closeEnough(ratio, current, FLOAT_TOLERANCE);
    if (!same) return { equal: false, reason: `not proportional (at ${describePoint(env)})` };
  }
  if (ratio === undefined) return { equal: undefined, reason: "cannot decide: both sides vanish everywhere sampled" };
  if (variables.length > 0 && valid < MIN_VALID_POINTS) return { equal: undefined, reason: "cannot decide: too few sample points" };
  return { equal: true, reason: `same relation up to a factor of ${formatComplex(ratio)}` };
}

function divide(a: Complex, b: Complex): Complex {
  const norm = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / norm, im: (a.im * b.re - a.re * b.im) / norm };
}
