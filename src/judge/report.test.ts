/**
 * What reports show of the judges, over a real small run (runStudy against the loopback model) with panel
 * decisions stored as the judge stage stores them: the error types per variant, panel beside the step
 * verifier; and each judge's calibration beside its verdicts — the model judge's, the verifier's and the
 * panel's own, as `qreason judge calibrate --judges` stores them (calibrateJudges, real arith samples), and
 * not a calibration of another identity of the same judge (other decoding settings judged other verdicts).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { RunReview } from "../review/index.ts";
import { makeFlipsRun } from "../review/testdata/flipsRun.ts";
import { writeJudgeRows, type TestPanel } from "../review/testdata/judgeTables.ts";
import { openRunDirectory, runRecordOf, RUN_STORE_FILE } from "../store/index.ts";
import { arithInjectedSamples } from "./calibrate.ts";
import { calibrateJudges, selectSamples } from "./calibrationRun.ts";
import type { OpenedJudge } from "./clients.ts";
import { DEFAULT_JUDGE_SAMPLING, type PanelSpec } from "./config.ts";
import { createModelJudge, type JudgeModel } from "./judge.ts";
import { describePanel, type JudgeSummary } from "./panelRun.ts";
import { judgeReport, judgeTables } from "./report.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-judge-report-"));
let runDirectory: string;
before(async () => {
  runDirectory = await makeFlipsRun(scratch);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A judge that says "no error" to everything: ProcessBench F1 0 (the small local models' failure). */
const noError: JudgeModel = async () => ({
  text: JSON.stringify({ explanation: "fine", first_error_step: -1, category: "no_error", subtype: "no_error", confidence: 0.5 }),
  finishReason: "stop", promptTokens: 10, completionTokens: 5, warnings: [],
});

function opened(name: string, temperature: number): OpenedJudge {
  const sampling = { ...DEFAULT_JUDGE_SAMPLING, temperature, stop: [], seed: 0 };
  // clients.ts puts a hash of the decoding settings in the model id; a stand-in for it here.
  const judge = createModelJudge({ name, modelId: `gguf:smol.gguf@decode:t${temperature}`, model: noError, sampling, maxAttempts: 1 });
  return { spec: { name, source: { kind: "llamacpp", gguf: "smol.gguf" }, structured: true, maxAttempts: 1, sampling }, judge, backend: undefined as never, kind: "llamacpp", close: async () => {} };
}

test("the report shows error types per variant (panel / verifier) and each judge's, the verifier's and the panel's calibration beside the verdicts", async () => {
  const judge = opened("smol", 0);
  const other = opened("smol", 0.7); // the same judge name under other sampling: another identity
  assert.notEqual(judge.judge.identity, other.judge.identity);
  const panel: PanelSpec = { members: [judge.spec], baseline: "smol", audit: { rate: 0.02, seed: 1 }, verifier: true, concurrency: 1 };

  const store = openRunDirectory(runDirectory);
  let studyHash: string;
  let flips: ReturnType<RunReview["items"]>;
  try {
    studyHash = runRecordOf(store)?.study.hash ?? "";
    flips = new RunReview(store, { reviewer: "t" }).items().filter((item) => item.variantStatus === "wrong");
    assert.ok(flips.length >= 2, `two wrong flips (${flips.length})`);
    // Calibrated as `qreason judge calibrate --judges panel.yaml --verifier` would: the judge, the verifier, the panel.
    const samples = selectSamples(arithInjectedSamples({ size: 30, seed: 0 }), { subsets: null, limit: 10, seed: 0 });
    const selection = { subsets: null, limit: 10, seed: 0 };
    await calibrateJudges({ store, dataset: "arith", samples, judges: [judge], baseline: "smol", concurrency: 1, selection, bootstrap: 50, verifier: { version: "qreason-verify/test" } });
    await calibrateJudges({ store, dataset: "arith", samples, judges: [other], baseline: "smol", concurrency: 1, selection, bootstrap: 50 });
  } finally {
    store.close();
  }

  const [first, second] = flips as [(typeof flips)[number], (typeof flips)[number]];
  const flipOf = (item: typeof first): TestPanel["flip"] => ({ studyHash, model: item.model, variant: item.variant, baseline: item.baseline, benchmark: item.benchmark, problemId: item.problemId });
  const computational = { firstErrorStep: 0, category: "execution", subtype: "computational_error", certain: true };
  writeJudgeRows(path.join(runDirectory, RUN_STORE_FILE), [], [
    { key: first.key, panel: "p1", flip: flipOf(first), step: 0, category: "execution", subtype: "computational_error", decidedBy: "verifier", support: 1, votes: 1, members: 1, flags: [], audited: false, queue: [], verifier: computational, at: "2026-12-04T10:00:00Z" },
    { key: second.key, panel: "p1", flip: flipOf(second), step: 1, category: "reasoning", subtype: "logical_reasoning_error", decidedBy: "baseline", support: 1, votes: 1, members: 1, flags: [], audited: true, queue: ["audit"], at: "2026-12-04T10:00:01Z" },
  ]);

  const again = openRunDirectory(runDirectory);
  try {
    const summary: JudgeSummary = {
      judged: 2, agreement: { step: null, subtype: null, effectiveVotes: null }, positionBias: null, positionProbes: 0,
      usage: [{ judge: "smol", calls: 2, promptTokens: 20, completionTokens: 10, cost: null }], outcomes: { smol: { verdict: 2, invalid: {}, error: 0 } },
    };
    again.judges.putSummary(studyHash, "p1", describePanel(panel, [judge], "qreason-verify/test"), summary);
    const report = judgeReport(again, studyHash);
    assert.ok(report);
    assert.deepEqual(report.calibrations.map((row) => row.judge).sort(), ["panel", "smol", "verifier"], "the judge's, the verifier's and the panel's; not the other identity's");
    assert.ok(report.calibrations.every((row) => row.identity !== other.judge.identity));

    const tables = judgeTables(report);
    const types = tables.find((table) => table.title.startsWith("Error types"));
    assert.deepEqual(types?.header.slice(0, 4), ["variant", "flips judged", "computational error", "logical reasoning error"]);
    const cells = new Map(types?.rows.map((row) => [row[0], row.slice(1)]));
    const variantOf = (item: typeof first) => `${item.model}/${item.variant}`;
    if (variantOf(first) !== variantOf(second)) {
      assert.deepEqual(cells.get(variantOf(first))?.slice(0, 3), ["1", "1 / 1", "0 / 0"], "panel / verifier, per variant");
      assert.deepEqual(cells.get(variantOf(second))?.slice(0, 4), ["1", "0 / 0", "1 / 0", "1"], "the verifier silent on the reasoning error");
    } else {
      assert.deepEqual(cells.get(variantOf(first))?.slice(0, 4), ["2", "1 / 1", "1 / 0", "1"]);
    }

    const outcomes = tables.find((table) => table.title.startsWith("Judges: outcomes"));
    assert.equal(outcomes?.header.at(-1), "calibrated mean F1 %");
    assert.deepEqual(outcomes?.rows[0]?.at(-1), "arith 0.0", "an always-'no error' judge, calibrated beside its verdicts: F1 0");
    const calibration = tables.find((table) => table.title.startsWith("Calibration"));
    assert.deepEqual(calibration?.rows.map((row) => row[0]).sort(), ["panel", "smol", "verifier"]);
    const verifierRow = calibration?.rows.find((row) => row[0] === "verifier");
    assert.ok(verifierRow && Number(verifierRow[3]) > 0, `the verifier finds the injected computational errors: ${JSON.stringify(verifierRow)}`);
  } finally {
    again.close();
  }
});
