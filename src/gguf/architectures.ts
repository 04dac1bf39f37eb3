/**
 * Per-family knowledge for exporting Hugging Face llama-family checkpoints to GGUF: which llama.cpp
 * architecture each HF class maps to, the hyperparameters it needs from config.json, tensor name mapping,
 * expected shapes, and whether Q/K rows must be permuted.
 *
 * The permutation: HF Llama/Mistral checkpoints apply rotary embeddings with `rotate_half` (pairs dimension
 * i with i + d/2 inside each head), while llama.cpp's `llama` architecture uses the original interleaved
 * layout (pairs 2i with 2i+1). llama.cpp's converter therefore re-interleaves the rows of q_proj and k_proj.
 * Qwen2 and Qwen3 run with llama.cpp's NEOX rope type, which is rotate_half already: no permutation.
 */
import { QreasonError } from "../errors.ts";
import { f32, str, u32, type GgufMetadata } from "./metadata.ts";

export type GgufArchitecture = "llama" | "qwen2" | "qwen3";

export interface ArchitectureSpec {
  /** Values of config.json `architectures` that map here. */
  hfArchitectures: readonly string[];
  ggufArchitecture: GgufArchitecture;
  /** Undo HF's rotate_half row order in q_proj/k_proj (llama.cpp's non-NEOX rope). */
  permuteQueryKey: boolean;
  /** q_proj/k_proj/v_proj carry biases (Qwen2). */
  qkvBias: boolean;
  /** Per-head RMSNorm on queries and keys (Qwen3). */
  queryKeyNorm: boolean;
}

export const ARCHITECTURES: readonly ArchitectureSpec[] = [
  { hfArchitectures: ["LlamaForCausalLM"], ggufArchitecture: "llama", permuteQueryKey: true, qkvBias: false, queryKeyNorm: false },
  { hfArchitectures: ["MistralForCausalLM"], ggufArchitecture: "llama", permuteQueryKey: true, qkvBias: false, queryKeyNorm: false },
  { hfArchitectures: ["Qwen2ForCausalLM"], ggufArchitecture: "qwen2", permuteQueryKey: false, qkvBias: true, queryKeyNorm: false },
  { hfArchitectures: ["Qwen3ForCausalLM"], ggufArchitecture: "qwen3", permuteQueryKey: false, qkvBias: false, queryKeyNorm: true },
];

export const SUPPORTED_HF_ARCHITECTURES = ARCHITECTURES.flatMap((spec) => spec.hfArchitectures);

export type RopeScaling =
  | { type: "none" }
  | { type: "linear"; factor: number }
  | { type: "yarn"; factor: number; originalContextLength: number }
  | { type: "llama3"; factor: number; lowFreqFactor: number; highFreqFactor: number; originalContextLength: number };

export interface Hyperparameters {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  contextLength: number;
  /** config.json's tie_word_embeddings (the checkpoint's lack of lm_head decides in the end). */
  tieWordEmbeddings: boolean;
  /** Llama with attention_bias: optional q/k/v/o biases. */
  attentionBias: boolean;
  ropeScaling: RopeScaling;
}

type JsonObject = Record<string, unknown>;

export function resolveArchitecture(config: JsonObject, file: string): ArchitectureSpec {
  const names = config.architectures;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === "string")) {
    throw new QreasonError("E_INPUT", `config.json names no architecture; supported: ${SUPPORTED_HF_ARCHITECTURES.join(", ")}`, {
      file,
      field: "architectures",
    });
  }
  const spec = ARCHITECTURES.find((candidate) => candidate.hfArchitectures.includes(names[0] as string));
  if (!spec) {
    throw new QreasonError(
      "E_INPUT",
      `unsupported architecture ${names[0]}; qreason gguf export supports ${SUPPORTED_HF_ARCHITECTURES.join(", ")}`,
      { file, field: "architectures" },
    );
  }
  return spec;
}

function positiveInteger(config: JsonObject, key: string, file: string, fallback?: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new QreasonError("E_INPUT", `expected a positive integer, got ${JSON.stringify(value)}`, { file, field: key });
  }
  return value;
}

