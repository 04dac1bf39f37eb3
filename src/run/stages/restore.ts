/**
 * restore: repairs the variants a study's `restore:` block names with LoRA adapters trained over their
 * frozen quantized weights, and measures what came back. Per variant, in order, each step resumable:
 *
 * 1. training problems (training splits only; leakage-checked against every evaluation split), asked of fp
 *    and the variant — of every model with a variant of that name, for cross-scale pairs — and graded;
 * 2. pairs mined (src/restore: flips only, deduplicated, stratified by error category, capped, seeded) and
 *    written for the engine, TRL and LLaMA-Factory (`<run>/restore/<model>/<variant>/pairs/`);
 * 3. adapters trained by the engine (`python -m qreason_engine train`): each method of the spec on all
 *    pairs (DPO, SFT on the chosen solutions, margin repair — same pairs and budget), and with the ablation
 *    one DPO adapter per error category; a llama.cpp variant is trained on its dequantized weights and its
 *    adapter exported as a LoRA GGUF;
 * 4. the variant with each adapter asked the study's evaluation problems (normal generate + grade);
 * 5. the restoration table (fp, variant, each repair; recovered fraction with its interval), stored.
 *
 * Adapters and generations are in the store and the run directory: a re-run trains and asks nothing twice.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { QreasonError } from "../../errors.ts";
import {
  crossScaleGroup, engineDpoRecord, engineMarginRecord, engineSftRecord, jsonLines, llamaFactoryDatasetInfo, llamaFactoryRecord, minePairs, restoreTargets, trlRecord,
  type MinedPairs, type PairCandidate, type PairCategory, type RestoreSpec,
} from "../../restore/index.ts";
import { sha256Hex, type RunStore } from "../../store/index.ts";
import type { PlannedVariant, Study } from "../../study/index.ts";
import { ensureAdapter, restoreFolder, trainingBase, type AdapterJob } from "../restoreAdapters.ts";
import { generateAndGrade, gradeKeys, loadTrainingProblems, pairCandidates, trainingJob, trainingTasks, type TrainingProblems } from "../restoreData.ts";
import { cachedFacts, rememberFacts } from "../restoreFacts.ts";
import { cellScores, evaluateRestored, tableOf, taskScores, type ScoredRow } from "../restoreEvaluate.ts";
import { backendFacts, requestsInFlight } from "../openBackend.ts";
import type { GenerationTask } from "../generate.ts";
import type { Stage, StageContext, StageOutcome } from "./types.ts";

function plannedVariant(context: StageContext, model: string, variant: string): PlannedVariant {
  const planned = context.plan.variants.find((entry) => entry.model === model && entry.variant === variant);
  if (planned === undefined) throw new QreasonError("E_INTERNAL", `the plan has no variant ${model}/${variant}`);
  return planned;
}

/** Asks every training problem of one planned variant, graded; returns its tasks and statuses. */
async function askTraining(context: StageContext, training: TrainingProblems, variant: PlannedVariant, label: string) {
  const model = context.model(variant.model);
  const firstBenchmark = context.study.benchmarks[0];
  if (firstBenchmark === undefined) throw new QreasonError("E_INTERNAL", "a study without benchmarks");
  const source = { dataDir: context.settings.dataDir, ...(context.settings.download ? { download: context.settings.download } : {}), signal: context.signal };
  const tasksFor = async (backend: Parameters<typeof trainingTasks>[2]): Promise<GenerationTask[]> => {
    const tasks: GenerationTask[] = [];
    for (const { set, problems } of training.sets) tasks.push(...(await trainingTasks(model, variant, backend, trainingJob(model, variant, firstBenchmark, set), problems, source)));
    return tasks;
  };
  // Keyed with the facts the backend gave last time: when every answer is stored, nothing starts.
  const factsId = `training\0${variant.model}\0${variant.variant}\0${variant.recipeHash}`;
  const cached = cachedFacts(context.runDirectory, factsId);
  if (cached !== undefined) {
    const tasks = await tasksFor(cached);
    if (context.store.pending(tasks.map((task) => task.key)).length === 0) {
      context.emit({ type: "generate-start", model: model.name, variant: label, total: tasks.length, pending: 0 });
      context.emit({ type: "generate-end", model: model.name, variant: label, generated: 0, failed: 0 });
      return { tasks, statuses: await gradeKeys(context, context.store, tasks, context.grader.name) };
    }
  }
  const opened = await context.backends.open(variant);
  try {
    rememberFacts(context.runDirectory, factsId, backendFacts(opened.backend));
    const tasks = await tasksFor(opened.backend);
    const statuses = await generateAndGrade(context, model, opened.backend, tasks, label, requestsInFlight(model, opened.prepared));
    return { tasks, statuses };
  } finally {
    await opened.backend.close();
  }
}

