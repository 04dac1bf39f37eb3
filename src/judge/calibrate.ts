/**
 * Calibration before trust: run judges (and their panel) over solutions whose first wrong step is known,
 * and score them by ProcessBench's protocol (protocol.ts).
 *
 * Two sources of labelled solutions:
 * - ProcessBench (human labels; `processBenchSamples` over src/data/processbench.ts's loader);
 * - the arith testbed with injected errors (`arithInjectedSamples`: src/steps/inject.ts rewrites a gold
 *   solution with one known error at one known step, so the label is exact, and so is the expected
 *   category of the error).
 *
 * `runCalibration` asks every judge about every sample (a bounded pool of calls), then scores each judge,
 * the panel's majority decision, the agreement among judges and the effective number of independent votes.
 */
import { arithGold, generateArithSplit, Random } from "../data/arith/index.ts";
import type { StepLabeledSolution } from "../data/processbench.ts";
import { injectError, segmentSteps, type InjectionKind } from "../steps/index.ts";
import type { ErrorCategory, ErrorSubtype } from "../taxonomy/index.ts";
import { effectiveVotes, fleissKappa, krippendorffAlpha, pairwiseAgreement, type EffectiveVotes, type FleissKappa, type KrippendorffAlpha, type PairwiseAgreement } from "./agreement.ts";
import type { Judge, JudgeOutcome } from "./judge.ts";
import type { InvalidReason } from "./parse.ts";
import { decidePanel, VERIFIER_JUDGE, type PanelDecision } from "./panel.ts";
import { mapPool } from "./pool.ts";
import { scoreFirstErrorPredictions, type FirstErrorPrediction, type ProtocolOptions, type ProtocolReport } from "./protocol.ts";
import { addUsage, NO_USAGE, type TokenUsage } from "./usage.ts";
import { NO_ERROR } from "./verdict.ts";
import { verifierFirstError } from "./verifierJudge.ts";

export interface CalibrationSample {
  id: string;
  /** Protocol subset (ProcessBench's gsm8k/math/olympiadbench/omnimath; `arith`). */
  subset: string;
  /** A finer group for breakdowns (the injected error's kind, `correct`), when there is one. */
  group?: string;
  problem: string;
  steps: string[];
  /** 0-based first wrong step, or -1. */
  label: number;
  /** The error's expected subtype, when the source knows it (arith injections). */
  expected?: { category: ErrorCategory; subtype: ErrorSubtype };
}

export function processBenchSamples(solutions: readonly StepLabeledSolution[]): CalibrationSample[] {
  return solutions.map((solution) => ({
    id: solution.id,
    subset: solution.subset,
    problem: solution.problem,
    steps: [...solution.steps],
    label: solution.firstErrorStep ?? -1,
  }));
}

/** What each injection kind is in the taxonomy. Format injections have no subtype and are not used. */
export const INJECTION_SUBTYPES: Readonly<Partial<Record<InjectionKind, { category: ErrorCategory; subtype: ErrorSubtype }>>> = {
  computational: { category: "execution", subtype: "computational_error" },
  "answer-computational": { category: "execution", subtype: "computational_error" },
  "wrong-operation": { category: "method", subtype: "procedural_error" },
  "skipped-step": { category: "method", subtype: "procedural_error" },
  "extra-step": { category: "method", subtype: "procedural_error" },
  "wrong-quantity": { category: "conceptual", subtype: "contextual_oversight" },
};

export const CALIBRATION_INJECTIONS = Object.keys(INJECTION_SUBTYPES) as InjectionKind[];

export interface ArithSampleOptions {
  /** Problems drawn from the arith test split (one sample each). */
  size: number;
  seed?: number;
  /** Kinds to inject, in rotation with uninjected (correct) solutions; default CALIBRATION_INJECTIONS. */
  kinds?: readonly InjectionKind[];
  /** Share of samples left correct (default 0.5, ProcessBench's balance is close to it). */
  correctShare?: number;
}

