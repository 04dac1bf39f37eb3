/**
 * Reading Hugging Face safetensors checkpoints: the JSON header of each file (names, dtypes, shapes, byte
 * ranges) and byte ranges of tensor data on demand, so a checkpoint is never loaded into memory whole.
 * Sharded checkpoints are found through model.safetensors.index.json.
 */
import { existsSync } from "node:fs";
import { open, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { QreasonError } from "../errors.ts";

/** safetensors dtype names and their element sizes (all dtypes the format defines). */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
  F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1, F6_E2M3: 1, F6_E3M2: 1, F4: 1,
};

export interface SafetensorsTensor {
  name: string;
  /** safetensors dtype name, e.g. "BF16". */
  dtype: string;
  shape: number[];
  file: string;
  /** Absolute byte offset of the data in `file`. */
  offset: number;
  byteLength: number;
}

const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Parses the header of one .safetensors file. */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsTensor[]> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    const { bytesRead } = await handle.read(prefix, 0, 8, 0);
    if (bytesRead < 8) throw new QreasonError("E_INPUT", "not a safetensors file (shorter than 8 bytes)", { file });
    const headerLength = Number(new DataView(prefix.buffer).getBigUint64(0, true));
    if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
      throw new QreasonError("E_INPUT", `not a safetensors file (header length ${headerLength} is implausible)`, {
        file,
      });
    }
    const headerBytes = new Uint8Array(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder().decode(headerBytes));
    } catch (error) {
      throw new QreasonError("E_INPUT", `safetensors header is not valid JSON: ${(error as Error).message}`, { file });
    }
    if (typeof header !== "object" || header === null || Array.isArray(header)) {
      throw new QreasonError("E_INPUT", "safetensors header is not a JSON object", { file });
    }
    const dataStart = 8 + headerLength;
    const tensors: SafetensorsTensor[] = [];
    for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") continue;
      const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as {
        dtype?: unknown;
        shape?: unknown;
        data_offsets?: unknown;
      };
      const validShape = Array.isArray(shape) && shape.every((dimension) => Number.isInteger(dimension) && dimension >= 0);
      const validOffsets =
        Array.isArray(offsets) && offsets.length === 2 && offsets.every((value) => Number.isInteger(value) && value >= 0);
      if (typeof dtype !== "string" || !validShape || !validOffsets) {
        throw new QreasonError("E_INPUT", "malformed tensor entry (needs dtype, shape, data_offsets)", {
          file,
          field: name,
        });
      }
      const [begin, end] = offsets as [number, number];
      const elementBytes = DTYPE_BYTES[dtype];
      const elements = (shape as number[]).reduce((product, dimension) => product * dimension, 1);
      if (elementBytes !== undefined && elementBytes * elements !== end - begin && dtype !== "F4" && !dtype.startsWith("F6")) {
        throw new QreasonError("E_INPUT", `byte range ${end - begin} does not match ${dtype}[${String(shape)}]`, {
          file,
          field: name,
        });
      }
      if (end < begin || dataStart + end > size) {
        throw new QreasonError("E_INPUT", "data range lies outside the file (truncated download?)", { file, field: name });
      }
      tensors.push({ name, dtype, shape: shape as number[], file, offset: dataStart + begin, byteLength: end - begin });
    }
    return tensors;
  } finally {
    await handle.close();
  }
}

/** The safetensors files of a checkpoint directory: from the shard index when there is one. */
async function checkpointFiles(modelDir: string): Promise<{ files: string[]; weightMap?: Map<string, string> }> {
  const indexPath = path.join(modelDir, "model.safetensors.index.json");
  if (existsSync(indexPath)) {
    let index: { weight_map?: Record<string, unknown> };
    try {
      index = JSON.parse(await readFile(indexPath, "utf8")) as typeof index;
    } catch (error) {
      throw new QreasonError("E_INPUT", `not valid JSON: ${(error as Error).message}`, { file: indexPath });
    }
    if (typeof index.weight_map !== "object" || index.weight_map === null) {
      throw new QreasonError("E_INPUT", "missing or malformed weight_map", { file: indexPath, field: "weight_map" });
    }
    const weightMap = new Map<string, string>();
    for (const [name, shard] of Object.entries(index.weight_map)) {
      if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\")) {
        throw new QreasonError("E_INPUT", `shard name ${JSON.stringify(shard)} is not a plain file name`, {
          file: indexPath,
          field: `weight_map.${name}`,
        });
      }
      weightMap.set(name, shard);
    }
    const files = [...new Set(weightMap.values())].sort().map((shard) => path.join(modelDir, shard));
    for (const file of files) {
      if (!existsSync(file)) {
        throw new QreasonError("E_NOT_FOUND", `shard ${path.basename(file)} listed in the index is missing`, {
          file: indexPath,
        });
      }
    }
    return { files, weightMap };
  }
  const files = (await readdir(modelDir))
    .filter((name) => name.endsWith(".safetensors"))
    .sort()
    .map((name) => path.join(modelDir, name));
  if (files.length === 0) {
    const hasBin = existsSync(path.join(modelDir, "pytorch_model.bin"));
    throw new QreasonError(
      "E_NOT_FOUND",
      hasBin
        ? "only pytorch_model.bin found: qreason reads safetensors only (re-save the model with safe_serialization=True)"
        : "no *.safetensors weights found",
      { file: modelDir },
    );
  }
  return { files };
}

/** Every tensor of the checkpoint in `modelDir`, by name. */
export async function readCheckpointIndex(modelDir: string): Promise<Map<string, SafetensorsTensor>> {
  const { files, weightMap } = await checkpointFiles(modelDir);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const file of files) {
    for (const tensor of await readSafetensorsHeader(file)) {
      if (tensors.has(tensor.name)) {
        throw new QreasonError("E_INPUT", `tensor appears in two shards (${path.basename(tensors.get(tensor.name)!.file)})`, {
          file,
          field: tensor.name,
        });
      }
      tensors.set(tensor.name, tensor);
    }
  }
  if (weightMap) {
    const missing = [...weightMap.keys()].filter((name) => !tensors.has(name));
    if (missing.length > 0) {
      throw new QreasonError("E_INPUT", `the index lists tensors its shards lack: ${missing.slice(0, 5).join(", ")}`, {
        file: path.join(modelDir, "model.safetensors.index.json"),
      });
    }
  }
  return tensors;
}

/** Reads `length` bytes of `tensor`'s data starting `start` bytes into it. */
export async function readTensorRange(tensor: SafetensorsTensor, start: number, length: number): Promise<Uint8Array> {
  if (start < 0 || start + length > tensor.byteLength) {
    throw new RangeError(`range ${start}+${length} outside tensor ${tensor.name} (${tensor.byteLength} bytes)`);
  }
  const handle = await open(tensor.file, "r");
  try {
    // A fresh ArrayBuffer keeps the bytes 8-aligned for typed-array views.
    const bytes = new Uint8Array(new ArrayBuffer(length));
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(bytes, done, length - done, tensor.offset + start + done);
      if (bytesRead === 0) throw new QreasonError("E_INPUT", "file ended early", { file: tensor.file, field: tensor.name });
      done += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
