/**
 * Attribution results as stored in the run store, read when the attribute stage has written any: for a
 * flip, the first divergence step (the variant, teacher-forced on fp's solution, first leaves it), the first
 * vulnerable step (prefix rescue), both as segments of fp's solution, and fp's tokens with their KL and the
 * variant's margins (the heat overlay). A store without attribution tables gives null: the page says so.
 */
import type { RunStore } from "../store/index.ts";

export interface TokenHeat {
  /** [start, end) offsets into fp's solution text. */
  start: number;
  end: number;
  kl: number | null;
  margin: number | null;
  /** The variant's top-1 was another token where fp was confident. */
  diverged: boolean;
}

export interface AttributionView {
  /** Segment of fp's solution where the first divergence is; null when none was found. */
  divergenceStep: number | null;
  /** Segment of fp's solution that is the first vulnerable step; null when none (see `vulnerableOutcome`). */
  vulnerableStep: number | null;
  vulnerableOutcome: string | null;
  tokens: TokenHeat[];
  segmenter: string;
}

/** The stored attribution of one flip (by the variant's and the baseline's generation keys), or null. */
export function readAttribution(store: RunStore, _flip: { key: string; baselineKey: string }): AttributionView | null {
  // The attribute stage's tables (schema v3) are not on this branch yet: nothing to read.
  if (!store.hasTable("attributions")) return null;
  return null;
}
