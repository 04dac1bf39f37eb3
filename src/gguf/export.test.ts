/**
 * exportGguf: what it writes for each family, lossless "auto" typing, sharded and bf16 checkpoints, tied
 * embeddings, and clear QreasonErrors for every bad input a user can hand it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { getLlama } from "node-llama-cpp";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { tinyHfModel } from "../testing/tinyModels.ts";
import { llama3RopeFactors, permutedRowSource, readHyperparameters } from "./architectures.ts";
import { exportGguf, losslessType } from "./export.ts";
import { metadataNumber, metadataString, readGguf, readTensorBytes } from "./reader.ts";
import { readSafetensorsHeader } from "./safetensors.ts";

interface StoredTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

async function loadSafetensors(file: string): Promise<StoredTensor[]> {
  const data = new Uint8Array(await readFile(file));
  return (await readSafetensorsHeader(file)).map((tensor) => ({
    name: tensor.name,
    dtype: tensor.dtype,
    shape: tensor.shape,
    bytes: data.slice(tensor.offset, tensor.offset + tensor.byteLength),
  }));
}

async function saveSafetensors(file: string, tensors: StoredTensor[]): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.bytes.length] };
    offset += tensor.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  await writeFile(file, Buffer.concat([prefix, json, ...tensors.map((tensor) => tensor.bytes)]));
}

let scratch: string;
let llamaDir: string;
let counter = 0;

/** A private copy of the tiny llama model, changed by `edit` (gets the dir and its tensors). */
async function variant(edit: (directory: string, tensors: StoredTensor[]) => Promise<StoredTensor[] | void>): Promise<string> {
  const directory = path.join(scratch, `variant-${(counter += 1)}`);
  await cp(llamaDir, directory, { recursive: true });
  const weights = path.join(directory, "model.safetensors");
  const tensors = await loadSafetensors(weights);
  const changed = await edit(directory, tensors);
  if (changed) await saveSafetensors(weights, changed);
  return directory;
}

