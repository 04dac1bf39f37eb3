/**
 * Stage 4, parse: a normalized answer string → an answer tree (see ast.ts), or a parse failure with its
 * reason. A recursive-descent parser for the LaTeX and plain-text math that answers are written in:
 * fractions, roots, powers, implicit products, functions, factorials, ±, percent, base-n numbers,
 * tuples, intervals, sets, unions, relations and matrices. Anything it does not know is a failure, never
 * a guess; the grader may then ask the CAS (cas.ts) to read it.
 */
import { numberNode, unwrap, type Node, type RelationOperator } from "./ast.ts";
import { ParseError, Scanner, type Token } from "./lexer.ts";
import { rational } from "./rational.ts";

/** `unsupported`: the input used LaTeX this parser does not model (`\sum`, `\operatorname{lcm}`), as
 * opposed to being malformed; only then can the CAS be worth asking. */
export type ParseResult = { ok: true; node: Node } | { ok: false; reason: string; unsupported?: boolean };

export interface ParseOptions {
  /** Read `1,000` as one thousand (default true); false reads it as the list `1, 000`. */
  digitGroups?: boolean;
}

/** The symbol `\ldots`/`\cdots` parse to: it has no value and is not a variable. */
export const ELLIPSIS = "…";

/** Deepest nesting accepted; deeper input is refused instead of overflowing the stack. */
const MAX_DEPTH = 120;
/** Longest answer parsed; longer ones are refused (a model that boxes an essay gave no answer). */
export const MAX_ANSWER_LENGTH = 4000;

