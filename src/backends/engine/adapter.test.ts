/**
 * The engine backend's `adapter` option: the engine loads a PEFT LoRA adapter over the model (`--adapter`),
 * says so in its hello, and scores differently from the model alone (a real spawned engine on the tiny
 * llama; the adapter is written by PEFT with random B matrices so that it changes the model).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import { tinyHfModel } from "../../testing/tinyModels.ts";
import { createEngineBackend, type EngineBackend } from "./index.ts";

const SCRIPT = `
import sys, torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM
model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32, local_files_only=True)
torch.manual_seed(1)
peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
with torch.no_grad():
    for name, parameter in peft_model.named_parameters():
        if "lora_B" in name:
            parameter.normal_(0.0, 0.2)
peft_model.save_pretrained(sys.argv[2])
`;

let scratch: string;
let plain: EngineBackend;
let adapted: EngineBackend;
let adapterDir: string;

before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-engine-adapter-"));
  const model = await tinyHfModel("llama");
  adapterDir = path.join(scratch, "adapter");
  await promisify(execFile)(enginePython, ["-c", SCRIPT, model, adapterDir], { cwd: projectRoot });
  const common = { python: enginePython, model, cwd: projectRoot, env: { ...process.env, OMP_NUM_THREADS: "1" } };
  [plain, adapted] = await Promise.all([createEngineBackend(common), createEngineBackend({ ...common, adapter: adapterDir })]);
});
after(async () => {
  await plain?.close();
  await adapted?.close();
  await rm(scratch, { recursive: true, force: true });
});

test("the engine loads the adapter, names it in its hello, and its scores move", async () => {
  assert.equal(adapted.info.model.adapter?.path, adapterDir);
  assert.equal(adapted.info.model.adapter?.base_identity, plain.modelId);
  assert.notEqual(adapted.modelId, plain.modelId);
  assert.equal(plain.info.model.adapter, null);
  const request = { prompt: "Question: What is 12 * 7? Answer:", continuation: " 84", topK: 0 };
  const [before] = await plain.score([request]);
  const [after] = await adapted.score([request]);
  assert.ok(Math.abs(before!.tokens[0]!.logprob - after!.tokens[0]!.logprob) > 1e-3);
});
