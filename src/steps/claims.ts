/**
 * Where a step states something checkable: the equations (and approximations, inequalities) of a piece of
 * model output, each with its exact offsets and the expression the grader's parser reads.
 *
 * - In math (`$…$`, `\(…\)`, `$$…$$`, `\[…\]`, align blocks): each row (`\\`) is split further at
 *   `\quad`, `\implies`, `\Rightarrow`, `;`, `, ` and connective words in `\text{}` (`and`, `so`, …);
 *   other `\text{}` (units), `&`, `\left`/`\right`, spacing commands and `\boxed{}` wrappers are blanked.
 * - In prose: maximal runs of numbers, operators (`+ - * / ^`, `× · ÷ −`, `\times \cdot \div \frac`), `%`
 *   (and `% of`, read as a product), parentheses, relations (`= ≈ ≠ < > ≤ ≥`) and variables. A single
 *   letter is a variable when it touches a number (`3x`) or stands next to an operator or relation
 *   (`x = 12`, `a + b`); `x` between two numbers is a times sign (`4 x 6`). Words, `:`, `,` and `.` (outside
 *   numbers) end a run. A run is a claim candidate when it holds a relation.
 * GSM8K calculator annotations `<<…>>` are read as blanks: `4*6=<<4*6=24>>25` claims 4*6 = 25.
 */
import { closingBrace, findMathSpans, type MathSpan } from "./mathSpans.ts";

export interface ClaimSource {
  /** Offsets into the whole text. */
  start: number;
  end: number;
  /** The claim as written. */
  text: string;
  /** What `parseAnswer` (src/grade) is given. */
  expression: string;
  origin: "math" | "text";
  /** A relation with nothing after it (`12 + 7 =`), often an output cut off. */
  incomplete: boolean;
  /** Why the claim is broken and not to be read (two numbers with no operator between: `15 3 = 5`). */
  malformed?: string;
}

const ADJACENT_NUMBERS = /\d[ \t]+\d/;

const SEPARATOR = "\u0001";
const OPAQUE = "\u0000";
const CONNECTIVES = new Set(["and", "so", "then", "thus", "hence", "or", "therefore", "which", "where", "since", "because", "i.e.", "if", "but", "gives", "means", "we get", "so that"]);
const RELATION_IN_MATH = /(?<![<>!\\])=|\\approx|\\neq?\b|\\leq?\b|\\geq?\b|\\[lg]eqslant|[<>≈≠≤≥]/;

/** Overwrites `text[from, to)` in `chars` with `fill`. */
function fill(chars: string[], from: number, to: number, fillWith: string): void {
  for (let index = from; index < to; index++) chars[index] = fillWith;
}

