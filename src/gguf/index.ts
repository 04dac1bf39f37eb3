/**
 * GGUF: writing (export from Hugging Face checkpoints) and reading (inspection, validation).
 */
export { exportGguf, EXPORT_TYPES, type ExportOptions, type ExportResult, type ExportType } from "./export.ts";
export { exportLoraGguf, type LoraExportOptions, type LoraExportResult } from "./lora.ts";
export { readGguf, readTensorBytes, metadataNumber, metadataString, type GgufFile, type GgufTensorInfo } from "./reader.ts";
export { writeGguf, type GgufTensorSource, type WriteGgufOptions } from "./writer.ts";
export type { GgufMetadata, GgufMetadataValue, GgufScalar } from "./metadata.ts";
export * as gguf from "./metadata.ts";
export { GGML_TYPES, ggmlTypeById, ggmlTypeByName, type GgmlTypeInfo } from "./constants.ts";
export { SUPPORTED_HF_ARCHITECTURES, expectedTensors, readHyperparameters, resolveArchitecture } from "./architectures.ts";
export type { Hyperparameters } from "./architectures.ts";