function positiveNumber(value: unknown, field: string, file: string): number {
  if (typeof value !== "number" || !(value > 0)) {
    throw new QreasonError("E_INPUT", `expected a positive number, got ${JSON.stringify(value)}`, { file, field });
  }
  return value;
}

/** Rope settings live in `rope_scaling` + `rope_theta` (transformers 4) or `rope_parameters` (transformers 5). */
function readRope(config: JsonObject, file: string): { theta: number; scaling: RopeScaling } {
  const parameters = (config.rope_parameters ?? config.rope_scaling ?? {}) as JsonObject;
  const field = config.rope_parameters !== undefined ? "rope_parameters" : "rope_scaling";
  const theta = positiveNumber(config.rope_theta ?? parameters.rope_theta ?? 10000, "rope_theta", file);
  const type = parameters.rope_type ?? parameters.type ?? "default";
  const originalContext = (parameters.original_max_position_embeddings ?? config.original_max_position_embeddings) as unknown;
  switch (type) {
    case "default":
      return { theta, scaling: { type: "none" } };
    case "linear":
      return { theta, scaling: { type: "linear", factor: positiveNumber(parameters.factor, `${field}.factor`, file) } };
    case "yarn":
      return {
        theta,
        scaling: {
          type: "yarn",
          factor: positiveNumber(parameters.factor, `${field}.factor`, file),
          originalContextLength: positiveNumber(originalContext, `${field}.original_max_position_embeddings`, file),
        },
      };
    case "llama3":
      return {
        theta,
        scaling: {
          type: "llama3",
          factor: positiveNumber(parameters.factor ?? 8, `${field}.factor`, file),
          lowFreqFactor: positiveNumber(parameters.low_freq_factor ?? 1, `${field}.low_freq_factor`, file),
          highFreqFactor: positiveNumber(parameters.high_freq_factor ?? 4, `${field}.high_freq_factor`, file),
          originalContextLength: positiveNumber(originalContext ?? 8192, `${field}.original_max_position_embeddings`, file),
        },
      };
    default:
      throw new QreasonError("E_INPUT", `rope type ${JSON.stringify(type)} is not supported (default, linear, yarn, llama3)`, {
        file,
        field: `${field}.rope_type`,
      });
  }
}

export function readHyperparameters(config: JsonObject, file: string): Hyperparameters {
  const hiddenSize = positiveInteger(config, "hidden_size", file);
  const heads = positiveInteger(config, "num_attention_heads", file);
  const kvHeads = positiveInteger(config, "num_key_value_heads", file, heads);
  if (hiddenSize % heads !== 0 && config.head_dim === undefined) {
    throw new QreasonError("E_INPUT", `hidden_size ${hiddenSize} is not divisible by ${heads} heads and no head_dim is given`, {
      file,
      field: "head_dim",
    });
  }
  const headDim = positiveInteger(config, "head_dim", file, hiddenSize / heads);
  if (heads % kvHeads !== 0) {
    throw new QreasonError("E_INPUT", `${heads} attention heads are not a multiple of ${kvHeads} key/value heads`, {
      file,
      field: "num_key_value_heads",
    });
  }
  if (headDim % 2 !== 0) throw new QreasonError("E_INPUT", `head_dim ${headDim} is odd; rope needs pairs`, { file, field: "head_dim" });
  const rope = readRope(config, file);
  const eps = config.rms_norm_eps ?? 1e-6;
  return {
    vocabSize: positiveInteger(config, "vocab_size", file),
    hiddenSize,
    intermediateSize: positiveInteger(config, "intermediate_size", file),
    layers: positiveInteger(config, "num_hidden_layers", file),
    heads,
    kvHeads,
    headDim,
    rmsNormEps: positiveNumber(eps, "rms_norm_eps", file),
    ropeTheta: rope.theta,
    contextLength: positiveInteger(config, "max_position_embeddings", file, 4096),
    tieWordEmbeddings: config.tie_word_embeddings === true,
    attentionBias: config.attention_bias === true,
    ropeScaling: rope.scaling,
  };
}

