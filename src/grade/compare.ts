/**
 * Stage 5, compare: gold tree × predicted tree → verdict with a reason. Asymmetric on purpose: the gold
 * decides what kind of answer is asked for (a set compares order-free, a tuple in order, an interval with
 * its brackets, a base-8 numeral by its digits, `x = 5` by its right-hand side, a scientific-notation gold
 * by its significant digits), and the prediction is read as a claim about it.
 */
import { arithmeticChildren, nodeKey, numberNode, unwrap, type Node, type RelationOperator } from "./ast.ts";
import { charge } from "./budget.ts";
import { freeSymbols } from "./evaluate.ts";
import { equalExpressions, proportional, type ExpressionContext, type Verdict } from "./expressions.ts";
import { rational } from "./rational.ts";
import { canonicalText, spelledNumber } from "./words.ts";

export type { Verdict } from "./expressions.ts";

const EQUAL = (reason: string): Verdict => ({ equal: true, reason });
const DIFFERENT = (reason: string): Verdict => ({ equal: false, reason });
/** Most items a set or list may have before matching gives up (matching is quadratic). */
const MAX_ITEMS = 64;
/** Most forms of one value a list may state (`1/4 or 25\%`, `\frac{1}{4}, 0.25`). */
const MAX_FORMS = 3;

export function compareAnswers(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  charge(2, "comparisons");
  const goldBare = unwrap(gold);
  const predictedBare = unwrap(predicted);
  if (nodeKey(goldBare) === nodeKey(predictedBare)) return EQUAL("same answer");
  // `x = (3, 4]`, `P = (1, 2)`, `x = \text{east}`: a prediction stated as an assignment is read by its value.
  if (predictedBare.type === "relation" && goldBare.type !== "relation") {
    const side = valueSide(predictedBare);
    if (side) return compareAnswers(goldBare, side, context);
  }
  // `\text{no solution}` and `\emptyset`: the words and the empty set say the same.
  if (isEmptySetWords(goldBare) && isEmptySet(predictedBare)) return EQUAL("no solution, stated as the empty set");
  if (isEmptySet(goldBare) && isEmptySetWords(predictedBare)) return EQUAL("the empty set, stated in words");
  // `\text{infinitely many}` for `\infty` (how many solutions?), and the other way round.
  if (goldBare.type === "infinity" && isInfinityWords(predictedBare)) return EQUAL("infinity, stated in words");
  if (isInfinityWords(goldBare) && predictedBare.type === "infinity") return EQUAL("infinitely many, stated as infinity");
  switch (goldBare.type) {
    case "choice":
      return compareChoice(goldBare.letter, predictedBare);
    case "text":
      return compareText(goldBare.value, predictedBare);
    case "base":
      return compareBase(goldBare, predictedBare, context);
    case "relation":
      return compareGoldRelation(goldBare, predictedBare, context);
    case "list":
    case "set":
    case "plusminus":
      return compareUnordered(goldBare, predictedBare, context);
    case "tuple": {
      const points = expandTuple(goldBare);
      if (points.length > 1) return compareUnordered({ type: "list", items: points }, predictedBare, context);
      return compareTuple(goldBare, predictedBare, context);
    }
    case "union":
      return compareUnion(goldBare, predictedBare, context);
    case "matrix":
      return compareMatrix(goldBare, predictedBare, context);
    default:
      return compareValue(goldBare, predictedBare, context);
  }
}

// ---------------------------------------------------------------------------------------------------
// Single values.

