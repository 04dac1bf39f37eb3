/**
 * Recipes for the Python engine's quantizer, fully resolved: the engine's CLI refuses a recipe with a field
 * left out (engine/qreason_engine/quant/README.md), so every default is applied here, from the one table in
 * study/engineDefaults.ts.
 *
 * - `toEngineRecipe`: a study's engine recipe in the engine's schema. The study spells some fields its own
 *   way (`sym`, `damp`, top-level `include`/`exclude`, calibration from a benchmark); this is the one place
 *   that maps them. Pure: calibration files are made by the caller.
 * - `completeEngineRecipe`: a recipe JSON written in the engine's schema (`qreason quantize --recipe R.json`)
 *   with its missing fields filled in. It validates nothing; the engine does, naming the field.
 */
import path from "node:path";
import { ENGINE_DEFAULTS, defaultCalibrationFormat, defaultSymmetric } from "../study/engineDefaults.ts";
import type { EngineMethod, EngineRecipe } from "../study/index.ts";

/** Calibration text the engine reads: a JSONL file with a `text` field, or a plain text file. */
export interface CalibrationFile {
  path: string;
  format: "jsonl" | "text";
}

/** The engine takes calibration seeds below 2^31; larger study seeds are folded into that range. */
const ENGINE_SEED_LIMIT = 2 ** 31;

function gptqOptions(damp: number, blockSize: number, actOrder: boolean): Record<string, unknown> {
  const { staticGroups, trueSequential } = ENGINE_DEFAULTS.gptq;
  return { damp_percent: damp, block_size: blockSize, act_order: actOrder, static_groups: staticGroups, true_sequential: trueSequential };
}

function awqOptions(grid: number, clip: boolean): Record<string, unknown> {
  const { clipGrid, maxShrink, clipTokens } = ENGINE_DEFAULTS.awq;
  return { grid, clip, clip_grid: clipGrid, max_shrink: maxShrink, clip_tokens: clipTokens };
}

export function toEngineRecipe(recipe: EngineRecipe, calibration?: CalibrationFile): Record<string, unknown> {
  const { gptq, awq, smoothquant } = ENGINE_DEFAULTS;
  const engine: Record<string, unknown> = { method: recipe.method };
  if (recipe.method !== "none") {
    engine.w_bits = recipe.w_bits;
    engine.group_size = recipe.group_size ?? ENGINE_DEFAULTS.groupSize;
    engine.symmetric = recipe.sym ?? defaultSymmetric(recipe.method);
  }
  // lm_head and embeddings are outside the decoder layers the engine quantizes; a pattern for them is moot.
  const exclude = recipe.exclude.filter((pattern) => pattern !== "lm_head");
  engine.modules = { include: recipe.include ?? [...ENGINE_DEFAULTS.include], exclude };
  if (recipe.a_bits !== undefined) engine.a_bits = recipe.a_bits;
  if (recipe.kv_bits !== undefined) engine.kv_bits = recipe.kv_bits;
  if (recipe.kv_bits === 8 || recipe.kv_bits === 4) engine.kv_group_size = recipe.kv_group_size ?? ENGINE_DEFAULTS.kvGroupSize;
  if (recipe.calibration !== undefined) {
    if (calibration === undefined) throw new Error("toEngineRecipe: the recipe needs calibration data and no calibration file was given");
    engine.calibration = {
      path: calibration.path,
      format: calibration.format,
      ...(calibration.format === "jsonl" ? { text_field: ENGINE_DEFAULTS.calibration.textField } : {}),
      num_samples: recipe.calibration.samples,
      seq_len: recipe.calibration.seq_len,
      seed: recipe.calibration.seed % ENGINE_SEED_LIMIT,
    };
  }
  if (recipe.method === "gptq") engine.gptq = gptqOptions(recipe.damp ?? gptq.damp, recipe.block_size ?? gptq.blockSize, recipe.act_order ?? gptq.actOrder);
  if (recipe.method === "awq") engine.awq = awqOptions(recipe.grid ?? awq.grid, recipe.clip ?? awq.clip);
  if (recipe.method === "smoothquant") engine.smoothquant = { alpha: recipe.alpha ?? smoothquant.alpha };
  return engine;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);

const absent = (value: unknown): boolean => value === undefined || value === null; // null is absent, as in the engine

/** `defaults` under `target`'s keys that are absent. */
function fill(target: Json, defaults: Json): Json {
  const out: Json = { ...target };
  for (const [key, value] of Object.entries(defaults)) if (absent(out[key])) out[key] = value;
  return out;
}

/** An options block with its defaults filled in; a block that is not an object is left for the engine to reject. */
function fillBlock(recipe: Json, key: string, defaults: Json): void {
  const block = recipe[key];
  if (absent(block)) recipe[key] = { ...defaults };
  else if (isObject(block)) recipe[key] = fill(block, defaults);
}

/**
 * A recipe JSON in the engine's own schema with every default filled in from ENGINE_DEFAULTS. A relative
 * calibration path is made absolute against `recipeDirectory` (the engine resolves it against the recipe
 * file's folder, and the completed recipe is written elsewhere). Anything malformed is passed through for
 * the engine to reject with its field name.
 */
export function completeEngineRecipe(recipe: unknown, recipeDirectory: string): unknown {
  if (!isObject(recipe) || typeof recipe.method !== "string") return recipe;
  const method = recipe.method as EngineMethod;
  const { gptq, awq, smoothquant, calibration } = ENGINE_DEFAULTS;
  let out: Json = { ...recipe };
  if (method === "smoothquant") {
    out = fill(out, { w_bits: smoothquant.wBits, group_size: smoothquant.groupSize, symmetric: defaultSymmetric(method), a_bits: smoothquant.aBits });
    fillBlock(out, "smoothquant", { alpha: smoothquant.alpha });
  } else if (method !== "none") {
    out = fill(out, { group_size: ENGINE_DEFAULTS.groupSize, symmetric: defaultSymmetric(method) });
  }
  fillBlock(out, "modules", { include: [...ENGINE_DEFAULTS.include], exclude: [] });
  if (out.kv_bits === 8 || out.kv_bits === 4) out = fill(out, { kv_group_size: ENGINE_DEFAULTS.kvGroupSize });
  if (isObject(out.calibration) && typeof out.calibration.path === "string") {
    const file = out.calibration.path;
    const format = typeof out.calibration.format === "string" ? out.calibration.format : defaultCalibrationFormat(file);
    out.calibration = fill(
      { ...out.calibration, path: path.resolve(recipeDirectory, file) },
      { format, ...(format === "jsonl" ? { text_field: calibration.textField } : {}), num_samples: calibration.samples, seq_len: calibration.seqLen, seed: calibration.seed },
    );
  }
  if (method === "gptq") fillBlock(out, "gptq", gptqOptions(gptq.damp, gptq.blockSize, gptq.actOrder));
  if (method === "awq") fillBlock(out, "awq", awqOptions(awq.grid, awq.clip));
  return out;
}
