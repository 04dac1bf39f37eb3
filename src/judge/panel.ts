/**
 * A judge panel's decision on one solution (seed 003's protocol): a majority vote over the first error
 * step, a designated baseline judge, conflicts flagged for humans, and the deterministic step verifier as
 * a member that is certain on execution errors.
 *
 * 1. Votes are the members' valid verdicts; invalid verdicts and backend errors are not votes (counted).
 * 2. A step with more than half of the votes is the majority; its category and subtype are the plurality
 *    among the judges who voted for that step (ties go to the baseline's, else taxonomy order, flagged).
 * 3. A *certain* verifier verdict at step v (a refuted arithmetic claim) means step v is wrong, so the first
 *    error is at v or earlier: a majority for an earlier step stands (the verifier cannot clear earlier
 *    steps); a majority for a later step, for "no error", or no majority is overridden by the verifier.
 *    An uncertain verifier verdict is an ordinary vote.
 * 4. Without a majority (and no certain verifier) the baseline's verdict stands, flagged `no_majority`.
 * 5. Conflicts, queued for humans: `no_majority`, and `baseline_dissent` (the baseline's step differs from
 *    the decision).
 */
import type { ErrorCategory, ErrorSubtype } from "../taxonomy/index.ts";
import { ERROR_SUBTYPES } from "../taxonomy/index.ts";
import { NO_ERROR, type NoError, type Verdict } from "./verdict.ts";

export interface MemberVote {
  judge: string;
  /** The member's verdict, when it gave a valid one. */
  verdict?: Verdict;
  /** Why there is no verdict (an invalid reason or a backend error code). */
  missing?: string;
}

export interface VerifierVote {
  verdict: Verdict;
  /** The verifier proved this step wrong (a refuted arithmetic claim). Default: its category is execution. */
  certain?: boolean;
}

export const VERIFIER_JUDGE = "verifier";

export type PanelFlag =
  | "no_majority" // no step has more than half of the votes
  | "baseline_dissent" // the baseline judge's step differs from the decision
  | "baseline_missing" // the baseline judge gave no valid verdict
  | "verifier_override" // a certain verifier verdict replaced the judges' decision
  | "subtype_tie" // the decided step's voters split evenly on the subtype
  | "no_votes"; // no valid verdict at all

/** Flags that send a decision to human review. */
export const CONFLICT_FLAGS: readonly PanelFlag[] = ["no_majority", "baseline_dissent", "no_votes"];

export interface PanelDecision {
  /** The decided first error step (-1: no error); null when nothing could be decided. */
  firstErrorStep: number | null;
  category: ErrorCategory | NoError | null;
  subtype: ErrorSubtype | NoError | null;
  decidedBy: "majority" | "verifier" | "baseline" | "none";
  /** Votes for the decided step (the verifier's included when it voted). */
  support: number;
  /** Valid votes cast (members with a verdict, plus an uncertain verifier). */
  votes: number;
  /** Members asked (the verifier included when given). */
  members: number;
  /** Members without a valid verdict, with why. */
  missing: { judge: string; reason: string }[];
  flags: PanelFlag[];
  /** True when a conflict flag is set: a person should look. */
  needsReview: boolean;
}

export interface PanelOptions {
  /** Name of the designated baseline judge (must be one of the votes' judges). */
  baseline: string;
  verifier?: VerifierVote;
}

