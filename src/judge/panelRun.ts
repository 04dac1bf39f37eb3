/**
 * The judge stage's work over the store (src/run/stages/judge.ts is the thin stage around it). For each flip:
 *
 * 1. Re-verify first: re-grade the variant's solution with the current grader. If it is now correct the
 *    stored grade was a false reject, the flip is not a flip, and nothing is judged (`regraded_correct`).
 * 2. Segment the solution into steps (src/steps), let the deterministic step verifier vote (certain on a
 *    refuted arithmetic claim), and ask every judge (a stored verdict or invalid verdict of the same judge
 *    identity is reused; a stored backend error is asked again).
 * 3. Decide by panel vote (panel.ts). A panel "no error" on the still-wrong solution flags a possible grader
 *    false reject; conflicts and possible false rejects are queued for people.
 *
 * Then the seeded audit sample over every decided flip, and the run-level summary: agreement (step and
 * subtype labels), usage and outcomes per judge, and the position-bias check of the baseline judge.
 */
import { createHash } from "node:crypto";
import type { GradeItem, GradeResult } from "../grade/index.ts";
import { canonicalJson, type JudgePanelRow, type JudgeVerdictRow, type RunStore } from "../store/index.ts";
import { SEGMENTER_VERSION, segmentSteps, verifySteps } from "../steps/index.ts";
import { effectiveVotes, fleissKappa, krippendorffAlpha, pairwiseAgreement, type Ratings } from "./agreement.ts";
import { auditRank, auditSample } from "./audit.ts";
import type { OpenedJudge } from "./clients.ts";
import type { PanelSpec } from "./config.ts";
import type { Flip } from "./flips.ts";
import type { JudgeOutcome } from "./judge.ts";
import { decidePanel, type MemberVote, type VerifierVote } from "./panel.ts";
import { mapPool } from "./pool.ts";
import { DEFAULT_POSITION_PROBES, positionBias, probePositionBias, type PositionBias } from "./positionBias.ts";
import { JUDGE_PROMPT_VERSION, PAIR_PROMPT_VERSION, promptId } from "./prompt.ts";
import { costOf } from "./usage.ts";
import { verifierIdentity } from "./verifierJudge.ts";
import type { Verdict } from "./verdict.ts";

export { DEFAULT_POSITION_PROBES } from "./positionBias.ts";

/** The panel's identity from the study alone (pending work is known without starting any judge). */
export function panelHash(panel: PanelSpec): string {
  const description = {
    members: panel.members.map((member) => ({ name: member.name, source: member.source, structured: member.structured, maxAttempts: member.maxAttempts, sampling: member.sampling })),
    baseline: panel.baseline,
    verifier: panel.verifier,
    prompts: [promptId(JUDGE_PROMPT_VERSION), promptId(PAIR_PROMPT_VERSION)],
    segmenter: SEGMENTER_VERSION,
  };
  return `panel:${createHash("sha256").update(canonicalJson(description)).digest("hex").slice(0, 16)}`;
}

export interface JudgeFlipsOptions {
  store: RunStore;
  studyHash: string;
  flips: readonly Flip[];
  judges: readonly OpenedJudge[];
  panel: PanelSpec;
  grader: Pick<{ gradeItem(item: GradeItem): GradeResult }, "gradeItem">;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  positionProbes?: number;
  /** The step verifier's version (src/run/attributeVersion.ts): stored in the panel's description, so reports find its calibration. */
  verifierVersion?: string;
}

export interface JudgeFlipsResult {
  judged: number;
  regradedCorrect: number;
  possibleFalseRejects: number;
  needsReview: number;
  audited: number;
  invalid: number;
  errors: number;
  interrupted: boolean;
}

/** The step verifier's vote: the first refuted step, a computational error with certainty. */
export function verifierVote(text: string): VerifierVote | undefined {
  const verification = verifySteps(text);
  const refuted = verification.firstRefuted;
  if (refuted === undefined) return undefined;
  const claim = verification.steps.find((step) => step.segment === refuted.segment)?.claims[refuted.claim];
  const explanation = claim?.expected !== undefined ? `${claim.text}: the computation gives ${claim.expected}` : `a refuted arithmetic claim in step ${refuted.segment}`;
  return { verdict: { firstErrorStep: refuted.segment, category: "execution", subtype: "computational_error", explanation, confidence: 1 }, certain: true };
}

