/**
 * The generic deterministic step verifier: every arithmetic claim of every step recomputed exactly, with
 * the values earlier steps defined substituted. Domain-free (it needs no gold solution): each claim is
 * verified, refuted or unverifiable, and a step is refuted when one of its claims is, verified when at
 * least one claim is verified and none refuted, else unverifiable.
 *
 * Claims (src/steps/claims.ts finds them, the grader's `parseAnswer` parses them, exact.ts evaluates):
 * - a chain `s0 = s1 = … = sn`: consecutive sides with values are compared; a pair is checked when one
 *   side computes (an operator, or a symbol given a value earlier). Exact rationals, so `10/3 = 3.33` is not
 *   exact; it is accepted as `rounded` when the stated side is a decimal that is the value rounded or
 *   truncated at its last digit, since models write results that way; a number written with 3+ decimals
 *   on the computing side stands for anything that rounds to it (`(2.8284)^2 = 8`: `rounded-inputs`, by
 *   exact interval arithmetic). `a + b%` that fails as a + b/100 is
 *   tried as a·(1 + b/100) (`percent-of-base`); a stated `20%` is also read as 20 (`percent-as-number`:
 *   `(4/20) × 100 = 20%`). `≈` accepts one unit of the last stated digit or 1 % of the value, whichever is
 *   looser; `<`, `>`, `≤`, `≥`, `≠` are exact.
 * - definitions: a lone unknown symbol in a chain (`x = 12`, `x = 36/3 = 12`) takes the stated value for
 *   later steps. A symbol defined before and stated again with another value is a redefinition (not an
 *   error: solutions reuse letters).
 * - equations: a side with unknowns (`3x = 36`) is not checkable by itself. When linear in its one unknown
 *   it is solved, and the solution is implied for later claims: `2x = 24` after `3x = 36` is verified,
 *   `x = 13` is doubtful (`contradicts-equation`). Both sides with unknowns and equal at fixed rational points
 *   is an `identity` (`2(x+3) = 2x+6`) and verified.
 * - a value stated for a division by zero (`5 / 0 = 0`) is refuted: the expression has none. Two numbers
 *   with no operator between (`15 3 = 5`) make a claim malformed, never read as a product.
 * A claim false only under substituted values (defined or implied) is `doubtful`, not refuted: competition
 * solutions rebind letters in case analyses (ProcessBench shows it), so only a claim false on its own
 * stated numbers is refuted, and the first refuted step is a computational error with certainty.
 */
import { normalizeAnswer, parseAnswer, type AnswerNode } from "../grade/index.ts";
import { findClaimSources, type ClaimSource } from "./claims.ts";
import { evaluateInterval, evaluateNode, hasApproximateNumber, isIdentity, solveLinear, type Evaluation } from "./exact.ts";
import { findMathSpans } from "./mathSpans.ts";
import { add, equals, format, fromInteger, multiply, rational, subtract, type Rational } from "./rational.ts";
import { SEGMENTER_VERSION, segmentSteps, type StepSegment } from "./segment.ts";

/**
 * `refuted`: false by exact arithmetic on the numbers the claim states. `doubtful`: false only under values
 * substituted from earlier claims (a letter may have been rebound: case analyses reuse `n`), so never
 * counted as an error. `unverifiable`: nothing checkable.
 */
export type CheckStatus = "verified" | "refuted" | "doubtful" | "unverifiable";

export type ClaimReason =
  // verified
  | "exact" | "rounded" | "rounded-inputs" | "approximate" | "percent-of-base" | "percent-as-number" | "quotient" | "run-on-chain" | "identity" | "solves-equation"
  // refuted
  | "false-equation" | "false-approximation" | "false-inequality" | "contradicts-equation"
  // unverifiable
  | "unparsed" | "incomplete" | "hypothetical" | "equation" | "unsupported" | "undefined" | "no-computation" | "definition" | "redefinition";

export interface ClaimCheck {
  start: number;
  end: number;
  text: string;
  origin: ClaimSource["origin"];
  status: CheckStatus;
  reason: ClaimReason;
  /** For a refuted claim: the value the computation has, and the value the text states (formatted). */
  expected?: string;
  stated?: string;
  /** Symbols this claim gave a value to, and symbols whose earlier values it used. */
  defines: string[];
  uses: string[];
  /** Why a claim could not be checked, in words (parse failure, an irrational root, …). */
  note?: string;
}

