/**
 * Public surface of the comparison statistics: pure functions over graded samples, and
 * `compareVariant`, which composes them into the JSON the report renders.
 */
export type {
  AccuracySummary,
  CompareOptions,
  FlipEntry,
  GroupComparison,
  Headline,
  LengthComparison,
  SampleRow,
  StatusCounts,
  VariantComparison,
} from "./compareVariant.ts";
export type { Interval, MeanEstimate } from "./accuracy.ts";
export type { BootstrapOptions, McNemarResult, PairedDifference } from "./paired.ts";
export type { Histogram, Summary, WilcoxonResult } from "./lengths.ts";
export type { Random } from "./random.ts";

export { FORMAT_FAILURES, GRADE_STATUSES, compareVariant } from "./compareVariant.ts";
export { defaultPassKs, meanInterval, passAtK, wilsonInterval } from "./accuracy.ts";
export { mcnemarExact, pairedBootstrap, quantileSorted } from "./paired.ts";
export { sharedHistogram, summarize, wilcoxonSignedRank } from "./lengths.ts";
export { seededRandom } from "./random.ts";
export { logChoose, logGamma, normalCdf, normalQuantile, normalSurvival } from "./special.ts";

export type { CellSamples, ComparisonInputs, ComparisonResult, ComparisonSettings } from "./stored.ts";
export { ALL_BENCHMARKS, DEFAULT_BOOTSTRAP_RESAMPLES, cellSamples, comparisonInputs, comparisonSettings, pendingComparisons, storedComparisons, updateComparisons } from "./stored.ts";
export { countSteps, sampleRows } from "./rows.ts";
