/**
 * Public surface of the llama.cpp quantizer: quantize a float GGUF to a llama.cpp type, the type table,
 * and the manifest written beside each result.
 */
export type { QuantizeGgufOptions, QuantizeGgufResult, QuantizeProgress } from "./llamaQuantize.ts";
export type { QuantType, ImatrixPolicy } from "./types.ts";
export type { QuantManifest } from "./manifest.ts";
export type { Imatrix } from "./imatrix.ts";

export { quantizeGguf } from "./llamaQuantize.ts";
export { QUANT_TYPES, findQuantType, quantTypeNames } from "./types.ts";
export { manifestPathFor, MANIFEST_SCHEMA } from "./manifest.ts";
export { readImatrix } from "./imatrix.ts";
export { findRowMismatches, summarizeNames, type RowMismatch, type TensorDescription } from "./compatibility.ts";
export { LLAMA_CPP_RELEASE, QUANT_FALLBACK_TYPES } from "./llamaHeader.ts";
