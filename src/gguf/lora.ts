/**
 * A PEFT LoRA adapter directory (`qreason-engine train`'s output: adapter_config.json +
 * adapter_model.safetensors) -> a llama.cpp LoRA adapter GGUF, for a given base GGUF.
 *
 * The format is what llama.cpp's convert_lora_to_gguf.py writes and llama-adapter.cpp reads:
 * general.type = "adapter", adapter.type = "lora", adapter.lora.alpha (f32), general.architecture = the
 * base's; per adapted weight `blk.N.attn_q.weight.lora_a` (PEFT's lora_A, [rank, in]) and `.lora_b`
 * (lora_B, [out, rank]), so ggml's ne of A is [in, rank] and of B [rank, out], as llama.cpp checks against
 * the base tensor. llama.cpp scales B·A by alpha / rank (times the user's scale), PEFT by lora_alpha / r,
 * or lora_alpha / sqrt(r) with rsLoRA: the alpha written makes the two agree. Where the GGUF converter
 * re-interleaved q/k rows (llama-architecture rope), B's rows get the same permutation (B·A's rows are
 * the weight's). Tensors are written as f32: the adapter is small and nothing is rounded.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import { ARCHITECTURES, permutedRowSource } from "./architectures.ts";
import { GGML_TYPES } from "./constants.ts";
import { convertFloats, type FloatDtype } from "./float.ts";
import { f32, str, type GgufMetadata } from "./metadata.ts";
import { metadataNumber, metadataString, readGguf, type GgufTensorInfo } from "./reader.ts";
import { readSafetensorsHeader, readTensorRange, type SafetensorsTensor } from "./safetensors.ts";
import { writeGguf, type GgufTensorSource } from "./writer.ts";

export interface LoraExportOptions {
  /** Replace an existing output file (default: refuse). */
  overwrite?: boolean;
  /** general.name (default: the adapter directory's name). */
  name?: string;
}

export interface LoraExportResult {
  outPath: string;
  architecture: string;
  rank: number;
  /** adapter.lora.alpha as written (alpha / rank = PEFT's scaling). */
  alpha: number;
  /** Adapted base tensors, GGUF names (each contributes .lora_a and .lora_b). */
  tensors: string[];
  bytes: number;
}

/** PEFT module path suffix -> llama.cpp tensor name inside blk.N. */
const MODULES: Record<string, string> = {
  "self_attn.q_proj": "attn_q",
  "self_attn.k_proj": "attn_k",
  "self_attn.v_proj": "attn_v",
  "self_attn.o_proj": "attn_output",
  "mlp.gate_proj": "ffn_gate",
  "mlp.up_proj": "ffn_up",
  "mlp.down_proj": "ffn_down",
};

const SOURCE_DTYPES: Record<string, FloatDtype> = { F32: "f32", F16: "f16", BF16: "bf16" };
const F32_TYPE = GGML_TYPES.find((type) => type.name === "F32")!.id;
// base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight (PEFT may keep the adapter name: .lora_A.default.weight)
const PEFT_NAME = /^(?:base_model\.model\.)?model\.layers\.(\d+)\.(.+)\.lora_([AB])(?:\.[^.]+)?\.weight$/;

interface AdapterConfig {
  rank: number;
  scaling: number;
}

function fail(message: string, file: string, field?: string): QreasonError {
  return new QreasonError("E_INPUT", message, { file, ...(field ? { field } : {}) });
}

async function readAdapterConfig(adapterDir: string): Promise<AdapterConfig> {
  const file = path.join(adapterDir, "adapter_config.json");
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === "ENOENT" ? "E_NOT_FOUND" : "E_INPUT";
    throw new QreasonError(code, `cannot read the adapter config: ${(error as Error).message}`, { file });
  }
  if (config.peft_type !== "LORA") throw fail(`peft_type is ${String(config.peft_type)}; only LORA adapters export`, file, "peft_type");
  const rank = config.r;
  const alpha = config.lora_alpha;
  if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 1) throw fail("r must be a positive integer", file, "r");
  if (typeof alpha !== "number" || !(alpha > 0)) throw fail("lora_alpha must be a positive number", file, "lora_alpha");
  // What llama.cpp cannot express: refuse rather than export an adapter that computes something else.
  const unsupported: [string, boolean][] = [
    ["use_dora", config.use_dora === true],
    ["bias", config.bias !== undefined && config.bias !== "none"],
    ["modules_to_save", Array.isArray(config.modules_to_save) && config.modules_to_save.length > 0],
    ["rank_pattern", isNonEmptyObject(config.rank_pattern)],
    ["alpha_pattern", isNonEmptyObject(config.alpha_pattern)],
  ];
  for (const [field, present] of unsupported) {
    if (present) throw fail(`${field} is set: llama.cpp LoRA adapters have one rank and alpha, no DoRA, biases or saved modules`, file, field);
  }
  const scaling = config.use_rslora === true ? alpha / Math.sqrt(rank) : alpha / rank;
  return { rank, scaling };
}

function isNonEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.keys(value).length > 0;
}

interface Pair {
  layer: number;
  module: string;
  a?: SafetensorsTensor;
  b?: SafetensorsTensor;
}

