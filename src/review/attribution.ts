/**
 * Attribution results as stored in the run store, read when the attribute stage has written any: for a
 * flip, the first divergence step (the variant, teacher-forced on fp's solution, first leaves it) and the
 * first vulnerable step (prefix rescue), as segments of fp's solution; the reverse divergence step (fp,
 * teacher-forced on the variant's solution, first confidently prefers another token) and the unrecoverable
 * step (the mirror rescue: fp continuing the variant's prefix fails from it), as segments of the variant's;
 * and both texts' tokens with their KL(fp‖variant) and the other model's margin (the heat overlay). A store
 * without attribution tables gives null: the page says so.
 */
import { decodePositions } from "../attribute/index.ts";
import { SEGMENTER_VERSION } from "../steps/index.ts";
import type { RunStore } from "../store/index.ts";

export interface TokenHeat {
  /** [start, end) offsets into the scored solution text (fp's forward, the variant's in reverse). */
  start: number;
  end: number;
  kl: number | null;
  /** The margin of the model that did not write the text (forward the variant's, reverse fp's). */
  margin: number | null;
  /** Forward: the variant's top-1 was another token where fp was confident; reverse: fp confidently preferred another token. */
  diverged: boolean;
}

export interface AttributionView {
  /** Segment of fp's solution where the first divergence is; null when none was found. */
  divergenceStep: number | null;
  /** Segment of fp's solution that is the first vulnerable step; null when none (see `vulnerableOutcome`). */
  vulnerableStep: number | null;
  vulnerableOutcome: string | null;
  /** Segment of the variant's solution where fp, scored on it, first confidently prefers another token. */
  reverseDivergenceStep: number | null;
  /** Segment of the variant's solution from which fp, continuing the variant's prefix, no longer recovers. */
  unrecoverableStep: number | null;
  mirrorOutcome: string | null;
  /** fp's solution's tokens (forward divergence). */
  tokens: TokenHeat[];
  /** The variant's solution's tokens (reverse divergence). */
  variantTokens: TokenHeat[];
  segmenter: string;
}

interface AttributionRow {
  id: number;
  first_divergence_fp_step: number | null;
  first_vulnerable_fp_step: number | null;
  rescue_outcome: string | null;
  reverse_divergence_variant_step: number | null;
  unrecoverable_variant_step: number | null;
  mirror_outcome: string | null;
  segmenter: string;
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** How many flips the attribute stage has attributed in this store (0 without its tables). */
export function attributedFlips(store: RunStore): number {
  if (!store.hasTable("attributions")) return 0;
  return Number(store.query<{ count: number }>("SELECT count(*) AS count FROM attributions WHERE role = 'flip'")[0]?.count ?? 0);
}

/**
 * The stored attribution of one flip (docs/attribution.md: the latest `attributions` row of the pair under
 * this segmenter, and its `divergences` rows: forward, tokens scored on fp's text; reverse, on the variant's),
 * or null when there is none.
 */
export function readAttribution(store: RunStore, flip: { key: string; baselineKey: string }): AttributionView | null {
  if (!store.hasTable("attributions")) return null;
  const [row] = store.query<AttributionRow>(
    `SELECT id, first_divergence_fp_step, first_vulnerable_fp_step, rescue_outcome, reverse_divergence_variant_step, unrecoverable_variant_step, mirror_outcome, segmenter
     FROM attributions WHERE variant_key = ? AND baseline_key = ? AND role = 'flip' AND segmenter = ? ORDER BY id DESC LIMIT 1`,
    flip.key,
    flip.baselineKey,
    SEGMENTER_VERSION,
  );
  if (row === undefined) return null;
  const heat = (direction: "forward" | "reverse"): TokenHeat[] => {
    if (!store.hasTable("divergences")) return [];
    const [stored] = store.query<{ positions: Uint8Array }>("SELECT positions FROM divergences WHERE attribution_id = ? AND direction = ?", row.id, direction);
    if (stored === undefined) return [];
    return decodePositions(stored.positions).map((position) => ({
      start: position.start,
      end: position.end,
      kl: finite(position.kl),
      margin: finite(direction === "forward" ? position.variantMargin : position.fpMargin),
      diverged: position.diverges,
    }));
  };
  return {
    divergenceStep: row.first_divergence_fp_step,
    vulnerableStep: row.first_vulnerable_fp_step,
    vulnerableOutcome: row.rescue_outcome,
    reverseDivergenceStep: row.reverse_divergence_variant_step,
    unrecoverableStep: row.unrecoverable_variant_step,
    mirrorOutcome: row.mirror_outcome,
    tokens: heat("forward"),
    variantTokens: heat("reverse"),
    segmenter: row.segmenter,
  };
}
