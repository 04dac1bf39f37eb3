/**
 * The bridge to the computer algebra system (@cortex-js/compute-engine), used where the grader's own
 * machinery stops:
 *  - reading LaTeX the own parser rejects (`\sum_{k=1}^{10} k`, `\operatorname{lcm}(4,6)`, `\int`):
 *    the CAS parses it to MathJSON, which is converted back to our tree (or evaluated first when it uses
 *    operators we do not model);
 *  - deciding constants that float64 cannot separate, at 120 significant digits;
 *  - proving identities the random-point test could not settle.
 * The CAS's own `isEqual` is never trusted for the verdict: it compares within a tolerance and calls
 * 1/2004! equal to 1/2006!, the very false positive this grader exists to avoid.
 *
 * Loaded lazily and synchronously (its CommonJS build through createRequire), so the first answer that
 * needs it pays ~0.2 s and the others nothing.
 */
import { createRequire } from "node:module";
import type { ComputeEngine, Expression, MathJsonExpression } from "@cortex-js/compute-engine";
import { arithmeticChildren, numberNode, type Node, type RelationOperator } from "./ast.ts";
import { BudgetExceeded, charge, checkWallGuard, excuseWallTime } from "./budget.ts";
import { additionSpread, evaluateNumeric, freeSymbols, hashString, magnitudeDigits, newTrace, seededRandom } from "./evaluate.ts";
import { parseDecimal, rational } from "./rational.ts";

export interface CasBridge {
  /** Reads LaTeX into our tree; undefined when the CAS cannot read it either. */
  parse(latex: string): Node | undefined;
  /** Equality of two constants at 120 significant digits; undefined when the CAS cannot evaluate them. */
  equalConstants(gold: Node, predicted: Node): boolean | undefined;
  /** Identity in all variables (the CAS samples and tries a symbolic proof); undefined when unknown. */
  identical(gold: Node, predicted: Node): boolean | undefined;
}

const PRECISION = 120;
/** A relative difference below this, at 120 digits, is equality. */
const RELATIVE_ZERO = 1e-80;
/** Sums whose terms lie further apart than this (in digits) lose information at 120 digits. */
const MAX_TRUSTED_SPREAD = 60;
/** Largest value size (in digits) handed to the CAS: 5000! has 16,326; √2^{10^9} would take minutes. */
const MAX_MAGNITUDE_DIGITS = 20_000;

/**
 * Loops inside the CAS stop at this many iterations (its own deterministic limit, a CancellationError
 * that `guard` turns into "no evidence"); the CAS has no wall-clock limit of its own by default.
 */
const CAS_ITERATION_LIMIT = 100_000;
/** Work units charged per CAS call (a CAS call costs ~0.1-10 ms), plus per character or node handed over. */
const CAS_CALL_UNITS = 5_000;
const CAS_UNITS_PER_CHARACTER = 20;
const CAS_UNITS_PER_NODE = 50;

let engine: ComputeEngine | undefined;
const loadListeners = new Set<(phase: "start" | "end", milliseconds: number) => void>();

/**
 * Called when this thread starts loading the CAS and when it is done, with how long that took (~0.3 s
 * idle, seconds under load). The item that happened to need it first did not cause that time: its
 * wall-clock guard is moved past it, and the worker pool's watchdog looks away meanwhile (worker.ts).
 */
export function onCasLoad(listener: (phase: "start" | "end", milliseconds: number) => void): () => void {
  loadListeners.add(listener);
  return () => loadListeners.delete(listener);
}

function getEngine(): ComputeEngine {
  if (!engine) {
    for (const listener of loadListeners) listener("start", 0);
    const started = performance.now();
    const require = createRequire(import.meta.url);
    const module = require("@cortex-js/compute-engine") as { ComputeEngine: new () => ComputeEngine };
    engine = new module.ComputeEngine();
    engine.precision = PRECISION;
    engine.iterationLimit = CAS_ITERATION_LIMIT;
    const milliseconds = performance.now() - started;
    excuseWallTime(milliseconds);
    for (const listener of loadListeners) listener("end", milliseconds);
  }
  return engine;
}

function chargeCall(what: string, size: number, perUnit: number): void {
  charge(CAS_CALL_UNITS + size * perUnit, what);
  checkWallGuard();
}

function nodeCount(node: Node): number {
  let count = 1;
  for (const child of arithmeticChildren(node)) count += nodeCount(child);
  return count;
}

