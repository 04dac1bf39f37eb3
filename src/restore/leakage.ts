/**
 * The leakage check: no training problem may be an evaluation problem. Every training question is compared,
 * in normal form (normalize.ts), with every problem of every evaluation split the study reads — the whole
 * split, not only the subset a run asks about, so growing the subset later cannot leak. A leaked problem is
 * excluded and counted (policy `exclude`), or stops the run with the first ones named (policy `error`).
 */
import { QreasonError } from "../errors.ts";
import { normalizeProblemText } from "./normalize.ts";

export interface SplitProblems {
  /** What the report names the split by, e.g. "arith/test". */
  label: string;
  problems: readonly { id: string; question: string }[];
}

export interface LeakedProblem {
  id: string;
  /** Every evaluation problem it equals: split label and problem id. */
  matches: { split: string; id: string }[];
}

export interface LeakageResult<Training> {
  kept: Training[];
  leaked: LeakedProblem[];
  /** Evaluation problems compared against, over every split. */
  evaluationProblems: number;
}

export type LeakagePolicy = "exclude" | "error";

/** Splits `training` into problems unseen in every evaluation split and leaked ones. */
export function checkLeakage<Training extends { id: string; question: string }>(
  training: readonly Training[],
  evaluation: readonly SplitProblems[],
  policy: LeakagePolicy = "exclude",
): LeakageResult<Training> {
  const index = new Map<string, { split: string; id: string }[]>();
  let evaluationProblems = 0;
  for (const split of evaluation) {
    for (const problem of split.problems) {
      evaluationProblems++;
      const key = normalizeProblemText(problem.question);
      const list = index.get(key);
      if (list === undefined) index.set(key, [{ split: split.label, id: problem.id }]);
      else list.push({ split: split.label, id: problem.id });
    }
  }
  const kept: Training[] = [];
  const leaked: LeakedProblem[] = [];
  for (const problem of training) {
    const matches = index.get(normalizeProblemText(problem.question));
    if (matches === undefined) kept.push(problem);
    else leaked.push({ id: problem.id, matches: [...matches] });
  }
  if (policy === "error" && leaked.length > 0) {
    const named = leaked.slice(0, 3).map((entry) => `${entry.id} = ${entry.matches.map((match) => `${match.split} ${match.id}`).join(", ")}`);
    throw new QreasonError(
      "E_INPUT",
      `${leaked.length} training problem(s) also appear in an evaluation split (${named.join("; ")}${leaked.length > 3 ? "; …" : ""}); training on them would inflate the restored accuracy. Choose another training split, or set restore.leakage: exclude to drop them`,
      { field: "restore.train" },
    );
  }
  return { kept, leaked, evaluationProblems };
}
