/**
 * Tokens of a normalized answer (LaTeX or plain-text math). The scanner works on demand so the parser
 * can read TeX's one-character arguments (`\frac43` is 4/3, not \frac{43}) straight from the source.
 */
import { charge } from "./budget.ts";
import { parseDecimal, type Rational } from "./rational.ts";

export type Token =
  | { kind: "number"; text: string; value: Rational; decimal: boolean; grouped: boolean }
  /** One letter, or a plain-text function or constant name (`sqrt`, `sin`, `pi`, `inf`). */
  | { kind: "word"; name: string }
  /** `\frac` → "frac"; `\{` → "{"; `\\` → "\\". */
  | { kind: "command"; name: string }
  | { kind: "punct"; value: string }
  | { kind: "end" };

/** Plain-text words the scanner keeps whole (everything else is read letter by letter). */
const PLAIN_FUNCTIONS = ["arcsin", "arccos", "arctan", "sqrt", "sinh", "cosh", "tanh", "sin", "cos", "tan", "cot", "sec", "csc", "exp", "log", "ln"];
const PLAIN_CONSTANTS = new Set(["pi", "inf", "infty", "infinity", "oo"]);
const SEPARATOR_WORDS = new Set(["or", "and"]);

export class ParseError extends Error {
  /** The input used notation this parser does not model (rather than being malformed). */
  readonly unsupported: boolean;

  constructor(message: string, unsupported = false) {
    super(message);
    this.name = "ParseError";
    this.unsupported = unsupported;
  }
}

export interface ScannerOptions {
  /** Read `1,000` as one number (default). Off, it is the list `1, 000`. */
  digitGroups: boolean;
}

export class Scanner {
  readonly source: string;
  position = 0;
  private readonly options: ScannerOptions;
  private lookahead: { token: Token; end: number; start: number } | undefined;

  constructor(source: string, options: ScannerOptions) {
    this.source = source;
    this.options = options;
  }

  peek(): Token {
    if (!this.lookahead || this.lookahead.start !== this.position) {
      const start = this.position;
      const [token, end] = this.scan(start);
      this.lookahead = { token, end, start };
    }
    return this.lookahead.token;
  }

  next(): Token {
    const token = this.peek();
    this.position = this.lookahead!.end;
    this.lookahead = undefined;
    return token;
  }

  /** Whether whitespace separates the current position from the next token. */
  spaceAhead(): boolean {
    return /\s/.test(this.source[this.position] ?? "");
  }

  skipSpace(): void {
    while (/\s/.test(this.source[this.position] ?? "")) this.position++;
  }

  /** The next raw character after whitespace, without consuming it. */
  peekChar(): string {
    let index = this.position;
    while (/\s/.test(this.source[index] ?? "")) index++;
    return this.source[index] ?? "";
  }

  private scan(start: number): [Token, number] {
    charge(1, "parse tokens");
    const source = this.source;
    let index = start;
    while (index < source.length && /\s/.test(source[index]!)) index++;
    if (index >= source.length) return [{ kind: "end" }, index];
    const char = source[index]!;

    if (/[0-9.]/.test(char)) {
      const number = this.scanNumber(index);
      if (number) return number;
    }
    if (/[A-Za-z]/.test(char)) {
      let end = index;
      while (end < source.length && /[A-Za-z]/.test(source[end]!)) end++;
      const run = source.slice(index, end);
      const lower = run.toLowerCase();
      if (PLAIN_CONSTANTS.has(lower) || SEPARATOR_WORDS.has(lower)) return [{ kind: "word", name: lower }, end];
      for (const name of PLAIN_FUNCTIONS) {
        if (run.startsWith(name)) return [{ kind: "word", name }, index + name.length];
      }
      return [{ kind: "word", name: char }, index + 1];
    }
    if (char === "\\") {
      const rest = source.slice(index + 1);
      const letters = /^[A-Za-z]+/.exec(rest);
      if (letters) return [{ kind: "command", name: letters[0] }, index + 1 + letters[0].length];
      if (rest.length === 0) throw new ParseError("a lone backslash at the end");
      return [{ kind: "command", name: rest[0]! }, index + 2];
    }
    const two = source.slice(index, index + 2);
    if (two === "<=" || two === ">=") return [{ kind: "punct", value: two }, index + 2];
    if (two === "**") return [{ kind: "punct", value: "^" }, index + 2];
    if ("+-*/^_()[]{},;=<>!|&':".includes(char)) return [{ kind: "punct", value: char }, index + 1];
    throw new ParseError(`unexpected character '${char}'`);
  }

  private scanNumber(index: number): [Token, number] | undefined {
    const rest = this.source.slice(index, index + 400);
    if (this.options.digitGroups) {
      // 1,000 and 11,111,100: groups of exactly three digits after the first comma.
      const grouped = /^\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])/.exec(rest);
      if (grouped && !/^,\d/.test(rest.slice(grouped[0].length))) {
        const text = grouped[0];
        const value = parseDecimal(text.replaceAll(",", ""));
        if (value) return [{ kind: "number", text, value, decimal: text.includes("."), grouped: true }, index + text.length];
      }
    }
    // 12, 0.15, .35625, 4.5e33, 1e-5, 5. (trailing point). A bare "." is not a number.
    const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+(?![A-Za-z]))?/.exec(rest);
    if (!match) return undefined;
    let text = match[0];
    // "5." followed by a digit-less tail is the number 5; keep the point out of the text.
    if (text.endsWith(".")) text = text.slice(0, -1);
    const value = parseDecimal(text);
    if (!value) throw new ParseError(`number out of range: ${text.slice(0, 30)}`);
    const decimal = /[.eE]/.test(text);
    return [{ kind: "number", text, value, decimal, grouped: false }, index + match[0].length];
  }
}
