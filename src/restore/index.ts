/**
 * Public surface of restoration (TypeScript side): pair mining with its leakage check, dataset export for
 * the engine, TRL and LLaMA-Factory, error categories for stratification, and the recovered fraction of
 * the quantization gap with its paired bootstrap interval. The stage that runs it is src/run/stages/restore.ts.
 */
export type { LeakageResult, LeakagePolicy, LeakedProblem, SplitProblems } from "./leakage.ts";
export type { CategorySource, GradeStatus, MineCounts, MineOptions, MinedPairs, PairCandidate, PairCategory, PreferencePair } from "./mine.ts";
export type { ExportFormat } from "./export.ts";
export type { CategoryFinding } from "./categorize.ts";
export type { RecoveredFraction, RecoveryOptions } from "./recovery.ts";

export { normalizeProblemText } from "./normalize.ts";
export { checkLeakage } from "./leakage.ts";
export { DEFAULT_PAIR_CAP, PAIR_CATEGORIES, allocate, minePairs } from "./mine.ts";
export {
  EXPORT_FORMATS, engineDpoRecord, engineMarginRecord, engineSftRecord, firstDifference, jsonLines,
  llamaFactoryDatasetInfo, llamaFactoryRecord, trlRecord,
} from "./export.ts";
export { storedCategory, verifiedCategory } from "./categorize.ts";
export { recoveredFraction } from "./recovery.ts";
export type { RestoreRow, RestoreRowInput, RestoreTable } from "./table.ts";
export { restoreTable } from "./table.ts";
export type { RestoreInput, RestoreMethod, RestoreSpec, RestoreTrainSet, RestoreTraining } from "./config.ts";
export { DEFAULT_TRAINING, DEFAULT_TRAIN_SIZE, RESTORE_METHODS, resolveRestore, restoreTargets } from "./config.ts";