/** Writes one pair set in every format; returns the engine files and the dpo file's sha256. */
function writePairSet(folder: string, name: string, mined: MinedPairs): { dpo: string; sft: string; margin: string; sha256: string; sftSha256: string; marginSha256: string; marginPairs: number } {
  mkdirSync(path.join(folder, "trl"), { recursive: true });
  mkdirSync(path.join(folder, "llamafactory"), { recursive: true });
  const dpoText = jsonLines(mined.pairs.map(engineDpoRecord));
  const sftText = jsonLines(mined.pairs.map(engineSftRecord));
  const margins = mined.pairs.map((pair) => engineMarginRecord(pair)).filter((record): record is Record<string, unknown> => record !== undefined);
  const marginText = jsonLines(margins);
  const files = { dpo: path.join(folder, `${name}.dpo.jsonl`), sft: path.join(folder, `${name}.sft.jsonl`), margin: path.join(folder, `${name}.margin.jsonl`) };
  writeFileSync(files.dpo, dpoText);
  writeFileSync(files.sft, sftText);
  writeFileSync(files.margin, marginText);
  writeFileSync(path.join(folder, "trl", `${name}.jsonl`), jsonLines(mined.pairs.map(trlRecord)));
  const chat = mined.pairs.some((pair) => typeof pair.prompt !== "string");
  writeFileSync(path.join(folder, "llamafactory", `${name}.json`), `${JSON.stringify(mined.pairs.map(llamaFactoryRecord), null, 1)}\n`);
  writeFileSync(path.join(folder, "llamafactory", `dataset_info.${name}.json`), `${JSON.stringify(llamaFactoryDatasetInfo(`qreason_${name}`, `${name}.json`, chat), null, 2)}\n`);
  return { ...files, sha256: sha256Hex(dpoText), sftSha256: sha256Hex(sftText), marginSha256: sha256Hex(marginText), marginPairs: margins.length };
}

