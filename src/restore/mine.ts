/**
 * Pair mining: from graded generations of the baseline (fp) and a quantized variant on the same training
 * problems, the preference pairs DPO trains on — chosen = the fp solution graded correct, rejected = the
 * variant's solution graded wrong (wrong, no answer or unparsable; a grader timeout decides nothing and is
 * left out). Then:
 *
 * 1. deduplicated: identical (prompt, chosen, rejected) triples once, and at most one pair per problem
 *    (normalized question) per model, so a problem asked of several samples or benchmarks counts once;
 * 2. stratified by error category (of the rejected solution's first error: attribution's tables, the step
 *    verifier, or "unknown"): the cap is shared among categories in proportion to what each has
 *    (largest remainder), or equally (`allocation: "balanced"`, what a category cannot fill goes to others);
 * 3. cross-scale: within a category, the models (sizes) of a study take turns, so each size contributes
 *    equally while it has pairs left;
 * 4. capped (default 545, seed 003's count) and seeded: the same candidates and seed give the same pairs in
 *    the same order whatever order the candidates came in.
 *
 * Pure: the stage reads the store and passes candidates in (restore/candidates.ts).
 */
import type { ChatMessage } from "../backends/index.ts";
import { seededRandom, type Random } from "../compare/index.ts";
import { ERROR_CATEGORIES, type ErrorCategory } from "../taxonomy/index.ts";
import { normalizeProblemText } from "./normalize.ts";

export const DEFAULT_PAIR_CAP = 545;

export type PairCategory = ErrorCategory | "unknown";
export const PAIR_CATEGORIES: readonly PairCategory[] = [...ERROR_CATEGORIES, "unknown"];
export type CategorySource = "attribution" | "step-verifier" | "none";

/** The grade statuses of src/grade. */
export type GradeStatus = "correct" | "wrong" | "no_answer" | "unparsable" | "timeout";

/** One fp generation and one variant generation of the same prompt on the same training problem. */
export interface PairCandidate {
  model: string;
  variant: string;
  benchmark: string;
  problemId: string;
  question: string;
  prompt: string | ChatMessage[];
  chosen: { key: string; text: string; status: GradeStatus };
  rejected: { key: string; text: string; status: GradeStatus };
  category: PairCategory;
  subtype?: string | null;
  categorySource: CategorySource;
}

export interface PreferencePair {
  /** `<model>/<problem id>`: unique within a mined set. */
  id: string;
  model: string;
  variant: string;
  benchmark: string;
  problemId: string;
  prompt: string | ChatMessage[];
  chosen: string;
  rejected: string;
  chosenKey: string;
  rejectedKey: string;
  rejectedStatus: GradeStatus;
  category: PairCategory;
  subtype: string | null;
  categorySource: CategorySource;
}

export interface MineOptions {
  /** Most pairs kept (default 545). */
  cap?: number;
  seed?: number;
  allocation?: "proportional" | "balanced";
  /** Keep only these categories (the ablation by error type trains on one). */
  categories?: readonly PairCategory[];
}

export interface MineCounts {
  candidates: number;
  /** fp not correct, or the variant correct: not a pair. */
  notAFlip: number;
  /** One side graded `timeout`: undecided, left out. */
  undecided: number;
  duplicates: number;
  /** A second pair of a problem (same normalized question) for the same model. */
  sameProblem: number;
  /** Pairs of categories the options leave out. */
  otherCategories: number;
  /** Pairs available after dedup and category filter, per category and per model. */
  available: number;
  availableByCategory: Record<string, number>;
  availableByModel: Record<string, number>;
  kept: number;
  keptByCategory: Record<string, number>;
  keptByModel: Record<string, number>;
  cap: number;
  seed: number;
  allocation: "proportional" | "balanced";
}

export interface MinedPairs {
  pairs: PreferencePair[];
  counts: MineCounts;
}

function promptKey(prompt: string | ChatMessage[]): string {
  return typeof prompt === "string" ? prompt : JSON.stringify(prompt.map((message) => [message.role, message.content]));
}

/** A total order on candidates that does not depend on the order they were read in. */
function compareCandidates(left: PairCandidate, right: PairCandidate): number {
  const a = [left.model, left.benchmark, left.problemId, left.variant, left.chosen.key, left.rejected.key];
  const b = [right.model, right.benchmark, right.problemId, right.variant, right.chosen.key, right.rejected.key];
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as string;
    const y = b[index] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function shuffle<Item>(items: Item[], random: Random): Item[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.below(index + 1);
    [items[index], items[other]] = [items[other] as Item, items[index] as Item];
  }
  return items;
}

/**
 * How many of `cap` each stratum gets, given how many it has. Proportional: largest remainder (Hamilton),
 * ties to the earlier stratum. Balanced: equal shares, what a stratum cannot fill is shared again.
 */
