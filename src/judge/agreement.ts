/**
 * Agreement among judges, on nominal labels (a first-error step index, a category, a subtype). Pure
 * functions over a ratings matrix: one row per item, one column per rater, `null` where a rater gave no
 * (valid) label. Each statistic is checked against published worked values in agreement.test.ts.
 *
 * - pairwise agreement: for each pair of raters, the share of items both labelled on which they agree;
 * - Fleiss' kappa (Fleiss 1971): chance-corrected agreement of a fixed number of raters per item;
 * - Krippendorff's alpha, nominal (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"):
 *   chance-corrected, any number of raters per item, missing labels allowed;
 * - the effective number of independent votes: N raters whose errors correlate on average ρ̄ carry the
 *   information of N_eff = N / (1 + (N − 1) ρ̄) independent ones. This is Kish's design effect
 *   (Kish 1965, Survey Sampling, §5.4: deff = 1 + (m − 1) ρ for clusters of m with intra-class correlation
 *   ρ), i.e. the variance of the mean of N equicorrelated variables, σ²(1 + (N − 1)ρ)/N, set equal to σ²/N_eff.
 */

export type Label = string | number;
export type Ratings = readonly (readonly (Label | null | undefined)[])[];

export interface PairAgreement {
  /** Rater column indices. */
  first: number;
  second: number;
  /** Items both labelled. */
  shared: number;
  /** Share of shared items with equal labels; null when they share none. */
  agreement: number | null;
}

export interface PairwiseAgreement {
  pairs: PairAgreement[];
  /** Mean of the pairs' agreements (pairs sharing no item left out); null when no pair shares an item. */
  mean: number | null;
}

function raterCount(ratings: Ratings): number {
  const counts = new Set(ratings.map((row) => row.length));
  if (counts.size > 1) throw new RangeError(`every item needs one column per rater; rows have ${[...counts].join(", ")} columns`);
  return ratings[0]?.length ?? 0;
}

const present = (label: Label | null | undefined): label is Label => label !== null && label !== undefined;

export function pairwiseAgreement(ratings: Ratings): PairwiseAgreement {
  const raters = raterCount(ratings);
  const pairs: PairAgreement[] = [];
  for (let first = 0; first < raters; first++) {
    for (let second = first + 1; second < raters; second++) {
      let shared = 0;
      let agreeing = 0;
      for (const row of ratings) {
        const [left, right] = [row[first], row[second]];
        if (!present(left) || !present(right)) continue;
        shared++;
        if (left === right) agreeing++;
      }
      pairs.push({ first, second, shared, agreement: shared === 0 ? null : agreeing / shared });
    }
  }
  const defined = pairs.flatMap((pair) => (pair.agreement === null ? [] : [pair.agreement]));
  return { pairs, mean: defined.length === 0 ? null : defined.reduce((sum, value) => sum + value, 0) / defined.length };
}

export interface FleissKappa {
  /** Null when chance agreement is 1 (every label the same): kappa is undefined. */
  kappa: number | null;
  /** P̄: mean observed agreement per item. */
  observed: number;
  /** P̄e: agreement expected by chance from the label marginals. */
  expected: number;
  /** Items used (all raters labelled them). */
  items: number;
  raters: number;
}

/**
 * Fleiss' kappa from a count table: one row per item, one column per category, each cell the number of
 * raters who put the item in that category; every row must sum to the same number of raters n ≥ 2.
 */
export function fleissKappaFromCounts(counts: readonly (readonly number[])[]): FleissKappa {
  if (counts.length === 0) throw new RangeError("Fleiss' kappa needs at least one item");
  const raters = counts[0]?.reduce((sum, value) => sum + value, 0) ?? 0;
  if (raters < 2) throw new RangeError(`Fleiss' kappa needs at least two raters per item, got ${raters}`);
  const categories = counts[0]?.length ?? 0;
  const totals = new Array<number>(categories).fill(0);
  let observedSum = 0;
  for (const [index, row] of counts.entries()) {
    if (row.length !== categories) throw new RangeError(`item ${index} has ${row.length} categories, expected ${categories}`);
    if (row.some((value) => !Number.isInteger(value) || value < 0)) throw new RangeError(`item ${index} has a count that is not a non-negative integer`);
    const sum = row.reduce((total, value) => total + value, 0);
    if (sum !== raters) throw new RangeError(`item ${index} has ${sum} ratings, expected ${raters} (Fleiss' kappa needs the same number per item)`);
    observedSum += (row.reduce((total, value) => total + value * value, 0) - raters) / (raters * (raters - 1));
    row.forEach((value, category) => (totals[category] = (totals[category] as number) + value));
  }
  const observed = observedSum / counts.length;
  const expected = totals.reduce((sum, total) => sum + (total / (counts.length * raters)) ** 2, 0);
  const kappa = expected >= 1 ? null : (observed - expected) / (1 - expected);
  return { kappa, observed, expected, items: counts.length, raters };
}

/** Fleiss' kappa over the items every rater labelled (items with a missing label are left out). */
export function fleissKappa(ratings: Ratings): FleissKappa {
  const raters = raterCount(ratings);
  const complete = ratings.filter((row) => row.every(present)) as readonly (readonly Label[])[];
  const categories = [...new Set(complete.flat())];
  const index = new Map(categories.map((label, position) => [label, position]));
  const counts = complete.map((row) => {
    const cells = new Array<number>(categories.length).fill(0);
    for (const label of row) {
      const position = index.get(label) as number;
      cells[position] = (cells[position] as number) + 1;
    }
    return cells;
  });
  if (counts.length === 0) return { kappa: null, observed: Number.NaN, expected: Number.NaN, items: 0, raters };
  return fleissKappaFromCounts(counts);
}