function compareValue(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  const goldValues = expandPlusMinus(gold);
  if (goldValues.length > 1) return compareUnordered({ type: "list", items: goldValues }, predicted, context);
  switch (predicted.type) {
    case "relation":
      return DIFFERENT("a relation where a value was expected");
    case "set":
      // `\{2\}` for 2: a set of one value states that value.
      if (predicted.items.length === 1) return compareValue(gold, unwrap(predicted.items[0]!), context);
      return DIFFERENT(`a ${predicted.type} where one value was expected`);
    case "list": {
      // `1/4 or 25\%`: one value stated in several forms, every one of them equal to the gold.
      if (predicted.items.length <= MAX_FORMS && predicted.items.every((item) => compareValue(gold, unwrap(item), context).equal === true)) {
        return EQUAL(`one value stated in ${predicted.items.length} equal forms`);
      }
      return DIFFERENT("a list where one value was expected");
    }
    case "plusminus":
    case "tuple":
    case "union":
    case "matrix":
      return DIFFERENT(`a ${predicted.type} where one value was expected`);
    case "text": {
      const spelled = spelledNumber(canonicalText(predicted.value));
      if (spelled !== undefined) return comparePercentVariants(gold, numberNode(rational(BigInt(spelled)), String(spelled)), context);
      return DIFFERENT(`a ${predicted.type} answer where a value was expected`);
    }
    case "choice":
      return DIFFERENT(`a ${predicted.type} answer where a value was expected`);
    case "base":
      return comparePercentVariants(gold, numberNode(predicted.value, predicted.digits), context);
    default:
      if (expandPlusMinus(predicted).length > 1) return DIFFERENT("two values (±) where one was expected");
      return comparePercentVariants(gold, predicted, context);
  }
}

/** `x = 5`, `= 5`, `2 + 3 = 5`, `5 = x`, `x \in \{1, 2\}`: the side that states the value. */
function valueSide(relation: Extract<Node, { type: "relation" }>): Node | undefined {
  // `x \in \{-1, 3\}`: a variable's membership states the set as the answer.
  if (relation.operators.length === 1 && relation.operators[0] === "in") {
    return unwrap(relation.operands[0]!).type === "symbol" ? relation.operands[1] : undefined;
  }
  if (!relation.operators.every((operator) => operator === "=" || operator === "approx")) return undefined;
  // `\frac{5}{3} \approx 1.67`, `x = \frac{5}{3} \approx 1.67`: the value before the first ≈ is the exact one.
  const approx = relation.operators.indexOf("approx");
  const exact = approx >= 0 ? unwrap(relation.operands[approx]!) : undefined;
  if (exact && exact.type !== "symbol" && exact.type !== "call") return exact;
  const last = unwrap(relation.operands[relation.operands.length - 1]!);
  if (last.type !== "symbol" && last.type !== "call") return last;
  const first = unwrap(relation.operands[0]!);
  return first.type === "symbol" || first.type === "call" ? last : first;
}

/** `25\%` against `25` or `0.25`: percent signs are read both as /100 and as decoration. */
function comparePercentVariants(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  const verdict = equalExpressions(gold, predicted, context);
  if (verdict.equal) return verdict;
  const goldPlain = stripPercent(gold);
  const predictedPlain = stripPercent(predicted);
  if (goldPlain !== gold || predictedPlain !== predicted) {
    const plain = equalExpressions(goldPlain, predictedPlain, context);
    if (plain.equal) return { equal: true, reason: `${plain.reason}, percent sign as decoration` };
  }
  return verdict;
}

function stripPercent(node: Node): Node {
  const bare = unwrap(node);
  if (bare.type === "percent") return bare.arg;
  if (bare.type === "negate" && unwrap(bare.arg).type === "percent") {
    return { type: "negate", arg: (unwrap(bare.arg) as { arg: Node }).arg };
  }
  return node;
}

function compareChoice(letter: string, predicted: Node): Verdict {
  const predictedLetter =
    predicted.type === "choice"
      ? predicted.letter
      : predicted.type === "symbol" && /^[A-E]$/.test(predicted.name)
        ? predicted.name
        : predicted.type === "text" && /^\(?[a-e]\)?$/.test(predicted.value)
          ? predicted.value.replace(/[()]/g, "").toUpperCase()
          : undefined;
  if (!predictedLetter) return DIFFERENT(`expected choice (${letter})`);
  return predictedLetter === letter ? EQUAL(`choice (${letter})`) : DIFFERENT(`choice (${predictedLetter}) instead of (${letter})`);
}