/**
 * Arith test problems, each either left as its gold solution (label -1) or given one injected error at a
 * seeded step, carried forward or not; steps are what segmentSteps finds (the `Step k:` lines and the
 * boxed answer line). An injection the injector refuses (ambiguous under its rules) is retried at another
 * step, then the problem is skipped.
 */
export function arithInjectedSamples(options: ArithSampleOptions): CalibrationSample[] {
  const seed = options.seed ?? 0;
  const kinds = options.kinds ?? CALIBRATION_INJECTIONS;
  const correctShare = options.correctShare ?? 0.5;
  const random = new Random(seed);
  const samples: CalibrationSample[] = [];
  let injected = 0;
  for (const problem of generateArithSplit("test", { size: options.size, seed })) {
    const gold = arithGold(problem);
    const solution = problem.solution as string;
    if (random.int(0, 999) < Math.round(correctShare * 1000)) {
      samples.push({ id: `${problem.id}#correct`, subset: "arith", group: "correct", problem: problem.question, steps: stepsOf(solution), label: -1 });
      continue;
    }
    const kind = kinds[injected++ % kinds.length] as InjectionKind;
    for (let attempt = 0; attempt < 4; attempt++) {
      const step = random.int(1, gold.steps.length);
      const result = injectError(gold, { kind, step, propagate: random.chance(1, 2) }, random);
      if (!result) continue;
      const segments = segmentSteps(result.text);
      const { firstError } = result.expected;
      const lastLabelled = segments.findLastIndex((segment) => segment.label !== undefined);
      const label = firstError.part === "step"
        ? segments.findIndex((segment) => segment.label === firstError.position)
        : lastLabelled + 1 < segments.length ? lastLabelled + 1 : -1;
      if (label < 0) continue;
      const expected = INJECTION_SUBTYPES[kind];
      samples.push({
        id: `${problem.id}#${kind}@${step}`,
        subset: "arith",
        group: kind,
        problem: problem.question,
        steps: segments.map((segment) => segment.text),
        label,
        ...(expected ? { expected } : {}),
      });
      break;
    }
  }
  return samples;
}

function stepsOf(text: string): string[] {
  return segmentSteps(text).map((segment) => segment.text);
}

/** One judge's answer on one sample, reduced to what scoring and storage need. */
export interface CalibrationVote {
  judge: string;
  status: JudgeOutcome["status"];
  prediction: number | null;
  category?: string;
  subtype?: string;
  confidence?: number;
  /** Invalid reason or error code. */
  reason?: string;
  attempts: number;
  usage: TokenUsage;
}

export interface CalibrationRecord {
  sample: CalibrationSample;
  votes: CalibrationVote[];
  /** The deterministic step verifier's answer, when it is calibrated (options.verifier). */
  verifier?: CalibrationVote;
  panel?: PanelDecision;
}

export interface JudgeCalibration {
  judge: string;
  protocol: ProtocolReport;
  outcomes: { verdict: number; invalid: Partial<Record<InvalidReason, number>>; error: number };
  /** On samples with a known expected subtype where the judge found the exact step: subtype/category matches. */
  labels: { judged: number; subtypeMatches: number; categoryMatches: number };
  /** Exact-step hit rate per sample group (arith: per injected kind). */
  groups: { group: string; hits: number; total: number }[];
  usage: TokenUsage;
}

export interface CalibrationReport {
  samples: number;
  judges: JudgeCalibration[];
  /** The step verifier scored as a judge of its own (options.verifier). */
  verifier?: JudgeCalibration;
  /**
   * The panel's decisions scored the same way: majority against the baseline, with the verifier a member
   * certain on what it refutes (as in the judge stage) when options.verifier; when at least two voters.
   */
  panel?: JudgeCalibration & { needsReview: number };
  agreement?: {
    /** On the first-error-step labels (invalid verdicts missing). */
    pairwise: PairwiseAgreement;
    fleiss: FleissKappa;
    krippendorff: KrippendorffAlpha;
    /** From the correlation of the judges' correctness (exact-step hit) on the samples. */
    effectiveVotes: EffectiveVotes;
  };
  records: CalibrationRecord[];
}

