/**
 * Reading answers out of prose, the way a careful reader does: the value right after "the answer is",
 * the value a concluding sentence states ("Therefore, Ana used **12 apples**.", "So the smallest n is
 * n = 10."), several values joined by "and" ("n = 5 and n = 15"). Used by extract.ts.
 *
 * `readValue` reads one value (or an "and"/comma list of values) at a position: inline or display math, a
 * box, bold, currency, or a run of plain-text math. `sentenceValue` picks the value a sentence states, in
 * this order: a box; a bold value; the later of a value after a copula ("is", "are", "was", "=", "equals",
 * ...) and the result of arithmetic worked out in the sentence ("60-15-25=20 cups"); a value the solution
 * computed earlier ("= 34" before "a total of 34 hours in 4 weeks"); the first value.
 * `conclusion` finds the last concluding sentence of an output. Every scan is linear in the text.
 */

/** A value found in text: [start, end) in the text, and the answer string to grade. */
export interface ValueSpan {
  start: number;
  end: number;
  value: string;
  /** Came from bold (`**12**`, `\textbf{12}`): the model's own highlight. */
  bold: boolean;
  /** Written as money (`$18`, `\$18`). */
  currency?: boolean;
  /** Written inside math delimiters or a box (`$p - q$`): a value even without a digit. */
  delimited?: boolean;
  /** A run of math longer than any answer (value ""): [start, end) is skipped, not read. */
  tooLong?: boolean;
}

/** LaTeX commands that are math (anything else starting with a backslash ends a plain-math run). */
const MATH_COMMANDS = new Set(
  (
    "frac dfrac tfrac cfrac sqrt pi times cdot div pm mp le leq ge geq ne neq approx infty circ degree left right " +
    "binom dbinom tbinom text mathrm mathbf textbf mbox operatorname ldots cdots dots lfloor rfloor lceil rceil " +
    "alpha beta gamma delta theta lambda mu sigma phi omega sin cos tan cot sec csc log ln exp lt gt cup cap in " +
    "displaystyle overline sqrt angle"
  ).split(" "),
);
/** Bold text that heads a step or a part rather than stating a value. */
const BOLD_HEADING = /^\s*(?:(?:step|part|case|method|option|stage|phase|solution)\b[^*]*|[^*]*[:.]\s*)$/i;
/** Plain words that are math inside a run (`2 sqrt 3`, `5 pi`). */
const MATH_WORDS = new Set(["sqrt", "pi", "sin", "cos", "tan", "log", "ln", "exp", "mod", "infinity", "inf"]);
/** Words after which a value is what the sentence states ("... is 12", "... equals 12"). */
const COPULA =
  /(?:\b(?:is|are|was|were|be|been|equals?|equalled|equaled|totals?|totaled|totalled|remains?|becomes?|gives?|yields?|comes to|amounts? to|works out to|adds up to|(?:we|you|I) (?:get|got|obtain|obtained|find|found|have)|(?:get|gets|obtain|obtains) (?:us )?)|=|:)\s*$/i;
/** Fillers a reader skips between a copula and its value ("is a total of 12", "is approximately 3.14"). */
const FILLERS =
  /^(?:(?:a total of|a grand total of|in total|total of|equal to|exactly|approximately|approx\.?|about|around|roughly|nearly|only|just|still|now|then|therefore|thus|left with|worth|at|the|a|an|then|also|indeed|simply)\s+)+/i;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= "0" && char <= "9";
}

function isLetter(char: string | undefined): boolean {
  return char !== undefined && ((char >= "a" && char <= "z") || (char >= "A" && char <= "Z"));
}

/** Index after the `}` matching the `{` at `open` (escapes skipped), or -1. */
function closeBrace(text: string, open: number, limit = 2000): number {
  let depth = 0;
  const end = Math.min(text.length, open + limit);
  for (let index = open; index < end; index++) {
    const char = text[index];
    if (char === "\\") index++;
    else if (char === "{") depth++;
    else if (char === "}" && --depth === 0) return index + 1;
  }
  return -1;
}