export interface KrippendorffAlpha {
  /** Null when there is no variation to disagree about (one label only) or fewer than two pairable values. */
  alpha: number | null;
  /** Observed disagreement D_o and expected disagreement D_e (nominal metric). */
  observedDisagreement: number;
  expectedDisagreement: number;
  /** Pairable values n: labels on items with at least two labels. */
  pairable: number;
  /** Items with at least two labels. */
  items: number;
}

/**
 * Krippendorff's alpha for nominal data with missing labels: build the coincidence matrix
 * o_ck = Σ_u (number of ordered pairs (c, k) of labels within item u) / (m_u − 1) over items with
 * m_u ≥ 2 labels; n_c = Σ_k o_ck; α = 1 − D_o / D_e with D_o = Σ_{c≠k} o_ck / n and
 * D_e = Σ_{c≠k} n_c n_k / (n (n − 1)).
 */
export function krippendorffAlpha(ratings: Ratings): KrippendorffAlpha {
  raterCount(ratings);
  const coincidences = new Map<Label, Map<Label, number>>();
  let items = 0;
  let pairable = 0;
  for (const row of ratings) {
    const labels = row.filter(present);
    if (labels.length < 2) continue;
    items++;
    pairable += labels.length;
    const counts = new Map<Label, number>();
    for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
    const weight = 1 / (labels.length - 1);
    for (const [first, firstCount] of counts) {
      for (const [second, secondCount] of counts) {
        const pairsInItem = first === second ? firstCount * (firstCount - 1) : firstCount * secondCount;
        if (pairsInItem === 0) continue;
        let column = coincidences.get(first);
        if (!column) coincidences.set(first, (column = new Map()));
        column.set(second, (column.get(second) ?? 0) + pairsInItem * weight);
      }
    }
  }
  const marginals = new Map<Label, number>();
  for (const [label, column] of coincidences) marginals.set(label, [...column.values()].reduce((sum, value) => sum + value, 0));
  let disagreeing = 0;
  for (const [first, column] of coincidences) for (const [second, value] of column) if (first !== second) disagreeing += value;
  let expectedPairs = 0;
  for (const [first, firstTotal] of marginals) for (const [second, secondTotal] of marginals) if (first !== second) expectedPairs += firstTotal * secondTotal;
  const observedDisagreement = pairable === 0 ? Number.NaN : disagreeing / pairable;
  const expectedDisagreement = pairable < 2 ? Number.NaN : expectedPairs / (pairable * (pairable - 1));
  const alpha = pairable < 2 || expectedPairs === 0 ? null : 1 - ((pairable - 1) * disagreeing) / expectedPairs;
  return { alpha, observedDisagreement, expectedDisagreement, pairable, items };
}

export interface EffectiveVotes {
  raters: number;
  /** Mean Pearson correlation over rater pairs with a defined correlation; null when none has one. */
  meanCorrelation: number | null;
  /** Pairs whose correlation was defined (both varied over ≥ 2 shared items). */
  pairsUsed: number;
  /**
   * N / (1 + (N − 1) max(ρ̄, 0)). Negative mean correlations are clamped to 0, so the count never exceeds N
   * (anti-correlated voters do not make more than N independent ones for a majority vote). N when ρ̄ is null.
   */
  effective: number;
}

/**
 * The effective number of independent votes from per-item scores (one column per rater; typically 1 when
 * the rater was right and 0 when wrong on a calibration item, so ρ̄ is the correlation of their errors),
 * with pairwise-complete Pearson correlations.
 */
export function effectiveVotes(scores: readonly (readonly (number | null | undefined)[])[]): EffectiveVotes {
  const raters = raterCount(scores as Ratings);
  const correlations: number[] = [];
  for (let first = 0; first < raters; first++) {
    for (let second = first + 1; second < raters; second++) {
      const pairs = scores.flatMap((row) => {
        const [left, right] = [row[first], row[second]];
        return typeof left === "number" && typeof right === "number" ? [[left, right] as const] : [];
      });
      const correlation = pearson(pairs);
      if (correlation !== null) correlations.push(correlation);
    }
  }
  const meanCorrelation = correlations.length === 0 ? null : correlations.reduce((sum, value) => sum + value, 0) / correlations.length;
  const rho = Math.max(meanCorrelation ?? 0, 0);
  return { raters, meanCorrelation, pairsUsed: correlations.length, effective: raters === 0 ? 0 : raters / (1 + (raters - 1) * rho) };
}

function pearson(pairs: readonly (readonly [number, number])[]): number | null {
  if (pairs.length < 2) return null;
  const meanLeft = pairs.reduce((sum, [left]) => sum + left, 0) / pairs.length;
  const meanRight = pairs.reduce((sum, [, right]) => sum + right, 0) / pairs.length;
  let covariance = 0;
  let varianceLeft = 0;
  let varianceRight = 0;
  for (const [left, right] of pairs) {
    covariance += (left - meanLeft) * (right - meanRight);
    varianceLeft += (left - meanLeft) ** 2;
    varianceRight += (right - meanRight) ** 2;
  }
  if (varianceLeft === 0 || varianceRight === 0) return null;
  return covariance / Math.sqrt(varianceLeft * varianceRight);
}