export interface StepCheck {
  /** Index of the segment (src/steps/segment.ts) this step is. */
  segment: number;
  start: number;
  end: number;
  status: CheckStatus;
  claims: ClaimCheck[];
}

export interface StepsVerification {
  segmenterVersion: string;
  steps: StepCheck[];
  /** The first refuted step (segment index) and the index of its first refuted claim. */
  firstRefuted?: { segment: number; claim: number };
}

type Relation = "=" | "approx" | "<" | "<=" | ">" | ">=" | "!=";

/** What earlier claims established: explicit definitions, and solutions of equations (implied). */
class Scope {
  readonly defined = new Map<string, Rational>();
  readonly implied = new Map<string, Rational>();

  values(): Map<string, Rational> {
    return new Map([...this.implied, ...this.defined]);
  }
}

function symbolsOf(node: AnswerNode, into = new Set<string>()): Set<string> {
  const children: AnswerNode[] = [];
  switch (node.type) {
    case "symbol": into.add(node.name); break;
    case "group": children.push(node.body); break;
    case "negate": case "percent": children.push(node.arg); break;
    case "add": children.push(...node.terms); break;
    case "multiply": children.push(...node.factors); break;
    case "divide": children.push(node.numerator, node.denominator); break;
    case "power": children.push(node.base, node.exponent); break;
    case "call": children.push(...node.args); break;
    default: break;
  }
  for (const child of children) symbolsOf(child, into);
  return into;
}

function unwrap(node: AnswerNode): AnswerNode {
  while (node.type === "group") node = node.body;
  return node;
}

/** A plain number as written (`3.33`, `-5`), with its count of decimals; undefined for anything else. */
function literal(node: AnswerNode): { decimals: number } | undefined {
  let inner = unwrap(node);
  if (inner.type === "negate") inner = unwrap(inner.arg);
  if (inner.type !== "number") return undefined;
  const point = inner.text.indexOf(".");
  return { decimals: point === -1 ? 0 : inner.text.length - point - 1 };
}

const absolute = (value: Rational): Rational => (value.numerator < 0n ? { numerator: -value.numerator, denominator: value.denominator } : value);
const lessOrEqual = (left: Rational, right: Rational): boolean => left.numerator * right.denominator <= right.numerator * left.denominator;
const compare = (left: Rational, right: Rational): number => {
  const difference = subtract(left, right).numerator;
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
};
/** |a − b| ≤ 10^-decimals. */
function within(left: Rational, right: Rational, decimals: number): boolean {
  return lessOrEqual(absolute(subtract(left, right)), { numerator: 1n, denominator: 10n ** BigInt(decimals) });
}

/** `stated` is `value` rounded to `decimals` places (half up or half down) or truncated toward zero. */
function isRoundingOf(value: Rational, stated: Rational, decimals: number): boolean {
  const scale = 10n ** BigInt(decimals);
  const scaledNumerator = value.numerator * scale;
  const truncated = scaledNumerator / value.denominator; // bigint division truncates toward zero
  const remainder = absolute({ numerator: scaledNumerator - truncated * value.denominator, denominator: value.denominator });
  const away = truncated + (value.numerator < 0n ? -1n : 1n);
  const twice = 2n * remainder.numerator;
  const candidates = [truncated];
  if (twice >= value.denominator) candidates.push(away); // at or past the half: rounding goes away from zero
  return candidates.some((candidate) => candidate * stated.denominator === stated.numerator * scale);
}

interface PairResult {
  holds: boolean;
  reason: ClaimReason;
  expected?: string;
  stated?: string;
}

