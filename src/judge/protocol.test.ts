/**
 * ProcessBench's protocol on synthetic predictions with hand-computed expectations. The reference is
 * QwenLM/ProcessBench code/run_eval_prm_rlhflow.py: match = prediction == label; acc1 over label != -1,
 * acc2 over label == -1; f1 = 2·acc1·acc2/(acc1 + acc2); per subset.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { wilsonInterval } from "../compare/accuracy.ts";
import { harmonicF1, scoreFirstErrorPredictions, type FirstErrorPrediction } from "./protocol.ts";

const close = (actual: number | null, expected: number, message?: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, message ?? `${actual} ≠ ${expected}`);

const records: FirstErrorPrediction[] = [
  // gsm8k, erroneous: hits at 2 and 3; a wrong index; an invalid verdict → 2/4
  { subset: "gsm8k", label: 2, prediction: 2 },
  { subset: "gsm8k", label: 0, prediction: 1 },
  { subset: "gsm8k", label: 3, prediction: 3 },
  { subset: "gsm8k", label: 1, prediction: null },
  // gsm8k, correct: three -1 and one false alarm → 3/4
  { subset: "gsm8k", label: -1, prediction: -1 },
  { subset: "gsm8k", label: -1, prediction: -1 },
  { subset: "gsm8k", label: -1, prediction: 2 },
  { subset: "gsm8k", label: -1, prediction: -1 },
  // math: every error found exactly (2/2), every correct solution missed (0/2: one invalid, one false alarm)
  { subset: "math", label: 1, prediction: 1 },
  { subset: "math", label: 4, prediction: 4 },
  { subset: "math", label: -1, prediction: null },
  { subset: "math", label: -1, prediction: 0 },
];

describe("scoreFirstErrorPredictions", () => {
  const report = scoreFirstErrorPredictions(records, { bootstrap: 500, seed: 3 });
  const [gsm8k, math] = report.subsets;

  it("scores each subset: exact index on erroneous samples, -1 on correct ones, harmonic mean", () => {
    assert.deepEqual([gsm8k?.subset, math?.subset], ["gsm8k", "math"]);
    assert.deepEqual([gsm8k?.erroneous.hits, gsm8k?.erroneous.total, gsm8k?.correct.hits, gsm8k?.correct.total], [2, 4, 3, 4]);
    close(gsm8k?.f1 ?? null, (2 * 0.5 * 0.75) / 1.25); // 0.6
    assert.deepEqual([math?.erroneous.accuracy, math?.correct.accuracy, math?.f1], [1, 0, 0]);
  });

  it("averages subset F1s (ProcessBench's headline) and pools all samples", () => {
    close(report.averageF1, 0.3);
    assert.equal(report.pooled.subset, "all");
    close(report.pooled.erroneous.accuracy, 4 / 6);
    close(report.pooled.correct.accuracy, 3 / 6);
    close(report.pooled.f1, 4 / 7);
  });

  it("counts invalid verdicts as misses, and on their own, and scores valid ones alone", () => {
    assert.deepEqual(gsm8k?.invalid, { erroneous: 1, correct: 0 });
    assert.deepEqual(math?.invalid, { erroneous: 0, correct: 1 });
    assert.deepEqual(report.pooled.invalid, { erroneous: 1, correct: 1 });
    close(gsm8k?.validOnly.erroneous.accuracy ?? null, 2 / 3);
    close(gsm8k?.validOnly.f1 ?? null, 12 / 17);
    assert.equal(gsm8k?.validOnly.f1Interval, null);
  });

  it("gives Wilson intervals for the accuracies and seeded bootstrap intervals for F1", () => {
    assert.deepEqual(gsm8k?.erroneous.interval, wilsonInterval(2, 4));
    const interval = gsm8k?.f1Interval;
    assert.ok(interval && interval.low <= 0.6 && 0.6 <= interval.high && interval.low >= 0 && interval.high <= 1, JSON.stringify(interval));
    assert.deepEqual(scoreFirstErrorPredictions(records, { bootstrap: 500, seed: 3 }).subsets[0]?.f1Interval, interval);
    const many = Array.from({ length: 300 }, (_, index): FirstErrorPrediction => ({
      subset: "s",
      label: index % 2 === 0 ? -1 : index % 5,
      prediction: index % 3 === 0 ? -1 : index % 5,
    }));
    const seeded = (seed: number) => scoreFirstErrorPredictions(many, { bootstrap: 400, seed }).subsets[0]?.f1Interval;
    assert.notDeepEqual(seeded(1), seeded(2));
    // A subset with no failures has no spread: every resample is perfect.
    const perfect = scoreFirstErrorPredictions([{ subset: "s", label: 0, prediction: 0 }, { subset: "s", label: -1, prediction: -1 }], { bootstrap: 50 });
    assert.deepEqual(perfect.subsets[0]?.f1Interval, { low: 1, high: 1 });
  });

  it("leaves F1 undefined for a subset without one of the classes", () => {
    const onlyErrors = scoreFirstErrorPredictions([{ subset: "arith", label: 1, prediction: 1 }], { bootstrap: 10 });
    assert.equal(onlyErrors.subsets[0]?.f1, null);
    assert.equal(onlyErrors.subsets[0]?.correct.accuracy, null);
    assert.equal(onlyErrors.averageF1, null);
  });

  it("refuses labels and predictions that are not -1 or an index", () => {
    assert.throws(() => scoreFirstErrorPredictions([{ subset: "s", label: -2, prediction: 0 }]), RangeError);
    assert.throws(() => scoreFirstErrorPredictions([{ subset: "s", label: 1, prediction: 0.5 }]), RangeError);
  });
});

describe("harmonicF1", () => {
  it("is 0 when both accuracies are 0 (ProcessBench's code would divide by zero) and null when one is undefined", () => {
    assert.equal(harmonicF1(0, 0), 0);
    assert.equal(harmonicF1(1, null), null);
    close(harmonicF1(0.8, 0.9), (2 * 0.8 * 0.9) / 1.7);
  });
});
