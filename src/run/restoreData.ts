/**
 * Restore, first half: the training problems and the pairs mined from them. Training problems come from
 * training splits only (the study's `restore.train`, or each evaluated benchmark's `train` split), pass the
 * leakage check against every evaluation split the study reads (whole splits), and are asked of fp and the
 * variant through the normal generate path (content-keyed, so a re-run asks nothing twice) and graded with
 * the run's grader. Each fp-correct / variant-wrong pair gets the error category of the variant's solution.
 */
import type { Backend } from "../backends/index.ts";
import { findBenchmark, type Problem } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { checkLeakage, storedCategory, verifiedCategory, type LeakageResult, type PairCandidate, type RestoreSpec, type RestoreTrainSet } from "../restore/index.ts";
import { generationKey, type GradeStatus, type RunStore, type UngradedGeneration } from "../store/index.ts";
import type { BenchmarkSpec, ModelSpec, PlanJob, PlannedVariant, Study } from "../study/index.ts";
import { renderPrompt, stopStrings } from "../study/index.ts";
import { generateTasks, type GenerationTask } from "./generate.ts";
import { gradeGenerations } from "./grade.ts";
import type { BackendFacts } from "./fingerprint.ts";
import { backendFacts } from "./openBackend.ts";
import { fewShotExamples, resolveProblems, type ProblemSourceOptions } from "./problems.ts";
import type { StageContext } from "./stages/types.ts";
import { TaskBook } from "./tasks.ts";

/** The training sets of a restore spec: as given, or each evaluated benchmark's `train` split. */
export function trainingSets(study: Study, spec: RestoreSpec): RestoreTrainSet[] {
  if (spec.train !== undefined) return spec.train;
  const sets = new Map<string, RestoreTrainSet>();
  for (const benchmark of study.benchmarks) {
    const registered = findBenchmark(benchmark.subset.benchmark, benchmark.subset.mapping);
    if (!registered.splits.some((split) => split.name === "train") || benchmark.subset.split === "train") {
      throw new QreasonError(
        "E_INPUT",
        `benchmark ${benchmark.label} (${registered.name}) has no training split apart from the one evaluated (splits: ${registered.splits.map((split) => split.name).join(", ")}); name the problems to mine pairs from in restore.train (for MATH-500: { name: math, split: train })`,
        { file: study.file, field: "restore.train" },
      );
    }
    const key = `${registered.name}\0${JSON.stringify(benchmark.subset.mapping ?? null)}`;
    if (!sets.has(key)) {
      sets.set(key, {
        label: `${benchmark.label}-train`,
        subset: { benchmark: benchmark.subset.benchmark, split: "train", size: 2000, seed: spec.seed, ...(benchmark.subset.mapping ? { mapping: benchmark.subset.mapping } : {}) },
      });
    }
  }
  return [...sets.values()];
}

export interface TrainingProblems {
  sets: { set: RestoreTrainSet; problems: Problem[] }[];
  leakage: LeakageResult<Problem>;
  /** Every evaluation split compared against, with its size. */
  evaluationSplits: { label: string; problems: number }[];
}

/** Loads the training problems and drops (or refuses) those that appear in any evaluation split. */
export async function loadTrainingProblems(study: Study, spec: RestoreSpec, source: ProblemSourceOptions): Promise<TrainingProblems> {
  const evaluation: { label: string; problems: Problem[] }[] = [];
  const seenSplits = new Set<string>();
  for (const benchmark of study.benchmarks) {
    const registered = findBenchmark(benchmark.subset.benchmark, benchmark.subset.mapping);
    const split = benchmark.subset.split ?? registered.defaultSplit;
    const key = `${benchmark.subset.benchmark}\0${split}\0${benchmark.subset.seed}`;
    if (seenSplits.has(key)) continue;
    seenSplits.add(key);
    // The whole split, not the subset: a larger subset later must not meet a training problem either.
    const { size: _size, levels: _levels, subjects: _subjects, ...whole } = benchmark.subset;
    evaluation.push({ label: `${registered.name}/${split}`, problems: await resolveProblems({ ...whole, split }, source) });
  }
  const sets: TrainingProblems["sets"] = [];
  const all: Problem[] = [];
  for (const set of trainingSets(study, spec)) {
    const problems = await resolveProblems(set.subset, source);
    sets.push({ set, problems });
    all.push(...problems);
  }
  const leakage = checkLeakage(all, evaluation, spec.leakage);
  const kept = new Set(leakage.kept.map((problem) => problem.id));
  return {
    sets: sets.map((entry) => ({ set: entry.set, problems: entry.problems.filter((problem) => kept.has(problem.id)) })),
    leakage,
    evaluationSplits: evaluation.map((split) => ({ label: split.label, problems: split.problems.length })),
  };
}

/** The sampling of sample 0 of the first evaluated benchmark: training problems are asked as evaluation ones are. */
export function trainingJob(model: ModelSpec, variant: PlannedVariant, benchmark: BenchmarkSpec, set: RestoreTrainSet): PlanJob {
  const { seed, temperature, topP, topK, maxTokens, stop } = benchmark.sampling;
  return { model: model.name, variant: variant.variant, variantHash: variant.recipeHash, benchmark: `restore:${set.label}`, subset: set.subset, sampleIndex: 0, sampling: { temperature, topP, topK, maxTokens, stop: stopStrings(model.prompt, stop), seed } };
}