async function restoreVariant(context: StageContext, spec: RestoreSpec, target: { model: string; variant: string }, training: TrainingProblems): Promise<Record<string, number>> {
  const { store, plan, study } = context;
  const model = context.model(target.model);
  const variant = plannedVariant(context, target.model, target.variant);
  const fp = plannedVariant(context, target.model, model.baseline);
  const prepared = await context.backends.prepare(variant);
  if (prepared.artifact.kind === "endpoint") throw new QreasonError("E_USAGE", `${target.model}/${target.variant} is an endpoint: qreason trains adapters over local weights only`, { field: "restore.variants" });

  // 1. Training problems asked of fp and the variant, of each model (size) with a variant of this name.
  const group = crossScaleGroup(spec, study.models, target);
  const candidates: PairCandidate[] = [];
  for (const member of group) {
    const memberFp = plannedVariant(context, member.name, member.baseline);
    const memberVariant = plannedVariant(context, member.name, target.variant);
    if (context.signal.aborted) return {};
    const chosen = await askTraining(context, training, memberFp, `${memberFp.variant} (training problems)`);
    if (context.signal.aborted) return {};
    const rejected = await askTraining(context, training, memberVariant, `${memberVariant.variant} (training problems)`);
    candidates.push(...pairCandidates(store, member.name, target.variant, chosen.tasks, rejected.tasks, chosen.statuses, rejected.statuses));
  }
  if (context.signal.aborted) return {};

  // 2. Pairs: all of them, and per category for the ablation.
  const folder = restoreFolder(context.runDirectory, variant);
  const pairsFolder = path.join(folder, "pairs");
  mkdirSync(pairsFolder, { recursive: true });
  const all = minePairs(candidates, { cap: spec.pairs, seed: spec.seed, allocation: spec.allocation });
  if (all.pairs.length === 0) {
    throw new QreasonError("E_INPUT", `no pairs to train on for ${target.model}/${target.variant}: of ${training.sets.reduce((sum, entry) => sum + entry.problems.length, 0)} training problems none was solved by fp and missed by the variant; give restore.train more problems`, { field: "restore.train" });
  }
  const sets: { name: string; category?: PairCategory; mined: MinedPairs }[] = [{ name: "all", mined: all }];
  if (spec.ablation) {
    for (const category of Object.keys(all.counts.availableByCategory) as PairCategory[]) {
      sets.push({ name: category, category, mined: minePairs(candidates, { cap: spec.pairs, seed: spec.seed, allocation: spec.allocation, categories: [category] }) });
    }
  }
  const written = new Map<string, ReturnType<typeof writePairSet>>();
  for (const set of sets) {
    const files = writePairSet(pairsFolder, set.name, set.mined);
    written.set(set.name, files);
    const leakage = { excluded: training.leakage.leaked.length, examples: training.leakage.leaked.slice(0, 5), evaluationProblems: training.leakage.evaluationProblems, splits: training.evaluationSplits };
    store.restore.putPairSet({ studyHash: plan.studyHash, model: target.model, variant: target.variant, name: set.name, grader: context.grader.name, pairs: set.mined.pairs.length, sha256: files.sha256, file: files.dpo, counts: { ...set.mined.counts, leakage } });
  }
  context.emit({ type: "stage", message: `${target.model}/${target.variant}: ${all.pairs.length} pairs (${Object.entries(all.counts.keptByCategory).map(([category, count]) => `${category} ${count}`).join(", ")}); ${training.leakage.leaked.length} training problem(s) excluded as leaked` });

  // 3. Adapters.
  const jobs: (AdapterJob & { category?: PairCategory })[] = [];
  const allFiles = written.get("all") as ReturnType<typeof writePairSet>;
  // sft+dpo starts from the sft adapter, so it trains after the other methods (config.ts requires sft beside it).
  const methods = [...spec.methods.filter((method) => method !== "sft+dpo"), ...spec.methods.filter((method) => method === "sft+dpo")];
  for (const method of methods) {
    if (method === "margin" && allFiles.marginPairs === 0) continue;
    const data = method === "sft" ? { file: allFiles.sft, sha: allFiles.sftSha256, pairs: all.pairs.length } : method === "margin" ? { file: allFiles.margin, sha: allFiles.marginSha256, pairs: allFiles.marginPairs } : { file: allFiles.dpo, sha: allFiles.sha256, pairs: all.pairs.length };
    jobs.push({ name: method, method, pairSet: "all", dataFile: data.file, dataSha256: data.sha, pairs: data.pairs });
  }
  for (const set of sets.slice(1)) {
    const files = written.get(set.name) as ReturnType<typeof writePairSet>;
    if (set.mined.pairs.length > 0) jobs.push({ name: `dpo-${set.name}`, method: "dpo", pairSet: set.name, dataFile: files.dpo, dataSha256: files.sha256, pairs: set.mined.pairs.length, ...(set.category ? { category: set.category } : {}) });
  }
  const base = await trainingBase(context, variant, prepared);
  let trained = 0;
  const adapters = [];
  for (const planned of jobs) {
    if (context.signal.aborted) return { trained };
    let job: AdapterJob & { category?: PairCategory } = planned;
    if (planned.method === "sft+dpo") {
      const sft = adapters.find((entry) => entry.job.name === "sft");
      if (sft === undefined) throw new QreasonError("E_INTERNAL", "sft+dpo is trained after the sft adapter, which is missing");
      job = { ...planned, init: { adapterPath: sft.adapter.adapterPath, recipeHash: sft.adapter.recipeHash } };
    }
    const { adapter, trained: fresh } = await ensureAdapter(context, variant, prepared, job, base, spec.training, spec.seed);
    if (fresh) trained++;
    adapters.push({ job, adapter });
  }

  // 4. Evaluation, and 5. the table.
  const grader = context.grader.name;
  const rows: ScoredRow[] = [
    { name: fp.variant, role: "fp", scores: cellScores(store, plan.studyHash, target.model, fp.variant, grader) },
    { name: variant.variant, role: "variant", scores: cellScores(store, plan.studyHash, target.model, variant.variant, grader) },
  ];
  for (const { job, adapter } of adapters) {
    if (context.signal.aborted) return { trained };
    const evaluated = await evaluateRestored(context, model, variant, prepared, adapter);
    rows.push({ name: job.name, role: (job.method === "dpo" || job.method === "sft+dpo") && job.pairSet === "all" ? "restored" : job.pairSet === "all" ? "baseline" : "restored", method: job.method, pairs: job.pairs, ...(job.category ? { category: job.category } : {}), scores: taskScores(evaluated.tasks, evaluated.statuses), training: trainingSummary(adapter.train) });
  }
  // The no-training control of a llama.cpp variant: the DPO adapter loaded through the same path at scale 0.
  const dpo = adapters.find((entry) => entry.job.name === "dpo");
  if (dpo !== undefined && prepared.artifact.kind === "gguf" && !context.signal.aborted) {
    const evaluated = await evaluateRestored(context, model, variant, prepared, dpo.adapter, 0);
    rows.push({ name: "no training (dpo adapter at scale 0)", role: "baseline", method: "none", scores: taskScores(evaluated.tasks, evaluated.statuses) });
  }
  if (context.signal.aborted) return { trained };
  const resamples = context.settings.bootstrapResamples ?? 10_000;
  const { table, missing } = tableOf(rows, { resamples, seed: spec.seed });
  const result = { table, missing, pairs: { all: all.counts, ablation: sets.slice(1).map((set) => ({ category: set.name, pairs: set.mined.pairs.length })) }, leakage: { excluded: training.leakage.leaked.length, evaluationSplits: training.evaluationSplits }, spec, base: prepared.artifact.kind === "gguf" ? "gguf-dequantized" : "hf-variant" };
  store.restore.putResult({ studyHash: plan.studyHash, grader, model: target.model, variant: target.variant, inputsHash: sha256Hex(JSON.stringify(rows.map((row) => [row.name, [...row.scores.entries()]]))), result });
  const restored = table.rows.find((row) => row.name === "dpo");
  context.emit({
    type: "stage",
    message: `${target.model}/${target.variant}: fp ${(100 * (table.rows[0]?.accuracy ?? 0)).toFixed(1)}%, variant ${(100 * (table.rows[1]?.accuracy ?? 0)).toFixed(1)}%${restored ? `, dpo ${(100 * restored.accuracy).toFixed(1)}% (recovered ${restored.recovered?.estimate === undefined ? "—" : `${(100 * restored.recovered.estimate).toFixed(0)}%`}${restored.recovered?.interval ? ` [${(100 * restored.recovered.interval.low).toFixed(0)}, ${(100 * restored.recovered.interval.high).toFixed(0)}]` : ""})` : ""}`,
  });
  return { trained, adapters: adapters.length, pairs: all.pairs.length, evaluated: table.problems };
}