/** The bridge to the process-wide engine (created on first use). */
export function casBridge(): CasBridge {
  return {
    parse: (latex) => guard(() => {
      chargeCall("CAS reading", latex.length, CAS_UNITS_PER_CHARACTER);
      return seeded(latex, (ce) => {
        const expression = ce.parse(latex);
        if (!expression.isValid) return undefined;
        const node = fromMathJson(expression.json);
        if (node) return node;
        // Evaluating unknown operators (`\sum_{k=1}^{10^9}`) can run for minutes: only small constants.
        if (expression.freeVariables.length > 0 || hasLargeNumber(expression.json) || loopTerms(expression.json) > CAS_ITERATION_LIMIT) return undefined;
        return fromMathJson(expression.evaluate().json) ?? fromMathJson(expression.N().json);
      });
    }),
    equalConstants: (gold, predicted) => guard(() => {
      if (!withinLimits(gold) || !withinLimits(predicted)) return undefined;
      chargeCall("CAS evaluation", nodeCount(gold) + nodeCount(predicted), CAS_UNITS_PER_NODE);
      const names = new Map<string, string>();
      const goldJson = toMathJson(gold, names);
      const predictedJson = toMathJson(predicted, names);
      if (goldJson === undefined || predictedJson === undefined) return undefined;
      return seeded(JSON.stringify([goldJson, predictedJson]), (ce) => {
        const goldValue = ce.box(goldJson).N();
        const predictedValue = ce.box(predictedJson).N();
        if (goldValue.isFinite !== true || predictedValue.isFinite !== true) return undefined;
        // Zero is asked of the CAS (`.re` is a float64 and would turn √2/2004! into 0).
        if (goldValue.is(0)) return predictedValue.is(0);
        const ratio = ce.box(["Divide", ["Subtract", goldJson, predictedJson], goldJson]).N();
        if (!isNumeric(ratio)) return undefined;
        const equal = Math.abs(ratio.re) < RELATIVE_ZERO && Math.abs(ratio.im) < RELATIVE_ZERO;
        // "Equal" is only evidence when no sum dropped its small terms at this precision.
        if (equal && Math.max(additionSpread(gold), additionSpread(predicted)) > MAX_TRUSTED_SPREAD) return undefined;
        return equal;
      });
    }),
    identical: (gold, predicted) => guard(() => {
      if (!withinLimits(gold) || !withinLimits(predicted)) return undefined;
      chargeCall("CAS identity check", nodeCount(gold) + nodeCount(predicted), CAS_UNITS_PER_NODE);
      const names = new Map<string, string>();
      const goldJson = toMathJson(gold, names);
      const predictedJson = toMathJson(predicted, names);
      if (goldJson === undefined || predictedJson === undefined) return undefined;
      return seeded(JSON.stringify([goldJson, predictedJson]), (ce) => ce.box(goldJson).isIdenticallyEqual(ce.box(predictedJson)));
    }),
  };
}

/**
 * Runs one CAS call with its randomness (the sampled equality probe draws from the `entropy` handler)
 * seeded by what the call is about: the same question gets the same points in every process and in any
 * order of items, instead of live `Math.random` draws.
 */
function seeded<T>(key: string, work: (ce: ComputeEngine) => T): T {
  const ce = getEngine();
  const random = seededRandom(hashString(key));
  return ce.withEffects({ entropy: { random } }, () => work(ce));
}

/**
 * The CAS throwing on input it cannot handle (BigInt limits, internal assertions) is "no evidence",
 * not a grading error; the caller then reports the item as undecided.
 */
function guard<T>(work: () => T | undefined): T | undefined {
  try {
    return work();
  } catch (error) {
    // Our own budget running out inside a CAS call is the item's outcome, not the CAS's failure.
    if (error instanceof BudgetExceeded) throw error;
    return undefined;
  }
}

/** Whether a tree is small enough to hand to the CAS (no huge powers, factorials or values). */
function withinLimits(node: Node): boolean {
  const digits = magnitudeDigits(node);
  if (Number.isNaN(digits) && freeSymbols(node).size === 0) return false;
  return !(Math.abs(digits) > MAX_MAGNITUDE_DIGITS) && !hasLargeArgument(node);
}

