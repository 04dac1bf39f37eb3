/**
 * compareModels end to end on tiny GGUFs: the logits it streams sit at the right positions (checked against
 * the Hugging Face model, across chunk boundaries), a model compared with itself gives exactly zero, and
 * llama.cpp's quantization types rank as they must (Q8_0 < Q4_0 < Q2_K). The top-k path: with k covering
 * the vocabulary it equals the exact KL, with a small k it is a lower bound, and it compares backends of
 * different kinds (the engine's HF model against its GGUF export).
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createLlamaCppBackend, ModelCache, type LlamaCppBackend } from "../backends/llamacpp/index.ts";
import { loadProblems, selectSubset } from "../data/index.ts";
import { isQreasonError } from "../errors.ts";
import { quantizeGguf } from "../quantize/index.ts";
import { blockFriendlyGguf } from "../quantize/testModels.ts";
import { hfReference } from "../testing/hfReference.ts";
import { sharedDataDir } from "../testing/paths.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { tinyGgufModel, tinyHfModel } from "../testing/tinyModels.ts";
import { createEngineBackend } from "../backends/engine/index.ts";
import { compareModels, type PositionRecord } from "./compare.ts";
import { comparePosition } from "./math.ts";
import { baselineSolutions, type KldText } from "./texts.ts";

const open = (model: string, cache: ModelCache, kvCacheType?: "F16" | "Q8_0" | "Q4_0"): Promise<LlamaCppBackend> =>
  createLlamaCppBackend({ model, gpu: false, parallel: 1, contextSize: 512, threads: 1, cache, kvCacheType });

const TEXTS: KldText[] = [
  { id: "a", text: "Step 1: Tom has 3 apples and buys 4 more, so 3 + 4 = 7." },
  { id: "b", prompt: "Question: What is 12 * 7?", continuation: " Answer: 84. The answer is \\boxed{84}." },
];

describe("compareModels", () => {
  const cache = new ModelCache();
  let dir = "";
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "qreason-kld-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("streams each position's logits where the HF model has them, across chunk boundaries", async () => {
    const [gguf, hfDir] = await Promise.all([tinyGgufModel("llama"), tinyHfModel("llama")]);
    const text = "Step 1: Tom has 3 apples and buys 4 more, so 3 + 4 = 7.";
    const reference = (await hfReference([{ modelDir: hfDir, texts: [text], greedyTokens: 0 }]))[0]![0];
    const backend = await open(gguf, cache);
    try {
      const tokens = backend.tokenizePrompt(text);
      assert.deepEqual(tokens, reference!.ids, "same tokens as HF (precondition)");
      const seen: number[] = [];
      for await (const chunk of backend.logitChunks(tokens, { firstPosition: 2, chunkSize: 5 })) {
        for (const { position, logits } of chunk) {
          seen.push(position);
          const drift = comparePosition(reference!.logProbs[position]!, logits).kld;
          assert.ok(drift < 1e-5, `position ${position}: KL(HF‖llama.cpp) = ${drift}`);
        }
      }
      assert.deepEqual(seen, Array.from({ length: tokens.length - 2 }, (_, index) => index + 2));
    } finally {
      await backend.close();
    }
  });

  describe("on a base model and its llama.cpp quantizations", () => {
    let base: LlamaCppBackend;
    let model = "";
    before(async () => {
      model = await blockFriendlyGguf();
      base = await open(model, cache);
    });
    after(async () => {
      await base.close();
    });

    it("is exactly zero for the model against itself (negative control), streaming every position", async () => {
      const twin = await open(model, cache);
      const records: PositionRecord[] = [];
      try {
        const summary = await compareModels({ base, variant: twin, texts: TEXTS, chunkSize: 7, onPosition: (record) => void records.push(record) });
        assert.equal(summary.kld.max, 0);
        assert.equal(summary.sameTopPercent, 100);
        assert.equal(summary.texts, 2);
        assert.equal(records.length, summary.positions);
        // Text "b" compares only its continuation: its records start at index 0 and are its own tokens.
        const continuation = base.tokenizeContinuation(" Answer: 84. The answer is \\boxed{84}.");
        const bRecords = records.filter((record) => record.textId === "b");
        assert.equal(bRecords.length, continuation.length);
        assert.deepEqual(bRecords.map((record) => record.index), continuation.map((_, index) => index));
        assert.equal(bRecords[0]!.token, base.model.detokenize([continuation[0]!], true));
      } finally {
        await twin.close();
      }
    });

    it("over the top-k: equals the exact KL when k covers the vocabulary, is a lower bound below that", async () => {
      const out = path.join(dir, "topk-Q4_0.gguf");
      await quantizeGguf({ model, type: "Q4_0", out, threads: 1 });
      const variant = await open(out, cache);
      try {
        const exact = await compareModels({ base, variant, texts: TEXTS });
        assert.equal(exact.mode, "exact");
        const whole = await compareModels({ base, variant, texts: TEXTS, mode: "top-k", topK: 512 });
        assert.equal(whole.mode, "top-k");
        assert.equal(whole.positions, exact.positions);
        assert.ok(Math.abs(whole.kld.mean - exact.kld.mean) < 1e-4 * Math.max(1, exact.kld.mean), `${whole.kld.mean} vs ${exact.kld.mean}`);
        assert.equal(whole.sameTopPercent, exact.sameTopPercent);
        const few = await compareModels({ base, variant, texts: TEXTS, mode: "top-k", topK: 3 });
        assert.ok(few.kld.mean > 0 && few.kld.mean <= exact.kld.mean + 1e-9, `${few.kld.mean} <= ${exact.kld.mean}`);
        assert.ok(Math.abs(few.deltaP.rms - exact.deltaP.rms) < 1e-4, "Δp is exact either way");
      } finally {
        await variant.close();
      }
    });

    it("ranks Q8_0 < Q4_0 < Q2_K by mean KL divergence, and a Q4_0 KV cache above zero", async () => {
      const means: Record<string, number> = {};
      const sameTop: Record<string, number> = {};
      for (const type of ["Q8_0", "Q4_0", "Q2_K"]) {
        const out = path.join(dir, `${type}.gguf`);
        await quantizeGguf({ model, type, out, threads: 1 });
        const variant = await open(out, cache);
        try {
          const summary = await compareModels({ base, variant, texts: TEXTS });
          means[type] = summary.kld.mean;
          sameTop[type] = summary.sameTopPercent;
          assert.ok(summary.kld.p50 <= summary.kld.p90 && summary.kld.p90 <= summary.kld.p99 && summary.kld.p99 <= summary.kld.max);
        } finally {
          await variant.close();
        }
      }
      assert.ok(means.Q8_0! > 0 && means.Q8_0! < means.Q4_0! && means.Q4_0! < means.Q2_K!, JSON.stringify(means));
      assert.ok(sameTop.Q8_0! >= sameTop.Q2_K!, JSON.stringify(sameTop));
      const kvVariant = await open(model, cache, "Q4_0");
      try {
        const summary = await compareModels({ base, variant: kvVariant, texts: TEXTS });
        assert.ok(summary.kld.mean > 0);
      } finally {
        await kvVariant.close();
      }
    });

    it("teacher-forces on the baseline's own greedy solutions to benchmark questions", async () => {
      const problems = selectSubset(await loadProblems("gsm8k", { dataDir: sharedDataDir, split: "test" }), { size: 2, seed: 0 });
      const { texts, empty } = await baselineSolutions(base, problems, { maxTokens: 12, chat: true });
      assert.equal(texts.length + empty.length, 2);
      for (const text of texts) {
        assert.ok("prompt" in text && Array.isArray(text.prompt), "a chat prompt (the model has a template)");
        const [again] = await base.generateWithTokens([
          { prompt: text.prompt, sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 12, seed: 0, stop: [] } },
        ]);
        assert.equal(text.continuation, again!.text);
        assert.deepEqual(text.continuationTokens, again!.tokens, "the generated ids, not a re-tokenization");
      }
      const twin = await open(model, cache);
      try {
        const counts = new Map<string, number>();
        const summary = await compareModels({
          base,
          variant: twin,
          texts,
          onPosition: (record) => void counts.set(record.textId, (counts.get(record.textId) ?? 0) + 1),
        });
        assert.equal(summary.kld.max, 0);
        for (const text of texts) assert.equal(counts.get(text.id), "prompt" in text ? text.continuationTokens?.length : -1);
      } finally {
        await twin.close();
      }
    });
  });

  it("compares backends of different kinds over the top-k: the engine's HF model and its own GGUF export agree", async () => {
    const [gguf, hfDir] = await Promise.all([tinyGgufModel("llama"), tinyHfModel("llama")]);
    const llama = await open(gguf, cache);
    const engine = await createEngineBackend({ python: enginePython, model: hfDir, cwd: projectRoot, dtype: "fp32", device: "cpu" });
    try {
      const summary = await compareModels({ base: engine, variant: llama, texts: TEXTS, topK: 8 });
      assert.equal(summary.mode, "top-k");
      assert.ok(summary.positions > 10);
      assert.ok(summary.kld.max < 1e-3, `same weights, F32 both: KL ${summary.kld.max}`);
      assert.equal(summary.sameTopPercent, 100);
      await assert.rejects(compareModels({ base: engine, variant: llama, texts: TEXTS, mode: "exact" }), /exact KL needs full next-token distributions/);
    } finally {
      await engine.close();
      await llama.close();
    }
  });

  it("refuses models whose tokenizers split the text differently", async () => {
    const [llamaGguf, qwenGguf] = await Promise.all([tinyGgufModel("llama"), tinyGgufModel("qwen2")]);
    const llama = await open(llamaGguf, cache);
    const qwen = await open(qwenGguf, cache);
    try {
      await assert.rejects(
        compareModels({ base: llama, variant: qwen, texts: [{ id: "digits", text: "12 * 7 = 84" }] }),
        (error) => isQreasonError(error) && error.code === "E_INPUT" && /tokenize text 'digits' differently/.test(error.message),
      );
      await assert.rejects(compareModels({ base: llama, variant: llama, texts: TEXTS }), /two backends/);
    } finally {
      await llama.close();
      await qwen.close();
    }
  });
});
