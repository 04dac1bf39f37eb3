/**
 * Expanding a study into a plan: which variants exist (with a stable hash of each recipe), which
 * (model, variant, benchmark, sample) jobs to run, and which comparisons to report. Pure: no files,
 * no data; the runner turns each job's subset spec into problems and each problem into a generation.
 */
import type { BackendKind, SamplingParams } from "../backends/types.ts";
import { contentHash } from "../store/canonical.ts";
import { stopStrings } from "./templates.ts";
import type { ProblemSubsetSpec, Study, VariantRecipe } from "./types.ts";

export const VARIANT_HASH_PREFIX = "variant:v1:";
export const STUDY_HASH_PREFIX = "study:v1:";

export interface PlannedVariant {
  model: string;
  variant: string;
  /** Hash of the recipe alone: renaming a variant keeps its hash, changing any recipe field changes it. */
  recipeHash: string;
  recipe: VariantRecipe;
  backend: BackendKind;
  isBaseline: boolean;
}

export interface PlanJob {
  model: string;
  variant: string;
  variantHash: string;
  /** The benchmark's label in the study. */
  benchmark: string;
  subset: ProblemSubsetSpec;
  /** 0 .. n-1. */
  sampleIndex: number;
  /** The backend's sampling parameters for this sample (its seed already derived from the sample index). */
  sampling: SamplingParams;
}

export interface PlannedComparison {
  model: string;
  benchmark: string;
  baseline: string;
  variant: string;
}

export interface Plan {
  studyHash: string;
  variants: PlannedVariant[];
  jobs: PlanJob[];
  comparisons: PlannedComparison[];
}

export function variantHash(recipe: VariantRecipe): string {
  return contentHash(VARIANT_HASH_PREFIX, recipe);
}

/** Hash of everything the study asks for; where the study file itself sits is left out. */
export function studyHash(study: Study): string {
  const { file: _file, directory: _directory, ...content } = study;
  return contentHash(STUDY_HASH_PREFIX, content);
}

/**
 * Sample i of a problem is drawn with seed `seed + i` (mod 2^32), so the n samples differ from each
 * other and sample 0 uses the study's seed exactly.
 */
export function sampleSeed(seed: number, sampleIndex: number): number {
  return (seed + sampleIndex) % 2 ** 32;
}

/** Jobs in run order: model, then its variants (baseline first), then benchmarks, then samples. */
export function expandPlan(study: Study): Plan {
  const variants: PlannedVariant[] = [];
  const jobs: PlanJob[] = [];
  const comparisons: PlannedComparison[] = [];
  for (const model of study.models) {
    for (const variant of model.variants) {
      const recipeHash = variantHash(variant.recipe);
      variants.push({ model: model.name, variant: variant.name, recipeHash, recipe: variant.recipe, backend: model.backend, isBaseline: variant.name === model.baseline });
      for (const benchmark of study.benchmarks) {
        const { n, seed, temperature, topP, topK, maxTokens, stop } = benchmark.sampling;
        for (let sampleIndex = 0; sampleIndex < n; sampleIndex++) {
          jobs.push({
            model: model.name,
            variant: variant.name,
            variantHash: recipeHash,
            benchmark: benchmark.label,
            subset: benchmark.subset,
            sampleIndex,
            sampling: { temperature, topP, topK, maxTokens, stop: stopStrings(model.prompt, stop), seed: sampleSeed(seed, sampleIndex) },
          });
        }
      }
    }
    for (const benchmark of study.benchmarks) {
      for (const variant of model.variants) {
        if (variant.name !== model.baseline) comparisons.push({ model: model.name, benchmark: benchmark.label, baseline: model.baseline, variant: variant.name });
      }
    }
  }
  return { studyHash: studyHash(study), variants, jobs, comparisons };
}
