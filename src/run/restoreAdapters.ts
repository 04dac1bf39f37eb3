/**
 * Restore, second half: from a mined pair set to a trained adapter. The recipe is the engine's strict JSON
 * (engine/qreason_engine/train/recipe.py) with every field spelled out; its hash covers the pairs' sha256
 * and the variant's recipe hash (not file paths), so the same pairs and settings find the stored adapter
 * and train nothing, and any change trains a new one beside it. A llama.cpp variant is trained on its exact
 * deployed weights: the GGUF is dequantized to the Hugging Face layout once (`gguf-to-hf`), and the trained
 * adapter is exported as a llama.cpp LoRA GGUF (src/gguf `exportLoraGguf`, as `qreason gguf lora` does) to be
 * evaluated on the quantized GGUF.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { sha256File } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { exportLoraGguf } from "../gguf/index.ts";
import type { RestoreMethod, RestoreTraining } from "../restore/index.ts";
import { contentHash, type StoredAdapter } from "../store/index.ts";
import type { PlannedVariant } from "../study/index.ts";
import type { PreparedVariant } from "./artifacts.ts";
import type { RunEvent } from "./events.ts";
import { runEngineCommand, trainAdapter, type TrainProgress } from "./restoreEngine.ts";
import type { StageContext } from "./stages/types.ts";

export const RESTORE_RECIPE_PREFIX = "restore-recipe:v1:";

export interface AdapterJob {
  /** "dpo", "sft", "margin", "dpo-execution" (ablation): unique per variant. */
  name: string;
  method: RestoreMethod;
  /** The pair set it trains on ("all", or a category). */
  pairSet: string;
  dataFile: string;
  dataSha256: string;
  pairs: number;
  /** sft+dpo: the adapter DPO starts from (the sft job's), its directory and recipe hash. */
  init?: { adapterPath: string; recipeHash: string };
}

type PrepareEvent = Extract<RunEvent, { type: "prepare" }>;

/**
 * The announcement of an adapter's training: a line, not a 0/1 count (a count that never advances prints
 * nothing off a terminal, and the pair count was lost that way).
 */
export function trainingStarted(name: { model: string; variant: string }, job: AdapterJob): PrepareEvent {
  return { type: "prepare", ...name, message: `training ${job.method} on ${job.pairs} pairs${job.init !== undefined ? " (from the sft adapter)" : ""}` };
}

/** One training step: the message keys the progress bar for the whole run, so the loss rides as the detail. */
export function trainingStep(name: { model: string; variant: string }, job: AdapterJob, progress: TrainProgress): PrepareEvent {
  return {
    type: "prepare",
    ...name,
    message: `training ${job.method}`,
    ...(progress.loss !== null ? { detail: `loss ${progress.loss.toFixed(3)}${progress.reward_accuracy !== null ? `, reward acc ${progress.reward_accuracy.toFixed(2)}` : ""}` } : {}),
    done: progress.step,
    total: progress.total,
  };
}

/** The engine's recipe kind of a method: sft+dpo is DPO started from the sft adapter. */
export function engineKind(method: RestoreMethod): "dpo" | "sft" | "margin" {
  return method === "sft+dpo" ? "dpo" : method;
}

/** The engine recipe of one job, every field spelled out. */
export function engineTrainRecipe(job: AdapterJob, base: string, training: RestoreTraining, seed: number): Record<string, unknown> {
  const kind = engineKind(job.method);
  if (job.method === "sft+dpo" && job.init === undefined) throw new QreasonError("E_INTERNAL", "an sft+dpo job without the sft adapter it starts from");
  const recipe: Record<string, unknown> = {
    kind,
    base,
    data: job.dataFile,
    lora: { rank: training.rank, alpha: training.alpha, dropout: training.dropout, ...(training.targets !== undefined ? { targets: training.targets } : {}) },
    lr: training.lr,
    epochs: training.epochs,
    batch_size: training.batchSize,
    ...(training.maxSteps !== undefined ? { max_steps: training.maxSteps } : {}),
    max_length: training.maxLength,
    seed,
  };
  // The reference policy stays the variant alone (the adapter disabled, the sft weights with it): DPO's
  // reward is measured against the quantized model, as for plain dpo.
  if (kind === "dpo") Object.assign(recipe, { beta: training.beta, loss: training.loss, sft_weight: training.sftWeight, reference: "adapter-disabled" });
  if (kind === "margin") Object.assign(recipe, { margin: training.margin });
  if (job.init !== undefined) recipe.init_adapter = job.init.adapterPath;
  return recipe;
}

