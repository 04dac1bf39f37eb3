/**
 * The one table of Python-engine recipe defaults. A study's engine variant (recipes.ts), its translation
 * into the engine's recipe JSON (run/engineRecipe.ts) and a hand-written recipe JSON given to
 * `qreason quantize` (completeEngineRecipe) all take their defaults from here, and the engine's CLI accepts
 * only recipes with every field spelled out, so one recipe always makes one variant.
 * engine/qreason_engine/quant/recipe.py keeps the same values for Python callers; run/engineRecipe.test.ts
 * checks that the two agree.
 */
import type { EngineMethod } from "./types.ts";

export const ENGINE_DEFAULTS = {
  groupSize: 128,
  kvGroupSize: -1,
  include: ["*"] as readonly string[],
  calibration: { samples: 128, seqLen: 2048, seed: 0, textField: "text" },
  gptq: { damp: 0.01, blockSize: 128, actOrder: false, staticGroups: false, trueSequential: true },
  awq: { grid: 20, clip: true, clipGrid: 20, maxShrink: 0.5, clipTokens: 512 },
  // SmoothQuant is W8A8 with per-output-channel symmetric int8 weights.
  smoothquant: { alpha: 0.5, wBits: 8, aBits: 8, groupSize: -1 },
} as const;

/** GPTQ and RTN default to symmetric grids (AutoGPTQ's default); AWQ's reference implementation uses zero points. */
export function defaultSymmetric(method: EngineMethod): boolean {
  return method !== "awq";
}

/** The engine reads a `.txt` calibration file as plain text and anything else as JSONL. */
export function defaultCalibrationFormat(file: string): "jsonl" | "text" {
  return file.endsWith(".txt") ? "text" : "jsonl";
}
