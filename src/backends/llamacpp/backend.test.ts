/**
 * The llamacpp backend against an independent truth: the Hugging Face model the GGUF was exported from
 * (log-probs, margins, greedy text, chat rendering), plus determinism, stop strings, KV-cache types, model
 * sharing and bad inputs. Models are tiny (exported by qreason's own exporter), runs are single-threaded.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { isQreasonError } from "../../errors.ts";
import { hfReference, type HfReferenceResult } from "../../testing/hfReference.ts";
import { enginePython, projectRoot } from "../../testing/paths.ts";
import { blockFriendlyGguf } from "../../quantize/testModels.ts";
import { tinyGgufModel, tinyHfModel } from "../../testing/tinyModels.ts";
import type { SamplingParams } from "../types.ts";
import { createLlamaCppBackend, type LlamaCppBackend } from "./backend.ts";
import { ModelCache } from "./modelCache.ts";

const greedy = (maxTokens: number, stop: string[] = []): SamplingParams => ({
  temperature: 0,
  topP: 1,
  topK: 0,
  maxTokens,
  seed: 0,
  stop,
});
const sampled = (seed: number, maxTokens = 16): SamplingParams => ({ temperature: 1, topP: 1, topK: 0, maxTokens, seed, stop: [] });

/** llama.cpp's F32 kernels and torch's agree to about 1e-3 in log space on these models. */
const TOLERANCE = 5e-3;

const PROMPTS = ["Step 1: Tom has 3 apples", "Question: What is 12 * 7?"];

