/**
 * Plan-time fit checks through the real study loader: a model shaped like SmolLM2 (hidden 576, rows that
 * 256-weight blocks do not divide) must reject K-quants without allow_fallback and engine group sizes
 * that do not divide 576, at the variant's line and field, before anything runs; and the GGUF header
 * path must agree with the config.json path. Plus `fetched:` resolution against a models cache.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { QreasonError } from "../errors.ts";
import { QUANT_TYPES } from "../quantize/index.ts";
import { loadStudy } from "../study/index.ts";
import { tinyGgufModel, tinyHfModel } from "../testing/tinyModels.ts";
import { fetchedModelLookup } from "./cache.ts";
import { checkVariantFit, globMatches, prepareVariantFit } from "./fit.ts";
import { readModelGeometry } from "./geometry.ts";

/** SmolLM2-135M's config.json, as gguf-to-hf writes it (only the shapes matter here). */
const SMOLLM2_CONFIG = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: 576,
  intermediate_size: 1536,
  num_hidden_layers: 30,
  num_attention_heads: 9,
  num_key_value_heads: 3,
  head_dim: 64,
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-5,
  rope_theta: 100000,
  vocab_size: 49152,
  tie_word_embeddings: true,
};

let scratch: string;
let hfDir: string;

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-fit-"));
  hfDir = path.join(scratch, "smol");
  await mkdir(hfDir);
  await writeFile(path.join(hfDir, "config.json"), JSON.stringify(SMOLLM2_CONFIG));
});
after(() => rm(scratch, { recursive: true, force: true }));

