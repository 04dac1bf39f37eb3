/**
 * The first error of a solution, found deterministically: the generic step verifier (every arithmetic
 * claim recomputed exactly) on any benchmark, and on `arith` also the testbed's exact verifier, which
 * knows the gold steps and so also catches wrong operands, operations and skipped steps (method errors).
 * The earlier of the two wins; on the same step the arith verifier's finding wins (its rule: when the plan
 * and the arithmetic are both wrong, the method error is the first error).
 */
import type { ArithGold } from "../data/arith/index.ts";
import {
  SEGMENTER_VERSION, segmentSteps, verifyArithSolution, verifySteps,
  type ArithVerification, type ClaimReason, type StepErrorKind, type StepErrorReason, type StepSegment, type StepsVerification,
} from "../steps/index.ts";
import { arithErrorType, refutedClaimType, type ErrorType } from "./errorTypes.ts";

export interface ErrorFinding extends ErrorType {
  /** Index of the segment (of this solution) the error is in. */
  segment: number;
  part: "step" | "answer";
  /** Offsets of the wrong claim, or of the step when the error has no claim. */
  start: number;
  end: number;
  source: "step-verifier" | "arith-verifier";
  kind: StepErrorKind;
  reason: ClaimReason | StepErrorReason;
  /**
   * Exact arithmetic (or, on arith, the exact gold steps) decides it. False only for a refutation through
   * a value implied by an earlier equation, which assumes the letter kept its meaning.
   */
  certain: boolean;
}

export interface FirstErrorResult {
  segmenterVersion: string;
  segments: StepSegment[];
  steps: StepsVerification;
  arith?: ArithVerification;
  first?: ErrorFinding;
}

/** The segment holding `offset`, else the first one after it, else the last. */
export function segmentAt(segments: readonly StepSegment[], offset: number): number {
  const holding = segments.find((segment) => offset >= segment.start && offset < segment.end);
  if (holding) return holding.index;
  const after = segments.find((segment) => segment.start >= offset);
  return after ? after.index : Math.max(0, segments.length - 1);
}

function stepVerifierFinding(steps: StepsVerification): ErrorFinding | undefined {
  if (!steps.firstRefuted) return undefined;
  const step = steps.steps.find((candidate) => candidate.segment === steps.firstRefuted?.segment);
  const claim = step?.claims[steps.firstRefuted.claim];
  if (!step || !claim) return undefined;
  return {
    segment: step.segment, part: "step", start: claim.start, end: claim.end, source: "step-verifier",
    kind: "computational", reason: claim.reason, certain: claim.reason !== "contradicts-equation", ...refutedClaimType(),
  };
}

function arithFinding(text: string, segments: readonly StepSegment[], gold: ArithGold, arith: ArithVerification): ErrorFinding | undefined {
  const error = arith.firstError;
  if (!error) return undefined;
  if (error.part === "answer") {
    const box = text.lastIndexOf("\\boxed");
    const segment = box === -1 ? Math.max(0, segments.length - 1) : segmentAt(segments, box);
    const span = segments[segment];
    return {
      segment, part: "answer", start: span?.start ?? text.length, end: span?.end ?? text.length, source: "arith-verifier",
      kind: error.kind, reason: error.reason, certain: true, ...arithErrorType(error.reason, gold),
    };
  }
  const step = arith.steps.find((candidate) => candidate.position === error.position);
  if (!step) return undefined;
  const claim = step.claims.find((candidate) => candidate.status === "error");
  const start = claim?.start ?? step.start;
  return {
    segment: segmentAt(segments, start), part: "step", start, end: claim?.end ?? step.end, source: "arith-verifier",
    kind: error.kind, reason: error.reason, certain: true, ...arithErrorType(error.reason, gold, claim?.text),
  };
}

/** Verifies `text` step by step and names its first error, if any (`arith`: the problem's gold steps). */
export function locateFirstError(text: string, options: { arith?: ArithGold } = {}): FirstErrorResult {
  const segments = segmentSteps(text);
  const steps = verifySteps(text, segments);
  const generic = stepVerifierFinding(steps);
  const arith = options.arith ? verifyArithSolution(options.arith, text) : undefined;
  const exact = options.arith && arith ? arithFinding(text, segments, options.arith, arith) : undefined;
  const first = generic && exact ? (exact.segment <= generic.segment ? exact : generic) : (exact ?? generic);
  return { segmenterVersion: SEGMENTER_VERSION, segments, steps, ...(arith ? { arith } : {}), ...(first ? { first } : {}) };
}
