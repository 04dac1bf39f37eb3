/**
 * Export -> llama.cpp equivalence on tiny random models of every family: the GGUF loads in node-llama-cpp,
 * tokenizes like the HF tokenizer, and gives the same next-token distributions and greedy text as the HF
 * model under transformers. A negative control shows the comparison is sharp: undoing the Q/K
 * re-interleave in a llama export must break it.
 *
 * llama.cpp contexts here use f32 KV cache and no flash attention: both default to f16 arithmetic, which
 * alone moves log-probs by ~7e-3 and would hide export errors of that size.
 */
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { getLlama, type Llama, type LlamaModel, type Token } from "node-llama-cpp";
import { hfReference, type HfReferenceResult } from "../testing/hfReference.ts";
import { TINY_FAMILIES, tinyGgufModel, tinyHfModel, type TinyFamily } from "../testing/tinyModels.ts";
import { permutedRowSource } from "./architectures.ts";
import { exportGguf } from "./export.ts";
import { metadataNumber, readGguf, readTensorBytes, type GgufFile } from "./reader.ts";
import { writeGguf } from "./writer.ts";

const PROMPTS = [
  "Step 1: Tom has 3 apples and buys 4 more, so",
  "Question: What is 12 * 7? Answer:",
  "The quick brown fox jumps over the lazy dog",
];
const TOKENIZE_ONLY = ["  two  spaces\nand a newline", "x = \\frac{1}{2} + \\sqrt{9}", "<|bos|>user\nhi<|eos|>", "ünïcödé 123456"];
const GREEDY_TOKENS = 8;
/** Max |log p| difference allowed per export type (observed on this machine: f32 5e-6, f16 1.2e-2, bf16 7.5e-2). */
const TOLERANCE = { auto: 1e-3, f16: 5e-2, bf16: 2.5e-1 } as const;

function logSoftmax(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  let sum = 0;
  for (const value of logits) sum += Math.exp(value - max);
  const logSum = max + Math.log(sum);
  return logits.map((value) => value - logSum);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let index = 1; index < values.length; index += 1) if (values[index]! > values[best]!) best = index;
  return best;
}

function exactContext(model: LlamaModel) {
  return model.createContext({
    contextSize: 256,
    threads: 1,
    flashAttention: false,
    experimentalKvCacheKeyType: "F32",
    experimentalKvCacheValueType: "F32",
  });
}

/** llama.cpp's next-token log-probs after each of `ids`, teacher-forced. */
async function llamaLogProbs(model: LlamaModel, ids: number[]): Promise<Float64Array[]> {
  const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  const context = await exactContext(model);
  try {
    const outputs = await context.getSequence().controlledEvaluate(ids.map((id) => [id as Token, { generateNext: { logits: true } }]));
    return outputs.map((output, position) => {
      const logits = output?.next.logits;
      assert.ok(logits, `no logits at position ${position}`);
      const dense = new Float64Array(vocabSize);
      for (const [token, logit] of logits) dense[token] = logit;
      return logSoftmax(dense);
    });
  } finally {
    await context.dispose();
  }
}

/** Largest |log p difference| over all positions and tokens, and how many positions disagree on top-1. */
async function compare(model: LlamaModel, references: HfReferenceResult[]): Promise<{ worst: number; top1Mismatches: number }> {
  let worst = 0;
  let top1Mismatches = 0;
  for (const reference of references) {
    const ours = await llamaLogProbs(model, reference.ids);
    reference.logProbs.forEach((expected, position) => {
      const actual = ours[position]!;
      if (argmax(actual) !== argmax(expected)) top1Mismatches += 1;
      for (let token = 0; token < expected.length; token += 1) {
        worst = Math.max(worst, Math.abs(actual[token]! - expected[token]!));
      }
    });
  }
  return { worst, top1Mismatches };
}