/** `$…$` at `start` (a `$` that opens math, not currency), its end and content; undefined when it is currency. */
function inlineMath(text: string, start: number): { end: number; content: string } | undefined {
  if (text.startsWith("$$", start)) {
    const close = text.indexOf("$$", start + 2);
    if (close === -1 || close - start > 2000) return undefined;
    return { end: close + 2, content: text.slice(start + 2, close) };
  }
  // Pandoc's rule: a closing `$` follows no space and is followed by no digit ("$40 * 100 = $400" is money).
  let close = start + 1;
  for (; close < text.length && close - start < 600; close++) {
    const char = text[close];
    if (char === "\\") close++;
    else if (char === "$" && !/\s/.test(text[close - 1]!) && !isDigit(text[close + 1])) break;
    else if (char === "\n" && text[close + 1] === "\n") return undefined;
  }
  if (text[close] !== "$") return undefined;
  const content = text.slice(start + 1, close);
  // "$5 and gets $3 back": currency around prose, not math.
  const words = content.replace(/\\(?:text|mathrm|textbf|mbox|begin|end|operatorname)\s*\{[^{}]*\}|\\[A-Za-z]+/g, " ");
  if (/[A-Za-z]{3,}/.test(words) || content.trim() === "" || /^\s/.test(content)) return undefined;
  return { end: close + 1, content };
}

/** `\(…\)` or `\[…\]` at `start`. */
function delimitedMath(text: string, start: number): { end: number; content: string } | undefined {
  const closer = text[start + 1] === "(" ? "\\)" : "\\]";
  const close = text.indexOf(closer, start + 2);
  if (close === -1 || close - start > 2000) return undefined;
  return { end: close + 2, content: text.slice(start + 2, close) };
}

