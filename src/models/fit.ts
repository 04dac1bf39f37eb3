/**
 * Plan-time checks: does each variant's block or group size fit its model's weights? Made when the study
 * is loaded (study/load.ts validates again with this check), so a mismatch is an error at the variant's
 * line, not a failure after minutes of quantizing and generating the variants before it.
 *
 * - llama.cpp types: K- and IQ-quants pack 256 weights of a row per block, the legacy types 32. Rows the
 *   block does not divide are silently stored in another type by llama.cpp (Q4_K -> Q5_0, Q2_K -> Q4_0,
 *   ...), so the variant would not be what its name says: an error unless the variant says
 *   `allow_fallback: true` (the quantizer then lists every substituted tensor in its manifest).
 * - engine recipes: `group_size` must divide the input width of every Linear the recipe quantizes, and
 *   `kv_group_size` the head dimension (the engine would refuse both, after loading the model).
 * - KV-cache types of llama.cpp (q8_0, q4_0) store 32 values per block: the head dimension must be a
 *   multiple of 32.
 */
import { QUANT_FALLBACK_TYPES, findQuantType, findRowMismatches, summarizeNames } from "../quantize/index.ts";
import type { ModelSource, VariantFitCheck, VariantFitProblem, VariantRecipe } from "../study/index.ts";
import { readModelGeometry, type LinearLayer, type ModelGeometry } from "./geometry.ts";

const ENGINE_GROUP_SIZES = [32, 64, 128] as const;

/** Python's fnmatch.fnmatchcase, which the engine matches include/exclude patterns with. */
export function globMatches(pattern: string, name: string): boolean {
  let source = "";
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index] as string;
    if (character === "*") source += ".*";
    else if (character === "?") source += ".";
    else if (character === "[") {
      const close = pattern.indexOf("]", index + 2);
      if (close === -1) source += "\\[";
      else {
        let set = pattern.slice(index + 1, close).replace(/\\/g, "\\\\");
        if (set.startsWith("!")) set = `^${set.slice(1)}`;
        source += `[${set}]`;
        index = close;
      }
    } else source += character.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "s").test(name);
}

function llamacppProblems(modelName: string, geometry: ModelGeometry, recipe: Extract<VariantRecipe, { kind: "llamacpp" }>): VariantFitProblem[] {
  if (geometry.tensors === undefined || recipe.allowFallback === true) return [];
  const type = findQuantType(recipe.type);
  const mismatches = findRowMismatches(geometry.tensors, type);
  if (mismatches.length === 0) return [];
  const rows = [...new Set(mismatches.map((item) => item.rowLength))].sort((left, right) => left - right);
  const instead = QUANT_FALLBACK_TYPES[type.baseType];
  const stored =
    rows.some((row) => row % 32 !== 0) ? "another type (F16 where even 32 does not divide)" : `another type (${type.baseType} falls back to ${instead ?? "a 32-block type"})`;
  return [
    {
      field: ["llamacpp", "type"],
      message:
        `${type.name} packs ${type.blockSize} weights of a row per block, but ${mismatches.length} of ${modelName}'s weight tensors ` +
        `have rows of ${rows.join(", ")} (${summarizeNames(mismatches.map((item) => item.name))}; read from ${geometry.tensorsFrom}). ` +
        `llama.cpp would store those in ${stored}, so the file would not really be ${type.name}. ` +
        `Write { llamacpp: { type: ${type.name}, allow_fallback: true } } to accept that (the variant's manifest lists every ` +
        "substituted tensor), or pick a type with 32-weight blocks (Q8_0, Q5_0, Q4_0)",
    },
  ];
}

function quantizedLinears(linears: readonly LinearLayer[], include: readonly string[], exclude: readonly string[]): LinearLayer[] {
  return linears.filter(
    (linear) => include.some((pattern) => globMatches(pattern, linear.name)) && !exclude.some((pattern) => globMatches(pattern, linear.name)),
  );
}

function engineProblems(modelName: string, geometry: ModelGeometry, recipe: Extract<VariantRecipe, { kind: "engine" }>): VariantFitProblem[] {
  const engine = recipe.recipe;
  const problems: VariantFitProblem[] = [];
  const group = engine.group_size;
  if (geometry.linears !== undefined && group !== undefined && group !== -1 && engine.method !== "none") {
    const selected = quantizedLinears(geometry.linears, engine.include ?? ["*"], engine.exclude);
    const misfits = selected.filter((linear) => linear.inFeatures % group !== 0);
    if (misfits.length > 0) {
      const widths = [...new Set(selected.map((linear) => linear.inFeatures))];
      const fitting = ENGINE_GROUP_SIZES.filter((size) => widths.every((width) => width % size === 0));
      const widthsText = [...new Set(misfits.map((linear) => linear.inFeatures))].join(", ");
      problems.push({
        field: ["engine", "group_size"],
        message:
          `group_size ${group} does not divide the ${widthsText} input features of ${misfits.length} of ${modelName}'s linear layers ` +
          `(${summarizeNames(misfits.map((linear) => linear.name))}; read from ${geometry.linearsFrom}); ` +
          (fitting.length > 0 ? `group sizes that fit this model: ${fitting.join(", ")}, or -1 (per channel)` : "use -1 (per channel)"),
      });
    }
  }
  const kvGroup = engine.kv_group_size;
  if (geometry.headDim !== undefined && kvGroup !== undefined && kvGroup !== -1 && geometry.headDim % kvGroup !== 0) {
    problems.push({ field: ["engine", "kv_group_size"], message: `kv_group_size ${kvGroup} does not divide ${modelName}'s head dimension ${geometry.headDim}` });
  }
  return problems;
}

function kvCacheProblems(modelName: string, geometry: ModelGeometry, recipe: VariantRecipe): VariantFitProblem[] {
  if (!("kvCache" in recipe) || recipe.kvCache === undefined || recipe.kvCache === "F16" || geometry.headDim === undefined) return [];
  if (geometry.headDim % 32 === 0) return [];
  return [{ field: ["kv_cache"], message: `llama.cpp's ${recipe.kvCache} KV cache stores 32 values per block; ${modelName}'s attention heads are ${geometry.headDim} wide` }];
}

/** Every way `recipe` does not fit a model of `geometry` (empty when it fits or nothing can be known). */
export function checkVariantFit(modelName: string, geometry: ModelGeometry, recipe: VariantRecipe): VariantFitProblem[] {
  const problems = kvCacheProblems(modelName, geometry, recipe);
  if (recipe.kind === "llamacpp") problems.push(...llamacppProblems(modelName, geometry, recipe));
  if (recipe.kind === "engine") problems.push(...engineProblems(modelName, geometry, recipe));
  return problems;
}

const sourceKey = (source: ModelSource): string => (source.kind === "local" ? JSON.stringify([source.hf ?? null, source.gguf ?? null]) : "endpoint");

/** Reads the geometry of each local model once; the returned check is what `loadStudy` calls per variant. */
export async function prepareVariantFit(models: readonly { name: string; source: ModelSource }[]): Promise<VariantFitCheck> {
  const geometries = new Map<string, ModelGeometry>();
  for (const { source } of models) {
    if (source.kind !== "local" || geometries.has(sourceKey(source))) continue;
    geometries.set(sourceKey(source), await readModelGeometry(source));
  }
  return (model, recipe) => {
    const geometry = geometries.get(sourceKey(model.source));
    return geometry === undefined ? [] : checkVariantFit(model.name, geometry, recipe);
  };
}
