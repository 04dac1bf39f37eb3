/**
 * Typed GGUF metadata values and small constructors, so callers say `u32(4096)` rather than guessing which
 * integer width llama.cpp expects for a key (it rejects a key stored with the wrong type).
 */
import type { GgufScalarTypeName } from "./constants.ts";

export type GgufScalar = number | bigint | boolean | string;

export type GgufMetadataValue =
  | { type: "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64"; value: number }
  | { type: "u64" | "i64"; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; itemType: GgufScalarTypeName; values: readonly GgufScalar[] };

/** Metadata in file order (a Map keeps insertion order; llama.cpp does not care, humans reading dumps do). */
export type GgufMetadata = Map<string, GgufMetadataValue>;

export const u8 = (value: number): GgufMetadataValue => ({ type: "u8", value });
export const i8 = (value: number): GgufMetadataValue => ({ type: "i8", value });
export const u16 = (value: number): GgufMetadataValue => ({ type: "u16", value });
export const i16 = (value: number): GgufMetadataValue => ({ type: "i16", value });
export const u32 = (value: number): GgufMetadataValue => ({ type: "u32", value });
export const i32 = (value: number): GgufMetadataValue => ({ type: "i32", value });
export const f32 = (value: number): GgufMetadataValue => ({ type: "f32", value });
export const f64 = (value: number): GgufMetadataValue => ({ type: "f64", value });
export const u64 = (value: bigint): GgufMetadataValue => ({ type: "u64", value });
export const i64 = (value: bigint): GgufMetadataValue => ({ type: "i64", value });
export const bool = (value: boolean): GgufMetadataValue => ({ type: "bool", value });
export const str = (value: string): GgufMetadataValue => ({ type: "string", value });
export const array = (itemType: GgufScalarTypeName, values: readonly GgufScalar[]): GgufMetadataValue => ({
  type: "array",
  itemType,
  values,
});
