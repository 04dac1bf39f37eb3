/**
 * GGUF v3 constants: metadata value types, ggml tensor types with their block layout, and llama.cpp's
 * file-type codes. Numbers come from ggml.h / gguf.h of llama.cpp and must not change (they are on disk).
 */

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types as stored in the file (gguf_type). */
export const GGUF_VALUE_TYPE = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
} as const;

export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE;
export type GgufScalarTypeName = Exclude<GgufValueTypeName, "array">;

export const GGUF_VALUE_TYPE_NAMES: ReadonlyMap<number, GgufValueTypeName> = new Map(
  Object.entries(GGUF_VALUE_TYPE).map(([name, id]) => [id, name as GgufValueTypeName]),
);

export interface GgmlTypeInfo {
  name: string;
  id: number;
  /** Elements per block (1 for plain float/int types). */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
}

/** ggml tensor types that can appear in a GGUF file (removed and runtime-only types are absent). */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  { name: "F32", id: 0, blockSize: 1, typeSize: 4 },
  { name: "F16", id: 1, blockSize: 1, typeSize: 2 },
  { name: "Q4_0", id: 2, blockSize: 32, typeSize: 18 },
  { name: "Q4_1", id: 3, blockSize: 32, typeSize: 20 },
  { name: "Q5_0", id: 6, blockSize: 32, typeSize: 22 },
  { name: "Q5_1", id: 7, blockSize: 32, typeSize: 24 },
  { name: "Q8_0", id: 8, blockSize: 32, typeSize: 34 },
  { name: "Q8_1", id: 9, blockSize: 32, typeSize: 36 },
  { name: "Q2_K", id: 10, blockSize: 256, typeSize: 84 },
  { name: "Q3_K", id: 11, blockSize: 256, typeSize: 110 },
  { name: "Q4_K", id: 12, blockSize: 256, typeSize: 144 },
  { name: "Q5_K", id: 13, blockSize: 256, typeSize: 176 },
  { name: "Q6_K", id: 14, blockSize: 256, typeSize: 210 },
  { name: "Q8_K", id: 15, blockSize: 256, typeSize: 292 },
  { name: "IQ2_XXS", id: 16, blockSize: 256, typeSize: 66 },
  { name: "IQ2_XS", id: 17, blockSize: 256, typeSize: 74 },
  { name: "IQ3_XXS", id: 18, blockSize: 256, typeSize: 98 },
  { name: "IQ1_S", id: 19, blockSize: 256, typeSize: 50 },
  { name: "IQ4_NL", id: 20, blockSize: 32, typeSize: 18 },
  { name: "IQ3_S", id: 21, blockSize: 256, typeSize: 110 },
  { name: "IQ2_S", id: 22, blockSize: 256, typeSize: 82 },
  { name: "IQ4_XS", id: 23, blockSize: 256, typeSize: 136 },
  { name: "I8", id: 24, blockSize: 1, typeSize: 1 },
  { name: "I16", id: 25, blockSize: 1, typeSize: 2 },
  { name: "I32", id: 26, blockSize: 1, typeSize: 4 },
  { name: "I64", id: 27, blockSize: 1, typeSize: 8 },
  { name: "F64", id: 28, blockSize: 1, typeSize: 8 },
  { name: "IQ1_M", id: 29, blockSize: 256, typeSize: 56 },
  { name: "BF16", id: 30, blockSize: 1, typeSize: 2 },
  { name: "TQ1_0", id: 34, blockSize: 256, typeSize: 54 },
  { name: "TQ2_0", id: 35, blockSize: 256, typeSize: 66 },
  { name: "MXFP4", id: 39, blockSize: 32, typeSize: 17 },
];

const typesById = new Map(GGML_TYPES.map((info) => [info.id, info]));
const typesByName = new Map(GGML_TYPES.map((info) => [info.name, info]));

export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return typesById.get(id);
}

export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return typesByName.get(name.toUpperCase());
}

/** Bytes that `elementCount` elements (a multiple of the block size along rows) take in `type`. */
export function ggmlByteSize(type: GgmlTypeInfo, elementCount: number): number {
  return (elementCount / type.blockSize) * type.typeSize;
}

/** llama.cpp's `general.file_type` (llama_ftype) for the types the exporter writes. */
export const LLAMA_FILE_TYPE = { F32: 0, F16: 1, BF16: 32 } as const;
