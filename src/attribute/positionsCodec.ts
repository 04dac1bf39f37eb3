/**
 * Per-token divergence figures packed for the run store: what the report shows and the per-variant KLD
 * summary needs, and nothing more (no logits, no alternatives). 29 bytes a token, little-endian:
 * start, end (uint32: offsets into the scored text), KL, fp margin, variant margin, fp and variant
 * probability of the text's token (float32), flags (uint8: 1 same top-1, 2 diverging).
 */
import { QreasonError } from "../errors.ts";
import type { TokenDivergence } from "./divergence.ts";

export interface PackedPosition {
  start: number;
  end: number;
  kl: number;
  fpMargin: number;
  variantMargin: number;
  fpProbability: number;
  variantProbability: number;
  sameTop: boolean;
  diverges: boolean;
}

const BYTES = 29;

export function packPosition(token: TokenDivergence): PackedPosition {
  return {
    start: token.offset[0], end: token.offset[1], kl: token.kl, fpMargin: token.fpMargin, variantMargin: token.variantMargin,
    fpProbability: Math.exp(token.fpLogprob), variantProbability: Math.exp(token.variantLogprob), sameTop: token.sameTop, diverges: token.diverges,
  };
}

export function encodePositions(positions: readonly PackedPosition[]): Uint8Array {
  const bytes = new Uint8Array(positions.length * BYTES);
  const view = new DataView(bytes.buffer);
  positions.forEach((position, index) => {
    const at = index * BYTES;
    view.setUint32(at, position.start, true);
    view.setUint32(at + 4, position.end, true);
    view.setFloat32(at + 8, position.kl, true);
    view.setFloat32(at + 12, position.fpMargin, true);
    view.setFloat32(at + 16, position.variantMargin, true);
    view.setFloat32(at + 20, position.fpProbability, true);
    view.setFloat32(at + 24, position.variantProbability, true);
    view.setUint8(at + 28, (position.sameTop ? 1 : 0) | (position.diverges ? 2 : 0));
  });
  return bytes;
}

export function decodePositions(bytes: Uint8Array): PackedPosition[] {
  if (bytes.length % BYTES !== 0) throw new QreasonError("E_STORE", `packed divergence positions have ${bytes.length} bytes, not a multiple of ${BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const positions: PackedPosition[] = [];
  for (let at = 0; at < bytes.length; at += BYTES) {
    const flags = view.getUint8(at + 28);
    positions.push({
      start: view.getUint32(at, true), end: view.getUint32(at + 4, true), kl: view.getFloat32(at + 8, true),
      fpMargin: view.getFloat32(at + 12, true), variantMargin: view.getFloat32(at + 16, true),
      fpProbability: view.getFloat32(at + 20, true), variantProbability: view.getFloat32(at + 24, true),
      sameTop: (flags & 1) !== 0, diverges: (flags & 2) !== 0,
    });
  }
  return positions;
}
