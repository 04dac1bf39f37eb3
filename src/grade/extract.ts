/**
 * Stage 2, extract: a cleaned model output → the answer it states, with how it was found.
 *   boxed         the last complete `\boxed{}`/`\fbox{}` (nested braces; adjacent boxes form a list).
 *                 A box is the most deliberate mark, so it wins outright.
 *   final_answer  "Final Answer: The final answer is $X$" (the Minerva/lm-eval format)
 *   answer_is     "the (final) answer is X"
 *   gsm8k         "#### X"
 *   answer_label  "Answer: X" / "**Final answer:** X"
 *                 Among these four the latest in the output wins (the model's last word), except that
 *                 "the answer is" followed by plain words ("is consistent") yields to the others.
 * Fallbacks, flagged so reports can count how often the format broke (quantization often breaks the
 * format before the math):
 *   boxed         an unclosed `\boxed{...` at the end (a cut-off output): what it got to write
 *   choice        a lone "(C)" when the gold is a multiple-choice letter
 *   last_math     the last `$…$` / `\(…\)` math holding a digit (its last side if it is a chain of =)
 *   last_number   the last number in the text
 * Every scan is linear in the output length; 20k-character outputs cost microseconds.
 */

export type ExtractionMethod =
  | "boxed"
  | "final_answer"
  | "answer_is"
  | "gsm8k"
  | "answer_label"
  | "choice"
  | "last_math"
  | "last_number";

export interface Extraction {
  answer: string;
  method: ExtractionMethod;
  /** Found by a fallback rather than a marker the model wrote on purpose. */
  fallback: boolean;
}

export interface ExtractOptions {
  /** Fall back to the last number when no marker is found (default true). */
  lastNumber?: boolean;
  /** The gold is a multiple-choice letter: look for "(C)" before the last number. */
  choices?: boolean;
}

export function extractAnswer(text: string, options: ExtractOptions = {}): Extraction | undefined {
  const boxed = boxedAnswer(text);
  if (boxed !== undefined) return { answer: boxed.trim(), method: "boxed", fallback: false }; // "" = an empty box
  // Without a box, the latest statement wins; but "the answer is consistent" is prose, not an answer,
  // so an "answer is" followed by plain words yields to any other marker.
  const stated = [
    statedAt(text, FINAL_ANSWER_IS, "final_answer"),
    statedAt(text, ANSWER_IS, "answer_is"),
    statedAt(text, GSM8K_MARK, "gsm8k"),
    statedAt(text, ANSWER_LABEL, "answer_label"),
  ].filter((candidate): candidate is Stated => candidate !== undefined);
  const latest = (candidates: Stated[]) => candidates.reduce<Stated | undefined>((best, next) => (!best || next.at > best.at ? next : best), undefined);
  const chosen = latest(stated.filter((candidate) => candidate.method !== "answer_is" || /[\d\\$^=()]/.test(candidate.answer))) ?? latest(stated);
  if (chosen) return { answer: chosen.answer, method: chosen.method, fallback: false };
  const unclosed = unclosedBox(text);
  if (unclosed) return { answer: unclosed, method: "boxed", fallback: true };
  if (options.choices) {
    const choice = lastChoice(text);
    if (choice) return { answer: choice, method: "choice", fallback: true };
  }
  if (options.lastNumber ?? true) {
    const math = lastMath(text);
    if (math) return { answer: math, method: "last_math", fallback: true };
    const number = lastNumber(text);
    if (number) return { answer: number, method: "last_number", fallback: true };
  }
  return undefined;
}

interface Stated {
  answer: string;
  method: ExtractionMethod;
  /** Where the marker ends in the text. */
  at: number;
}

function statedAt(text: string, marker: RegExp, method: ExtractionMethod): Stated | undefined {
  const at = lastMatchEnd(text, marker);
  if (at === undefined) return undefined;
  const rest = method === "answer_label" ? text.slice(at, at + 2000).replace(/^\s*\n/, "") : text.slice(at, at + 2000);
  const answer = statedValue(rest)?.trim();
  return answer ? { answer, method, at } : undefined;
}

interface Box {
  start: number;
  end: number;
  content: string;
}

const BOX_COMMAND = /\\(?:boxed|fbox)(?![A-Za-z])/g;
/** What may sit between boxes that together state one answer: `$\boxed{2}$ and $\boxed{3}$`. */
const BOX_SEPARATOR = /^(?:\s|\$|,|;|\\[[\]()]|\\quad|\\qquad|\\text\{\s*(?:and|or|,)\s*\}|\band\b|\bor\b)*$/;

