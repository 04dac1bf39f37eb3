/**
 * calibrateJudges over a real store: answers stored as they come, a second run asks only what is missing
 * (a stored backend error is asked again), scores equal the protocol's on the same answers; selectSamples
 * keeps both classes per subset in a seeded order that a larger limit extends.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { QreasonError } from "../errors.ts";
import { openRunStore } from "../store/index.ts";
import type { CalibrationSample } from "./calibrate.ts";
import { calibrateJudges, selectSamples } from "./calibrationRun.ts";
import type { OpenedJudge } from "./clients.ts";
import { DEFAULT_JUDGE_SAMPLING } from "./config.ts";
import { createModelJudge, type JudgeModel } from "./judge.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-calibration-run-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const samples: CalibrationSample[] = Array.from({ length: 12 }, (_, index) => ({
  id: `s${index}`,
  subset: index < 6 ? "gsm8k" : "math",
  problem: `problem ${index}`,
  steps: ["a", "b", "c"],
  label: index % 3 === 0 ? -1 : index % 3,
}));

/** A model that answers step (index mod 3) - 1 for problem `index`, and fails on the problems in `failing`. */
function model(failing: Set<string>, asked: string[]): JudgeModel {
  return async (call) => {
    const problem = /problem (\d+)/.exec(call.messages[1]?.content ?? "")?.[1] ?? "0";
    asked.push(problem);
    if (failing.has(problem)) throw new QreasonError("E_BACKEND", "down");
    const step = (Number(problem) % 3) - 1;
    const verdict = step === -1
      ? { explanation: "ok", first_error_step: -1, category: "no_error", subtype: "no_error", confidence: 0.9 }
      : { explanation: "x", first_error_step: step, category: "execution", subtype: "computational_error", confidence: 0.9 };
    return { text: JSON.stringify(verdict), finishReason: "stop", promptTokens: 10, completionTokens: 5, warnings: [] };
  };
}

function opened(name: string, judgeModel: JudgeModel): OpenedJudge {
  const judge = createModelJudge({ name, modelId: `m-${name}`, model: judgeModel, sampling: { ...DEFAULT_JUDGE_SAMPLING, stop: [], seed: 0 }, maxAttempts: 1 });
  const spec = { name, source: { kind: "llamacpp" as const, gguf: "x" }, structured: true, maxAttempts: 1, sampling: { ...DEFAULT_JUDGE_SAMPLING, stop: [], seed: 0 } };
  return { spec, judge, backend: undefined as never, kind: "llamacpp", close: async () => {} };
}

describe("calibrateJudges", () => {
  it("stores answers, resumes with only what is missing, and scores by the protocol", async () => {
    const store = openRunStore(path.join(scratch, "run"));
    try {
      const asked: string[] = [];
      const selection = { subsets: null, limit: null, seed: 0 };
      const first = await calibrateJudges({ store, dataset: "test", samples, judges: [opened("j", model(new Set(["4"]), asked))], baseline: "j", concurrency: 2, selection, bootstrap: 0 });
      assert.equal(first.asked, 12);
      const gsm8k = first.report.judges[0]?.protocol.subsets.find((subset) => subset.subset === "gsm8k");
      // The model answers label - 1 on erroneous problems (wrong), and -1 on correct ones: erroneous acc 0.
      assert.equal(gsm8k?.erroneous.accuracy, 0);
      assert.equal(gsm8k?.correct.accuracy, 1);
      assert.equal(first.report.judges[0]?.outcomes.error, 1);

      asked.length = 0;
      const second = await calibrateJudges({ store, dataset: "test", samples, judges: [opened("j", model(new Set(), asked))], baseline: "j", concurrency: 2, selection, bootstrap: 0 });
      assert.deepEqual(asked, ["4"], "only the stored backend error is asked again");
      assert.equal(second.reused, 11);
      assert.equal(second.report.judges[0]?.outcomes.error, 0);
      assert.equal(store.judges.latestCalibrations().find((row) => row.judge === "j")?.samples, 12);
    } finally {
      store.close();
    }
  });
});

describe("selectSamples", () => {
  it("keeps at most N per subset with both classes, in a seeded order a larger N extends", () => {
    const two = selectSamples(samples, { subsets: null, limit: 2, seed: 1 });
    for (const subset of ["gsm8k", "math"]) {
      const chosen = two.filter((sample) => sample.subset === subset);
      assert.equal(chosen.length, 2);
      assert.deepEqual(new Set(chosen.map((sample) => sample.label === -1)), new Set([true, false]));
    }
    const four = selectSamples(samples, { subsets: null, limit: 4, seed: 1 });
    assert.ok(two.every((sample) => four.includes(sample)), "a larger limit keeps the smaller one's samples");
    assert.deepEqual(selectSamples(samples, { subsets: ["math"], limit: null, seed: 1 }).map((sample) => sample.id), ["s6", "s7", "s8", "s9", "s10", "s11"]);
  });
});
