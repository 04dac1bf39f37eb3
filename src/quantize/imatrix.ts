/**
 * Importance matrices as llama.cpp's `llama-imatrix` writes them, read the way its `llama-quantize` reads
 * them (common/imatrix-loader.cpp + tools/quantize/quantize.cpp of the pinned release):
 *
 * - GGUF format: per weight `<name>.in_sum2` (F32 sums of squared activations, ne0 x n_experts) and
 *   `<name>.counts` (F32 token counts per expert), plus `imatrix.datasets` / `imatrix.chunk_count` /
 *   `imatrix.chunk_size` metadata. Importance = sum / count; 1 where a count is 0.
 * - Legacy `.dat`: i32 entry count; per entry i32 name length, name, i32 ncall, i32 nval, f32[nval];
 *   optionally i32 chunk count, i32 dataset-name length, dataset name. Importance = value / ncall.
 *
 * The result is what llama_model_quantize receives through `params.imatrix`. Writers for both formats are
 * here too (tests; an imatrix computed elsewhere, e.g. by the engine, can be handed to llama.cpp this way).
 */
import { open, readFile, stat } from "node:fs/promises";
import { QreasonError } from "../errors.ts";
import {
  gguf,
  ggmlTypeByName,
  readGguf,
  readTensorBytes,
  writeGguf,
  type GgufFile,
  type GgufMetadata,
  type GgufTensorSource,
} from "../gguf/index.ts";

export interface Imatrix {
  format: "gguf" | "legacy";
  /** Importance per weight tensor (GGUF tensor name -> one value per input column, per expert). */
  entries: Map<string, Float32Array>;
  datasets: string[];
  chunkCount: number;
}

const GGUF_MAGIC_BYTES = [0x47, 0x47, 0x55, 0x46]; // "GGUF"

async function startsWithGgufMagic(path: string): Promise<boolean> {
  // Before opening: a directory opens but cannot be read, and a FIFO's open waits for a writer.
  const kind = await stat(path).catch(() => undefined);
  if (kind !== undefined && !kind.isFile()) {
    throw new QreasonError("E_INPUT", `not an imatrix file: ${kind.isDirectory() ? "a directory" : "not a regular file"}`, { file: path });
  }
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    throw new QreasonError(error.code === "ENOENT" ? "E_NOT_FOUND" : "E_INPUT", `cannot open imatrix file: ${error.code}`, {
      file: path,
    });
  });
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && GGUF_MAGIC_BYTES.every((byte, index) => head[index] === byte);
  } finally {
    await handle.close();
  }
}

/** Reads an imatrix in either format; E_INPUT naming the file and entry when it is malformed. */
export async function readImatrix(path: string): Promise<Imatrix> {
  return (await startsWithGgufMagic(path)) ? readGgufImatrix(path) : parseLegacyImatrix(await readFile(path), path);
}

/** Legacy `.dat` imatrix from its bytes. */
export function parseLegacyImatrix(bytes: Uint8Array, file: string): Imatrix {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 0;
  const fail = (message: string, field?: string): never => {
    throw new QreasonError("E_INPUT", `not a llama.cpp imatrix (.dat or GGUF): ${message}`, { file, field });
  };
  const i32 = (what: string): number => {
    if (position + 4 > bytes.length) fail(`file ends inside ${what}`);
    const value = view.getInt32(position, true);
    position += 4;
    return value;
  };
  const text = (length: number, what: string): string => {
    if (length < 0 || position + length > bytes.length) fail(`bad length ${length} for ${what}`);
    const value = new TextDecoder().decode(bytes.subarray(position, position + length));
    position += length;
    return value;
  };
  const entryCount = i32("the entry count");
  if (entryCount < 1 || entryCount > 1_000_000) fail(`implausible entry count ${entryCount}`);
  const entries = new Map<string, Float32Array>();
  for (let index = 0; index < entryCount; index += 1) {
    const name = text(i32(`entry ${index + 1}'s name length`), `entry ${index + 1}'s name`);
    const callCount = i32(`${name}: call count`);
    const valueCount = i32(`${name}: value count`);
    if (valueCount < 1 || position + valueCount * 4 > bytes.length) fail(`bad value count ${valueCount}`, name);
    const values = new Float32Array(valueCount);
    for (let item = 0; item < valueCount; item += 1) values[item] = view.getFloat32(position + item * 4, true);
    position += valueCount * 4;
    // Legacy sums hold (raw / count) * ncall; dividing by ncall gives the mean, as llama-quantize does.
    if (callCount > 0) for (let item = 0; item < valueCount; item += 1) values[item] = values[item]! / callCount;
    entries.set(name, values);
  }
  let chunkCount = 0;
  const datasets: string[] = [];
  if (position + 4 <= bytes.length) {
    chunkCount = i32("the chunk count");
    if (position + 4 <= bytes.length) {
      const length = i32("the dataset name length");
      if (length > 0) datasets.push(text(length, "the dataset name"));
    }
  }
  return { format: "legacy", entries, datasets, chunkCount };
}