async function llamaGreedy(model: LlamaModel, ids: number[], count: number): Promise<number[]> {
  const context = await exactContext(model);
  try {
    const generated: number[] = [];
    for await (const token of context.getSequence().evaluate(ids as Token[], { temperature: 0 })) {
      generated.push(token);
      if (generated.length >= count) break;
    }
    return generated;
  } finally {
    await context.dispose();
  }
}

let llama: Llama;
let scratch: string;
/** The tiny llama with Llama 3.x rope scaling; a short original context makes the scaling bite at short prompts. */
let llama3RopeDir: string;
let llama3RopeReferences: HfReferenceResult[];
const hfDirs = new Map<TinyFamily, string>();
const references = new Map<TinyFamily, HfReferenceResult[]>();
const tokenizeReferences = new Map<TinyFamily, HfReferenceResult[]>();

before(async () => {
  llama = await getLlama({ gpu: false });
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-gguf-equivalence-"));
  for (const family of TINY_FAMILIES) hfDirs.set(family, await tinyHfModel(family));
  llama3RopeDir = path.join(scratch, "llama3-rope");
  await cp(hfDirs.get("llama")!, llama3RopeDir, { recursive: true });
  const configPath = path.join(llama3RopeDir, "config.json");
  const config = JSON.parse(await readFile(configPath, "utf8")) as Record<string, unknown>;
  config.rope_parameters = {
    rope_type: "llama3",
    rope_theta: 10000,
    factor: 8,
    low_freq_factor: 1,
    high_freq_factor: 4,
    original_max_position_embeddings: 16,
  };
  await writeFile(configPath, JSON.stringify(config));
  // One Python process for every reference (torch imports once).
  const results = await hfReference([
    ...TINY_FAMILIES.flatMap((family) => [
      { modelDir: hfDirs.get(family)!, texts: PROMPTS, greedyTokens: GREEDY_TOKENS },
      { modelDir: hfDirs.get(family)!, texts: TOKENIZE_ONLY, greedyTokens: 0 },
    ]),
    { modelDir: llama3RopeDir, texts: PROMPTS, greedyTokens: 0 },
  ]);
  TINY_FAMILIES.forEach((family, index) => {
    references.set(family, results[2 * index]!);
    tokenizeReferences.set(family, results[2 * index + 1]!);
  });
  llama3RopeReferences = results[results.length - 1]!;
});