function pairTensors(tensors: SafetensorsTensor[], file: string): Pair[] {
  const pairs = new Map<string, Pair>();
  for (const tensor of tensors) {
    const match = PEFT_NAME.exec(tensor.name);
    const module = match?.[2];
    if (!match || !module || !MODULES[module]) {
      throw fail(`tensor ${tensor.name} is not a LoRA weight of a decoder projection llama.cpp can adapt`, file, tensor.name);
    }
    const key = `${match[1]}.${module}`;
    const pair = pairs.get(key) ?? { layer: Number(match[1]), module };
    if (match[3] === "A") pair.a = tensor;
    else pair.b = tensor;
    pairs.set(key, pair);
  }
  const sorted = [...pairs.values()].sort((x, y) => x.layer - y.layer || x.module.localeCompare(y.module));
  for (const pair of sorted) {
    if (!pair.a || !pair.b) throw fail(`layer ${pair.layer} ${pair.module} has only one of lora_A and lora_B`, file);
  }
  return sorted;
}

/** Heads whose rows the GGUF converter re-interleaved in this tensor, if any. */
function permutedHeads(architecture: string, module: string, heads: number | undefined, kvHeads: number | undefined): number | undefined {
  const permutes = ARCHITECTURES.some((spec) => spec.ggufArchitecture === architecture && spec.permuteQueryKey);
  if (!permutes) return undefined;
  if (module === "self_attn.q_proj") return heads;
  if (module === "self_attn.k_proj") return kvHeads ?? heads;
  return undefined;
}

function tensorSource(name: string, tensor: SafetensorsTensor, file: string, permuteHeads?: number): GgufTensorSource {
  const dtype = SOURCE_DTYPES[tensor.dtype];
  if (!dtype) throw fail(`tensor ${tensor.name} has dtype ${tensor.dtype}; LoRA export reads F32, F16 and BF16`, file, tensor.name);
  const [rows, columns] = tensor.shape as [number, number];
  return {
    name,
    shape: [rows, columns],
    ggmlType: F32_TYPE,
    byteLength: rows * columns * 4,
    chunks: async function* () {
      let bytes = convertFloats(await readTensorRange(tensor, 0, tensor.byteLength), dtype, "f32");
      if (permuteHeads) {
        const rowBytes = columns * 4;
        const rowsPerHead = rows / permuteHeads;
        const permuted = new Uint8Array(bytes.length);
        for (let row = 0; row < rows; row += 1) {
          const from = permutedRowSource(row, rowsPerHead);
          permuted.set(bytes.subarray(from * rowBytes, (from + 1) * rowBytes), row * rowBytes);
        }
        bytes = permuted;
      }
      yield bytes;
    },
  };
}

/** Writes `outPath` (refusing an existing file unless options.overwrite); checks everything first. */
export async function exportLoraGguf(
  adapterDir: string,
  baseGgufPath: string,
  outPath: string,
  options: LoraExportOptions = {},
): Promise<LoraExportResult> {
  if (existsSync(outPath) && !options.overwrite) {
    throw new QreasonError("E_USAGE", "output file exists; pass --force to replace it", { file: outPath });
  }
  const config = await readAdapterConfig(adapterDir);
  const weightsFile = path.join(adapterDir, "adapter_model.safetensors");
  const pairs = pairTensors(await readSafetensorsHeader(weightsFile), weightsFile);
  if (pairs.length === 0) throw fail("the adapter has no LoRA weights", weightsFile);
  const base = await readGguf(baseGgufPath);
  const architecture = metadataString(base, "general.architecture");
  if (!architecture) throw fail("has no general.architecture", baseGgufPath, "general.architecture");
  if (metadataString(base, "general.type") === "adapter") throw fail("is itself an adapter, not a model", baseGgufPath, "general.type");
  const heads = metadataNumber(base, `${architecture}.attention.head_count`);
  const kvHeads = metadataNumber(base, `${architecture}.attention.head_count_kv`);
  const baseTensors = new Map<string, GgufTensorInfo>(base.tensors.map((tensor) => [tensor.name, tensor]));

  const sources: GgufTensorSource[] = [];
  const adapted: string[] = [];
  for (const pair of pairs) {
    const a = pair.a!;
    const b = pair.b!;
    const target = `blk.${pair.layer}.${MODULES[pair.module]}.weight`;
    const weight = baseTensors.get(target);
    if (!weight) throw fail(`the base has no tensor ${target} for ${pair.module} of layer ${pair.layer}`, baseGgufPath, target);
    const [outFeatures, inFeatures] = weight.shape as [number, number];
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[0] !== config.rank || b.shape[1] !== config.rank) {
      throw fail(`${a.name} / ${b.name} are not rank-${config.rank} LoRA factors`, weightsFile, a.name);
    }
    if (a.shape[1] !== inFeatures || b.shape[0] !== outFeatures) {
      throw fail(
        `LoRA factors [${b.shape.join(", ")}]·[${a.shape.join(", ")}] do not fit ${target} [${weight.shape.join(", ")}]: ` +
          "the adapter was trained on another model",
        weightsFile,
        a.name,
      );
    }
    const permute = permutedHeads(architecture, pair.module, heads, kvHeads);
    sources.push(tensorSource(`${target}.lora_a`, a, weightsFile));
    sources.push(tensorSource(`${target}.lora_b`, b, weightsFile, permute));
    adapted.push(target);
  }
  const alpha = config.scaling * config.rank;
  const metadata: GgufMetadata = new Map([
    ["general.architecture", str(architecture)],
    ["general.type", str("adapter")],
    ["general.name", str(options.name ?? path.basename(path.resolve(adapterDir)))],
    ["adapter.type", str("lora")],
    ["adapter.lora.alpha", f32(alpha)],
  ]);
  const { bytes } = await writeGguf(outPath, metadata, sources);
  return { outPath, architecture, rank: config.rank, alpha, tensors: adapted, bytes };
}
