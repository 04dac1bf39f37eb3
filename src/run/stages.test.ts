/**
 * The stage pipeline on real runs (openai backend against a loopback model): a stage re-runs alone on a
 * run directory — after a grader upgrade, grade regrades without any backend being asked, the old grades
 * stay, and the report reads the new ones; what each stage has pending comes from the store; stage runs
 * are recorded; a plugged-in later stage gets the store, plan and a variant's backend from its context;
 * a failing stage is recorded as failed; each generation's finish reason reaches the grader.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { isQreasonError, QreasonError } from "../errors.ts";
import { reportIsStale } from "../report/index.ts";
import { openRunDirectory, runRecordOf, RUN_STORE_FILE } from "../store/index.ts";
import { loadStudy, type Study } from "../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { graderItem } from "./grade.ts";
import { currentGrader, runStages, runStagesOn, runStudy, STAGES, StageSession, stageStatus, type GraderVersion, type Stage } from "./index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark, type LoopbackServer } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-stages-"));
const benchmarkFile = path.join(scratch, "sums.jsonl");
writeSumsBenchmark(benchmarkFile, 30);
let loopback: LoopbackServer;
let studies = 0;

before(async () => {
  // Answers to "What is 1xx + …" come back cut at max_tokens (finish_reason "length").
  loopback = await startLoopback({ finishReason: (_model, prompt) => (/What is 1\d\d \+/.test(prompt) ? "length" : "stop") });
});
after(async () => {
  await loopback.close();
  rmSync(scratch, { recursive: true, force: true });
});

const base = { dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test", bootstrapResamples: 200 };

async function study(variants = ["q4"]): Promise<Study> {
  const file = path.join(scratch, `study-${studies++}.yaml`);
  writeFileSync(file, sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants }));
  return loadStudy(file, { known: { benchmarks: benchmarkNames() } });
}

/** Another grader version (the derivation itself is graderVersion.test.ts's): same code, new name. */
const upgraded: GraderVersion = { ...currentGrader(), name: "qreason-grade/test-upgrade" };

test("after a grader upgrade, grade re-runs alone: no backend asked, old grades kept, the report reads the new grades", async () => {
  const runDirectory = path.join(scratch, "regrade");
  const first = await runStudy({ ...base, study: await study(), runDirectory });
  assert.equal(first.interrupted, false);
  assert.deepEqual(first.stages.map((stage) => [stage.stage, stage.skipped ?? stage.outcome?.status]), [
    ["plan", "done"],
    ["quantize", "nothing pending"],
    ["generate", "done"],
    ["grade", "done"],
    ["compare", "done"],
    ["attribute", "not wanted by the study"],
    ["restore", "not wanted by the study"],
    ["report", "done"],
  ]);
  assert.equal(first.report?.results.grader, currentGrader().name);
  const askedByTheRun = loopback.received;

  // A buggy old grader: it graded every fp result wrong. The report shows what it graded.
  const oldGrader = currentGrader().name;
  const fpKeys = readKeys(runDirectory, "fp");
  const database = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  database.prepare(`UPDATE grades SET status = 'wrong' WHERE grader = ? AND generation_key IN (SELECT value FROM json_each(?))`).run(oldGrader, JSON.stringify(fpKeys));
  database.close();
  const stale = await runStagesOn(runDirectory, ["report"], { ...base, force: ["report"] });
  assert.equal(stale.report?.results.cells.find((cell) => cell.variant === "fp")?.accuracy.score, 0);

  let store = openRunDirectory(runDirectory);
  const status = new Map(stageStatus(store, { grader: upgraded }).map((entry) => [entry.stage, entry.pending]));
  store.close();
  assert.equal(status.get("grade")?.count, 60, "every result is pending for the new grader");
  assert.match(status.get("grade")?.detail ?? "", /60 graded only by an older grader/);
  assert.equal(status.get("generate")?.count, 0);

  const regrade = await runStagesOn(runDirectory, ["grade"], { ...base, grader: upgraded });
  assert.equal(loopback.received, askedByTheRun, "grading asked no backend anything");
  assert.deepEqual(regrade.stages.map((stage) => stage.stage), ["grade"], "only the grade stage ran");
  assert.deepEqual(regrade.stages[0]?.outcome?.counts, { graded: 60, pending: 0, regraded: 60, changed: 30 });
  assert.equal(regrade.graded, 60);

  store = openRunDirectory(runDirectory);
  try {
    assert.equal(runRecordOf(store)?.grader, upgraded.name, "reports now read the new grader");
    assert.equal(store.gradedSamples(fpKeys, oldGrader).filter((sample) => sample.status === "wrong").length, 30, "the old grades stay, under the old version");
    assert.equal(store.gradedSamples(fpKeys, upgraded.name).filter((sample) => sample.status === "correct").length, 30);
    const after = new Map(stageStatus(store, { grader: upgraded, bootstrapResamples: 200 }).map((entry) => [entry.stage, entry.pending.count]));
    assert.equal(after.get("grade"), 0);
    assert.ok((after.get("compare") ?? 0) > 0, "the comparisons are stale");
    assert.ok(reportIsStale(store, { bootstrapResamples: 200 }), "the report files are stale");
    const runs = store.stageRuns.list("grade");
    assert.deepEqual(runs.map((run) => run.outcome), ["done", "done"]);
    assert.equal(runs.at(-1)?.counts.changed, 30);
    assert.ok((runs.at(-1)?.counts.ms ?? -1) >= 0);
  } finally {
    store.close();
  }

  // The report alone: the comparisons it requires are computed first, then the files, from the new grades.
  const report = await runStagesOn(runDirectory, ["report"], { ...base, grader: upgraded, force: ["report"] });
  assert.deepEqual(report.stages.map((stage) => [stage.stage, stage.outcome?.counts.computed ?? stage.outcome?.counts.files]), [["compare", 1], ["report", 4]]);
  const results = report.report?.results;
  assert.equal(results?.grader, upgraded.name);
  assert.equal(results?.cells.find((cell) => cell.variant === "fp")?.accuracy.score, 1);
  assert.equal(results?.comparisons[0]?.comparison.baseline.score, 1);
  assert.equal(loopback.received, askedByTheRun);
});

