/**
 * Public surface of the study module: loading and validating study files, the resolved Study types,
 * prompt templates and rendering, and expanding a study into a plan.
 */
export type {
  AttributeSpec,
  BenchmarkSpec,
  CalibrationSpec,
  EndpointSpec,
  EngineMethod,
  EngineRecipe,
  FewShotExample,
  FieldMapping,
  KnownNames,
  KvCacheType,
  ModelSource,
  ModelSpec,
  ProblemSubsetSpec,
  PromptSpec,
  RuntimeOptions,
  SamplingSpec,
  Study,
  VariantFitCheck,
  VariantFitProblem,
  FetchedModelLookup,
  VariantRecipe,
  VariantSpec,
} from "./types.ts";
export type { LoadStudyOptions, LocatedIssue, StudyValidation } from "./load.ts";
export type { Plan, PlanJob, PlannedComparison, PlannedVariant } from "./plan.ts";
export type { PromptTemplate } from "./templates.ts";

export { DEFAULT_ATTRIBUTE, ENGINE_METHODS, KV_CACHE_TYPES, STUDY_FILE_VERSION } from "./types.ts";
export { loadStudy, parseStudy, validateStudy } from "./load.ts";
export { expandPlan, sampleSeed, studyHash, variantHash } from "./plan.ts";
export { PROMPT_TEMPLATES, STEP_BY_STEP_INSTRUCTION, renderPrompt, renderUserTurn, stopStrings, templateNames } from "./templates.ts";
export { BASELINE_NAME } from "./recipes.ts";
