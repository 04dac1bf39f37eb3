/**
 * `qreason run`, below the command line: plan → problems → for each variant (quantize if missing, start
 * its backend, generate what is pending) → grade. Comparison and reports read the store afterwards
 * (src/report), so they can be redone alone.
 *
 * Resuming is the normal path, not a special one: every generation has a content-hashed key, and only keys
 * without a stored result are asked for. A variant whose keys are all done is skipped without quantizing or
 * starting its backend (its keys come from the run's memo of backend facts).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Backend } from "../backends/index.ts";
import type { DownloadOptions } from "../data/index.ts";
import { findBenchmark, loadBenchmark, sha256File } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { LLAMA_CPP_RELEASE } from "../quantize/index.ts";
import { openRunStore, type RunStore } from "../store/index.ts";
import type { ModelSpec, Plan, PlannedVariant, Study } from "../study/index.ts";
import { expandPlan } from "../study/index.ts";
import { prepareVariant, type PreparedVariant } from "./artifacts.ts";
import type { CalibrationFile } from "./engineRecipe.ts";
import type { RunEvent } from "./events.ts";
import { fingerprint, RunMemo, stampsOf, type BackendFacts } from "./fingerprint.ts";
import { generateTasks, type GenerationTask } from "./generate.ts";
import { acquireRunLock } from "./lock.ts";
import { GRADER, gradeGenerations } from "./grade.ts";
import { backendFacts, openBackend, requestsInFlight } from "./openBackend.ts";
import { writeRunRecord, type RunCell, type RunRecord, type VariantStatus } from "./runRecord.ts";
import { TaskBook } from "./tasks.ts";

export interface RunStudyOptions {
  study: Study;
  runDirectory: string;
  dataDir: string;
  download?: DownloadOptions;
  /** Python interpreter of the engine. */
  python: string;
  projectRoot: string;
  /** Reads the API key variable a study names (the CLI passes the environment). */
  apiKey?: (variableName: string) => string | undefined;
  qreasonVersion: string;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  gradeWorkers?: number;
  /** Store commit batching (see generate.ts). */
  flushSize?: number;
  flushMs?: number;
}

export interface VariantSummary extends VariantStatus {
  /** Generations already stored when the run began. */
  cached: number;
  /** Made by this run. */
  generated: number;
}

export interface RunSummary {
  runDirectory: string;
  interrupted: boolean;
  variants: VariantSummary[];
  graded: number;
}

