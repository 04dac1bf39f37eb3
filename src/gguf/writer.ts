/**
 * A generic GGUF v3 writer: header, typed metadata, tensor infos, alignment padding, then tensor data streamed
 * tensor by tensor so a model larger than memory can be written. The file appears under its final name only
 * when complete (written beside it, then renamed), so a failed export never leaves a truncated model behind.
 */
import { open, rename, rm } from "node:fs/promises";
import { QreasonError } from "../errors.ts";
import { removeAtExit } from "../io/index.ts";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VALUE_TYPE, GGUF_VERSION, type GgufScalarTypeName } from "./constants.ts";
import type { GgufMetadata, GgufMetadataValue, GgufScalar } from "./metadata.ts";

export interface GgufTensorSource {
  name: string;
  /** Row-major shape, outermost first (as numpy/torch write it); the file stores it reversed (ggml order). */
  shape: readonly number[];
  /** ggml type id (see GGML_TYPES). */
  ggmlType: number;
  /** Exact byte length of the tensor's data. */
  byteLength: number;
  /** Yields the tensor's bytes in order; their total must equal byteLength. */
  chunks: () => AsyncIterable<Uint8Array>;
}

export interface WriteGgufOptions {
  /** Data alignment; written as general.alignment when not the default 32. */
  alignment?: number;
  /** Called after each tensor with the number of tensors written so far. */
  onTensorWritten?: (written: number, total: number) => void;
}

/** Grows a byte buffer as values are appended (the header is small: metadata plus tensor infos). */
class ByteSink {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }
  i8(value: number): void {
    this.reserve(1);
    this.view.setInt8(this.length, value);
    this.length += 1;
  }
  u16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }
  i16(value: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, value, true);
    this.length += 2;
  }
  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }
  i32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }
  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }
  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }
  u64(value: bigint | number): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }
  i64(value: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, value, true);
    this.length += 8;
  }
  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }
  string(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.u64(encoded.length);
    this.bytes(encoded);
  }
  padTo(alignment: number): void {
    const padding = paddingFor(this.length, alignment);
    this.reserve(padding);
    this.buffer.fill(0, this.length, this.length + padding);
    this.length += padding;
  }
  contents(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

export function paddingFor(offset: number, alignment: number): number {
  return (alignment - (offset % alignment)) % alignment;
}

function checkedInteger(key: string, type: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new QreasonError("E_INTERNAL", `metadata ${key}: ${value} does not fit ${type}`, { field: key });
  }
  return value;
}

function writeScalar(sink: ByteSink, key: string, type: GgufScalarTypeName, value: GgufScalar): void {
  const expect = (kind: string): never => {
    throw new QreasonError("E_INTERNAL", `metadata ${key}: expected ${kind} for ${type}, got ${typeof value}`, {
      field: key,
    });
  };
  switch (type) {
    case "u8":
      return typeof value === "number" ? sink.u8(checkedInteger(key, type, value, 0, 0xff)) : expect("number");
    case "i8":
      return typeof value === "number" ? sink.i8(checkedInteger(key, type, value, -0x80, 0x7f)) : expect("number");
    case "u16":
      return typeof value === "number" ? sink.u16(checkedInteger(key, type, value, 0, 0xffff)) : expect("number");
    case "i16":
      return typeof value === "number" ? sink.i16(checkedInteger(key, type, value, -0x8000, 0x7fff)) : expect("number");
    case "u32":
      return typeof value === "number" ? sink.u32(checkedInteger(key, type, value, 0, 0xffffffff)) : expect("number");
    case "i32":
      return typeof value === "number"
        ? sink.i32(checkedInteger(key, type, value, -0x80000000, 0x7fffffff))
        : expect("number");
    case "f32":
      return typeof value === "number" ? sink.f32(value) : expect("number");
    case "f64":
      return typeof value === "number" ? sink.f64(value) : expect("number");
    case "u64":
      return typeof value === "bigint" ? sink.u64(value) : expect("bigint");
    case "i64":
      return typeof value === "bigint" ? sink.i64(value) : expect("bigint");
    case "bool":
      return typeof value === "boolean" ? sink.u8(value ? 1 : 0) : expect("boolean");
    case "string":
      return typeof value === "string" ? sink.string(value) : expect("string");
  }
}