function verdictRow(flip: Flip, judge: OpenedJudge, outcome: JudgeOutcome, steps: number): JudgeVerdictRow {
  const price = judge.spec.price;
  const base = {
    generationKey: flip.key,
    judge: judge.spec.name,
    identity: judge.judge.identity,
    status: outcome.status,
    segmenter: SEGMENTER_VERSION,
    steps,
    attempts: outcome.attempts,
    promptTokens: outcome.usage.promptTokens,
    completionTokens: outcome.usage.completionTokens,
    cost: price ? costOf(outcome.usage, price) : null,
    replies: outcome.replies,
    warnings: outcome.warnings,
  };
  if (outcome.status === "verdict") {
    const verdict = outcome.value;
    return { ...base, firstErrorStep: verdict.firstErrorStep, category: verdict.category, subtype: verdict.subtype, confidence: verdict.confidence, explanation: verdict.explanation, reason: null, message: null };
  }
  const reason = outcome.status === "invalid" ? outcome.reason : outcome.code;
  return { ...base, firstErrorStep: null, category: null, subtype: null, confidence: null, explanation: null, reason, message: outcome.message };
}

function memberVote(row: JudgeVerdictRow): MemberVote {
  if (row.status !== "verdict") return { judge: row.judge, missing: row.reason ?? row.status };
  const verdict = { firstErrorStep: row.firstErrorStep, category: row.category, subtype: row.subtype, explanation: row.explanation ?? "", confidence: row.confidence ?? 0 } as Verdict;
  return { judge: row.judge, verdict };
}

export async function judgeFlips(options: JudgeFlipsOptions): Promise<JudgeFlipsResult> {
  const { store, panel, judges, flips } = options;
  const hash = panelHash(panel);
  const result: JudgeFlipsResult = { judged: 0, regradedCorrect: 0, possibleFalseRejects: 0, needsReview: 0, audited: 0, invalid: 0, errors: 0, interrupted: false };
  const decided = store.judges.decided(hash, flips.map((flip) => flip.key));
  const todo = flips.filter((flip) => !decided.has(flip.key));
  let done = 0;
  options.onProgress?.(0, todo.length);

  const judgeOne = async (flip: Flip): Promise<void> => {
    const base = {
      generationKey: flip.key, panel: hash, studyHash: options.studyHash, model: flip.model, variant: flip.variant, baselineVariant: flip.baselineVariant,
      benchmark: flip.benchmark, problemId: flip.problemId, sampleIndex: flip.sampleIndex, audited: false,
    };
    const regrade = options.grader.gradeItem({ gold: flip.gold, output: flip.text, finishReason: flip.finishReason });
    if (regrade.correct) {
      store.judges.putPanel({ ...base, firstErrorStep: null, category: null, subtype: null, decidedBy: "none", support: 0, votes: 0, members: 0, flags: [], needsReview: false, verifier: null, reverify: "regraded_correct", regrade });
      result.regradedCorrect++;
      return;
    }
    const steps = segmentSteps(flip.text).map((segment) => segment.text);
    if (steps.length === 0) {
      store.judges.putPanel({ ...base, firstErrorStep: null, category: null, subtype: null, decidedBy: "none", support: 0, votes: 0, members: 0, flags: ["no_steps"], needsReview: false, verifier: null, reverify: "not_applicable", regrade });
      return;
    }
    const verifier = panel.verifier ? verifierVote(flip.text) : undefined;
    const rows: JudgeVerdictRow[] = [];
    for (const judge of judges) {
      const stored = store.judges.verdict(flip.key, judge.spec.name, judge.judge.identity);
      if (stored !== undefined && stored.status !== "error") {
        rows.push(stored);
        continue;
      }
      const outcome = await judge.judge.judge({ problem: flip.question, steps }, options.signal);
      const row = verdictRow(flip, judge, outcome, steps.length);
      store.judges.putVerdict(row);
      rows.push(row);
    }
    result.invalid += rows.filter((row) => row.status === "invalid").length;
    const failed = rows.filter((row) => row.status === "error");
    if (failed.length > 0) {
      // A backend error is not an outcome: leave the flip undecided, so the next run asks again.
      result.errors += failed.length;
      return;
    }
    const decision = decidePanel(rows.map(memberVote), { baseline: panel.baseline, ...(verifier ? { verifier } : {}) });
    const falseReject = decision.firstErrorStep === -1;
    store.transaction(() => {
      store.judges.putPanel({
        ...base,
        firstErrorStep: decision.firstErrorStep, category: decision.category, subtype: decision.subtype, decidedBy: decision.decidedBy,
        support: decision.support, votes: decision.votes, members: decision.members, flags: decision.flags, needsReview: decision.needsReview,
        verifier: verifier ? { ...verifier.verdict, certain: verifier.certain ?? true } : null,
        reverify: falseReject ? "possible_false_reject" : "not_applicable",
        regrade: falseReject ? regrade : null,
      });
      if (decision.needsReview) store.judges.enqueue({ generationKey: flip.key, panel: hash, reason: "conflict", detail: decision.flags.join(",") });
      if (falseReject) store.judges.enqueue({ generationKey: flip.key, panel: hash, reason: "possible_false_reject", detail: `extracted ${JSON.stringify(regrade.extracted)} vs gold ${JSON.stringify(flip.gold)} (${regrade.status})` });
    });
    result.judged++;
    if (decision.needsReview) result.needsReview++;
    if (falseReject) result.possibleFalseRejects++;
  };

  try {
    await mapPool(todo, panel.concurrency, async (flip) => {
      await judgeOne(flip);
      done++;
      options.onProgress?.(done, todo.length);
    }, options.signal);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    result.interrupted = true;
  }
  if (result.interrupted) return result;

  // The audit sample over every decided flip of this panel (re-drawn as flips are added: seeded by key).
  const rows = store.judges.panels(options.studyHash, hash).filter((row) => row.decidedBy !== "none");
  const audited = auditSample(rows.map((row) => row.generationKey), panel.audit);
  store.transaction(() => {
    store.judges.setAudited(hash, audited);
    store.judges.clearQueue(hash, "audit");
    for (const key of audited) store.judges.enqueue({ generationKey: key, panel: hash, reason: "audit", detail: `seed ${panel.audit.seed}, rate ${panel.audit.rate}` });
  });
  result.audited = audited.length;

  if (result.judged > 0 || store.judges.latestSummary(options.studyHash)?.panel !== hash || summaryStale(store, options.studyHash, panel, options.positionProbes)) {
    const summary = await judgeSummary(options, rows, flips);
    store.judges.putSummary(options.studyHash, hash, describePanel(panel, judges, options.verifierVersion), summary);
  }
  return result;
}

