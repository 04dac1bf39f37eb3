/**
 * Public surface of the orchestrator: run a study into a run directory (plan, quantize, generate, grade),
 * where runs go by default, and `run.json`, the record a report is made from.
 */
export type { RunEvent } from "./events.ts";
export type { RunStudyOptions, RunSummary, VariantSummary } from "./runStudy.ts";
export type { RunCell, RunRecord, VariantStatus } from "./runRecord.ts";
export type { GenerationTask, GenerateOptions, GenerateOutcome } from "./generate.ts";

export { runStudy } from "./runStudy.ts";
export { acquireRunLock, LOCK_FILE, type LockHolder, type RunLock } from "./lock.ts";
export { defaultRunDirectory } from "./runDirectory.ts";
export { readRunRecord, RUN_RECORD_FILE, RUN_RECORD_SCHEMA } from "./runRecord.ts";
export { GRADER } from "./grade.ts";
export { generateTasks, BatchWriter } from "./generate.ts";
export { toEngineRecipe } from "./engineRecipe.ts";