/** The architecture keys llama.cpp reads for these families (names from llama.cpp's LLM_KV table). */
export function architectureMetadata(spec: ArchitectureSpec, hp: Hyperparameters): GgufMetadata {
  const arch = spec.ggufArchitecture;
  const metadata: GgufMetadata = new Map([
    [`${arch}.vocab_size`, u32(hp.vocabSize)],
    [`${arch}.context_length`, u32(hp.contextLength)],
    [`${arch}.embedding_length`, u32(hp.hiddenSize)],
    [`${arch}.feed_forward_length`, u32(hp.intermediateSize)],
    [`${arch}.block_count`, u32(hp.layers)],
    [`${arch}.attention.head_count`, u32(hp.heads)],
    [`${arch}.attention.head_count_kv`, u32(hp.kvHeads)],
    [`${arch}.attention.key_length`, u32(hp.headDim)],
    [`${arch}.attention.value_length`, u32(hp.headDim)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(hp.rmsNormEps)],
    [`${arch}.rope.freq_base`, f32(hp.ropeTheta)],
    [`${arch}.rope.dimension_count`, u32(hp.headDim)],
  ]);
  const scaling = hp.ropeScaling;
  if (scaling.type === "linear" || scaling.type === "yarn") {
    metadata.set(`${arch}.rope.scaling.type`, str(scaling.type));
    metadata.set(`${arch}.rope.scaling.factor`, f32(scaling.factor));
  }
  if (scaling.type === "yarn") metadata.set(`${arch}.rope.scaling.original_context_length`, u32(scaling.originalContextLength));
  return metadata;
}

/** What an HF tensor becomes in the GGUF. */
export interface TensorMapping {
  ggufName: string;
  /** Rows to re-interleave per head (q/k of permuting architectures): the head count to use. */
  permuteHeads?: number;
  /** Expected row-major shape. */
  shape: number[];
}

const LAYER_TENSORS: Record<string, string> = {
  "input_layernorm.weight": "attn_norm.weight",
  "self_attn.q_proj.weight": "attn_q.weight",
  "self_attn.k_proj.weight": "attn_k.weight",
  "self_attn.v_proj.weight": "attn_v.weight",
  "self_attn.o_proj.weight": "attn_output.weight",
  "self_attn.q_proj.bias": "attn_q.bias",
  "self_attn.k_proj.bias": "attn_k.bias",
  "self_attn.v_proj.bias": "attn_v.bias",
  "self_attn.o_proj.bias": "attn_output.bias",
  "self_attn.q_norm.weight": "attn_q_norm.weight",
  "self_attn.k_norm.weight": "attn_k_norm.weight",
  "post_attention_layernorm.weight": "ffn_norm.weight",
  "mlp.gate_proj.weight": "ffn_gate.weight",
  "mlp.up_proj.weight": "ffn_up.weight",
  "mlp.down_proj.weight": "ffn_down.weight",
};

/** HF tensors that carry no weights llama.cpp needs (rope caches some old checkpoints saved). */
const IGNORED_SUFFIXES = ["rotary_emb.inv_freq"];