async function load(yaml: string): Promise<unknown> {
  const file = path.join(scratch, `study-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, yaml);
  return loadStudy(file, { known: { benchmarks: ["gsm8k"], llamacppTypes: QUANT_TYPES }, prepareVariantFit });
}

async function rejection(yaml: string): Promise<QreasonError> {
  try {
    await load(yaml);
  } catch (error) {
    if (error instanceof QreasonError) return error;
    throw error;
  }
  assert.fail("expected the study to be rejected");
}

const study = (variants: string, backend = "llamacpp"): string =>
  `models:\n  - hf: smol\n    backend: ${backend}\n    variants:\n${variants}benchmarks: [gsm8k]\n`;

describe("llama.cpp types on a 576-wide model", () => {
  it("Q4_K_M without allow_fallback is refused at its line, naming the rows and the way out", async () => {
    const error = await rejection(study("      - Q8_0\n      - Q4_K_M\n"));
    assert.equal(error.location.line, 6);
    assert.equal(error.location.field, "models[0].variants[1].llamacpp.type");
    assert.match(error.message, /Q4_K_M packs 256 weights of a row per block, but 180 of smol's weight tensors have rows of 576/);
    assert.match(error.message, /in another type \(Q4_K falls back to Q5_0\)/);
    assert.match(error.message, /allow_fallback: true/);
    assert.match(error.message, /config\.json/);
  });

  it("Q2_K says llama.cpp would store Q4_0; every misfit variant is listed", async () => {
    const error = await rejection(study("      - Q2_K\n      - { llamacpp: { type: Q3_K_S, pure: true } }\n"));
    assert.match(error.message, /Q2_K packs 256[\s\S]*Q2_K falls back to Q4_0/);
    assert.match(error.message, /1 more problem[\s\S]*:6: field 'models\[0\]\.variants\[1\]\.llamacpp\.type': Q3_K_S/);
  });

  it("allow_fallback accepts the substitution, into the recipe (and its hash)", async () => {
    const loaded = (await load(study("      - Q8_0\n      - { llamacpp: { type: Q4_K_M, allow_fallback: true } }\n"))) as {
      models: { variants: { name: string; recipe: unknown }[] }[];
    };
    const variants = loaded.models[0]!.variants;
    assert.deepEqual(variants.map((variant) => variant.name), ["fp", "Q8_0", "Q4_K_M"]);
    assert.deepEqual(variants[2]!.recipe, { kind: "llamacpp", type: "Q4_K_M", allowFallback: true });
  });
});

describe("engine recipes on a 576-wide model", () => {
  it("group_size 128 is refused at its line with the sizes that fit", async () => {
    const error = await rejection(study("      - engine: { method: rtn, w_bits: 4, group_size: 128 }\n", "engine"));
    assert.equal(error.location.field, "models[0].variants[0].engine.group_size");
    assert.equal(error.location.line, 5);
    assert.match(error.message, /group_size 128 does not divide the 576 input features of 180 of smol's linear layers/);
    assert.match(error.message, /group sizes that fit this model: 32, 64/);
  });

  it("the default group size (128) is checked too; 64 and per-channel fit", async () => {
    const error = await rejection(study("      - engine: { method: rtn, w_bits: 4 }\n", "engine"));
    assert.equal(error.location.field, "models[0].variants[0].engine.group_size");
    await load(study("      - engine: { method: rtn, w_bits: 4, group_size: 64 }\n      - engine: { method: rtn, w_bits: 8, group_size: -1 }\n", "engine"));
  });

  it("only the linears a recipe quantizes count: excluding the 576-wide ones leaves down_proj (1536), which 128 divides", async () => {
    await load(study("      - engine: { method: rtn, w_bits: 4, group_size: 128, include: ['*.mlp.down_proj'] }\n", "engine"));
  });

  it("kv_group_size must divide the head dimension", async () => {
    const error = await rejection(study("      - engine: { method: none, kv_bits: 8, kv_group_size: 48 }\n", "engine"));
    assert.equal(error.location.field, "models[0].variants[0].engine.kv_group_size");
    assert.match(error.message, /head dimension 64/);
  });
});

describe("geometry from a GGUF header", () => {
  it("agrees with the config.json path on the exported tensors, and carries the checks", async () => {
    const [gguf, hf] = await Promise.all([tinyGgufModel("llama"), tinyHfModel("llama")]);
    const fromHeader = await readModelGeometry({ gguf });
    const fromConfig = await readModelGeometry({ hf });
    assert.equal(fromHeader.tensorsFrom, gguf);
    assert.equal(fromHeader.headDim, 16);
    const shapes = (geometry: typeof fromHeader): [string, readonly number[]][] => (geometry.tensors ?? []).map((tensor) => [tensor.name, tensor.shape]);
    assert.deepEqual(shapes(fromHeader).filter(([, shape]) => shape.length === 2), shapes(fromConfig).filter(([, shape]) => shape.length === 2));
    assert.equal(fromConfig.linears?.length, 14, "7 linears in each of 2 layers");
    assert.deepEqual(await readModelGeometry({ hf: scratch }), {}, "a folder without config.json tells nothing (and throws nothing)");
    const problems = checkVariantFit("tiny", fromHeader, { kind: "llamacpp", type: "Q4_K_M" });
    assert.match(problems[0]?.message ?? "", /rows of 64, 128/);
    assert.deepEqual(checkVariantFit("tiny", fromHeader, { kind: "llamacpp", type: "Q8_0" }), []);
    assert.match(checkVariantFit("tiny", fromHeader, { kind: "fp", kvCache: "Q8_0" })[0]?.message ?? "", /32 values per block; tiny's attention heads are 16 wide/);
  });
});

describe("fetched models", () => {
  it("a study names a fetched model; a missing one says how to fetch it", async () => {
    const lookup = fetchedModelLookup(path.join(scratch, "empty-cache"));
    assert.match((lookup("smollm2") as { problem: string }).problem, /not fetched yet .*npx qreason models fetch smollm2/);
    assert.match((lookup("smollm3") as { problem: string }).problem, /unknown fetched model 'smollm3'; qreason can fetch: smollm2/);
    const file = path.join(scratch, "fetched.yaml");
    await writeFile(file, "models:\n  - fetched: smollm2\n    backend: llamacpp\nbenchmarks: [gsm8k]\n");
    await assert.rejects(loadStudy(file, { known: { fetchedModel: lookup } }), (error: QreasonError) => {
      assert.equal(error.location.line, 2);
      assert.equal(error.location.field, "models[0].fetched");
      return true;
    });
    const found = await loadStudy(file, { known: { fetchedModel: () => ({ hf: hfDir }) } });
    assert.deepEqual([found.models[0]!.name, found.models[0]!.source], ["smollm2", { kind: "local", hf: hfDir }]);
  });
});

void it("globMatches is fnmatch: *, ?, [set], [!set], dots literal", () => {
  const cases: [string, string, boolean][] = [
    ["*", "model.layers.0.self_attn.q_proj", true],
    ["*.mlp.*", "model.layers.3.mlp.down_proj", true],
    ["*.mlp.*", "model.layers.3.self_attn.q_proj", false],
    ["model.layers.?.mlp.up_proj", "model.layers.7.mlp.up_proj", true],
    ["model.layers.?.mlp.up_proj", "model.layers.17.mlp.up_proj", false],
    ["model.layers.[01].*", "model.layers.1.mlp.up_proj", true],
    ["model.layers.[!01].*", "model.layers.1.mlp.up_proj", false],
    ["model.layers.0.mlp", "model_layers_0_mlp", false],
  ];
  for (const [pattern, name, expected] of cases) assert.equal(globMatches(pattern, name), expected, `${pattern} ~ ${name}`);
});
