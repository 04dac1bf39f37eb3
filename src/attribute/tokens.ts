/**
 * Scored tokens as attribution reads them, and where they fall among a solution's steps.
 *
 * `ScoredToken` is the Backend spec's `TokenScore` (PLAN.md: id, token, offset, logprob, rank, top-k,
 * margin), with the fields a backend may lack optional, so any backend's scores fit.
 */
import { QreasonError } from "../errors.ts";
import type { StepSegment } from "../steps/index.ts";

export interface ScoredAlternative {
  token: string;
  id?: number | null;
  logprob: number;
}

export interface ScoredToken {
  id?: number | null;
  token: string;
  /** [start, end) into the scored continuation (the solution text). */
  offset: readonly [number, number];
  /** Log-probability of this token (the text's) under the scoring model. */
  logprob: number;
  /** 0 = the model's top-1; null or absent when the backend cannot tell. */
  rank?: number | null;
  /** The top-k alternatives, most likely first. */
  top: readonly ScoredAlternative[];
  /** Top-1 minus top-2 (logit, or log-prob where logits are hidden). */
  margin?: number;
}

/** A key that identifies a token across two streams of the same tokenizer: the id where both have one. */
export function tokenKey(token: { token: string; id?: number | null }): string {
  return token.id === undefined || token.id === null ? `t:${token.token}` : `i:${token.id}`;
}

/** Top-1 minus top-2 log-prob: the stated margin when finite, else from the top-k list (Infinity for one entry). */
export function marginOf(token: ScoredToken): number {
  if (token.margin !== undefined && Number.isFinite(token.margin)) return token.margin;
  const [first, second] = token.top;
  if (!first) return 0;
  return second ? first.logprob - second.logprob : Number.POSITIVE_INFINITY;
}

/** The model's top-1 at this position: the first alternative, or the token itself when the list is empty. */
export function topOf(token: ScoredToken): ScoredAlternative {
  return token.top[0] ?? { token: token.token, id: token.id ?? null, logprob: token.logprob };
}

/**
 * The segment each token belongs to: the one holding the token's first non-space character (-1 for a
 * token of whitespace between steps, or outside every step).
 */
export function tokenSegments(text: string, segments: readonly StepSegment[], tokens: readonly Pick<ScoredToken, "offset">[]): number[] {
  return tokens.map(({ offset: [start, end] }) => {
    const content = text.slice(start, end);
    const lead = content.length - content.trimStart().length;
    if (lead === content.length && content.length > 0) {
      return segments.find((segment) => start >= segment.start && end <= segment.end)?.index ?? -1;
    }
    const position = start + lead;
    return segments.find((segment) => position >= segment.start && position < segment.end)?.index ?? -1;
  });
}

/** Checks that offsets are ordered, inside the text, and spell the tokens where the backend gives text. */
export function checkOffsets(text: string, tokens: readonly ScoredToken[], field: string): void {
  let previousEnd = 0;
  tokens.forEach((token, index) => {
    const [start, end] = token.offset;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < previousEnd || end < start || end > text.length) {
      throw new QreasonError("E_INPUT", `token ${index} has offsets [${start}, ${end}) that do not follow token ${index - 1} inside the ${text.length}-character text`, { field: `${field}[${index}].offset` });
    }
    previousEnd = end;
  });
}

/** Pairs two streams over the same text by identical offsets; positions only one stream has are counted. */
export function pairByOffsets<T extends Pick<ScoredToken, "offset">>(left: readonly T[], right: readonly T[]): { pairs: [T, T][]; unpaired: number } {
  const pairs: [T, T][] = [];
  let unpaired = 0;
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const a = left[i] as T;
    const b = right[j] as T;
    if (a.offset[0] === b.offset[0] && a.offset[1] === b.offset[1]) {
      pairs.push([a, b]);
      i++;
      j++;
    } else if (a.offset[1] <= b.offset[1]) {
      i++;
      unpaired++;
    } else {
      j++;
      unpaired++;
    }
  }
  return { pairs, unpaired: unpaired + (left.length - i) + (right.length - j) };
}