export function isIgnoredTensor(name: string): boolean {
  return IGNORED_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** Every HF tensor the family needs, mapped to its GGUF name and expected shape (tensors in order). */
export function expectedTensors(spec: ArchitectureSpec, hp: Hyperparameters, tied: boolean): Map<string, TensorMapping> {
  const queryRows = hp.heads * hp.headDim;
  const keyValueRows = hp.kvHeads * hp.headDim;
  const shapes: Record<string, number[]> = {
    "input_layernorm.weight": [hp.hiddenSize],
    "self_attn.q_proj.weight": [queryRows, hp.hiddenSize],
    "self_attn.k_proj.weight": [keyValueRows, hp.hiddenSize],
    "self_attn.v_proj.weight": [keyValueRows, hp.hiddenSize],
    "self_attn.o_proj.weight": [hp.hiddenSize, queryRows],
    "self_attn.q_proj.bias": [queryRows],
    "self_attn.k_proj.bias": [keyValueRows],
    "self_attn.v_proj.bias": [keyValueRows],
    "self_attn.o_proj.bias": [hp.hiddenSize],
    "self_attn.q_norm.weight": [hp.headDim],
    "self_attn.k_norm.weight": [hp.headDim],
    "post_attention_layernorm.weight": [hp.hiddenSize],
    "mlp.gate_proj.weight": [hp.intermediateSize, hp.hiddenSize],
    "mlp.up_proj.weight": [hp.intermediateSize, hp.hiddenSize],
    "mlp.down_proj.weight": [hp.hiddenSize, hp.intermediateSize],
  };
  const layerSuffixes = [
    "input_layernorm.weight",
    "self_attn.q_proj.weight",
    "self_attn.k_proj.weight",
    "self_attn.v_proj.weight",
    "self_attn.o_proj.weight",
    ...(spec.qkvBias || hp.attentionBias ? ["self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"] : []),
    ...(hp.attentionBias && !spec.qkvBias ? ["self_attn.o_proj.bias"] : []),
    ...(spec.queryKeyNorm ? ["self_attn.q_norm.weight", "self_attn.k_norm.weight"] : []),
    "post_attention_layernorm.weight",
    "mlp.gate_proj.weight",
    "mlp.up_proj.weight",
    "mlp.down_proj.weight",
  ];
  const tensors = new Map<string, TensorMapping>();
  tensors.set("model.embed_tokens.weight", { ggufName: "token_embd.weight", shape: [hp.vocabSize, hp.hiddenSize] });
  for (let layer = 0; layer < hp.layers; layer += 1) {
    for (const suffix of layerSuffixes) {
      const mapping: TensorMapping = { ggufName: `blk.${layer}.${LAYER_TENSORS[suffix]}`, shape: shapes[suffix]! };
      if (spec.permuteQueryKey && suffix.startsWith("self_attn.q_proj.")) mapping.permuteHeads = hp.heads;
      if (spec.permuteQueryKey && suffix.startsWith("self_attn.k_proj.")) mapping.permuteHeads = hp.kvHeads;
      tensors.set(`model.layers.${layer}.${suffix}`, mapping);
    }
  }
  tensors.set("model.norm.weight", { ggufName: "output_norm.weight", shape: [hp.hiddenSize] });
  if (!tied) tensors.set("lm_head.weight", { ggufName: "output.weight", shape: [hp.vocabSize, hp.hiddenSize] });
  return tensors;
}

/**
 * Source row for each output row when re-interleaving one tensor's rows per head: within a head of size d,
 * output row 2j+i comes from input row i*(d/2)+j (i in {0,1}). Pure; used per chunk of whole heads.
 */
export function permutedRowSource(outputRow: number, rowsPerHead: number): number {
  const head = Math.floor(outputRow / rowsPerHead);
  const within = outputRow % rowsPerHead;
  const half = rowsPerHead / 2;
  return head * rowsPerHead + (within % 2) * half + Math.floor(within / 2);
}

/** llama.cpp's per-frequency rope factors for Llama 3.x long-context scaling (the rope_freqs tensor). */
export function llama3RopeFactors(hp: Hyperparameters): Float32Array | undefined {
  const scaling = hp.ropeScaling;
  if (scaling.type !== "llama3") return undefined;
  const lowFreqWavelength = scaling.originalContextLength / scaling.lowFreqFactor;
  const highFreqWavelength = scaling.originalContextLength / scaling.highFreqFactor;
  const factors = new Float32Array(hp.headDim / 2);
  for (let index = 0; index < factors.length; index += 1) {
    const frequency = 1 / hp.ropeTheta ** ((2 * index) / hp.headDim);
    const wavelength = (2 * Math.PI) / frequency;
    if (wavelength < highFreqWavelength) factors[index] = 1;
    else if (wavelength > lowFreqWavelength) factors[index] = scaling.factor;
    else {
      const smooth =
        (scaling.originalContextLength / wavelength - scaling.lowFreqFactor) / (scaling.highFreqFactor - scaling.lowFreqFactor);
      factors[index] = 1 / ((1 - smooth) / scaling.factor + smooth);
    }
  }
  return factors;
}
