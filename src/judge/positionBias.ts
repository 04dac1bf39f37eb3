/**
 * The position-bias check: a judge shown two solutions of one problem (the fp's and a variant's) should
 * say the same about each whichever is shown first. Each probe asks twice, in order and swapped; the
 * statistics are how often both verdicts survive the swap, how often a solution is called wrong when shown
 * first versus second, and an exact McNemar test on the solutions whose "has an error" call flips with
 * their position.
 */
import { mcnemarExact } from "../compare/paired.ts";
import type { ModelJudge, PairOutcome } from "./judge.ts";
import type { PairVerdict } from "./parse.ts";
import { mapPool } from "./pool.ts";

export interface PositionPair {
  key: string;
  problem: string;
  /** Conventionally the fp solution's steps. */
  left: string[];
  /** Conventionally the variant solution's steps. */
  right: string[];
}

export interface PositionProbe {
  key: string;
  /** left shown first (A), right second (B). */
  inOrder: PairVerdict;
  /** right shown first (A), left second (B). */
  swapped: PairVerdict;
}

export interface PositionBias {
  probes: number;
  /** Probes where both solutions got the same first-error step in both orders. */
  consistent: number;
  consistency: number | null;
  /** Share of verdicts finding an error, for solutions shown first and shown second. */
  errorRateShownFirst: number | null;
  errorRateShownSecond: number | null;
  /** Solutions called wrong only when shown first, and only when shown second; McNemar on the two. */
  onlyWhenFirst: number;
  onlyWhenSecond: number;
  pValue: number;
}

/**
 * Pairs the judge stage probes per run (a seeded choice among the decided flips; each pair is two calls of
 * the baseline judge). 20 pairs give McNemar a chance to see a strong bias and cost 40 calls; set
 * `position_bias: { probes: N }` in the judges block or `qreason judge --position-probes N` (0: off).
 */
export const DEFAULT_POSITION_PROBES = 20;

const hasError = (verdict: { firstErrorStep: number }): boolean => verdict.firstErrorStep !== -1;

export function positionBias(probes: readonly PositionProbe[]): PositionBias {
  let consistent = 0;
  let onlyWhenFirst = 0;
  let onlyWhenSecond = 0;
  let errorsFirst = 0;
  let errorsSecond = 0;
  for (const { inOrder, swapped } of probes) {
    // left: first in inOrder, second in swapped; right: second in inOrder, first in swapped.
    const left = { first: inOrder.first, second: swapped.second };
    const right = { first: swapped.first, second: inOrder.second };
    if (left.first.firstErrorStep === left.second.firstErrorStep && right.first.firstErrorStep === right.second.firstErrorStep) consistent++;
    for (const solution of [left, right]) {
      const [whenFirst, whenSecond] = [hasError(solution.first), hasError(solution.second)];
      if (whenFirst) errorsFirst++;
      if (whenSecond) errorsSecond++;
      if (whenFirst && !whenSecond) onlyWhenFirst++;
      if (!whenFirst && whenSecond) onlyWhenSecond++;
    }
  }
  const n = probes.length;
  return {
    probes: n,
    consistent,
    consistency: n === 0 ? null : consistent / n,
    errorRateShownFirst: n === 0 ? null : errorsFirst / (2 * n),
    errorRateShownSecond: n === 0 ? null : errorsSecond / (2 * n),
    onlyWhenFirst,
    onlyWhenSecond,
    pValue: mcnemarExact(onlyWhenFirst, onlyWhenSecond).pValue,
  };
}

export interface PositionRun {
  probes: PositionProbe[];
  /** Pairs where either order gave no valid pair verdict (not probes; counted). */
  failed: { key: string; inOrder: PairOutcome["status"]; swapped: PairOutcome["status"] }[];
}

/** Asks `judge` about every pair in both orders. */
export async function probePositionBias(judge: Pick<ModelJudge, "judgePair">, pairs: readonly PositionPair[], concurrency = 2, signal?: AbortSignal): Promise<PositionRun> {
  const asked = await mapPool(
    pairs.flatMap((pair) => [
      { pair, swapped: false },
      { pair, swapped: true },
    ]),
    concurrency,
    ({ pair, swapped }) => judge.judgePair(
      swapped ? { problem: pair.problem, first: pair.right, second: pair.left } : { problem: pair.problem, first: pair.left, second: pair.right },
      signal,
    ),
    signal,
  );
  const run: PositionRun = { probes: [], failed: [] };
  pairs.forEach((pair, index) => {
    const [inOrder, swapped] = [asked[2 * index] as PairOutcome, asked[2 * index + 1] as PairOutcome];
    if (inOrder.status === "verdict" && swapped.status === "verdict") run.probes.push({ key: pair.key, inOrder: inOrder.value, swapped: swapped.value });
    else run.failed.push({ key: pair.key, inOrder: inOrder.status, swapped: swapped.status });
  });
  return run;
}