function trainingSummary(train: unknown): Record<string, unknown> {
  if (train === null || typeof train !== "object") return {};
  const record = train as Record<string, unknown>;
  const pick = ["wall_seconds", "steps", "metrics", "seed", "versions"] as const;
  return Object.fromEntries(pick.filter((key) => key in record).map((key) => [key, record[key]]));
}

/** The variants a stored study asks to restore, and those without a result under `grader`. */
function pendingTargets(store: RunStore, grader: string | undefined): { targets: number; left: number } {
  const state = store.state.current();
  if (state === undefined) return { targets: 0, left: 0 };
  const stored = store.study(state.studyHash);
  const study = stored?.resolved as Study | undefined;
  if (study?.restore === undefined) return { targets: 0, left: 0 };
  const targets = restoreTargets(study.restore, study.models);
  if (typeof targets === "string") return { targets: 0, left: 0 };
  const done = new Set(grader === undefined ? [] : store.restore.results(state.studyHash, grader).map((entry) => `${entry.model}\0${entry.variant}`));
  return { targets: targets.length, left: targets.filter((target) => !done.has(`${target.model}\0${target.variant}`)).length };
}

export const restoreStage: Stage = {
  name: "restore",
  summary: "repair quantized variants with LoRA adapters (DPO on mined pairs, SFT and margin baselines) and measure the recovered share of the loss",
  offline: false,
  requires: ["grade"],
  wanted(study) {
    return study.restore !== undefined;
  },
  pending(store, options = {}) {
    const { left } = pendingTargets(store, options.grader?.name ?? store.state.current()?.grader ?? undefined);
    return { count: left, unit: "variants" };
  },
  async run(context): Promise<StageOutcome> {
    const spec = context.study.restore;
    if (spec === undefined) return { status: "done", counts: { restored: 0 } };
    const targets = restoreTargets(spec, context.study.models);
    if (typeof targets === "string") throw new QreasonError("E_INPUT", targets, { file: context.study.file, field: "restore.variants" });
    context.emit({ type: "stage", message: "restore: loading training problems and checking them against every evaluation split" });
    const source = { dataDir: context.settings.dataDir, ...(context.settings.download ? { download: context.settings.download } : {}), signal: context.signal };
    const training = await loadTrainingProblems(context.study, spec, source);
    context.store.putProblems(training.sets.flatMap((entry) => entry.problems));
    const counts: Record<string, number> = { restored: 0, trained: 0, leaked: training.leakage.leaked.length };
    for (const target of targets) {
      if (context.signal.aborted) break;
      const done = await restoreVariant(context, spec, target, training);
      counts.trained = (counts.trained ?? 0) + (done.trained ?? 0);
      if (done.evaluated !== undefined) counts.restored = (counts.restored ?? 0) + 1;
    }
    return { status: context.signal.aborted ? "interrupted" : "done", counts };
  },
};