export interface CalibrationOptions {
  samples: readonly CalibrationSample[];
  judges: readonly Pick<Judge, "name" | "judge">[];
  /** Baseline judge of the panel (default: the first judge). */
  baseline?: string;
  /** Calls in flight at once (default 2). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  protocol?: ProtocolOptions;
  /**
   * Also calibrate the deterministic step verifier (verifierJudge.ts) and seat it on the panel as the
   * judge stage does: certain on a refuted arithmetic claim, silent otherwise. It is not a rater in the
   * agreement statistics (they measure the model judges).
   */
  verifier?: boolean;
}

export async function runCalibration(options: CalibrationOptions): Promise<CalibrationReport> {
  const { samples, judges } = options;
  if (judges.length === 0) throw new RangeError("calibration needs at least one judge");
  const names = judges.map((judge) => judge.name);
  if (new Set(names).size !== names.length) throw new RangeError(`judge names must be unique: ${names.join(", ")}`);
  const baseline = options.baseline ?? (names[0] as string);
  if (!names.includes(baseline)) throw new RangeError(`the baseline '${baseline}' is not a judge (${names.join(", ")})`);

  const tasks = samples.flatMap((sample, sampleIndex) => judges.map((judge) => ({ sample, sampleIndex, judge })));
  let done = 0;
  const answered = await mapPool(
    tasks,
    options.concurrency ?? 2,
    async ({ sample, judge }) => {
      const outcome = await judge.judge({ problem: sample.problem, steps: sample.steps }, options.signal);
      options.onProgress?.(++done, tasks.length);
      return voteOf(judge.name, outcome);
    },
    options.signal,
  );
  const votes = samples.map((_, sampleIndex) => answered.slice(sampleIndex * judges.length, (sampleIndex + 1) * judges.length));

  const withPanel = judges.length >= 2 || options.verifier === true;
  const records: CalibrationRecord[] = samples.map((sample, index) => {
    const sampleVotes = votes[index] as CalibrationVote[];
    const verifier = options.verifier ? verifierCalibrationVote(sample.steps) : undefined;
    if (!withPanel) return { sample, votes: sampleVotes };
    const certain = verifier !== undefined && verifier.prediction !== null && verifier.prediction >= 0 ? { verdict: asVerdict(verifier), certain: true } : undefined;
    const panel = decidePanel(
      sampleVotes.map((vote) => (vote.prediction === null
        ? { judge: vote.judge, missing: vote.reason ?? vote.status }
        : { judge: vote.judge, verdict: asVerdict(vote) })),
      { baseline, ...(certain ? { verifier: certain } : {}) },
    );
    return { sample, votes: sampleVotes, ...(verifier ? { verifier } : {}), panel };
  });

  const report: CalibrationReport = {
    samples: samples.length,
    judges: names.map((name, judgeIndex) => calibrationOf(name, records, (record) => record.votes[judgeIndex] as CalibrationVote, options.protocol)),
    records,
  };
  if (options.verifier) report.verifier = calibrationOf(VERIFIER_JUDGE, records, (record) => record.verifier as CalibrationVote, options.protocol);
  if (withPanel) {
    const panel = calibrationOf("panel", records, (record) => panelVote(record.panel as PanelDecision), options.protocol);
    report.panel = { ...panel, usage: report.judges.reduce((sum, judge) => addUsage(sum, judge.usage), { ...NO_USAGE }), needsReview: records.filter((record) => record.panel?.needsReview).length };
  }
  if (judges.length >= 2) {
    report.agreement = {
      pairwise: pairwiseAgreement(records.map((record) => record.votes.map((vote) => vote.prediction))),
      fleiss: fleissKappa(records.map((record) => record.votes.map((vote) => vote.prediction))),
      krippendorff: krippendorffAlpha(records.map((record) => record.votes.map((vote) => vote.prediction))),
      effectiveVotes: effectiveVotes(records.map((record) => record.votes.map((vote) => (vote.prediction === record.sample.label ? 1 : 0)))),
    };
  }
  return report;
}