function checkPair(relation: Relation, left: { node: AnswerNode; value: Rational }, right: { node: AnswerNode; value: Rational }, scope: Map<string, Rational>): PairResult {
  const rightLiteral = literal(right.node);
  const leftLiteral = literal(left.node);
  const [computed, stated, statedLiteral] = rightLiteral ? [left, right, rightLiteral] : leftLiteral ? [right, left, leftLiteral] : [left, right, undefined];
  const describe = { expected: format(computed.value), stated: format(stated.value) };
  const order = compare(left.value, right.value);
  switch (relation) {
    case "=": {
      if (order === 0) return { holds: true, reason: "exact" };
      if (statedLiteral && statedLiteral.decimals > 0 && isRoundingOf(computed.value, stated.value, statedLiteral.decimals)) {
        return { holds: true, reason: "rounded" };
      }
      const alternative = evaluateNode(computed.node, scope, { percentOfBase: true });
      if (alternative.status === "value" && equals(alternative.value, stated.value)) return { holds: true, reason: "percent-of-base" };
      // `(2.8284)^2 = 8`: a written-rounded input (3+ decimals) stands for what rounds to it.
      if (hasApproximateNumber(computed.node)) {
        const range = evaluateInterval(computed.node, scope);
        const slack = statedLiteral && statedLiteral.decimals > 0 ? rational(1n, 2n * 10n ** BigInt(statedLiteral.decimals)) : fromInteger(0);
        if (range && lessOrEqual(range.low, add(stated.value, slack)) && lessOrEqual(subtract(stated.value, slack), range.high)) return { holds: true, reason: "rounded-inputs" };
      }
      // `(4 / 20) × 100 = 20%`: a stated percent read as its number, as the grader reads answers both ways.
      if (unwrap(stated.node).type === "percent" && equals(computed.value, multiply(stated.value, fromInteger(100)))) return { holds: true, reason: "percent-as-number" };
      return { holds: false, reason: "false-equation", ...describe };
    }
    case "approx": {
      // One unit of the last stated digit, or 1 % of the value, whichever is looser: `≈` is loose by nature.
      const onePercent = { numerator: absolute(computed.value).numerator, denominator: absolute(computed.value).denominator * 100n };
      const close = (statedLiteral !== undefined && within(computed.value, stated.value, statedLiteral.decimals))
        || lessOrEqual(absolute(subtract(left.value, right.value)), onePercent);
      return close ? { holds: true, reason: "approximate" } : { holds: false, reason: "false-approximation", ...describe };
    }
    default: {
      const holds = relation === "<" ? order < 0 : relation === "<=" ? order <= 0 : relation === ">" ? order > 0 : relation === ">=" ? order >= 0 : order !== 0;
      return holds ? { holds: true, reason: "exact" } : { holds: false, reason: "false-inequality", ...describe };
    }
  }
}

/** `410 ÷ 333 = 1` followed by "remainder": the stated side is the integer part (toward zero or floor). */
function isQuotient(left: { node: AnswerNode; value: Rational }, right: { node: AnswerNode; value: Rational }): boolean {
  const [computed, stated] = unwrap(left.node).type === "divide" || literal(right.node) ? [left.value, right.value] : [right.value, left.value];
  if (stated.denominator !== 1n) return false;
  const truncated = computed.numerator / computed.denominator;
  const floor = computed.numerator < 0n && truncated * computed.denominator !== computed.numerator ? truncated - 1n : truncated;
  return stated.numerator === truncated || stated.numerator === floor;
}

/** The number a side starts from, reading leftmost: `378` in `378 - 360`. */
function leadingNumber(node: AnswerNode): Rational | undefined {
  const inner = unwrap(node);
  switch (inner.type) {
    case "number": return { numerator: inner.value.num, denominator: inner.value.den };
    case "add": return inner.terms[0] && leadingNumber(inner.terms[0]);
    case "multiply": return inner.factors[0] && leadingNumber(inner.factors[0]);
    case "divide": return leadingNumber(inner.numerator);
    case "power": return leadingNumber(inner.base);
    default: return undefined;
  }
}

/**
 * A run-on chain: `738 − 360 = 378 − 360 = 18` writes each result and goes on computing with it. False as
 * written, but every computation in it is right; the next side starts from the value of the one before.
 */
function isRunOn(value: Rational, next: AnswerNode): boolean {
  const inner = unwrap(next);
  if (inner.type === "number") return false;
  const start = leadingNumber(inner);
  return start !== undefined && equals(rational(start.numerator, start.denominator), value);
}

/** The relation between two sides with the sides between them skipped: `=` chains pass through, `≈` wins. */
function relationBetween(operators: readonly string[], from: number, to: number): Relation | undefined {
  const between = operators.slice(from, to) as Relation[];
  if (between.every((operator) => operator === "=")) return "=";
  if (between.every((operator) => operator === "=" || operator === "approx")) return "approx";
  return between.length === 1 ? between[0] : undefined;
}

