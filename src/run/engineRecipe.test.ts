/**
 * Study engine recipes, translated for the Python engine, must be read back by the engine's own recipe
 * parser (engine/qreason_engine/quant/recipe.py) with the meaning the study gave them.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { parseStudy, type EngineRecipe } from "../study/index.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { toEngineRecipe } from "./engineRecipe.ts";

const variants: Record<string, string> = {
  rtn: "{ engine: { method: rtn, w_bits: 4, group_size: 32, sym: false } }",
  gptq: "{ engine: { method: gptq, w_bits: 3, group_size: 64, damp: 0.05, act_order: true, block_size: 128, calibration: { benchmark: gsm8k, samples: 16, seq_len: 256 } } }",
  awq: "{ engine: { method: awq, w_bits: 4, clip: false, grid: 10, calibration: { file: calib.txt, samples: 8, seq_len: 128, seed: 4294967295 } } }",
  smoothquant: "{ engine: { method: smoothquant, alpha: 0.7, kv_bits: 8, kv_group_size: 16, calibration: { benchmark: gsm8k } } }",
  kvOnly: "{ engine: { method: none, kv_bits: 4, exclude: [lm_head, '*.mlp.*'] } }",
};

function studyRecipes(): Record<string, EngineRecipe> {
  const text = `name: t
models:
  - hf: model-dir
    variants:
${Object.entries(variants).map(([name, variant]) => `      - { name: ${name}, ${variant.slice(2)}`).join("\n")}
benchmarks: [gsm8k]
`;
  const study = parseStudy(text, "/tmp/study.yaml");
  return Object.fromEntries(
    study.models[0]!.variants.flatMap((variant) => (variant.recipe.kind === "engine" ? [[variant.name, variant.recipe.recipe]] : [])),
  );
}

/** What the engine makes of each recipe: `Recipe.to_json()` of `parse_recipe`. */
function engineParse(recipes: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const script = [
    "import json, sys",
    "from qreason_engine.quant.recipe import parse_recipe",
    "recipes = json.load(sys.stdin)",
    "print(json.dumps({name: parse_recipe(recipe).to_json() for name, recipe in recipes.items()}))",
  ].join("\n");
  const output = execFileSync(enginePython, ["-c", script], { cwd: projectRoot, input: JSON.stringify(recipes), encoding: "utf8" });
  return JSON.parse(output) as Record<string, Record<string, unknown>>;
}

test("the engine reads translated recipes with the study's meaning", () => {
  const recipes = studyRecipes();
  assert.deepEqual(Object.keys(recipes).sort(), Object.keys(variants).sort());
  const calibration = (name: string) => (recipes[name]?.calibration ? { path: `/data/${name}.jsonl`, format: "jsonl" as const } : undefined);
  const parsed = engineParse(Object.fromEntries(Object.entries(recipes).map(([name, recipe]) => [name, toEngineRecipe(recipe, calibration(name))])));

  assert.deepEqual(
    { w_bits: parsed.rtn?.w_bits, group_size: parsed.rtn?.group_size, symmetric: parsed.rtn?.symmetric, modules: parsed.rtn?.modules },
    { w_bits: 4, group_size: 32, symmetric: false, modules: { include: ["*"], exclude: [] } },
  );
  assert.deepEqual(parsed.gptq?.gptq, { damp_percent: 0.05, block_size: 128, act_order: true, static_groups: false, true_sequential: true });
  assert.deepEqual(parsed.gptq?.calibration, { path: "/data/gptq.jsonl", format: "jsonl", text_field: "text", num_samples: 16, seq_len: 256, seed: 0 });
  assert.equal(parsed.gptq?.symmetric, true, "GPTQ defaults to a symmetric grid in studies");
  assert.deepEqual({ symmetric: parsed.awq?.symmetric, awq: { grid: (parsed.awq?.awq as { grid: number }).grid, clip: (parsed.awq?.awq as { clip: boolean }).clip } }, { symmetric: false, awq: { grid: 10, clip: false } });
  assert.equal((parsed.awq?.calibration as { seed: number }).seed, 4294967295 % 2 ** 31, "seeds beyond the engine's range are folded into it");
  assert.deepEqual(
    { w_bits: parsed.smoothquant?.w_bits, a_bits: parsed.smoothquant?.a_bits, alpha: (parsed.smoothquant?.smoothquant as { alpha: number }).alpha, kv: [parsed.smoothquant?.kv_bits, parsed.smoothquant?.kv_group_size] },
    { w_bits: 8, a_bits: 8, alpha: 0.7, kv: [8, 16] },
  );
  assert.deepEqual({ method: parsed.kvOnly?.method, kv_bits: parsed.kvOnly?.kv_bits, modules: parsed.kvOnly?.modules }, { method: "none", kv_bits: 4, modules: { include: ["*"], exclude: ["*.mlp.*"] } });
});

test("a recipe that needs calibration data refuses to translate without it", () => {
  assert.throws(() => toEngineRecipe(studyRecipes().gptq as EngineRecipe), /needs calibration data/);
});
