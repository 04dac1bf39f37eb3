/**
 * Pre-tokenizer names: for byte-level BPE tokenizers built with the regexes of real checkpoints (Llama 3,
 * Qwen2/3, Mistral Tekken), the exporter must write the name llama.cpp gives that regex, and llama.cpp must
 * then split text exactly as transformers does — digits, contractions, case changes, CR/LF runs, unicode.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { getLlama, type Llama } from "node-llama-cpp";
import { hfReference } from "../testing/hfReference.ts";
import { enginePython, projectRoot } from "../testing/paths.ts";
import { exportGguf } from "./export.ts";
import { detectPreTokenizer } from "./tokenizer.ts";

const TEXTS = [
  "It's 2024 and we've got 1234567 items; THEY'LL ship 89.",
  "CamelCaseWord and UPPER lower MixedUP",
  "path/to/file\r\n\n  indented  text\t\ttabs   ",
  "Ünïcödé naïve café 12.5% — 3,141,592",
  "x = \\frac{12}{345} + 6789",
];

let scratch: string;
let llama: Llama;
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-gguf-pre-"));
  llama = await getLlama({ gpu: false });
});
after(async () => {
  await llama?.dispose();
  await rm(scratch, { recursive: true, force: true });
});

for (const pre of ["llama-bpe", "qwen2", "tekken"] as const) {
  void test(`${pre}: named as llama.cpp names it, tokenizes like transformers`, async () => {
    const modelDir = path.join(scratch, pre);
    await promisify(execFile)(
      enginePython,
      [path.join(import.meta.dirname, "__fixtures__", "tiny_regex_bpe_model.py"), modelDir, pre],
      { cwd: projectRoot, timeout: 180_000, env: { ...process.env, OMP_NUM_THREADS: "1" } },
    );
    const out = path.join(scratch, `${pre}.gguf`);
    const result = await exportGguf(modelDir, out);
    assert.equal(result.tokenizer.pre, pre);
    const [references] = await hfReference([{ modelDir, texts: TEXTS, greedyTokens: 0 }]);
    const model = await llama.loadModel({ modelPath: out });
    try {
      assert.deepEqual(
        TEXTS.map((text) => Array.from(model.tokenize(text))),
        references!.map((reference) => reference.ids),
      );
    } finally {
      await model.dispose();
    }
  });
}

void test("detectPreTokenizer: plain ByteLevel is gpt-2, Digits + ByteLevel is smollm; an unknown regex is refused with the regex shown", () => {
  assert.equal(detectPreTokenizer({ type: "ByteLevel", add_prefix_space: false, use_regex: true }, "t.json"), "gpt-2");
  assert.throws(() => detectPreTokenizer({ type: "ByteLevel", use_regex: false }, "t.json"), /unsupported pre-tokenizer/);
  // SmolLM2's published tokenizer.json: each digit alone, then byte-level with the GPT-2 regex.
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true };
  const smollm = { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, byteLevel] };
  assert.equal(detectPreTokenizer(smollm, "t.json"), "smollm");
  const groupedDigits = { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: false }, byteLevel] };
  assert.throws(() => detectPreTokenizer(groupedDigits, "t.json"), /unsupported pre-tokenizer/);
  const digitsWithoutRegex = { type: "Sequence", pretokenizers: [{ type: "Digits", individual_digits: true }, { ...byteLevel, use_regex: false }] };
  assert.throws(() => detectPreTokenizer(digitsWithoutRegex, "t.json"), /unsupported pre-tokenizer/);
  const unknown = {
    type: "Sequence",
    pretokenizers: [
      { type: "Split", pattern: { Regex: "\\p{N}{1,2}|\\p{L}+" }, behavior: "Isolated" },
      { type: "ByteLevel", use_regex: false },
    ],
  };
  assert.throws(() => detectPreTokenizer(unknown, "t.json"), (error: Error & { location?: { field?: string } }) => {
    assert.match(error.message, /\\\\p\{N\}\{1,2\}/);
    assert.equal(error.location?.field, "pre_tokenizer");
    return true;
  });
});
