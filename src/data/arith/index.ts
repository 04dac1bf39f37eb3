/**
 * Public surface of the arith testbed: the generator, its splits, the solution format (render and
 * strict parse), the gold steps in `Problem.meta`, and training-data export.
 */
export type { ArithGold, ArithMeta, ArithOp, ArithOperand, ArithQuantity, ArithStep } from "./types.ts";
export type { GeneratedArith } from "./generate.ts";
export type { ArithSplit, ArithSplitOptions } from "./splits.ts";
export type { ParsedSolution, SolutionLine } from "./format.ts";
export type { ArithTrainingRecord } from "./export.ts";
export type { LevelSpec } from "./levels.ts";

export { ARITH_OPS } from "./types.ts";
export { ARITH_VERSION, generateArithProblem } from "./generate.ts";
export {
  ARITH_BENCHMARK,
  ARITH_SPLITS,
  TEST_SIZE,
  TRAIN_DEFAULT_SIZE,
  generateArithSplit,
  isArithSplit,
  isTestSideQuestion,
} from "./splits.ts";
export { parseSolution, renderAnswerLine, renderPrompt, renderSolution, renderStepLine } from "./format.ts";
export { arithGold } from "./gold.ts";
export { arithTrainingJsonl, arithTrainingRecord } from "./export.ts";
export { LEVELS, levelSpec } from "./levels.ts";
export { Random, hashSeed } from "./random.ts";
export { arith } from "./benchmark.ts";
