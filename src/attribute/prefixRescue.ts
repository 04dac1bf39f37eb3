/**
 * Causal confirmation by prefix rescue, pure over an injected continuation function.
 *
 * - First vulnerable step: the variant continues from the fp solution cut after step k (k = 0 … n; 0 is
 *   the bare prompt). The smallest k from which it reaches the right answer is k*: given fp's steps
 *   1 … k*−1 it still fails, given 1 … k* it succeeds, so step k* is the first step the variant cannot be
 *   trusted to write. k* = 0: the variant solves it alone (the flip does not reproduce under this
 *   continuation); no k: even fp's whole derivation does not rescue it (it fails at the answer itself).
 * - Unrecoverable step (the mirror): fp continues from the variant's solution cut after step k. The smallest
 *   k from which fp no longer reaches the right answer is where the variant's solution became unrecoverable.
 *
 * Steps are the solution's segments before its final answer (trailing `answer` segments are not cut
 * points: a prefix holding the answer proves nothing). Prefix k ends where segment k+1 starts, so it keeps
 * the line break a model would write next. The search (search.ts) assumes monotone outcomes and says what
 * it found when they are not.
 */
import type { StepSegment } from "../steps/index.ts";
import { searchTransition, type SearchOptions, type TransitionSearch } from "./search.ts";

/** Continue the solution from `prefix` (`k` steps of it) and say whether the final answer is right. */
export type ContinueFrom = (prefix: string, k: number) => Promise<boolean>;

export interface PrefixCuts {
  /** Segment index of each cut step, in order (step k is `steps[k - 1]`). */
  steps: number[];
  /** `cuts[k]`: prefix k is `text.slice(0, cuts[k])`; cuts[0] = 0. */
  cuts: number[];
}

export function prefixCuts(text: string, segments: readonly StepSegment[]): PrefixCuts {
  let last = segments.length;
  while (last > 0 && segments[last - 1]?.kind === "answer") last--;
  const steps = segments.slice(0, last).map((segment) => segment.index);
  const cuts = [0, ...steps.map((index) => segments[index + 1]?.start ?? text.length)];
  return { steps, cuts };
}

export type RescueOutcome =
  /** A first vulnerable (or unrecoverable) step was found. */
  | "located"
  /** Forward: the variant is right from the bare prompt. Mirror: fp is wrong from the bare prompt. */
  | "not-reproduced"
  /** Forward: no fp prefix rescues the variant. Mirror: fp recovers from every variant prefix. */
  | "never";

export interface PrefixRescueResult {
  outcome: RescueOutcome;
  /** The segment (of the solution that was cut) of the located step. */
  segment?: number;
  /** The located step's number k (1-based among the cut steps). */
  k?: number;
  steps: number;
  search: TransitionSearch;
  calls: number;
}

async function locate(text: string, segments: readonly StepSegment[], wanted: (prefix: string, k: number) => Promise<boolean>, options: SearchOptions): Promise<PrefixRescueResult> {
  const { steps, cuts } = prefixCuts(text, segments);
  const search = await searchTransition(steps.length, (k) => wanted(text.slice(0, cuts[k]), k), options);
  const base = { steps: steps.length, search, calls: search.evaluations.length };
  if (search.k === undefined) return { ...base, outcome: "never" };
  if (search.k === 0) return { ...base, outcome: "not-reproduced" };
  return { ...base, outcome: "located", k: search.k, segment: steps[search.k - 1] as number };
}

/** The first step of fp's solution the variant cannot write: variant continuations from fp prefixes. */
export function findFirstVulnerableStep(input: {
  fpText: string; fpSegments: readonly StepSegment[]; variantContinues: ContinueFrom;
} & SearchOptions): Promise<PrefixRescueResult> {
  return locate(input.fpText, input.fpSegments, input.variantContinues, input);
}

/** The step of the variant's solution after which fp cannot recover: fp continuations from variant prefixes. */
export function findUnrecoverableStep(input: {
  variantText: string; variantSegments: readonly StepSegment[]; fpContinues: ContinueFrom;
} & SearchOptions): Promise<PrefixRescueResult> {
  return locate(input.variantText, input.variantSegments, async (prefix, k) => !(await input.fpContinues(prefix, k)), input);
}
