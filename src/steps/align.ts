/**
 * Step alignment: which step of the variant's solution stands for which step of the baseline's, so a
 * report can show the two side by side and a first error found in one can be located in the other.
 *
 * - By number: when both solutions label their steps (`Step N`) with increasing numbers, steps with the
 *   same number are paired; they are anchors.
 * - By similarity: the segments between anchors (all of them when a side has no labels) are aligned by a
 *   monotone global alignment (Needleman–Wunsch): pairing two segments scores `similarity − threshold`, a
 *   gap scores 0, and the alignment with the highest total wins. So two segments are paired only when
 *   they are more alike than `threshold`, and order is never crossed.
 *
 * Similarity (0…1) mixes the numbers the two segments state (multiset Jaccard, weight 0.6: in math the
 * numbers say most) with their words (set Jaccard, 0.4); segments without numbers compare by words alone.
 */
import type { StepSegment } from "./segment.ts";

export interface StepPair {
  /** Index into the baseline's segments; absent for a variant step with no counterpart. */
  fp?: number;
  /** Index into the variant's segments; absent for a baseline step with no counterpart. */
  variant?: number;
  /** Similarity of the paired segments (0 for a gap). */
  similarity: number;
  by: "label" | "similarity" | "gap";
}

export interface StepAlignment {
  method: "labels" | "similarity";
  pairs: StepPair[];
}

export interface AlignOptions {
  /** Two segments are paired only when their similarity exceeds this (default 0.2). */
  threshold?: number;
}

type AlignedSegment = Pick<StepSegment, "body" | "kind" | "label">;

const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;

function numbersOf(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(NUMBER)) {
    const value = String(Number(match[0].replaceAll(",", "")));
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

function wordsOf(text: string): Set<string> {
  return new Set([...text.toLowerCase().matchAll(/\p{L}{2,}/gu)].map((match) => match[0]));
}

function multisetJaccard(left: Map<string, number>, right: Map<string, number>): number {
  let shared = 0;
  let total = 0;
  for (const key of new Set([...left.keys(), ...right.keys()])) {
    const a = left.get(key) ?? 0;
    const b = right.get(key) ?? 0;
    shared += Math.min(a, b);
    total += Math.max(a, b);
  }
  return total === 0 ? 0 : shared / total;
}

function setJaccard(left: Set<string>, right: Set<string>): number {
  if (left.size === 0 && right.size === 0) return 0;
  let shared = 0;
  for (const word of left) if (right.has(word)) shared++;
  return shared / (left.size + right.size - shared);
}

/** How alike two step texts are, 0…1 (numbers weigh 0.6, words 0.4; words alone when neither has numbers). */
export function stepSimilarity(left: string, right: string): number {
  const leftNumbers = numbersOf(left);
  const rightNumbers = numbersOf(right);
  const words = setJaccard(wordsOf(left), wordsOf(right));
  if (leftNumbers.size === 0 && rightNumbers.size === 0) return words;
  return 0.6 * multisetJaccard(leftNumbers, rightNumbers) + 0.4 * words;
}

/** Needleman–Wunsch over fp[fpFrom, fpTo) × variant[variantFrom, variantTo), pairs in order. */
function alignRange(
  fp: readonly AlignedSegment[], variant: readonly AlignedSegment[],
  fpFrom: number, fpTo: number, variantFrom: number, variantTo: number, threshold: number,
): StepPair[] {
  const rows = fpTo - fpFrom;
  const columns = variantTo - variantFrom;
  const similarity: number[][] = [];
  for (let row = 0; row < rows; row++) {
    similarity.push([]);
    for (let column = 0; column < columns; column++) {
      similarity[row]!.push(stepSimilarity((fp[fpFrom + row] as AlignedSegment).body, (variant[variantFrom + column] as AlignedSegment).body));
    }
  }
  // best[i][j]: the best total over the first i fp and first j variant segments.
  const best: Float64Array[] = Array.from({ length: rows + 1 }, () => new Float64Array(columns + 1));
  for (let row = 1; row <= rows; row++) {
    for (let column = 1; column <= columns; column++) {
      const diagonal = best[row - 1]![column - 1]! + similarity[row - 1]![column - 1]! - threshold;
      best[row]![column] = Math.max(diagonal, best[row - 1]![column]!, best[row]![column - 1]!);
    }
  }
  const pairs: StepPair[] = [];
  let row = rows;
  let column = columns;
  while (row > 0 || column > 0) {
    const here = best[row]![column]!;
    if (row > 0 && column > 0) {
      const score = similarity[row - 1]![column - 1]!;
      if (score > threshold && here === best[row - 1]![column - 1]! + score - threshold) {
        pairs.push({ fp: fpFrom + row - 1, variant: variantFrom + column - 1, similarity: score, by: "similarity" });
        row--;
        column--;
        continue;
      }
    }
    if (row > 0 && (column === 0 || here === best[row - 1]![column]!)) {
      pairs.push({ fp: fpFrom + row - 1, similarity: 0, by: "gap" });
      row--;
    } else {
      pairs.push({ variant: variantFrom + column - 1, similarity: 0, by: "gap" });
      column--;
    }
  }
  return pairs.reverse();
}

/** Label numbers of the labelled segments, when they strictly increase (else undefined). */
function increasingLabels(segments: readonly AlignedSegment[]): Map<number, number> | undefined {
  const byLabel = new Map<number, number>();
  let last = -Infinity;
  segments.forEach((segment, index) => {
    if (segment.label === undefined) return;
    if (segment.label <= last) last = Infinity;
    else last = segment.label;
    byLabel.set(segment.label, index);
  });
  return last === Infinity || byLabel.size === 0 ? undefined : byLabel;
}

export function alignSteps(fp: readonly AlignedSegment[], variant: readonly AlignedSegment[], options: AlignOptions = {}): StepAlignment {
  const threshold = options.threshold ?? 0.2;
  const fpLabels = increasingLabels(fp);
  const variantLabels = increasingLabels(variant);
  const anchors: [number, number][] = [];
  if (fpLabels && variantLabels) {
    for (const [label, fpIndex] of fpLabels) {
      const variantIndex = variantLabels.get(label);
      if (variantIndex !== undefined) anchors.push([fpIndex, variantIndex]);
    }
  }
  if (anchors.length === 0) {
    return { method: "similarity", pairs: alignRange(fp, variant, 0, fp.length, 0, variant.length, threshold) };
  }
  const pairs: StepPair[] = [];
  let fpFrom = 0;
  let variantFrom = 0;
  for (const [fpIndex, variantIndex] of anchors) {
    pairs.push(...alignRange(fp, variant, fpFrom, fpIndex, variantFrom, variantIndex, threshold));
    pairs.push({
      fp: fpIndex, variant: variantIndex, by: "label",
      similarity: stepSimilarity((fp[fpIndex] as AlignedSegment).body, (variant[variantIndex] as AlignedSegment).body),
    });
    fpFrom = fpIndex + 1;
    variantFrom = variantIndex + 1;
  }
  pairs.push(...alignRange(fp, variant, fpFrom, fp.length, variantFrom, variant.length, threshold));
  return { method: "labels", pairs };
}

/** The baseline segment a variant segment is aligned with (undefined when it has none). */
export function fpCounterpart(alignment: StepAlignment, variantIndex: number): number | undefined {
  return alignment.pairs.find((pair) => pair.variant === variantIndex)?.fp;
}

/** The variant segment a baseline segment is aligned with (undefined when it has none). */
export function variantCounterpart(alignment: StepAlignment, fpIndex: number): number | undefined {
  return alignment.pairs.find((pair) => pair.fp === fpIndex)?.variant;
}