/** A power exponent, factorial or binomial argument above 10^4 anywhere in the tree. */
function hasLargeArgument(node: Node): boolean {
  const large = (argument: Node) => Math.abs(evaluateNumeric(argument, undefined, newTrace()).re) > 1e4;
  switch (node.type) {
    case "power":
      return large(node.exponent) || hasLargeArgument(node.base) || hasLargeArgument(node.exponent);
    case "call":
      if ((node.name === "factorial" || node.name === "binom") && node.args.some(large)) return true;
      return node.args.some(hasLargeArgument);
    case "add":
      return node.terms.some(hasLargeArgument);
    case "multiply":
      return node.factors.some(hasLargeArgument);
    case "divide":
      return hasLargeArgument(node.numerator) || hasLargeArgument(node.denominator);
    case "negate":
    case "percent":
      return hasLargeArgument(node.arg);
    case "group":
      return hasLargeArgument(node.body);
    default:
      return false;
  }
}

function hasLargeNumber(json: MathJsonExpression): boolean {
  if (typeof json === "number") return Math.abs(json) > 1e4;
  if (typeof json === "string") return false;
  if (Array.isArray(json)) return (json as MathJsonExpression[]).some(hasLargeNumber);
  const number = (json as { num?: string }).num;
  return typeof number === "string" && number.replace(/[^0-9]/g, "").length > 4;
}

/**
 * How many terms evaluating the sums and products of `json` would take, nested ones multiplied: an
 * infinite or unknown range counts as CAS_ITERATION_LIMIT, so `\sum_{k=2}^{\infty} \sum_{j=2}^{2008}` (2007
 * infinite sums at 120 digits: past the wall-clock guard) is not evaluated, one infinite sum is.
 */
function loopTerms(json: MathJsonExpression): number {
  if (!Array.isArray(json)) return 1;
  const [head, ...rest] = json as MathJsonExpression[];
  if ((head === "Sum" || head === "Product") && rest.length >= 2) {
    const limits = rest.slice(1).filter((part) => Array.isArray(part) && part[0] === "Limits") as unknown as MathJsonExpression[][];
    let terms = limits.length === 0 ? CAS_ITERATION_LIMIT : 1;
    for (const [, , low, high] of limits) {
      const count = typeof low === "number" && typeof high === "number" ? Math.max(0, high - low + 1) : CAS_ITERATION_LIMIT;
      terms *= Math.min(count, CAS_ITERATION_LIMIT);
    }
    return terms * loopTerms(rest[0]!);
  }
  return rest.reduce((most: number, part) => Math.max(most, loopTerms(part)), 1);
}

function isNumeric(value: Expression): boolean {
  return Number.isFinite(value.re) && Number.isFinite(value.im);
}

// ---------------------------------------------------------------------------------------------------
// Our tree → MathJSON. Symbols are renamed v0, v1, ... (shared between the two sides) so that names
// like `x_1`, `theta` or `y'` cannot collide with the CAS's own vocabulary.

const FUNCTION_HEADS: Record<string, string> = {
  sqrt: "Sqrt", sin: "Sin", cos: "Cos", tan: "Tan", cot: "Cot", sec: "Sec", csc: "Csc", arcsin: "Arcsin",
  arccos: "Arccos", arctan: "Arctan", sinh: "Sinh", cosh: "Cosh", tanh: "Tanh", ln: "Ln", exp: "Exp",
  abs: "Abs", floor: "Floor", ceil: "Ceil", factorial: "Factorial", binom: "Binomial", root: "Root", log: "Log",
};

