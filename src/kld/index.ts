/**
 * Public surface of the KL-divergence comparison: teacher-force a base and a variant GGUF on the same texts
 * and summarize how far the variant's next-token distributions drift (mean and percentiles of KL(base‖variant),
 * same-top-1 %, Δp, margins), streaming, without storing logits.
 */
export type { KldSummary, Distribution } from "./summary.ts";
export type { PositionComparison } from "./math.ts";
export type { CompareOptions, KldMode, KldResult, PositionRecord } from "./compare.ts";
export type { PositionStatistics } from "./summary.ts";
export type { KldText } from "./texts.ts";

export { compareModels, kldMode } from "./compare.ts";
export { compareTopK } from "./topk.ts";
export { comparePosition, logSumExp, quantile, topTwo } from "./math.ts";
export { KldAccumulator } from "./summary.ts";
export { SOLUTION_INSTRUCTION, baselineSolutions, parseTextsJsonl, readTextsJsonl, solutionPrompt } from "./texts.ts";