/** The step verifier's answer on the labelled steps, as a calibration vote (no tokens). */
function verifierCalibrationVote(steps: readonly string[]): CalibrationVote {
  const { step } = verifierFirstError(steps);
  const label = step === -1 ? { category: NO_ERROR, subtype: NO_ERROR } : { category: "execution", subtype: "computational_error" };
  return { judge: VERIFIER_JUDGE, status: "verdict", prediction: step, ...label, confidence: 1, attempts: 0, usage: { ...NO_USAGE } };
}

function voteOf(judge: string, outcome: JudgeOutcome): CalibrationVote {
  const base = { judge, status: outcome.status, attempts: outcome.attempts, usage: outcome.usage };
  if (outcome.status === "verdict") {
    const { firstErrorStep, category, subtype, confidence } = outcome.value;
    return { ...base, prediction: firstErrorStep, category, subtype, confidence };
  }
  return { ...base, prediction: null, reason: outcome.status === "invalid" ? outcome.reason : outcome.code };
}

function asVerdict(vote: CalibrationVote) {
  return {
    firstErrorStep: vote.prediction as number,
    category: vote.category as ErrorCategory,
    subtype: vote.subtype as ErrorSubtype,
    explanation: "",
    confidence: vote.confidence ?? 0,
  };
}

function panelVote(decision: PanelDecision): CalibrationVote {
  return {
    judge: "panel",
    status: decision.firstErrorStep === null ? "invalid" : "verdict",
    prediction: decision.firstErrorStep,
    ...(decision.category ? { category: decision.category } : {}),
    ...(decision.subtype ? { subtype: decision.subtype } : {}),
    attempts: 0,
    usage: { ...NO_USAGE },
  };
}

function calibrationOf(name: string, records: readonly CalibrationRecord[], voteFor: (record: CalibrationRecord) => CalibrationVote, protocol: ProtocolOptions | undefined): JudgeCalibration {
  const predictions: FirstErrorPrediction[] = [];
  const outcomes: JudgeCalibration["outcomes"] = { verdict: 0, invalid: {}, error: 0 };
  const labels = { judged: 0, subtypeMatches: 0, categoryMatches: 0 };
  const groups = new Map<string, { hits: number; total: number }>();
  let usage: TokenUsage = { ...NO_USAGE };
  for (const record of records) {
    const vote = voteFor(record);
    const { sample } = record;
    predictions.push({ subset: sample.subset, label: sample.label, prediction: vote.prediction });
    usage = addUsage(usage, vote.usage);
    if (vote.status === "verdict") outcomes.verdict++;
    else if (vote.status === "error") outcomes.error++;
    else {
      const reason = (vote.reason ?? "schema") as InvalidReason;
      outcomes.invalid[reason] = (outcomes.invalid[reason] ?? 0) + 1;
    }
    const hit = vote.prediction === sample.label;
    if (sample.group !== undefined) {
      const entry = groups.get(sample.group) ?? { hits: 0, total: 0 };
      entry.total++;
      if (hit) entry.hits++;
      groups.set(sample.group, entry);
    }
    if (hit && sample.expected) {
      labels.judged++;
      if (vote.subtype === sample.expected.subtype) labels.subtypeMatches++;
      if (vote.category === sample.expected.category) labels.categoryMatches++;
    }
  }
  return {
    judge: name,
    protocol: scoreFirstErrorPredictions(predictions, protocol),
    outcomes,
    labels,
    groups: [...groups].map(([group, counts]) => ({ group, ...counts })),
    usage,
  };
}