export function allocate(available: readonly number[], cap: number, allocation: "proportional" | "balanced"): number[] {
  const total = available.reduce((sum, count) => sum + count, 0);
  if (total <= cap) return [...available];
  if (allocation === "proportional") {
    const exact = available.map((count) => (count * cap) / total);
    const shares = exact.map((value) => Math.floor(value));
    let left = cap - shares.reduce((sum, count) => sum + count, 0);
    const order = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((x, y) => y.remainder - x.remainder || x.index - y.index);
    for (const { index } of order) {
      if (left === 0) break;
      shares[index] = (shares[index] as number) + 1;
      left--;
    }
    return shares;
  }
  const shares = available.map(() => 0);
  let left = cap;
  while (left > 0) {
    const open = available.map((count, index) => index).filter((index) => (shares[index] as number) < (available[index] as number));
    if (open.length === 0) break;
    const each = Math.max(1, Math.floor(left / open.length));
    for (const index of open) {
      if (left === 0) break;
      const add = Math.min(each, (available[index] as number) - (shares[index] as number), left);
      shares[index] = (shares[index] as number) + add;
      left -= add;
    }
  }
  return shares;
}

/** Round-robin over the models' own (shuffled) lists: each size takes a turn while it has pairs. */
function interleaveModels(pairs: PreferencePair[]): PreferencePair[] {
  const byModel = new Map<string, PreferencePair[]>();
  for (const pair of pairs) {
    const list = byModel.get(pair.model);
    if (list === undefined) byModel.set(pair.model, [pair]);
    else list.push(pair);
  }
  const lists = [...byModel.keys()].sort().map((model) => byModel.get(model) as PreferencePair[]);
  const out: PreferencePair[] = [];
  for (let round = 0; out.length < pairs.length; round++) {
    for (const list of lists) if (round < list.length) out.push(list[round] as PreferencePair);
  }
  return out;
}

function tally(pairs: readonly PreferencePair[], field: "category" | "model"): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pair of pairs) counts[pair[field]] = (counts[pair[field]] ?? 0) + 1;
  return counts;
}

export function minePairs(candidates: readonly PairCandidate[], options: MineOptions = {}): MinedPairs {
  const cap = options.cap ?? DEFAULT_PAIR_CAP;
  const seed = options.seed ?? 0;
  const allocation = options.allocation ?? "proportional";
  if (!Number.isInteger(cap) || cap < 0) throw new RangeError(`pair cap ${cap} is not a count`);
  const wanted = options.categories === undefined ? undefined : new Set(options.categories);
  let notAFlip = 0;
  let undecided = 0;
  let duplicates = 0;
  let sameProblem = 0;
  let otherCategories = 0;
  const random = seededRandom(seed);
  // A seeded order first, so which duplicate of a problem survives is a draw, not the input order.
  const ordered = shuffle([...candidates].sort(compareCandidates), random);
  const triples = new Set<string>();
  const problems = new Set<string>();
  const unique: PreferencePair[] = [];
  for (const candidate of ordered) {
    if (candidate.chosen.status === "timeout" || candidate.rejected.status === "timeout") {
      undecided++;
      continue;
    }
    if (candidate.chosen.status !== "correct" || candidate.rejected.status === "correct") {
      notAFlip++;
      continue;
    }
    const prompt = promptKey(candidate.prompt);
    const triple = JSON.stringify([prompt, candidate.chosen.text, candidate.rejected.text]);
    if (triples.has(triple)) {
      duplicates++;
      continue;
    }
    triples.add(triple);
    const problem = `${candidate.model}\0${normalizeProblemText(candidate.question)}`;
    if (problems.has(problem)) {
      sameProblem++;
      continue;
    }
    problems.add(problem);
    if (wanted !== undefined && !wanted.has(candidate.category)) {
      otherCategories++;
      continue;
    }
    unique.push({
      id: `${candidate.model}/${candidate.problemId}`,
      model: candidate.model,
      variant: candidate.variant,
      benchmark: candidate.benchmark,
      problemId: candidate.problemId,
      prompt: candidate.prompt,
      chosen: candidate.chosen.text,
      rejected: candidate.rejected.text,
      chosenKey: candidate.chosen.key,
      rejectedKey: candidate.rejected.key,
      rejectedStatus: candidate.rejected.status,
      category: candidate.category,
      subtype: candidate.subtype ?? null,
      categorySource: candidate.categorySource,
    });
  }
  const strata = PAIR_CATEGORIES.map((category) => interleaveModels(unique.filter((pair) => pair.category === category)));
  const shares = allocate(strata.map((stratum) => stratum.length), cap, allocation);
  const kept = strata.flatMap((stratum, index) => stratum.slice(0, shares[index]));
  // The training order: one seeded shuffle of the kept pairs (strata would otherwise come in blocks).
  const pairs = shuffle(kept, random);
  return {
    pairs,
    counts: {
      candidates: candidates.length,
      notAFlip,
      undecided,
      duplicates,
      sameProblem,
      otherCategories,
      available: unique.length,
      availableByCategory: tally(unique, "category"),
      availableByModel: tally(unique, "model"),
      kept: pairs.length,
      keptByCategory: tally(pairs, "category"),
      keptByModel: tally(pairs, "model"),
      cap,
      seed,
      allocation,
    },
  };
}
