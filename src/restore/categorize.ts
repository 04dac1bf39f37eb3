/**
 * The error category of a rejected (variant) solution, for stratified mining: the attribution stage's
 * stored first error when the run has one for that generation, else the deterministic first error found
 * now (src/attribute: the generic step verifier, and on `arith` the testbed's exact verifier), else
 * "unknown" (no step could be shown wrong: a format failure, or an error no verifier sees).
 */
import { locateFirstError } from "../attribute/index.ts";
import { arithGold } from "../data/arith/index.ts";
import type { Problem } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { isErrorCategory } from "../taxonomy/index.ts";
import type { CategorySource, PairCategory } from "./mine.ts";

export interface CategoryFinding {
  category: PairCategory;
  subtype: string | null;
  source: CategorySource;
}

/** Finding of a stored attribution row (`first_errors.category`, `.subtype`), when there is one. */
export function storedCategory(stored: { category: string | null; subtype: string | null } | undefined): CategoryFinding | undefined {
  if (stored === undefined) return undefined;
  const category = stored.category !== null && isErrorCategory(stored.category) ? stored.category : "unknown";
  return { category, subtype: stored.subtype, source: "attribution" };
}

/** The step verifiers' first error of `text`, on the fly. */
export function verifiedCategory(problem: Problem, text: string): CategoryFinding {
  let gold;
  if (problem.benchmark === "arith") {
    try {
      gold = arithGold(problem);
    } catch (error) {
      // A problem without the testbed's gold steps (a hand-made arith file): the generic verifier alone.
      if (!(error instanceof QreasonError)) throw error;
      gold = undefined;
    }
  }
  const first = locateFirstError(text, gold !== undefined ? { arith: gold } : {}).first;
  if (first?.category === undefined || first.category === null) return { category: "unknown", subtype: null, source: "none" };
  return { category: first.category, subtype: first.subtype, source: "step-verifier" };
}