async function editConfig(directory: string, change: (config: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(directory, "config.json");
  const config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  change(config);
  await writeFile(file, JSON.stringify(config));
}

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-gguf-export-"));
  llamaDir = await tinyHfModel("llama");
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

void describe("what the export writes", () => {
  const families = [
    { family: "llama", arch: "llama", extra: [], absent: ["blk.0.attn_q.bias", "blk.0.attn_q_norm.weight"] },
    { family: "mistral", arch: "llama", extra: [], absent: ["blk.0.attn_q.bias"] },
    { family: "qwen2", arch: "qwen2", extra: ["blk.1.attn_q.bias", "blk.1.attn_k.bias", "blk.1.attn_v.bias"], absent: ["blk.0.attn_q_norm.weight"] },
    { family: "qwen3", arch: "qwen3", extra: ["blk.1.attn_q_norm.weight", "blk.1.attn_k_norm.weight"], absent: ["blk.0.attn_q.bias"] },
  ] as const;
  for (const { family, arch, extra, absent } of families) {
    void test(`${family} -> ${arch}: hyperparameters, tokenizer keys and tensor set`, async () => {
      const out = path.join(scratch, `${family}.gguf`);
      const result = await exportGguf(await tinyHfModel(family), out);
      assert.equal(result.ggufArchitecture, arch);
      assert.equal(result.type, "f32", "auto keeps the f32 checkpoint lossless");
      const file = await readGguf(out);
      assert.equal(metadataString(file, "general.architecture"), arch);
      assert.equal(metadataNumber(file, "general.file_type"), 0);
      assert.equal(metadataNumber(file, `${arch}.block_count`), 2);
      assert.equal(metadataNumber(file, `${arch}.embedding_length`), 64);
      assert.equal(metadataNumber(file, `${arch}.attention.head_count`), 4);
      assert.equal(metadataNumber(file, `${arch}.attention.head_count_kv`), 2);
      assert.equal(metadataNumber(file, `${arch}.rope.dimension_count`), 16);
      assert.equal(metadataString(file, "tokenizer.ggml.model"), "gpt2");
      assert.equal(metadataString(file, "tokenizer.ggml.pre"), family === "qwen2" ? "qwen2" : "gpt-2");
      assert.equal(metadataNumber(file, "tokenizer.ggml.eos_token_id"), 1);
      assert.match(metadataString(file, "tokenizer.chat_template") ?? "", /add_generation_prompt/);
      const names = new Set(file.tensors.map((tensor) => tensor.name));
      for (const name of ["token_embd.weight", "output_norm.weight", "output.weight", "blk.1.ffn_down.weight", ...extra]) {
        assert.ok(names.has(name), `has ${name}`);
      }
      for (const name of absent) assert.ok(!names.has(name), `has no ${name}`);
      for (const tensor of file.tensors) {
        assert.equal(tensor.typeName, "F32");
      }
    });
  }

  void test("f16 export: 2-D weights in F16, norms and biases stay F32", async () => {
    const out = path.join(scratch, "qwen2-f16.gguf");
    await exportGguf(await tinyHfModel("qwen2"), out, { type: "f16" });
    const file = await readGguf(out);
    assert.equal(metadataNumber(file, "general.file_type"), 1);
    for (const tensor of file.tensors) assert.equal(tensor.typeName, tensor.shape.length === 2 ? "F16" : "F32", tensor.name);
  });

  void test("a bf16 checkpoint exports losslessly to BF16 by default (bytes identical where not permuted)", async () => {
    const directory = path.join(scratch, "bf16-model");
    await promisify(execFile)(
      enginePython,
      ["-c", `import torch; from qreason_engine.tiny import make_tiny_model; make_tiny_model("qwen2", ${JSON.stringify(directory)}, dtype=torch.bfloat16)`],
      { cwd: projectRoot, timeout: 180_000, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    const out = path.join(scratch, "bf16.gguf");
    const result = await exportGguf(directory, out);
    assert.equal(result.type, "bf16");
    const file = await readGguf(out);
    assert.equal(metadataNumber(file, "general.file_type"), 32);
    const source = (await loadSafetensors(path.join(directory, "model.safetensors"))).find(
      (tensor) => tensor.name === "model.layers.1.mlp.down_proj.weight",
    )!;
    assert.equal(source.dtype, "BF16");
    const exported = file.tensors.find((tensor) => tensor.name === "blk.1.ffn_down.weight")!;
    assert.equal(exported.typeName, "BF16");
    assert.deepEqual(await readTensorBytes(file, exported), source.bytes);
    const norm = file.tensors.find((tensor) => tensor.name === "output_norm.weight")!;
    assert.equal(norm.typeName, "F32");
  });

  void test("a sharded checkpoint exports to the same bytes as the single file", async () => {
    const sharded = await variant(async (directory, tensors) => {
      const half = Math.floor(tensors.length / 2);
      const shards = [tensors.slice(0, half), tensors.slice(half)];
      const weightMap: Record<string, string> = {};
      for (const [index, shard] of shards.entries()) {
        const name = `model-0000${index + 1}-of-00002.safetensors`;
        await saveSafetensors(path.join(directory, name), shard);
        for (const tensor of shard) weightMap[tensor.name] = name;
      }
      await rm(path.join(directory, "model.safetensors"));
      await writeFile(path.join(directory, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    });
    const single = path.join(scratch, "single.gguf");
    const split = path.join(scratch, "split.gguf");
    await exportGguf(llamaDir, single, { name: "same" });
    await exportGguf(sharded, split, { name: "same" });
    assert.deepEqual(await readFile(split), await readFile(single));
  });

  void test("tied embeddings: no output tensor, and llama.cpp loads the model", async () => {
    const tied = await variant(async (directory, tensors) => {
      await editConfig(directory, (config) => {
        config.tie_word_embeddings = true;
      });
      return tensors.filter((tensor) => tensor.name !== "lm_head.weight");
    });
    const out = path.join(scratch, "tied.gguf");
    await exportGguf(tied, out);
    const file = await readGguf(out);
    assert.ok(!file.tensors.some((tensor) => tensor.name === "output.weight"));
    const llama = await getLlama({ gpu: false });
    try {
      const model = await llama.loadModel({ modelPath: out });
      assert.ok(model.tokenize("Tom has 3 apples").length > 0);
      await model.dispose();
    } finally {
      await llama.dispose();
    }
  });
});

void describe("bad inputs are QreasonErrors that say what and where", () => {
  const out = () => path.join(scratch, `bad-${(counter += 1)}.gguf`);
  type Check = { code: string; message: RegExp; field?: string };
  const expectError = async (promise: Promise<unknown>, check: Check) => {
    await assert.rejects(promise, (error: Error & { code?: string; location?: { field?: string } }) => {
      assert.equal(error.name, "QreasonError", error.stack);
      assert.equal(error.code, check.code);
      assert.match(error.message, check.message);
      if (check.field) assert.equal(error.location?.field, check.field);
      return true;
    });
  };

  void test("a path that does not exist", async () => {
    await expectError(exportGguf(path.join(scratch, "missing-dir"), out()), { code: "E_NOT_FOUND", message: /does not exist/ });
  });

  void test("a file instead of a directory", async () => {
    await expectError(exportGguf(path.join(llamaDir, "config.json"), out()), { code: "E_INPUT", message: /not a directory/ });
  });

  void test("a directory without config.json", async () => {
    const directory = await variant(async (dir) => rm(path.join(dir, "config.json")));
    await expectError(exportGguf(directory, out()), { code: "E_NOT_FOUND", message: /missing config.json/ });
  });

  void test("an unsupported architecture is named, with the supported list", async () => {
    const directory = await variant(async (dir) =>
      editConfig(dir, (config) => {
        config.architectures = ["GPT2LMHeadModel"];
      }),
    );
    await expectError(exportGguf(directory, out()), {
      code: "E_INPUT",
      message: /unsupported architecture GPT2LMHeadModel; .*LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM/,
      field: "architectures",
    });
  });

  void test("a missing tensor is named", async () => {
    const directory = await variant(async (_dir, tensors) =>
      tensors.filter((tensor) => tensor.name !== "model.layers.1.self_attn.k_proj.weight"),
    );
    await expectError(exportGguf(directory, out()), {
      code: "E_INPUT",
      message: /missing tensor model.layers.1.self_attn.k_proj.weight \(needed for blk.1.attn_k.weight\)/,
      field: "model.layers.1.self_attn.k_proj.weight",
    });
  });

  void test("an unsupported dtype is named with the tensor", async () => {
    const directory = await variant(async (_dir, tensors) =>
      tensors.map((tensor) =>
        tensor.name === "model.norm.weight" ? { ...tensor, dtype: "I32" } : tensor,
      ),
    );
    await expectError(exportGguf(directory, out()), {
      code: "E_INPUT",
      message: /tensor model.norm.weight has dtype I32; export reads F32, F16 and BF16/,
      field: "model.norm.weight",
    });
  });

  void test("a shape that disagrees with config.json", async () => {
    const directory = await variant(async (dir) =>
      editConfig(dir, (config) => {
        config.intermediate_size = 96;
      }),
    );
    await expectError(exportGguf(directory, out()), { code: "E_INPUT", message: /has shape \[128, 64\], config.json implies \[96, 64\]/ });
  });

  void test("an unknown extra tensor is refused rather than dropped", async () => {
    const directory = await variant(async (_dir, tensors) => [
      ...tensors,
      { name: "model.layers.0.mlp.extra.weight", dtype: "F32", shape: [2], bytes: new Uint8Array(8) },
    ]);
    await expectError(exportGguf(directory, out()), { code: "E_INPUT", message: /does not know: model.layers.0.mlp.extra.weight/ });
  });

  void test("an unsupported pre-tokenizer regex is refused", async () => {
    const directory = await variant(async (dir) => {
      const file = path.join(dir, "tokenizer.json");
      const tokenizer = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
      tokenizer.pre_tokenizer = {
        type: "Sequence",
        pretokenizers: [
          { type: "Split", pattern: { Regex: "\\p{L}+|\\p{N}" }, behavior: "Isolated", invert: false },
          { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      };
      await writeFile(file, JSON.stringify(tokenizer));
    });
    await expectError(exportGguf(directory, out()), { code: "E_INPUT", message: /unsupported pre-tokenizer/, field: "pre_tokenizer" });
  });

  void test("no tokenizer at all", async () => {
    const directory = await variant(async (dir) => rm(path.join(dir, "tokenizer.json")));
    await expectError(exportGguf(directory, out()), { code: "E_NOT_FOUND", message: /no tokenizer.json or tokenizer.model/ });
  });

  void test("a corrupt safetensors file", async () => {
    const directory = await variant(async (dir) => writeFile(path.join(dir, "model.safetensors"), "garbage"));
    await expectError(exportGguf(directory, out()), { code: "E_INPUT", message: /not a safetensors file/ });
  });

  void test("an existing output file is not replaced without overwrite", async () => {
    const target = out();
    await writeFile(target, "keep me");
    await expectError(exportGguf(llamaDir, target), { code: "E_USAGE", message: /exists; pass --force/ });
    assert.equal(await readFile(target, "utf8"), "keep me");
    await exportGguf(llamaDir, target, { overwrite: true });
    assert.equal(metadataString(await readGguf(target), "general.architecture"), "llama");
  });
});

void describe("pure pieces", () => {
  void test("permutedRowSource is llama.cpp's per-head re-interleave (reshape(h, 2, d/2).swapaxes(1, 2))", () => {
    const heads = 3;
    const headDim = 8;
    // Reference: element (head, half, j) of the HF layout lands at (head, j, half) of the llama.cpp layout.
    const expected: number[] = [];
    for (let head = 0; head < heads; head += 1) {
      for (let j = 0; j < headDim / 2; j += 1) {
        for (let half = 0; half < 2; half += 1) expected.push(head * headDim + half * (headDim / 2) + j);
      }
    }
    const actual = Array.from({ length: heads * headDim }, (_, row) => permutedRowSource(row, headDim));
    assert.deepEqual(actual, expected);
    assert.deepEqual(actual.slice(0, 8), [0, 4, 1, 5, 2, 6, 3, 7]);
  });

  void test("losslessType picks the widest float type present", () => {
    assert.equal(losslessType(["bf16", "bf16"]), "bf16");
    assert.equal(losslessType(["f16"]), "f16");
    assert.equal(losslessType(["f16", "bf16"]), "f32");
    assert.equal(losslessType(["bf16", "f32"]), "f32");
  });

  void test("Llama 3.1 rope scaling: factors 1 at high frequency, 8 at low, smooth between", () => {
    const hp = readHyperparameters(
      {
        vocab_size: 128256,
        hidden_size: 4096,
        intermediate_size: 14336,
        num_hidden_layers: 32,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        max_position_embeddings: 131072,
        rope_theta: 500000,
        rope_scaling: { rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
      },
      "config.json",
    );
    const factors = llama3RopeFactors(hp)!;
    assert.equal(factors.length, 64);
    assert.equal(factors[0], 1);
    assert.equal(factors[63], 8);
    for (let index = 1; index < factors.length; index += 1) assert.ok(factors[index]! >= factors[index - 1]!);
    assert.ok(factors.some((factor) => factor > 1 && factor < 8), "a smooth band exists");
  });

  void test("transformers 5 rope_parameters and transformers 4 rope_theta read the same", () => {
    const base = { vocab_size: 8, hidden_size: 8, intermediate_size: 8, num_hidden_layers: 1, num_attention_heads: 2 };
    const v5 = readHyperparameters({ ...base, rope_parameters: { rope_type: "default", rope_theta: 1e6 } }, "c");
    const v4 = readHyperparameters({ ...base, rope_theta: 1e6 }, "c");
    assert.equal(v5.ropeTheta, 1e6);
    assert.deepEqual(v5, v4);
    assert.throws(() => readHyperparameters({ ...base, rope_scaling: { type: "dynamic", factor: 2 } }, "c"), /rope type "dynamic"/);
  });
});