function writeValue(sink: ByteSink, key: string, value: GgufMetadataValue): void {
  sink.u32(GGUF_VALUE_TYPE[value.type]);
  if (value.type === "array") {
    sink.u32(GGUF_VALUE_TYPE[value.itemType]);
    sink.u64(value.values.length);
    for (const item of value.values) writeScalar(sink, key, value.itemType, item);
    return;
  }
  writeScalar(sink, key, value.type, value.value);
}

/** The header and tensor-info block, padded to the data alignment, plus each tensor's offset in the data. */
export function encodeGgufHeader(
  metadata: GgufMetadata,
  tensors: readonly Omit<GgufTensorSource, "chunks">[],
  alignment: number = GGUF_DEFAULT_ALIGNMENT,
): { header: Uint8Array; offsets: number[]; dataBytes: number } {
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw new QreasonError("E_INTERNAL", `GGUF alignment must be a positive multiple of 8, got ${alignment}`);
  }
  const entries = new Map(metadata);
  if (alignment !== GGUF_DEFAULT_ALIGNMENT) entries.set("general.alignment", { type: "u32", value: alignment });
  else if (entries.has("general.alignment")) {
    throw new QreasonError("E_INTERNAL", "set general.alignment through the writer's alignment option");
  }
  const sink = new ByteSink();
  sink.u32(GGUF_MAGIC);
  sink.u32(GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(entries.size);
  for (const [key, value] of entries) {
    sink.string(key);
    writeValue(sink, key, value);
  }
  const offsets: number[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const tensor of tensors) {
    if (names.has(tensor.name)) throw new QreasonError("E_INTERNAL", `duplicate tensor name ${tensor.name}`);
    names.add(tensor.name);
    sink.string(tensor.name);
    sink.u32(tensor.shape.length);
    for (const dimension of [...tensor.shape].reverse()) sink.u64(dimension);
    sink.u32(tensor.ggmlType);
    sink.u64(offset);
    offsets.push(offset);
    offset += tensor.byteLength + paddingFor(tensor.byteLength, alignment);
  }
  sink.padTo(alignment);
  return { header: sink.contents(), offsets, dataBytes: offset };
}

/** Writes a complete GGUF file to `outPath` (atomically: temp file, then rename). */
export async function writeGguf(
  outPath: string,
  metadata: GgufMetadata,
  tensors: readonly GgufTensorSource[],
  options: WriteGgufOptions = {},
): Promise<{ bytes: number }> {
  const alignment = options.alignment ?? GGUF_DEFAULT_ALIGNMENT;
  const { header } = encodeGgufHeader(metadata, tensors, alignment);
  const temporaryPath = `${outPath}.partial-${process.pid}`;
  const handle = await open(temporaryPath, "w");
  const keep = removeAtExit(temporaryPath); // an interrupted export leaves no partial file
  let position = 0;
  const write = async (data: Uint8Array): Promise<void> => {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await handle.write(data, done, data.length - done, position);
      done += bytesWritten;
      position += bytesWritten;
    }
  };
  try {
    await write(header);
    let written = 0;
    for (const tensor of tensors) {
      let produced = 0;
      for await (const chunk of tensor.chunks()) {
        produced += chunk.length;
        if (produced > tensor.byteLength) break;
        await write(chunk);
      }
      if (produced !== tensor.byteLength) {
        throw new QreasonError(
          "E_INTERNAL",
          `tensor ${tensor.name}: produced ${produced} bytes, expected ${tensor.byteLength}`,
        );
      }
      await write(new Uint8Array(paddingFor(tensor.byteLength, alignment)));
      written += 1;
      options.onTensorWritten?.(written, tensors.length);
    }
    await handle.close();
    await rename(temporaryPath, outPath);
    keep();
    return { bytes: position };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporaryPath, { force: true });
    keep();
    throw error;
  }
}