function readKeys(runDirectory: string, variant: string): string[] {
  const store = openRunDirectory(runDirectory);
  try {
    return runRecordOf(store)?.cells.filter((cell) => cell.variant === variant).flatMap((cell) => cell.keys) ?? [];
  } finally {
    store.close();
  }
}

test("a finished run resumes with every stage skipped, and status says nothing is pending", async () => {
  const runDirectory = path.join(scratch, "resume");
  const text = await study();
  await runStudy({ ...base, study: text, runDirectory });
  const askedBefore = loopback.received;
  const again = await runStudy({ ...base, study: text, runDirectory });
  assert.equal(loopback.received, askedBefore);
  assert.deepEqual(again.stages.map((stage) => stage.skipped ?? stage.outcome?.status), ["done", "nothing pending", "nothing pending", "nothing pending", "nothing pending", "not wanted by the study", "not wanted by the study", "nothing pending"]);
  const store = openRunDirectory(runDirectory);
  try {
    assert.deepEqual(stageStatus(store, { bootstrapResamples: 200 }).map((entry) => [entry.stage, entry.pending.count]), STAGES.map((stage) => [stage.name, 0]));
    assert.deepEqual(store.stageRuns.list().map((run) => run.stage), ["plan", "generate", "grade", "compare", "report", "plan"], "only stages that ran are recorded");
  } finally {
    store.close();
  }
});

test("generate's pending comes from the store: unknown keys count as planned, stored errors as pending", async () => {
  const runDirectory = path.join(scratch, "pending");
  const text = await study(["q8", "q4"]);
  loopback.options.refuse = (prompt) => /What is 2\d\d \+/.test(prompt);
  try {
    await runStudy({ ...base, study: text, runDirectory, stages: ["plan"] });
    let store = openRunDirectory(runDirectory);
    // Endpoint facts are known without a backend: every cell is keyed by the plan stage alone.
    assert.deepEqual(stageStatus(store).find((entry) => entry.stage === "generate")?.pending.count, 90);
    assert.deepEqual(store.cells.list(runRecordOf(store)?.study.hash ?? "").map((cell) => cell.keyed), [30, 30, 30]);
    store.close();
    await runStudy({ ...base, study: text, runDirectory, stages: ["plan", "generate"] });
    store = openRunDirectory(runDirectory);
    const pending = stageStatus(store).find((entry) => entry.stage === "generate")?.pending;
    const refused = store.failures().length;
    store.close();
    assert.ok(refused > 0);
    assert.equal(pending?.count, refused);
    assert.match(pending?.detail ?? "", new RegExp(`${refused} failed before`));
  } finally {
    loopback.options.refuse = undefined;
  }
});

