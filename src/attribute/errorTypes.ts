/**
 * Verifier findings in the shared taxonomy (src/taxonomy): which of the seven subtypes a deterministic
 * finding is. Format problems (a broken equation, no boxed answer) are not reasoning errors and map to
 * no subtype (null); reports count them apart.
 *
 * | finding | subtype | why |
 * |---|---|---|
 * | a refuted claim (generic verifier), `wrong-result`, `answer-mismatch` | computational_error | the arithmetic itself is false |
 * | `wrong-operation` | procedural_error | the right numbers under the wrong operation: the plan is wrong |
 * | `wrong-quantity` using a distractor of the question | contextual_oversight | a quantity given in the problem misused |
 * | `wrong-quantity` otherwise, `extra-step`, `missing-step` | procedural_error | a wrong, skipped or unneeded step |
 * | `unknown-operand` | contextual_oversight | a number the problem never gave (miscopied, invented) |
 * | `wrong-answer-quantity` | conceptual_misunderstanding | the answer was computed, another value reported: what is asked was misread |
 */
import type { ArithGold, ArithQuantity } from "../data/arith/index.ts";
import { scanArithmetic, type StepErrorReason } from "../steps/index.ts";
import { categoryOf, type ErrorCategory, type ErrorSubtype } from "../taxonomy/index.ts";

export interface ErrorType {
  subtype: ErrorSubtype | null;
  category: ErrorCategory | null;
}

const NONE: ErrorType = { subtype: null, category: null };

function typed(subtype: ErrorSubtype): ErrorType {
  return { subtype, category: categoryOf(subtype) };
}

/** The subtype of a refuted claim of the generic verifier: always a computational error. */
export function refutedClaimType(): ErrorType {
  return typed("computational_error");
}

/** Whether an arith claim's computation uses one of the question's distractors. */
function usesDistractor(claimText: string, quantities: readonly ArithQuantity[]): boolean {
  const distractors = new Set(quantities.filter((quantity) => quantity.role === "distractor").map((quantity) => String(quantity.value)));
  if (distractors.size === 0) return false;
  const claim = scanArithmetic(claimText).claims[0];
  return claim !== undefined && claim.operands.some((operand) => operand.denominator === 1n && distractors.has(String(operand.numerator)));
}

/** The subtype of an arith-verifier error, given the text of its first wrong claim (for `wrong-quantity`). */
export function arithErrorType(reason: StepErrorReason, gold?: ArithGold, claimText?: string): ErrorType {
  switch (reason) {
    case "wrong-result":
    case "answer-mismatch":
      return typed("computational_error");
    case "wrong-operation":
    case "extra-step":
    case "missing-step":
      return typed("procedural_error");
    case "wrong-quantity":
      return gold && claimText !== undefined && usesDistractor(claimText, gold.quantities) ? typed("contextual_oversight") : typed("procedural_error");
    case "unknown-operand":
      return typed("contextual_oversight");
    case "wrong-answer-quantity":
      return typed("conceptual_misunderstanding");
    case "malformed-equation":
    case "unshown-value":
    case "no-equation":
    case "no-steps":
    case "no-boxed-answer":
    case "unparsable-answer":
      return NONE;
  }
}
