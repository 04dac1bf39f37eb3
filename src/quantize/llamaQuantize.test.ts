/**
 * End to end through llama.cpp: every listed type quantizes a tiny Llama exported by qreason's own exporter,
 * the result loads and runs in the llamacpp backend, the manifest tells the truth about the file, and every
 * bad input ends in a QreasonError before C sees it.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createLlamaCppBackend } from "../backends/llamacpp/index.ts";
import { isQreasonError, type ErrorCode } from "../errors.ts";
import { metadataNumber, metadataString, readGguf, readTensorBytes, writeGguf } from "../gguf/index.ts";
import { tinyGgufModel } from "../testing/tinyModels.ts";
import { isQuantizedByLlamaCpp } from "./compatibility.ts";
import { encodeLegacyImatrix, writeGgufImatrix } from "./imatrix.ts";
import { quantizeGguf } from "./llamaQuantize.ts";
import { manifestPathFor } from "./manifest.ts";
import { blockFriendlyGguf } from "./testModels.ts";
import { QUANT_TYPES } from "./types.ts";

const sha256 = async (file: string): Promise<string> => createHash("sha256").update(await readFile(file)).digest("hex");

const rejectsWith = (code: ErrorCode, pattern: RegExp) => (error: unknown) =>
  isQreasonError(error) && error.code === code && pattern.test(error.describe());

/** An imatrix covering every quantized weight of `model`, with seeded positive values. */
async function syntheticImatrix(model: string, seed: number): Promise<Map<string, Float32Array>> {
  const file = await readGguf(model);
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const entries = new Map<string, Float32Array>();
  for (const tensor of file.tensors.filter(isQuantizedByLlamaCpp)) {
    if (tensor.name === "token_embd.weight" || tensor.name === "output.weight") continue;
    const row = tensor.shape[tensor.shape.length - 1]!;
    entries.set(tensor.name, Float32Array.from({ length: row }, () => 0.05 + 4 * next() ** 3));
  }
  return entries;
}

async function loadsAndRuns(gguf: string): Promise<void> {
  const backend = await createLlamaCppBackend({ model: gguf, gpu: false, parallel: 1, contextSize: 128, threads: 1 });
  try {
    const [generated] = await backend.generate([
      { prompt: "Step 1: Tom has 3 apples", sampling: { temperature: 0, topP: 1, topK: 0, maxTokens: 4, seed: 0, stop: [] } },
    ]);
    assert.ok(generated!.completionTokens > 0);
    const [scored] = await backend.score([{ prompt: "Step 1: Tom has", continuation: " 3 apples", topK: 2 }]);
    assert.ok(scored!.tokens.every((token) => Number.isFinite(token.logprob) && token.logprob <= 0));
  } finally {
    await backend.close();
  }
}

