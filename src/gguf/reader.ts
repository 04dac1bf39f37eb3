/**
 * A small GGUF reader: header, typed metadata and tensor infos, plus raw tensor bytes on request. Used by
 * tests, by the quantizer to validate its input, and by anything that needs to know what a GGUF holds
 * without loading a model.
 */
import { open, stat } from "node:fs/promises";
import { QreasonError } from "../errors.ts";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VALUE_TYPE_NAMES,
  ggmlByteSize,
  ggmlTypeById,
  type GgufScalarTypeName,
  type GgufValueTypeName,
} from "./constants.ts";
import type { GgufMetadata, GgufMetadataValue, GgufScalar } from "./metadata.ts";
import { paddingFor } from "./writer.ts";

export interface GgufTensorInfo {
  name: string;
  /** Row-major shape, outermost first (the file's ggml order reversed). */
  shape: number[];
  ggmlType: number;
  /** ggml type name, e.g. "F16", "Q4_K". */
  typeName: string;
  /** Absolute byte offset of the data in the file. */
  offset: number;
  byteLength: number;
}

export interface GgufFile {
  path: string;
  version: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
  alignment: number;
  /** Absolute offset where tensor data begins. */
  dataOffset: number;
  fileBytes: number;
}

/** Raised inside the parser when the bytes read so far end mid-header; the caller reads more and retries. */
class NeedMoreBytes extends Error {}

class Cursor {
  position = 0;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  /** Size of the whole file (`bytes` may be a prefix of it): no count can claim more items than fit. */
  private readonly fileBytes: number;
  constructor(bytes: Uint8Array, fileBytes: number) {
    this.bytes = bytes;
    this.fileBytes = fileBytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private take(count: number): number {
    if (this.position + count > this.bytes.length) throw new NeedMoreBytes();
    const at = this.position;
    this.position += count;
    return at;
  }
  u8 = (): number => this.view.getUint8(this.take(1));
  i8 = (): number => this.view.getInt8(this.take(1));
  u16 = (): number => this.view.getUint16(this.take(2), true);
  i16 = (): number => this.view.getInt16(this.take(2), true);
  u32 = (): number => this.view.getUint32(this.take(4), true);
  i32 = (): number => this.view.getInt32(this.take(4), true);
  f32 = (): number => this.view.getFloat32(this.take(4), true);
  f64 = (): number => this.view.getFloat64(this.take(8), true);
  u64 = (): bigint => this.view.getBigUint64(this.take(8), true);
  i64 = (): bigint => this.view.getBigInt64(this.take(8), true);
  /** A u64 that must fit a JS number (counts, lengths, offsets). */
  size(what: string): number {
    const value = this.u64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`${what} ${value} is implausibly large`);
    return Number(value);
  }
  /**
   * A count of items of at least `itemBytes` each. A crafted header claims 2^52 tensors in a 24-byte file;
   * believing it means allocating or looping for each (node-llama-cpp's reader ran to 2 GB that way).
   */
  count(what: string, itemBytes: number): number {
    const value = this.size(what);
    const left = this.fileBytes - this.position;
    if (value * itemBytes > left) throw new FormatError(`${what} ${value} needs more bytes than are left in the file (${left}): truncated or corrupt`);
    return value;
  }
  string(): string {
    const length = this.count("string length", 1);
    const at = this.take(length);
    return new TextDecoder("utf-8", { fatal: false }).decode(this.bytes.subarray(at, at + length));
  }
}

/** A structural problem in the file (not a short read). */
class FormatError extends Error {}

function readScalar(cursor: Cursor, type: GgufScalarTypeName): GgufScalar {
  switch (type) {
    case "u8":
      return cursor.u8();
    case "i8":
      return cursor.i8();
    case "u16":
      return cursor.u16();
    case "i16":
      return cursor.i16();
    case "u32":
      return cursor.u32();
    case "i32":
      return cursor.i32();
    case "f32":
      return cursor.f32();
    case "f64":
      return cursor.f64();
    case "u64":
      return cursor.u64();
    case "i64":
      return cursor.i64();
    case "bool":
      return cursor.u8() !== 0;
    case "string":
      return cursor.string();
  }
}

function valueTypeName(id: number, key: string): GgufValueTypeName {
  const name = GGUF_VALUE_TYPE_NAMES.get(id);
  if (name === undefined) throw new FormatError(`metadata ${key}: unknown value type ${id}`);
  return name;
}

/** The fewest bytes one item of each type takes (a string: its u64 length). */
const SCALAR_BYTES: Record<GgufScalarTypeName, number> = { u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8, string: 8 };

function readValue(cursor: Cursor, key: string): GgufMetadataValue {
  const type = valueTypeName(cursor.u32(), key);
  if (type !== "array") return { type, value: readScalar(cursor, type) } as GgufMetadataValue;
  const itemType = valueTypeName(cursor.u32(), key);
  if (itemType === "array") throw new FormatError(`metadata ${key}: nested arrays are not supported`);
  const count = cursor.count(`metadata ${key}: array length`, SCALAR_BYTES[itemType]);
  const values: GgufScalar[] = new Array<GgufScalar>(count);
  for (let index = 0; index < count; index += 1) values[index] = readScalar(cursor, itemType);
  return { type: "array", itemType, values };
}

