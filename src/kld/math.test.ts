import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { comparePosition, logSumExp, quantile, topTwo } from "./math.ts";
import { KldAccumulator } from "./summary.ts";

const close = (actual: number, expected: number, tolerance = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);

/** KL from explicit probabilities, the textbook way, to check the logit-based code against. */
function klFromProbabilities(p: number[], q: number[]): number {
  return p.reduce((sum, pi, index) => (pi === 0 ? sum : sum + pi * Math.log(pi / q[index]!)), 0);
}
const softmax = (logits: number[]): number[] => {
  const total = logits.reduce((sum, logit) => sum + Math.exp(logit), 0);
  return logits.map((logit) => Math.exp(logit) / total);
};

describe("comparePosition", () => {
  it("matches the textbook KL(P‖Q) and is not symmetric", () => {
    const base = [2, 1, 0, -1];
    const variant = [1.5, 1.2, -0.3, 0];
    const forward = comparePosition(base, variant).kld;
    close(forward, klFromProbabilities(softmax(base), softmax(variant)));
    assert.notEqual(forward.toFixed(9), comparePosition(variant, base).kld.toFixed(9));
  });

  it("is 0 for identical and for shifted logits (same distribution)", () => {
    assert.equal(comparePosition([1, 2, 3], [1, 2, 3]).kld, 0);
    close(comparePosition([1, 2, 3], [11, 12, 13]).kld, 0, 1e-15);
  });

  it("skips tokens the base rules out, and is infinite where only the variant rules one out", () => {
    const excluded = comparePosition([0, Number.NEGATIVE_INFINITY], [0, 5]).kld;
    close(excluded, klFromProbabilities([1, 0], softmax([0, 5])));
    assert.equal(comparePosition([0, 0], [0, Number.NEGATIVE_INFINITY]).kld, Number.POSITIVE_INFINITY);
  });

  it("reports top tokens, margins and the target's probabilities", () => {
    const result = comparePosition([0.5, 3, 1], [2, 1.9, 0], 2);
    assert.deepEqual([result.baseTop, result.variantTop], [1, 0]);
    close(result.baseMargin, 2);
    close(result.variantMargin, 0.1);
    close(result.baseTargetProbability, softmax([0.5, 3, 1])[2]!);
    close(result.variantTargetProbability, softmax([2, 1.9, 0])[2]!);
  });

  it("refuses different vocabularies", () => {
    assert.throws(() => comparePosition([1, 2], [1, 2, 3]), /vocabularies differ/);
  });
});

describe("helpers", () => {
  it("logSumExp is stable for large logits", () => {
    close(logSumExp([1000, 1000]), 1000 + Math.log(2));
    assert.equal(logSumExp([Number.NEGATIVE_INFINITY]), Number.NEGATIVE_INFINITY);
  });

  it("topTwo finds the two largest whatever their order", () => {
    assert.deepEqual(topTwo([0, 5, 3, 4]), { first: 1, second: 3, margin: 1 });
    assert.deepEqual(topTwo([5, 0]), { first: 0, second: 1, margin: 5 });
  });

  it("quantile interpolates like numpy.quantile", () => {
    const sorted = [1, 2, 3, 4, 10];
    close(quantile(sorted, 0.5), 3);
    close(quantile(sorted, 0.9), 7.6); // numpy.quantile([1,2,3,4,10], 0.9) == 7.6
    close(quantile(sorted, 1), 10);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});

describe("KldAccumulator", () => {
  it("summarizes KL percentiles, same-top share, Δp and margins", () => {
    const accumulator = new KldAccumulator();
    accumulator.addText();
    const klds = [0.1, 0.2, 0.3, 0.4, 1.0];
    klds.forEach((kld, index) =>
      accumulator.add({
        kld,
        sameTop: index < 4,
        baseMargin: index,
        variantMargin: index / 2,
        baseTargetProbability: 0.5,
        variantTargetProbability: index % 2 === 0 ? 0.4 : 0.7,
      }),
    );
    const summary = accumulator.summary();
    assert.equal(summary.positions, 5);
    assert.equal(summary.texts, 1);
    close(summary.kld.mean, 0.4);
    close(summary.kld.p50, 0.3);
    close(summary.kld.p90, 0.76);
    assert.equal(summary.kld.max, 1);
    // sample standard deviation of klds = 0.3535..., standard error = sd / sqrt(5)
    close(summary.kld.standardError, Math.sqrt(0.125) / Math.sqrt(5), 1e-12);
    close(summary.sameTopPercent, 80);
    close(summary.deltaP.mean, (-0.1 * 3 + 0.2 * 2) / 5);
    close(summary.deltaP.rms, Math.sqrt((0.01 * 3 + 0.04 * 2) / 5));
    close(summary.margin.base.mean, 2);
    close(summary.margin.variant.max, 2);
  });

  it("grows past its first buffer", () => {
    const accumulator = new KldAccumulator();
    const position = { kld: 1, sameTop: true, baseMargin: 1, variantMargin: 1, baseTargetProbability: Number.NaN, variantTargetProbability: Number.NaN };
    for (let index = 0; index < 5000; index += 1) accumulator.add({ ...position, kld: index });
    const summary = accumulator.summary();
    assert.equal(summary.positions, 5000);
    assert.equal(summary.kld.max, 4999);
    assert.ok(Number.isNaN(summary.deltaP.mean), "no targets: no Δp, rather than a made-up 0");
  });
});