test("each generation's finish reason reaches the grader", async () => {
  const runDirectory = path.join(scratch, "truncated");
  await runStudy({ ...base, study: await study(), runDirectory, stages: ["plan", "generate"] });
  const store = openRunDirectory(runDirectory);
  try {
    const items = store.cells.ungraded(runRecordOf(store)?.study.hash ?? "", currentGrader().name);
    assert.equal(items.length, 60);
    const truncated = items.filter((item) => /What is 1\d\d \+/.test(store.promptOf(item.key) as string));
    assert.ok(truncated.length > 0 && truncated.length < 60);
    for (const item of items) {
      assert.equal(graderItem(item).finishReason, truncated.includes(item) ? "length" : "stop");
      assert.equal(graderItem(item).gold, store.problems(item.benchmark).find((problem) => problem.id === item.problemId)?.answer, "gold from the stored problem");
    }
  } finally {
    store.close();
  }
});

test("a plugged-in later stage runs after report with the store, plan and a variant's backend; a failing one is recorded", async () => {
  const runDirectory = path.join(scratch, "plugged");
  const text = await study();
  await runStudy({ ...base, study: text, runDirectory });
  let seen: { flips: number; text: string; variants: number } | undefined;
  // What attribution will look like: pending work from the store (flips), a backend opened through the context.
  const attribute: Stage = {
    name: "attribute-test",
    summary: "test: ask the variant once per flip",
    offline: false,
    pending(store) {
      const record = runRecordOf(store);
      const flips = record === undefined || record.grader === null ? [] : store.comparisons.list(record.study.hash, record.grader).flatMap((row) => (row.result as { flips: unknown[] }).flips);
      return { count: flips.length, unit: "flips" };
    },
    async run(context) {
      const flips = this.pending(context.store).count;
      const variant = context.plan.variants.find((entry) => !entry.isBaseline);
      assert.ok(variant !== undefined);
      const opened = await context.backends.open(variant);
      try {
        const [result] = await opened.backend.generate([{ prompt: "What is 2 + 2?", sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 8, seed: 0, stop: [] } }]);
        seen = { flips, text: result?.text ?? "", variants: context.plan.variants.length };
      } finally {
        await opened.backend.close();
      }
      return { status: "done", counts: { attributed: flips } };
    },
  };
  const broken: Stage = {
    name: "broken-test",
    summary: "test: always fails",
    offline: true,
    wanted: (planned) => planned.models.length > 0,
    pending: () => ({ count: 1, unit: "things" }),
    run: async () => {
      throw new QreasonError("E_INPUT", "this stage is broken on purpose");
    },
  };
  const unwanted: Stage = { ...broken, name: "unwanted-test", wanted: () => false };
  const registry = [...STAGES, attribute, unwanted, broken];

  const store = openRunDirectory(runDirectory);
  try {
    const session = new StageSession({ store, settings: { ...base, apiKey: () => undefined } });
    const askedBefore = loopback.received;
    await assert.rejects(runStages(session, { registry, only: ["attribute-test", "unwanted-test", "broken-test"] }), (error: unknown) => isQreasonError(error) && /broken on purpose/.test(error.message));
    assert.equal(loopback.received - askedBefore, 1, "the plugged stage reached the variant's backend");
    assert.ok(seen !== undefined && seen.flips > 0 && seen.variants === 2 && /2 \+ 2 = \d/.test(seen.text), JSON.stringify(seen));
    const latest = store.stageRuns.latest();
    assert.equal(latest.get("attribute-test")?.outcome, "done");
    assert.equal(latest.get("attribute-test")?.counts.attributed, seen.flips);
    assert.equal(latest.get("unwanted-test"), undefined, "a stage the study does not want never runs");
    assert.equal(latest.get("broken-test")?.outcome, "failed");
    assert.match(latest.get("broken-test")?.message ?? "", /E_INPUT: this stage is broken on purpose/);
    assert.deepEqual(
      stageStatus(store, {}, registry).map((entry) => entry.stage),
      ["plan", "quantize", "generate", "grade", "compare", "attribute", "restore", "report", "attribute-test", "unwanted-test", "broken-test"],
    );
  } finally {
    store.close();
  }
});

test("a stage alone on a directory with no run store, or a store with no plan, says so", async () => {
  await assert.rejects(runStagesOn(path.join(scratch, "nothing-here"), ["grade"], { ...base }), (error: unknown) => isQreasonError(error) && error.code === "E_NOT_FOUND" && /not a run directory/.test(error.message));
  const empty = path.join(scratch, "empty-store");
  const store = (await import("../store/index.ts")).openRunStore(empty);
  store.close();
  await assert.rejects(runStagesOn(empty, ["grade"], { ...base }), (error: unknown) => isQreasonError(error) && /holds no plan yet/.test(error.message));
});
