/**
 * `qreason run --dry-run`: what a run would do, without quantizing, starting a backend or generating —
 * the variants, the benchmarks and their problems (read from the data files, so a missing file shows here),
 * the generations it plans, and a token estimate: prompt tokens at about 4 characters a token (no
 * tokenizer is loaded), completion tokens at most max_tokens per generation.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { RUN_STORE_FILE } from "../store/index.ts";
import { expandPlan, type Study, type VariantRecipe } from "../study/index.ts";
import { TaskBook } from "../run/index.ts";
import type { DownloadOptions } from "../data/index.ts";

export interface DryRun {
  study: { name: string; file: string; hash: string; overrides: Study["overrides"] | null };
  runDirectory: string;
  /** Whether the run directory already holds a store (its results are reused where keys match). */
  resumes: boolean;
  variants: { model: string; variant: string; baseline: boolean; backend: string; recipe: string }[];
  benchmarks: { label: string; benchmark: string; split: string | null; problems: number; samples: number; maxTokens: number; temperature: number }[];
  generations: number;
  comparisons: number;
  tokens: { promptEstimate: number; completionAtMost: number };
}

function recipeText(recipe: VariantRecipe): string {
  switch (recipe.kind) {
    case "fp":
      return `full precision${recipe.kvCache ? `, KV cache ${recipe.kvCache}` : ""}`;
    case "llamacpp":
      return `llama.cpp ${recipe.type}${recipe.pure ? " pure" : ""}${recipe.allowFallback ? " (fallback allowed)" : ""}${recipe.imatrix ? " with imatrix" : ""}`;
    case "engine":
      return `engine ${recipe.recipe.method}${recipe.recipe.w_bits !== undefined ? ` W${recipe.recipe.w_bits}` : ""}${recipe.recipe.group_size !== undefined ? ` g${recipe.recipe.group_size}` : ""}`;
    case "hf":
    case "gguf":
      return `${recipe.kind} ${recipe.path}`;
    case "endpoint":
      return `endpoint ${recipe.endpoint.model} at ${recipe.endpoint.baseUrls.join(", ")}`;
  }
}

export async function dryRun(study: Study, runDirectory: string, source: { dataDir: string; download?: DownloadOptions }): Promise<DryRun> {
  const plan = expandPlan(study);
  const book = new TaskBook(study, plan, source);
  await book.load();
  let promptCharacters = 0;
  let generations = 0;
  let completionAtMost = 0;
  for (const variant of plan.variants) {
    const model = study.models.find((candidate) => candidate.name === variant.model);
    if (model === undefined) continue;
    // Keys need a started backend's facts; a placeholder is enough to count and render the prompts.
    for (const task of book.tasksFor(model, variant, { modelIdentity: "dry-run", backendVersion: "dry-run" })) {
      generations++;
      completionAtMost += task.job.sampling.maxTokens;
      promptCharacters += typeof task.prompt === "string" ? task.prompt.length : task.prompt.reduce((sum, message) => sum + message.content.length, 0);
    }
  }
  return {
    study: { name: study.name, file: study.file, hash: plan.studyHash, overrides: study.overrides ?? null },
    runDirectory,
    resumes: existsSync(path.join(runDirectory, RUN_STORE_FILE)),
    variants: plan.variants.map((variant) => ({ model: variant.model, variant: variant.variant, baseline: variant.isBaseline, backend: variant.backend, recipe: recipeText(variant.recipe) })),
    benchmarks: study.benchmarks.map((benchmark) => ({
      label: benchmark.label,
      benchmark: benchmark.subset.benchmark,
      split: benchmark.subset.split ?? null,
      problems: book.problems.get(benchmark.label)?.length ?? 0,
      samples: benchmark.sampling.n,
      maxTokens: benchmark.sampling.maxTokens,
      temperature: benchmark.sampling.temperature,
    })),
    generations,
    comparisons: plan.comparisons.length,
    tokens: { promptEstimate: Math.ceil(promptCharacters / 4), completionAtMost },
  };
}

const count = (value: number): string => value.toLocaleString("en-US");

export function dryRunText(result: DryRun): string {
  const multiModel = new Set(result.variants.map((variant) => variant.model)).size > 1;
  const overrides = result.study.overrides;
  const lines = [
    "dry run: nothing is quantized, started or generated",
    `study ${result.study.name} (${result.study.file})`,
    `run directory ${result.runDirectory}${result.resumes ? " (exists: results already stored under the same keys are reused)" : ""}`,
  ];
  if (overrides) {
    const flags = [overrides.limit !== undefined ? `--limit ${overrides.limit}` : "", overrides.maxTokens !== undefined ? `--max-tokens ${overrides.maxTokens}` : "", overrides.batchSize !== undefined ? `--batch-size ${overrides.batchSize}` : ""].filter(Boolean);
    lines.push(`overrides ${flags.join(" ")}`);
  }
  lines.push("", `variants (${result.variants.length})`);
  const width = Math.max(...result.variants.map((variant) => (multiModel ? `${variant.model}/${variant.variant}` : variant.variant).length));
  for (const variant of result.variants) {
    lines.push(`  ${(multiModel ? `${variant.model}/${variant.variant}` : variant.variant).padEnd(width)}  ${variant.backend.padEnd(8)}  ${variant.recipe}${variant.baseline ? "  (baseline)" : ""}`);
  }
  lines.push("", "benchmarks");
  for (const benchmark of result.benchmarks) {
    lines.push(`  ${benchmark.label}: ${count(benchmark.problems)} problems${benchmark.split ? ` of ${benchmark.split}` : ""}, ${benchmark.samples} sample(s) each, max_tokens ${benchmark.maxTokens}, temperature ${benchmark.temperature}`);
  }
  lines.push(
    "",
    `jobs        ${count(result.generations)} generations (variants × problems × samples), ${count(result.comparisons)} comparison(s) against the baseline`,
    `tokens      prompts ≈ ${count(result.tokens.promptEstimate)} (about 4 characters a token), completions at most ${count(result.tokens.completionAtMost)} (max_tokens × generations)`,
  );
  return lines.join("\n");
}