after(async () => {
  await llama?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

/** Rewrites a GGUF with some tensors changed or dropped (for negative controls). */
async function rewrite(
  source: GgufFile,
  out: string,
  change: (name: string, bytes: Uint8Array, shape: number[]) => Uint8Array | undefined,
): Promise<string> {
  const kept = [];
  for (const info of source.tensors) {
    const bytes = change(info.name, await readTensorBytes(source, info), info.shape);
    if (bytes === undefined) continue;
    kept.push({
      name: info.name,
      shape: info.shape,
      ggmlType: info.ggmlType,
      byteLength: bytes.length,
      chunks: async function* () {
        yield bytes;
      },
    });
  }
  await writeGguf(out, source.metadata, kept);
  return out;
}

for (const family of TINY_FAMILIES) {
  void describe(`${family}: exported GGUF matches the HF model`, () => {
    let model: LlamaModel;
    before(async () => {
      model = await llama.loadModel({ modelPath: await tinyGgufModel(family) });
    });
    after(async () => {
      await model?.dispose();
    });

    void test("tokenizes like the HF tokenizer", () => {
      const expected = [...references.get(family)!, ...tokenizeReferences.get(family)!].map((result) => result.ids);
      const actual = [...PROMPTS, ...TOKENIZE_ONLY].map((text) => Array.from(model.tokenize(text, true)));
      assert.deepEqual(actual, expected);
    });

    void test("f32 (default) export: same top-1 and log-probs at every position", async () => {
      const { worst, top1Mismatches } = await compare(model, references.get(family)!);
      console.log(`# ${family} auto(f32): max |log p diff| ${worst.toExponential(2)}, top-1 mismatches ${top1Mismatches}`);
      assert.equal(top1Mismatches, 0);
      assert.ok(worst < TOLERANCE.auto, `max log-prob difference ${worst}`);
    });

    void test("greedy continuation equals the HF model's", async () => {
      for (const reference of references.get(family)!) {
        assert.deepEqual(await llamaGreedy(model, reference.ids, GREEDY_TOKENS), reference.greedy);
      }
    });

    for (const type of ["f16", "bf16"] as const) {
      void test(`${type} export stays within ${TOLERANCE[type]} of the HF log-probs`, async () => {
        const rounded = await llama.loadModel({ modelPath: await tinyGgufModel(family, { type }) });
        try {
          const { worst, top1Mismatches } = await compare(rounded, references.get(family)!);
          console.log(`# ${family} ${type}: max |log p diff| ${worst.toExponential(2)}, top-1 mismatches ${top1Mismatches}`);
          assert.ok(worst < TOLERANCE[type], `max log-prob difference ${worst}`);
        } finally {
          await rounded.dispose();
        }
      });
    }
  });
}

void describe("Llama 3.x rope scaling (rope_freqs tensor)", () => {
  void test("matches HF, and dropping rope_freqs breaks it", async () => {
    const out = path.join(scratch, "llama3-rope.gguf");
    await exportGguf(llama3RopeDir, out);
    const file = await readGguf(out);
    assert.ok(file.tensors.some((tensor) => tensor.name === "rope_freqs.weight"));
    const model = await llama.loadModel({ modelPath: out });
    try {
      const { worst, top1Mismatches } = await compare(model, llama3RopeReferences);
      console.log(`# llama3 rope: max |log p diff| ${worst.toExponential(2)}, top-1 mismatches ${top1Mismatches}`);
      assert.equal(top1Mismatches, 0);
      assert.ok(worst < TOLERANCE.auto, `max log-prob difference ${worst}`);
    } finally {
      await model.dispose();
    }
    const withoutFactors = await rewrite(file, path.join(scratch, "no-rope-freqs.gguf"), (name, bytes) =>
      name === "rope_freqs.weight" ? undefined : bytes,
    );
    const unscaled = await llama.loadModel({ modelPath: withoutFactors });
    try {
      const { worst } = await compare(unscaled, llama3RopeReferences);
      assert.ok(worst > 100 * TOLERANCE.auto, `without rope_freqs the difference should be large, got ${worst}`);
    } finally {
      await unscaled.dispose();
    }
  });
});

void describe("negative control", () => {
  void test("a llama export without the Q/K re-interleave diverges from HF", async () => {
    const source = await readGguf(await tinyGgufModel("llama"));
    const headDim = metadataNumber(source, "llama.attention.key_length")!;
    // Inverse of the exporter's permutation: put row permutedRowSource(r) back where HF had it.
    const broken = await rewrite(source, path.join(scratch, "unpermuted.gguf"), (name, bytes, shape) => {
      if (!/attn_[qk]\.weight$/.test(name)) return bytes;
      const rowBytes = bytes.length / shape[0]!;
      const restored = new Uint8Array(bytes.length);
      for (let row = 0; row < shape[0]!; row += 1) {
        restored.set(bytes.subarray(row * rowBytes, (row + 1) * rowBytes), permutedRowSource(row, headDim) * rowBytes);
      }
      return restored;
    });
    const model = await llama.loadModel({ modelPath: broken });
    try {
      const { worst, top1Mismatches } = await compare(model, references.get("llama")!);
      console.log(`# llama without re-interleave: max |log p diff| ${worst.toExponential(2)}, top-1 mismatches ${top1Mismatches}`);
      assert.ok(worst > 100 * TOLERANCE.auto, `expected a large difference, got ${worst}`);
      assert.ok(top1Mismatches > 0);
    } finally {
      await model.dispose();
    }
  });
});
