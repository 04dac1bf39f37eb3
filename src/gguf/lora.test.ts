/**
 * PEFT LoRA adapter -> llama.cpp LoRA GGUF: node-llama-cpp loads it over the tiny llama's GGUF and then
 * gives the next-token distributions of the HF model with the same adapter under transformers/PEFT (so the
 * names, the factor layout, alpha and the q/k row permutation are right), which differ clearly from the
 * model's without it. The llamacpp backend's `lora` option takes the same file.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { createLlamaCppBackend } from "../backends/llamacpp/index.ts";
import { isQreasonError } from "../errors.ts";
import { runQreason } from "../testing/cli.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { tinyGgufModel, tinyHfModel } from "../testing/tinyModels.ts";
import { exportLoraGguf } from "./lora.ts";
import { metadataNumber, metadataString, readGguf } from "./reader.ts";

const execFileAsync = promisify(execFile);
const TEXT = "Step 1: Tom has 3 apples and buys 4 more, so";

/** Writes a random-B PEFT adapter over the HF model and prints HF log-probs without and with it. */
const SCRIPT = `
import json, sys, torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer
torch.set_num_threads(1)
model_dir, out_dir, text, use_rslora = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, local_files_only=True).eval()
ids = torch.tensor([tokenizer(text, add_special_tokens=False)["input_ids"]])
with torch.no_grad():
    base = torch.log_softmax(model(ids).logits[0].double(), -1)
torch.manual_seed(1)
targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=12, target_modules=targets, use_rslora=use_rslora))
with torch.no_grad():
    for name, parameter in peft_model.named_parameters():
        if "lora_B" in name:
            parameter.normal_(0.0, 0.05)
    adapted = torch.log_softmax(peft_model(ids).logits[0].double(), -1)
peft_model.save_pretrained(out_dir)
json.dump({"ids": ids[0].tolist(), "base": base.tolist(), "adapted": adapted.tolist()}, sys.stdout)
`;

interface Reference {
  ids: number[];
  base: number[][];
  adapted: number[][];
}

async function makeAdapter(modelDir: string, outDir: string, rslora = false): Promise<Reference> {
  const { stdout } = await execFileAsync(enginePython, ["-c", SCRIPT, modelDir, outDir, TEXT, rslora ? "1" : "0"], {
    cwd: projectRoot,
    env: { ...process.env, OMP_NUM_THREADS: "1", TRANSFORMERS_VERBOSITY: "error" },
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Reference;
}

async function llamaLogProbs(model: LlamaModel, ids: number[], lora?: string): Promise<number[][]> {
  const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  // f32 KV cache and no flash attention: f16 arithmetic alone moves log-probs by ~7e-3.
  const context = await model.createContext({
    contextSize: 128,
    threads: 1,
    flashAttention: false,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
    ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}),
  });
  try {
    const outputs = await context.getSequence().controlledEvaluate(ids.map((id) => [id as Token, { generateNext: { logits: true } }]));
    return outputs.map((output) => {
      const dense = new Float64Array(vocabSize);
      for (const [token, logit] of output!.next.logits!) dense[token] = logit;
      let max = -Infinity;
      for (const value of dense) max = Math.max(max, value);
      let sum = 0;
      for (const value of dense) sum += Math.exp(value - max);
      return Array.from(dense, (value) => value - max - Math.log(sum));
    });
  } finally {
    await context.dispose();
  }
}

function worstDifference(a: number[][], b: number[][]): number {
  let worst = 0;
  for (let position = 0; position < a.length; position += 1) {
    for (let token = 0; token < a[position]!.length; token += 1) {
      worst = Math.max(worst, Math.abs(a[position]![token]! - b[position]![token]!));
    }
  }
  return worst;
}

