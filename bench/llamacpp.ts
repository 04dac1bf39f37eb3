/**
 * `npm run bench:llamacpp`: llama.cpp inside qreason, measured. Quantization time per type (llama.cpp's own
 * quantizer through koffi), generation tokens/s single-stream and batched, teacher-forced scoring tokens/s,
 * and KL-divergence positions/s. Prints numbers; asserts nothing.
 *
 *   npm run bench:llamacpp                               # tiny random Llama (hidden 256), CPU
 *   npm run bench:llamacpp -- --shape small              # ~95M-parameter random Llama, built once
 *   npm run bench:llamacpp -- --shape llama-1b --gpu     # Llama-3.2-1B-shaped (tiny vocabulary), GPU machine
 *   npm run bench:llamacpp -- --model /path/f16.gguf --gpu --types Q8_0,Q4_K_M
 *
 * Random models come from the Python engine's tiny.py and qreason's GGUF exporter (no download); their
 * vocabulary is the tiny test tokenizer's 384 tokens, so logits cost far less than a real 128k vocabulary.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { createLlamaCppBackend, type LlamaCppBackend } from "../src/backends/llamacpp/index.ts";
import { exportGguf, readGguf } from "../src/gguf/index.ts";
import { compareModels } from "../src/kld/index.ts";
import { isQuantizedByLlamaCpp } from "../src/quantize/compatibility.ts";
import { writeGgufImatrix } from "../src/quantize/imatrix.ts";
import { QUANT_TYPES, quantizeGguf } from "../src/quantize/index.ts";
import { enginePython, projectRoot } from "../src/testing/paths.ts";

const SHAPES = {
  tiny: { hidden: 256, intermediate: 512, layers: 2, heads: 4, kv_heads: 2 },
  small: { hidden: 1024, intermediate: 2816, layers: 8, heads: 16, kv_heads: 8 },
  "llama-1b": { hidden: 2048, intermediate: 8192, layers: 16, heads: 32, kv_heads: 8 },
} as const;

const { values: options } = parseArgs({
  options: {
    model: { type: "string" },
    shape: { type: "string", default: "tiny" },
    threads: { type: "string" },
    parallel: { type: "string", default: "4" },
    tokens: { type: "string", default: "64" },
    types: { type: "string" },
    gpu: { type: "boolean", default: false },
  },
});
/** --threads sets both; by default quantization uses every core and evaluation the backend's default. */
const threads = options.threads === undefined ? undefined : Number(options.threads);
const parallel = Number(options.parallel);
const generateTokens = Number(options.tokens);
const gpu = options.gpu ? ("auto" as const) : (false as const);

