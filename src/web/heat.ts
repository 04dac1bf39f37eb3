/**
 * The per-token heat overlay: a solution's text cut at token offsets, each token given a heat level 0–6
 * from its KL(fp‖variant) (more is hotter) or, without KL, from the variant's margin between its top two
 * tokens (less is hotter: a token the variant nearly did not pick). Levels map to CSS classes, so the page
 * needs no inline style (its CSP allows none).
 */
import type { TokenHeat } from "../review/index.ts";

export type { TokenHeat };

/** KL thresholds (nats) of heat levels 1–6. */
export const KL_STEPS = [0.01, 0.03, 0.1, 0.3, 1, 3];
const MARGIN_STEPS = [4, 2, 1, 0.5, 0.25, 0.1];

export function heatLevel(token: Pick<TokenHeat, "kl" | "margin">): number {
  if (token.kl !== null && Number.isFinite(token.kl)) return KL_STEPS.filter((step) => token.kl as number >= step).length;
  if (token.margin !== null && Number.isFinite(token.margin)) return MARGIN_STEPS.filter((step) => (token.margin as number) < step).length;
  return 0;
}

export interface HeatPiece {
  text: string;
  level: number;
  token: TokenHeat | null;
}

/** `text[from, to)` in pieces: the parts inside tokens with their heat, the rest at level 0. */
export function heatPieces(text: string, from: number, to: number, tokens: readonly TokenHeat[]): HeatPiece[] {
  const pieces: HeatPiece[] = [];
  let position = from;
  for (const token of tokens) {
    if (token.end <= from || token.start >= to) continue;
    const start = Math.max(token.start, position);
    const end = Math.min(token.end, to);
    if (start > position) pieces.push({ text: text.slice(position, start), level: 0, token: null });
    if (end > start) pieces.push({ text: text.slice(start, end), level: heatLevel(token), token });
    position = Math.max(position, end);
  }
  if (position < to) pieces.push({ text: text.slice(position, to), level: 0, token: null });
  return pieces;
}
