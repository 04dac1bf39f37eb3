/**
 * The grader's small spec: what a grade is and what a grader does. Implementations live beside it
 * (grade.ts in-process, pool.ts across worker threads).
 */
import type { GuardKind } from "./budget.ts";
import type { ExtractionMethod } from "./extract.ts";

/**
 * - correct / wrong: an answer was found, read, and compared.
 * - no_answer: the output states no answer (empty, or no marker and no number).
 * - unparsable: an answer was found but could not be read, or equality could not be decided.
 * - timeout: grading this item ran out of its work budget, or (a last guard) past its wall-clock limit;
 *   `guard` says which.
 */
export type GradeStatus = "correct" | "wrong" | "no_answer" | "unparsable" | "timeout";

export const GRADE_STATUSES: readonly GradeStatus[] = ["correct", "wrong", "no_answer", "unparsable", "timeout"];

export interface GradeResult {
  status: GradeStatus;
  correct: boolean;
  /** The answer as extracted from the output (before normalization), or null when none was found. */
  extracted: string | null;
  /** How it was found; null when nothing was. */
  method: ExtractionMethod | null;
  /** Found by a fallback (an unclosed box, a lone choice letter, the last math, the last number), not by a marker the model wrote. */
  fallback: boolean;
  /** Why: which rule decided, or what could not be read. */
  reason: string;
  /** On a timeout: the work budget (deterministic: the same on every machine) or the wall-clock guard. */
  guard?: GuardKind;
  /** Work units this item spent (tokens, nodes, exact-arithmetic words, sample points, CAS calls). */
  work?: number;
}

export interface GradeOptions {
  /** Work units per item (default DEFAULT_WORK_BUDGET): the deterministic budget, counted, not timed. */
  workBudget?: number;
  /**
   * Wall-clock guard per item in milliseconds (default 10,000): a last resort against a hang in code that
   * counts no work (the CAS's internals). In-process it is read cooperatively; the worker pool also
   * enforces it by terminating the worker. No non-pathological answer comes near it.
   */
  timeBudgetMs?: number;
  /**
   * When an output has no box, marker or concluding sentence, accept the value its last statement, last
   * math or last number gives (default true; the result is flagged as a fallback).
   */
  lastNumberFallback?: boolean;
  /** Use the CAS for LaTeX the own parser rejects and for high-precision checks (default true). */
  cas?: boolean;
}

export const DEFAULT_TIME_BUDGET_MS = 10_000;

/**
 * Why a generation ended: `stop` (the model ended it, or a stop string) or `length` (its token limit cut it
 * off). A truncated output without a box or an answer marker states no answer.
 */
export type FinishReason = "stop" | "length";

/** Grades one model output against one gold answer. */
export interface Grader {
  grade(gold: string, output: string, finishReason?: FinishReason): GradeResult;
  gradeItem(item: GradeItem): GradeResult;
  /**
   * Whether an already-extracted `predicted` answer is equivalent to `gold`. Asymmetric: the gold is
   * the trusted form and sets the kind of answer (set or tuple, interval, base, precision); the
   * prediction is model output, read leniently (`x = 5` for `5`, units and `\text{}` ignored).
   */
  isEquivalent(gold: string, predicted: string): boolean;
}

/** One item to grade (one line of `qreason grade` input). */
export interface GradeItem {
  gold: string;
  output: string;
  /** How the generation ended, when known; `length` turns on the truncation rule. */
  finishReason?: FinishReason;
}
