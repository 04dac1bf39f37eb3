/**
 * The deterministic arithmetic checker: finds "a op b = c" claims (any expression, chains like
 * `3 * 4 + 2 = 12 + 2 = 14`, reversed `14 = 12 + 2`) inside free step text and checks them in exact
 * rational arithmetic. Domain-free: it knows numbers and operators, not what a problem asks.
 *
 * A run is a maximal stretch of numbers, operators (+ - * / and their Unicode/LaTeX forms, `x` between
 * numbers), parentheses and `=`, where spaces, `$`, `**` and TeX delimiters `\( \) \[ \]` may sit in
 * between; anything else (a word, `:`, `,`, `.`, a line break) ends it. Each run is one of:
 * - a claim: two or more `=`-separated sides, one of them with an operator;
 * - malformed: an `=` with nothing after it, a side that does not parse, or operators without any `=`;
 * - mentions: plain numbers (`19 apples`, `= 19`).
 * GSM8K calculator annotations `<<12+7=19>>` are ignored (they repeat the text around them).
 */
import { add, divide, multiply, negate, parseDecimal, subtract, equals, type Rational } from "./rational.ts";

export type Operator = "+" | "-" | "*" | "/";

export type MathExpression =
  | { kind: "number"; value: Rational; text: string; start: number; end: number }
  | { kind: "negate"; operand: MathExpression }
  | { kind: "binary"; op: Operator; left: MathExpression; right: MathExpression };

export interface ArithmeticClaim {
  text: string;
  start: number;
  end: number;
  sides: MathExpression[];
  /** The side that computes: the first with an operator. */
  computation: MathExpression;
  /** The numbers the computation starts from, in text order. */
  operands: Rational[];
  /** Exact value of the computation; undefined on division by zero. */
  value: Rational | undefined;
  /** The stated result: the last plain-number side after the computation, else the last side's value. */
  result: Rational | undefined;
  /** Every side has the same, defined value. */
  holds: boolean;
}

export interface MalformedMath {
  text: string;
  start: number;
  end: number;
  reason: string;
  /** True when the run has an `=` (a broken equation rather than a bare expression). */
  hasEquals: boolean;
}

export interface NumberMention {
  value: Rational;
  start: number;
  end: number;
}

export interface ArithmeticScan {
  claims: ArithmeticClaim[];
  malformed: MalformedMath[];
  /** Numbers outside claims and malformed runs. */
  mentions: NumberMention[];
}

type Token =
  | { type: "number"; value: Rational; text: string; start: number; end: number }
  | { type: "op"; op: Operator; start: number; end: number; spaced: boolean }
  | { type: "open" | "close" | "equals"; start: number; end: number };

const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?/y;
const IGNORED = /\s+|\$|\*\*|\\[()[\]]|\\[,;! ]/y;
const LATEX_OPS: readonly (readonly [string, Operator])[] = [["\\times", "*"], ["\\cdot", "*"], ["\\div", "/"]];
const SYMBOL_OPS: Readonly<Record<string, Operator>> = {
  "+": "+", "-": "-", "\u2212": "-", "\u2013": "-", "*": "*", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*",
  "/": "/", "\u00f7": "/", "\u2215": "/",
};

/** Blanks `<<...>>` calculator annotations (same length, so offsets stay true). */
function blankAnnotations(text: string): string {
  return text.replace(/<<[^<>\n]*>>/g, (annotation) => " ".repeat(annotation.length));
}

/** Splits `text` into runs of math tokens. */
function tokenRuns(text: string): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  const flush = (): void => {
    if (run.length > 0) runs.push(run);
    run = [];
  };
  let position = 0;
  while (position < text.length) {
    const char = text[position] as string;
    if (char === "\n") {
      flush();
      position++;
      continue;
    }
    IGNORED.lastIndex = position;
    const ignored = IGNORED.exec(text);
    if (ignored && !ignored[0].includes("\n")) {
      position += ignored[0].length;
      continue;
    }
    NUMBER.lastIndex = position;
    const number = /\d/.test(char) ? NUMBER.exec(text) : null;
    if (number) {
      const value = parseDecimal(number[0]) as Rational;
      run.push({ type: "number", value, text: number[0], start: position, end: position + number[0].length });
      position += number[0].length;
      continue;
    }
    const spacedBefore = position > 0 && /\s/.test(text[position - 1] as string);
    const latex = LATEX_OPS.find(([command]) => text.startsWith(command, position) && !/[A-Za-z]/.test(text.charAt(position + command.length)));
    if (latex) {
      run.push({ type: "op", op: latex[1], start: position, end: position + latex[0].length, spaced: true });
      position += latex[0].length;
      continue;
    }
    const symbol = SYMBOL_OPS[char] ?? (isTimesLetter(text, position, run) ? "*" : undefined);
    if (symbol) {
      const spacedAfter = /\s/.test(text.charAt(position + 1));
      run.push({ type: "op", op: symbol, start: position, end: position + 1, spaced: spacedBefore && spacedAfter });
    } else if (char === "(" || char === ")" || char === "=") {
      run.push({ type: char === "(" ? "open" : char === ")" ? "close" : "equals", start: position, end: position + 1 });
    } else {
      flush();
    }
    position++;
  }
  flush();
  return runs;
}