function checkClaim(source: ClaimSource, scope: Scope): ClaimCheck {
  const base = { start: source.start, end: source.end, text: source.text, origin: source.origin, defines: [] as string[], uses: [] as string[] };
  if (source.incomplete) return { ...base, status: "unverifiable", reason: "incomplete" };
  if (source.malformed) return { ...base, status: "unverifiable", reason: "unparsed", note: source.malformed };
  if (source.hypothetical) return { ...base, status: "unverifiable", reason: "hypothetical", note: "the text calls it false or a contradiction" };
  // The grader's normalizer first (`\dfrac`, `\$`, spacing), the raw expression if that does not parse.
  let parsed = parseAnswer(normalizeAnswer(source.expression));
  if (!parsed.ok) parsed = parseAnswer(source.expression);
  if (!parsed.ok) return { ...base, status: "unverifiable", reason: "unparsed", note: parsed.reason };
  const relation = unwrap(parsed.node);
  if (relation.type !== "relation" || !relation.operators.every((operator) => ["=", "approx", "<", "<=", ">", ">=", "!="].includes(operator))) {
    return { ...base, status: "unverifiable", reason: "unparsed", note: "not an equation or inequality" };
  }
  const values = scope.values();
  const sides = relation.operands.map((node) => ({ node, evaluation: evaluateNode(node, values) as Evaluation }));
  const used = [...new Set(relation.operands.flatMap((node) => [...symbolsOf(node)]))].filter((symbol) => values.has(symbol));
  base.uses = used;
  // A value stated for a division by zero is false: the left side has no value at all.
  const undefinedSide = sides.findIndex((side) => side.evaluation.status === "undefined");
  const statedSide = sides.findIndex((side, index) => index !== undefinedSide && side.evaluation.status === "value");
  if (undefinedSide !== -1 && statedSide !== -1 && used.length === 0 && relation.operators.every((operator) => operator === "=")) {
    const stated = (sides[statedSide]!.evaluation as { value: Rational }).value;
    return { ...base, status: "refuted", reason: "false-equation", expected: "undefined", stated: format(stated), note: (sides[undefinedSide]!.evaluation as { reason: string }).reason };
  }
  const blocked = sides.find((side) => side.evaluation.status === "undefined" || side.evaluation.status === "unsupported");
  if (blocked) {
    const evaluation = blocked.evaluation as { status: "undefined" | "unsupported"; reason: string };
    return { ...base, status: "unverifiable", reason: evaluation.status, note: evaluation.reason };
  }
  const loneUnknown = (node: AnswerNode): string | undefined => {
    const inner = unwrap(node);
    return inner.type === "symbol" && !values.has(inner.name) ? inner.name : undefined;
  };
  // A lone symbol already defined explicitly is being redefined, not checked: solutions reuse letters.
  const redefined = (node: AnswerNode): string | undefined => {
    const inner = unwrap(node);
    return inner.type === "symbol" && scope.defined.has(inner.name) && relation.operators.every((operator) => operator === "=") ? inner.name : undefined;
  };
  const valued = sides.flatMap((side, index) => side.evaluation.status === "value" ? [{ index, node: side.node, value: side.evaluation.value, computes: side.evaluation.computes }] : []);
  const checkable = valued.filter((side) => redefined(side.node) === undefined);
  let failure: PairResult | undefined;
  let doubtful: PairResult | undefined;
  let weakest: ClaimReason | undefined;
  // `a < k < b ≈ c < k < d` restates one range in two forms: with two or more inequalities, only they are checked.
  const compound = relation.operators.filter((operator) => operator !== "=" && operator !== "approx").length >= 2;
  for (let position = 1; position < checkable.length; position++) {
    const left = checkable[position - 1]!;
    const right = checkable[position]!;
    const between = relationBetween(relation.operators, left.index, right.index);
    if (!between) continue;
    const equality = between === "=" || between === "approx";
    if (equality && ((!left.computes && !right.computes) || compound)) continue; // `12 = 12` restates
    let result = checkPair(between, left, right, values);
    if (!result.holds && between === "=") {
      if (source.remainder && isQuotient(left, right)) result = { holds: true, reason: "quotient" };
      else if (isRunOn(left.value, right.node)) result = { holds: true, reason: "run-on-chain" };
    }
    const symbols = [left, right].flatMap((side) => [...symbolsOf(side.node)]);
    const throughImplied = symbols.some((symbol) => scope.implied.has(symbol) && !scope.defined.has(symbol));
    if (!result.holds) {
      if (symbols.some((symbol) => values.has(symbol))) doubtful ??= throughImplied ? { ...result, reason: "contradicts-equation" } : result;
      else failure ??= result;
    } else if (weakest === undefined || weakest === "exact") {
      weakest = throughImplied ? "solves-equation" : result.reason;
    }
  }
  // Definitions: lone unknown symbols take the last stated value; a redefinition takes it too.
  const lastValue = valued[valued.length - 1]?.value;
  const defines: string[] = [];
  let changed = false;
  if (lastValue && relation.operators.every((operator) => operator === "=")) {
    for (const side of relation.operands) {
      const name = loneUnknown(side) ?? redefined(side) ?? implicitOnly(side, scope);
      if (name === undefined) continue;
      const previous = scope.defined.get(name);
      if (previous && !equals(previous, lastValue)) changed = true;
      scope.defined.set(name, lastValue);
      scope.implied.delete(name);
      defines.push(name);
    }
  }
  base.defines = defines;
  for (const [status, found] of [["refuted", failure], ["doubtful", doubtful]] as const) {
    if (found) return { ...base, status, reason: found.reason, ...(found.expected ? { expected: found.expected, stated: found.stated } : {}) };
  }
  if (weakest) return { ...base, status: "verified", reason: weakest };
  if (defines.length > 0) {
    return { ...base, status: "unverifiable", reason: changed ? "redefinition" : "definition" };
  }
  const unknownSides = sides.filter((side) => side.evaluation.status === "unknown");
  if (unknownSides.length > 0) return checkEquation(base, relation.operands, relation.operators, sides, valued, scope);
  return { ...base, status: "unverifiable", reason: "no-computation" };
}