function parseHeader(bytes: Uint8Array, path: string, fileBytes: number): GgufFile {
  const cursor = new Cursor(bytes, fileBytes);
  if (cursor.u32() !== GGUF_MAGIC) throw new FormatError("not a GGUF file (bad magic)");
  const version = cursor.u32();
  if (version < 2 || version > 3) throw new FormatError(`unsupported GGUF version ${version} (expected 2 or 3)`);
  // A tensor info takes at least 24 bytes (name length, dimension count, type, offset); a key-value 13.
  const tensorCount = cursor.count("tensor count", 24);
  const metadataCount = cursor.count("metadata count", 13);
  const metadata: GgufMetadata = new Map();
  for (let index = 0; index < metadataCount; index += 1) {
    const key = cursor.string();
    metadata.set(key, readValue(cursor, key));
  }
  const alignmentValue = metadata.get("general.alignment");
  const alignment =
    alignmentValue && alignmentValue.type === "u32" ? alignmentValue.value : GGUF_DEFAULT_ALIGNMENT;
  const infos: Array<Omit<GgufTensorInfo, "offset"> & { relativeOffset: number }> = [];
  for (let index = 0; index < tensorCount; index += 1) {
    const name = cursor.string();
    const dimensionCount = cursor.u32();
    if (dimensionCount > 4) throw new FormatError(`tensor ${name}: ${dimensionCount} dimensions (ggml allows 4)`);
    const dimensions: number[] = [];
    for (let axis = 0; axis < dimensionCount; axis += 1) dimensions.push(cursor.size(`tensor ${name}: dimension`));
    const ggmlType = cursor.u32();
    const relativeOffset = cursor.size(`tensor ${name}: offset`);
    const type = ggmlTypeById(ggmlType);
    if (type === undefined) throw new FormatError(`tensor ${name}: unknown ggml type ${ggmlType}`);
    const elements = dimensions.reduce((product, dimension) => product * dimension, 1);
    if ((dimensions[0] ?? 1) % type.blockSize !== 0) {
      throw new FormatError(`tensor ${name}: row length ${dimensions[0]} is not a multiple of ${type.name}'s block`);
    }
    infos.push({
      name,
      shape: [...dimensions].reverse(),
      ggmlType,
      typeName: type.name,
      relativeOffset,
      byteLength: ggmlByteSize(type, elements),
    });
  }
  const dataOffset = cursor.position + paddingFor(cursor.position, alignment);
  const tensors = infos.map(({ relativeOffset, ...info }) => {
    const offset = dataOffset + relativeOffset;
    if (offset + info.byteLength > fileBytes) {
      throw new FormatError(`tensor ${info.name}: data runs past the end of the file (truncated?)`);
    }
    return { ...info, offset };
  });
  return { path, version, metadata, tensors, alignment, dataOffset, fileBytes };
}

/** Reads the header of the GGUF at `path`; QreasonError E_INPUT when it is not a readable GGUF. */
export async function readGguf(path: string): Promise<GgufFile> {
  let handle;
  try {
    // Before opening: opening a FIFO waits for a writer, and a directory opens but cannot be read.
    const kind = await stat(path);
    if (!kind.isFile()) {
      throw new QreasonError("E_INPUT", `not a GGUF file: ${kind.isDirectory() ? "a directory" : "not a regular file"}`, { file: path });
    }
    handle = await open(path, "r");
  } catch (error) {
    if (error instanceof QreasonError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new QreasonError(code === "ENOENT" ? "E_NOT_FOUND" : "E_INPUT", `cannot open GGUF file: ${code ?? error}`, {
      file: path,
    });
  }
  try {
    const { size } = await handle.stat();
    // Headers are small except for big vocabularies; read a prefix and grow it until the header fits.
    let length = Math.min(size, 1 << 20);
    for (;;) {
      const bytes = new Uint8Array(length);
      const { bytesRead } = await handle.read(bytes, 0, length, 0);
      try {
        return parseHeader(bytes.subarray(0, bytesRead), path, size);
      } catch (error) {
        if (error instanceof NeedMoreBytes) {
          if (length >= size) throw new QreasonError("E_INPUT", "GGUF header is truncated", { file: path });
          length = Math.min(size, length * 4);
          continue;
        }
        if (error instanceof FormatError) throw new QreasonError("E_INPUT", error.message, { file: path });
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
}

/** The raw bytes of one tensor. */
export async function readTensorBytes(file: GgufFile, tensor: GgufTensorInfo): Promise<Uint8Array> {
  const handle = await open(file.path, "r");
  try {
    const bytes = new Uint8Array(tensor.byteLength);
    const { bytesRead } = await handle.read(bytes, 0, tensor.byteLength, tensor.offset);
    if (bytesRead !== tensor.byteLength) {
      throw new QreasonError("E_INPUT", `tensor ${tensor.name} is truncated`, { file: file.path });
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Convenience accessors for metadata of an expected type. */
export function metadataString(file: GgufFile, key: string): string | undefined {
  const value = file.metadata.get(key);
  return value?.type === "string" ? value.value : undefined;
}

export function metadataNumber(file: GgufFile, key: string): number | undefined {
  const value = file.metadata.get(key);
  if (value === undefined || value.type === "array" || value.type === "string" || value.type === "bool") return undefined;
  return Number(value.value);
}