/** Whether a value can start at `index`: a digit, currency, math, a box, bold, `-5`, `x =`. */
export function valueStartsAt(text: string, index: number): boolean {
  const char = text[index];
  const next = text[index + 1];
  if (isDigit(char)) return true;
  if (char === "." || char === "-" || char === "+") return isDigit(next) || (char === "-" && (next === "$" || next === "\\"));
  if (char === "$") return true;
  if (char === "\\") {
    if (next === "(" || next === "[" || next === "$") return true;
    const command = /^\\([A-Za-z]+)/.exec(text.slice(index, index + 16))?.[1];
    return command !== undefined && /^(?:frac|dfrac|tfrac|sqrt|boxed|fbox|pi|infty|textbf|binom|left|lfloor|lceil)$/.test(command);
  }
  if (char === "*" && next === "*") return true;
  if (char === "(") return isDigit(next) || next === "-" || next === "\\" || isLetter(next);
  if (isLetter(char) && !isLetter(text[index - 1]) && !isLetter(next)) {
    // `x = 5`, `A_n = 10`, `n \ge 3`: a variable stating its value.
    return /^[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*(?:=|<|>|\\(?:le|ge|leq|geq|ne|neq|approx)\b)/.test(text.slice(index, index + 24));
  }
  return false;
}

/**
 * Reads the value starting at `start` (see valueStartsAt); continues over "and"/"or"/commas to a further
 * value, so "5 and 15" and "n = 5 and n = 15" read whole. Undefined when nothing value-like is there.
 */
export function readValue(text: string, start: number): ValueSpan | undefined {
  const first = readOne(text, start);
  if (!first || first.tooLong) return first;
  let { end, value } = first;
  for (let parts = 1; parts < 16; parts++) {
    // "or" may carry a hedge word ("7, or maybe 8", "1/2 or possibly 0.6") or sit in parentheses ("3.5 (or
    // 7/3)"): still a second value, so two different ones are a hedge, not the first alone.
    const joiner = /^(?:\s*,\s*(?:and\s+|or\s+(?:(?:maybe|perhaps|possibly|probably|equivalently|alternatively),?\s+)?)?|\s+(?:and|or)\s+(?:(?:maybe|perhaps|possibly|probably|equivalently|alternatively),?\s+)?|\s*\(\s*or\s+)/.exec(text.slice(end, end + 28));
    if (!joiner) break;
    const nextStart = end + joiner[0].length;
    if (!valueStartsAt(text, nextStart)) break;
    const next = readOne(text, nextStart);
    // "$45 and 2/3 of a cake" are two quantities; "5 and 15", "$3 and $4" list values of one kind.
    if (!next || next.tooLong || next.bold !== first.bold || (next.currency ?? false) !== (first.currency ?? false)) break;
    value = `${value}${/or/.test(joiner[0]) ? " or " : ", "}${next.value}`;
    end = joiner[0].includes("(") && text[next.end] === ")" ? next.end + 1 : next.end;
  }
  return { ...first, start, end, value };
}

function readOne(text: string, start: number): ValueSpan | undefined {
  const char = text[start];
  if (char === "*" && text[start + 1] === "*") {
    const close = text.indexOf("**", start + 2);
    if (close === -1 || close - start > 300) return undefined;
    const inner = text.slice(start + 2, close);
    // "**Step 3:**", "**Part 2.**": a bold heading, not a bold value.
    if (BOLD_HEADING.test(inner)) return undefined;
    const innerStart = firstValueIn(inner);
    if (innerStart === undefined) return undefined;
    const value = readOne(inner, innerStart);
    return value && !value.tooLong ? { start, end: close + 2, value: value.value, bold: true } : undefined;
  }
  if (text.startsWith("\\textbf{", start)) {
    const end = closeBrace(text, start + 7);
    if (end === -1) return undefined;
    const inner = text.slice(start + 8, end - 1);
    const innerStart = firstValueIn(inner);
    const value = innerStart === undefined ? undefined : readOne(inner, innerStart);
    return value && !value.tooLong ? { start, end, value: value.value, bold: true } : undefined;
  }
  if (char === "\\" && (text[start + 1] === "(" || text[start + 1] === "[")) {
    const math = delimitedMath(text, start);
    return math && nonEmpty(start, math.end, math.content);
  }
  if (char === "$") {
    const math = inlineMath(text, start);
    if (math) return nonEmpty(start, math.end, math.content);
    // Currency: "$18", "$2,800.00".
    if (isDigit(text[start + 1]) || text[start + 1] === ".") return money(plainRun(text, start + 1, start));
    return undefined;
  }
  if (text.startsWith("\\$", start)) return money(plainRun(text, start + 2, start));
  if ((char === "-" || char === "+") && text[start + 1] === "$") {
    const inner = readOne(text, start + 1);
    return inner && !inner.tooLong ? { ...inner, start, value: `${char}${inner.value}` } : inner;
  }
  if (/^\\(?:boxed|fbox)\s*\{/.test(text.slice(start, start + 10))) {
    const open = text.indexOf("{", start);
    const end = closeBrace(text, open);
    return end === -1 ? undefined : nonEmpty(start, end, text.slice(open + 1, end - 1));
  }
  return plainRun(text, start, start);
}

function money(span: ValueSpan | undefined): ValueSpan | undefined {
  return span && { ...span, currency: true };
}

/** `\mathbf{20}` inside math: a number set in bold, the way ARML and NuminaMath solutions mark their answer. */
const BOLD_NUMBER = /\\mathbf\{\s*-?\d[\d.]*\s*\}/;

function nonEmpty(start: number, end: number, content: string): ValueSpan | undefined {
  const value = content.trim();
  return value === "" ? undefined : { start, end, value, bold: BOLD_NUMBER.test(value), delimited: true };
}

/**
 * A run of plain-text math from `from`: numbers, single-letter variables, operators, brackets and LaTeX
 * math commands with their braced arguments, single spaces between them. Ends at a word, a sentence end,
 * a line break, or a lone `$`.
 */
function plainRun(text: string, from: number, start: number): ValueSpan | undefined {
  let index = from;
  let end = from;
  let sawDigit = false;
  let brackets = 0;
  const limit = Math.min(text.length, from + 400);
  while (index < limit) {
    const char = text[index]!;
    if (isDigit(char)) {
      while (index < limit && (isDigit(text[index]) || (text[index] === "," && isDigit(text[index + 1]) && isDigit(text[index + 2]) && isDigit(text[index + 3]) && !isDigit(text[index + 4])) || (text[index] === "." && isDigit(text[index + 1])))) index++;
      sawDigit = true;
      end = index;
      // "12th", "3rd": ordinal suffixes belong to the number and end it.
      const suffix = /^(?:st|nd|rd|th)\b/.exec(text.slice(index, index + 3));
      if (suffix) return finish(text, start, from, end, sawDigit);
      continue;
    }
    if (char === "\\") {
      const command = /^\\([A-Za-z]+)/.exec(text.slice(index, index + 24));
      if (command) {
        if (!MATH_COMMANDS.has(command[1]!)) break;
        index += command[0].length;
        // Braced arguments: \frac{1}{2}, \text{ dollars}, \sqrt[3]{x}.
        for (let args = 0; args < 3; args++) {
          while (text[index] === " " && (text[index + 1] === "{" || text[index + 1] === "[")) index++;
          if (text[index] === "[" && command[1] === "sqrt") {
            const close = text.indexOf("]", index);
            if (close === -1) break;
            index = close + 1;
          }
          if (text[index] !== "{") break;
          const close = closeBrace(text, index);
          if (close === -1) return finish(text, start, from, end, sawDigit);
          if (/\d/.test(text.slice(index, close))) sawDigit = true;
          index = close;
        }
        if (command[1] === "pi") sawDigit = true; // π is a value on its own
        end = index;
        continue;
      }
      // \%, \$, \{, \}, \,, \!, \ (spacing), \\ ends a run.
      const escaped = text[index + 1];
      if (escaped === "%" || escaped === "{" || escaped === "}" || escaped === "," || escaped === "!" || escaped === ";" || escaped === "$") {
        index += 2;
        end = index;
        continue;
      }
      break;
    }
    if (isLetter(char)) {
      let wordEnd = index;
      while (wordEnd < limit && isLetter(text[wordEnd])) wordEnd++;
      const word = text.slice(index, wordEnd);
      // "2 million": a scale word after a number belongs to it.
      const scale = /^(?:thousand|million|billion|trillion)$/i.test(word) && isDigit(text.slice(from, index).trimEnd().slice(-1));
      if (word.length === 1 || MATH_WORDS.has(word.toLowerCase()) || scale) {
        // A single letter next to math (x, n, A_n), not an article ("a") or a pronoun ("I") starting prose.
        if (word.length === 1 && (word === "a" || word === "I" || word === "A") && /^\s+[A-Za-z]{2}/.test(text.slice(wordEnd, wordEnd + 4))) break;
        index = wordEnd;
        end = index;
        continue;
      }
      break;
    }
    if (char === " " || char === "\t") {
      // One space between math tokens; two words later it is prose.
      const next = text[index + 1];
      if (next === undefined || next === "\n" || next === " ") break;
      index++;
      continue;
    }
    if (char === "*" && text[index + 1] === "*" && !(isDigit(text[index - 1]) && isDigit(text[index + 2]))) break; // **bold** starts
    if ("+-*/^_=<>!%|".includes(char)) {
      index++;
      if (char !== "=" && char !== "<" && char !== ">") end = index;
      continue;
    }
    if (char === "(" || char === "[" || char === "{") {
      brackets++;
      index++;
      continue;
    }
    if (char === ")" || char === "]" || char === "}") {
      if (brackets === 0) break;
      brackets--;
      index++;
      end = index;
      continue;
    }
    if (char === "," && brackets > 0) {
      index++;
      continue;
    }
    if (char === "." && isDigit(text[index + 1])) {
      index++;
      continue;
    }
    if (char === ":" && isDigit(text[index + 1]) && isDigit(text[index - 1])) {
      index++; // 3:1, 1:03
      continue;
    }
    if (char === "°" || char === "′") {
      index++;
      end = index;
      continue;
    }
    break;
  }
  // A run that reaches the limit is longer than any answer: cutting it would misread it, so it is skipped.
  if (index >= limit && limit < text.length) return { start, end: index, value: "", bold: false, tooLong: true };
  return finish(text, start, from, end, sawDigit);
}

function finish(text: string, start: number, from: number, end: number, sawDigit: boolean): ValueSpan | undefined {
  let value = text.slice(from, end).trim();
  // Trailing operators or an unmatched bracket are not part of the value ("18 -", "5 (").
  value = value.replace(/[\s+\-*/^=<>,(]+$/, "");
  if (!sawDigit && !/[=<>]/.test(value)) return undefined;
  if (value === "" || !/[\dA-Za-z\\]/.test(value)) return undefined;
  return { start, end, value, bold: false };
}

/** Index of the first place in `text` where a value starts, or undefined. */
function firstValueIn(text: string): number | undefined {
  for (let index = 0; index < text.length; index++) if (valueStartsAt(text, index)) return index;
  return undefined;
}

const MAY_HOLD_VALUE = /[\d$\\*=<>]/;

/** Every value in a sentence, in order (values inside a found value are not counted again). */
export function valuesIn(sentence: string): ValueSpan[] {
  const values: ValueSpan[] = [];
  // Most prose sentences hold no value at all: no digit, math, bold or `=`.
  if (!MAY_HOLD_VALUE.test(sentence)) return values;
  for (let index = 0; index < sentence.length; index++) {
    if (isLetter(sentence[index - 1]) && isLetter(sentence[index])) continue; // inside a word
    if (isDigit(sentence[index - 1]) && isDigit(sentence[index])) continue;
    if (!valueStartsAt(sentence, index)) continue;
    const value = readValue(sentence, index);
    // A run of math longer than any answer: the sentence states nothing readable from here on.
    if (value?.tooLong) break;
    if (!value) {
      // A box that never closes: nothing after it in the sentence is a finished statement.
      if (/^\\(?:boxed|fbox)/.test(sentence.slice(index, index + 6))) break;
      continue;
    }
    if (hasDigitOrMath(value.value) || (value.delimited && isDelimitedValue(value.value))) values.push(value);
    index = Math.max(index, value.end - 1);
  }
  return values;
}

/** `$p - q$`, `$\pi$`, `$\text{Evelyn}$` state values; `$x$` alone only names a variable. */
function isDelimitedValue(value: string): boolean {
  return /\\[A-Za-z]|[-+*/^=<>]/.test(value) || /[A-Za-z].*[A-Za-z]/.test(value);
}

function hasDigitOrMath(value: string): boolean {
  return /\d|\\pi|\\infty|[=<>]/.test(value);
}

/**
 * The value a sentence states. `context` is the text before the sentence: a value the solution computed
 * there ("= 34") is preferred over circumstantial numbers ("in 4 weeks").
 */
export function sentenceValue(sentence: string, context = ""): string | undefined {
  const values = valuesIn(sentence);
  if (values.length === 0) return undefined;
  const boxed = values.find((value) => /^\\(?:boxed|fbox)/.test(sentence.slice(value.start, value.start + 6)));
  if (boxed) return boxed.value;
  const bold = values.filter((value) => value.bold);
  if (bold.length > 0) return bold[bold.length - 1]!.value;
  // "x = 5, so y = 10": a clause opened by so/therefore/thus/hence inside the sentence concludes it.
  const clauses = [...sentence.matchAll(CONCLUDING_CLAUSE)];
  const last = clauses[clauses.length - 1];
  if (last && values.length > 1) {
    const tail = sentenceValue(sentence.slice(last.index + last[0].length), `${context} ${sentence.slice(0, last.index)}`);
    if (tail !== undefined) return tail;
  }
  if (values.length === 1) return values[0]!.value;
  // After a copula: "the price ... is $6", "there were 30 more ...", "the smallest n ... is n = 10".
  const before = (value: ValueSpan) => sentence.slice(Math.max(0, value.start - 40), value.start).replace(FILLERS_BEFORE, "");
  const afterCopula = values.filter((value) => COPULA.test(before(value)));
  // A colon often opens an elaboration ("exactly 3 such integers: 2, 5, and 11"): a word copula wins.
  const afterWord = afterCopula.filter((value) => !/:\s*$/.test(before(value)));
  // Arithmetic worked out in the sentence states its result as a copula does, and the later of the two
  // is the sentence's conclusion: "then the final meal would require 60-15-25=20 cups" → 20, not the
  // circumstantial 15; "There are 12 eggs in a dozen, so that's 84/12 = 7 dozen" → 7, not 12.
  const worked = values.filter((value) => (isComputation(value.value) || endsComputation(sentence, value)) && !givenAsReason(sentence, value));
  const stated = [...afterWord, ...worked];
  if (stated.length > 0) return stated.reduce((later, value) => (value.start > later.start ? value : later)).value;
  if (afterCopula.length > 0) return afterCopula[afterCopula.length - 1]!.value;
  const computed = values.filter((value) => computedEarlier(value.value, context));
  if (computed.length > 0) return computed[0]!.value;
  return values[0]!.value;
}

/**
 * `, so `, `; therefore `, `, and thus `: a concluding clause inside a sentence (not "so that", "so far"),
 * also where the comma ends the math before it (`$s^2 = \frac{50}{3},$ so $s = …$`, MATH's own style).
 */
const CONCLUDING_CLAUSE = /[,;]\$?\s*(?:and\s+)?(?:so|therefore|thus|hence)\b(?!\s+(?:that|far|on)\b),?\s*/gi;

/** Fillers right before a value ("is a total of " → "is "), so COPULA sees the copula. */
const FILLERS_BEFORE =
  /(?:\s+(?:a total of|a grand total of|total of|in total|equal to|exactly|approximately|about|around|roughly|nearly|only|just|still|now|then|left with|worth|the|a|an|also|indeed|simply|that))+\s*$/i;

/** A worked result: `= 20`, `= $0.25`, `= 35%`. */
const RESULT = /=\s*(?:\\?\$)?-?\d[\d,]*(?:\.\d+)?\\?%?$/;
/** An arithmetic operator between numbers: `-`, `+`, `*`, `/`, `^`, `\times`, `\cdot`, `\div`, a spaced `x`. */
const OPERATOR = String.raw`(?:[-+*/^]|\\times|\\cdot|\\div|\sx\s)`;
const WORKED = new RegExp(String.raw`\d\s*${OPERATOR}\s*(?:\\?\$)?\s*\.?\d`);
const OPERATOR_BEFORE = new RegExp(String.raw`\d[\s\w%)\]]{0,24}?${OPERATOR}\s*(?:\\?\$)?\s*$`);

/** `60 - 15 - 25 = 20`, `2.7 x 30 = 81`: numbers combined and worked out to a number (`x = 5` is a definition). */
function isComputation(value: string): boolean {
  const equals = value.lastIndexOf("=");
  return equals !== -1 && RESULT.test(value) && WORKED.test(value.slice(0, equals)) && !/[<>]/.test(value.slice(0, equals));
}

/** "He can skip 4 classes because 10 - 4 = 6": arithmetic after because/since justifies, it does not state. */
function givenAsReason(sentence: string, value: ValueSpan): boolean {
  return /\b(?:because|since)\b[^,;]*$/i.test(sentence.slice(0, value.start));
}

/**
 * `3 = 180` read out of "540 pounds / 3 = 180 pounds" (a unit, money or a spaced bracket ends a run of
 * plain math early): a value with a worked result whose sentence puts a number and an operator right
 * before it is the end of a computation.
 */
function endsComputation(sentence: string, value: ValueSpan): boolean {
  return RESULT.test(value.value) && OPERATOR_BEFORE.test(sentence.slice(Math.max(0, value.start - 40), value.start));
}

/** Whether the solution stated `value` as the result of a computation before ("= 34", "is 34"). */
function computedEarlier(value: string, context: string): boolean {
  const plain = value.replace(/^\\?\$|,/g, "");
  if (!/^\d+(?:\.\d+)?$/.test(plain)) return false;
  const pattern = new RegExp(`(?:=|\\\\approx)\\s*\\\\?\\$?\\s*${plain.replace(".", "\\.")}(?![\\d.]\\d)`);
  return pattern.test(context.replaceAll(",", ""));
}

/** Skips the fillers after a copula at `start` of a tail ("a total of 12" → "12"). */
export function skipFillers(text: string): string {
  return text.replace(FILLERS, "");
}

// ---------------------------------------------------------------------------------------------------
// Sentences and conclusions.

// The lead-in (`**`, `- `, `> `) is one character class: `(?:[-*>#\s]|\*\*)*` matched a run of asterisks in
// exponentially many ways. VERIFICATION and NOT_CONCLUSION below read theirs the same way.
const CONCLUSION_START =
  /^[-*>#\s]*(?:therefore|thus|so|hence|in conclusion|in total|in summary|in all|overall|finally|consequently|as a result|this means(?: that)?|that means|altogether|all in all|to summarize|to sum up|summing up|the final result is|putting it all together|combining these|this gives(?: us)?|we conclude(?: that)?)\b/i;
const ABBREVIATIONS = /(?:\b(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|vs|etc|approx|e\.g|i\.e|a\.m|p\.m|No|Fig|Eq)|\b[A-Za-z])$/;
/** How far from the end a conclusion is looked for (it closes the output). */
const CONCLUSION_WINDOW = 3000;

export interface Sentence {
  start: number;
  end: number;
  text: string;
}

/**
 * Sentences of `text` from `from` on, in order. Boundaries: a line break, or `.`/`!`/`?` followed by a
 * space, outside math (`$…$`, `\(…\)`, `\[…\]`) and not in a decimal or a common abbreviation.
 */
export function sentences(text: string, from = 0): Sentence[] {
  const found: Sentence[] = [];
  let start = from;
  const push = (end: number) => {
    const piece = text.slice(start, end);
    if (piece.trim() !== "") found.push({ start, end, text: piece });
    start = end;
  };
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (char === "$") {
      const math = inlineMath(text, index);
      if (math) {
        index = math.end - 1;
        // Display math (`$$…$$`) is a block of its own: the sentence after it starts anew. So is inline
        // math that ends a sentence inside its delimiters (`… we get $n = 97.$  Hence, …`, MATH's style).
        if (text[index - 1] === "$") push(index + 1);
        else if (/[.!?]\s*$/.test(math.content) && (index + 1 === text.length || /\s/.test(text[index + 1]!))) push(index + 1);
      }
      continue;
    }
    if (char === "\\" && (text[index + 1] === "(" || text[index + 1] === "[")) {
      const math = delimitedMath(text, index);
      if (math) {
        index = math.end - 1;
        if (text[index - 1] === "\\" && text[index] === "]") push(index + 1);
      }
      continue;
    }
    if (char === "\n") {
      push(index);
      continue;
    }
    if ((char === "." || char === "!" || char === "?") && (text[index + 1] === " " || text[index + 1] === "\n" || index + 1 === text.length)) {
      if (char === "." && ABBREVIATIONS.test(text.slice(Math.max(start, index - 5), index))) continue;
      push(index + 1);
    }
  }
  push(text.length);
  return found;
}

/** Words that open a check of an answer already stated, or an aside ("Note: ..."): values after them do not replace it. */
// Lead-in: one character class, as CONCLUSION_START's.
const VERIFICATION = /^[-*>#\s(]*(?:note\**\s*:|n\.b\.|let(?:'s| us) (?:verify|check|double|confirm)|to (?:verify|check|confirm)|verification|check(?:ing)?:|we can (?:verify|check)|double[- ]check|this (?:matches|checks out|confirms|is consistent)|indeed|substituting back)/i;

/** What closes an output: its concluding statement, and the value its last value-bearing sentence states. */
export interface Closing {
  /** The last concluding sentence's value (see `conclusion`), when nothing but a check of it follows. */
  conclusion?: { sentence: Sentence; value: string };
  /** The value the last sentence holding a value states, whatever opens it (a fallback). */
  lastStatement?: string;
}

/**
 * One pass over the sentences that close an output, from the end. A concluding sentence opens with
 * "Therefore", "Thus", "So", "Hence", "In total", ... or holds a bold value; values written after it
 * count against it only when they are not a check of it ("Let's verify: ..."). The last statement is the
 * value of the last sentence with a value ("Ryan has 25 flowers after 15 days." states 25).
 */
export function closing(text: string): Closing {
  const from = Math.max(0, text.length - CONCLUSION_WINDOW);
  const all = sentences(text, from);
  const found: Closing = {};
  let laterHasValues = false;
  for (let index = all.length - 1; index >= 0; index--) {
    const sentence = all[index]!;
    const values = valuesIn(sentence.text);
    if ((values.length > 0 || laterHasValues) && VERIFICATION.test(sentence.text)) {
      // Everything from here on checked the answer; the answer is stated before it.
      laterHasValues = false;
      continue;
    }
    if (values.length === 0) continue;
    const context = text.slice(0, sentence.start);
    if (found.lastStatement === undefined) found.lastStatement = sentenceValue(sentence.text, context);
    const concluding = (CONCLUSION_START.test(sentence.text) && !NOT_CONCLUSION.test(sentence.text)) || values.some((value) => value.bold);
    if (concluding) {
      const value = sentenceValue(sentence.text, context);
      // A concluding sentence followed by more computation was an intermediate step, not the answer.
      if (value !== undefined) {
        if (!laterHasValues) found.conclusion = { sentence, value };
        return found;
      }
    }
    laterHasValues = true;
  }
  return found;
}

/** The last concluding sentence of an output that states a value (see `closing`). */
export function conclusion(text: string): { sentence: Sentence; value: string } | undefined {
  return closing(text).conclusion;
}

/** The value the last value-bearing sentence of an output states (see `closing`). */
export function lastStatement(text: string): string | undefined {
  return closing(text).lastStatement;
}

/** "So far", "So that", "So, let's": openers that do not conclude. */
// Lead-in: one character class, as CONCLUSION_START's.
const NOT_CONCLUSION = /^[-*>#\s]*(?:so far|so that|so let|so, let|so we need|so now|thus far|finally, (?:we|let)|therefore, (?:we need|let))/i;
