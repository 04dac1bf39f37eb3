/**
 * Attribution results as stored in the run store, read when the attribute stage has written any: for a
 * flip, the first divergence step (the variant, teacher-forced on fp's solution, first leaves it), the first
 * vulnerable step (prefix rescue), both as segments of fp's solution, and fp's tokens with their KL and the
 * variant's margins (the heat overlay). A store without attribution tables gives null: the page says so.
 */
import * as attribute from "../attribute/index.ts";
import { SEGMENTER_VERSION } from "../steps/index.ts";
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

interface AttributionRow {
  id: number;
  first_divergence_fp_step: number | null;
  first_vulnerable_fp_step: number | null;
  rescue_outcome: string | null;
  segmenter: string;
}

interface PackedPositionLike {
  start: number;
  end: number;
  kl: number;
  variantMargin: number;
  diverges: boolean;
}

/** src/attribute's codec of the packed per-token positions, once the attribute stage is part of this build. */
const decodePositions = (attribute as unknown as { decodePositions?: (bytes: Uint8Array) => PackedPositionLike[] }).decodePositions;

/** How many flips the attribute stage has attributed in this store (0 without its tables). */
export function attributedFlips(store: RunStore): number {
  if (!store.hasTable("attributions")) return 0;
  return Number(store.query<{ count: number }>("SELECT count(*) AS count FROM attributions WHERE role = 'flip'")[0]?.count ?? 0);
}

/**
 * The stored attribution of one flip (docs/attribution.md: the latest `attributions` row of the pair under
 * this segmenter, and its forward `divergences` row: tokens scored on fp's text), or null when there is none.
 */
export function readAttribution(store: RunStore, flip: { key: string; baselineKey: string }): AttributionView | null {
  if (!store.hasTable("attributions")) return null;
  const [row] = store.query<AttributionRow>(
    `SELECT id, first_divergence_fp_step, first_vulnerable_fp_step, rescue_outcome, segmenter FROM attributions
     WHERE variant_key = ? AND baseline_key = ? AND role = 'flip' AND segmenter = ? ORDER BY id DESC LIMIT 1`,
    flip.key,
    flip.baselineKey,
    SEGMENTER_VERSION,
  );
  if (row === undefined) return null;
  const tokens: TokenHeat[] = [];
  const [forward] = store.hasTable("divergences")
    ? store.query<{ positions: Uint8Array }>("SELECT positions FROM divergences WHERE attribution_id = ? AND direction = 'forward'", row.id)
    : [];
  if (forward !== undefined && decodePositions !== undefined) {
    for (const position of decodePositions(forward.positions)) {
      tokens.push({ start: position.start, end: position.end, kl: position.kl, margin: position.variantMargin, diverged: position.diverges });
    }
  }
  return {
    divergenceStep: row.first_divergence_fp_step,
    vulnerableStep: row.first_vulnerable_fp_step,
    vulnerableOutcome: row.rescue_outcome,
    tokens,
    segmenter: row.segmenter,
  };
}
