/** `qreason gguf export` end to end: the real CLI in a child process, its output, exit codes and errors. */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { runQreason } from "../testing/cli.ts";
import { tinyHfModel } from "../testing/tinyModels.ts";
import { metadataNumber, readGguf } from "./reader.ts";

const qreason = (args: string[]) => runQreason(args, { timeoutMs: 120_000 });

let scratch: string;
let modelDir: string;
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-gguf-cli-"));
  modelDir = await tinyHfModel("mistral");
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

void test("gguf export writes the file and reports what it wrote", async () => {
  const out = path.join(scratch, "mistral.gguf");
  const run = await qreason(["gguf", "export", modelDir, out, "--type", "f16"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^wrote .*mistral\.gguf \(.*, 21 tensors, /m);
  assert.match(run.stdout, /MistralForCausalLM -> llama, weights f16/);
  assert.match(run.stdout, /tokenizer gpt2 \(pre gpt-2\), 384 tokens, bos 0, eos 1, chat template yes/);
  assert.equal(metadataNumber(await readGguf(out), "general.file_type"), 1);

  const again = await qreason(["gguf", "export", modelDir, out]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /error\[E_USAGE\]: .*mistral\.gguf: output file exists; pass --force/);

  const json = await qreason(["gguf", "export", modelDir, out, "--force", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { type: string; ggufArchitecture: string };
  assert.equal(result.type, "f32");
  assert.equal(result.ggufArchitecture, "llama");
});

void test("gguf export errors: usage and input, without a stack trace", async () => {
  const badType = await qreason(["gguf", "export", modelDir, path.join(scratch, "x.gguf"), "--type", "q4_0"]);
  assert.equal(badType.code, 2);
  assert.match(badType.stderr, /--type must be one of auto, f32, f16, bf16, got 'q4_0'/);

  const notModel = await qreason(["gguf", "export", scratch, path.join(scratch, "x.gguf")]);
  assert.equal(notModel.code, 1);
  assert.match(notModel.stderr, /error\[E_NOT_FOUND\]: .*missing config\.json/);
  assert.doesNotMatch(notModel.stderr, /\n\s+at /, "no stack trace");
});
