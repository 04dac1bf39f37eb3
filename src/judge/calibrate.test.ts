/**
 * Calibration: labelled samples from ProcessBench and from arith injections, and the runner scoring judges
 * and their panel. The arith labels are checked against the testbed's exact step verifier, which knows
 * nothing of how calibrate.ts maps an injection to a step index.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { generateArithSplit } from "../data/arith/index.ts";
import { loadProcessBench } from "../data/processbench.ts";
import { segmentSteps, verifyArithProblem } from "../steps/index.ts";
import { sharedDataDir } from "../testing/paths.ts";
import { arithInjectedSamples, processBenchSamples, runCalibration, type CalibrationSample } from "./calibrate.ts";
import type { Judge, JudgeOutcome } from "./judge.ts";
import { NO_ERROR } from "./verdict.ts";

describe("calibration samples", () => {
  it("takes ProcessBench's labels as they are (-1 for correct solutions)", async () => {
    const samples = processBenchSamples(await loadProcessBench("gsm8k", { dataDir: sharedDataDir }));
    assert.equal(samples.length, 400);
    assert.ok(samples.every((sample) => sample.subset === "gsm8k" && sample.label >= -1 && sample.label < sample.steps.length));
    const correct = samples.filter((sample) => sample.label === -1).length;
    assert.ok(correct > 100 && correct < 300, `correct: ${correct}`);
  });

  it("labels arith injections at the step the exact verifier finds first", () => {
    const size = 120;
    const samples = arithInjectedSamples({ size, seed: 5 });
    const problems = new Map(generateArithSplit("test", { size, seed: 5 }).map((problem) => [problem.id, problem]));
    assert.ok(samples.length >= size * 0.9, `samples: ${samples.length}`);
    const groups = new Set(samples.map((sample) => sample.group));
    for (const kind of ["correct", "computational", "wrong-operation", "wrong-quantity", "skipped-step", "extra-step", "answer-computational"]) {
      assert.ok(groups.has(kind), `no ${kind} sample`);
    }
    for (const sample of samples) {
      const problem = problems.get(sample.id.split("#")[0] as string);
      assert.ok(problem);
      const text = sample.steps.join("\n");
      const verification = verifyArithProblem(problem, text);
      const segments = segmentSteps(text);
      let expected = -1;
      if (verification.firstError) {
        const { part, position } = verification.firstError;
        const offset = part === "step" ? verification.steps.find((step) => step.position === position)?.start : text.lastIndexOf("\\boxed");
        expected = segments.findIndex((segment) => offset !== undefined && segment.start <= offset && offset < segment.end);
      }
      assert.equal(sample.label, expected, `${sample.id}\n${text}`);
      assert.equal(sample.expected === undefined, sample.group === "correct");
    }
  });

  it("is deterministic in its seed", () => {
    assert.deepEqual(arithInjectedSamples({ size: 20, seed: 2 }), arithInjectedSamples({ size: 20, seed: 2 }));
    assert.notDeepEqual(arithInjectedSamples({ size: 20, seed: 2 }), arithInjectedSamples({ size: 20, seed: 3 }));
  });
});

const usage = { calls: 1, promptTokens: 50, completionTokens: 10 };

/** A judge answering from a rule over the sample (a stand-in for a model: the runner is under test). */
function ruleJudge(name: string, rule: (sample: CalibrationSample) => number | null, samples: readonly CalibrationSample[]): Pick<Judge, "name" | "judge"> {
  return {
    name,
    judge: async ({ problem, steps }): Promise<JudgeOutcome> => {
      const sample = samples.find((candidate) => candidate.problem === problem && candidate.steps === steps) as CalibrationSample;
      const step = rule(sample);
      const base = { attempts: 1, usage, replies: [], warnings: [] };
      if (step === null) return { status: "invalid", reason: "truncated", message: "cut off", ...base };
      const subtype = step === -1 ? NO_ERROR : (sample.expected?.subtype ?? "computational_error");
      const category = step === -1 ? NO_ERROR : (sample.expected?.category ?? "execution");
      return { status: "verdict", value: { firstErrorStep: step, category, subtype, explanation: "", confidence: 0.5 }, ...base };
    },
  };
}

