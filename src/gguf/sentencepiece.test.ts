/**
 * SentencePiece-style (Llama 2 / Mistral 7B layout) tokenizers: the tokenizer.model protobuf reader, and an
 * end-to-end export of a tiny Llama with a byte-fallback BPE tokenizer, with and without tokenizer.model,
 * checked against the HF tokenizer and model.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { getLlama, type Llama, type Token } from "node-llama-cpp";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { hfReference, type HfReferenceResult } from "../testing/hfReference.ts";
import { exportGguf } from "./export.ts";
import { metadataString, readGguf } from "./reader.ts";
import { PIECE_TYPE, parseSentencePieceModel } from "./sentencepieceModel.ts";

/** Minimal protobuf encoding, enough to build a ModelProto by hand. */
function varint(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}
function field(number: number, wireType: number, payload: number[]): number[] {
  const key = varint(number * 8 + wireType);
  return wireType === 2 ? [...key, ...varint(payload.length), ...payload] : [...key, ...payload];
}
function float32(value: number): number[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return [...bytes];
}
const utf8 = (text: string): number[] => [...new TextEncoder().encode(text)];

void describe("parseSentencePieceModel", () => {
  void test("reads pieces, scores, types and the normalizer flags; skips unknown fields", () => {
    const piece = (text: string, score: number, type?: number) =>
      field(1, 2, [...field(1, 2, utf8(text)), ...field(2, 5, float32(score)), ...(type ? field(3, 0, varint(type)) : [])]);
    const bytes = new Uint8Array([
      ...piece("<unk>", 0, PIECE_TYPE.UNKNOWN),
      ...piece("▁the", -1.5),
      ...field(99, 0, varint(300)), // an unknown field must be skipped
      ...piece("<0x0A>", 0, PIECE_TYPE.BYTE),
      ...field(2, 2, [...field(3, 0, varint(2)), ...field(7, 2, utf8("ignored"))]),
      ...field(3, 2, [...field(3, 0, varint(0)), ...field(4, 0, varint(1))]),
    ]);
    const model = parseSentencePieceModel(bytes, "tokenizer.model");
    assert.deepEqual(model.pieces, [
      { piece: "<unk>", score: 0, type: PIECE_TYPE.UNKNOWN },
      { piece: "▁the", score: -1.5, type: PIECE_TYPE.NORMAL },
      { piece: "<0x0A>", score: 0, type: PIECE_TYPE.BYTE },
    ]);
    assert.equal(model.modelType, 2);
    assert.equal(model.addDummyPrefix, false);
    assert.equal(model.removeExtraWhitespaces, true);
  });

  void test("a truncated or foreign file is a QreasonError naming the file", () => {
    const truncated = new Uint8Array([...field(1, 2, [...field(1, 2, utf8("abc"))])]).subarray(0, 4);
    assert.throws(() => parseSentencePieceModel(truncated, "/m/tokenizer.model"), {
      name: "QreasonError",
      message: /not a SentencePiece model/,
    });
    assert.throws(() => parseSentencePieceModel(new TextEncoder().encode("{\"json\": true}"), "/m/tokenizer.model"), {
      name: "QreasonError",
    });
  });
});

const TEXTS = [
  "Tom has 3 apples",
  " two  spaces",
  "ünï 12",
  "Step 1: Tom has 3 apples and buys 4 more, so 3 + 4 = 7.",
  "The quick brown fox\njumps",
];

void describe("SentencePiece-style tiny Llama: export matches HF", () => {
  let scratch: string;
  let llama: Llama;
  let withModelFile: string;
  let jsonOnly: string;
  let references: HfReferenceResult[];

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-gguf-spm-"));
    withModelFile = path.join(scratch, "with-model-file");
    jsonOnly = path.join(scratch, "json-only");
    await promisify(execFile)(
      enginePython,
      [path.join(import.meta.dirname, "__fixtures__", "tiny_spm_model.py"), withModelFile, "--with-model-file"],
      { cwd: projectRoot, timeout: 180_000, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    await cp(withModelFile, jsonOnly, { recursive: true, filter: (source) => !source.endsWith("tokenizer.model") });
    [references] = (await hfReference([{ modelDir: withModelFile, texts: TEXTS, greedyTokens: 0 }])) as [HfReferenceResult[]];
    llama = await getLlama({ gpu: false });
  });
  after(async () => {
    await llama?.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  for (const variant of ["tokenizer.model", "tokenizer.json only"] as const) {
    void test(`${variant}: llama tokenizer, same token ids and next-token log-probs`, async () => {
      const modelDir = variant === "tokenizer.model" ? withModelFile : jsonOnly;
      const out = path.join(scratch, `${variant === "tokenizer.model" ? "spm" : "json"}.gguf`);
      const result = await exportGguf(modelDir, out);
      assert.equal(result.tokenizer.model, "llama");
      assert.equal(result.tokenizer.addBos, true);
      assert.equal(result.warnings.length, variant === "tokenizer.model" ? 0 : 1);
      assert.equal(metadataString(await readGguf(out), "tokenizer.ggml.model"), "llama");

      const model = await llama.loadModel({ modelPath: out });
      try {
        assert.deepEqual(
          TEXTS.map((text) => Array.from(model.tokenize(text))),
          references.map((reference) => reference.ids),
        );
        const context = await model.createContext({
          contextSize: 128,
          threads: 1,
          flashAttention: false,
          experimentalKvCacheKeyType: "F32",
          experimentalKvCacheValueType: "F32",
        });
        const reference = references[3]!;
        const outputs = await context
          .getSequence()
          .controlledEvaluate(reference.ids.map((id) => [id as Token, { generateNext: { logits: true } }]));
        let worst = 0;
        outputs.forEach((output, position) => {
          const logits = new Array<number>(reference.logProbs[position]!.length).fill(-Infinity);
          for (const [token, logit] of output!.next.logits!) logits[token] = logit;
          const max = Math.max(...logits);
          const logSum = max + Math.log(logits.reduce((sum, logit) => sum + Math.exp(logit - max), 0));
          logits.forEach((logit, token) => {
            worst = Math.max(worst, Math.abs(logit - logSum - reference.logProbs[position]![token]!));
          });
        });
        await context.dispose();
        console.log(`# SentencePiece llama (${variant}): max |log p diff| ${worst.toExponential(2)}`);
        assert.ok(worst < 1e-3, `max log-prob difference ${worst}`);
      } finally {
        await model.dispose();
      }
    });
  }
});
