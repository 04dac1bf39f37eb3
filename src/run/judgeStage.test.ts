/**
 * The judge stage on a real run: a loopback "model" makes real flips (wrong sums, dropped answers), and a
 * panel of two real local judges (the bundled reference model on llama.cpp, schema-enforced, two seeds)
 * plus the step verifier judges them. Checked: every flip is decided or re-graded; a grade the current
 * grader overturns is not judged; the verifier is certain on a refuted sum; verdicts, usage, conflicts,
 * audit and the summary are stored; the report shows them; a second run has nothing pending and a
 * deleted decision is made again from the stored verdicts. Another panel seated by the command (`qreason
 * judge --judges ref-b`) decides beside the study's, reusing ref-b's stored verdicts; a name the study does
 * not have is a usage error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { openRunDirectory, RUN_STORE_FILE } from "../store/index.ts";
import { loadStudy } from "../study/index.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { currentGrader, runStagesOn, runStudy, stageStatus } from "./index.ts";
import { startLoopback, sumsStudy, writeSumsBenchmark, type LoopbackServer } from "./testdata/loopback.ts";

const scratch = mkdtempSync(path.join(os.tmpdir(), "qreason-judge-stage-"));
const benchmarkFile = path.join(scratch, "sums.jsonl");
const gguf = path.join(projectRoot, "models", "reference", "model.gguf");
let loopback: LoopbackServer;

before(async () => {
  writeSumsBenchmark(benchmarkFile, 12);
  loopback = await startLoopback();
});
after(async () => {
  await loopback.close();
  rmSync(scratch, { recursive: true, force: true });
});

const base = { dataDir: sharedDataDir, python: enginePython, projectRoot, qreasonVersion: "test", bootstrapResamples: 200 };

const judges = `judges:
  baseline: ref-a
  explanation_chars: 60
  sampling: { max_tokens: 200 }
  audit: { rate: 0.02, seed: 3 }
  position_bias: { probes: 2 }
  members:
    - { name: ref-a, llamacpp: { gguf: ${JSON.stringify(gguf)}, context_size: 4096 } }
    - { name: ref-b, llamacpp: { gguf: ${JSON.stringify(gguf)}, context_size: 4096 }, sampling: { temperature: 0.8, seed: 11 } }
`;

test("the judge stage decides every flip with a real local panel, stores it all, and resumes", { timeout: 600_000 }, async () => {
  const file = path.join(scratch, "study.yaml");
  writeFileSync(file, `${sumsStudy({ baseUrl: loopback.baseUrl, benchmarkFile, variants: ["q4"] })}${judges}`);
  const study = await loadStudy(file, { known: { benchmarks: benchmarkNames() } });
  const runDirectory = path.join(scratch, "run");

  // Generate and grade only, then plant a grader false reject: one correct q4 answer stored as wrong.
  await runStudy({ ...base, study, runDirectory, stages: ["plan", "generate", "grade"] });
  const grader = currentGrader().name;
  const database = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  const planted = database.prepare(
    `SELECT g.generation_key AS key FROM grades g JOIN generations n ON n.key = g.generation_key
     WHERE n.variant = 'q4' AND g.status = 'correct' AND g.grader = ? ORDER BY n.problem_id LIMIT 1`,
  ).get(grader) as { key: string };
  database.prepare("UPDATE grades SET status = 'wrong' WHERE generation_key = ? AND grader = ?").run(planted.key, grader);
  database.close();

  let store = openRunDirectory(runDirectory);
  const pending = stageStatus(store).find((entry) => entry.stage === "judge")?.pending;
  store.close();
  assert.ok(pending !== undefined && pending.count >= 2, `flips pending: ${JSON.stringify(pending)}`);

  const events: string[] = [];
  const run = await runStagesOn(runDirectory, ["judge", "report"], { ...base, force: ["report"], onEvent: (event) => { if (event.type === "judged") events.push(`${event.done}/${event.total}`); } });
  const judged = run.stages.find((stage) => stage.stage === "judge");
  assert.equal(judged?.outcome?.status, "done", JSON.stringify(judged));
  assert.equal(events.at(-1), `${pending.count}/${pending.count}`, "progress reaches the total");

  store = openRunDirectory(runDirectory);
  try {
    const state = store.state.current();
    assert.ok(state);
    const summary = store.judges.latestSummary(state.studyHash);
    assert.ok(summary, "a summary is stored");
    const panels = store.judges.panels(state.studyHash, summary.panel);
    assert.equal(panels.length, pending.count, "one decision per flip");

    const regraded = panels.find((row) => row.generationKey === planted.key);
    assert.equal(regraded?.reverify, "regraded_correct", "the planted false reject is re-graded correct");
    assert.equal(regraded?.decidedBy, "none");
    assert.equal(store.judges.verdicts([planted.key]).length, 0, "and not judged");

    const judgedRows = panels.filter((row) => row.reverify !== "regraded_correct");
    const verdicts = store.judges.verdicts(judgedRows.map((row) => row.generationKey));
    assert.equal(verdicts.length, 2 * judgedRows.length, "both judges answered every judged flip");
    for (const row of verdicts) {
      assert.ok(row.status === "verdict" || row.status === "invalid", `a verdict or a counted invalid one: ${row.status} ${row.reason}`);
      assert.ok(row.promptTokens > 0 && row.completionTokens > 0 && row.attempts >= 1, "tokens recorded per judge");
      assert.equal(row.cost, null, "no price, no cost");
      assert.ok(row.replies.length === row.attempts);
      if (row.status === "verdict") assert.ok(row.firstErrorStep !== null && row.firstErrorStep >= -1 && row.firstErrorStep < row.steps);
    }

    // A wrong sum ("a + b = a+b+1") is a refuted claim: the verifier is certain about step 0.
    const wrongSums = judgedRows.filter((row) => (row.verifier as { firstErrorStep?: number } | null)?.firstErrorStep === 0);
    assert.ok(wrongSums.length > 0, "the loopback model writes wrong sums");
    for (const row of wrongSums) {
      assert.equal(row.firstErrorStep, 0, "a certain verifier caps the first error at its step");
      assert.equal(row.subtype === "computational_error" || row.decidedBy === "majority", true);
    }
    // A flip decided "no error" on a still-wrong solution is queued as a possible false reject.
    const queue = store.judges.queue(summary.panel);
    for (const row of judgedRows.filter((entry) => entry.firstErrorStep === -1)) {
      assert.equal(row.reverify, "possible_false_reject");
      assert.ok(queue.some((entry) => entry.generationKey === row.generationKey && entry.reason === "possible_false_reject"));
    }
    for (const row of judgedRows.filter((entry) => entry.needsReview)) assert.ok(queue.some((entry) => entry.generationKey === row.generationKey && entry.reason === "conflict"));
    const audited = queue.filter((entry) => entry.reason === "audit");
    assert.equal(audited.length, 1, "a 2% audit of a few flips is one flip");
    assert.ok(panels.find((row) => row.generationKey === audited[0]?.generationKey)?.audited);

    const result = summary.summary as { judged: number; usage: { judge: string; calls: number }[]; agreement: { step: unknown }; positionBias: { probes: number; failed: number } | null; positionProbes: number };
    assert.deepEqual(result.usage.map((entry) => entry.judge), ["ref-a", "ref-b"]);
    assert.ok(result.agreement.step !== null, "agreement statistics over two judges");
    assert.ok(result.positionBias !== null && result.positionBias.probes + result.positionBias.failed > 0, "the position-bias check ran");
    assert.equal(result.positionProbes, 2, "with the judges block's pair count");
    assert.ok(result.positionBias.probes + result.positionBias.failed <= 2, "and no more pairs than asked");
  } finally {
    store.close();
  }
  const markdown = readFileSync(path.join(runDirectory, "summary.md"), "utf8");
  assert.match(markdown, /## Judges/);
  assert.match(markdown, /Error types of the flips: panel beside the step verifier/);
  assert.match(markdown, /No judge of this panel has been calibrated/);
  assert.match(readFileSync(path.join(runDirectory, "report.html"), "utf8"), /<section id="judges">/);

  // Resume: nothing pending; a deleted decision is made again from the stored verdicts.
  store = openRunDirectory(runDirectory);
  assert.equal(stageStatus(store).find((entry) => entry.stage === "judge")?.pending.count, 0);
  const summaryPanel = store.judges.latestSummary(store.state.current()?.studyHash ?? "")?.panel ?? "";
  const victim = store.judges.panels(store.state.current()?.studyHash ?? "", summaryPanel).find((row) => row.reverify !== "regraded_correct");
  store.close();
  assert.ok(victim);
  const raw = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  const before = raw.prepare("SELECT created_at FROM judge_verdicts WHERE generation_key = ? ORDER BY judge").all(victim.generationKey);
  raw.prepare("DELETE FROM judge_panels WHERE generation_key = ?").run(victim.generationKey);
  raw.close();
  const again = await runStagesOn(runDirectory, ["judge"], base);
  assert.equal(again.stages.find((stage) => stage.stage === "judge")?.outcome?.counts.judged, 1);
  const check = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  assert.deepEqual(check.prepare("SELECT created_at FROM judge_verdicts WHERE generation_key = ? ORDER BY judge").all(victim.generationKey), before, "stored verdicts reused, not asked again");
  const verdictCount = (check.prepare("SELECT count(*) AS n FROM judge_verdicts").get() as { n: number }).n;
  check.close();

  // Another panel for this command only: ref-b alone (its baseline now), stored beside the study's panel.
  const seated = await runStagesOn(runDirectory, ["judge"], { ...base, judges: { members: ["ref-b"] }, force: ["judge"] });
  assert.equal(seated.stages.find((stage) => stage.stage === "judge")?.outcome?.status, "done");
  store = openRunDirectory(runDirectory);
  try {
    const studyHash = store.state.current()?.studyHash ?? "";
    const latest = store.judges.latestSummary(studyHash);
    assert.ok(latest && latest.panel !== summaryPanel, "a new panel hash");
    assert.deepEqual((latest.description as { members: { name: string }[] }).members.map((member) => member.name), ["ref-b"]);
    assert.equal(store.judges.panels(studyHash, latest.panel).length, store.judges.panels(studyHash, summaryPanel).length, "every flip decided by the seated panel too");
    assert.ok(store.judges.panels(studyHash, summaryPanel).length > 0, "the study panel's decisions are kept");
  } finally {
    store.close();
  }
  const after = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  assert.equal((after.prepare("SELECT count(*) AS n FROM judge_verdicts").get() as { n: number }).n, verdictCount, "ref-b's stored verdicts reused");
  after.close();
  await assert.rejects(runStagesOn(runDirectory, ["judge"], { ...base, judges: { members: ["gpt"] }, force: ["judge"] }), /no judge named 'gpt' in the study \(its judges: ref-a, ref-b\)/);

  // Stopped inside the position-bias check (every flip decided, no summary): the summary is what is pending,
  // and the next run writes it from the stored decisions without asking the panel again.
  const cut = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  cut.prepare("DELETE FROM judge_summaries").run();
  cut.close();
  store = openRunDirectory(runDirectory);
  assert.deepEqual(stageStatus(store).find((entry) => entry.stage === "judge")?.pending.unit, "summary", "the summary is pending");
  store.close();
  const finish = await runStagesOn(runDirectory, ["judge"], base);
  assert.equal(finish.stages.find((stage) => stage.stage === "judge")?.outcome?.counts.judged, 0, "no flip judged again");
  store = openRunDirectory(runDirectory);
  try {
    const studyHash = store.state.current()?.studyHash ?? "";
    assert.equal((store.judges.summary(studyHash, summaryPanel)?.summary as { positionProbes: number } | undefined)?.positionProbes, 2, "the study panel's summary is back");
    assert.equal(stageStatus(store).find((entry) => entry.stage === "judge")?.pending.count, 0);
    // Another pair count (`qreason judge --position-probes 1`) is a stale summary: written again, same panel.
    assert.ok(stageStatus(store, { judges: { positionProbes: 1 } }).find((entry) => entry.stage === "judge")?.pending.unit === "summary");
  } finally {
    store.close();
  }
  await runStagesOn(runDirectory, ["judge"], { ...base, judges: { positionProbes: 1 }, force: ["judge"] });
  const recount = new DatabaseSync(path.join(runDirectory, RUN_STORE_FILE));
  const summaries = recount.prepare("SELECT panel, summary_json FROM judge_summaries WHERE panel = ?").all(summaryPanel) as { summary_json: string }[];
  assert.equal((recount.prepare("SELECT count(*) AS n FROM judge_verdicts").get() as { n: number }).n, verdictCount, "no new verdicts");
  recount.close();
  const rewritten = JSON.parse(summaries[0]?.summary_json ?? "{}") as { positionProbes: number; positionBias: { probes: number; failed: number } };
  assert.equal(rewritten.positionProbes, 1);
  assert.ok(rewritten.positionBias.probes + rewritten.positionBias.failed <= 1);
});