function compareText(gold: string, predicted: Node): Verdict {
  const predictedText =
    predicted.type === "text" ? predicted.value : predicted.type === "symbol" ? predicted.name : predicted.type === "choice" ? predicted.letter : undefined;
  if (predictedText === undefined) return DIFFERENT("expected a word answer");
  const [goldWords, predictedWords] = [gold, predictedText].map((text) => TEXT_SYNONYMS.get(canonicalText(text)) ?? canonicalText(text));
  return goldWords === predictedWords ? EQUAL("same words") : DIFFERENT(`'${predictedText}' instead of '${gold}'`);
}

/** Words that state an empty solution set. */
const EMPTY_SET_WORDS = new Set(["no solution", "no solutions", "no real solution", "no real solutions", "none", "empty set", "the empty set", "no such number", "no such value"]);
/** Spellings of one word answer. */
const TEXT_SYNONYMS = new Map([["does not exist", "dne"], ["doesn t exist", "dne"]]);

function isEmptySetWords(node: Node): boolean {
  return node.type === "text" && EMPTY_SET_WORDS.has(canonicalText(node.value));
}

/** Words that state an infinite count. */
const INFINITY_WORDS = new Set(["infinitely many", "infinitely many solutions", "infinitely many values", "infinitely many ways", "infinitely many integers", "infinitely many numbers", "infinitely many pairs"]);

function isInfinityWords(node: Node): boolean {
  return node.type === "text" && INFINITY_WORDS.has(canonicalText(node.value));
}

function isEmptySet(node: Node): boolean {
  return node.type === "set" && node.items.length === 0;
}

function compareBase(gold: Extract<Node, { type: "base" }>, predicted: Node, context: ExpressionContext): Verdict {
  if (predicted.type === "base") {
    if (predicted.base !== gold.base) return DIFFERENT(`base ${predicted.base} instead of base ${gold.base}`);
    return equalExpressions(numberNode(gold.value, gold.digits), numberNode(predicted.value, predicted.digits), context);
  }
  if (predicted.type === "number" && !/[eE]/.test(predicted.text)) {
    const plain = predicted.text.replaceAll(",", "");
    const digits = plain.includes(".") ? plain.replace(/^0+(?=\d)/, "") : plain.replace(/^0+(?=.)/, "");
    return digits === gold.digits ? EQUAL(`same base-${gold.base} digits`) : DIFFERENT(`digits ${digits} instead of ${gold.digits}_${gold.base}`);
  }
  return DIFFERENT(`expected a base-${gold.base} numeral`);
}

// ---------------------------------------------------------------------------------------------------
// Relations: definitions (`f(x) = 2x`), equations, inequalities, membership.

type Relation = Extract<Node, { type: "relation" }>;

function compareGoldRelation(gold: Relation, predicted: Node, context: ExpressionContext): Verdict {
  const [left, right] = gold.operands;
  // `x \ne 3`, `|x| > 1` as unions; a relation that is no union of that kind (`2x \ne 6`) is still compared as one.
  const goldUnion = relationToUnion(gold);
  if (goldUnion) {
    const verdict = compareUnion(goldUnion, predicted, context);
    if (verdict.equal || predicted.type !== "relation") return verdict;
  }
  if (gold.operators.length === 1 && gold.operators[0] === "in" && right) {
    const predictedSet = predicted.type === "relation" && predicted.operators[0] === "in" ? predicted.operands[1]! : predicted;
    return compareAnswers(right, predictedSet, context);
  }
  const goldInterval = relationToInterval(gold);
  if (goldInterval) {
    const predictedInterval = asInterval(predicted);
    if (!predictedInterval) return DIFFERENT("expected an inequality or interval");
    return compareIntervals(goldInterval, predictedInterval, context);
  }
  if (gold.operators.length === 1 && gold.operators[0] === "=" && left && right) {
    if (predicted.type !== "relation") {
      return isDefinitionSide(left) ? compareAnswers(right, predicted, context) : DIFFERENT("expected an equation");
    }
    const [predictedLeft, predictedRight] = predicted.operands;
    if (predicted.operators.length !== 1 || predicted.operators[0] !== "=" || !predictedLeft || !predictedRight) {
      return DIFFERENT("a different kind of relation");
    }
    const verdict = proportional(difference(left, right), difference(predictedLeft, predictedRight), context, false);
    if (verdict.equal || !isDefinitionSide(left) || !isDefinitionSide(predictedLeft)) return verdict;
    // `a = 3, b = 2` for `a = 2, b = 3`, `y = 2` for `x = 2`: a value given for another variable is not the answer.
    const [goldName, predictedName] = [unwrap(left), unwrap(predictedLeft)];
    if (goldName.type === "symbol" && predictedName.type === "symbol" && goldName.name !== predictedName.name) {
      return DIFFERENT(`a value for ${predictedName.name} where ${goldName.name} was asked`);
    }
    return compareAnswers(right, predictedRight, context);
  }
  if (predicted.type !== "relation") return DIFFERENT("expected a relation");
  return compareInequalities(gold, predicted, context);
}