/** The math content of a span, cleaned in place (same length, so offsets stay true). */
function cleanMath(text: string, from: number, to: number): string {
  const chars = text.slice(0, to).split(""); // UTF-16 units, as offsets count them
  let depth = 0;
  for (let position = from; position < to; position++) {
    const rest = text.slice(position, Math.min(to, position + 20));
    const command = /^\\(?:text|mathrm|textbf|textit|mbox|operatorname)\s*\{/.exec(rest);
    if (command) {
      const close = closingBrace(text, position + command[0].length);
      if (close !== -1 && close < to) {
        const word = text.slice(position + command[0].length, close).trim().toLowerCase().replace(/,$/, "");
        fill(chars, position, close + 1, CONNECTIVES.has(word) ? SEPARATOR : " ");
        position = close;
        continue;
      }
    }
    const boxed = /^\\(?:boxed|fbox)\s*\{/.exec(rest);
    if (boxed) {
      const close = closingBrace(text, position + boxed[0].length);
      if (close !== -1 && close < to) {
        fill(chars, position, position + boxed[0].length, " ");
        chars[close] = " ";
        position += boxed[0].length - 1;
        continue;
      }
    }
    const separator = /^(?:\\\\(?:\[[^\]]*\])?|\\q?quad\b|\\(?:implies|Rightarrow|rightarrow|Longrightarrow|longrightarrow|iff|Leftrightarrow|therefore|to)\b)/.exec(rest);
    if (separator) {
      // An align row that opens with a relation (`&= 12`) continues the chain of the row before it.
      const continues = separator[0].startsWith("\\\\") && /^\s*&?\s*(?:=|\\approx\b|\\[lg]eq?\b|[<>])/.test(text.slice(position + separator[0].length, to));
      fill(chars, position, position + separator[0].length, continues ? " " : SEPARATOR);
      position += separator[0].length - 1;
      continue;
    }
    const blank = /^(?:\\left\.?|\\right\.?|\\[,;:! ]|\\\$|\\displaystyle\b|\\mathbf\b|&)/.exec(rest);
    if (blank) {
      fill(chars, position, position + blank[0].length, " ");
      position += blank[0].length - 1;
      continue;
    }
    const char = text[position] as string;
    if (char === "\\") {
      position++; // keep any other command (and an escaped character) as it is
      continue;
    }
    if (char === "{" || char === "(" || char === "[") depth++;
    else if (char === "}" || char === ")" || char === "]") depth = Math.max(0, depth - 1);
    else if (char === ";" || (char === "," && depth === 0 && /\s/.test(text.charAt(position + 1)))) chars[position] = SEPARATOR;
  }
  return chars.slice(from, to).join("");
}

/** Trims a piece to what can be a claim: no spaces, trailing punctuation or leading relation. */
function trimPiece(cleaned: string, start: number): { start: number; end: number } | undefined {
  let from = 0;
  let to = cleaned.length;
  const skip = /[\s]/;
  for (;;) {
    while (from < to && skip.test(cleaned[from] as string)) from++;
    while (to > from && (skip.test(cleaned[to - 1] as string) || /[.,;:]/.test(cleaned[to - 1] as string))) to--;
    const leading = /^(?:=|\\approx\b|≈)/.exec(cleaned.slice(from, to)); // `\text{Total} = 12 + 7 = 19`
    if (!leading) break;
    from += leading[0].length;
  }
  return to > from ? { start: start + from, end: start + to } : undefined;
}

function mathSources(text: string, span: MathSpan): ClaimSource[] {
  const cleaned = cleanMath(text, span.contentStart, span.contentEnd);
  const sources: ClaimSource[] = [];
  let pieceStart = 0;
  for (let index = 0; index <= cleaned.length; index++) {
    if (index < cleaned.length && cleaned[index] !== SEPARATOR) continue;
    const piece = cleaned.slice(pieceStart, index);
    const trimmed = trimPiece(piece, span.contentStart + pieceStart);
    pieceStart = index + 1;
    if (!trimmed) continue;
    const expression = cleaned.slice(trimmed.start - span.contentStart, trimmed.end - span.contentStart).replace(/\s+/g, " ");
    if (!RELATION_IN_MATH.test(expression)) continue;
    sources.push({
      start: trimmed.start, end: trimmed.end, text: text.slice(trimmed.start, trimmed.end), expression, origin: "math",
      incomplete: /(?:=|\\approx|\\neq?|\\[lg]eq?|[<>≈≠≤≥])\s*$/.test(expression),
      ...(ADJACENT_NUMBERS.test(expression) ? { malformed: "two numbers with no operator between" } : {}),
    });
  }
  return sources;
}

type TokenType = "number" | "variable" | "op" | "relation" | "open" | "close" | "percent";

interface Token {
  type: TokenType;
  start: number;
  end: number;
  /** How the grader's parser is given it. */
  emit: string;
}

const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]\d)|\d+(?:\.\d+)?/y;
const IGNORED = /[ \t]+|\$|\*\*|\\[,;! ]/y;
const SYMBOL_OPS: Readonly<Record<string, string>> = {
  "+": "+", "-": "-", "\u2212": "-", "\u2013": "-", "*": "\\times", "\u00d7": "\\times", "\u00b7": "\\cdot", "\u22c5": "\\cdot",
  "/": "/", "\u00f7": "\\div", "\u2215": "/", "^": "^",
};
const RELATIONS: Readonly<Record<string, string>> = { "=": "=", "\u2248": "\\approx", "\u2260": "\\neq", "<": "<", ">": ">", "\u2264": "\\le", "\u2265": "\\ge" };
const LATEX_TOKENS: readonly (readonly [RegExp, TokenType, string])[] = [
  [/\\(?:times|cdot)(?![A-Za-z])/y, "op", "\\times"],
  [/\\div(?![A-Za-z])/y, "op", "\\div"],
  [/\\d?frac(?![A-Za-z])/y, "op", "\\frac"],
  [/\\sqrt(?![A-Za-z])/y, "op", "\\sqrt"],
  [/\\approx(?![A-Za-z])/y, "relation", "\\approx"],
  [/\\neq?(?![A-Za-z])/y, "relation", "\\neq"],
  [/\\leq?(?![A-Za-z])/y, "relation", "\\le"],
  [/\\geq?(?![A-Za-z])/y, "relation", "\\ge"],
  [/\\%/y, "percent", "\\%"],
];

