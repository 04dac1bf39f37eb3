/**
 * The fixed, versioned splits of the arith testbed.
 *
 * Problem `index` of a split is generated from hashSeed([stream of the split, seed, index, attempt]) at
 * level 1 + index % 5, so every level has the same share and a split of any size is a prefix of a larger
 * one. Train and test are disjoint by construction, for every size: a question belongs to the test side
 * when the first byte of sha256(question) is below TEST_BUCKET_LIMIT, and each split skips candidates of
 * the other side (and repeats of its own questions) by moving to the next attempt.
 *
 * Any change to what these functions return for an existing (split, seed, index) is a new ARITH_VERSION;
 * splits.test.ts pins sha256 digests of the first problems so that a change cannot go unnoticed.
 */
import { createHash } from "node:crypto";
import { ARITH_VERSION, generateArithProblem } from "./generate.ts";
import { LEVELS } from "./levels.ts";
import { hashSeed } from "./random.ts";
import type { Problem } from "../types.ts";

export const ARITH_BENCHMARK = "arith";
export const ARITH_SPLITS = ["train", "test"] as const;
export type ArithSplit = (typeof ARITH_SPLITS)[number];

/** Size of the test split; also the default size of `train` when none is asked for is TRAIN_DEFAULT_SIZE. */
export const TEST_SIZE = 1000;
export const TRAIN_DEFAULT_SIZE = 10_000;

const STREAMS: Record<ArithSplit, number> = { train: 1, test: 2 };

/** sha256(question)[0] < 32: one question in eight belongs to the test side. */
const TEST_BUCKET_LIMIT = 32;

export function isTestSideQuestion(question: string): boolean {
  return (createHash("sha256").update(question, "utf8").digest()[0] as number) < TEST_BUCKET_LIMIT;
}

export function isArithSplit(split: string): split is ArithSplit {
  return (ARITH_SPLITS as readonly string[]).includes(split);
}

export interface ArithSplitOptions {
  size: number;
  /** uint32; 0 gives the canonical splits. */
  seed?: number;
  signal?: AbortSignal;
}

/** The first `size` problems of `split` for `seed`, as normalized Problems. */
export function generateArithSplit(split: ArithSplit, options: ArithSplitOptions): Problem[] {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(options.size) || options.size < 0) throw new RangeError(`size ${options.size} is not a count`);
  const wantTestSide = split === "test";
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (let index = 0; index < options.size; index++) {
    if (index % 1000 === 0) options.signal?.throwIfAborted();
    const level = LEVELS[index % LEVELS.length]?.level as number;
    for (let attempt = 0; ; attempt++) {
      const problemSeed = hashSeed([STREAMS[split], seed, index, attempt]);
      const generated = generateArithProblem(problemSeed, level);
      if (isTestSideQuestion(generated.question) !== wantTestSide || seen.has(generated.question)) continue;
      seen.add(generated.question);
      problems.push({
        id: `${ARITH_BENCHMARK}/${split}/${seed}-${index}`,
        benchmark: ARITH_BENCHMARK,
        question: generated.question,
        answer: String(generated.answer),
        solution: generated.solution,
        level: generated.level,
        subject: generated.subject,
        meta: { ...generated.meta },
      });
      break;
    }
  }
  return problems;
}

export { ARITH_VERSION };