describe("llamacpp backend", () => {
  let gguf = "";
  let hfDir = "";
  let backend: LlamaCppBackend;
  let cache: ModelCache;

  before(async () => {
    [gguf, hfDir] = await Promise.all([tinyGgufModel("llama"), tinyHfModel("llama")]);
    cache = new ModelCache();
    backend = await createLlamaCppBackend({ model: gguf, gpu: false, parallel: 2, contextSize: 256, threads: 1, cache });
  });
  after(async () => {
    await backend.close();
  });

  describe("against the Hugging Face model it was exported from", () => {
    let reference: HfReferenceResult[];
    before(async () => {
      [reference] = (await hfReference([{ modelDir: hfDir, texts: PROMPTS.map((prompt) => `${prompt} and buys 4 more`), greedyTokens: 12 }])) as [
        HfReferenceResult[],
      ];
      // Greedy continuations of the prompts alone, for the generation test.
      const [plain] = await hfReference([{ modelDir: hfDir, texts: PROMPTS, greedyTokens: 12 }]);
      reference.push(...plain!);
    });

    it("scores each continuation token with HF's log-prob, margin and top alternatives", async () => {
      const results = await backend.score(PROMPTS.map((prompt) => ({ prompt, continuation: " and buys 4 more", topK: 3 })));
      results.forEach((result, index) => {
        const hf = reference[index]!;
        const promptIds = backend.tokenizePrompt(PROMPTS[index]!);
        const continuationIds = backend.tokenizeContinuation(" and buys 4 more");
        assert.deepEqual([...promptIds, ...continuationIds], hf.ids, "same tokens as HF (precondition)");
        assert.equal(result.promptTokens, promptIds.length);
        result.tokens.forEach((scored, offset) => {
          const row = hf.logProbs[promptIds.length - 1 + offset]!;
          const target = continuationIds[offset]!;
          assert.ok(Math.abs(scored.logprob - row[target]!) < TOLERANCE, `logprob at ${offset}: ${scored.logprob} vs ${row[target]}`);
          const order = row.map((value, token) => [token, value] as const).sort((a, b) => b[1] - a[1]);
          assert.ok(Math.abs(scored.margin - (order[0]![1] - order[1]![1])) < TOLERANCE, `margin at ${offset}`);
          assert.deepEqual(
            scored.top.map((alternative) => alternative.token),
            order.slice(0, 3).map(([token]) => backend.model.detokenize([token as never], true)),
          );
          assert.equal(scored.token, backend.model.detokenize([target as never], true));
        });
      });
    });

    it("generates HF's greedy continuation, alone and batched", async () => {
      const expected = PROMPTS.map((_, index) => backend.model.detokenize(reference[PROMPTS.length + index]!.greedy as never[], false));
      const batched = await backend.generate(PROMPTS.map((prompt) => ({ prompt, sampling: greedy(12) })));
      const alone = [];
      for (const prompt of PROMPTS) alone.push(...(await backend.generate([{ prompt, sampling: greedy(12) }])));
      assert.deepEqual(batched.map((result) => result.text), expected);
      assert.deepEqual(alone.map((result) => result.text), expected);
      for (const result of batched) {
        assert.equal(result.finishReason, "length");
        assert.equal(result.completionTokens, 12);
      }
    });

    it("renders chat messages exactly as transformers' apply_chat_template", async () => {
      const messages = [
        { role: "system" as const, content: "You solve math problems." },
        { role: "user" as const, content: "What is 2 + 2?" },
      ];
      const script =
        "import json,sys\nfrom transformers import AutoTokenizer\n" +
        "t=AutoTokenizer.from_pretrained(sys.argv[1])\n" +
        "print(json.dumps(t.apply_chat_template(json.loads(sys.argv[2]),add_generation_prompt=True,tokenize=False)))";
      const { stdout } = await promisify(execFile)(enginePython, ["-c", script, hfDir, JSON.stringify(messages)], {
        cwd: projectRoot,
        timeout: 120_000,
      });
      const rendered = backend.renderChat(messages);
      assert.equal(rendered, JSON.parse(stdout) as string);
      const [result] = await backend.generate([{ prompt: messages, sampling: greedy(4) }]);
      assert.equal(result!.promptTokens, backend.model.tokenize(rendered, true).length);
    });
  });

  it("samples deterministically per seed, whatever shares the batch", async () => {
    const first = await backend.generate([7, 7, 8].map((seed) => ({ prompt: PROMPTS[0]!, sampling: sampled(seed) })));
    const again = await backend.generate([{ prompt: PROMPTS[0]!, sampling: sampled(7) }]);
    assert.equal(first[0]!.text, first[1]!.text);
    assert.equal(again[0]!.text, first[0]!.text);
    const others = await backend.generate([9, 10, 11].map((seed) => ({ prompt: PROMPTS[0]!, sampling: sampled(seed) })));
    const texts = new Set([first[0]!.text, first[2]!.text, ...others.map((result) => result.text)]);
    assert.ok(texts.size >= 4, `different seeds should give different samples: ${[...texts].join(" | ")}`);
  });

  it("stops at the earliest stop string and cuts it off", async () => {
    const [full] = await backend.generate([{ prompt: PROMPTS[1]!, sampling: greedy(40) }]);
    const text = full!.text;
    assert.ok(text.length > 12, "needs a long enough greedy text");
    const stop = text.slice(8, 11);
    const cut = text.indexOf(stop);
    const [stopped] = await backend.generate([{ prompt: PROMPTS[1]!, sampling: greedy(40, ["never-in-output-\u2603", stop]) }]);
    assert.equal(stopped!.finishReason, "stop");
    assert.equal(stopped!.text, text.slice(0, cut));
    assert.ok(stopped!.completionTokens < full!.completionTokens);
  });

  it("reports a prompt that does not fit the context as a warning, not a crash", async () => {
    const [result] = await backend.generate([{ prompt: "apples ".repeat(400), sampling: greedy(4) }]);
    assert.equal(result!.finishReason, "length");
    assert.equal(result!.completionTokens, 0);
    assert.match(result!.warnings[0]!, /does not fit the context/);
  });

  it("rejects an empty continuation and a cancelled request", async () => {
    await assert.rejects(backend.score([{ prompt: "a", continuation: "", topK: 1 }]), (error) => isQreasonError(error) && error.code === "E_INPUT");
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(backend.generate([{ prompt: "a", sampling: greedy(4) }], controller.signal), /cancelled/);
  });

  describe("KV-cache types and model sharing", () => {
    it("Q8_0 and Q4_0 caches change scores, Q4_0 more than Q8_0, while sharing the loaded weights", async () => {
      // Quantized caches need heads of a multiple of 32 values: the block-friendly model has 64.
      const wide = await blockFriendlyGguf();
      const wideCache = new ModelCache();
      const base = await createLlamaCppBackend({ model: wide, gpu: false, parallel: 1, contextSize: 256, threads: 1, cache: wideCache });
      const request = [{ prompt: PROMPTS[0]!, continuation: " and buys 4 more. Then he gives 2 away, so he has 5.", topK: 1 }];
      const reference = (await base.score(request))[0]!.tokens.map((token) => token.logprob);
      const meanDifference: Record<string, number> = {};
      for (const kvCacheType of ["Q8_0", "Q4_0"] as const) {
        const variant = await createLlamaCppBackend({ model: wide, gpu: false, parallel: 1, contextSize: 256, threads: 1, kvCacheType, cache: wideCache });
        try {
          assert.equal(wideCache.size, 1, "one loaded model for both backends");
          assert.match(variant.modelId, new RegExp(`kv=${kvCacheType}`));
          const scores = (await variant.score(request))[0]!.tokens.map((token) => token.logprob);
          meanDifference[kvCacheType] = scores.reduce((sum, value, index) => sum + Math.abs(value - reference[index]!), 0) / scores.length;
        } finally {
          await variant.close();
        }
      }
      assert.ok(meanDifference.Q8_0! > 0, "a Q8_0 cache is not F16");
      assert.ok(meanDifference.Q4_0! > meanDifference.Q8_0!, JSON.stringify(meanDifference));
      assert.equal(wideCache.size, 1, "closing the variants keeps the model the base backend still uses");
      await base.close();
      assert.equal(wideCache.size, 0);
    });

    it("refuses a quantized KV cache for heads that 32 does not divide", async () => {
      await assert.rejects(
        createLlamaCppBackend({ model: gguf, gpu: false, parallel: 1, contextSize: 64, threads: 1, kvCacheType: "Q8_0", cache }),
        (error) => isQreasonError(error) && error.code === "E_USAGE" && /heads hold 16/.test(error.message),
      );
      assert.equal(cache.size, 1, "the failed backend released its lease");
    });

    it("releases the model when the last backend closes", async () => {
      const ownCache = new ModelCache();
      const first = await createLlamaCppBackend({ model: gguf, gpu: false, parallel: 1, contextSize: 64, threads: 1, cache: ownCache });
      const second = await createLlamaCppBackend({ model: gguf, gpu: false, parallel: 1, contextSize: 64, threads: 1, cache: ownCache });
      assert.equal(ownCache.size, 1);
      await first.close();
      assert.equal(ownCache.size, 1);
      assert.equal((await second.generate([{ prompt: "a", sampling: greedy(2) }])).length, 1);
      await second.close();
      assert.equal(ownCache.size, 0);
      await assert.rejects(second.generate([{ prompt: "a", sampling: greedy(2) }]), /closed/);
    });
  });

  it("is reachable through the backend registry", async () => {
    const { backends } = await import("../index.ts");
    const fromRegistry = await backends.llamacpp.create({ model: gguf, gpu: false, parallel: 1, contextSize: 64, threads: 1, cache });
    try {
      assert.equal(fromRegistry.kind, "llamacpp");
      assert.match(fromRegistry.version, /^llama\.cpp v0\.5\.0/);
      assert.equal((await fromRegistry.generate([{ prompt: "a", sampling: greedy(2) }]))[0]!.completionTokens, 2);
    } finally {
      await fromRegistry.close();
    }
  });

  describe("bad models", () => {
    let dir = "";
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "qreason-llamacpp-"));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("a missing file or a file that is not a GGUF is named in the error", async () => {
      await assert.rejects(
        createLlamaCppBackend({ model: path.join(dir, "absent.gguf"), gpu: false }),
        (error) => isQreasonError(error) && error.code === "E_NOT_FOUND",
      );
      const text = path.join(dir, "readme.gguf");
      await writeFile(text, "not a model");
      await assert.rejects(
        createLlamaCppBackend({ model: text, gpu: false }),
        (error) => isQreasonError(error) && error.code === "E_INPUT" && error.location.file === text,
      );
    });

    it("a LoRA path that is missing, not a GGUF, or a model GGUF rather than an adapter is a clear error", async () => {
      const absent = path.join(dir, "absent-adapter.gguf");
      await assert.rejects(
        createLlamaCppBackend({ model: gguf, lora: absent, gpu: false }),
        (error) => isQreasonError(error) && error.code === "E_NOT_FOUND" && error.location.file === absent,
      );
      const text = path.join(dir, "adapter.txt");
      await writeFile(text, "not an adapter");
      await assert.rejects(
        createLlamaCppBackend({ model: gguf, lora: text, gpu: false }),
        (error) => isQreasonError(error) && error.code === "E_INPUT" && error.location.file === text && /bad magic/.test(error.message),
      );
      await assert.rejects(
        createLlamaCppBackend({ model: gguf, lora: gguf, gpu: false }),
        (error) => isQreasonError(error) && error.code === "E_INPUT" && error.location.field === "lora" && /not a llama\.cpp LoRA adapter/.test(error.message),
      );
    });
  });
});
