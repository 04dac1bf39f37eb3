/**
 * Checks made before any byte reaches llama.cpp: which tensors it will quantize, whether their rows fit the
 * requested type's block, whether they are still in float, and whether an imatrix covers them. Pure
 * functions over tensor descriptions, so each rule is tested on its own.
 *
 * Why rows matter: a K- or IQ-quant packs 256 weights of a row into one block; llama.cpp quietly stores a
 * tensor whose row length is not a multiple of 256 in another type (Q2_K/Q3_K -> Q4_0, Q4_K -> Q5_0,
 * Q6_K -> Q8_0, IQ -> IQ4_NL: QUANT_FALLBACK_TYPES; F16 when even 32 does not divide). The file would then not be the type its name says, and an accuracy
 * comparison would measure the wrong thing — so qreason refuses unless the caller accepts the fallback.
 */
import type { QuantType } from "./types.ts";

export interface TensorDescription {
  name: string;
  /** Row-major shape, outermost first (a weight [out, in] has rows of length `in`). */
  shape: readonly number[];
  /** ggml type name, e.g. "F32", "Q4_K". */
  typeName: string;
}

const FLOAT_TYPES = new Set(["F32", "F16", "BF16"]);

/** Substrings llama.cpp never quantizes (tensor_allows_quantization in src/llama-quant.cpp). */
const NEVER_QUANTIZED = ["_norm.weight", "ffn_gate_inp.weight", "ssm_conv1d", "attn_rel_b.weight", "position_embd"];

/** Whether llama_model_quantize will quantize this tensor (llama-family subset of its rule). */
export function isQuantizedByLlamaCpp(tensor: TensorDescription): boolean {
  if (tensor.shape.length < 2) return false;
  if (!tensor.name.endsWith("weight")) return false;
  return !NEVER_QUANTIZED.some((part) => tensor.name.includes(part)) && tensor.name !== "token_types.weight";
}

/** The output head is special-cased by llama.cpp (Q8_0 when rows do not fit, Q6_K otherwise): not a fallback. */
const isOutputHead = (name: string): boolean => name === "output.weight";

/**
 * The tensors llama.cpp types as the output head: `output.weight`, or — in a model with tied embeddings,
 * which has none — `token_embd.weight`, which then serves as the head (llama_tensor_get_type's
 * `!qs.has_output && name == token_embd`).
 */
function outputHeadNames(tensors: readonly TensorDescription[]): Set<string> {
  return new Set(tensors.some((tensor) => isOutputHead(tensor.name)) ? ["output.weight"] : ["token_embd.weight"]);
}

/** Row length (ggml ne[0]): the innermost dimension. */
export const rowLength = (tensor: TensorDescription): number => tensor.shape[tensor.shape.length - 1] ?? 0;

export interface RowMismatch {
  name: string;
  rowLength: number;
  blockSize: number;
}

/** Quantized tensors whose rows the type's block does not divide (llama.cpp would store them as another type). */
export function findRowMismatches(tensors: readonly TensorDescription[], type: QuantType): RowMismatch[] {
  const heads = outputHeadNames(tensors);
  return tensors
    .filter((tensor) => isQuantizedByLlamaCpp(tensor) && !heads.has(tensor.name))
    .filter((tensor) => rowLength(tensor) % type.blockSize !== 0)
    .map((tensor) => ({ name: tensor.name, rowLength: rowLength(tensor), blockSize: type.blockSize }));
}

/** Tensors llama.cpp would have to re-quantize (already in a quantized type): it refuses, and so do we. */
export function findAlreadyQuantized(tensors: readonly TensorDescription[]): TensorDescription[] {
  return tensors.filter((tensor) => isQuantizedByLlamaCpp(tensor) && !FLOAT_TYPES.has(tensor.typeName));
}

export interface ImatrixProblem {
  name: string;
  problem: string;
}

/** The token embedding and the output head never need an imatrix (tensor_requires_imatrix). */
const needsNoImatrix = (name: string): boolean => name === "token_embd.weight" || isOutputHead(name);

/**
 * What is wrong with `entries` for quantizing `tensors`: a quantized weight without an entry (llama.cpp
 * bails out on those for the IQ types), an entry of the wrong length (it expects row length x experts),
 * or a value that is not finite.
 */
export function findImatrixProblems(
  tensors: readonly TensorDescription[],
  entries: ReadonlyMap<string, Float32Array>,
): ImatrixProblem[] {
  const problems: ImatrixProblem[] = [];
  for (const tensor of tensors.filter(isQuantizedByLlamaCpp)) {
    const values = entries.get(tensor.name);
    if (values === undefined) {
      if (!needsNoImatrix(tensor.name)) problems.push({ name: tensor.name, problem: "no entry" });
      continue;
    }
    const experts = tensor.shape.length >= 3 ? (tensor.shape[tensor.shape.length - 3] ?? 1) : 1;
    const expected = rowLength(tensor) * experts;
    // llama.cpp tolerates a mis-sized entry only for the token embedding (it is never used there).
    if (values.length !== expected && tensor.name !== "token_embd.weight") {
      problems.push({ name: tensor.name, problem: `${values.length} values, expected ${expected}` });
    } else if (!values.every(Number.isFinite)) {
      problems.push({ name: tensor.name, problem: "contains a value that is not finite" });
    }
  }
  return problems;
}

/** "a, b, c and 4 more": a short list for error messages. */
export function summarizeNames(names: readonly string[], shown = 3): string {
  if (names.length <= shown) return names.join(", ");
  return `${names.slice(0, shown).join(", ")} and ${names.length - shown} more`;
}