async function randomModel(shapeName: string): Promise<string> {
  const shape = SHAPES[shapeName as keyof typeof SHAPES];
  if (shape === undefined) throw new Error(`--shape must be one of ${Object.keys(SHAPES).join(", ")}`);
  const directory = path.join(os.tmpdir(), "qreason-bench-models", `llamacpp-${shapeName}`);
  const gguf = path.join(directory, "model-f32.gguf");
  if (existsSync(gguf)) return gguf;
  await mkdir(directory, { recursive: true });
  const hfDir = path.join(directory, "hf");
  console.log(`building a random ${shapeName} Llama in ${directory} ...`);
  const call =
    `from qreason_engine.tiny import make_tiny_model; make_tiny_model("llama", ${JSON.stringify(hfDir)}, ` +
    Object.entries(shape).map(([key, value]) => `${key}=${value}`).join(", ") + ")";
  await promisify(execFile)(enginePython, ["-c", call], { cwd: projectRoot, timeout: 1_800_000 });
  await exportGguf(hfDir, gguf, { type: "f32", name: `bench-${shapeName}` });
  await rm(hfDir, { recursive: true, force: true });
  return gguf;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const greedy = (maxTokens: number) => ({ temperature: 0, topP: 1, topK: 0, maxTokens, seed: 0, stop: [] });
const PROMPTS = [
  "Question: Tom has 3 apples and buys 4 more. How many apples does he have?\nAnswer:",
  "Question: What is 12 * 7?\nAnswer:",
  "Step 1: The train travels 60 km in the first hour",
  "The quick brown fox jumps over the lazy dog 0123456789",
];

async function measureGeneration(backend: LlamaCppBackend, requests: number): Promise<{ tokens: number; seconds: number }> {
  const batch = Array.from({ length: requests }, (_, index) => ({ prompt: PROMPTS[index % PROMPTS.length]!, sampling: greedy(generateTokens) }));
  await backend.generate(batch.slice(0, 1).map((request) => ({ ...request, sampling: greedy(4) }))); // warm-up
  const started = performance.now();
  const results = await backend.generate(batch);
  const seconds = (performance.now() - started) / 1000;
  return { tokens: results.reduce((sum, result) => sum + result.completionTokens, 0), seconds };
}

async function measureScoring(backend: LlamaCppBackend): Promise<{ tokens: number; seconds: number }> {
  const continuation = " He buys 4 more apples, so he has 3 + 4 = 7 apples. Then he gives 2 away and has 7 - 2 = 5. ".repeat(3);
  const requests = PROMPTS.map((prompt) => ({ prompt, continuation, topK: 5 }));
  const started = performance.now();
  const results = await backend.score(requests);
  const seconds = (performance.now() - started) / 1000;
  return { tokens: results.reduce((sum, result) => sum + result.tokens.length, 0), seconds };
}

const model = options.model ?? (await randomModel(options.shape));
const source = await readGguf(model);
const parameters = source.tensors.reduce((sum, tensor) => sum + tensor.shape.reduce((product, size) => product * size, 1), 0);
console.log(
  `model: ${model} (${mib(source.fileBytes)} MiB, ${(parameters / 1e6).toFixed(1)}M parameters, ${source.tensors[0]?.typeName ?? "?"})\n` +
    `node ${process.version}; ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? "?"}); ` +
    `threads ${threads ?? "default"}; ${gpu ? "GPU offload" : "CPU only"}\n`,
);

const scratch = await mkdtemp(path.join(os.tmpdir(), "qreason-bench-llamacpp-"));
try {
  // A synthetic imatrix (seeded positive values) so the IQ types can be timed too.
  const imatrixPath = path.join(scratch, "imatrix.gguf");
  const entries = new Map<string, Float32Array>();
  for (const tensor of source.tensors.filter(isQuantizedByLlamaCpp)) {
    if (tensor.name === "token_embd.weight" || tensor.name === "output.weight") continue;
    const row = tensor.shape[tensor.shape.length - 1]!;
    entries.set(tensor.name, Float32Array.from({ length: row }, (_, index) => 0.5 + ((index * 7919) % 97) / 32));
  }
  await writeGgufImatrix(imatrixPath, { entries, count: 512, chunkCount: 1, dataset: "synthetic" });

  const wanted = options.types?.split(",").map((name) => name.trim().toUpperCase()) ?? QUANT_TYPES.map((type) => type.name);
  console.log("## quantization (llama_model_quantize via koffi, in a child process)\n");
  console.log("| type | seconds | output MiB | bits/weight (quantized tensors) |\n|---|---|---|---|");
  const outputs = new Map<string, string>();
  for (const type of QUANT_TYPES.filter((candidate) => wanted.includes(candidate.name))) {
    const out = path.join(scratch, `${type.name}.gguf`);
    const started = performance.now();
    const { manifest } = await quantizeGguf({
      model,
      type: type.name,
      out,
      threads,
      imatrix: type.imatrix === "required" ? imatrixPath : undefined,
    });
    const seconds = (performance.now() - started) / 1000;
    outputs.set(type.name, out);
    console.log(`| ${type.name} | ${seconds.toFixed(2)} | ${mib((await stat(out)).size)} | ${manifest.output.quantizedBitsPerWeight.toFixed(3)} |`);
  }

  const variants: Array<[string, string]> = [["source", model]];
  for (const name of ["Q8_0", "Q4_K_M"]) if (outputs.has(name)) variants.push([name, outputs.get(name)!]);
  console.log(`\n## generation and scoring (greedy, ${generateTokens} new tokens per request; scoring top-5)\n`);
  console.log(
    `| model | single tok/s | batched x${parallel} tok/s | scoring tok/s |\n|---|---|---|---|`,
  );
  for (const [label, file] of variants) {
    const single = await createLlamaCppBackend({ model: file, gpu, parallel: 1, threads, contextSize: 1024 });
    const batched = await createLlamaCppBackend({ model: file, gpu, parallel, threads, contextSize: 1024 });
    try {
      const one = await measureGeneration(single, 1);
      const many = await measureGeneration(batched, parallel);
      const scoring = await measureScoring(batched);
      console.log(
        `| ${label} | ${(one.tokens / one.seconds).toFixed(1)} | ${(many.tokens / many.seconds).toFixed(1)} | ` +
          `${(scoring.tokens / scoring.seconds).toFixed(1)} |`,
      );
    } finally {
      await single.close();
      await batched.close();
    }
  }

  const variantFile = outputs.get("Q4_K_M");
  if (variantFile !== undefined) {
    const base = await createLlamaCppBackend({ model, gpu, parallel: 1, threads, contextSize: 1024 });
    const variant = await createLlamaCppBackend({ model: variantFile, gpu, parallel: 1, threads, contextSize: 1024 });
    try {
      const texts = PROMPTS.map((prompt, index) => ({ id: String(index), text: `${prompt} ${"7 apples and 5 pears make 12 fruits. ".repeat(6)}` }));
      const started = performance.now();
      const summary = await compareModels({ base, variant, texts });
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `\n## KL divergence (Q4_K_M against the source, full logits, chunks of 32)\n\n` +
          `${summary.positions} positions in ${seconds.toFixed(2)} s = ${(summary.positions / seconds).toFixed(1)} positions/s; ` +
          `mean KLD ${summary.kld.mean.toFixed(4)}, same top-1 ${summary.sameTopPercent.toFixed(1)} %`,
      );
    } finally {
      await base.close();
      await variant.close();
    }
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
