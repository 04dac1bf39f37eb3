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
  /** Followed by "remainder" (`410 ÷ 333 = 1 with a remainder of 77`): the result is a quotient. */
  remainder?: boolean;
  /** Followed by "which is false", "a contradiction", …: a hypothesis being tested, not a claim. */
  hypothetical?: boolean;
}

/** "remainder" later in the same sentence (`\\(49 \\div 9 = 5\\) complete cycles and a remainder of 4`), or `R 7`. */
const REMAINDER_AFTER = /^(?:[^.!?\n]{0,60}\b(?:remainder|quotient)\b|\s*(?:\\[)\]])?\s*R\s*\d)/i;
/**
 * The same paragraph goes on to call something false (`2 + 1 = 1 (False)`, `… = 61. This does not work.`):
 * a candidate being tested. Marking too much here only loses a check; it never makes a false refutation.
 */
const HYPOTHETICAL_AFTER = /\b(?:false|not true|contradiction|contradicts|impossible|does(?: not|n't) (?:work|hold|satisfy)|not (?:satisfy|valid|possible|a solution)|extraneous|invalid|fails)\b/i;
/** Operators the parser does not know (a problem's own `∘`, `⊕`, modular arithmetic): never evaluated. */
const CUSTOM_OPERATOR = /\\(?:circ|star|ast|oplus|otimes|odot|ominus|diamond|bullet|triangle|dagger|boxplus|boxtimes|wedge|vee|equiv|pmod|bmod|mod|cup|cap|setminus|mid|nmid|mapsto|heartsuit|spadesuit|clubsuit|diamondsuit)(?![A-Za-z])/;

function followUps(text: string, end: number): Pick<ClaimSource, "remainder" | "hypothetical"> {
  const after = text.slice(end, end + 160);
  const paragraphEnd = /\n[ \t]*\n/.exec(after)?.index ?? after.length;
  return {
    ...(REMAINDER_AFTER.test(after.slice(0, 80)) ? { remainder: true } : {}),
    ...(HYPOTHETICAL_AFTER.test(after.slice(0, paragraphEnd)) ? { hypothetical: true } : {}),
  };
}

const ADJACENT_NUMBERS = /\d[ \t]+\d/;

const SEPARATOR = "\u0001";
const OPAQUE = "\u0000";
/** Where a `\text{}` label or unit was blanked (read as a space, but remembered). */
const TEXT_BLANK = "\u0002";
/** Where `\left`/`\right` was blanked: a space to the parser, but not trimmed off a claim's start. */
const DELIMITER_BLANK = "\u0003";
const CONNECTIVES = new Set(["and", "so", "then", "thus", "hence", "or", "therefore", "which", "where", "since", "because", "i.e.", "if", "but", "gives", "means", "we get", "so that"]);
const RELATION_IN_MATH = /(?<![<>!\\])=|\\approx|\\neq?\b|\\leq?\b|\\geq?\b|\\[lg]eqslant|[<>≈≠≤≥]/;

/** Overwrites `text[from, to)` in `chars` with `fill`. */
function fill(chars: string[], from: number, to: number, fillWith: string): void {
  for (let index = from; index < to; index++) chars[index] = fillWith;
}

interface UnitWord {
  start: number;
  word: string;
}

/** The math content of a span, cleaned in place (same length, so offsets stay true), and its unit words. */
function cleanMath(text: string, from: number, to: number): { cleaned: string; units: UnitWord[]; labels: number[] } {
  const chars = text.slice(0, to).split(""); // UTF-16 units, as offsets count them
  const units: UnitWord[] = [];
  const labels: number[] = [];
  let depth = 0;
  for (let position = from; position < to; position++) {
    const rest = text.slice(position, Math.min(to, position + 20));
    const degrees = /^\^\s*(?:\{\s*\\circ\s*\}|\\circ(?![A-Za-z]))/.exec(rest);
    if (degrees) {
      fill(chars, position, position + degrees[0].length, TEXT_BLANK);
      units.push({ start: position, word: "°" });
      position += degrees[0].length - 1;
      continue;
    }
    const command = /^\\(?:text|mathrm|textbf|textit|mbox|operatorname)\s*\{/.exec(rest);
    if (command) {
      const close = closingBrace(text, position + command[0].length);
      if (close !== -1 && close < to) {
        const word = text.slice(position + command[0].length, close).trim().toLowerCase().replace(/,$/, "");
        const connective = CONNECTIVES.has(word) || /\bremainder\b/.test(word);
        fill(chars, position, close + 1, connective ? SEPARATOR : TEXT_BLANK);
        let end = close + 1;
        const exponent = /^\^(?:\{[^{}]*\}|\d)/.exec(text.slice(end, to)); // `\text{cm}^3`: the power is the unit's
        if (!connective && exponent) {
          fill(chars, end, end + exponent[0].length, TEXT_BLANK);
          end += exponent[0].length;
        }
        // Words before a number label what follows (`\text{Units digit of } 7`); words after one are its unit.
        const labelling = /^\s*[\d(\\]/.test(text.slice(end, to));
        if (!connective && /\p{L}/u.test(word)) {
          if (labelling) labels.push(position);
          else units.push({ start: position, word: word + (exponent?.[0] ?? "") });
        }
        position = end - 1;
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
      // `\left(` stays part of the claim's text (a claim may open with it); the others are mere spacing.
      fill(chars, position, position + blank[0].length, blank[0].startsWith("\\left") ? DELIMITER_BLANK : " ");
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
  return { cleaned: chars.slice(from, to).join(""), units, labels };
}

/** Trims a piece to what can be a claim: no spaces, trailing punctuation or leading relation. */
function trimPiece(cleaned: string, start: number): { start: number; end: number } | undefined {
  let from = 0;
  let to = cleaned.length;
  const skip = { test: (char: string): boolean => char === TEXT_BLANK || /\s/.test(char) };
  for (;;) {
    while (from < to && skip.test(cleaned[from] as string)) from++;
    while (to > from && (skip.test(cleaned[to - 1] as string) || /[.,;:]/.test(cleaned[to - 1] as string))) to--;
    const leading = /^(?:=|\\approx\b|≈)/.exec(cleaned.slice(from, to)); // `\text{Total} = 12 + 7 = 19`
    if (!leading) break;
    from += leading[0].length;
  }
  return to > from ? { start: start + from, end: start + to } : undefined;
}

const MATH_RELATION_GLOBAL = new RegExp(RELATION_IN_MATH.source, "g");
const LEADING_OPERATOR = /^(?:[+*/×·÷^]|\\(?:times|cdot|div)(?![A-Za-z])|-\s)/;
const BARE_NUMBER = /^\s*-?\d[\d,]*(?:\.\d+)?\s*$/;

/**
 * Whether the first side of a chain is only the tail of a phrase: it opens with an operator (`\text{Naomi's
 * points} + 17 = 68 + 17`, `Value * 1.5 = …`: the left operand was words), or it is a bare number right
 * after words in a chain of three or more sides (`one-third of 27 = 27 ÷ 3 = 9`).
 */
function partialFirstSide(firstSide: string, afterWords: boolean, relations: number): boolean {
  return LEADING_OPERATOR.test(firstSide.trimStart()) || (afterWords && relations >= 2 && BARE_NUMBER.test(firstSide));
}

/**
 * Units that change between sides (`6 \text{ inches} = \frac{6}{12} \text{ feet}`, `2 \text{ dozen} = 24`):
 * a conversion, not an equation of numbers. A unit on the last side alone (`4 \times 20 = 80 \text{ cm}^2`)
 * or the same unit throughout is fine.
 */
function mixedUnits(body: string, bodyStart: number, units: readonly UnitWord[]): boolean {
  if (units.length === 0) return false;
  const relationStarts = [...body.matchAll(MATH_RELATION_GLOBAL)].map((match) => bodyStart + (match.index ?? 0));
  const sideOf = (offset: number): number => relationStarts.filter((start) => start < offset).length;
  const bySide = new Map<number, Set<string>>();
  for (const unit of units) {
    const side = sideOf(unit.start);
    bySide.set(side, (bySide.get(side) ?? new Set()).add(unit.word.replace(/s$/, "")));
  }
  const last = bySide.get(relationStarts.length) ?? new Set<string>();
  return [...bySide].some(([side, words]) => side !== relationStarts.length && (words.size !== last.size || [...words].some((word) => !last.has(word))));
}

function mathSources(text: string, span: MathSpan): ClaimSource[] {
  const { cleaned, units, labels } = cleanMath(text, span.contentStart, span.contentEnd);
  const spanFollowUps = followUps(text, span.end);
  const sources: ClaimSource[] = [];
  let pieceStart = 0;
  for (let index = 0; index <= cleaned.length; index++) {
    if (index < cleaned.length && cleaned[index] !== SEPARATOR) continue;
    const pieceFrom = span.contentStart + pieceStart;
    let trimmed = trimPiece(cleaned.slice(pieceStart, index), pieceFrom);
    pieceStart = index + 1;
    if (!trimmed) continue;
    const local = (offset: number): number => offset - span.contentStart;
    let body = cleaned.slice(local(trimmed.start), local(trimmed.end));
    const relations = [...body.matchAll(MATH_RELATION_GLOBAL)];
    if (relations.length === 0) continue;
    const firstRelation = relations[0] as RegExpMatchArray;
    const relationIndex = firstRelation.index ?? 0;
    const firstPiece = pieceFrom === span.contentStart;
    const outside = text.slice(Math.max(0, span.start - 40), span.start);
    // Words right before the math (`$10\%$ of $\$1.50 = 0.10 \times \$1.50 = …$`), or an operator (`× \( \frac{1}{100} = …\)`).
    const afterWords = cleaned.slice(local(pieceFrom), local(trimmed.start)).includes(TEXT_BLANK) || (firstPiece && /\p{L}[\p{L}'’)]*[ \t]*$/u.test(outside));
    const operatorBefore = firstPiece && /[×*·+\-/÷=]\s*$/.test(outside);
    if (operatorBefore || partialFirstSide(body.slice(0, relationIndex), afterWords, relations.length)) {
      const sideStart = trimmed.start + relationIndex + firstRelation[0].length;
      trimmed = trimPiece(cleaned.slice(local(sideStart), local(trimmed.end)), sideStart);
      if (!trimmed) continue;
      body = cleaned.slice(local(trimmed.start), local(trimmed.end));
      if (!RELATION_IN_MATH.test(body)) continue;
    }
    const expression = body.replaceAll(TEXT_BLANK, " ").replaceAll(DELIMITER_BLANK, " ").replace(/\s+/g, " ");
    const claimStart = trimmed.start;
    const claimEnd = trimmed.end;
    const inside = (offset: number): boolean => offset >= claimStart && offset < claimEnd;
    const malformed = ADJACENT_NUMBERS.test(expression) ? "two numbers with no operator between"
      : CUSTOM_OPERATOR.test(expression) ? "an operator the parser does not know"
        : labels.some(inside) ? "words inside the equation"
          : mixedUnits(body, claimStart, units.filter((unit) => inside(unit.start))) ? "sides in different units" : undefined;
    const own = followUps(text, claimEnd);
    sources.push({
      start: claimStart, end: claimEnd, text: text.slice(claimStart, claimEnd), expression, origin: "math",
      incomplete: /(?:=|\\approx|\\neq?|\\[lg]eq?|[<>≈≠≤≥])\s*$/.test(expression),
      ...(malformed ? { malformed } : {}),
      ...spanFollowUps, ...own,
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
const IGNORED = /[ \t]+|\\?\$|\*\*|\\[,;! ]/y;
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

/** A character touching a run that makes its end side only part of an expression: math, `√`, `π`, a letter. */
const PART_OF_EXPRESSION = { test: (char: string): boolean => char === OPAQUE || /^[√∛∜πA-Za-z)}]$/.test(char) };

/** Drops what cannot open or close a claim: a prose dash, a leading relation, a trailing operator. */
function trimRun(run: Token[]): { tokens: Token[]; incomplete: boolean; leadingOperator: boolean; trailingOperator: boolean } {
  let first = 0;
  let last = run.length;
  let leadingOperator = false;
  while (first < last) {
    const token = run[first] as Token;
    const next = run[first + 1];
    const signedNumber = token.emit === "-" && next?.type === "number" && next.start === token.end;
    const operator = token.type === "op" && !signedNumber && token.emit !== "\\frac" && token.emit !== "\\sqrt";
    if (token.type === "relation" || token.type === "close" || operator) {
      if (operator && !run.slice(0, first).some((earlier) => earlier.type === "relation")) leadingOperator = true;
      first++;
    } else {
      break;
    }
  }
  let trailingOperator = false;
  while (last > first && (run[last - 1]?.type === "op" || run[last - 1]?.type === "open")) {
    if (run[last - 1]?.type === "op") trailingOperator = true;
    last--;
  }
  let incomplete = false;
  while (last > first && run[last - 1]?.type === "relation") {
    incomplete = true;
    last--;
  }
  return { tokens: run.slice(first, last), incomplete, leadingOperator, trailingOperator };
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
    const trimmedRun = trimRun(raw);
    const { incomplete } = trimmedRun;
    let { tokens } = trimmedRun;
    if (!tokens.some((token) => token.type === "relation") && !incomplete) continue;
    if (tokens.length === 0) continue;
    // A side cut by words or by inline math is only part of an expression: drop it.
    const relationAt = tokens.findIndex((token) => token.type === "relation");
    if (relationAt > 0) {
      const before = plain.slice(Math.max(0, (tokens[0] as Token).start - 40), (tokens[0] as Token).start);
      const afterWords = /\p{L}[\p{L}'’)]*[ \t$]*$/u.test(before);
      const relations = tokens.filter((token) => token.type === "relation").length;
      const bare = relationAt === 1 && tokens[0]?.type === "number";
      const touchesMath = PART_OF_EXPRESSION.test(plain.charAt((tokens[0] as Token).start - 1));
      if (trimmedRun.leadingOperator || touchesMath || (afterWords && relations >= 2 && bare)) tokens = tokens.slice(relationAt + 1);
    }
    const lastRelation = tokens.findLastIndex((token) => token.type === "relation");
    if (!incomplete && lastRelation !== -1 && (trimmedRun.trailingOperator || PART_OF_EXPRESSION.test(plain.charAt((tokens[tokens.length - 1] as Token).end)))) {
      tokens = tokens.slice(0, lastRelation);
    }
    if (tokens.length === 0 || (!tokens.some((token) => token.type === "relation") && !incomplete)) continue;
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
      ...followUps(text, end),
    });
  }
  return sources.sort((left, right) => left.start - right.start);
}
