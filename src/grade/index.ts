/**
 * Answer grading: the public surface of src/grade/. Stages are exported one by one (clean → extract →
 * normalize → parse → compare) so each can be used and tested alone; `createGrader` (or `gradeOne`) runs them all,
 * `GradePool` runs a grader across worker threads with a hard per-item time budget, and `gradeFile`
 * is `qreason grade` without the command line.
 */
export type { FinishReason, GradeItem, GradeOptions, GradeResult, GradeStatus, Grader } from "./types.ts";
export { DEFAULT_TIME_BUDGET_MS, GRADE_STATUSES } from "./types.ts";
export { BudgetExceeded, DEFAULT_WORK_BUDGET, WorkBudget, type GuardKind } from "./budget.ts";

export { cleanOutput } from "./clean.ts";
export { extractAnswer, type Extraction, type ExtractionMethod, type ExtractOptions } from "./extract.ts";
export { normalizeAnswer } from "./normalize.ts";
export { parseAnswer, type ParseOptions, type ParseResult } from "./parse.ts";
export { compareAnswers, type Verdict } from "./compare.ts";
export type { Node as AnswerNode } from "./ast.ts";

export { conclusion, readValue, sentenceValue } from "./prose.ts";

export { createGrader, gradeOne, gradeOutput, isEquivalent } from "./grade.ts";
export { GradePool, type PoolOptions, type PoolStats } from "./pool.ts";
export {
  describeSummary,
  gradeFile,
  OutputClosedError,
  readGradeRecord,
  validateGradeFile,
  type GradeFileOptions,
  type GradeSummary,
} from "./jsonl.ts";
