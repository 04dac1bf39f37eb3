/**
 * Public surface of the steps module: step segmentation of model outputs (versioned), step alignment of
 * two solutions, the generic step verifier (every arithmetic claim recomputed exactly, with substitution
 * of earlier definitions), the arith testbed's exact step verifier, exact rationals, and the error
 * injection that turns gold solutions into labelled wrong ones.
 */
export type { SegmentKind, StepSegment } from "./segment.ts";
export type { MathSpan, MathSpanKind } from "./mathSpans.ts";
export type { StepAlignment, StepPair, AlignOptions } from "./align.ts";
export type { ClaimSource } from "./claims.ts";
export type { Evaluation, EvaluateOptions, Environment } from "./exact.ts";
export type { CheckStatus, ClaimCheck, ClaimReason, StepCheck, StepsVerification } from "./stepVerifier.ts";
export type { ArithmeticClaim, ArithmeticScan, MalformedMath, MathExpression, NumberMention, Operator } from "./arithmetic.ts";
export type { Rational } from "./rational.ts";
export type {
  AnswerVerdict,
  ArithVerification,
  ClaimVerdict,
  FirstError,
  StepErrorKind,
  StepErrorReason,
  StepStatus,
  StepVerdict,
} from "./arithVerifier.ts";
export type { InjectedSolution, Injection, InjectionKind } from "./inject.ts";

export { SEGMENTER_VERSION, segmentSteps } from "./segment.ts";
export { findMathSpans } from "./mathSpans.ts";
export { alignSteps, fpCounterpart, stepSimilarity, variantCounterpart } from "./align.ts";
export { findClaimSources } from "./claims.ts";
export { evaluateNode, isIdentity, solveLinear } from "./exact.ts";
export { verifySteps } from "./stepVerifier.ts";
export { evaluate, scanArithmetic } from "./arithmetic.ts";
export { format as formatRational, key as rationalKey, parseDecimal } from "./rational.ts";
export { parseAnswerNumber, verifyArithProblem, verifyArithSolution } from "./arithVerifier.ts";
export { INJECTION_KINDS, injectError } from "./inject.ts";
