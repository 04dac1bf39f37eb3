/** The `engine` backend: qreason's Python engine spawned as `qreason-engine serve --stdio`. */
export { createEngineBackend, EngineBackend, type EngineBackendOptions } from "./backend.ts";
export type { EngineInfo } from "./protocol.ts";