describe("runCalibration", () => {
  // 4 erroneous (labels 0..3) and 4 correct samples in one subset.
  const samples: CalibrationSample[] = Array.from({ length: 8 }, (_, index) => ({
    id: `s${index}`,
    subset: "toy",
    group: index < 4 ? "error" : "correct",
    problem: `problem ${index}`,
    steps: ["a", "b", "c", "d"],
    label: index < 4 ? index : -1,
    ...(index < 4 ? { expected: { category: "execution" as const, subtype: "computational_error" as const } } : {}),
  }));
  const oracle = ruleJudge("oracle", (sample) => sample.label, samples);
  const silent = ruleJudge("always-clean", () => -1, samples);
  // Right on samples 0, 1 and 4, 5; invalid on 2 and 6; wrong on 3 and 7.
  const flakyPredictions = [0, 1, null, 2, -1, -1, null, 0];
  const flaky = ruleJudge("flaky", (sample) => flakyPredictions[Number(sample.id.slice(1))] ?? null, samples);

  it("scores each judge by the protocol and counts invalid verdicts on their own", async () => {
    const report = await runCalibration({ samples, judges: [oracle, silent, flaky], protocol: { bootstrap: 100 } });
    const [best, clean, unreliable] = report.judges;
    assert.deepEqual([best?.protocol.pooled.f1, clean?.protocol.pooled.f1], [1, 0]);
    assert.deepEqual([clean?.protocol.pooled.correct.accuracy, clean?.protocol.pooled.erroneous.accuracy], [1, 0]);
    assert.deepEqual(unreliable?.outcomes, { verdict: 6, invalid: { truncated: 2 }, error: 0 });
    assert.deepEqual([unreliable?.protocol.pooled.erroneous.accuracy, unreliable?.protocol.pooled.correct.accuracy], [0.5, 0.5]);
    assert.deepEqual(best?.labels, { judged: 4, subtypeMatches: 4, categoryMatches: 4 });
    assert.deepEqual(best?.groups, [{ group: "error", hits: 4, total: 4 }, { group: "correct", hits: 4, total: 4 }]);
    assert.deepEqual(best?.usage, { calls: 8, promptTokens: 400, completionTokens: 80 });
    assert.equal(report.records.length, 8);
  });

  it("scores the panel's decisions and the judges' agreement", async () => {
    const report = await runCalibration({ samples, judges: [oracle, silent, flaky], baseline: "oracle", concurrency: 3, protocol: { bootstrap: 100 } });
    // Erroneous 0, 1: oracle + flaky agree → right. 2: oracle vs clean (flaky invalid) → no majority → baseline (oracle) → right.
    // 3: oracle 3, clean -1, flaky 2 → no majority → baseline → right. Correct 4-7: clean and oracle → -1 → right.
    assert.equal(report.panel?.protocol.pooled.f1, 1);
    assert.equal(report.panel?.needsReview, 2);
    assert.deepEqual(report.panel?.usage, { calls: 24, promptTokens: 1200, completionTokens: 240 });
    const agreement = report.agreement;
    assert.ok(agreement);
    // oracle/clean agree on the 4 correct samples of 8; oracle/flaky on 4 of 6 shared; clean/flaky on 2 of 6.
    assert.deepEqual(agreement.pairwise.pairs.map((pair) => pair.agreement), [0.5, 4 / 6, 2 / 6]);
    assert.equal(agreement.effectiveVotes.raters, 3);
    assert.ok(agreement.krippendorff.alpha !== null && agreement.fleiss.items === 6);
  });

  it("scores the step verifier on its own and seats it on the panel, certain where it refutes a claim", async () => {
    // Real arithmetic: sample 0 states a wrong product at step 1, sample 1 is right throughout.
    const arith: CalibrationSample[] = [
      { id: "w", subset: "toy", problem: "3 boxes of 4 pens, plus 2 pens?", steps: ["There are 3 boxes.", "3 * 4 = 13 pens in the boxes.", "13 + 2 = 15", "\\boxed{15}"], label: 1 },
      { id: "r", subset: "toy", problem: "3 boxes of 4 pens, plus 2 pens?", steps: ["There are 3 boxes.", "3 * 4 = 12 pens in the boxes.", "12 + 2 = 14", "\\boxed{14}"], label: -1 },
    ];
    const clean = ruleJudge("always-clean", () => -1, arith);
    const report = await runCalibration({ samples: arith, judges: [clean], verifier: true, protocol: { bootstrap: 50 } });
    assert.deepEqual(report.records.map((record) => record.verifier?.prediction), [1, -1], "the verifier finds the wrong product, and nothing in the right solution");
    assert.equal(report.verifier?.judge, "verifier");
    assert.deepEqual(report.verifier?.usage, { calls: 0, promptTokens: 0, completionTokens: 0 });
    assert.equal(report.verifier?.protocol.pooled.f1, 1);
    assert.equal(report.judges[0]?.protocol.pooled.f1, 0, "the judge that always says 'no error'");
    // One model judge + the verifier is a panel: the certain verifier overrides the judge's -1 on sample w.
    assert.deepEqual(report.records.map((record) => [record.panel?.firstErrorStep, record.panel?.decidedBy]), [[1, "verifier"], [-1, "majority"]]);
    assert.equal(report.panel?.protocol.pooled.f1, 1);
    assert.equal(report.agreement, undefined, "agreement is over model judges (two or more)");
  });

  it("stops when aborted and refuses duplicate judges or an unknown baseline", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(runCalibration({ samples, judges: [oracle], signal: controller.signal }), /abort/i);
    await assert.rejects(runCalibration({ samples, judges: [oracle, oracle] }), /unique/);
    await assert.rejects(runCalibration({ samples, judges: [oracle, silent], baseline: "x" }), /baseline/);
  });
});
