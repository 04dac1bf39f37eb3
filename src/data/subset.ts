/**
 * Choosing which problems a study runs: filters by level and subject, and a seeded subset of K.
 *
 * The subset ranks every problem by a hash of (seed, benchmark, id) and keeps the K lowest. So the same
 * seed picks the same ids whatever order the file lists them in, on any machine, and growing K only
 * adds problems (the 50-problem subset is inside the 100-problem one for the same seed).
 */
import { createHash } from "node:crypto";
import type { Problem } from "./types.ts";

export interface SubsetOptions {
  size: number;
  seed: number;
}

/** Rank key of a problem under a seed: 16 hex digits of sha256, then the id to break (unlikely) ties. */
export function subsetRank(problem: Pick<Problem, "benchmark" | "id">, seed: number): string {
  const digest = createHash("sha256").update(`qreason-subset:v1\0${seed}\0${problem.benchmark}\0${problem.id}`).digest("hex");
  return digest.slice(0, 16);
}

/**
 * The `size` problems of lowest rank under `seed`, in rank order (all of them if there are fewer).
 * Works on anything with a benchmark and an id (ProcessBench solutions too).
 */
export function selectSubset<Item extends Pick<Problem, "benchmark" | "id">>(problems: readonly Item[], options: SubsetOptions): Item[] {
  if (!Number.isSafeInteger(options.size) || options.size < 0) {
    throw new RangeError(`subset size must be a non-negative integer, got ${options.size}`);
  }
  if (!Number.isSafeInteger(options.seed)) throw new RangeError(`seed must be an integer, got ${options.seed}`);
  const ranked = problems.map((problem) => ({ problem, rank: subsetRank(problem, options.seed) }));
  ranked.sort((left, right) => compare(left.rank, right.rank) || compare(left.problem.id, right.problem.id));
  return ranked.slice(0, options.size).map(({ problem }) => problem);
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

export interface ProblemFilter {
  /** Keep problems whose level is one of these (problems without a level are dropped). */
  levels?: readonly number[];
  /** Keep problems whose subject matches one of these, compared by `subjectKey`. */
  subjects?: readonly string[];
}

/**
 * A subject name reduced to what users type: `Counting & Probability`, `counting_and_probability` and
 * `counting and probability` all become `counting_and_probability`.
 */
export function subjectKey(subject: string): string {
  return subject
    .toLowerCase()
    .replaceAll("&", " and ")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

export function filterProblems(problems: readonly Problem[], filter: ProblemFilter): Problem[] {
  const levels = filter.levels && filter.levels.length > 0 ? new Set(filter.levels) : undefined;
  const subjects = filter.subjects && filter.subjects.length > 0 ? new Set(filter.subjects.map(subjectKey)) : undefined;
  return problems.filter(
    (problem) =>
      (!levels || (problem.level !== undefined && levels.has(problem.level))) &&
      (!subjects || (problem.subject !== undefined && subjects.has(subjectKey(problem.subject)))),
  );
}

/** The distinct subjects of a problem list, sorted: for "no problem has subject X (subjects: ...)". */
export function subjectsOf(problems: readonly Problem[]): string[] {
  return [...new Set(problems.flatMap((problem) => (problem.subject === undefined ? [] : [problem.subject])))].sort();
}
