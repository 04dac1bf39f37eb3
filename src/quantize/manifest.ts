/**
 * `qreason-quant.json` for a GGUF variant: what was made, from what, how, and what it measures. It sits
 * beside the GGUF as `<name>.qreason-quant.json` (several variants may share one folder) and is the
 * provenance every later stage records. Bits per weight are measured from the written file's tensor table,
 * not taken from the type's nominal figure.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { GgufTensorInfo } from "../gguf/index.ts";
import { isQuantizedByLlamaCpp } from "./compatibility.ts";

export const MANIFEST_SCHEMA = "qreason-quant/gguf/v1";

export interface FileFacts {
  path: string;
  sha256: string;
  bytes: number;
}

export interface TensorTypeFacts {
  /** Tensor count per ggml type, e.g. { Q4_K: 12, Q6_K: 3, F32: 5 }. */
  tensorTypes: Record<string, number>;
  /** Bits per weight over every tensor in the file (tensor bytes * 8 / elements). */
  bitsPerWeight: number;
  /** Bits per weight over the tensors llama.cpp quantizes (2-D weights), the figure types are named after. */
  quantizedBitsPerWeight: number;
  elements: number;
  tensorBytes: number;
}

export interface QuantManifest {
  schema: typeof MANIFEST_SCHEMA;
  engine: "llama.cpp";
  type: string;
  ftype: number;
  /** Every tensor in the type itself, no k-quant mixture (llama-quantize --pure). */
  pure: boolean;
  source: FileFacts & { tensorTypes: Record<string, number> };
  output: FileFacts & TensorTypeFacts;
  imatrix: (FileFacts & { format: "gguf" | "legacy"; entries: number; chunks: number; datasets: string[] }) | null;
  /** Tensors stored in another type than requested because their rows did not fit (only with allowFallback). */
  fallbacks: Array<{ name: string; rowLength: number; storedAs: string }>;
  threads: number;
  seconds: number;
  createdAt: string;
  llamaCpp: { release: string; version: string; library: string };
}

/** Where the manifest of `ggufPath` lives: `dir/name.gguf` -> `dir/name.qreason-quant.json`. */
export function manifestPathFor(ggufPath: string): string {
  const base = path.basename(ggufPath).replace(/\.gguf$/i, "");
  return path.join(path.dirname(ggufPath), `${base}.qreason-quant.json`);
}

export async function sha256File(filePath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const elementCount = (tensor: Pick<GgufTensorInfo, "shape">): number =>
  tensor.shape.reduce((product, dimension) => product * dimension, 1);

export function countTensorTypes(tensors: readonly Pick<GgufTensorInfo, "typeName">[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const tensor of tensors) counts[tensor.typeName] = (counts[tensor.typeName] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Type histogram and bits per weight of a GGUF's tensors. */
export function tensorTypeFacts(tensors: readonly GgufTensorInfo[]): TensorTypeFacts {
  const sum = (list: readonly GgufTensorInfo[], of: (tensor: GgufTensorInfo) => number): number =>
    list.reduce((total, tensor) => total + of(tensor), 0);
  const quantized = tensors.filter(isQuantizedByLlamaCpp);
  const elements = sum(tensors, elementCount);
  const tensorBytes = sum(tensors, (tensor) => tensor.byteLength);
  const quantizedElements = sum(quantized, elementCount);
  return {
    tensorTypes: countTensorTypes(tensors),
    bitsPerWeight: elements > 0 ? (tensorBytes * 8) / elements : 0,
    quantizedBitsPerWeight: quantizedElements > 0 ? (sum(quantized, (tensor) => tensor.byteLength) * 8) / quantizedElements : 0,
    elements,
    tensorBytes,
  };
}

export async function writeManifest(ggufPath: string, manifest: QuantManifest): Promise<string> {
  const target = manifestPathFor(ggufPath);
  await writeFile(target, `${JSON.stringify(manifest, null, 2)}\n`);
  return target;
}