/**
 * What an adapter is, independent of where files are: the recipe without paths, the pairs, the variant,
 * and for sft+dpo the recipe hash of the adapter it starts from.
 */
export function adapterRecipeHash(recipe: Record<string, unknown>, job: AdapterJob, variant: PlannedVariant): string {
  const { base: _base, data: _data, init_adapter: _init, ...settings } = recipe;
  return contentHash(RESTORE_RECIPE_PREFIX, { settings, pairs: job.dataSha256, variant: variant.recipeHash, ...(job.init !== undefined ? { init: job.init.recipeHash } : {}) });
}

export function restoreFolder(runDirectory: string, variant: PlannedVariant): string {
  return path.join(runDirectory, "restore", variant.model, variant.variant);
}

/**
 * The Hugging Face directory to train over: an engine variant's own directory; a llama.cpp variant's GGUF
 * dequantized (its quantization rounding kept: llama.cpp's own dequantization, in gguf-py), made once.
 */
export async function trainingBase(context: StageContext, variant: PlannedVariant, prepared: PreparedVariant): Promise<string> {
  const artifact = prepared.artifact;
  if (artifact.kind === "hf") return artifact.path;
  if (artifact.kind === "endpoint") throw new Error("unreachable: endpoints are refused before training");
  const target = path.join(restoreFolder(context.runDirectory, variant), "dequantized");
  const marker = path.join(target, "config.json");
  if (!existsSync(marker)) {
    context.emit({ type: "prepare", model: variant.model, variant: variant.variant, message: "dequantizing the GGUF to the Hugging Face layout (gguf-to-hf)" });
    mkdirSync(path.dirname(target), { recursive: true });
    await runEngineCommand("gguf-to-hf", ["--gguf", artifact.path, "--out", target, "--force"], {
      python: context.settings.python,
      projectRoot: context.settings.projectRoot,
      signal: context.signal,
    });
  }
  return target;
}

/** Trains `job` unless the store has its adapter; returns the stored adapter. */
export async function ensureAdapter(
  context: StageContext,
  variant: PlannedVariant,
  prepared: PreparedVariant,
  job: AdapterJob,
  base: string,
  training: RestoreTraining,
  seed: number,
): Promise<{ adapter: StoredAdapter; trained: boolean }> {
  const recipe = engineTrainRecipe(job, base, training, seed);
  const recipeHash = adapterRecipeHash(recipe, job, variant);
  const known = context.store.restore.adapter(variant.model, variant.variant, job.name, recipeHash);
  if (known !== undefined && existsSync(path.join(known.adapterPath, "adapter_model.safetensors")) && (known.loraGguf === null || existsSync(known.loraGguf))) {
    return { adapter: known, trained: false };
  }
  const folder = path.join(restoreFolder(context.runDirectory, variant), "adapters");
  const directory = path.join(folder, `${job.name}-${recipeHash.slice(-12)}`);
  mkdirSync(folder, { recursive: true });
  const recipeFile = `${directory}.recipe.json`;
  writeFileSync(recipeFile, `${JSON.stringify(recipe, null, 2)}\n`);
  const name = { model: variant.model, variant: `${variant.variant} ${job.name}` };
  let done: Record<string, unknown>;
  if (!existsSync(path.join(directory, "train.json"))) {
    context.emit(trainingStarted(name, job));
    done = await trainAdapter(recipeFile, directory, training.device, {
      python: context.settings.python,
      projectRoot: context.settings.projectRoot,
      signal: context.signal,
      onProgress: (progress) => context.emit(trainingStep(name, job, progress)),
    });
  } else {
    done = { event: "done", resumed: true };
  }
  let loraGguf: string | null = null;
  if (prepared.artifact.kind === "gguf") {
    loraGguf = path.join(directory, "adapter.gguf");
    if (!existsSync(loraGguf)) {
      context.emit({ type: "prepare", ...name, message: "exporting the adapter as a llama.cpp LoRA GGUF" });
      await exportLoraGguf(directory, prepared.artifact.path, loraGguf);
    }
  }
  const trainJsonFile = path.join(directory, "train.json");
  const train = existsSync(trainJsonFile) ? (JSON.parse(readFileSync(trainJsonFile, "utf8")) as unknown) : done;
  const adapterSha256 = await sha256File(loraGguf ?? path.join(directory, "adapter_model.safetensors"));
  context.store.restore.putAdapter({
    model: variant.model, variant: variant.variant, name: job.name, recipeHash, recipe, pairsSha256: job.dataSha256,
    adapterPath: directory, loraGguf, adapterSha256, train,
  });
  return { adapter: context.store.restore.adapter(variant.model, variant.variant, job.name, recipeHash) as StoredAdapter, trained: true };
}