/** `x` or `X` used as a times sign: `4 x 6`, `4x6` (after a number or `)`, before a number or `(`). */
function isTimesLetter(text: string, position: number, run: Token[]): boolean {
  const char = text[position];
  if (char !== "x" && char !== "X") return false;
  const previous = run[run.length - 1];
  if (!previous || (previous.type !== "number" && previous.type !== "close")) return false;
  if (/[A-Za-z]/.test(text.charAt(position - 1)) || /[A-Za-z]/.test(text.charAt(position + 1))) return false;
  return /^\s*[\d(]/.test(text.slice(position + 1, position + 8));
}

/** Recursive descent over one side's tokens; undefined unless it consumes them all. */
function parseSide(tokens: Token[]): MathExpression | undefined {
  let index = 0;
  const peek = (): Token | undefined => tokens[index];
  function expression(): MathExpression | undefined {
    let left = term();
    while (left) {
      const token = peek();
      if (token?.type !== "op" || (token.op !== "+" && token.op !== "-")) break;
      index++;
      const right = term();
      left = right && { kind: "binary", op: token.op, left, right };
    }
    return left;
  }
  function term(): MathExpression | undefined {
    let left = unary();
    while (left) {
      const token = peek();
      if (token?.type === "op" && (token.op === "*" || token.op === "/")) {
        index++;
        const right = unary();
        left = right && { kind: "binary", op: token.op, left, right };
      } else if (token?.type === "open") {
        const right = unary(); // implicit product: 2(3 + 4)
        left = right && { kind: "binary", op: "*", left, right };
      } else {
        break;
      }
    }
    return left;
  }
  function unary(): MathExpression | undefined {
    const token = peek();
    if (token?.type === "op" && token.op === "-") {
      index++;
      const operand = unary();
      return operand && { kind: "negate", operand };
    }
    if (token?.type === "op" && token.op === "+") {
      index++;
      return unary();
    }
    return primary();
  }
  function primary(): MathExpression | undefined {
    const token = peek();
    if (token?.type === "number") {
      index++;
      return { kind: "number", value: token.value, text: token.text, start: token.start, end: token.end };
    }
    if (token?.type === "open") {
      index++;
      const inner = expression();
      if (peek()?.type !== "close") return undefined;
      index++;
      return inner;
    }
    return undefined;
  }
  const parsed = expression();
  return parsed && index === tokens.length ? parsed : undefined;
}

export function evaluate(expression: MathExpression): Rational | undefined {
  switch (expression.kind) {
    case "number":
      return expression.value;
    case "negate": {
      const value = evaluate(expression.operand);
      return value && negate(value);
    }
    case "binary": {
      const left = evaluate(expression.left);
      const right = evaluate(expression.right);
      if (!left || !right) return undefined;
      return applyOperator(expression.op, left, right);
    }
  }
}

export function applyOperator(op: Operator, left: Rational, right: Rational): Rational | undefined {
  switch (op) {
    case "+": return add(left, right);
    case "-": return subtract(left, right);
    case "*": return multiply(left, right);
    case "/": return divide(left, right);
  }
}

/** The value with the i-th number (text order) replaced by `values[i]`. */
export function evaluateWith(expression: MathExpression, values: readonly Rational[]): Rational | undefined {
  let next = 0;
  const visit = (node: MathExpression): Rational | undefined => {
    if (node.kind === "number") return values[next++];
    if (node.kind === "negate") {
      const value = visit(node.operand);
      return value && negate(value);
    }
    const left = visit(node.left);
    const right = visit(node.right);
    return left && right ? applyOperator(node.op, left, right) : undefined;
  };
  return visit(expression);
}

export function leaves(expression: MathExpression): Rational[] {
  if (expression.kind === "number") return [expression.value];
  if (expression.kind === "negate") return leaves(expression.operand);
  return [...leaves(expression.left), ...leaves(expression.right)];
}

/** Values of every operator node (the intermediate results a multi-operation side computes). */
export function intermediateValues(expression: MathExpression): Rational[] {
  if (expression.kind !== "binary") return [];
  const value = evaluate(expression);
  return [...intermediateValues(expression.left), ...intermediateValues(expression.right), ...(value ? [value] : [])];
}

function hasOperator(expression: MathExpression): boolean {
  return expression.kind === "binary";
}

/** Drops operators that cannot start or end an expression here: a prose dash, a stray sign. */
function trimRun(run: Token[]): Token[] {
  let first = 0;
  let last = run.length;
  while (first < last) {
    const token = run[first] as Token;
    // "-5" is a negative number; "- 5" after prose is a dash.
    if (token.type === "op" && (token.op !== "-" || token.spaced || run[first + 1]?.type !== "number")) first++;
    else break;
  }
  while (last > first && run[last - 1]?.type === "op") last--;
  return run.slice(first, last);
}

/** A run that ends in an operator with nothing but spaces or a period after it: output cut off mid-expression. */
function isCutOff(raw: Token[], run: Token[], text: string): boolean {
  const last = raw[raw.length - 1] as Token;
  if (last.type !== "op" || run.length === 0 || run[run.length - 1]?.type === "op") return false;
  if (!run.some((token) => token.type === "number")) return false;
  const rest = text.slice(last.end);
  const lineEnd = rest.indexOf("\n");
  return /^[\s.]*$/.test(lineEnd === -1 ? rest : rest.slice(0, lineEnd));
}

function claimResult(sides: MathExpression[], computationIndex: number): Rational | undefined {
  for (let index = sides.length - 1; index > computationIndex; index--) {
    const side = sides[index] as MathExpression;
    if (side.kind === "number") return side.value;
  }
  for (let index = computationIndex - 1; index >= 0; index--) {
    const side = sides[index] as MathExpression;
    if (side.kind === "number") return side.value; // reversed: `19 = 12 + 7`
  }
  return evaluate(sides[sides.length - 1] as MathExpression);
}

/** Finds and checks every arithmetic claim in `text`. */
export function scanArithmetic(text: string): ArithmeticScan {
  const source = blankAnnotations(text);
  const scan: ArithmeticScan = { claims: [], malformed: [], mentions: [] };
  for (const raw of tokenRuns(source)) {
    const run = trimRun(raw);
    if (run.length === 0) continue;
    if (isCutOff(raw, run, text)) {
      const cutStart = (run[0] as Token).start;
      const cutEnd = (raw[raw.length - 1] as Token).end;
      scan.malformed.push({ text: text.slice(cutStart, cutEnd), start: cutStart, end: cutEnd, reason: "an expression cut off after an operator", hasEquals: false });
      continue;
    }
    const start = (run[0] as Token).start;
    const end = (run[run.length - 1] as Token).end;
    const runText = text.slice(start, end);
    const numbers = run.filter((token) => token.type === "number");
    const mention = (): void => {
      for (const token of numbers) scan.mentions.push({ value: token.value, start: token.start, end: token.end });
    };
    const malformed = (reason: string, hasEquals: boolean): void => {
      scan.malformed.push({ text: runText, start, end, reason, hasEquals });
    };
    const groups: Token[][] = [[]];
    for (const token of run) {
      if (token.type === "equals") groups.push([]);
      else (groups[groups.length - 1] as Token[]).push(token);
    }
    if (groups.length === 1) {
      if (run.some((token) => token.type === "op") && numbers.length >= 2) malformed("an expression without '=' and a result", false);
      else mention();
      continue;
    }
    if (groups[0]?.length === 0) groups.shift(); // "= 19" after a word: `Total = 12 + 7 = 19`
    if (groups.some((group) => group.length === 0)) {
      malformed(groups[groups.length - 1]?.length === 0 ? "nothing after '='" : "nothing between two '='", true);
      continue;
    }
    const sides = groups.map(parseSide);
    if (sides.some((side) => side === undefined)) {
      malformed("a side of '=' is not an arithmetic expression", true);
      continue;
    }
    const parsed = sides as MathExpression[];
    const computationIndex = parsed.findIndex(hasOperator);
    if (parsed.length < 2 || computationIndex === -1) {
      mention(); // `= 19`, `19 = 19`: a value stated, nothing computed
      continue;
    }
    const computation = parsed[computationIndex] as MathExpression;
    const value = evaluate(computation);
    const holds = value !== undefined && parsed.every((side) => {
      const sideValue = evaluate(side);
      return sideValue !== undefined && equals(sideValue, value);
    });
    scan.claims.push({
      text: runText,
      start,
      end,
      sides: parsed,
      computation,
      operands: leaves(computation),
      value,
      result: claimResult(parsed, computationIndex),
      holds,
    });
  }
  return scan;
}
