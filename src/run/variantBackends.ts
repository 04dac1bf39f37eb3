/**
 * How stages reach a variant: its artifact (made if missing, src/run/artifacts.ts), its backend (started
 * with the model's runtime options), and the facts its generation keys hold — known without starting
 * anything for endpoints and, through the run's memo, for any variant that ran before with unchanged files.
 * Starting a backend records the variant's artifact and provenance in the store.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findBenchmark, loadBenchmark, sha256File } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { LLAMA_CPP_RELEASE } from "../quantize/index.ts";
import type { RunStore } from "../store/index.ts";
import type { ModelSpec, PlannedVariant, Study } from "../study/index.ts";
import { prepareVariant, type PreparedVariant } from "./artifacts.ts";
import type { CalibrationFile } from "./engineRecipe.ts";
import type { RunEvent } from "./events.ts";
import { fingerprint, RunMemo, stampsOf, type BackendFacts } from "./fingerprint.ts";
import { backendFacts, openBackend } from "./openBackend.ts";
import type { OpenedVariant, StageSettings, VariantBackends } from "./stages/types.ts";

export class RunBackends implements VariantBackends {
  private readonly study: Study;
  private readonly store: RunStore;
  private readonly runDirectory: string;
  private readonly settings: StageSettings;
  private readonly signal: AbortSignal;
  private readonly emit: (event: RunEvent) => void;
  readonly memo: RunMemo;
  private readonly prepared = new Map<string, PreparedVariant>();
  private readonly warnedThreads = new Set<string>();

  constructor(options: { study: Study; store: RunStore; runDirectory: string; settings: StageSettings; signal: AbortSignal; emit: (event: RunEvent) => void }) {
    this.study = options.study;
    this.store = options.store;
    this.runDirectory = options.runDirectory;
    this.settings = options.settings;
    this.signal = options.signal;
    this.emit = options.emit;
    this.memo = new RunMemo(options.runDirectory);
  }

  model(name: string): ModelSpec {
    const model = this.study.models.find((candidate) => candidate.name === name);
    if (model === undefined) throw new QreasonError("E_INTERNAL", `the plan names model ${name}, which the study lacks`);
    return model;
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
      python: variant.backend === "engine" ? this.settings.python : null,
      llamaCpp: variant.backend === "llamacpp" ? LLAMA_CPP_RELEASE : null,
    });
  }

  private isEndpoint(model: ModelSpec, variant: PlannedVariant): boolean {
    return variant.recipe.kind === "endpoint" || (variant.recipe.kind === "fp" && model.source.kind === "endpoint");
  }

  knownFacts(variant: PlannedVariant): BackendFacts | undefined {
    const model = this.model(variant.model);
    const recipe = variant.recipe;
    if (recipe.kind === "endpoint") return { modelIdentity: recipe.endpoint.model, backendVersion: "openai-compatible" };
    if (recipe.kind === "fp" && model.source.kind === "endpoint") return { modelIdentity: model.source.endpoint.model, backendVersion: "openai-compatible" };
    return this.memo.facts(this.factsFingerprint(model, variant));
  }

  async prepare(variant: PlannedVariant): Promise<PreparedVariant> {
    const name = `${variant.model}\0${variant.variant}`;
    const known = this.prepared.get(name);
    if (known !== undefined) return known;
    const model = this.model(variant.model);
    const prepared = await prepareVariant(model, variant, {
      runDirectory: this.runDirectory,
      python: this.settings.python,
      projectRoot: this.settings.projectRoot,
      calibrationFile: (planned) => this.calibrationFile(planned),
      onProgress: (message, done, total) =>
        this.emit({ type: "prepare", model: variant.model, variant: variant.variant, message, ...(done !== undefined ? { done } : {}), ...(total !== undefined ? { total } : {}) }),
      signal: this.signal,
    });
    this.prepared.set(name, prepared);
    if (prepared.artifact.kind !== "endpoint") {
      this.store.setVariantArtifactPath({ model: variant.model, name: variant.variant, recipeHash: variant.recipeHash, artifactPath: prepared.artifact.path, ...(prepared.manifest !== undefined ? { manifest: prepared.manifest } : {}) });
    }
    return prepared;
  }

  async open(variant: PlannedVariant): Promise<OpenedVariant> {
    const model = this.model(variant.model);
    const prepared = await this.prepare(variant);
    this.warnAboutThreads(model, prepared);
    const backend = await openBackend(model, prepared, {
      python: this.settings.python,
      projectRoot: this.settings.projectRoot,
      apiKey: this.settings.apiKey,
      ggufHash: (file) => this.memo.fileHash(file, sha256File),
    });
    try {
      const facts = backendFacts(backend);
      if (!this.isEndpoint(model, variant)) {
        const key = this.factsFingerprint(model, variant);
        const known = this.memo.facts(key);
        if (known?.modelIdentity !== facts.modelIdentity || known?.backendVersion !== facts.backendVersion) this.memo.setFacts(key, facts);
      }
      this.recordArtifact(model, variant, prepared, backend);
      return { model, variant, prepared, backend, facts };
    } catch (error) {
      await backend.close();
      throw error;
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

  private recordArtifact(model: ModelSpec, variant: PlannedVariant, prepared: PreparedVariant, backend: OpenedVariant["backend"]): void {
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
        sampling: Object.fromEntries(this.study.benchmarks.map((benchmark) => [benchmark.label, benchmark.sampling])),
        runtime: model.runtime,
        ...(this.study.overrides !== undefined ? { overrides: this.study.overrides } : {}),
        qreason: this.settings.qreasonVersion,
        node: process.version,
        recordedAt: new Date().toISOString(),
      },
    });
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
    const folder = path.join(this.runDirectory, "calibration");
    const file = path.join(folder, `${benchmarkName}-${split}-seed${calibration.seed}-n${calibration.samples}.jsonl`);
    // Written once: its stamp is part of the variant's source fingerprint, so rewriting it would re-quantize.
    if (!existsSync(file)) {
      const problems = await loadBenchmark(benchmark, {
        dataDir: this.settings.dataDir,
        split,
        seed: calibration.seed,
        ...(benchmark.origin === "generated" ? { size: calibration.samples } : {}),
        ...(this.settings.download ? { download: this.settings.download } : {}),
      });
      mkdirSync(folder, { recursive: true });
      const lines = problems.map((problem) => JSON.stringify({ text: `${problem.question}\n${problem.solution ?? problem.answer}` }));
      writeFileSync(`${file}.tmp`, `${lines.join("\n")}\n`);
      renameSync(`${file}.tmp`, file);
    }
    return { path: file, format: "jsonl" };
  }
}