/** `y`, `f(x)`, `p(x)` (read as a product), `m_max`: the left side of a definition, not an equation. */
function isDefinitionSide(node: Node): boolean {
  const bare = unwrap(node);
  if (bare.type === "symbol") return true;
  if (bare.type === "call") return bare.name.startsWith("fn:");
  if (bare.type === "multiply" && bare.factors.length === 2) {
    const [name, argument] = bare.factors;
    return name?.type === "symbol" && argument?.type === "group" && unwrap(argument).type === "symbol";
  }
  return false;
}

function difference(left: Node, right: Node): Node {
  return { type: "add", terms: [left, { type: "negate", arg: right }] };
}

/** Both sides oriented as `a < b < c`, compared operand by operand; single ones by proportional differences. */
function compareInequalities(gold: Relation, predicted: Relation, context: ExpressionContext): Verdict {
  const goldChain = ascending(gold);
  const predictedChain = ascending(predicted);
  if (!goldChain || !predictedChain) return DIFFERENT("relations of different kinds");
  if (goldChain.operators.length === 1 && predictedChain.operators.length === 1) {
    if (goldChain.operators[0] !== predictedChain.operators[0]) return DIFFERENT("strict against non-strict");
    const [a, b] = goldChain.operands;
    const [c, d] = predictedChain.operands;
    const positive = goldChain.operators[0] !== "!=";
    return proportional(difference(b!, a!), difference(d!, c!), context, positive);
  }
  if (goldChain.operators.join() !== predictedChain.operators.join()) return DIFFERENT("different relation operators");
  return compareInOrder(goldChain.operands, predictedChain.operands, context);
}

