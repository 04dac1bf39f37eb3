/**
 * Step segmentation: a model output split into the pieces a step verifier or a judge talks about.
 *
 * - Labelled outputs (`Step 1: ...`, `**Step 2.**`, `### Step 3 -`): a label at the start of a line, or
 *   `Step N:` after a sentence end, opens a segment that runs to the next label. Text before the first
 *   label is split like an unlabelled output. After the last label, lines holding the final answer
 *   (`\boxed`, `The answer is`, `####`) become their own segments, so the answer is not part of a step.
 * - Unlabelled outputs: one segment per sentence (split at `.`/`!`/`?` + space, and at line breaks).
 *
 * Offsets are into the original text, so a UI can highlight a segment exactly.
 */

export interface StepSegment {
  /** 0-based position among all segments. */
  index: number;
  /** The number in `Step N`, when the segment has a label. */
  label?: number;
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

interface Label {
  start: number;
  bodyStart: number;
  number: number;
}

function findLabels(text: string): Label[] {
  const labels: Label[] = [];
  for (const pattern of [LINE_LABEL, INLINE_LABEL]) {
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      const start = match.index + (match[0].length - match[0].trimStart().length);
      labels.push({ start, bodyStart: match.index + match[0].length, number: Number(match[1]) });
    }
  }
  labels.sort((left, right) => left.start - right.start);
  return labels.filter((label, position) => position === 0 || label.start !== labels[position - 1]?.start);
}

/** Pieces of `text` between `from` and `to`, one per sentence or line, trimmed, empty ones dropped. */
function sentences(text: string, from: number, to: number): { start: number; end: number }[] {
  const pieces: { start: number; end: number }[] = [];
  const boundary = /\n|(?<=[.!?])[ \t]+/g;
  boundary.lastIndex = from;
  let pieceStart = from;
  const push = (start: number, end: number): void => {
    const raw = text.slice(start, end);
    const trimmedStart = start + (raw.length - raw.trimStart().length);
    const trimmedEnd = end - (raw.length - raw.trimEnd().length);
    if (trimmedEnd > trimmedStart) pieces.push({ start: trimmedStart, end: trimmedEnd });
  };
  for (const match of text.slice(0, to).matchAll(boundary)) {
    if (match.index < from) continue;
    push(pieceStart, match.index);
    pieceStart = match.index + match[0].length;
  }
  push(pieceStart, to);
  return pieces;
}

/** Splits the last labelled step at the first later line that states the final answer. */
function answerTail(text: string, bodyStart: number, end: number): number {
  let lineStart = text.indexOf("\n", bodyStart);
  while (lineStart !== -1 && lineStart < end) {
    const lineEnd = text.indexOf("\n", lineStart + 1);
    const line = text.slice(lineStart + 1, lineEnd === -1 || lineEnd > end ? end : lineEnd);
    if (ANSWER_LINE.test(line)) return lineStart + 1;
    lineStart = lineEnd;
  }
  return end;
}

export function segmentSteps(text: string): StepSegment[] {
  const segments: StepSegment[] = [];
  const push = (start: number, end: number, bodyStart: number, label?: number): void => {
    const raw = text.slice(start, end);
    const trimmedEnd = start + raw.trimEnd().length;
    const body = text.slice(bodyStart, trimmedEnd).trim();
    segments.push({
      index: segments.length,
      ...(label === undefined ? {} : { label }),
      text: text.slice(start, trimmedEnd),
      body,
      start,
      end: trimmedEnd,
      bodyStart: bodyStart + (text.slice(bodyStart, trimmedEnd).length - text.slice(bodyStart, trimmedEnd).trimStart().length),
    });
  };
  const pushSentences = (from: number, to: number): void => {
    for (const piece of sentences(text, from, to)) push(piece.start, piece.end, piece.start);
  };
  const labels = findLabels(text);
  if (labels.length === 0) {
    pushSentences(0, text.length);
    return segments;
  }
  pushSentences(0, (labels[0] as Label).start);
  labels.forEach((label, position) => {
    const next = labels[position + 1];
    let end = next ? next.start : text.length;
    if (!next) end = answerTail(text, label.bodyStart, end);
    push(label.start, end, label.bodyStart, label.number);
    if (!next && end < text.length) pushSentences(end, text.length);
  });
  return segments;
}
