/**
 * The study files in examples/ are what users copy: each must load against the real benchmark and
 * llama.cpp type registries and expand into a plan. (Model paths are not checked: they point at files
 * on a user's machine, or at the reference model, which is built separately.)
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { benchmarkNames } from "../data/index.ts";
import { QUANT_TYPES } from "../quantize/types.ts";
import { projectRoot } from "../testing/paths.ts";
import { loadStudy } from "./load.ts";
import { expandPlan } from "./plan.ts";

const examplesDirectory = path.join(projectRoot, "examples");
// `fetched:` models resolve to a placeholder directory here (model paths are not checked, see above).
const known = { benchmarks: benchmarkNames(), llamacppTypes: QUANT_TYPES, fetchedModel: (name: string) => ({ hf: `/fetched/${name}/hf` }) };
const files = readdirSync(examplesDirectory).filter((name) => name.endsWith(".yaml"));

test("the six example studies are there", () => {
  assert.deepEqual(files.sort(), [
    "endpoint.yaml",
    "gsm8k-math500-gpu.yaml",
    "own-gguf.yaml",
    "quickstart.yaml",
    "reference-curve.yaml",
    "smollm2.yaml",
  ]);
});

test("the SmolLM2 study runs the fetched model on llama.cpp, accepting the K-quants' fallback by name", async () => {
  const study = await loadStudy(path.join(examplesDirectory, "smollm2.yaml"), { known, checkFiles: false });
  const [model] = study.models;
  assert.deepEqual([model?.name, model?.source, model?.backend], ["smollm2", { kind: "local", hf: "/fetched/smollm2/hf" }, "llamacpp"]);
  assert.deepEqual(
    model?.variants.map((variant) => [variant.name, variant.recipe.kind === "llamacpp" ? variant.recipe.allowFallback === true : null]),
    [["fp", null], ["Q8_0", false], ["Q4_K_M", true], ["Q2_K", true]],
  );
  assert.equal(study.benchmarks[0]?.subset.benchmark, "gsm8k");
});

for (const file of files) {
  test(`examples/${file} loads and expands into a plan`, async () => {
    const study = await loadStudy(path.join(examplesDirectory, file), { known, checkFiles: false });
    const plan = expandPlan(study);
    assert.ok(plan.jobs.length > 0);
    assert.ok(plan.comparisons.length > 0, "an example compares at least one variant with its baseline");
  });
}

test("the quickstart runs the reference model's GGUF on llama.cpp, on the arith testbed, in the testbed's prompt format", async () => {
  const study = await loadStudy(path.join(examplesDirectory, "quickstart.yaml"), { known, checkFiles: false });
  const [model] = study.models;
  assert.deepEqual(model?.source, { kind: "local", gguf: path.join(projectRoot, "models", "reference", "model.gguf") });
  assert.equal(model?.backend, "llamacpp");
  assert.deepEqual(model?.variants.map((variant) => variant.name), ["fp", "Q8_0", "Q4_K_M", "Q3_K_S", "Q2_K", "Q2_K-pure"]);
  assert.equal(study.benchmarks[0]?.subset.benchmark, "arith");
  assert.equal(model?.prompt.style, "raw");
  assert.equal(model?.prompt.user, "{question}\n");
  // `qreason demo` ends with the worst variant restored, on training-split problems only.
  assert.deepEqual(study.restore?.variants, ["Q2_K-pure"]);
  assert.deepEqual(study.restore?.methods, ["dpo", "sft"]);
  assert.deepEqual(study.restore?.train?.map((set) => [set.subset.benchmark, set.subset.split]), [["arith", "train"]]);
});