const FUNCTIONS = new Set([
  "sin", "cos", "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
  "ln", "log", "exp", "sqrt", "lg",
]);
const INVERSE: Record<string, string> = { sin: "arcsin", cos: "arccos", tan: "arctan" };
const GREEK = new Set([
  "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
  "kappa", "lambda", "mu", "nu", "xi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon", "phi",
  "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Upsilon", "Phi",
  "Psi", "Omega", "hbar", "ell", "odot", "mho", "max", "min",
]);
const ACCENTS = new Set(["dot", "ddot", "hat", "bar", "vec", "tilde", "overline", "widehat", "widetilde", "mathring", "check"]);
const MATRIX_ENVIRONMENTS = new Set(["pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "matrix", "smallmatrix", "array"]);
const RELATION_COMMANDS: Record<string, RelationOperator> = {
  le: "<=", leq: "<=", ge: ">=", geq: ">=", ne: "!=", neq: "!=", lt: "<", gt: ">", approx: "approx",
  in: "in", equiv: "=", simeq: "approx", doteq: "=",
};
const RELATION_PUNCT: Record<string, RelationOperator> = { "=": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=" };
/** Single letters read as function application before `(`: `f(x)`, `P(x)`, `u(t)`. */
const CALL_LETTERS = /^[fghuA-Z]$/;
const BASE_WORDS: Record<string, number> = { two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12, sixteen: 16 };

/** Parses a normalized answer. Text and choice answers are recognized before any math is tried. */
export function parseAnswer(normalized: string, options: ParseOptions = {}): ParseResult {
  const source = normalized.trim();
  if (source === "") return { ok: false, reason: "empty answer" };
  if (source.length > MAX_ANSWER_LENGTH) return { ok: false, reason: `answer longer than ${MAX_ANSWER_LENGTH} characters` };
  const choice = readChoice(source);
  if (choice) return { ok: true, node: { type: "choice", letter: choice } };
  const text = readText(source);
  if (text !== undefined) return { ok: true, node: { type: "text", value: text } };
  try {
    const ratio = readRatio(source, options);
    if (ratio) return { ok: true, node: ratio };
    return { ok: true, node: parseMath(source, options) };
  } catch (error) {
    if (error instanceof ParseError) return { ok: false, reason: error.message, unsupported: error.unsupported };
    if (error instanceof RangeError) return { ok: false, reason: `too large to parse: ${error.message}` };
    throw error;
  }
}

/** `(C)`, `\text{(C)}`, `\textbf{(C)}`, `(C) 12`: a multiple-choice letter A–E. */
export function readChoice(source: string): string | undefined {
  const unwrapped = source.replace(/^\\text(?:bf)?\{\s*(.*?)\s*\}$/, "$1").trim();
  const match = /^\(([A-E])\)(?:\s|$|\.|:)/.exec(`${unwrapped} `);
  return match ? match[1] : undefined;
}

/**
 * `3:2`, `1 : \sqrt{3}`: a ratio of two numeric values is their quotient, so `3:2` matches `6:4`, `3/2` and `1.5`.
 * Only numbers and LaTeX commands on either side (no letters: `\{x : x > 0\}` and `4:30pm` are not ratios).
 */
function readRatio(source: string, options: ParseOptions): Node | undefined {
  const match = /^([^:]+):([^:]+)$/.exec(source);
  if (!match || source.includes("\\{")) return undefined;
  const sides = [match[1]!.trim(), match[2]!.trim()];
  if (!sides.every((side) => side !== "" && !/[A-Za-z]/.test(side.replace(/\\[A-Za-z]+/g, "")) && /\d/.test(side))) return undefined;
  const [numerator, denominator] = sides.map((side) => parseMath(side, options));
  for (const side of [numerator!, denominator!]) assertScalar(side);
  return { type: "divide", numerator: numerator!, denominator: denominator! };
}

const FUNCTION_WORDS = new Set([...FUNCTIONS, "pi", "inf", "infty", "infinity", "or", "and"]);

/** `\text{Evelyn}`, `east`, `\text{even}`: an answer that is words, not math. */
export function readText(source: string): string | undefined {
  const wrapped = /^\\text\{([^{}]*)\}$/.exec(source);
  const body = (wrapped ? wrapped[1]! : source).trim();
  if (!/^[A-Za-z][A-Za-z\s'’-]*[.!]?$/.test(body)) return undefined;
  const words = body.toLowerCase().replace(/[.!]$/, "").split(/[\s-]+/).filter(Boolean);
  if (wrapped && words.length > 0) return words.join(" ");
  // Plain letters are math (`p - q`, `xy`) unless some word is long and not a function name.
  if (words.some((word) => word.length >= 3 && !FUNCTION_WORDS.has(word))) return words.join(" ");
  return undefined;
}

/** Parses math; throws ParseError. Exported for tests and the CAS bridge. */
export function parseMath(source: string, options: ParseOptions = {}): Node {
  const parser = new Parser(new Scanner(source, { digitGroups: options.digitGroups ?? true }));
  const node = parser.parseTop();
  return node;
}

class Parser {
  private readonly scanner: Scanner;
  private depth = 0;
  private absDepth = 0;

  constructor(scanner: Scanner) {
    this.scanner = scanner;
  }

  parseTop(): Node {
    const items = this.parseItems();
    const end = this.scanner.peek();
    if (end.kind !== "end") throw new ParseError(`unexpected ${describe(end)}`);
    return items.length === 1 ? items[0]! : { type: "list", items };
  }

  /** Comma (or `;`, `or`, `and`) separated items up to a closing token. */
  private parseItems(): Node[] {
    const items = [this.parseUnion()];
    for (;;) {
      // One or more separators in a row: ",", ", and", ", \text{ and }".
      let separated = false;
      for (;;) {
        const token = this.scanner.peek();
        if (isSeparator(token)) this.scanner.next();
        else if (!(token.kind === "command" && token.name === "text" && this.textIsSeparator())) break;
        separated = true;
      }
      if (!separated) return items;
      items.push(this.parseUnion());
    }
  }

  /** `\text{ or }` / `\text{and}` between items: consumes it when it is one. */
  private textIsSeparator(): boolean {
    const saved = this.scanner.position;
    this.scanner.next();
    const content = this.readBracedRaw().trim().toLowerCase();
    if (content === "or" || content === "and" || content === ",") return true;
    this.scanner.position = saved;
    return false;
  }

  private parseUnion(): Node {
    const items = [this.parseRelation()];
    while (isCommand(this.scanner.peek(), "cup")) {
      this.scanner.next();
      items.push(this.parseRelation());
    }
    return items.length === 1 ? items[0]! : { type: "union", items };
  }

  private parseRelation(): Node {
    const operands = [this.parseAdditive()];
    const operators: RelationOperator[] = [];
    for (;;) {
      const operator = relationOperator(this.scanner.peek());
      if (!operator) break;
      this.scanner.next();
      operators.push(operator);
      operands.push(this.parseAdditive());
    }
    return operators.length === 0 ? operands[0]! : { type: "relation", operands, operators };
  }

  private parseAdditive(): Node {
    let terms = [this.parseSignedTerm()];
    for (;;) {
      const token = this.scanner.peek();
      if (isPunct(token, "+")) {
        this.scanner.next();
        terms.push(this.parseSignedTerm());
      } else if (isPunct(token, "-")) {
        this.scanner.next();
        terms.push({ type: "negate", arg: this.parseSignedTerm() });
      } else if (isCommand(token, "pm") || isCommand(token, "mp")) {
        this.scanner.next();
        const left = terms.length === 1 ? terms[0]! : { type: "add" as const, terms };
        terms = [{ type: "plusminus", left, right: this.parseSignedTerm(), minusFirst: token.name === "mp" }];
      } else {
        if (terms.length > 1) terms.forEach(assertScalar);
        return terms.length === 1 ? terms[0]! : { type: "add", terms };
      }
    }
  }

  private parseSignedTerm(): Node {
    const token = this.scanner.peek();
    if (isPunct(token, "-")) {
      this.scanner.next();
      return { type: "negate", arg: this.parseSignedTerm() };
    }
    if (isPunct(token, "+")) {
      this.scanner.next();
      return this.parseSignedTerm();
    }
    if (isCommand(token, "pm") || isCommand(token, "mp")) {
      this.scanner.next();
      return { type: "plusminus", left: undefined, right: this.parseSignedTerm(), minusFirst: token.name === "mp" };
    }
    return this.parseTerm();
  }

  private parseTerm(): Node {
    const factors = this.parseFactors();
    if (factors.length > 1) factors.forEach(assertScalar);
    return factors.length === 1 ? factors[0]! : { type: "multiply", factors };
  }

  private parseFactors(): Node[] {
    let factors = [this.parsePower()];
    for (;;) {
      const token = this.scanner.peek();
      if (isPunct(token, "*") || isCommand(token, "cdot") || isCommand(token, "times") || isCommand(token, "ast")) {
        this.scanner.next();
        factors.push(this.parseSignedFactor());
      } else if (isPunct(token, "/") || isCommand(token, "div")) {
        this.scanner.next();
        const numerator = factors.length === 1 ? factors[0]! : { type: "multiply" as const, factors };
        const denominator = this.parseSignedFactor();
        [numerator, denominator].forEach(assertScalar);
        factors = [{ type: "divide", numerator, denominator }];
      } else if (this.startsImplicitFactor(token)) {
        const factor = this.parsePower();
        const previous = factors[factors.length - 1]!;
        // `33\frac{1}{3}\%`: the percent sign closes the whole mixed number, not its fraction.
        const fraction = factor.type === "percent" ? factor.arg : factor;
        if (factors.length === 1 && isIntegerLiteral(previous) && isLiteralFraction(fraction)) {
          const mixed: Node = { type: "add", terms: [previous, fraction] }; // mixed number: 1\frac{4}{5}
          factors[0] = factor.type === "percent" ? { type: "percent", arg: mixed } : mixed;
        } else {
          factors.push(factor);
        }
      } else {
        return factors;
      }
    }
  }

  private parseSignedFactor(): Node {
    const token = this.scanner.peek();
    if (isPunct(token, "-")) {
      this.scanner.next();
      return { type: "negate", arg: this.parseSignedFactor() };
    }
    if (isPunct(token, "+")) {
      this.scanner.next();
      return this.parseSignedFactor();
    }
    return this.parsePower();
  }

  private parsePower(): Node {
    let node = this.parsePostfix(this.parseAtom());
    while (isPunct(this.scanner.peek(), "^")) {
      this.scanner.next();
      const exponent = this.parseScriptArgument();
      const bare = unwrap(exponent);
      if (bare.type === "symbol" && bare.name === "'" && node.type === "symbol") {
        node = { type: "symbol", name: `${node.name}'` };
      } else {
        node = this.parsePostfix({ type: "power", base: node, exponent });
      }
    }
    return node;
  }

  private parsePostfix(node: Node): Node {
    for (;;) {
      const token = this.scanner.peek();
      if (isPunct(token, "!")) {
        this.scanner.next();
        if (isPunct(this.scanner.peek(), "!")) throw new ParseError("double factorial is not supported");
        node = { type: "call", name: "factorial", args: [node] };
      } else if (isCommand(token, "%")) {
        this.scanner.next();
        node = { type: "percent", arg: node };
      } else if (isPunct(token, "'") && node.type === "symbol") {
        this.scanner.next();
        node = { type: "symbol", name: `${node.name}'` };
      } else {
        return node;
      }
    }
  }

  private startsImplicitFactor(token: Token): boolean {
    switch (token.kind) {
      case "number":
        return true;
      case "word":
        return token.name !== "or" && token.name !== "and";
      case "punct":
        return token.value === "(" || token.value === "[" || token.value === "{" || (token.value === "|" && this.absDepth === 0);
      case "command":
        return (
          token.name === "frac" || token.name === "sqrt" || token.name === "binom" || token.name === "pi" ||
          token.name === "lfloor" || token.name === "lceil" || token.name === "infty" || token.name === "operatorname" ||
          token.name === "lvert" || FUNCTIONS.has(token.name) || GREEK.has(token.name) || ACCENTS.has(token.name)
        );
      case "end":
        return false;
    }
  }

  private enter(): void {
    this.depth++;
    if (this.depth > MAX_DEPTH) throw new ParseError(`nesting deeper than ${MAX_DEPTH}`);
  }

  private parseAtom(): Node {
    this.enter();
    try {
      return this.parseAtomInner();
    } finally {
      this.depth--;
    }
  }

  private parseAtomInner(): Node {
    const token = this.scanner.next();
    switch (token.kind) {
      case "number":
        if (this.scanner.source[this.scanner.position] === "_") return this.parseBaseNumber(token.text);
        return numberNode(token.value, token.text, token.decimal, token.grouped);
      case "word":
        return this.parseWord(token.name);
      case "command":
        return this.parseCommand(token.name);
      case "punct":
        return this.parsePunctAtom(token.value);
      case "end":
        throw new ParseError("unexpected end of answer");
    }
  }

  private parseWord(name: string): Node {
    if (name === "pi") return { type: "symbol", name: "pi" };
    if (name === "inf" || name === "infty" || name === "infinity" || name === "oo") return { type: "infinity" };
    if (FUNCTIONS.has(name)) return this.parseFunction(name);
    if (name === "or" || name === "and") throw new ParseError(`unexpected '${name}'`);
    return this.parseSymbolRest(name);
  }

  /** Subscripts, primes and `f(x)` application after a letter or Greek name. */
  private parseSymbolRest(base: string): Node {
    let name = base;
    const source = this.scanner.source;
    if (source[this.scanner.position] === "_") {
      this.scanner.position++;
      name = `${name}_${this.readSubscriptName()}`;
    }
    while (source[this.scanner.position] === "'") {
      this.scanner.position++;
      name = `${name}'`;
    }
    const rest = source.slice(this.scanner.position, this.scanner.position + 40);
    if (rest.startsWith("(") && (CALL_LETTERS.test(base) || /^\(\s*-?\d+(?:\.\d+)?\s*\)/.test(rest))) {
      this.scanner.next();
      const args = this.parseItems();
      this.expectPunct(")");
      return { type: "call", name: `fn:${name}`, args };
    }
    return { type: "symbol", name };
  }

  private readSubscriptName(): string {
    const source = this.scanner.source;
    if (source[this.scanner.position] === "{") {
      this.scanner.position++;
      return this.readBracedRawAfterOpen().replace(/\\(?:text|mathrm|rm)\s*\{([^{}]*)\}/g, "$1").replace(/[\s\\{}]/g, "");
    }
    if (source[this.scanner.position] === "\\") {
      const match = /^\\[A-Za-z]+/.exec(source.slice(this.scanner.position));
      if (match) {
        this.scanner.position += match[0].length;
        return match[0].slice(1);
      }
    }
    const char = source[this.scanner.position];
    if (char === undefined || !/[A-Za-z0-9]/.test(char)) throw new ParseError("empty subscript");
    this.scanner.position++;
    return char;
  }

  private parseBaseNumber(digits: string): Node {
    this.scanner.position++; // "_"
    const subscript = this.readSubscriptName().replace(/^text/, "");
    const base = /^\d+$/.test(subscript) ? Number(subscript) : BASE_WORDS[subscript.toLowerCase()];
    if (base === undefined || base < 2 || base > 36) throw new ParseError(`unknown base '${subscript}'`);
    if (!/^[0-9]+(?:\.[0-9]+)?$/.test(digits)) throw new ParseError(`'${digits}' is not a base-${base} numeral`);
    // 0.0011_2 = 3/16: all digits as one integer, over base^(digits after the point).
    let value = 0n;
    for (const digit of digits.replace(".", "")) {
      const digitValue = BigInt(parseInt(digit, 36));
      if (digitValue >= BigInt(base)) throw new ParseError(`digit ${digit} is not valid in base ${base}`);
      value = value * BigInt(base) + digitValue;
    }
    const fractionDigits = digits.includes(".") ? digits.length - digits.indexOf(".") - 1 : 0;
    const canonical = digits.includes(".") ? digits.replace(/^0+(?=\d)/, "") : digits.replace(/^0+(?=.)/, "");
    return { type: "base", digits: canonical, base, value: rational(value, BigInt(base) ** BigInt(fractionDigits)) };
  }

  private parseCommand(name: string): Node {
    if (name === "frac") {
      const numerator = this.parseTexArgument();
      const denominator = this.parseTexArgument();
      return { type: "divide", numerator, denominator };
    }
    if (name === "binom") {
      const n = this.parseTexArgument();
      const k = this.parseTexArgument();
      return { type: "call", name: "binom", args: [n, k] };
    }
    if (name === "sqrt") {
      if (this.scanner.peekChar() === "[") {
        this.scanner.skipSpace();
        this.scanner.next();
        const degree = this.parseUnion();
        this.expectPunct("]");
        return { type: "call", name: "root", args: [this.parseTexArgument(), degree] };
      }
      return { type: "call", name: "sqrt", args: [this.parseTexArgument()] };
    }
    if (name === "pi") return { type: "symbol", name: "pi" };
    if (name === "infty") return { type: "infinity" };
    if (name === "emptyset" || name === "varnothing") return { type: "set", items: [] };
    if (name === "prime") return { type: "symbol", name: "'" };
    // `1 + 2 + \cdots + 10`: an elided pattern, a symbol with no value (so `… = 55` still states 55).
    if (name === "ldots") return { type: "symbol", name: ELLIPSIS };
    if (FUNCTIONS.has(name)) return this.parseFunction(name);
    if (name === "operatorname") {
      const operator = this.readBracedRaw().trim();
      if (FUNCTIONS.has(operator)) return this.parseFunction(operator);
      throw new ParseError(`unknown operator '${operator}'`, true);
    }
    if (GREEK.has(name)) return this.parseSymbolRest(name);
    if (ACCENTS.has(name)) {
      const arg = unwrap(this.parseTexArgument());
      if (arg.type !== "symbol") throw new ParseError(`\\${name} over something that is not a symbol`);
      return this.parseSymbolRest(`${name}(${arg.name})`);
    }
    if (name === "{") return { type: "set", items: this.parseDelimited(() => this.expectCommand("}")) };
    if (name === "langle") return { type: "tuple", items: this.parseDelimited(() => this.expectCommand("rangle")), open: "(", close: ")" };
    if (name === "lfloor" || name === "lceil") {
      const body = this.parseUnion();
      this.expectCommand(name === "lfloor" ? "rfloor" : "rceil");
      return { type: "call", name: name === "lfloor" ? "floor" : "ceil", args: [body] };
    }
    if (name === "lvert") {
      const body = this.parseUnion();
      this.expectCommand("rvert");
      return { type: "call", name: "abs", args: [body] };
    }
    if (name === "text") {
      const content = this.readBracedRaw().trim();
      const choice = readChoice(content);
      if (choice) return { type: "choice", letter: choice };
      return { type: "text", value: content.toLowerCase() };
    }
    if (name === "begin") return this.parseEnvironment(this.readBracedRaw().trim());
    throw new ParseError(`unknown command \\${name}`, true);
  }

  private parseFunction(name: string): Node {
    let exponent: Node | undefined;
    let base: Node | undefined;
    for (;;) {
      const token = this.scanner.peek();
      if (isPunct(token, "^") && exponent === undefined) {
        this.scanner.next();
        exponent = this.parseScriptArgument();
      } else if (isPunct(token, "_") && base === undefined && (name === "log" || name === "lg")) {
        this.scanner.next();
        base = this.parseScriptArgument();
      } else {
        break;
      }
    }
    let functionName = name === "lg" ? "log" : name;
    const inverse = exponent && isMinusOne(exponent) ? INVERSE[functionName] : undefined;
    if (inverse) {
      functionName = inverse;
      exponent = undefined;
    }
    const argument = this.parseFunctionArgument();
    const args = functionName === "log" ? [argument, base ?? numberNode(rational(10n), "10")] : [argument];
    const call: Node = { type: "call", name: functionName, args };
    return exponent ? { type: "power", base: call, exponent } : call;
  }

  /** `\sin(x)`, `\sin{x}`, `\sin x`, `\sin 2x` (a run of implicit factors, stopping at the next function). */
  private parseFunctionArgument(): Node {
    const token = this.scanner.peek();
    if (isPunct(token, "(") || isPunct(token, "{")) return this.parsePostfix(this.parseAtom());
    const factors = [this.parsePower()];
    for (;;) {
      const next = this.scanner.peek();
      const isFunction = (next.kind === "command" || next.kind === "word") && FUNCTIONS.has(next.name);
      if (isFunction || !this.startsImplicitFactor(next) || isPunct(next, "(") || isPunct(next, "[")) break;
      factors.push(this.parsePower());
    }
    return factors.length === 1 ? factors[0]! : { type: "multiply", factors };
  }

  private parsePunctAtom(value: string): Node {
    if (value === "(" || value === "[") {
      const items = this.parseItems();
      const close = this.scanner.next();
      if (!(close.kind === "punct" && (close.value === ")" || close.value === "]"))) {
        throw new ParseError(`'${value}' closed by ${describe(close)}`);
      }
      if (items.length === 1 && (value === "(" ? close.value === ")" : close.value === "]")) {
        const item = items[0]!;
        // `[a, b]` with one item is a bracket used as a parenthesis; `[x]` likewise.
        return { type: "group", body: item };
      }
      return { type: "tuple", items, open: value, close: close.value as ")" | "]" };
    }
    if (value === "{") {
      const items = this.parseItems();
      this.expectPunct("}");
      return items.length === 1 ? { type: "group", body: items[0]! } : { type: "set", items };
    }
    if (value === "|") {
      this.absDepth++;
      try {
        const body = this.parseUnion();
        this.expectPunct("|");
        return { type: "call", name: "abs", args: [body] };
      } finally {
        this.absDepth--;
      }
    }
    throw new ParseError(`unexpected '${value}'`);
  }

  private parseDelimited(close: () => void): Node[] {
    const token = this.scanner.peek();
    if (token.kind === "command" && (token.name === "}" || token.name === "rangle")) {
      close();
      return [];
    }
    const items = this.parseItems();
    close();
    return items;
  }

  private parseEnvironment(name: string): Node {
    if (!MATRIX_ENVIRONMENTS.has(name)) throw new ParseError(`unsupported environment '${name}'`, true);
    if (name === "array" && this.scanner.peekChar() === "{") this.readBracedRaw(); // column spec
    const rows: Node[][] = [];
    let row: Node[] = [];
    for (;;) {
      row.push(this.parseUnion());
      const token = this.scanner.next();
      if (isPunct(token, "&")) continue;
      if (isCommand(token, "\\")) {
        rows.push(row);
        row = [];
        if (isCommand(this.scanner.peek(), "end")) {
          this.scanner.next();
          this.readBracedRaw();
          break;
        }
        continue;
      }
      if (isCommand(token, "end")) {
        this.readBracedRaw();
        rows.push(row);
        break;
      }
      throw new ParseError(`unexpected ${describe(token)} in a matrix`);
    }
    const width = rows[0]?.length ?? 0;
    if (width === 0 || rows.some((cells) => cells.length !== width)) throw new ParseError("ragged matrix");
    // `\begin{vmatrix}` is a determinant (a number), `\begin{Vmatrix}` a norm: neither is the matrix.
    if (name === "vmatrix") return determinant(rows);
    if (name === "Vmatrix") throw new ParseError("a matrix norm (Vmatrix) is not supported", true);
    return { type: "matrix", rows };
  }

  /** `{...}` (a whole group), or TeX's single token: one digit, one letter, or one command. */
  private parseTexArgument(): Node {
    this.scanner.skipSpace();
    const source = this.scanner.source;
    const char = source[this.scanner.position];
    if (char === "{") {
      this.scanner.next();
      const items = this.parseItems();
      this.expectPunct("}");
      return { type: "group", body: items.length === 1 ? items[0]! : { type: "list", items } };
    }
    if (char !== undefined && /[0-9]/.test(char)) {
      this.scanner.position++;
      return numberNode(rational(BigInt(char)), char);
    }
    if (char !== undefined && /[A-Za-z]/.test(char)) {
      this.scanner.position++;
      return { type: "symbol", name: char };
    }
    if (char === "\\") return this.parseAtom();
    if (char === "(") return this.parseAtom(); // \sqrt(2): not TeX, but models write it
    throw new ParseError("missing argument");
  }

  /** After `^` or `_`: a braced group, a whole number, a signed atom, or one letter. */
  private parseScriptArgument(): Node {
    this.scanner.skipSpace();
    const source = this.scanner.source;
    const char = source[this.scanner.position];
    if (char === "{") return this.parseTexArgument();
    if (char !== undefined && /[A-Za-z]/.test(char)) {
      this.scanner.position++;
      return { type: "symbol", name: char };
    }
    const token = this.scanner.peek();
    if (isPunct(token, "-")) {
      this.scanner.next();
      return { type: "negate", arg: this.parseScriptArgument() };
    }
    if (isPunct(token, "+")) {
      this.scanner.next();
      return this.parseScriptArgument();
    }
    return this.parsePostfix(this.parseAtom());
  }

  private readBracedRaw(): string {
    this.scanner.skipSpace();
    if (this.scanner.source[this.scanner.position] !== "{") throw new ParseError("expected '{'");
    this.scanner.position++;
    return this.readBracedRawAfterOpen();
  }

  private readBracedRawAfterOpen(): string {
    const source = this.scanner.source;
    const start = this.scanner.position;
    let depth = 1;
    for (let index = start; index < source.length; index++) {
      const char = source[index];
      if (char === "\\") index++;
      else if (char === "{") depth++;
      else if (char === "}" && --depth === 0) {
        this.scanner.position = index + 1;
        return source.slice(start, index);
      }
    }
    throw new ParseError("unbalanced braces");
  }

  private expectPunct(value: string): void {
    const token = this.scanner.next();
    if (!isPunct(token, value)) throw new ParseError(`expected '${value}', found ${describe(token)}`);
  }

  private expectCommand(name: string): void {
    const token = this.scanner.next();
    if (!isCommand(token, name)) throw new ParseError(`expected '\\${name}', found ${describe(token)}`);
  }
}

/** Arithmetic on a tuple, set or interval (`t(0,4]`, `2 + (1, 2)`) is not an answer anyone means. */
function assertScalar(node: Node): void {
  const bare = unwrap(node);
  if (bare.type === "tuple" || bare.type === "set" || bare.type === "matrix" || bare.type === "list" || bare.type === "text") {
    throw new ParseError(`arithmetic on a ${bare.type}`);
  }
}

function isPunct(token: Token, value: string): boolean {
  return token.kind === "punct" && token.value === value;
}

function isCommand(token: Token, name: string): token is { kind: "command"; name: string } {
  return token.kind === "command" && token.name === name;
}

function isSeparator(token: Token): boolean {
  return (
    (token.kind === "punct" && (token.value === "," || token.value === ";")) ||
    (token.kind === "word" && (token.name === "or" || token.name === "and"))
  );
}

function relationOperator(token: Token): RelationOperator | undefined {
  if (token.kind === "punct") return RELATION_PUNCT[token.value];
  if (token.kind === "command") return RELATION_COMMANDS[token.name];
  return undefined;
}

/** Largest `vmatrix` expanded into its determinant (Laplace expansion: n! terms). */
const MAX_DETERMINANT_SIZE = 4;

/** The determinant of a square matrix of expressions, by cofactor expansion along the first row. */
function determinant(rows: Node[][]): Node {
  const size = rows.length;
  if (rows.some((row) => row.length !== size)) throw new ParseError("a determinant of a non-square matrix");
  if (size > MAX_DETERMINANT_SIZE) throw new ParseError(`a determinant larger than ${MAX_DETERMINANT_SIZE}x${MAX_DETERMINANT_SIZE} is not supported`, true);
  if (size === 1) return rows[0]![0]!;
  const terms = rows[0]!.map((entry, column): Node => {
    const minor = rows.slice(1).map((row) => row.filter((_, index) => index !== column));
    const product: Node = { type: "multiply", factors: [{ type: "group", body: entry }, { type: "group", body: determinant(minor) }] };
    return column % 2 === 0 ? product : { type: "negate", arg: product };
  });
  return { type: "group", body: { type: "add", terms } };
}

function isIntegerLiteral(node: Node): boolean {
  return node.type === "number" && !node.decimal && !node.grouped && node.value.den === 1n;
}

function isLiteralFraction(node: Node): boolean {
  return node.type === "divide" && isIntegerLiteral(unwrap(node.numerator)) && isIntegerLiteral(unwrap(node.denominator));
}

function isMinusOne(node: Node): boolean {
  const bare = unwrap(node);
  if (bare.type !== "negate") return false;
  const arg = unwrap(bare.arg);
  return arg.type === "number" && arg.value.num === 1n && arg.value.den === 1n;
}

function describe(token: Token): string {
  switch (token.kind) {
    case "number":
      return `number ${token.text}`;
    case "word":
      return `'${token.name}'`;
    case "command":
      return `'\\${token.name}'`;
    case "punct":
      return `'${token.value}'`;
    case "end":
      return "end of answer";
  }
}