/** What follows `position` on the same line, spaces skipped. */
function nextVisible(text: string, position: number): string {
  return /^[ \t]*(.?)/.exec(text.slice(position, position + 40))?.[1] ?? "";
}

/** A lone letter (not part of a word), with an optional subscript: `x`, `x_1`, `x_{12}`. */
const LETTER = /[A-Za-z](?:_\{[A-Za-z0-9]+\}|_[A-Za-z0-9])?(?![A-Za-z])/y;

function textRuns(plain: string, from: number, to: number): Token[][] {
  const runs: Token[][] = [];
  let run: Token[] = [];
  const flush = (): void => {
    if (run.length > 0) runs.push(run);
    run = [];
  };
  let position = from;
  while (position < to) {
    const char = plain[position] as string;
    IGNORED.lastIndex = position;
    const ignored = IGNORED.exec(plain);
    if (ignored) {
      position += ignored[0].length;
      continue;
    }
    const previous = run[run.length - 1];
    NUMBER.lastIndex = position;
    const afterLetter = /[A-Za-z]/.test(plain.charAt(position - 1)) && !(previous?.type === "op" && previous.end === position); // `a2` is a name, `3x6` a product
    const number = /\d/.test(char) && !afterLetter ? NUMBER.exec(plain) : null;
    if (number) {
      run.push({ type: "number", start: position, end: position + number[0].length, emit: number[0] });
      position += number[0].length;
      continue;
    }
    const latex = LATEX_TOKENS.find(([pattern]) => {
      pattern.lastIndex = position;
      return pattern.test(plain);
    });
    if (latex) {
      const [pattern, type, emit] = latex;
      pattern.lastIndex = position;
      const length = (pattern.exec(plain) as RegExpExecArray)[0].length;
      run.push({ type, start: position, end: position + length, emit });
      position += length;
      continue;
    }
    if (char === "%") {
      run.push({ type: "percent", start: position, end: position + 1, emit: "\\%" });
      position++;
      const of = /^[ \t]+of[ \t]+(?=[\d($\\])/.exec(plain.slice(position, position + 12));
      if (of) {
        run.push({ type: "op", start: position, end: position + of[0].length, emit: "\\cdot" });
        position += of[0].length;
      }
      continue;
    }
    const op = SYMBOL_OPS[char];
    const relation = RELATIONS[char];
    if (op || relation) {
      run.push({ type: op ? "op" : "relation", start: position, end: position + 1, emit: (op ?? relation) as string });
      position++;
      continue;
    }
    if ("({[".includes(char) || ")}]".includes(char)) {
      run.push({ type: "({[".includes(char) ? "open" : "close", start: position, end: position + 1, emit: char === "[" ? "(" : char === "]" ? ")" : char });
      position++;
      continue;
    }
    LETTER.lastIndex = position;
    const letter = /[A-Za-z]/.test(char) && !/[A-Za-z\\]/.test(plain.charAt(position - 1)) ? LETTER.exec(plain) : null;
    if (letter) {
      const end = position + letter[0].length;
      const after = nextVisible(plain, end);
      const attached = previous !== undefined && previous.end === position && (previous.type === "number" || previous.type === "close");
      if ((char === "x" || char === "X") && previous && (previous.type === "number" || previous.type === "close") && /[\d(]/.test(after) && letter[0].length === 1) {
        run.push({ type: "op", start: position, end, emit: "\\times" }); // `4 x 6`
        position = end;
        continue;
      }
      const besideOperator = /[=+\-*/^×÷·≈<>≠≤≥)]/.test(after) || (previous !== undefined && (previous.type === "op" || previous.type === "relation" || previous.type === "open"));
      if (attached || besideOperator) {
        run.push({ type: "variable", start: position, end, emit: letter[0] });
        position = end;
        continue;
      }
    }
    flush();
    position++;
  }
  flush();
  return runs;
}

/** Drops what cannot open or close a claim: a prose dash, a leading relation, a trailing operator. */
function trimRun(run: Token[]): { tokens: Token[]; incomplete: boolean } {
  let first = 0;
  let last = run.length;
  while (first < last) {
    const token = run[first] as Token;
    const next = run[first + 1];
    const signedNumber = token.emit === "-" && next?.type === "number" && next.start === token.end;
    if (token.type === "relation" || token.type === "close" || (token.type === "op" && !signedNumber && token.emit !== "\\frac" && token.emit !== "\\sqrt")) first++;
    else break;
  }
  while (last > first && (run[last - 1]?.type === "op" || run[last - 1]?.type === "open")) last--;
  let incomplete = false;
  while (last > first && run[last - 1]?.type === "relation") {
    incomplete = true;
    last--;
  }
  return { tokens: run.slice(first, last), incomplete };
}

/** The text with math, annotations and box wrappers taken out of the way of prose runs (same length). */
function plainText(text: string, spans: readonly MathSpan[]): string {
  const chars = text.split("");
  for (const span of spans) {
    if (span.kind === "annotation") {
      fill(chars, span.start, span.end, " "); // `4*6=<<4*6=24>>24`: the claim is the text around the annotation
    } else if (span.kind === "boxed") {
      fill(chars, span.start, span.contentStart, " ");
      fill(chars, span.contentEnd, span.end, " ");
    } else {
      fill(chars, span.start, span.end, OPAQUE);
    }
  }
  return chars.join("");
}

/** Every claim candidate in `text[from, to)`, in text order. */
export function findClaimSources(text: string, from = 0, to = text.length, spans: readonly MathSpan[] = findMathSpans(text)): ClaimSource[] {
  const sources: ClaimSource[] = [];
  for (const span of spans) {
    if (span.start < from || span.end > to || (span.kind !== "inline" && span.kind !== "display")) continue;
    sources.push(...mathSources(text, span));
  }
  const plain = plainText(text, spans);
  for (const raw of textRuns(plain, from, to)) {
    const { tokens, incomplete } = trimRun(raw);
    if (!tokens.some((token) => token.type === "relation") && !incomplete) continue;
    if (tokens.length === 0) continue;
    const start = (tokens[0] as Token).start;
    // An incomplete claim shows its dangling relation; a claim ending inside `\boxed{56}` shows the brace.
    let end = incomplete ? (raw.filter((token) => token.type === "relation").at(-1) as Token).end : (tokens[tokens.length - 1] as Token).end;
    const box = spans.find((span) => span.kind === "boxed" && span.contentEnd >= end && span.contentStart <= end && text.slice(end, span.contentEnd).trim() === "");
    if (box) end = box.end;
    const expression = tokens.map((token) => token.emit).join(" ");
    const adjacent = tokens.some((token, index) => index > 0 && token.type === "number" && tokens[index - 1]?.type === "number");
    sources.push({
      start, end, text: text.slice(start, end), expression: incomplete ? `${expression} =` : expression, origin: "text", incomplete,
      ...(adjacent ? { malformed: "two numbers with no operator between" } : {}),
    });
  }
  return sources.sort((left, right) => left.start - right.start);
}
