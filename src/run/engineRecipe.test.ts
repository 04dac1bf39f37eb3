/**
 * Study engine recipes, translated for the Python engine, must be read back by the engine's own recipe
 * parser (engine/qreason_engine/quant/recipe.py) with the meaning the study gave them, complete (the
 * engine's CLI refuses a recipe with a field left out); qreason's defaults and the engine's Python ones
 * agree; and one recipe, given as a study variant or to `qreason quantize`, makes one variant.
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseStudy, type EngineRecipe } from "../study/index.ts";
import { runQreason } from "../testing/cli.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { tinyHfModel } from "../testing/tinyModels.ts";
import { completeEngineRecipe, toEngineRecipe } from "./engineRecipe.ts";

const variants: Record<string, string> = {
  rtn: "{ engine: { method: rtn, w_bits: 4, group_size: 32, sym: false } }",
  gptq: "{ engine: { method: gptq, w_bits: 3, group_size: 64, damp: 0.05, act_order: true, block_size: 128, calibration: { benchmark: gsm8k, samples: 16, seq_len: 256 } } }",
  awq: "{ engine: { method: awq, w_bits: 4, clip: false, grid: 10, calibration: { file: calib.txt, samples: 8, seq_len: 128, seed: 4294967295 } } }",
  smoothquant: "{ engine: { method: smoothquant, alpha: 0.7, kv_bits: 8, kv_group_size: 16, calibration: { benchmark: gsm8k } } }",
  kvOnly: "{ engine: { method: none, kv_bits: 4, exclude: [lm_head, '*.mlp.*'] } }",
};

function studyRecipes(entries: Record<string, string> = variants, file = "/tmp/study.yaml"): Record<string, EngineRecipe> {
  const text = `name: t
models:
  - hf: model-dir
    variants:
${Object.entries(entries).map(([name, variant]) => `      - { name: ${name}, ${variant.slice(2)}`).join("\n")}
benchmarks: [gsm8k]
`;
  const study = parseStudy(text, file);
  return Object.fromEntries(
    study.models[0]!.variants.flatMap((variant) => (variant.recipe.kind === "engine" ? [[variant.name, variant.recipe.recipe]] : [])),
  );
}

/**
 * What the engine makes of each recipe: `Recipe.to_json()` of `parse_recipe`. complete: as the engine's CLI
 * reads them (every field must be given); otherwise the engine's Python defaults fill the gaps.
 */
function engineParse(recipes: Record<string, unknown>, complete = true): Record<string, Record<string, unknown>> {
  const script = [
    "import json, sys",
    "from qreason_engine.quant.recipe import parse_recipe",
    "recipes = json.load(sys.stdin)",
    `print(json.dumps({name: parse_recipe(recipe, complete=${complete ? "True" : "False"}).to_json() for name, recipe in recipes.items()}))`,
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

test("a translated study recipe spells out every field the engine resolves", () => {
  const recipes = studyRecipes();
  const calibration = (name: string) => (recipes[name]?.calibration ? { path: `/data/${name}.jsonl`, format: "jsonl" as const } : undefined);
  const translated = Object.fromEntries(Object.entries(recipes).map(([name, recipe]) => [name, toEngineRecipe(recipe, calibration(name))]));
  // complete=True parses them (a missing field would be an error) and nothing is added on the way.
  assert.deepEqual(engineParse(translated), translated);
});

test("qreason's defaults and the engine's Python defaults are the same", () => {
  const minimal: Record<string, Record<string, unknown>> = {
    rtn: { method: "rtn", w_bits: 4 },
    rtnCalibrated: { method: "rtn", w_bits: 3, calibration: { path: "/data/c.txt" } },
    gptq: { method: "gptq", w_bits: 4, calibration: { path: "/data/c.jsonl" } },
    gptqPartial: { method: "gptq", w_bits: 3, group_size: 64, gptq: { act_order: true }, calibration: { path: "/data/c.jsonl", seq_len: 64 } },
    awq: { method: "awq", w_bits: 4, calibration: { path: "/data/c.jsonl" } },
    smoothquant: { method: "smoothquant", calibration: { path: "/data/c.jsonl" } },
    kv: { method: "none", kv_bits: 8 },
    kvFp8: { method: "none", kv_bits: "fp8_e4m3", a_bits: 8 },
  };
  const completed = Object.fromEntries(Object.entries(minimal).map(([name, recipe]) => [name, completeEngineRecipe(recipe, "/data")]));
  assert.deepEqual(completed, engineParse(minimal, false));
  assert.deepEqual(engineParse(completed), completed);
});

test("one recipe makes one variant, as a study variant or through qreason quantize", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "qreason-one-recipe-"));
  try {
    const hfDir = await tinyHfModel("llama");
    const calib = path.join(dir, "calib.txt");
    await writeFile(calib, "Step 1: 3 + 4 = 7.\nStep 2: 7 * 6 = 42.\n".repeat(40));
    // The study's way: a variant in a study file, resolved and translated as `qreason run` does it.
    const study = studyRecipes({ gptq: "{ engine: { method: gptq, w_bits: 4, group_size: 32, calibration: { file: calib.txt, samples: 2, seq_len: 32 } } }" }, path.join(dir, "study.yaml"));
    const fromStudy = toEngineRecipe(study.gptq as EngineRecipe, { path: calib, format: "text" });
    const studyRecipeFile = path.join(dir, "study-gptq.recipe.json");
    await writeFile(studyRecipeFile, JSON.stringify(fromStudy));
    execFileSync(enginePython, ["-m", "qreason_engine.cli", "quantize", "--model", hfDir, "--recipe", studyRecipeFile, "--out", path.join(dir, "study-gptq"), "--quiet"], { cwd: projectRoot, stdio: "pipe" });
    // The CLI's way: the same recipe written by hand in the engine's schema, with the study's seed (0).
    const handWritten = path.join(dir, "gptq.json");
    await writeFile(handWritten, JSON.stringify({ method: "gptq", w_bits: 4, group_size: 32, calibration: { path: "calib.txt", num_samples: 2, seq_len: 32 } }));
    const run = await runQreason(["quantize", "--model", hfDir, "--recipe", handWritten, "--out", path.join(dir, "cli-gptq")], { timeoutMs: 300_000 });
    assert.equal(run.code, 0, run.stderr);

    const manifest = async (name: string) => JSON.parse(await readFile(path.join(dir, name, "qreason-quant.json"), "utf8")) as { recipe: unknown };
    const [studyManifest, cliManifest] = [await manifest("study-gptq"), await manifest("cli-gptq")];
    const recipeHash = (recipe: unknown) => createHash("sha256").update(JSON.stringify(recipe)).digest("hex");
    assert.deepEqual(cliManifest.recipe, studyManifest.recipe);
    assert.equal(recipeHash(cliManifest.recipe), recipeHash(studyManifest.recipe));
    assert.equal((studyManifest.recipe as { symmetric: boolean }).symmetric, true, "GPTQ defaults to a symmetric grid on both paths");
    const weights = async (name: string) => readFile(path.join(dir, name, "model.safetensors"));
    assert.ok((await weights("cli-gptq")).equals(await weights("study-gptq")), "same weights");

    // The engine's CLI alone refuses the hand-written recipe: it would otherwise apply defaults of its own.
    const bare = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(enginePython, ["-m", "qreason_engine.cli", "quantize", "--model", hfDir, "--recipe", handWritten, "--out", path.join(dir, "bare")], { cwd: projectRoot }, (error, _stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /E_INPUT: .*gptq\.json: field 'symmetric': missing/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
