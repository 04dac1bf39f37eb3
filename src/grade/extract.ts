/**
 * Stage 2, extract: a cleaned model output → the final answer a careful reader would take, with how it
 * was found. In order of trust:
 *   boxed         the last complete `\boxed{}`/`\fbox{}` (nested braces; adjacent boxes form a list).
 *                 A box is the most deliberate mark, so it wins outright.
 *   final_answer  "Final Answer: The final answer is $X$" (the Minerva/lm-eval format)
 *   answer_is     "the (final) answer is X", "the answer to the question is X"
 *   gsm8k         "#### X"
 *   answer_label  "Answer: X", "**Final answer:** X", a "## Final Answer" heading with X below
 *                 Among these four the latest in the output wins (the model's last word). The value is
 *                 what follows the marker, or, when a sentence follows ("**Answer:** The smallest n
 *                 such that A_n >= K is n = 10"), the value that sentence states (prose.ts). An "answer
 *                 is" followed by plain words ("is consistent") yields to the others.
 *   conclusion    the concluding sentence: "Therefore/Thus/So/Hence … is/are/= X", a bold X
 *                 ("Therefore, Ana used **12 apples**."), when nothing but a check of it follows.
 * Fallbacks, flagged so reports can count how often the format broke (quantization often breaks the
 * format before the math):
 *   boxed         an unclosed `\boxed{...` at the end (a cut-off output): what it got to write
 *   choice        a lone "(C)" when the gold is a multiple-choice letter
 *   last_statement the value the last sentence with a value states ("Ryan has 25 flowers after 15 days.")
 *   last_math     the last `$…$` / `\(…\)` math holding a digit (its last side if it is a chain of =)
 *   last_number   the last number in the text
 * A truncated output (`truncated`: the generation hit its token limit) is read only by a complete box or
 * a marker whose value is complete: without one it states no answer (a repetition loop's step number is
 * not an answer). Every scan is linear in the output length.
 */
import { closing, readValue, sentences, sentenceValue, skipFillers, valueStartsAt } from "./prose.ts";
import { canonicalText, spelledNumber } from "./words.ts";

export type ExtractionMethod =
  | "boxed"
  | "final_answer"
  | "answer_is"
  | "gsm8k"
  | "answer_label"
  | "conclusion"
  | "choice"
  | "last_statement"
  | "last_math"
  | "last_number";

export interface Extraction {
  answer: string;
  method: ExtractionMethod;
  /** Found by a fallback rather than a marker the model wrote on purpose. */
  fallback: boolean;
  /**
   * Boxed outputs: the contents of every complete box, in order (at most 32), so a gold of several
   * values can be matched by the boxes that state them one by one (`\boxed{-2}` and `\boxed{-2}`).
   */
  boxes?: string[];
}

export interface ExtractOptions {
  /** Fall back to the last math or number when no marker is found (default true). */
  lastNumber?: boolean;
  /** The gold is a multiple-choice letter: look for "(C)" before the last number. */
  choices?: boolean;
  /** The output was cut off by its token limit: only a complete box or marker states an answer. */
  truncated?: boolean;
  /** The gold is an equation or inequality: keep a stated relation whole (`x^2 + y^2 = 13`), not its last side. */
  relation?: boolean;
  /** The gold is a word answer (`\text{yes}`): a whole output of a few words ("Yes.") states it. */
  words?: boolean;
}