/** A lone symbol with only an implied value (from an equation): stated now, it becomes defined. */
function implicitOnly(node: AnswerNode, scope: Scope): string | undefined {
  const inner = unwrap(node);
  return inner.type === "symbol" && scope.implied.has(inner.name) && !scope.defined.has(inner.name) ? inner.name : undefined;
}

function checkEquation(
  base: Omit<ClaimCheck, "status" | "reason">, operands: AnswerNode[], operators: readonly string[], sides: { node: AnswerNode; evaluation: Evaluation }[],
  valued: { index: number; value: Rational }[], scope: Scope,
): ClaimCheck {
  const values = scope.values();
  const unknownSymbols = [...new Set(sides.flatMap((side) => (side.evaluation.status === "unknown" ? side.evaluation.symbols : [])))];
  // Two neighbouring sides with unknowns that agree everywhere: an identity (`(x+1)^2 = x^2 + 2x + 1`).
  for (let index = 1; index < operands.length; index++) {
    const [left, right] = [sides[index - 1]!, sides[index]!];
    if (operators[index - 1] !== "=" || left.evaluation.status !== "unknown" || right.evaluation.status !== "unknown") continue;
    if (isIdentity(left.node, right.node, unknownSymbols, values)) return { ...base, status: "verified", reason: "identity" };
  }
  for (const [index, side] of sides.entries()) {
    if (side.evaluation.status !== "unknown" || side.evaluation.symbols.length !== 1) continue;
    const symbol = side.evaluation.symbols[0] as string;
    if (scope.defined.has(symbol)) continue;
    const partner = valued.find((candidate) => Math.abs(candidate.index - index) === 1)
      ?? (operands.length === 2 ? { index: 1 - index, value: undefined } : undefined);
    if (!partner) continue;
    const other = operands[partner.index] as AnswerNode;
    const solution = solveLinear(side.node, other, symbol, values);
    if (solution) scope.implied.set(symbol, solution);
  }
  return { ...base, status: "unverifiable", reason: "equation" };
}

function stepStatus(claims: readonly ClaimCheck[]): CheckStatus {
  for (const status of ["refuted", "doubtful", "verified"] as const) if (claims.some((claim) => claim.status === status)) return status;
  return "unverifiable";
}

/** Checks every claim of every step of `text` in order (segments default to `segmentSteps(text)`). */
export function verifySteps(text: string, segments: readonly StepSegment[] = segmentSteps(text)): StepsVerification {
  const spans = findMathSpans(text);
  const scope = new Scope();
  const steps: StepCheck[] = [];
  let firstRefuted: StepsVerification["firstRefuted"];
  for (const segment of segments) {
    const claims = findClaimSources(text, segment.bodyStart, segment.end, spans).map((source) => checkClaim(source, scope));
    const status = stepStatus(claims);
    if (status === "refuted" && !firstRefuted) {
      firstRefuted = { segment: segment.index, claim: claims.findIndex((claim) => claim.status === "refuted") };
    }
    steps.push({ segment: segment.index, start: segment.start, end: segment.end, status, claims });
  }
  return { segmenterVersion: SEGMENTER_VERSION, steps, ...(firstRefuted ? { firstRefuted } : {}) };
}
