/**
 * Public surface of the orchestrator: run a study's stages into a run directory (plan, quantize,
 * generate, grade, compare, report), run one stage alone on a run directory, what each stage has pending,
 * where runs go by default, and the derived grader version.
 */
export type { RunEvent } from "./events.ts";
export type { RunStagesOptions, RunStudyOptions, RunSummary, VariantSummary } from "./runStudy.ts";
export type { RunCell, RunRecord, VariantStatus } from "../store/index.ts";
export type { GenerationTask, GenerateOptions, GenerateOutcome } from "./generate.ts";
export type { GraderVersion } from "./graderVersion.ts";
export type { OpenedVariant, PendingOptions, Stage, StageContext, StageOutcome, StagePending, StageSettings, VariantBackends } from "./stages/types.ts";
export type { PipelineOptions, PipelineResult, StageReport } from "./stages/pipeline.ts";
export type { StageStatus } from "./status.ts";

export { runStudy, runStagesOn } from "./runStudy.ts";
export { acquireRunLock, LOCK_FILE, type LockHolder, type RunLock } from "./lock.ts";
export { defaultRunDirectory } from "./runDirectory.ts";
export { readRunRecord } from "./runRecord.ts";
export { RUN_RECORD_FILE, RUN_RECORD_SCHEMA } from "../store/index.ts";
export { currentGrader, deriveGraderVersion, casVersion, graderSources } from "./graderVersion.ts";
export { STAGES, stageNamed } from "./stages/registry.ts";
export { runStages, selectStages } from "./stages/pipeline.ts";
export { StageSession } from "./stages/session.ts";
export { stageStatus } from "./status.ts";
export { FAILED_PREFIX } from "./stages/variantFailures.ts";
export { generateTasks, BatchWriter } from "./generate.ts";
export { TaskBook } from "./tasks.ts";
export { toEngineRecipe } from "./engineRecipe.ts";