describe("LoRA adapter GGUF on the tiny llama", () => {
  let scratch: string;
  let llama: Llama;
  let model: LlamaModel;
  let gguf: string;
  let reference: Reference;
  let adapterGguf: string;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-lora-"));
    const hfDir = await tinyHfModel("llama");
    gguf = await tinyGgufModel("llama");
    reference = await makeAdapter(hfDir, path.join(scratch, "adapter"));
    adapterGguf = path.join(scratch, "adapter.gguf");
    await exportLoraGguf(path.join(scratch, "adapter"), gguf, adapterGguf);
    llama = await getLlama({ gpu: false });
    model = await llama.loadModel({ modelPath: gguf });
  });
  after(async () => {
    await model?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  test("the file is a llama.cpp LoRA adapter with llama.cpp tensor names", async () => {
    const file = await readGguf(adapterGguf);
    assert.equal(metadataString(file, "general.type"), "adapter");
    assert.equal(metadataString(file, "adapter.type"), "lora");
    assert.equal(metadataString(file, "general.architecture"), "llama");
    assert.equal(metadataNumber(file, "adapter.lora.alpha"), 12);
    const names = file.tensors.map((tensor) => tensor.name);
    assert.ok(names.includes("blk.0.attn_q.weight.lora_a") && names.includes("blk.1.ffn_down.weight.lora_b"));
    assert.equal(names.length, 2 * 7 * 2);
    const a = file.tensors.find((tensor) => tensor.name === "blk.0.attn_q.weight.lora_a")!;
    const b = file.tensors.find((tensor) => tensor.name === "blk.0.ffn_down.weight.lora_b")!;
    assert.deepEqual(a.shape, [4, 64]);
    assert.deepEqual(b.shape, [64, 4]);
  });

  test("llama.cpp with the adapter gives the HF+PEFT distributions, and they moved", async () => {
    const without = await llamaLogProbs(model, reference.ids);
    const withAdapter = await llamaLogProbs(model, reference.ids, adapterGguf);
    assert.ok(worstDifference(without, reference.base) < 1e-3, "base agreement (the export itself)");
    const moved = worstDifference(reference.base, reference.adapted);
    assert.ok(moved > 0.05, `the adapter must change the distributions (moved ${moved})`);
    const worst = worstDifference(withAdapter, reference.adapted);
    assert.ok(worst < 1e-3, `llama.cpp + adapter vs HF + adapter: max |Δ log p| ${worst}`);
  });

  test("rsLoRA's scaling is carried into alpha", async () => {
    const hfDir = await tinyHfModel("llama");
    const rsReference = await makeAdapter(hfDir, path.join(scratch, "rs"), true);
    const out = path.join(scratch, "rs.gguf");
    const result = await exportLoraGguf(path.join(scratch, "rs"), gguf, out);
    assert.equal(result.alpha, 12 * 2); // lora_alpha / sqrt(4) = alpha' / 4
    const worst = worstDifference(await llamaLogProbs(model, rsReference.ids, out), rsReference.adapted);
    assert.ok(worst < 1e-3, `max |Δ log p| ${worst}`);
  });

  test("the llamacpp backend takes the adapter and its outputs change", async () => {
    const plain = await createLlamaCppBackend({ model: gguf, gpu: false, parallel: 1, contextSize: 128 });
    const adapted = await createLlamaCppBackend({ model: gguf, gpu: false, parallel: 1, contextSize: 128, lora: adapterGguf });
    try {
      assert.notEqual(adapted.modelId, plain.modelId);
      assert.match(adapted.modelId, /;lora=/);
      const request = { prompt: TEXT, continuation: " 3 + 4 = 7.", topK: 0 };
      const [before] = await plain.score([request]);
      const [afterScore] = await adapted.score([request]);
      const total = (result: NonNullable<typeof before>): number => result.tokens.reduce((sum, token) => sum + token.logprob, 0);
      assert.ok(Math.abs(total(before!) - total(afterScore!)) > 0.01);
    } finally {
      await plain.close();
      await adapted.close();
    }
  });

  test("qreason gguf lora writes the same file and refuses to overwrite it", async () => {
    const out = path.join(scratch, "cli.gguf");
    const run = await runQreason(["gguf", "lora", path.join(scratch, "adapter"), out, "--base", gguf, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { rank: number }).rank, 4);
    assert.deepEqual(await readFile(out), await readFile(adapterGguf));
    const again = await runQreason(["gguf", "lora", path.join(scratch, "adapter"), out, "--base", gguf]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /E_USAGE.*exists; pass --force/);
  });

  test("a DoRA config, or factors of another rank, are refused naming the field", async () => {
    const bad = path.join(scratch, "bad");
    await cp(path.join(scratch, "adapter"), bad, { recursive: true });
    await writeFile(path.join(bad, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 4, lora_alpha: 8, use_dora: true }));
    await assert.rejects(exportLoraGguf(bad, gguf, path.join(scratch, "bad.gguf")), (error) => {
      assert.ok(isQreasonError(error));
      assert.equal(error.location.field, "use_dora");
      return true;
    });
    await writeFile(path.join(bad, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 8, lora_alpha: 8 }));
    await assert.rejects(exportLoraGguf(bad, gguf, path.join(scratch, "bad.gguf")), /not rank-8 LoRA factors/);
  });
});
