/**
 * Step segmentation (SEGMENTER_VERSION, stored with every attribution so a changed segmenter is seen):
 * a model output split into the pieces a step verifier, an aligner or a judge talks about.
 *
 * - Labelled outputs (`Step 1: ...`, `**Step 2.**`, `### Step 3 -`): a label at the start of a line, or
 *   `Step N:` after a sentence end, opens a segment that runs to the next label, whatever it holds (prose,
 *   display math). Text before the first label is split like free text. After the last label, the first
 *   line stating the final answer (`\boxed`, `The answer is`, `####`) starts free text again, so the answer
 *   is not part of a step.
 * - Free text: one segment per display equation (`$$…$$`, `\[…\]`, `\begin{align}…\end{align}`, …), per
 *   line (paragraphs are lines too), and per sentence. A sentence ends at `.`, `!` or `?` followed by a
 *   space, except inside math (inline `$…$`, `\(…\)`, `\boxed{}`, `<<…>>`), after an abbreviation (`e.g.`,
 *   `i.e.`, `approx.`, `vs.`, …), after a list number at the start of a line (`1.`, `a)`), or when the next
 *   word starts in lower case. Decimals (`3.5`) never split: no space follows their point. A piece with no
 *   letter or digit (a lone `.` after a display) joins the segment before it.
 *
 * Offsets are into the original text, so a UI can highlight a segment exactly.
 */
import { findMathSpans, spanAt, type MathSpan } from "./mathSpans.ts";

export const SEGMENTER_VERSION = "steps/v2";

export type SegmentKind =
  /** Opened by a `Step N` label. */
  | "step"
  /** A sentence or line of free text. */
  | "sentence"
  /** A display equation on its own. */
  | "display"
  /** Free text that states the final answer (`\boxed`, `The answer is`, `####`). */
  | "answer";

export interface StepSegment {
  /** 0-based position among all segments. */
  index: number;
  kind: SegmentKind;
  /** The number in `Step N`, when the segment has a label. */
  label?: number;
  /** 0-based paragraph (blank-line separated block) the segment starts in. */
  paragraph: number;
  /** The whole segment, label included. */
  text: string;
  /** The segment without its label. */
  body: string;
  start: number;
  end: number;
  /** Offset of `body` in the original text. */
  bodyStart: number;
}