function ascending(relation: Relation): { operands: Node[]; operators: RelationOperator[] } | undefined {
  const { operands, operators } = relation;
  if (operators.every((operator) => operator === "<" || operator === "<=" || operator === "!=" || operator === "=")) {
    return { operands, operators };
  }
  if (operators.every((operator) => operator === ">" || operator === ">=")) {
    return {
      operands: [...operands].reverse(),
      operators: [...operators].reverse().map((operator) => (operator === ">" ? "<" : "<=")),
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Intervals.

interface Interval {
  low: Node;
  high: Node;
  lowClosed: boolean;
  highClosed: boolean;
}

const NEGATIVE_INFINITY: Node = { type: "negate", arg: { type: "infinity" } };
const POSITIVE_INFINITY: Node = { type: "infinity" };

/** `x > 3`, `-2 <= x <= 7`, `3 < x`: an interval in one variable with constant bounds. */
function relationToInterval(relation: Relation): Interval | undefined {
  const chain = ascending(relation);
  if (!chain || chain.operators.some((operator) => operator !== "<" && operator !== "<=")) return undefined;
  const isVariable = (node: Node) => unwrap(node).type === "symbol" && freeSymbols(node).size === 1;
  const isConstant = (node: Node) => freeSymbols(node).size === 0;
  const [first, second, third] = chain.operands;
  const [firstOperator, secondOperator] = chain.operators;
  // `|x| < 1`, `|x - 1| \le 2`: the interval around the center.
  const center = first && absoluteCenter(first);
  if (chain.operators.length === 1 && center && second && isConstant(second)) {
    const closed = firstOperator === "<=";
    return { low: shifted(center, second, -1), high: shifted(center, second, 1), lowClosed: closed, highClosed: closed };
  }
  if (chain.operators.length === 1 && first && second) {
    if (isVariable(first) && isConstant(second)) return { low: NEGATIVE_INFINITY, high: second, lowClosed: false, highClosed: firstOperator === "<=" };
    if (isConstant(first) && isVariable(second)) return { low: first, high: POSITIVE_INFINITY, lowClosed: firstOperator === "<=", highClosed: false };
  }
  if (chain.operators.length === 2 && first && second && third && isConstant(first) && isVariable(second) && isConstant(third)) {
    return { low: first, high: third, lowClosed: firstOperator === "<=", highClosed: secondOperator === "<=" };
  }
  return undefined;
}

/** `|x|` → 0, `|x - 1|` → 1, `|x + 2|` → -2: the center of an absolute value of one variable plus a constant. */
function absoluteCenter(node: Node): Node | undefined {
  const bare = unwrap(node);
  if (bare.type !== "call" || bare.name !== "abs" || bare.args.length !== 1 || freeSymbols(bare).size !== 1) return undefined;
  const inner = unwrap(bare.args[0]!);
  if (inner.type === "symbol") return numberNode(rational(0n), "0");
  if (inner.type !== "add" || inner.terms.length !== 2) return undefined;
  const [variable, offset] = inner.terms;
  if (!variable || !offset || unwrap(variable).type !== "symbol" || freeSymbols(offset).size !== 0) return undefined;
  const offsetBare = unwrap(offset);
  return offsetBare.type === "negate" ? offsetBare.arg : { type: "negate", arg: offset };
}

/** center ± radius, as a node (`-radius` alone when the center is zero). */
function shifted(center: Node, radius: Node, sign: 1 | -1): Node {
  const step: Node = sign > 0 ? radius : { type: "negate", arg: radius };
  const bare = unwrap(center);
  if (bare.type === "number" && bare.value.num === 0n) return step;
  return { type: "add", terms: [center, step] };
}

function intervalNode(low: Node, high: Node, lowClosed: boolean, highClosed: boolean): Node {
  return { type: "tuple", items: [low, high], open: lowClosed ? "[" : "(", close: highClosed ? "]" : ")" };
}

/**
 * `x \ne 0` → (-∞, 0) ∪ (0, ∞); `|x| > 1` → (-∞, -1) ∪ (1, ∞); `|x - 1| \ge 2` → (-∞, -1] ∪ [3, ∞): a relation in one
 * variable that states a union of two intervals.
 */
function relationToUnion(relation: Relation): Extract<Node, { type: "union" }> | undefined {
  if (relation.operators.length !== 1) return undefined;
  const [first, second] = relation.operands;
  if (!first || !second) return undefined;
  const isVariable = (node: Node) => unwrap(node).type === "symbol" && freeSymbols(node).size === 1;
  const isConstant = (node: Node) => freeSymbols(node).size === 0;
  if (relation.operators[0] === "!=") {
    const point = isVariable(first) && isConstant(second) ? second : isVariable(second) && isConstant(first) ? first : undefined;
    if (!point) return undefined;
    return { type: "union", items: [intervalNode(NEGATIVE_INFINITY, point, false, false), intervalNode(point, POSITIVE_INFINITY, false, false)] };
  }
  const chain = ascending(relation);
  if (!chain || (chain.operators[0] !== "<" && chain.operators[0] !== "<=")) return undefined;
  const [low, high] = chain.operands;
  const center = high && absoluteCenter(high);
  if (!low || !center || !isConstant(low)) return undefined;
  const closed = chain.operators[0] === "<=";
  return {
    type: "union",
    items: [intervalNode(NEGATIVE_INFINITY, shifted(center, low, -1), false, closed), intervalNode(shifted(center, low, 1), POSITIVE_INFINITY, closed, false)],
  };
}

function asInterval(node: Node): Interval | undefined {
  const bare = unwrap(node);
  if (bare.type === "tuple" && bare.items.length === 2) {
    return { low: bare.items[0]!, high: bare.items[1]!, lowClosed: bare.open === "[", highClosed: bare.close === "]" };
  }
  if (bare.type === "relation") {
    if (bare.operators.length === 1 && bare.operators[0] === "in") return asInterval(bare.operands[1]!);
    return relationToInterval(bare);
  }
  return undefined;
}

function isIntervalLike(tuple: Extract<Node, { type: "tuple" }>): boolean {
  return tuple.items.length === 2 && (tuple.open === "[" || tuple.close === "]" || tuple.items.some(isInfinite));
}

function isInfinite(node: Node): boolean {
  const bare = unwrap(node);
  return bare.type === "infinity" || (bare.type === "negate" && unwrap(bare.arg).type === "infinity");
}

function compareIntervals(gold: Interval, predicted: Interval, context: ExpressionContext): Verdict {
  const lowVerdict = compareEndpoint(gold.low, predicted.low, context);
  if (!lowVerdict.equal) return { equal: lowVerdict.equal, reason: `lower end: ${lowVerdict.reason}` };
  const highVerdict = compareEndpoint(gold.high, predicted.high, context);
  if (!highVerdict.equal) return { equal: highVerdict.equal, reason: `upper end: ${highVerdict.reason}` };
  if (!isInfinite(gold.low) && gold.lowClosed !== predicted.lowClosed) return DIFFERENT("lower end open/closed differs");
  if (!isInfinite(gold.high) && gold.highClosed !== predicted.highClosed) return DIFFERENT("upper end open/closed differs");
  return EQUAL("same interval");
}

function compareEndpoint(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  if (isInfinite(gold) || isInfinite(predicted)) {
    return nodeKey(unwrap(gold)) === nodeKey(unwrap(predicted)) ? EQUAL("same infinity") : DIFFERENT("infinite against finite or opposite sign");
  }
  return compareAnswers(gold, predicted, context);
}

// ---------------------------------------------------------------------------------------------------
// Tuples, sets, lists, unions, matrices.

function compareTuple(gold: Extract<Node, { type: "tuple" }>, predicted: Node, context: ExpressionContext): Verdict {
  if (isIntervalLike(gold)) {
    const predictedInterval = asInterval(predicted);
    if (!predictedInterval) return DIFFERENT("expected an interval");
    return compareIntervals(asInterval(gold)!, predictedInterval, context);
  }
  switch (predicted.type) {
    case "tuple":
      if (gold.items.length === 2 && isIntervalLike(predicted)) return DIFFERENT("an interval where a pair was expected");
      return compareInOrder(gold.items, predicted.items, context);
    case "list":
      return compareInOrder(gold.items, predicted.items, context);
    case "matrix": {
      const cells = vectorCells(predicted);
      return cells ? compareInOrder(gold.items, cells, context) : DIFFERENT("a matrix where a tuple was expected");
    }
    case "relation": {
      const interval = gold.items.length === 2 ? relationToInterval(predicted) : undefined;
      if (interval) return compareIntervals(asInterval(gold)!, interval, context);
      return DIFFERENT("a relation where a tuple was expected");
    }
    default:
      return DIFFERENT(`a ${predicted.type === "set" ? "set" : "single value"} where a tuple was expected`);
  }
}

function compareMatrix(gold: Extract<Node, { type: "matrix" }>, predicted: Node, context: ExpressionContext): Verdict {
  if (predicted.type === "matrix") {
    // A vector written as a row where the gold has a column (or the other way round): the same entries in order.
    const [goldCells, predictedCells] = [vectorCells(gold), vectorCells(predicted)];
    if (goldCells && predictedCells && gold.rows.length !== predicted.rows.length) return compareInOrder(goldCells, predictedCells, context);
    const sameShape = predicted.rows.length === gold.rows.length && predicted.rows[0]!.length === gold.rows[0]!.length;
    if (!sameShape) return DIFFERENT("matrices of different shapes");
    return compareInOrder(gold.rows.flat(), predicted.rows.flat(), context);
  }
  const goldCells = vectorCells(gold);
  if (goldCells && (predicted.type === "tuple" || predicted.type === "list")) return compareInOrder(goldCells, predicted.items, context);
  return DIFFERENT("expected a matrix");
}

/** The entries of a one-row or one-column matrix. */
function vectorCells(matrix: Extract<Node, { type: "matrix" }>): Node[] | undefined {
  if (matrix.rows.length === 1) return matrix.rows[0];
  if (matrix.rows.every((row) => row.length === 1)) return matrix.rows.map((row) => row[0]!);
  return undefined;
}

function compareInOrder(gold: Node[], predicted: Node[], context: ExpressionContext): Verdict {
  if (gold.length !== predicted.length) return DIFFERENT(`${predicted.length} entries instead of ${gold.length}`);
  for (let index = 0; index < gold.length; index++) {
    const verdict = compareAnswers(gold[index]!, predicted[index]!, context);
    if (!verdict.equal) return { equal: verdict.equal, reason: `entry ${index + 1}: ${verdict.reason}` };
  }
  return EQUAL(`all ${gold.length} entries equal in order`);
}

function compareUnordered(gold: Node, predicted: Node, context: ExpressionContext): Verdict {
  const goldItems = expandItems(gold);
  const predictedBare = unwrap(predicted);
  // A gold set asks for a set (or a bare list); a gold list of answers also takes a tuple of them.
  const acceptsTuple = gold.type !== "set";
  if (predictedBare.type === "tuple" && !acceptsTuple) return DIFFERENT("a tuple where a set was expected");
  const goldHasPoints = goldItems.some((item) => unwrap(item).type === "tuple");
  if (predictedBare.type === "tuple" && !goldHasPoints && isIntervalLike(predictedBare)) return DIFFERENT("an interval where a list was expected");
  // A lone tuple is one answer when the gold lists tuples (points), else a bracketed list of values.
  const predictedItems =
    predictedBare.type === "tuple" && goldHasPoints
      ? expandTuple(predictedBare)
      : predictedBare.type === "relation" && valueSide(predictedBare)
        ? expandItems(valueSide(predictedBare)!)
        : expandItems(predictedBare);
  // Two sets: `\{1, 2, 2\}` is `\{1, 2\}` (a list keeps repeats: roots `-2, -2` count twice).
  if (gold.type === "set" && predictedBare.type === "set") return matchUnordered(distinct(goldItems), distinct(predictedItems), context);
  return matchUnordered(goldItems, predictedItems, context);
}

function distinct(items: Node[]): Node[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = nodeKey(unwrap(item));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function compareUnion(gold: Extract<Node, { type: "union" }>, predicted: Node, context: ExpressionContext): Verdict {
  const stated = predicted.type === "relation" ? relationToUnion(predicted) : undefined;
  if (stated) return matchUnordered(gold.items, stated.items, context);
  // `x < -1 \text{ or } x > 1`: inequalities joined by "or" state the union of their intervals.
  if (predicted.type === "list" && predicted.items.every((item) => unwrap(item).type === "relation")) {
    return matchUnordered(gold.items, predicted.items, context);
  }
  if (predicted.type !== "union") return DIFFERENT("expected a union");
  return matchUnordered(gold.items, predicted.items, context);
}

/** Items of a list/set/tuple, with every ± expanded: `\{1\pm\sqrt5, -2\}` has three. */
function expandItems(node: Node): Node[] {
  const bare = unwrap(node);
  const items = bare.type === "list" || bare.type === "set" || bare.type === "tuple" ? bare.items : [bare];
  return items.flatMap((item) => {
    const inner = unwrap(item);
    return inner.type === "tuple" ? expandTuple(inner) : expandPlusMinus(inner);
  });
}

/**
 * `(0, \pm 2)` → (0, 2), (0, -2); `(22 \pm 8\sqrt6, 22 \mp 8\sqrt6)` → two points, not four: one sign
 * choice per tuple, as ± and ∓ are read together.
 */
function expandTuple(tuple: Extract<Node, { type: "tuple" }>): Node[] {
  const options = tuple.items.map(expandPlusMinus);
  const count = Math.max(...options.map((values) => values.length));
  if (count === 1) return [tuple];
  return Array.from({ length: count }, (_, index) => ({ ...tuple, items: options.map((values) => values[index % values.length]!) }));
}

/** `a \pm b` → [a + b, a - b]; nested ± multiply out (at most 16 values). */
export function expandPlusMinus(node: Node): Node[] {
  const bare = unwrap(node);
  switch (bare.type) {
    case "plusminus": {
      const lefts = bare.left ? expandPlusMinus(bare.left) : [undefined];
      const rights = expandPlusMinus(bare.right);
      const values: Node[] = [];
      for (const sign of bare.minusFirst ? [-1, 1] : [1, -1]) {
        for (const left of lefts) {
          for (const right of rights) {
            const signed: Node = sign > 0 ? right : { type: "negate", arg: right };
            values.push(left ? { type: "add", terms: [left, signed] } : signed);
          }
        }
      }
      return values.slice(0, 16);
    }
    case "add":
    case "multiply":
    case "divide":
    case "negate":
    case "power":
    case "call": {
      const children = arithmeticChildren(bare);
      const expanded = children.map(expandPlusMinus);
      if (expanded.every((options) => options.length === 1)) return [bare];
      // Same sign choice everywhere: \frac{1 \pm \sqrt5}{2} has two values, not one per ± occurrence.
      const count = Math.max(...expanded.map((options) => options.length));
      return Array.from({ length: count }, (_, index) => rebuild(bare, expanded.map((options) => options[index % options.length]!)));
    }
    default:
      return [bare];
  }
}

function rebuild(node: Node, children: Node[]): Node {
  switch (node.type) {
    case "add":
      return { type: "add", terms: children };
    case "multiply":
      return { type: "multiply", factors: children };
    case "divide":
      return { type: "divide", numerator: children[0]!, denominator: children[1]! };
    case "negate":
      return { type: "negate", arg: children[0]! };
    case "power":
      return { type: "power", base: children[0]!, exponent: children[1]! };
    case "call":
      return { type: "call", name: node.name, args: children };
    default:
      return node;
  }
}

/** A perfect matching between gold and predicted items (Kuhn's augmenting paths). */
function matchUnordered(gold: Node[], predicted: Node[], context: ExpressionContext): Verdict {
  if (gold.length !== predicted.length) return DIFFERENT(`${predicted.length} answers instead of ${gold.length}`);
  if (gold.length > MAX_ITEMS) return { equal: undefined, reason: `cannot decide: more than ${MAX_ITEMS} items` };
  const verdicts = new Map<number, Verdict>();
  let undecided = false;
  const equalAt = (goldIndex: number, predictedIndex: number): boolean => {
    const key = goldIndex * predicted.length + predictedIndex;
    let verdict = verdicts.get(key);
    if (!verdict) {
      verdict = compareAnswers(gold[goldIndex]!, predicted[predictedIndex]!, context);
      verdicts.set(key, verdict);
      if (verdict.equal === undefined) undecided = true;
    }
    return verdict.equal === true;
  };
  const owner = new Array<number>(predicted.length).fill(-1);
  const tryAssign = (goldIndex: number, seen: boolean[]): boolean => {
    for (let predictedIndex = 0; predictedIndex < predicted.length; predictedIndex++) {
      if (seen[predictedIndex] || !equalAt(goldIndex, predictedIndex)) continue;
      seen[predictedIndex] = true;
      if (owner[predictedIndex] === -1 || tryAssign(owner[predictedIndex]!, seen)) {
        owner[predictedIndex] = goldIndex;
        return true;
      }
    }
    return false;
  };
  for (let goldIndex = 0; goldIndex < gold.length; goldIndex++) {
    if (!tryAssign(goldIndex, new Array<boolean>(predicted.length).fill(false))) {
      if (undecided) return { equal: undefined, reason: "cannot decide whether every answer is matched" };
      return DIFFERENT(`no match for ${nodeKey(gold[goldIndex]!).slice(0, 40)}`);
    }
  }
  return EQUAL(`all ${gold.length} answers matched, order-free`);
}