/** Runs `study` into `runDirectory` (creating it), resuming whatever an earlier run left. */
export async function runStudy(options: RunStudyOptions): Promise<RunSummary> {
  const { study, runDirectory } = options;
  const emit = (event: RunEvent): void => options.onEvent?.(event);
  const plan = expandPlan(study);
  mkdirSync(runDirectory, { recursive: true });
  const lock = acquireRunLock(runDirectory, "qreason run"); // one process per run directory
  try {
    const store = openRunStore(runDirectory);
    try {
      return await new StudyRun(options, plan, store, emit).run();
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

class StudyRun {
  private readonly options: RunStudyOptions;
  private readonly plan: Plan;
  private readonly store: RunStore;
  private readonly emit: (event: RunEvent) => void;
  private readonly memo: RunMemo;
  private readonly book: TaskBook;
  private readonly record: RunRecord;
  private readonly summaries: VariantSummary[] = [];
  /** Tasks of every variant whose keys are known, by key (for grading). */
  private readonly goldByKey = new Map<string, string>();
  private readonly warnedThreads = new Set<string>();

  constructor(options: RunStudyOptions, plan: Plan, store: RunStore, emit: (event: RunEvent) => void) {
    this.options = options;
    this.plan = plan;
    this.store = store;
    this.emit = emit;
    this.memo = new RunMemo(options.runDirectory);
    const source = { dataDir: options.dataDir, ...(options.download ? { download: options.download } : {}), ...(options.signal ? { signal: options.signal } : {}) };
    this.book = new TaskBook(options.study, plan, source);
    const { study } = options;
    this.record = {
      schema: "qreason-run/v1",
      study: { name: study.name, hash: plan.studyHash, file: study.file, ...(study.description !== undefined ? { description: study.description } : {}) },
      grader: GRADER,
      qreasonVersion: options.qreasonVersion,
      startedAt: new Date().toISOString(),
      models: study.models,
      benchmarks: study.benchmarks,
      variants: plan.variants,
      comparisons: plan.comparisons,
      cells: [],
      status: [],
    };
  }

  private get aborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  async run(): Promise<RunSummary> {
    const { study } = this.options;
    this.store.saveStudy({ hash: this.plan.studyHash, name: study.name, sourceFile: study.file, resolved: study });
    this.emit({ type: "stage", message: "loading problems" });
    await this.book.load((message) => this.emit({ type: "warning", message }));
    this.store.putProblems(this.book.allProblems());
    for (const variant of this.plan.variants) {
      this.store.putVariant({ model: variant.model, name: variant.variant, recipeHash: variant.recipeHash, kind: variant.recipe.kind, recipe: variant.recipe });
    }
    this.saveRecord();

    for (const variant of this.plan.variants) {
      if (this.aborted) break;
      try {
        await this.runVariant(this.model(variant.model), variant);
      } catch (error) {
        // Ctrl-C during quantization or a backend's start surfaces as their "cancelled" error: not a failure.
        if (!this.aborted) throw error;
      }
    }

    let graded = 0;
    if (!this.aborted) {
      const keys = this.record.cells.flatMap((cell) => cell.keys);
      this.emit({ type: "stage", message: "grading" });
      const outcome = await gradeGenerations(this.store, keys, {
        goldOf: (key) => this.goldByKey.get(key),
        ...(this.options.gradeWorkers !== undefined ? { workers: this.options.gradeWorkers } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        onProgress: (done, total) => this.emit({ type: "graded", done, total }),
      });
      graded = outcome.graded;
    }
    const interrupted = this.aborted;
    this.record.finishedAt = new Date().toISOString();
    if (interrupted) this.record.interrupted = true;
    this.saveRecord();
    return { runDirectory: this.options.runDirectory, interrupted, variants: this.summaries, graded };
  }

  private model(name: string): ModelSpec {
    const model = this.options.study.models.find((candidate) => candidate.name === name);
    if (model === undefined) throw new QreasonError("E_INTERNAL", `the plan names model ${name}, which the study lacks`);
    return model;
  }

  private saveRecord(): void {
    writeRunRecord(this.options.runDirectory, this.record);
  }

  /** Sets the cells of `variant` from its tasks, and remembers each task's gold answer for grading. */
  private setCells(variant: PlannedVariant, tasks: readonly GenerationTask[]): void {
    this.record.cells = this.record.cells.filter((cell) => cell.model !== variant.model || cell.variant !== variant.variant);
    const byBenchmark = new Map<string, RunCell>();
    for (const task of tasks) {
      let cell = byBenchmark.get(task.job.benchmark);
      if (cell === undefined) {
        cell = { model: variant.model, variant: variant.variant, benchmark: task.job.benchmark, keys: [] };
        byBenchmark.set(task.job.benchmark, cell);
        this.record.cells.push(cell);
      }
      cell.keys.push(task.key);
      this.goldByKey.set(task.key, task.problem.answer);
    }
    this.saveRecord();
  }

  private setStatus(status: VariantStatus): void {
    this.record.status = [...this.record.status.filter((entry) => entry.model !== status.model || entry.variant !== status.variant), status];
  }

  /** What a variant's backend facts depend on; when none of it changed, the memo's facts still hold. */
  private factsFingerprint(model: ModelSpec, variant: PlannedVariant): string {
    const recipe = variant.recipe;
    const source = model.source.kind === "local" ? { hf: model.source.hf ? stampsOf(model.source.hf) : null, gguf: model.source.gguf ? stampsOf(model.source.gguf) : null } : model.source;
    return fingerprint({
      backend: variant.backend,
      recipeHash: variant.recipeHash,
      source,
      artifact: recipe.kind === "gguf" || recipe.kind === "hf" ? stampsOf(recipe.path) : null,
      imatrix: recipe.kind === "llamacpp" && recipe.imatrix !== undefined ? stampsOf(recipe.imatrix) : null,
      python: variant.backend === "engine" ? this.options.python : null,
      llamaCpp: variant.backend === "llamacpp" ? LLAMA_CPP_RELEASE : null,
    });
  }

  /** Facts known without starting anything: an endpoint's, or the memo's. */
  private knownFacts(model: ModelSpec, variant: PlannedVariant): BackendFacts | undefined {
    const recipe = variant.recipe;
    if (recipe.kind === "endpoint") return { modelIdentity: recipe.endpoint.model, backendVersion: "openai-compatible" };
    if (recipe.kind === "fp" && model.source.kind === "endpoint") return { modelIdentity: model.source.endpoint.model, backendVersion: "openai-compatible" };
    return this.memo.facts(this.factsFingerprint(model, variant));
  }

  private async runVariant(model: ModelSpec, variant: PlannedVariant): Promise<void> {
    const name = { model: variant.model, variant: variant.variant };
    let facts = this.knownFacts(model, variant);
    let tasks = facts === undefined ? undefined : this.book.tasksFor(model, variant, facts);
    if (tasks !== undefined) {
      this.setCells(variant, tasks);
      const pending = this.store.pending(tasks.map((task) => task.key));
      if (pending.length === 0) {
        this.summaries.push({ ...name, total: tasks.length, pending: 0, failed: 0, cached: tasks.length, generated: 0 });
        this.setStatus({ ...name, total: tasks.length, pending: 0, failed: 0 });
        return;
      }
    }

    const prepared = await prepareVariant(model, variant, {
      runDirectory: this.options.runDirectory,
      python: this.options.python,
      projectRoot: this.options.projectRoot,
      calibrationFile: (planned) => this.calibrationFile(planned),
      onProgress: (message, done, total) => this.emit({ type: "prepare", ...name, message, ...(done !== undefined ? { done } : {}), ...(total !== undefined ? { total } : {}) }),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    if (this.aborted) return;
    this.warnAboutThreads(model, prepared);
    const backend = await openBackend(model, prepared, {
      python: this.options.python,
      projectRoot: this.options.projectRoot,
      apiKey: this.options.apiKey ?? (() => undefined),
      ggufHash: (file) => this.memo.fileHash(file, sha256File),
    });
    try {
      const live = backendFacts(backend);
      if (facts === undefined || facts.modelIdentity !== live.modelIdentity || facts.backendVersion !== live.backendVersion) {
        facts = live;
        if (variant.recipe.kind !== "endpoint" && model.source.kind !== "endpoint") this.memo.setFacts(this.factsFingerprint(model, variant), live);
        tasks = this.book.tasksFor(model, variant, facts);
        this.setCells(variant, tasks);
      }
      this.recordArtifact(model, variant, prepared, backend);
      await this.generate(model, variant, prepared, backend, tasks as GenerationTask[]);
    } finally {
      await backend.close();
    }
  }

  /**
   * llama.cpp's worker threads spin while they wait: with as many threads as cores, Node's own thread
   * (sampling, batching) waits on the scheduler for every token, and generation slows down by an order of
   * magnitude or more (docs/llamacpp.md). Said once per model; the study's setting is kept.
   */
  private warnAboutThreads(model: ModelSpec, prepared: PreparedVariant): void {
    const threads = model.runtime.threads;
    const cores = os.availableParallelism();
    if (prepared.artifact.kind !== "gguf" || threads === undefined || threads < cores || this.warnedThreads.has(model.name)) return;
    this.warnedThreads.add(model.name);
    this.emit({
      type: "warning",
      message: `${model.name}: runtime.threads is ${threads} on a machine with ${cores} core(s); llama.cpp runs much faster with fewer threads than cores (leave threads out to let qreason choose)`,
    });
  }

  private recordArtifact(model: ModelSpec, variant: PlannedVariant, prepared: PreparedVariant, backend: Backend): void {
    const artifact = prepared.artifact;
    this.store.putVariant({ model: variant.model, name: variant.variant, recipeHash: variant.recipeHash, kind: variant.recipe.kind, recipe: variant.recipe, modelIdentity: backend.modelId });
    this.store.setVariantArtifact({
      model: variant.model,
      name: variant.variant,
      recipeHash: variant.recipeHash,
      artifactPath: artifact.kind === "endpoint" ? artifact.endpoint.baseUrls.join(" ") : artifact.path,
      ...(prepared.manifest !== undefined ? { manifest: prepared.manifest } : {}),
      provenance: {
        modelIdentity: backend.modelId,
        modelSource: model.source,
        recipe: variant.recipe,
        recipeHash: variant.recipeHash,
        backend: { kind: backend.kind, version: backend.version },
        ...(prepared.kvCache !== undefined ? { kvCache: prepared.kvCache } : {}),
        prompt: model.prompt,
        sampling: Object.fromEntries(this.options.study.benchmarks.map((benchmark) => [benchmark.label, benchmark.sampling])),
        runtime: model.runtime,
        qreason: this.options.qreasonVersion,
        node: process.version,
        recordedAt: new Date().toISOString(),
      },
    });
  }

  private async generate(model: ModelSpec, variant: PlannedVariant, prepared: PreparedVariant, backend: Backend, tasks: GenerationTask[]): Promise<void> {
    const name = { model: variant.model, variant: variant.variant };
    const keys = tasks.map((task) => task.key);
    const pendingKeys = new Set(this.store.pending(keys));
    // Two benchmark labels over the same problems with the same sampling share keys: ask each once.
    let todo = tasks.filter((task) => pendingKeys.delete(task.key));
    const cached = tasks.length - this.store.pending(keys).length;
    this.emit({ type: "generate-start", ...name, total: tasks.length, pending: todo.length });
    let generated = 0;
    let stopped: string | undefined;
    // The endpoint backend retries inside (with backoff, honouring Retry-After); the others get rounds here.
    const rounds = backend.kind === "openai" ? 0 : model.runtime.retries;
    for (let round = 0; round <= rounds && todo.length > 0 && !this.aborted; round++) {
      const outcome = await generateTasks(todo, backend, this.store, {
        inFlight: requestsInFlight(model, prepared),
        backendKind: backend.kind,
        backendVersion: backend.version,
        ...(backend.kind === "llamacpp" ? { requestTimeoutMs: Math.round(model.runtime.timeoutSeconds * 1000) } : {}),
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        ...(this.options.flushSize !== undefined ? { flushSize: this.options.flushSize } : {}),
        ...(this.options.flushMs !== undefined ? { flushMs: this.options.flushMs } : {}),
        onOutcome: (ok) => this.emit({ type: "generated", ...name, ok }),
      });
      generated += outcome.generated;
      stopped = outcome.stopped;
      if (stopped !== undefined) break;
      const retry = new Set(outcome.failedKeys);
      todo = todo.filter((task) => retry.has(task.key));
    }
    const pending = this.store.pending(keys).length;
    const failures = this.store.failures(keys).length;
    this.emit({ type: "generate-end", ...name, generated, failed: failures, ...(stopped !== undefined ? { stopped } : {}) });
    const status: VariantStatus = { ...name, total: tasks.length, pending, failed: failures, ...(stopped !== undefined ? { stopped } : {}) };
    this.setStatus(status);
    this.summaries.push({ ...status, cached, generated });
  }

  /** The calibration text an engine recipe names: a user file as it is, or a benchmark split written as JSONL. */
  private async calibrationFile(variant: PlannedVariant): Promise<CalibrationFile | undefined> {
    if (variant.recipe.kind !== "engine") return undefined;
    const calibration = variant.recipe.recipe.calibration;
    if (calibration === undefined) return undefined;
    if (calibration.file !== undefined) return { path: calibration.file, format: calibration.file.endsWith(".txt") ? "text" : "jsonl" };
    const benchmarkName = calibration.benchmark as string;
    const benchmark = findBenchmark(benchmarkName);
    const split = calibration.split ?? benchmark.defaultSplit;
    const folder = path.join(this.options.runDirectory, "calibration");
    const file = path.join(folder, `${benchmarkName}-${split}-seed${calibration.seed}-n${calibration.samples}.jsonl`);
    // Written once: its stamp is part of the variant's source fingerprint, so rewriting it would re-quantize.
    if (!existsSync(file)) {
      const problems = await loadBenchmark(benchmark, {
        dataDir: this.options.dataDir,
        split,
        seed: calibration.seed,
        ...(benchmark.origin === "generated" ? { size: calibration.samples } : {}),
        ...(this.options.download ? { download: this.options.download } : {}),
      });
      mkdirSync(folder, { recursive: true });
      const lines = problems.map((problem) => JSON.stringify({ text: `${problem.question}\n${problem.solution ?? problem.answer}` }));
      writeFileSync(`${file}.tmp`, `${lines.join("\n")}\n`);
      renameSync(`${file}.tmp`, file);
    }
    return { path: file, format: "jsonl" };
  }
}
