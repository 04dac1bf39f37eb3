/**
 * Restore, third part: the variant with an adapter asked the study's evaluation problems through the
 * normal generate and grade path — the engine loads a PEFT adapter over the variant (`--adapter`),
 * llama.cpp applies the LoRA GGUF to the quantized GGUF — and the restoration table from the stored grades.
 * A restored generation is keyed like any other, with the adapter's sha256 in its model identity and
 * variant hash, so it never collides with the variant's own and a re-run finds it stored.
 */
import { backends, type Backend } from "../backends/index.ts";
import { sha256File } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { restoreTable, type RestoreRowInput, type RestoreTable } from "../restore/index.ts";
import { contentHash, generationKey, type RunStore, type StoredAdapter } from "../store/index.ts";
import type { ModelSpec, PlannedVariant } from "../study/index.ts";
import type { PreparedVariant } from "./artifacts.ts";
import type { GenerationTask } from "./generate.ts";
import { generateAndGrade } from "./restoreData.ts";
import type { StageContext } from "./stages/types.ts";
import { TaskBook } from "./tasks.ts";

export const RESTORED_VARIANT_PREFIX = "restored:v1:";

/** The name restored generations are stored under: `<variant>+<adapter name>`. */
export function restoredName(variant: PlannedVariant, adapterName: string, scale = 1): string {
  return `${variant.variant}+${adapterName}${scale === 1 ? "" : `@${scale}`}`;
}

/** Starts the variant's backend with the adapter applied (llama.cpp: the LoRA GGUF at `scale`). */
export async function openRestored(context: StageContext, model: ModelSpec, prepared: PreparedVariant, adapter: StoredAdapter, scale = 1): Promise<Backend> {
  const { runtime } = model;
  const artifact = prepared.artifact;
  if (artifact.kind === "gguf") {
    if (adapter.loraGguf === null) throw new QreasonError("E_INTERNAL", `adapter ${adapter.name} of a GGUF variant has no LoRA GGUF`);
    const hash = await sha256File(artifact.path);
    return backends.llamacpp.create({
      model: artifact.path,
      parallel: runtime.batchSize,
      modelId: `sha256:${hash};lora=sha256:${adapter.adapterSha256}${scale === 1 ? "" : `@${scale}`}`,
      gpu: runtime.device === "cpu" ? false : "auto",
      lora: adapter.loraGguf,
      loraScale: scale,
      ...(prepared.kvCache !== undefined ? { kvCacheType: prepared.kvCache } : {}),
      ...(runtime.threads !== undefined ? { threads: runtime.threads } : {}),
      ...(runtime.contextSize !== undefined ? { contextSize: runtime.contextSize } : {}),
    });
  }
  if (artifact.kind === "hf") {
    return backends.engine.create({
      python: context.settings.python,
      model: artifact.path,
      adapter: adapter.adapterPath,
      cwd: context.settings.projectRoot,
      dtype: runtime.dtype,
      device: runtime.device,
      maxBatchRows: runtime.batchSize,
      requestTimeoutMs: runtime.timeoutSeconds * 1000,
    });
  }
  throw new QreasonError("E_USAGE", `${model.name}/${adapter.variant} is served by an endpoint: qreason cannot load an adapter into it`);
}

/** The evaluation tasks of the variant with an adapter: the study's problems and prompts, keyed apart. */
export function restoredTasks(book: TaskBook, model: ModelSpec, variant: PlannedVariant, backend: Backend, adapter: StoredAdapter, scale = 1): GenerationTask[] {
  const restoredHash = contentHash(RESTORED_VARIANT_PREFIX, { variant: TaskBook.keyVariantHash(variant), adapter: adapter.adapterSha256, scale });
  const name = restoredName(variant, adapter.name, scale);
  const facts = { modelIdentity: backend.modelId, backendVersion: backend.version };
  return book.tasksFor(model, variant, facts).map((task) => {
    const job = { ...task.job, variant: name, variantHash: restoredHash };
    const key = generationKey({ modelIdentity: facts.modelIdentity, variantHash: restoredHash, backendKind: variant.backend, backendVersion: facts.backendVersion, prompt: task.prompt, sampling: job.sampling, sampleIndex: job.sampleIndex });
    return { ...task, key, job };
  });
}

/** Generates and grades the restored variant on the evaluation problems; returns its tasks' grade statuses. */
export async function evaluateRestored(context: StageContext, model: ModelSpec, variant: PlannedVariant, prepared: PreparedVariant, adapter: StoredAdapter, scale = 1): Promise<{ tasks: GenerationTask[]; statuses: Map<string, string> }> {
  const book = await context.tasks();
  const backend = await openRestored(context, model, prepared, adapter, scale);
  try {
    const tasks = restoredTasks(book, model, variant, backend, adapter, scale);
    const statuses = await generateAndGrade(context, model, backend, tasks, restoredName(variant, adapter.name, scale), model.runtime.batchSize * 2);
    return { tasks, statuses };
  } finally {
    await backend.close();
  }
}

/** Sample-0 scores of a planned variant's cells under `grader`, per "label\0problem id". */
export function cellScores(store: RunStore, studyHash: string, model: string, variant: string, grader: string): Map<string, number> {
  const scores = new Map<string, number>();
  for (const cell of store.cells.list(studyHash)) {
    if (cell.model !== model || cell.variant !== variant) continue;
    for (const sample of store.gradedSamples(store.cells.keys(cell.id), grader)) {
      if (sample.sampleIndex === 0) scores.set(`${cell.benchmark}\0${sample.problemId}`, sample.status === "correct" ? 1 : 0);
    }
  }
  return scores;
}

/** Sample-0 scores of restored tasks, per "label\0problem id". */
export function taskScores(tasks: readonly GenerationTask[], statuses: Map<string, string>): Map<string, number> {
  const scores = new Map<string, number>();
  for (const task of tasks) {
    const status = statuses.get(task.key);
    if (task.job.sampleIndex === 0 && status !== undefined) scores.set(`${task.job.benchmark}\0${task.problem.id}`, status === "correct" ? 1 : 0);
  }
  return scores;
}

export interface ScoredRow extends Omit<RestoreRowInput, "scores"> {
  scores: Map<string, number>;
}

/**
 * The restoration table over the problems every row has a graded sample for (the rest are counted):
 * rows in the order given, fp and variant first.
 */
export function tableOf(rows: readonly ScoredRow[], options: { resamples: number; seed: number }): { table: RestoreTable; missing: number } {
  const [first] = rows;
  if (first === undefined) throw new QreasonError("E_INTERNAL", "a restoration table needs rows");
  const problems = [...first.scores.keys()].filter((key) => rows.every((row) => row.scores.has(key))).sort();
  const missing = Math.max(...rows.map((row) => row.scores.size)) - problems.length;
  const table = restoreTable(
    rows.map((row) => ({ ...row, scores: problems.map((key) => row.scores.get(key) as number) })),
    options,
  );
  return { table, missing };
}
