/**
 * Public surface of the run store: opening a run directory's database, the records it holds, and the
 * content-hashed keys that make a resumed run skip what is already done.
 */
export type {
  GenerationIdentity,
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
export type { CellDefinition, CellProgress, StoredCell, UngradedGeneration } from "./cells.ts";
export type { ComparisonIdentity, StoredComparison } from "./comparisons.ts";
export type { GraderRecord, RunState, StoredGrader } from "./runState.ts";
export type { CalibrationResultRow, CalibrationVoteRow, JudgePanelRow, JudgeVerdictRow, JudgeVerdictStatus, QueueReason, QueueRow, ReverifyValue } from "./judges.ts";
export type { StageRunOutcome, StageRunRecord } from "./stageRuns.ts";
export type { RunCell, RunRecord, VariantStatus } from "./runRecord.ts";
export type { GenerationKeyInput } from "./keys.ts";
export type { Migration } from "./schema.ts";
export type { StoredAdapter, StoredPairSet, StoredRestoreResult } from "./restore.ts";
export type { ErrorLabel, LabelProposal, LabelSource, ReviewAction, ReviewInput, StoredReview } from "./reviews.ts";
export type {
  AttributionIdentity, AttributionRecord, AttributionRole, DivergenceKind, GenerationVerification, KldSummaryRecord, StoredAttribution, StoredContinuation,
  StoredDivergence, StoredFirstError, StoredRescueOutcome, StoredSegment, StoredStepCheck,
} from "./attribution.ts";

export { RUN_STORE_FILE, RunStore, openRunDirectory, openRunStore, storeEnvironmentError } from "./runStore.ts";
export { RUN_RECORD_FILE, RUN_RECORD_SCHEMA, currentPlan, importRunRecord, readRunRecordFile, runRecordOf, writeRunRecordFile } from "./runRecord.ts";
export { GENERATION_KEY_PREFIX, generationKey, promptHash } from "./keys.ts";
export { SCHEMA_VERSION } from "./schema.ts";
export { attributionKey } from "./attribution.ts";
export { canonicalJson, contentHash, sha256Hex } from "./canonical.ts";
