/**
 * Causal agreement: how often the three ways of locating where a variant went wrong point at the same
 * step, over many flips. All three are compared in the fp solution's steps:
 * - first vulnerable step (prefix rescue over fp prefixes) and first divergence step (forward
 *   teacher-forcing) are fp segments already;
 * - the verifier's first error is in the variant's solution and is carried over by the step alignment
 *   (`toFpSegment`).
 * Pure functions; the report and docs print them.
 */
import type { StepAlignment } from "../steps/index.ts";

/** Where one flip's three locators point, as fp segment indices (undefined: that locator found nothing). */
export interface FlipLocations {
  firstError?: number;
  firstDivergence?: number;
  firstVulnerable?: number;
}

export interface AgreementRate {
  /** Flips where both locators found a step. */
  pairs: number;
  /** Share of those pairs on the same step, within one step, and with each one strictly earlier. */
  exact: number;
  withinOne: number;
  firstEarlier: number;
  secondEarlier: number;
}

export type Locator = keyof FlipLocations;

export function agreementRate(flips: readonly FlipLocations[], first: Locator, second: Locator): AgreementRate {
  const pairs = flips.flatMap((flip) => (flip[first] !== undefined && flip[second] !== undefined ? [[flip[first], flip[second]] as [number, number]] : []));
  const share = (predicate: (a: number, b: number) => boolean): number =>
    pairs.length === 0 ? Number.NaN : pairs.filter(([a, b]) => predicate(a, b)).length / pairs.length;
  return {
    pairs: pairs.length,
    exact: share((a, b) => a === b),
    withinOne: share((a, b) => Math.abs(a - b) <= 1),
    firstEarlier: share((a, b) => a < b),
    secondEarlier: share((a, b) => b < a),
  };
}

export interface CausalAgreement {
  flips: number;
  found: Record<Locator, number>;
  vulnerableVsDivergence: AgreementRate;
  vulnerableVsError: AgreementRate;
  divergenceVsError: AgreementRate;
}

export function causalAgreement(flips: readonly FlipLocations[]): CausalAgreement {
  const found = (locator: Locator): number => flips.filter((flip) => flip[locator] !== undefined).length;
  return {
    flips: flips.length,
    found: { firstError: found("firstError"), firstDivergence: found("firstDivergence"), firstVulnerable: found("firstVulnerable") },
    vulnerableVsDivergence: agreementRate(flips, "firstVulnerable", "firstDivergence"),
    vulnerableVsError: agreementRate(flips, "firstVulnerable", "firstError"),
    divergenceVsError: agreementRate(flips, "firstDivergence", "firstError"),
  };
}

/**
 * The fp segment standing for a variant segment: its aligned counterpart; for a variant segment with none
 * (an inserted step), the fp segment after the last one aligned before it (where fp would go on).
 */
export function toFpSegment(alignment: StepAlignment, variantSegment: number, fpSegments: number): number | undefined {
  let lastFp = -1;
  for (const pair of alignment.pairs) {
    if (pair.variant === variantSegment) {
      if (pair.fp !== undefined) return pair.fp;
      return fpSegments === 0 ? undefined : Math.min(lastFp + 1, fpSegments - 1);
    }
    if (pair.fp !== undefined) lastFp = pair.fp;
  }
  return undefined;
}

/** Position of step `index` (0-based) among `count` steps, 0 (first) … 1 (last). */
export function relativePosition(index: number, count: number): number {
  if (count <= 1) return 0;
  return Math.min(1, Math.max(0, index / (count - 1)));
}

/** Counts of values in [0, 1] over `bins` equal bins (1 falls in the last). */
export function histogram(values: readonly number[], bins = 10): number[] {
  const counts = Array.from({ length: bins }, () => 0);
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(value * bins)));
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}