function metadataNumberOrZero(file: GgufFile, key: string): number {
  const value = file.metadata.get(key);
  return value !== undefined && (value.type === "u32" || value.type === "i32") ? value.value : 0;
}

async function readGgufImatrix(path: string): Promise<Imatrix> {
  const file = await readGguf(path);
  const fail = (message: string, field?: string): never => {
    throw new QreasonError("E_INPUT", `not a llama.cpp GGUF imatrix: ${message}`, { file: path, field });
  };
  const keys = ["imatrix.datasets", "imatrix.chunk_count", "imatrix.chunk_size"];
  const missing = keys.filter((key) => !file.metadata.has(key));
  if (missing.length > 0) fail(`metadata ${missing.join(", ")} missing (is this a model file rather than an imatrix?)`);
  const datasetsValue = file.metadata.get("imatrix.datasets");
  const datasets =
    datasetsValue?.type === "array" ? datasetsValue.values.filter((item): item is string => typeof item === "string") : [];
  const byName = new Map(file.tensors.map((tensor) => [tensor.name, tensor]));
  const entries = new Map<string, Float32Array>();
  for (const tensor of file.tensors) {
    if (!tensor.name.endsWith(".in_sum2")) continue;
    const name = tensor.name.slice(0, -".in_sum2".length);
    const counts = byName.get(`${name}.counts`);
    if (counts === undefined) fail("sums without counts", name);
    if (tensor.typeName !== "F32" || counts!.typeName !== "F32") fail("sums and counts must be F32", name);
    const sums = toFloat32(await readTensorBytes(file, tensor));
    const countValues = toFloat32(await readTensorBytes(file, counts!));
    if (countValues.length === 0 || sums.length % countValues.length !== 0) {
      fail(`${sums.length} sums do not split into ${countValues.length} experts`, name);
    }
    entries.set(name, normalizeSums(sums, countValues));
  }
  if (entries.size === 0) fail("no <name>.in_sum2 tensors");
  return { format: "gguf", entries, datasets, chunkCount: metadataNumberOrZero(file, "imatrix.chunk_count") };
}

function toFloat32(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes); // own, aligned buffer
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

/** Mean squared activation per column: sums / count per expert slice, 1 where nothing was counted. */
export function normalizeSums(sums: Float32Array, counts: Float32Array): Float32Array {
  const perExpert = sums.length / counts.length;
  const result = new Float32Array(sums.length);
  for (let expert = 0; expert < counts.length; expert += 1) {
    const count = Math.round(counts[expert]!);
    for (let column = 0; column < perExpert; column += 1) {
      const at = expert * perExpert + column;
      result[at] = count > 0 ? sums[at]! / count : 1;
    }
  }
  return result;
}

/** What a writer needs: mean importance per tensor, plus how much text produced it. */
export interface ImatrixWrite {
  entries: ReadonlyMap<string, Float32Array>;
  /** Tokens (GGUF) or calls (legacy) the means were averaged over. */
  count: number;
  chunkCount: number;
  dataset: string;
}

/** Legacy `.dat` bytes; values are stored as mean * count, the way llama-imatrix stored them. */
export function encodeLegacyImatrix(imatrix: ImatrixWrite): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const int32 = (value: number): void => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setInt32(0, value, true);
    parts.push(bytes);
  };
  int32(imatrix.entries.size);
  for (const [name, values] of imatrix.entries) {
    const nameBytes = encoder.encode(name);
    int32(nameBytes.length);
    parts.push(nameBytes);
    int32(imatrix.count);
    int32(values.length);
    const scaled = Float32Array.from(values, (value) => value * imatrix.count);
    parts.push(new Uint8Array(scaled.buffer));
  }
  int32(imatrix.chunkCount);
  const datasetBytes = encoder.encode(imatrix.dataset);
  int32(datasetBytes.length);
  parts.push(datasetBytes);
  return Buffer.concat(parts);
}

/** A GGUF imatrix (sums and counts per tensor, one expert), as current llama-imatrix writes. */
export async function writeGgufImatrix(outPath: string, imatrix: ImatrixWrite): Promise<void> {
  const f32Type = ggmlTypeByName("F32")!.id;
  const tensor = (name: string, values: Float32Array, shape: number[]): GgufTensorSource => ({
    name,
    shape,
    ggmlType: f32Type,
    byteLength: values.byteLength,
    chunks: async function* () {
      yield new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    },
  });
  const tensors: GgufTensorSource[] = [];
  for (const [name, values] of imatrix.entries) {
    tensors.push(tensor(`${name}.in_sum2`, Float32Array.from(values, (value) => value * imatrix.count), [1, values.length]));
    tensors.push(tensor(`${name}.counts`, Float32Array.of(imatrix.count), [1, 1]));
  }
  const metadata: GgufMetadata = new Map([
    ["general.type", gguf.str("imatrix")],
    ["imatrix.datasets", gguf.array("string", [imatrix.dataset])],
    ["imatrix.chunk_count", gguf.u32(imatrix.chunkCount)],
    ["imatrix.chunk_size", gguf.u32(512)],
  ]);
  await writeGguf(outPath, metadata, tensors);
}
