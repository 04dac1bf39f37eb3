/**
 * Public surface of the run store: opening a run directory's database, the records it holds, and the
 * content-hashed keys that make a resumed run skip what is already done.
 */
export type {
  GenerationRecord,
  GradeRecord,
  GradeStatus,
  GradedSample,
  OpenRunStoreOptions,
  StoreCounts,
  StoredFailure,
  StoredGeneration,
  StoredStudy,
  StoredVariant,
  VariantRecord,
} from "./runStore.ts";
export type { GenerationKeyInput } from "./keys.ts";
export type { Migration } from "./schema.ts";

export { RUN_STORE_FILE, RunStore, openRunStore } from "./runStore.ts";
export { GENERATION_KEY_PREFIX, generationKey, promptHash } from "./keys.ts";
export { SCHEMA_VERSION } from "./schema.ts";
export { canonicalJson, contentHash, sha256Hex } from "./canonical.ts";
