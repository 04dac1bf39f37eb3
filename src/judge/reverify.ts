/**
 * Re-verify before attributing. A flip is only worth attributing if the variant's answer really is wrong.
 * When the panel finds no error in a solution the grader marked wrong, either the panel missed the error
 * or the grader rejected a right answer (seed 003 found `5.5` against `\frac{11}{2}` this way). The
 * solution is then graded again with the current grader (a stored grade may come from an older grader
 * version, or have timed out) and, if it still fails, flagged for a person with both answers shown.
 */
import type { GradeResult, GradeStatus, Grader } from "../grade/index.ts";
import type { PanelDecision } from "./panel.ts";

export type ReverifyStatus =
  | "not_applicable" // the stored grade is correct, or the panel found an error (or decided nothing)
  | "regraded_correct" // the current grader accepts the answer: the stored grade was a false reject
  | "possible_false_reject"; // still graded not correct, yet the panel found no error: a person should look

export interface ReverifyInput {
  gold: string;
  output: string;
  /** The stored grade of this solution. */
  storedStatus: GradeStatus;
  panel: Pick<PanelDecision, "firstErrorStep">;
}

export interface ReverifyResult {
  status: ReverifyStatus;
  /** The new grade, when one was made. */
  regrade?: GradeResult;
}

export function reverifyFlip(input: ReverifyInput, grader: Pick<Grader, "grade">): ReverifyResult {
  if (input.storedStatus === "correct" || input.panel.firstErrorStep !== -1) return { status: "not_applicable" };
  const regrade = grader.grade(input.gold, input.output);
  return { status: regrade.correct ? "regraded_correct" : "possible_false_reject", regrade };
}