/** Keyed generation tasks of `problems` for an opened backend, with the study's prompt for the model. */
export async function trainingTasks(model: ModelSpec, variant: PlannedVariant, backend: Backend | BackendFacts, job: PlanJob, problems: readonly Problem[], source: ProblemSourceOptions): Promise<GenerationTask[]> {
  const facts = "modelIdentity" in backend ? backend : backendFacts(backend);
  const examples = await fewShotExamples(job.subset, model.prompt, source);
  const keyHash = TaskBook.keyVariantHash(variant);
  return problems.map((problem) => {
    const prompt = renderPrompt(model.prompt, problem.question, examples);
    const key = generationKey({ modelIdentity: facts.modelIdentity, variantHash: keyHash, backendKind: variant.backend, backendVersion: facts.backendVersion, prompt, sampling: job.sampling, sampleIndex: 0 });
    return { key, job, problem, prompt };
  });
}

/**
 * Generates what `tasks` lack (bounded in flight, batched commits) and grades what the grader has not;
 * returns each task key's grade status (keys that failed to generate are missing).
 */
export async function generateAndGrade(context: StageContext, model: ModelSpec, backend: Backend, tasks: readonly GenerationTask[], label: string, inFlight: number): Promise<Map<string, GradeStatus>> {
  const { store, grader } = context;
  const pending = new Set(store.pending(tasks.map((task) => task.key)));
  const todo = tasks.filter((task) => pending.delete(task.key));
  const [modelName, variantName] = [model.name, label];
  context.emit({ type: "generate-start", model: modelName, variant: variantName, total: tasks.length, pending: todo.length });
  let generated = 0;
  let failed = 0;
  if (todo.length > 0) {
    const outcome = await generateTasks(todo, backend, store, {
      inFlight,
      backendKind: backend.kind,
      backendVersion: backend.version,
      ...(backend.kind === "llamacpp" ? { requestTimeoutMs: model.runtime.timeoutSeconds * 1000 } : {}),
      signal: context.signal,
      onOutcome: (ok) => context.emit({ type: "generated", model: modelName, variant: variantName, ok }),
    });
    generated = outcome.generated;
    failed = outcome.failed;
  }
  context.emit({ type: "generate-end", model: modelName, variant: variantName, generated, failed });
  return gradeKeys(context, store, tasks, grader.name);
}

/** Grades the stored results of `tasks` that `grader` has not graded; returns every graded status. */
export async function gradeKeys(context: StageContext, store: RunStore, tasks: readonly GenerationTask[], grader: string): Promise<Map<string, GradeStatus>> {
  const keys = tasks.map((task) => task.key);
  const graded = new Map(store.gradeStatuses(keys, grader).map((row) => [row.key, row.status]));
  const problemOf = new Map(tasks.map((task) => [task.key, task.problem]));
  const items: UngradedGeneration[] = store
    .generations(keys.filter((key) => !graded.has(key)))
    .map((generation) => ({
      key: generation.key,
      benchmark: generation.benchmark,
      problemId: generation.problemId,
      text: generation.text,
      finishReason: generation.finishReason,
      gold: problemOf.get(generation.key)?.answer ?? null,
    }));
  if (items.length > 0 && !context.signal.aborted) {
    context.emit({ type: "grade-start", total: items.length });
    await gradeGenerations(store, items, {
      grader,
      ...(context.settings.gradeWorkers !== undefined ? { workers: context.settings.gradeWorkers } : {}),
      signal: context.signal,
      onProgress: (done, total) => context.emit({ type: "graded", done, total }),
    });
  }
  return new Map(store.gradeStatuses(keys, grader).map((row) => [row.key, row.status]));
}

/**
 * Pair candidates of one model: fp's and the variant's sample-0 generation of each training problem, with
 * their grades and the variant solution's error category (stored attribution, else the verifiers now).
 */
export function pairCandidates(store: RunStore, model: string, variant: string, fpTasks: readonly GenerationTask[], variantTasks: readonly GenerationTask[], fpGrades: Map<string, GradeStatus>, variantGrades: Map<string, GradeStatus>): PairCandidate[] {
  const variantByProblem = new Map(variantTasks.map((task) => [task.problem.id, task]));
  const texts = new Map(store.generations([...fpTasks, ...variantTasks].map((task) => task.key)).map((generation) => [generation.key, generation.text]));
  const stored = store.restore.firstErrors(variantTasks.map((task) => task.key));
  const candidates: PairCandidate[] = [];
  for (const fpTask of fpTasks) {
    const variantTask = variantByProblem.get(fpTask.problem.id);
    if (variantTask === undefined) continue;
    const chosenText = texts.get(fpTask.key);
    const rejectedText = texts.get(variantTask.key);
    const chosenStatus = fpGrades.get(fpTask.key);
    const rejectedStatus = variantGrades.get(variantTask.key);
    if (chosenText === undefined || rejectedText === undefined || chosenStatus === undefined || rejectedStatus === undefined) continue;
    // Categories are only worth computing for actual flips (the verifiers are not free on long texts).
    const flip = chosenStatus === "correct" && rejectedStatus !== "correct" && rejectedStatus !== "timeout";
    const finding = flip ? (storedCategory(stored.get(variantTask.key)) ?? verifiedCategory(fpTask.problem, rejectedText)) : { category: "unknown" as const, subtype: null, source: "none" as const };
    candidates.push({
      model,
      variant,
      benchmark: fpTask.problem.benchmark,
      problemId: fpTask.problem.id,
      question: fpTask.problem.question,
      prompt: fpTask.prompt,
      chosen: { key: fpTask.key, text: chosenText, status: chosenStatus },
      rejected: { key: variantTask.key, text: rejectedText, status: rejectedStatus },
      category: finding.category,
      subtype: finding.subtype,
      categorySource: finding.source,
    });
  }
  return candidates;
}