/** The content of the last complete box, joined with the boxes right before it that continue it. */
export function boxedAnswer(text: string, depth = 0): string | undefined {
  const matches = [...text.matchAll(BOX_COMMAND)];
  if (matches.length === 0) return undefined;
  const closing = matchingBraces(text, matches[0]!.index);
  const boxes: Box[] = [];
  for (const match of matches) {
    if (match.index < (boxes[boxes.length - 1]?.end ?? -1)) continue; // inside the previous box
    const box = readBox(text, match.index + match[0].length, match.index, closing, depth);
    if (box) boxes.push(box);
  }
  const last = boxes[boxes.length - 1];
  if (!last) return undefined;
  if (/\\(?:boxed|fbox)\s*\{/.test(text.slice(last.end))) return undefined; // a later box opened and never closed
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

/** "Final Answer: The final answer is $X$. I hope it is correct." (Minerva / lm-eval). */
const FINAL_ANSWER_IS = /final answer is\s*:?\s*/gi;
/** "The answer is X", "the final answer is: X", "answer would be X". */
const ANSWER_IS = /\banswer\s+(?:is|would be|should be|will be|=)\s*:?\s*/gi;
const GSM8K_MARK = /####\s*/g;
/**
 * "Answer: X", "**Final Answer:** X", "✅ Final Answer: **73**" at a line or sentence start, or a heading
 * line "## Final Answer" / "**Final Answer**" with X on the next line.
 */
const ANSWER_LABEL =
  /(?:^|\n|[.!?][^\S\n]+)[^\S\n]*[^\w\s]{0,4}[^\S\n]*(?:\*\*)?(?:final\s+)?answer[^\S\n]*(?:\*\*)?[^\S\n]*(?:[:：][^\S\n]*(?:\*\*)?[ \t]*|(?=\n))/gi;

/** The value that starts a sentence tail: `$X$`, `\(X\)`, `\[X\]`, a box, or text up to the sentence end. */
function statedValue(tail: string): string | undefined {
  let rest = tail.replace(/^\*\*|^\s+/g, "");
  const box = boxedAnswer(rest.slice(0, 600).split(/\n\s*\n/)[0] ?? "");
  if (box) return box;
  const delimited =
    /^\$\$([\s\S]*?)\$\$/.exec(rest) ?? /^\$((?:\\\$|[^$])*)\$/.exec(rest) ?? /^\\\(([\s\S]*?)\\\)/.exec(rest) ?? /^\\\[([\s\S]*?)\\\]/.exec(rest);
  if (delimited) return delimited[1];
  rest = rest.split("\n")[0] ?? "";
  // A sentence ends at ". " or a final "." (not the point of 3.5), or at "I hope".
  const end = rest.search(/\.\s|\.$|\s+I hope|\*\*/);
  const value = (end === -1 ? rest : rest.slice(0, end)).trim();
  return value.length > 0 && value.length <= 400 ? value : undefined;
}

function lastMatchEnd(text: string, pattern: RegExp): number | undefined {
  let end: number | undefined;
  for (const match of text.matchAll(pattern)) end = match.index + match[0].length;
  return end;
}

function lastChoice(text: string): string | undefined {
  let letter: string | undefined;
  for (const match of text.matchAll(/\(([A-E])\)/g)) letter = match[1];
  return letter && `(${letter})`;
}

/**
 * The last inline or display math (`$…$`, `\(…\)`, `\[…\]`) that holds a digit: "The distance is
 * $\sqrt{117}$." states √117, which the last number (117) would misread. A stated relation keeps its last side.
 */
export function lastMath(text: string): string | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(/\$\$([^$]{1,400})\$\$|\$([^$]{1,400})\$|\\\(([\s\S]{1,400}?)\\\)|\\\[([\s\S]{1,400}?)\\\]/g)) {
    const content = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? "").trim();
    // "$5 and gets $3" is currency around prose, not math: words (outside commands) rule a segment out.
    const words = content.replace(/\\[A-Za-z]+|\\text\{[^{}]*\}/g, " ");
    if (/\d/.test(content) && !/[A-Za-z]{3,}/.test(words)) last = content;
  }
  if (last === undefined) return undefined;
  // `\sqrt{6^2 + 9^2} = \sqrt{117} = 3\sqrt{13}`: the side written last is the one arrived at.
  const sides = last.split(/(?<![<>!\\])=(?!=)/);
  return sides[sides.length - 1]!.trim() || undefined;
}

const NUMBER = /(?:\\[dt]?frac\{-?\d+\}\{\d+\}|-?\d+(?:,\d{3})+(?:\.\d+)?(?!\d)|-?\d+(?:\.\d+)?(?:\s*\/\s*\d+(?![\d.]))?|-?\.\d+)/g;

export function lastNumber(text: string): string | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(NUMBER)) last = match[0];
  return last;
}
