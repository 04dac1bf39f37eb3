/**
 * The engine recipes the restore stage writes: sft+dpo is the engine's DPO started from the sft adapter
 * (init_adapter), and an adapter's identity covers what it starts from but not where files are.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_TRAINING } from "../restore/index.ts";
import type { PlannedVariant } from "../study/index.ts";
import { adapterRecipeHash, engineTrainRecipe, type AdapterJob } from "./restoreAdapters.ts";

const variant = { model: "m", variant: "Q2_K-pure", recipeHash: "sha256:variant" } as PlannedVariant;
const dpo: AdapterJob = { name: "dpo", method: "dpo", pairSet: "all", dataFile: "/run/a/pairs/all.dpo.jsonl", dataSha256: "pairs", pairs: 7 };
const sftThenDpo = (adapterPath: string, recipeHash: string): AdapterJob => ({ ...dpo, name: "sft+dpo", method: "sft+dpo", init: { adapterPath, recipeHash } });

test("sft+dpo: a DPO recipe with every DPO field, starting from the sft adapter", () => {
  const recipe = engineTrainRecipe(sftThenDpo("/run/a/adapters/sft-1", "sha256:sft"), "/run/a/dequantized", DEFAULT_TRAINING, 0);
  const plain = engineTrainRecipe(dpo, "/run/a/dequantized", DEFAULT_TRAINING, 0);
  assert.equal(recipe.kind, "dpo");
  assert.equal(recipe.init_adapter, "/run/a/adapters/sft-1");
  assert.equal(recipe.reference, "adapter-disabled");
  assert.equal(plain.init_adapter, undefined);
  const { init_adapter: _init, ...rest } = recipe;
  assert.deepEqual(rest, plain, "otherwise the plain DPO recipe");
  assert.throws(() => engineTrainRecipe({ ...dpo, method: "sft+dpo" }, "/b", DEFAULT_TRAINING, 0), /without the sft adapter/);
});

test("an adapter's hash: the sft adapter it starts from counts, paths do not", () => {
  const hash = (job: AdapterJob, base = "/run/a/dequantized"): string => adapterRecipeHash(engineTrainRecipe(job, base, DEFAULT_TRAINING, 0), job, variant);
  const here = hash(sftThenDpo("/run/a/adapters/sft-1", "sha256:sft"));
  assert.equal(hash({ ...sftThenDpo("/elsewhere/sft-1", "sha256:sft"), dataFile: "/elsewhere/all.dpo.jsonl" }, "/elsewhere/dequantized"), here, "the same adapter moved");
  assert.notEqual(hash(sftThenDpo("/run/a/adapters/sft-1", "sha256:other-sft")), here, "another sft adapter");
  assert.notEqual(hash(dpo), here, "plain dpo");
});