export function toMathJson(node: Node, names: Map<string, string>): MathJsonExpression | undefined {
  const all = (nodes: Node[]): MathJsonExpression[] | undefined => {
    const converted: MathJsonExpression[] = [];
    for (const item of nodes) {
      const json = toMathJson(item, names);
      if (json === undefined) return undefined;
      converted.push(json);
    }
    return converted;
  };
  switch (node.type) {
    case "number":
    case "base": {
      const { num, den } = node.value;
      const numerator: MathJsonExpression = { num: num.toString() };
      return den === 1n ? numerator : ["Divide", numerator, { num: den.toString() }];
    }
    case "symbol": {
      if (node.name === "pi") return "Pi";
      if (node.name === "e") return "ExponentialE";
      if (node.name === "i") return "ImaginaryUnit";
      if (node.name === "…") return undefined; // an elided pattern has no value to compute
      let name = names.get(node.name);
      if (!name) {
        name = `v${names.size}`;
        names.set(node.name, name);
      }
      return name;
    }
    case "infinity":
      return "PositiveInfinity";
    case "group":
      return toMathJson(node.body, names);
    case "negate": {
      const arg = toMathJson(node.arg, names);
      return arg === undefined ? undefined : ["Negate", arg];
    }
    case "percent": {
      const arg = toMathJson(node.arg, names);
      return arg === undefined ? undefined : ["Divide", arg, 100];
    }
    case "add": {
      const terms = all(node.terms);
      return terms && ["Add", ...terms];
    }
    case "multiply": {
      const factors = all(node.factors);
      return factors && ["Multiply", ...factors];
    }
    case "divide": {
      const parts = all([node.numerator, node.denominator]);
      return parts && ["Divide", ...parts];
    }
    case "power": {
      const parts = all([node.base, node.exponent]);
      return parts && ["Power", ...parts];
    }
    case "call": {
      const head = FUNCTION_HEADS[node.name];
      const args = all(node.args);
      if (!head || !args) return undefined;
      return [head, ...args];
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// MathJSON → our tree. Unknown heads give undefined (the caller may evaluate first).

const HEADS_TO_FUNCTIONS: Record<string, string> = Object.fromEntries(
  Object.entries(FUNCTION_HEADS).map(([ours, theirs]) => [theirs, ours]),
);
const RELATIONS: Record<string, RelationOperator> = {
  Equal: "=", Less: "<", LessEqual: "<=", Greater: ">", GreaterEqual: ">=", NotEqual: "!=", Element: "in",
};

export function fromMathJson(json: MathJsonExpression): Node | undefined {
  if (typeof json === "number") {
    if (!Number.isFinite(json)) return json > 0 ? { type: "infinity" } : json < 0 ? { type: "negate", arg: { type: "infinity" } } : undefined;
    return numberFromText(String(json));
  }
  if (typeof json === "string") return symbolFromName(json);
  if (!Array.isArray(json)) {
    const object = json as { num?: string; sym?: string };
    if (typeof object.num === "string") return numberFromText(object.num);
    if (typeof object.sym === "string") return symbolFromName(object.sym);
    return undefined;
  }
  const [head, ...rest] = json as [string, ...MathJsonExpression[]];
  const args: Node[] = [];
  for (const item of rest) {
    const converted = fromMathJson(item);
    if (!converted) return undefined;
    args.push(converted);
  }
  const [first, second] = args;
  switch (head) {
    case "Add":
      return { type: "add", terms: args };
    case "Subtract":
      return first && second ? { type: "add", terms: [first, { type: "negate", arg: second }] } : undefined;
    case "Negate":
      return first && { type: "negate", arg: first };
    case "Multiply":
      return { type: "multiply", factors: args };
    case "Divide":
    case "Rational":
      return first && second ? { type: "divide", numerator: first, denominator: second } : undefined;
    case "Power":
      return first && second ? { type: "power", base: first, exponent: second } : undefined;
    case "Square":
      return first && { type: "power", base: first, exponent: numberNode(rational(2n), "2") };
    case "Delimiter":
      return first && args.length === 1 ? { type: "group", body: first } : undefined;
    case "Tuple":
    case "Pair":
    case "Triple":
    case "List":
      return { type: "tuple", items: args, open: "(", close: ")" };
    case "Set":
      return { type: "set", items: args };
    default:
      break;
  }
  if (RELATIONS[head] && args.length === 2) return { type: "relation", operands: args, operators: [RELATIONS[head]] };
  const functionName = HEADS_TO_FUNCTIONS[head];
  if (functionName && args.length >= 1) {
    if (functionName === "log" && args.length === 1) return { type: "call", name: "ln", args };
    return { type: "call", name: functionName, args };
  }
  return undefined;
}

function numberFromText(text: string): Node | undefined {
  const negative = text.startsWith("-");
  const body = text.replace(/^[+-]/, "");
  const value = parseDecimal(body);
  if (!value) return undefined;
  const node = numberNode(value, body, /[.eE]/.test(body));
  return negative ? { type: "negate", arg: node } : node;
}

function symbolFromName(name: string): Node | undefined {
  switch (name) {
    case "Pi":
      return { type: "symbol", name: "pi" };
    case "ExponentialE":
      return { type: "symbol", name: "e" };
    case "ImaginaryUnit":
      return { type: "symbol", name: "i" };
    case "PositiveInfinity":
    case "ComplexInfinity":
      return { type: "infinity" };
    case "NegativeInfinity":
      return { type: "negate", arg: { type: "infinity" } };
    case "Half":
      return { type: "divide", numerator: numberNode(rational(1n), "1"), denominator: numberNode(rational(2n), "2") };
    case "Nothing":
    case "Undefined":
    case "NaN":
      return undefined;
    default:
      return /^[A-Za-z][A-Za-z0-9_]*$/.test(name) ? { type: "symbol", name } : undefined;
  }
}