export function decidePanel(votes: readonly MemberVote[], options: PanelOptions): PanelDecision {
  const names = new Set(votes.map((vote) => vote.judge));
  if (names.size !== votes.length) throw new RangeError("each judge votes once");
  if (!names.has(options.baseline)) throw new RangeError(`the baseline judge '${options.baseline}' is not among the votes (${[...names].join(", ")})`);
  const verifier = options.verifier;
  const verifierCertain = verifier !== undefined && (verifier.certain ?? verifier.verdict.category === "execution") && verifier.verdict.firstErrorStep >= 0;

  const cast: { judge: string; verdict: Verdict }[] = votes.flatMap((vote) => (vote.verdict ? [{ judge: vote.judge, verdict: vote.verdict }] : []));
  if (verifier && !verifierCertain) cast.push({ judge: VERIFIER_JUDGE, verdict: verifier.verdict });
  const missing = votes.flatMap((vote) => (vote.verdict ? [] : [{ judge: vote.judge, reason: vote.missing ?? "no verdict" }]));
  const members = votes.length + (verifier ? 1 : 0);
  const flags: PanelFlag[] = [];
  const baselineVerdict = votes.find((vote) => vote.judge === options.baseline)?.verdict;
  if (!baselineVerdict) flags.push("baseline_missing");

  const tally = new Map<number, number>();
  for (const { verdict } of cast) tally.set(verdict.firstErrorStep, (tally.get(verdict.firstErrorStep) ?? 0) + 1);
  const majority = [...tally].find(([, count]) => count * 2 > cast.length)?.[0];
  if (majority === undefined && cast.length > 0) flags.push("no_majority");

  const finish = (
    decidedBy: PanelDecision["decidedBy"],
    step: number | null,
    label: { category: ErrorCategory | NoError; subtype: ErrorSubtype | NoError } | null,
    support: number,
  ): PanelDecision => {
    if (baselineVerdict && step !== null && baselineVerdict.firstErrorStep !== step && decidedBy !== "baseline") flags.push("baseline_dissent");
    return {
      firstErrorStep: step,
      category: label?.category ?? null,
      subtype: label?.subtype ?? null,
      decidedBy,
      support,
      votes: cast.length,
      members,
      missing,
      flags,
      needsReview: flags.some((flag) => CONFLICT_FLAGS.includes(flag)),
    };
  };

  if (verifierCertain) {
    const certainStep = verifier.verdict.firstErrorStep;
    if (majority !== undefined && majority >= 0 && majority < certainStep) {
      return finish("majority", majority, plurality(cast, majority, options.baseline, flags), tally.get(majority) ?? 0);
    }
    if (majority !== certainStep) flags.push("verifier_override");
    const agreeing = tally.get(certainStep) ?? 0;
    return finish("verifier", certainStep, { category: verifier.verdict.category, subtype: verifier.verdict.subtype }, agreeing + 1);
  }
  if (cast.length === 0) {
    flags.push("no_votes");
    return finish("none", null, null, 0);
  }
  if (majority !== undefined) return finish("majority", majority, plurality(cast, majority, options.baseline, flags), tally.get(majority) ?? 0);
  if (baselineVerdict) {
    const step = baselineVerdict.firstErrorStep;
    return finish("baseline", step, { category: baselineVerdict.category, subtype: baselineVerdict.subtype }, tally.get(step) ?? 0);
  }
  return finish("none", null, null, 0);
}

/** The most common subtype among the votes for `step`; ties to the baseline's, else taxonomy order. */
function plurality(
  cast: readonly { judge: string; verdict: Verdict }[],
  step: number,
  baseline: string,
  flags: PanelFlag[],
): { category: ErrorCategory | NoError; subtype: ErrorSubtype | NoError } {
  const voters = cast.filter(({ verdict }) => verdict.firstErrorStep === step);
  const counts = new Map<ErrorSubtype | NoError, { count: number; category: ErrorCategory | NoError }>();
  for (const { verdict } of voters) {
    const entry = counts.get(verdict.subtype) ?? { count: 0, category: verdict.category };
    entry.count++;
    counts.set(verdict.subtype, entry);
  }
  const best = Math.max(...[...counts.values()].map((entry) => entry.count));
  const tied = [...counts].filter(([, entry]) => entry.count === best).map(([subtype]) => subtype);
  if (tied.length > 1) flags.push("subtype_tie");
  const baselineSubtype = voters.find((voter) => voter.judge === baseline)?.verdict.subtype;
  const order: readonly (ErrorSubtype | NoError)[] = [...ERROR_SUBTYPES, NO_ERROR];
  const subtype = baselineSubtype !== undefined && tied.includes(baselineSubtype)
    ? baselineSubtype
    : (tied.sort((left, right) => order.indexOf(left) - order.indexOf(right))[0] as ErrorSubtype | NoError);
  return { category: (counts.get(subtype) as { category: ErrorCategory | NoError }).category, subtype };
}
