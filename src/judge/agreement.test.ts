/**
 * Agreement statistics against published worked values:
 * - Fleiss' kappa: the worked example of Wikipedia's "Fleiss' kappa" article (10 subjects, 14 raters,
 *   5 categories: P̄ = 0.378, P̄e = 0.213, κ = 0.210); statsmodels' fleiss_kappa gives 0.20993070442195522.
 * - Krippendorff's alpha (nominal, missing data): Krippendorff (2011), "Computing Krippendorff's
 *   alpha-reliability", the 4-observer × 12-unit example with missing values (α = 0.743), and the
 *   3-coder × 15-unit example of Wikipedia's "Krippendorff's alpha" article (α = 0.691); exact values and a
 *   seeded random 5 × 20 matrix with 20 % missing from the `krippendorff` Python package 0.9.0.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { effectiveVotes, fleissKappa, fleissKappaFromCounts, krippendorffAlpha, pairwiseAgreement } from "./agreement.ts";

/** Reliability data as published (observers × units), turned into items × raters. */
const transpose = (byObserver: (number | null)[][]): (number | null)[][] =>
  (byObserver[0] as (number | null)[]).map((_, unit) => byObserver.map((row) => row[unit] ?? null));

const _ = null;

describe("Fleiss' kappa", () => {
  const wikipedia = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
  ];

  it("matches Wikipedia's worked example and statsmodels", () => {
    const result = fleissKappaFromCounts(wikipedia);
    assert.ok(Math.abs(result.observed - 0.378) < 5e-4, String(result.observed));
    assert.ok(Math.abs(result.expected - 0.213) < 5e-4, String(result.expected));
    assert.ok(Math.abs((result.kappa as number) - 0.20993070442195522) < 1e-12, String(result.kappa));
    assert.deepEqual([result.items, result.raters], [10, 14]);
  });

  it("gives the same from raw ratings as from the count table", () => {
    const ratings = wikipedia.map((row) => row.flatMap((count, category) => new Array<string>(count).fill(`c${category}`)));
    assert.ok(Math.abs((fleissKappa(ratings).kappa as number) - 0.20993070442195522) < 1e-12);
  });

  it("uses only complete items, is 1 for perfect agreement, and undefined with a single label", () => {
    assert.equal(fleissKappa([["a", "a"], ["b", "b"], ["a", null]]).items, 2);
    assert.equal(fleissKappa([["a", "a"], ["b", "b"]]).kappa, 1);
    assert.equal(fleissKappa([["a", "a"], ["a", "a"]]).kappa, null);
  });

  it("refuses rows with different numbers of ratings", () => {
    assert.throws(() => fleissKappaFromCounts([[1, 1], [2, 1]]), /expected 2/);
  });
});

describe("Krippendorff's alpha (nominal)", () => {
  it("matches Krippendorff (2011)'s example with missing data: 0.743", () => {
    const data = transpose([
      [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
      [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
    ]);
    const result = krippendorffAlpha(data);
    assert.ok(Math.abs((result.alpha as number) - 0.743421052631579) < 1e-12, String(result.alpha));
    // Unit 12 has one value, so it is not pairable: 11 units, 40 pairable values (Krippendorff's n = 40).
    assert.deepEqual([result.items, result.pairable], [11, 40]);
  });

  it("matches Wikipedia's example: 0.691", () => {
    const data = transpose([
      [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
      [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
      [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
    ]);
    assert.ok(Math.abs((krippendorffAlpha(data).alpha as number) - 0.691358024691358) < 1e-12);
  });

  it("matches the krippendorff package on a seeded 5 × 20 matrix with missing labels", () => {
    const data = transpose([
      [_, 3, 2, 2, 0, 2, 1, 3, _, 2, 0, 0, 0, 3, 0, _, 3, _, 3, 2],
      [0, 3, 1, 1, 2, 2, _, 3, 2, _, 0, 2, 0, _, _, 2, 3, _, 3, 3],
      [2, 3, 2, 1, 0, 0, 1, _, _, 2, 0, 2, 0, _, 0, 0, 3, 3, 3, 2],
      [_, 2, 2, _, 1, 2, 1, 3, _, 2, 0, _, 0, 3, 0, 3, 1, 2, 3, _],
      [_, 3, 3, 1, _, 2, 1, 3, 1, 2, 0, 2, 0, 3, 0, 2, 3, 1, _, 2],
    ]);
    assert.ok(Math.abs((krippendorffAlpha(data).alpha as number) - 0.5099603005813129) < 1e-12);
  });

  it("treats labels as names (strings and numbers alike) and is undefined without variation", () => {
    assert.equal(krippendorffAlpha([["a", "a"], ["b", "b"], ["c", null]]).alpha, 1);
    assert.equal(krippendorffAlpha([["a", "a"], ["a", "a"]]).alpha, null);
    assert.equal(krippendorffAlpha([["a", null]]).alpha, null);
  });
});

describe("pairwise agreement", () => {
  it("counts each pair over the items both rated (hand-computed)", () => {
    const result = pairwiseAgreement([
      [1, 1, 2],
      [3, 3, 3],
      [1, null, 1],
      [-1, 2, -1],
    ]);
    assert.deepEqual(result.pairs, [
      { first: 0, second: 1, shared: 3, agreement: 2 / 3 },
      { first: 0, second: 2, shared: 4, agreement: 3 / 4 },
      { first: 1, second: 2, shared: 3, agreement: 1 / 3 },
    ]);
    assert.ok(Math.abs((result.mean as number) - (2 / 3 + 3 / 4 + 1 / 3) / 3) < 1e-15);
  });

  it("leaves out pairs that share no item", () => {
    const result = pairwiseAgreement([[1, null, 1], [null, 2, 2]]);
    assert.equal(result.pairs[0]?.agreement, null);
    assert.equal(result.mean, (1 + 1) / 2);
  });
});

describe("effective number of independent votes", () => {
  it("is 1 for identical raters and N for uncorrelated ones", () => {
    const same = [[1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0]];
    assert.equal(effectiveVotes(same).effective, 1);
    // Columns of a Hadamard matrix (without its constant column): pairwise correlation exactly 0.
    const hadamard = [[1, 1, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1]];
    const independent = effectiveVotes(hadamard);
    assert.equal(independent.meanCorrelation, 0);
    assert.equal(independent.effective, 3);
  });

  it("is N / (1 + (N - 1) ρ̄) in between (hand-computed: ρ̄ = 1/3 gives 1.8 of 3)", () => {
    const result = effectiveVotes([[1, 1, 1], [1, 0, 1], [0, 1, 0], [0, 0, 0]]);
    assert.ok(Math.abs((result.meanCorrelation as number) - 1 / 3) < 1e-15);
    assert.ok(Math.abs(result.effective - 1.8) < 1e-12);
  });

  it("clamps anti-correlation at N and skips raters that never vary", () => {
    assert.equal(effectiveVotes([[1, 0], [0, 1]]).effective, 2);
    const constant = effectiveVotes([[1, 1, 1], [1, 0, 0], [1, 1, 1]]);
    assert.equal(constant.pairsUsed, 1);
    assert.equal(constant.meanCorrelation, 1);
  });
});
