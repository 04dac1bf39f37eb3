/**
 * Public surface of the steps module: step segmentation of model outputs, the deterministic arithmetic
 * checker for claims inside any step text, exact rationals, the arith testbed's exact step verifier,
 * and the error injection that turns gold solutions into labelled wrong ones.
 */
export type { StepSegment } from "./segment.ts";
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

export { segmentSteps } from "./segment.ts";
export { evaluate, scanArithmetic } from "./arithmetic.ts";
export { format as formatRational, key as rationalKey, parseDecimal } from "./rational.ts";
export { parseAnswerNumber, verifyArithProblem, verifyArithSolution } from "./arithVerifier.ts";
export { INJECTION_KINDS, injectError } from "./inject.ts";
