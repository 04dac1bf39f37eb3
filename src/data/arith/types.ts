/**
 * The structured gold solution of an arith problem: what `Problem.meta` holds for the testbed, and what
 * the step verifier (src/steps/) checks model outputs against.
 */

export type ArithOp = "+" | "-" | "*" | "/";

export const ARITH_OPS: readonly ArithOp[] = ["+", "-", "*", "/"];

/** Where an operand comes from: a number stated in the question, or an earlier step's result. */
export type ArithOperand =
  | { source: "question"; quantity: string; value: number }
  | { source: "step"; step: number; value: number };

export interface ArithStep {
  /** 1-based, in solution order. */
  index: number;
  op: ArithOp;
  /** In the order the solution writes them (`left op right`). */
  operands: [ArithOperand, ArithOperand];
  result: number;
  /** What the step computes, as the solution text names it (no digits, no ':'). */
  description: string;
}

/** A number the question states: one the solution needs (`given`) or a distractor. */
export interface ArithQuantity {
  /** `q1`, `q2`, ... in the order the question states them. */
  id: string;
  value: number;
  /** How the question writes it: `12`, `twice`, `a third`. */
  text: string;
  role: "given" | "distractor";
}

/** `Problem.meta` of an arith problem. */
export interface ArithMeta {
  /** ARITH_VERSION of the generator that made it. */
  version: number;
  /** The uint32 seed that regenerates exactly this problem with `generateArithProblem(seed, level)`. */
  seed: number;
  quantities: ArithQuantity[];
  steps: ArithStep[];
}

/** What the step verifier needs to know about a problem. */
export interface ArithGold {
  quantities: ArithQuantity[];
  steps: ArithStep[];
  answer: number;
}