describe("quantizeGguf", () => {
  let dir = "";
  let model = "";
  let imatrixGguf = "";
  let imatrixDat = "";

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "qreason-quantize-"));
    model = await blockFriendlyGguf();
    const entries = await syntheticImatrix(model, 1);
    const imatrix = { entries, count: 64, chunkCount: 3, dataset: "synthetic" };
    imatrixGguf = path.join(dir, "imatrix.gguf");
    imatrixDat = path.join(dir, "imatrix.dat");
    await writeGgufImatrix(imatrixGguf, imatrix);
    await writeFile(imatrixDat, encodeLegacyImatrix(imatrix));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const type of QUANT_TYPES.filter((item) => item.imatrix === "optional")) {
    it(`${type.name}: quantizes, writes a truthful manifest, loads and runs`, async () => {
      const out = path.join(dir, `model-${type.name}.gguf`);
      const ticks: number[] = [];
      const result = await quantizeGguf({ model, type: type.name, out, threads: 1, onProgress: (p) => ticks.push(p.tensorsDone) });
      const { manifest } = result;
      assert.equal(manifest.type, type.name);
      assert.equal(manifest.ftype, type.ftype);
      assert.equal(manifest.source.sha256, await sha256(model));
      assert.equal(manifest.output.sha256, await sha256(out));
      assert.deepEqual(manifest.fallbacks, []);
      assert.ok(manifest.output.tensorTypes[type.baseType]! > 0, `${type.baseType} in ${JSON.stringify(manifest.output.tensorTypes)}`);
      // Mixes raise some tensors above the base type, never below it.
      assert.ok(manifest.output.quantizedBitsPerWeight >= type.baseBitsPerWeight - 1e-9);
      assert.ok(manifest.output.quantizedBitsPerWeight < type.baseBitsPerWeight + 3);
      assert.ok(manifest.output.bytes < manifest.source.bytes / 3);
      assert.equal(manifest.llamaCpp.release, "v0.5.0");
      assert.deepEqual(JSON.parse(await readFile(manifestPathFor(out), "utf8")), manifest);
      assert.equal(Math.max(...ticks), (await readGguf(model)).tensors.length, "progress reached every tensor");
      await loadsAndRuns(out);
    });
  }

  for (const type of QUANT_TYPES.filter((item) => item.imatrix === "required")) {
    it(`${type.name}: quantizes with an imatrix and records it in the GGUF and the manifest`, async () => {
      const out = path.join(dir, `model-${type.name}.gguf`);
      const { manifest } = await quantizeGguf({ model, type: type.name, out, imatrix: imatrixGguf, threads: 1 });
      assert.ok(manifest.output.tensorTypes[type.baseType]! > 0, JSON.stringify(manifest.output.tensorTypes));
      assert.equal(manifest.imatrix?.format, "gguf");
      assert.equal(manifest.imatrix?.sha256, await sha256(imatrixGguf));
      const written = await readGguf(out);
      assert.equal(metadataString(written, "quantize.imatrix.file"), "imatrix.gguf");
      assert.equal(metadataString(written, "quantize.imatrix.dataset"), "synthetic");
      assert.equal(metadataNumber(written, "quantize.imatrix.entries_count"), manifest.imatrix?.entries);
      await loadsAndRuns(out);
    });
  }

  it("pure: every quantized tensor in the type itself, where the default Q2_K mixture raises some", async () => {
    const mixed = await quantizeGguf({ model, type: "Q2_K", out: path.join(dir, "q2k-mixed.gguf"), threads: 1 });
    const pure = await quantizeGguf({ model, type: "Q2_K", out: path.join(dir, "q2k-pure.gguf"), threads: 1, pure: true });
    assert.equal(mixed.manifest.pure, false);
    assert.equal(pure.manifest.pure, true);
    const quantizedTypes = async (file: string): Promise<Set<string>> =>
      new Set((await readGguf(file)).tensors.filter((tensor) => tensor.shape.length === 2).map((tensor) => tensor.typeName));
    assert.deepEqual([...(await quantizedTypes(path.join(dir, "q2k-pure.gguf")))], ["Q2_K"]);
    assert.ok((await quantizedTypes(path.join(dir, "q2k-mixed.gguf"))).size > 1, "the mixture keeps some tensors above Q2_K");
    assert.ok(pure.manifest.output.bytes < mixed.manifest.output.bytes);
    await loadsAndRuns(path.join(dir, "q2k-pure.gguf"));
  });

  it("the imatrix reaches llama.cpp: it changes a Q4_K_M file, and both file formats give the same file", async () => {
    const plain = await quantizeGguf({ model, type: "Q4_K_M", out: path.join(dir, "plain.gguf"), threads: 1 });
    const fromGguf = await quantizeGguf({ model, type: "Q4_K_M", out: path.join(dir, "im-gguf.gguf"), imatrix: imatrixGguf, threads: 1 });
    const fromDat = await quantizeGguf({ model, type: "Q4_K_M", out: path.join(dir, "im-dat.gguf"), imatrix: imatrixDat, threads: 1 });
    assert.notEqual(fromGguf.manifest.output.sha256, plain.manifest.output.sha256);
    // Same tensors; only the recorded imatrix file name differs between the two.
    const tensorBytes = async (file: string): Promise<string> => {
      const parsed = await readGguf(file);
      const bytes = await readFile(file);
      return createHash("sha256").update(bytes.subarray(parsed.dataOffset)).digest("hex");
    };
    assert.equal(await tensorBytes(path.join(dir, "im-gguf.gguf")), await tensorBytes(path.join(dir, "im-dat.gguf")));
    assert.equal(fromDat.manifest.imatrix?.format, "legacy");
  });

  it("refuses a type whose block the rows do not fit, and records the substitution when allowed", async () => {
    const narrow = await tinyGgufModel("llama"); // hidden 64: no 256-weight block fits
    const out = path.join(dir, "narrow-q4km.gguf");
    await assert.rejects(
      quantizeGguf({ model: narrow, type: "Q4_K_M", out, threads: 1 }),
      rejectsWith("E_QUANT", /not a multiple of 256.*--allow-fallback/s),
    );
    assert.equal(existsSync(out), false);
    const { manifest } = await quantizeGguf({ model: narrow, type: "Q4_K_M", out, threads: 1, allowFallback: true });
    assert.ok(manifest.fallbacks.length > 0);
    // Q4_K tensors become Q5_0, the Q6_K ones of the mix Q8_0 (llama.cpp's tensor_type_fallback).
    for (const fallback of manifest.fallbacks) assert.ok(["Q5_0", "Q8_0"].includes(fallback.storedAs), fallback.name);
    assert.ok(manifest.fallbacks.some((fallback) => fallback.storedAs === "Q5_0"));
  });

  describe("bad inputs end in QreasonErrors and leave nothing behind", () => {
    it("a file that is not a GGUF", async () => {
      const notGguf = path.join(dir, "notes.gguf");
      await writeFile(notGguf, "this is a text file, not a model\n");
      await assert.rejects(
        quantizeGguf({ model: notGguf, type: "Q8_0", out: path.join(dir, "x.gguf") }),
        rejectsWith("E_INPUT", /notes\.gguf.*bad magic/),
      );
    });

    it("a truncated GGUF", async () => {
      const truncated = path.join(dir, "truncated.gguf");
      await writeFile(truncated, (await readFile(model)).subarray(0, 4096));
      await assert.rejects(
        quantizeGguf({ model: truncated, type: "Q8_0", out: path.join(dir, "x.gguf") }),
        rejectsWith("E_INPUT", /truncated/),
      );
    });

    it("weights that are not finite (a corrupt model): llama.cpp's refusal, not a crash", async () => {
      const source = await readGguf(model);
      const corrupt = path.join(dir, "nan-weights.gguf");
      await writeGguf(
        corrupt,
        source.metadata,
        source.tensors.map((tensor) => ({
          name: tensor.name,
          shape: tensor.shape,
          ggmlType: tensor.ggmlType,
          byteLength: tensor.byteLength,
          chunks: async function* () {
            const bytes = await readTensorBytes(source, tensor);
            if (tensor.name === "blk.0.attn_q.weight") new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).fill(Number.NaN);
            yield bytes;
          },
        })),
      );
      const out = path.join(dir, "nan-q4_0.gguf");
      await assert.rejects(quantizeGguf({ model: corrupt, type: "Q4_0", out, threads: 1 }), rejectsWith("E_QUANT", /could not quantize.*(nan|NaN|validation)/s));
      assert.equal(existsSync(out), false);
      assert.equal(existsSync(`${out}.partial`), false);
    });

    it("a missing model", async () => {
      await assert.rejects(
        quantizeGguf({ model: path.join(dir, "absent.gguf"), type: "Q8_0", out: path.join(dir, "x.gguf") }),
        rejectsWith("E_NOT_FOUND", /absent\.gguf/),
      );
    });

    it("an unknown type", async () => {
      await assert.rejects(quantizeGguf({ model, type: "Q4_K_XL", out: path.join(dir, "x.gguf") }), rejectsWith("E_USAGE", /Q4_K_M/));
    });

    it("an IQ type without an imatrix", async () => {
      await assert.rejects(
        quantizeGguf({ model, type: "IQ3_XXS", out: path.join(dir, "x.gguf") }),
        rejectsWith("E_QUANT", /imatrix.*needs an importance matrix/),
      );
    });

    it("an imatrix computed for another model", async () => {
      const narrow = await tinyGgufModel("llama");
      await assert.rejects(
        quantizeGguf({ model: narrow, type: "Q4_0", out: path.join(dir, "x.gguf"), imatrix: imatrixGguf }),
        (error) => isQreasonError(error) && error.code === "E_INPUT" && error.location.file === imatrixGguf && /expected/.test(error.message),
      );
    });

    it("an input that is already quantized", async () => {
      const q8 = path.join(dir, "model-Q8_0.gguf");
      assert.ok(existsSync(q8), "made by the Q8_0 test above");
      await assert.rejects(
        quantizeGguf({ model: q8, type: "Q4_0", out: path.join(dir, "x.gguf") }),
        rejectsWith("E_QUANT", /already quantized/),
      );
    });

    it("an output that exists, or that is the input", async () => {
      const existing = path.join(dir, "exists.gguf");
      await copyFile(model, existing);
      await assert.rejects(quantizeGguf({ model, type: "Q8_0", out: existing }), rejectsWith("E_USAGE", /--force/));
      assert.equal(await sha256(existing), await sha256(model), "the existing file is untouched");
      await assert.rejects(quantizeGguf({ model: existing, type: "Q8_0", out: existing, overwrite: true }), rejectsWith("E_USAGE", /differ/));
    });

    it("cancelling stops llama.cpp and removes the partial file", async () => {
      const controller = new AbortController();
      const out = path.join(dir, "cancelled.gguf");
      const running = quantizeGguf({ model, type: "IQ2_XS", out, imatrix: imatrixGguf, threads: 1, signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(running, rejectsWith("E_QUANT", /cancelled/));
      const left = (await readdir(dir)).filter((name) => name.startsWith("cancelled"));
      assert.deepEqual(left, []);
    });
  });
});