export function extractAnswer(text: string, options: ExtractOptions = {}): Extraction | undefined {
  const truncated = options.truncated ?? false;
  const boxes = allBoxes(text);
  const boxed = boxedAnswer(text, 0, boxes);
  if (boxed !== undefined && boxed.trim() !== "") {
    return { answer: boxed.trim(), method: "boxed", fallback: false, boxes: boxes.slice(-32).map((box) => box.content.trim()) };
  }
  const stated = statedAnswer(text, truncated);
  if (stated) {
    // "The answer is D) 24." for a choice gold: the label right after the marker is the answer, not its value.
    const label = options.choices ? /^[\s*:$]*(?:\\text(?:bf)?\{\s*)?\(?([A-E])\)(?![\w)])/.exec(text.slice(stated.at)) : null;
    // The rest of the line stays with it, so "B) or D)" is still read as a hedge.
    if (label) {
      const rest = text.slice(stated.at + label[0].length).split("\n")[0]!.slice(0, 200);
      return { answer: `(${label[1]!})${rest}`, method: stated.method, fallback: false };
    }
    return { answer: stated.answer, method: stated.method, fallback: false };
  }
  // An empty box ("The final answer is within \boxed{}.", the instruction parroted) states nothing, and
  // what a marker said wins over it; with no marker either, the output's answer is that empty box.
  if (boxed !== undefined) return { answer: "", method: "boxed", fallback: false };
  if (truncated) return undefined;
  const relation = options.relation ?? false;
  const closed = closing(text);
  const concluded = closed.conclusion;
  if (concluded) return { answer: relation ? concluded.value : resultOf(concluded.value), method: "conclusion", fallback: false };
  const unclosed = unclosedBox(text);
  if (unclosed) return { answer: unclosed, method: "boxed", fallback: true };
  if (options.choices) {
    const choice = lastChoice(text);
    if (choice) return { answer: choice, method: "choice", fallback: true };
  }
  if (options.lastNumber ?? true) {
    const statement = closed.lastStatement;
    if (statement) return { answer: relation ? statement : resultOf(statement), method: "last_statement", fallback: true };
    const math = lastMath(text, relation);
    if (math) return { answer: math, method: "last_math", fallback: true };
    const number = lastNumber(text);
    if (number) return { answer: number, method: "last_number", fallback: true };
  }
  // "Yes.", "Evelyn.": an output that is nothing but a few words answers a word question with them, and
  // a spelled number ("Eighteen.", "ten cookies") any question.
  const whole = /^\s*([A-Za-z][A-Za-z'’-]*(?: [A-Za-z][A-Za-z'’-]*){0,2})\s*[.!]?\s*$/.exec(text);
  if (whole && (options.words || spelledNumber(canonicalText(whole[1]!)) !== undefined)) {
    return { answer: whole[1]!, method: "last_statement", fallback: true };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Markers.

interface Stated {
  answer: string;
  method: ExtractionMethod;
  /** Where the marker ends in the text. */
  at: number;
  /** The value was read out of prose after the marker, not right at it ("the answer is consistent with 5"). */
  fromProse: boolean;
  /** No value at all followed the marker, only words ("the answer is Evelyn", "is within \boxed{}"). */
  wordsOnly?: boolean;
}

/** "Final Answer: The final answer is $X$. I hope it is correct." (Minerva / lm-eval). */
const FINAL_ANSWER_IS = /final answer is\s*:?\s*/gi;
/** "The answer is X", "the final answer is: X", "answer would be X", "the answer to the question is X". */
const ANSWER_IS =
  /\banswer(?:\s+(?:to|for|of)\s+(?:the|this|our)\s+(?:question|problem|puzzle))?\s+(?:is|would be|should be|will be|=)\s*:?\s*/gi;
const GSM8K_MARK = /####\s*/g;
/**
 * "Answer: X", "**Final Answer:** X", "✅ Final Answer: **73**" at a line or sentence start, or a heading
 * line "## Final Answer" / "**Final Answer**" with X on the next line.
 */
// Each run of spaces is matched by one quantifier (`[^\S\n]*(?:\*\*[^\S\n]*)?`, not `[^\S\n]*(?:\*\*)?[^\S\n]*`):
// adjacent quantifiers over the same spaces backtrack polynomially on a long run after a period.
const ANSWER_LABEL =
  /(?:^|\n|[.!?](?=[^\S\n]))[^\S\n]*(?:[^\w\s]{1,4}[^\S\n]*)?(?:\*\*)?(?:final\s+)?answer[^\S\n]*(?:\*\*[^\S\n]*)?(?:[:：][^\S\n]*(?:\*\*[ \t]*)?|(?=\n))/gi;

const MARKERS: Array<[RegExp, ExtractionMethod]> = [
  [FINAL_ANSWER_IS, "final_answer"],
  [ANSWER_IS, "answer_is"],
  [GSM8K_MARK, "gsm8k"],
  [ANSWER_LABEL, "answer_label"],
];

/** Markers scanned from the end: the model's last statement is at most this far back (longer outputs are loops). */
const MARKER_WINDOW = 20_000;

function statedAnswer(text: string, truncated: boolean): Stated | undefined {
  const from = Math.max(0, text.length - MARKER_WINDOW);
  const region = from === 0 ? text : text.slice(from);
  const stated: Stated[] = [];
  for (const [marker, method] of MARKERS) {
    const found = latestStated(region, marker, method, truncated);
    if (found) stated.push(found);
  }
  const latest = (candidates: Stated[]) => candidates.reduce<Stated | undefined>((best, next) => (!best || next.at > best.at ? next : best), undefined);
  // "the answer is" followed by plain words is prose, not an answer: it yields to any other marker; words
  // with no value at all ("the final answer is within \boxed{}") yield whatever the marker.
  const valued = stated.filter((candidate) => !candidate.wordsOnly);
  return latest(valued.filter((candidate) => candidate.method !== "answer_is" || !candidate.fromProse)) ?? latest(valued) ?? latest(stated);
}

/** The latest occurrence of `marker` that is followed by a value (earlier ones when the last has none). */
function latestStated(text: string, marker: RegExp, method: ExtractionMethod, truncated: boolean): Stated | undefined {
  const ends: number[] = [];
  for (const match of text.matchAll(marker)) ends.push(match.index + match[0].length);
  // Words without a value ("The answer is not the result of ...") give way to an earlier valued statement.
  let words: Stated | undefined;
  for (let index = ends.length - 1; index >= Math.max(0, ends.length - 8); index--) {
    const at = ends[index]!;
    const window = text.slice(at, at + 2000);
    const tail = method === "answer_label" ? window.replace(/^\s*\n/, "") : window;
    const value = statedValue(tail, text.slice(0, at));
    if (!value) continue;
    // Cut off by the token limit right inside the value ("The answer is 2" of 21): not a complete statement.
    const valueEnd = at + (window.length - tail.length) + value.end;
    if (truncated && valueEnd >= text.trimEnd().length) continue;
    const answer = value.answer.trim();
    if (!answer) continue;
    if (!value.wordsOnly) return { answer, method, at, fromProse: value.fromProse };
    words ??= { answer, method, at, fromProse: true, wordsOnly: true };
  }
  return words;
}

/**
 * The value that starts a marker's tail: a box, `$X$`, `\(X\)`, `\[X\]`, bold, or plain math up to the
 * first word; else the value the sentence after the marker states. `end` is where it ends in the tail.
 */
function statedValue(tail: string, before: string): { answer: string; end: number; fromProse: boolean; wordsOnly?: boolean } | undefined {
  const lead = /^(?:\s|\*\*|:)*/.exec(tail)![0].length;
  const paragraph = tail.slice(0, 600).split(/\n\s*\n/)[0] ?? "";
  const boxes = allBoxes(paragraph);
  const box = boxedAnswer(paragraph, 0, boxes);
  if (box !== undefined && box.trim() !== "") return { answer: box, end: boxes[boxes.length - 1]!.end, fromProse: false };
  const skipped = skipFillers(tail.slice(lead));
  const start = tail.length - skipped.length;
  if (valueStartsAt(tail, start)) {
    const value = readValue(tail, start);
    if (value && !value.tooLong && value.value.length <= 400) return { answer: value.value, end: value.end, fromProse: false };
  }
  // A sentence follows the marker: the value it states.
  const first = sentences(tail.slice(0, 1000), lead)[0];
  if (!first || /^\s*(?:I hope|I think)/.test(first.text)) return undefined;
  const value = sentenceValue(first.text, before);
  if (value !== undefined) return value.length > 400 ? undefined : { answer: value, end: first.end, fromProse: true };
  // No value in it: the words themselves, up to the sentence's end ("the answer is Evelyn.", a text gold).
  const line = tail.slice(lead).split("\n")[0] ?? "";
  const stop = line.search(/\.\s|\.$|\s+I hope|\*\*/);
  const words = (stop === -1 ? line : line.slice(0, stop)).trim();
  if (words.length === 0 || words.length > 400 || /\\(?:boxed|fbox)\b/.test(words)) return undefined;
  return { answer: words, end: lead + words.length, fromProse: true, wordsOnly: true };
}

// ---------------------------------------------------------------------------------------------------
// Boxes.

interface Box {
  start: number;
  end: number;
  content: string;
}

const BOX_COMMAND = /\\(?:boxed|fbox)(?![A-Za-z])/g;
/** What may sit between boxes that together state one answer: `$\boxed{2}$ and $\boxed{3}$`. */
const BOX_SEPARATOR = /^(?:\s|\$|,|;|\\[[\]()]|\\quad|\\qquad|\\text\{\s*(?:and|or|,)\s*\}|\band\b|\bor\b)*$/;

/** Every complete top-level box, in order; empty when the last box opened is never closed. */
function allBoxes(text: string, depth = 0): Box[] {
  if (!text.includes("box")) return [];
  const matches = [...text.matchAll(BOX_COMMAND)];
  if (matches.length === 0) return [];
  const closing = matchingBraces(text, matches[0]!.index);
  const boxes: Box[] = [];
  for (const match of matches) {
    if (match.index < (boxes[boxes.length - 1]?.end ?? -1)) continue; // inside the previous box
    const box = readBox(text, match.index + match[0].length, match.index, closing, depth);
    if (box) boxes.push(box);
  }
  const last = boxes[boxes.length - 1];
  if (!last) return [];
  if (/\\(?:boxed|fbox)\s*\{/.test(text.slice(last.end))) return []; // a later box opened and never closed
  return boxes;
}

/** The content of the last complete box, joined with the boxes right before it that continue it. */
export function boxedAnswer(text: string, depth = 0, boxes: Box[] = allBoxes(text, depth)): string | undefined {
  const last = boxes[boxes.length - 1];
  if (!last) return undefined;
  const parts = [last.content];
  for (let index = boxes.length - 2; index >= 0; index--) {
    const gap = text.slice(boxes[index]!.end, boxes[index + 1]!.start);
    if (!BOX_SEPARATOR.test(gap)) break;
    // A model stuck repeating `\boxed{1} \boxed{1} ...` states one answer, not a list of them.
    if (boxes[index]!.content.trim() !== parts[0]!.trim()) parts.unshift(boxes[index]!.content);
  }
  return parts.join(", ");
}

/** `\boxed{5` at the very end: the output was cut off inside its box; what it got to write is the claim. */
function unclosedBox(text: string): string | undefined {
  let start: number | undefined;
  for (const match of text.matchAll(BOX_COMMAND)) start = match.index + match[0].length;
  if (start === undefined) return undefined;
  const rest = text.slice(start).trimStart();
  if (!rest.startsWith("{") || rest.length > 1000) return undefined;
  const content = rest.slice(1).trim();
  return content === "" ? undefined : content;
}

/** For every `{`, the index of its `}` (escaped braces skipped): one linear pass, so many boxes stay cheap. */
function matchingBraces(text: string, from: number): Map<number, number> {
  const closing = new Map<number, number>();
  const open: number[] = [];
  // Braces before the first box cannot belong to one: a `}` closing them finds the stack empty.
  for (let position = from; position < text.length; position++) {
    const char = text[position];
    if (char === "\\") position++;
    else if (char === "{") open.push(position);
    else if (char === "}") {
      const opener = open.pop();
      if (opener !== undefined) closing.set(opener, position);
    }
  }
  return closing;
}

function readBox(text: string, afterCommand: number, start: number, closing: Map<number, number>, depth: number): Box | undefined {
  let index = afterCommand;
  while (text[index] === " ") index++;
  if (text[index] !== "{") {
    // `\boxed 5`: TeX takes one token; the MATH release writes it this way.
    const bare = /^ +([^\s$]+)/.exec(text.slice(afterCommand, afterCommand + 200));
    return bare ? { start, end: afterCommand + bare[0].length, content: bare[1]! } : undefined;
  }
  const close = closing.get(index);
  if (close === undefined) return undefined;
  const content = text.slice(index + 1, close);
  // \boxed{\boxed{5}}: the inner box is the answer.
  const inner = depth < 3 && /^\s*\\(?:boxed|fbox)\s*\{/.test(content) ? boxedAnswer(content, depth + 1) : undefined;
  return { start, end: close + 1, content: inner ?? content };
}

/**
 * `9 * 2 = 18`, `4 + 16 + 12 + 6 = 38`: a computation stated in prose; its result is the last side. A
 * definition (`x = 5`, `n = 5, n = 15`) or a relation (`x \le 3`) is kept as written; of an implication
 * (`9x = 5 \implies x = \frac{5}{9}`), its consequent.
 */
function resultOf(stated: string): string {
  // `9x = 5 \implies x = \frac{5}{9}`: an implication states its consequent.
  const steps = stated.split(/\\(?:implies|Rightarrow|Longrightarrow|therefore)(?![A-Za-z])/);
  const answer = lastRow(steps.length > 1 && steps[steps.length - 1]!.trim() !== "" ? steps[steps.length - 1]!.trim() : stated);
  // A list (`n = 5, n = 15`) or a relation is kept; digit groups (`371,\!043,\!400`) are not a list.
  if (answer.replace(DIGIT_GROUP, "").includes(",") || /[<>]|\\(?:le|ge|ne|leq|geq|neq)(?![A-Za-z])/.test(answer)) return answer; // not \left
  let sides = equationSides(answer);
  if (sides.length < 2) return answer;
  // `m\angle APD = 180^\circ - 54^\circ - 78^\circ = 48^\circ`: a named quantity, worked out, then its value;
  // but a single variable (`x = 2 + 3 = 5`) stays a definition, compared by its right side, and a list of
  // them (`x=-8 or x=-10`) stays a list.
  const named = !/\d/.test(sides[0]!) && !/^\s*[A-Za-z](?:_\{?\w+\}?)?\s*$/.test(sides[0]!);
  if (sides.length > 2 && named && !/\b(?:or|and)\b/.test(answer)) sides = sides.slice(1);
  // An operation a problem defines (`3 \star 11 = \frac{1}{33}`, `2 \# 5`) counts as arithmetic too.
  const computed = sides.slice(0, -1).every((side) => /\d/.test(side) && (/[-+*/×÷^#@!]|\)\s*\(|\\(?:times|cdot|div|frac|dfrac|tfrac|binom|sqrt)/.test(side) || CUSTOM_OPERATION.test(side)));
  const last = sides[sides.length - 1]!.trim();
  return computed && last !== "" ? last : answer;
}

const DIGIT_GROUP = /(?<=\d),(?:\\!)?(?=\d{3}(?!\d))|(?<=\d)\{,\}(?=\d{3}(?!\d))/g;

/**
 * The last row of an aligned block (`\begin{aligned} a &= b \\ &= 375 + 523 = 898. \end{aligned}` →
 * `= 375 + 523 = 898.`, its alignment marks dropped); anything else as it is.
 */
function lastRow(answer: string): string {
  const block = /^\s*\\begin\{(aligned|align\*?|gathered|gather\*?|split|eqnarray\*?|array)\}(?:\{[^{}]*\})?([\s\S]*?)\\end\{\1\}\s*[.,;]?\s*$/.exec(answer);
  if (!block) return answer;
  const rows = block[2]!.split(/\\\\/).map((row) => row.replace(/&/g, " ").trim()).filter((row) => row !== "");
  return rows[rows.length - 1] ?? answer;
}

const CUSTOM_OPERATION = /\\(?:star|ast|circ|oplus|otimes|odot|ominus|diamond|bullet|dagger|boxtimes|boxplus|nabla|triangle|square|clubsuit|spadesuit|heartsuit|diamondsuit|#)(?![A-Za-z])/;

/**
 * The sides of a chain of `=` at the top level: an `=` inside braces or brackets (`\sum_{k=2}^{\infty}`,
 * `f(x=1)`) is part of a side, as are `<=`, `>=`, `!=`, `==` and `\=`.
 */
function equationSides(answer: string): string[] {
  const sides: string[] = [];
  let depth = 0;
  let from = 0;
  for (let index = 0; index < answer.length; index++) {
    const char = answer[index];
    if (char === "{" || char === "(" || char === "[") depth++;
    else if ((char === "}" || char === ")" || char === "]") && depth > 0) depth--;
    else if (char === "=" && depth === 0 && !/[<>!\\=]/.test(answer[index - 1] ?? "") && answer[index + 1] !== "=") {
      sides.push(answer.slice(from, index));
      from = index + 1;
    }
  }
  sides.push(answer.slice(from));
  // `= 375 + 523 = 898`: a continued row of an aligned chain has nothing before its first `=`.
  return sides.length > 1 && sides[0]!.trim() === "" ? sides.slice(1) : sides;
}

// ---------------------------------------------------------------------------------------------------
// Fallbacks.

function lastChoice(text: string): string | undefined {
  let letter: string | undefined;
  // "(C)", or "D) 24" (a label closed by a parenthesis at a word start).
  for (const match of text.matchAll(/\(([A-E])\)|(?<![A-Za-z0-9(\\])([A-E])\)(?=\s|$)/g)) letter = match[1] ?? match[2];
  return letter && `(${letter})`;
}

/**
 * The last inline or display math (`$…$`, `\(…\)`, `\[…\]`) that holds a digit: "The distance is
 * $\sqrt{117}$." states √117, which the last number (117) would misread. A stated chain of `=` keeps its
 * last side (the value arrived at), unless `relation`: the gold is itself an equation.
 */
export function lastMath(text: string, relation = false): string | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(/\$\$([^$]{1,400})\$\$|\$([^$]{1,400})\$|\\\(([\s\S]{1,400}?)\\\)|\\\[([\s\S]{1,400}?)\\\]/g)) {
    const content = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? "").trim();
    // "$5 and gets $3" is currency around prose, not math: words (outside commands) rule a segment out.
    const words = content.replace(/\\(?:text|mathrm|textbf|mbox|begin|end|operatorname)\s*\{[^{}]*\}|\\[A-Za-z]+/g, " ");
    if (/\d/.test(content) && !/[A-Za-z]{3,}/.test(words)) last = content;
  }
  if (last === undefined) return undefined;
  if (relation) return last;
  // `\sqrt{6^2 + 9^2} = \sqrt{117} = 3\sqrt{13}`: the side written last is the one arrived at.
  const sides = equationSides(lastRow(last));
  return sides[sides.length - 1]!.trim() || undefined;
}

const NUMBER = /(?:\\[dt]?frac\{-?\d+\}\{\d+\}|-?\d+(?:,\d{3})+(?:\.\d+)?(?!\d)|-?\d+(?:\.\d+)?(?:\s*\/\s*\d+(?![\d.]))?|-?\.\d+)/g;

export function lastNumber(text: string): string | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(NUMBER)) last = match[0];
  return last;
}