export function describePanel(panel: PanelSpec, judges: readonly OpenedJudge[], verifierVersion?: string): unknown {
  return {
    members: judges.map((judge) => ({ name: judge.spec.name, identity: judge.judge.identity, source: judge.kind, structured: judge.spec.structured, maxAttempts: judge.spec.maxAttempts })),
    baseline: panel.baseline,
    verifier: panel.verifier,
    ...(panel.verifier && verifierVersion !== undefined ? { verifierIdentity: verifierIdentity(verifierVersion) } : {}),
    audit: panel.audit,
  };
}

function safely<T>(compute: () => T): T | null {
  try {
    return compute();
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

export interface JudgeSummary {
  judged: number;
  agreement: {
    step: { pairwise: unknown; fleiss: unknown; krippendorff: unknown } | null;
    subtype: { pairwise: unknown; fleiss: unknown; krippendorff: unknown } | null;
    /** From the correlation of the judges' agreement with the panel's decided step. */
    effectiveVotes: unknown;
  };
  positionBias: (PositionBias & { judge: string; failed: number }) | null;
  /** Pairs the position-bias check was asked to probe (the panel's `position_bias.probes`; 0: not checked). */
  positionProbes: number;
  usage: { judge: string; calls: number; promptTokens: number; completionTokens: number; cost: number | null }[];
  outcomes: Record<string, { verdict: number; invalid: Record<string, number>; error: number }>;
}

/** Pairs the position-bias check probes: the caller's, else the panel's, else the default. */
export function positionProbesOf(options: Pick<JudgeFlipsOptions, "positionProbes" | "panel">): number {
  return options.positionProbes ?? options.panel.positionProbes ?? DEFAULT_POSITION_PROBES;
}

/**
 * Whether `judgeFlips` has a summary to (re)write with every flip decided: none stored for this panel (a run
 * stopped in the position-bias check), or one asked for another number of probes.
 */
export function summaryStale(store: RunStore, studyHash: string, panel: PanelSpec, positionProbes?: number): boolean {
  const stored = store.judges.summary(studyHash, panelHash(panel));
  if (stored === undefined) return true;
  const asked = (stored.summary as { positionProbes?: number }).positionProbes ?? DEFAULT_POSITION_PROBES;
  return asked !== positionProbesOf({ panel, ...(positionProbes !== undefined ? { positionProbes } : {}) });
}

async function judgeSummary(options: JudgeFlipsOptions, decided: readonly JudgePanelRow[], flips: readonly Flip[]): Promise<JudgeSummary> {
  const { store, judges } = options;
  const keys = decided.map((row) => row.generationKey);
  const byKey = new Map<string, Map<string, JudgeVerdictRow>>();
  for (const row of store.judges.verdicts(keys)) {
    const judge = judges.find((candidate) => candidate.spec.name === row.judge);
    if (judge === undefined || judge.judge.identity !== row.identity) continue;
    const entry = byKey.get(row.generationKey) ?? new Map<string, JudgeVerdictRow>();
    entry.set(row.judge, row);
    byKey.set(row.generationKey, entry);
  }
  const column = (pick: (row: JudgeVerdictRow) => string | number | null): Ratings =>
    decided.map((panelRow) => judges.map((judge) => {
      const row = byKey.get(panelRow.generationKey)?.get(judge.spec.name);
      return row === undefined || row.status !== "verdict" ? null : pick(row);
    }));
  const stats = (ratings: Ratings) => (judges.length < 2 || ratings.length === 0 ? null : {
    pairwise: safely(() => pairwiseAgreement(ratings)),
    fleiss: safely(() => fleissKappa(ratings)),
    krippendorff: safely(() => krippendorffAlpha(ratings)),
  });
  const hits = decided.map((panelRow) => judges.map((judge) => {
    const row = byKey.get(panelRow.generationKey)?.get(judge.spec.name);
    return row === undefined || row.status !== "verdict" || panelRow.firstErrorStep === null ? null : row.firstErrorStep === panelRow.firstErrorStep ? 1 : 0;
  }));

  const usage = judges.map((judge) => {
    let calls = 0;
    let promptTokens = 0;
    let completionTokens = 0;
    let cost: number | null = judge.spec.price ? 0 : null;
    for (const entry of byKey.values()) {
      const row = entry.get(judge.spec.name);
      if (row === undefined) continue;
      calls += row.attempts;
      promptTokens += row.promptTokens;
      completionTokens += row.completionTokens;
      if (cost !== null) cost += row.cost ?? 0;
    }
    return { judge: judge.spec.name, calls, promptTokens, completionTokens, cost };
  });
  const outcomes: JudgeSummary["outcomes"] = {};
  for (const judge of judges) {
    const counts = { verdict: 0, invalid: {} as Record<string, number>, error: 0 };
    for (const entry of byKey.values()) {
      const row = entry.get(judge.spec.name);
      if (row === undefined) continue;
      if (row.status === "verdict") counts.verdict++;
      else if (row.status === "error") counts.error++;
      else counts.invalid[row.reason ?? "schema"] = (counts.invalid[row.reason ?? "schema"] ?? 0) + 1;
    }
    outcomes[judge.spec.name] = counts;
  }

  let bias: JudgeSummary["positionBias"] = null;
  const probes = positionProbesOf(options);
  const baseline = judges.find((judge) => judge.spec.name === options.panel.baseline);
  const decidedKeys = new Set(keys);
  const candidates = flips
    .filter((flip) => decidedKeys.has(flip.key))
    .map((flip) => ({ flip, rank: auditRank(flip.key, options.panel.audit.seed + 1) }))
    .sort((left, right) => (left.rank < right.rank ? -1 : left.rank > right.rank ? 1 : 0))
    .slice(0, probes)
    .map(({ flip }) => ({ key: flip.key, problem: flip.question, left: segmentSteps(flip.baselineText).map((segment) => segment.text), right: segmentSteps(flip.text).map((segment) => segment.text) }))
    .filter((pair) => pair.left.length > 0 && pair.right.length > 0);
  if (baseline !== undefined && probes > 0 && candidates.length > 0 && !options.signal?.aborted) {
    const run = await probePositionBias(baseline.judge, candidates, options.panel.concurrency, options.signal);
    bias = { judge: baseline.spec.name, ...positionBias(run.probes), failed: run.failed.length };
  }
  return {
    judged: decided.length,
    agreement: {
      step: stats(column((row) => row.firstErrorStep)),
      subtype: stats(column((row) => row.subtype)),
      effectiveVotes: judges.length < 2 ? null : safely(() => effectiveVotes(hits)),
    },
    positionBias: bias,
    positionProbes: probes,
    usage,
    outcomes,
  };
}