const LINE_LABEL = /^[ \t]*(?:[#>]+[ \t]*|[-*+][ \t]+)?(?:\*\*|__)?Step[ \t]*(\d+)[ \t]*(?:\*\*|__)?[ \t]*[:.)\-\u2013\u2014]?[ \t]*(?:\*\*|__)?/gim;
const INLINE_LABEL = /(?<=[.!?][ \t]+)(?:\*\*)?Step[ \t]*(\d+)[ \t]*:(?:\*\*)?[ \t]*/g;
const ANSWER_LINE = /\\boxed|^\s*(?:\*\*)?(?:so,? |thus,? |therefore,? |hence,? )?(?:the )?(?:final )?answer\b|^\s*####/i;
const ABBREVIATIONS = new Set([
  "e.g", "i.e", "etc", "vs", "approx", "cf", "resp", "fig", "eq", "eqs", "no", "nos", "mr", "mrs", "ms", "dr",
  "st", "al", "ca", "viz", "sec", "ch", "pp", "p", "ex", "min", "max", "hr", "hrs", "ft", "in", "lb", "lbs", "oz",
]);

interface Label {
  start: number;
  bodyStart: number;
  number: number;
}

function findLabels(text: string, spans: readonly MathSpan[]): Label[] {
  const labels: Label[] = [];
  for (const pattern of [LINE_LABEL, INLINE_LABEL]) {
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      const start = match.index + (match[0].length - match[0].trimStart().length);
      if (spanAt(spans, start)) continue; // `Step 1` inside a formula or a box is not a label
      labels.push({ start, bodyStart: match.index + match[0].length, number: Number(match[1]) });
    }
  }
  labels.sort((left, right) => left.start - right.start);
  return labels.filter((label, position) => position === 0 || label.start !== labels[position - 1]?.start);
}

/** Is the `.`, `!` or `?` at `position` (followed by a space) the end of a sentence? */
function endsSentence(text: string, position: number, lineStart: number): boolean {
  const next = /^[ \t]+(\S)/.exec(text.slice(position + 1, position + 40))?.[1];
  if (next !== undefined && /\p{Ll}/u.test(next)) return false; // "approx. half", "3 vs. 4 apples"
  if (text[position] !== ".") return true;
  const word = /([A-Za-z][A-Za-z.]*)$/.exec(text.slice(Math.max(lineStart, position - 12), position))?.[1];
  if (word !== undefined && ABBREVIATIONS.has(word.toLowerCase())) return false;
  // A list number or letter opening the line: "1. Tom has", "b. Then".
  return !/^[ \t]*(?:[-*+][ \t]+)?(?:\d{1,3}|[A-Za-z]|[ivxlc]+)$/i.test(text.slice(lineStart, position));
}

interface Piece {
  start: number;
  end: number;
  display: boolean;
}

/** Free text between `from` and `to`, cut into display equations, lines and sentences (untrimmed). */
function freePieces(text: string, from: number, to: number, spans: readonly MathSpan[]): Piece[] {
  const pieces: Piece[] = [];
  let pieceStart = from;
  let lineStart = from;
  const cut = (end: number, next: number): void => {
    pieces.push({ start: pieceStart, end, display: false });
    pieceStart = next;
  };
  let position = from;
  while (position < to) {
    const span = spanAt(spans, position);
    if (span && span.start === position && span.kind === "display" && span.end <= to) {
      cut(position, position);
      pieces.push({ start: span.start, end: span.end, display: true });
      pieceStart = span.end;
      position = span.end;
      continue;
    }
    if (span) {
      position = Math.min(span.end, to);
      continue;
    }
    const char = text[position] as string;
    if (char === "\n") {
      cut(position, position + 1);
      lineStart = position + 1;
    } else if ((char === "." || char === "!" || char === "?") && /[ \t]/.test(text.charAt(position + 1)) && endsSentence(text, position, lineStart)) {
      cut(position + 1, position + 1);
    }
    position++;
  }
  cut(to, to);
  return pieces;
}

/** Start offsets of paragraphs: 0 and every position after a blank line. */
function paragraphStarts(text: string): number[] {
  const starts = [0];
  for (const match of text.matchAll(/\n[ \t]*\n\s*/g)) starts.push(match.index + match[0].length);
  return starts;
}

/** Splits the last labelled step at the first later line that states the final answer. */
function answerTail(text: string, bodyStart: number, end: number, spans: readonly MathSpan[]): number {
  let lineStart = text.indexOf("\n", bodyStart);
  while (lineStart !== -1 && lineStart < end) {
    const lineEnd = text.indexOf("\n", lineStart + 1);
    const line = text.slice(lineStart + 1, lineEnd === -1 || lineEnd > end ? end : lineEnd);
    if (!spanAt(spans, lineStart) && ANSWER_LINE.test(line)) return lineStart + 1;
    lineStart = lineEnd;
  }
  return end;
}

export function segmentSteps(text: string): StepSegment[] {
  const spans = findMathSpans(text);
  const paragraphs = paragraphStarts(text);
  const segments: StepSegment[] = [];
  const paragraphOf = (offset: number): number => {
    let index = 0;
    while (index + 1 < paragraphs.length && (paragraphs[index + 1] as number) <= offset) index++;
    return index;
  };
  const push = (start: number, end: number, bodyStart: number, kind: SegmentKind, label?: number): void => {
    const trimmedStart = start + (text.slice(start, end).length - text.slice(start, end).trimStart().length);
    const trimmedEnd = start + text.slice(start, end).trimEnd().length;
    if (trimmedEnd <= trimmedStart) return;
    const bodyFrom = Math.max(bodyStart, trimmedStart);
    const rawBody = text.slice(bodyFrom, trimmedEnd);
    segments.push({
      index: segments.length,
      kind,
      ...(label === undefined ? {} : { label }),
      paragraph: paragraphOf(trimmedStart),
      text: text.slice(trimmedStart, trimmedEnd),
      body: rawBody.trim(),
      start: trimmedStart,
      end: trimmedEnd,
      bodyStart: bodyFrom + (rawBody.length - rawBody.trimStart().length),
    });
  };
  const pushFree = (from: number, to: number): void => {
    const first = segments.length;
    for (const piece of freePieces(text, from, to, spans)) {
      const content = text.slice(piece.start, piece.end);
      const previous = segments[segments.length - 1];
      if (!piece.display && !/[\p{L}\p{N}]/u.test(content)) {
        // Punctuation or markup alone ("." after a display, "**"): part of the segment before it, if any.
        if (previous && segments.length > first && content.trim() !== "") {
          const end = piece.start + content.trimEnd().length;
          segments[segments.length - 1] = { ...previous, end, text: text.slice(previous.start, end), body: text.slice(previous.bodyStart, end) };
        }
        continue;
      }
      const kind: SegmentKind = spans.some((span) => span.kind === "boxed" && span.start >= piece.start && span.start < piece.end) || ANSWER_LINE.test(content)
        ? "answer"
        : piece.display ? "display" : "sentence";
      push(piece.start, piece.end, piece.start, kind);
    }
  };
  const labels = findLabels(text, spans);
  if (labels.length === 0) {
    pushFree(0, text.length);
    return segments;
  }
  pushFree(0, (labels[0] as Label).start);
  labels.forEach((label, position) => {
    const next = labels[position + 1];
    let end = next ? next.start : text.length;
    if (!next) end = answerTail(text, label.bodyStart, end, spans);
    push(label.start, end, label.bodyStart, "step", label.number);
    if (!next && end < text.length) pushFree(end, text.length);
  });
  return segments;
}
