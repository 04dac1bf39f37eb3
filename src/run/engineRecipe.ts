/**
 * A study's engine recipe in the Python engine's own recipe schema (engine/qreason_engine/quant/README.md).
 * The study spells some fields its own way (`sym`, `damp`, top-level `include`/`exclude`, calibration from a
 * benchmark); this is the one place that maps them. Pure: calibration files are made by the caller.
 */
import type { EngineRecipe } from "../study/index.ts";

/** Calibration text the engine reads: a JSONL file with a `text` field, or a plain text file. */
export interface CalibrationFile {
  path: string;
  format: "jsonl" | "text";
}

/** The engine takes calibration seeds below 2^31; larger study seeds are folded into that range. */
const ENGINE_SEED_LIMIT = 2 ** 31;

export function toEngineRecipe(recipe: EngineRecipe, calibration?: CalibrationFile): Record<string, unknown> {
  const engine: Record<string, unknown> = { method: recipe.method };
  if (recipe.method !== "none") {
    engine.w_bits = recipe.w_bits;
    engine.group_size = recipe.group_size;
    engine.symmetric = recipe.sym;
  }
  // lm_head and embeddings are outside the decoder layers the engine quantizes; a pattern for them is moot.
  const exclude = recipe.exclude.filter((pattern) => pattern !== "lm_head");
  engine.modules = { include: recipe.include ?? ["*"], exclude };
  if (recipe.a_bits !== undefined) engine.a_bits = recipe.a_bits;
  if (recipe.kv_bits !== undefined) engine.kv_bits = recipe.kv_bits;
  if (recipe.kv_group_size !== undefined) engine.kv_group_size = recipe.kv_group_size;
  if (recipe.calibration !== undefined) {
    if (calibration === undefined) throw new Error("toEngineRecipe: the recipe needs calibration data and no calibration file was given");
    engine.calibration = {
      path: calibration.path,
      format: calibration.format,
      num_samples: recipe.calibration.samples,
      seq_len: recipe.calibration.seq_len,
      seed: recipe.calibration.seed % ENGINE_SEED_LIMIT,
    };
  }
  if (recipe.method === "gptq") engine.gptq = { damp_percent: recipe.damp, block_size: recipe.block_size, act_order: recipe.act_order };
  if (recipe.method === "awq") engine.awq = { grid: recipe.grid, clip: recipe.clip };
  if (recipe.method === "smoothquant") engine.smoothquant = { alpha: recipe.alpha };
  return engine;
}
