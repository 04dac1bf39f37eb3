/**
 * `qreason judge calibrate`'s work over a store: ask each judge about each labelled sample it has not
 * answered yet (answers stored as they come, so an interrupted run resumes), then score every judge, the
 * panel and their agreement from the stored answers with `runCalibration` (calibrate.ts) — replaying the
 * stored answers as judges, so the scoring is the one the pure core tests — and store each result.
 *
 * Sample selection: `selectSamples` keeps a seeded, class-stratified sample of at most `limit` per subset,
 * by a hash rank of the sample id, so a larger limit later mostly reuses a smaller one's answers.
 */
import type { RunStore } from "../store/index.ts";
import { auditRank } from "./audit.ts";
import { runCalibration, type CalibrationReport, type CalibrationSample, type JudgeCalibration } from "./calibrate.ts";
import type { Judge, JudgeOutcome } from "./judge.ts";
import type { InvalidReason } from "./parse.ts";
import { mapPool } from "./pool.ts";
import { panelCalibrationIdentity, verifierIdentity } from "./verifierJudge.ts";
import type { CalibrationVoteRow } from "../store/judges.ts";
import type { ErrorCategory, ErrorSubtype } from "../taxonomy/index.ts";

export interface Selection {
  subsets: string[] | null;
  limit: number | null;
  seed: number;
  /** Arith: how many testbed problems the samples came from. */
  size?: number;
}

/**
 * At most `limit` samples per subset, of the named subsets (all when null): the subset's two classes
 * (erroneous, correct) in its own proportion — each class at least one when the limit allows, so F1 is
 * defined — each class taken in the seeded hash rank of the ids.
 */
export function selectSamples(samples: readonly CalibrationSample[], selection: Selection): CalibrationSample[] {
  const kept = samples.filter((sample) => selection.subsets === null || selection.subsets.includes(sample.subset));
  if (selection.limit === null) return kept;
  const limit = selection.limit;
  const bySubset = new Map<string, CalibrationSample[]>();
  for (const sample of kept) bySubset.set(sample.subset, [...(bySubset.get(sample.subset) ?? []), sample]);
  const ranked = (group: readonly CalibrationSample[]) => group
    .map((sample) => ({ id: sample.id, rank: auditRank(sample.id, selection.seed) }))
    .sort((left, right) => (left.rank < right.rank ? -1 : left.rank > right.rank ? 1 : 0))
    .map((entry) => entry.id);
  const chosen = new Set<string>();
  for (const group of bySubset.values()) {
    const erroneous = ranked(group.filter((sample) => sample.label !== -1));
    const correct = ranked(group.filter((sample) => sample.label === -1));
    let errors = Math.round((limit * erroneous.length) / group.length);
    if (limit >= 2 && erroneous.length > 0 && correct.length > 0) errors = Math.min(Math.max(errors, 1), limit - 1);
    errors = Math.min(errors, erroneous.length);
    const corrects = Math.min(limit - errors, correct.length);
    for (const id of [...erroneous.slice(0, errors), ...correct.slice(0, corrects)]) chosen.add(id);
  }
  return kept.filter((sample) => chosen.has(sample.id));
}

export interface CalibrateOptions {
  store: RunStore;
  dataset: string;
  samples: readonly CalibrationSample[];
  judges: readonly CalibrationJudge[];
  baseline: string;
  /** Also score the step verifier, and seat it on the panel as the judge stage does (runCalibration's option). */
  verifier?: { version: string };
  concurrency: number;
  selection: Selection;
  command?: string;
  qreasonVersion?: string;
  bootstrap?: number;
  signal?: AbortSignal;
  /** Called once with the number of calls to make, then after each. */
  onProgress?: (done: number, total: number) => void;
}

/** A judge to calibrate: an opened model judge (clients.ts), or any Judge under a name (the step verifier alone). */
export interface CalibrationJudge {
  spec: { name: string };
  judge: Judge;
}

export interface CalibrateResult {
  report: CalibrationReport;
  asked: number;
  reused: number;
  interrupted: boolean;
}

function voteRow(identity: string, dataset: string, sample: CalibrationSample, outcome: JudgeOutcome): CalibrationVoteRow {
  const base = {
    identity, dataset, sampleId: sample.id, subset: sample.subset, label: sample.label, status: outcome.status, attempts: outcome.attempts,
    promptTokens: outcome.usage.promptTokens, completionTokens: outcome.usage.completionTokens,
  };
  if (outcome.status === "verdict") {
    const { firstErrorStep, category, subtype, confidence } = outcome.value;
    return { ...base, prediction: firstErrorStep, category, subtype, confidence, reason: null };
  }
  return { ...base, prediction: null, category: null, subtype: null, confidence: null, reason: outcome.status === "invalid" ? outcome.reason : outcome.code };
}

/** A stored answer as the outcome it was (for scoring; texts are not kept for calibration). */
function outcomeOf(row: CalibrationVoteRow): JudgeOutcome {
  const base = { attempts: row.attempts, usage: { calls: row.attempts, promptTokens: row.promptTokens, completionTokens: row.completionTokens }, replies: [], warnings: [] };
  if (row.status === "verdict") {
    return {
      ...base,
      status: "verdict",
      value: { firstErrorStep: row.prediction as number, category: row.category as ErrorCategory, subtype: row.subtype as ErrorSubtype, explanation: "", confidence: row.confidence ?? 0 },
    };
  }
  if (row.status === "invalid") return { ...base, status: "invalid", reason: (row.reason ?? "schema") as InvalidReason, message: "stored invalid verdict" };
  return { ...base, status: "error", code: row.reason ?? "E_BACKEND", message: "stored backend error" };
}

export async function calibrateJudges(options: CalibrateOptions): Promise<CalibrateResult> {
  const { store, dataset, samples, judges } = options;
  const stored = new Map(judges.map((judge) => [judge.spec.name, store.judges.calibrationVotes(judge.judge.identity, dataset)]));
  const tasks = judges.flatMap((judge) => samples.filter((sample) => {
    const row = stored.get(judge.spec.name)?.get(sample.id);
    return row === undefined || row.status === "error";
  }).map((sample) => ({ judge, sample })));
  const reused = judges.length * samples.length - tasks.length;
  let done = 0;
  let interrupted = false;
  options.onProgress?.(0, tasks.length);
  try {
    await mapPool(tasks, options.concurrency, async ({ judge, sample }) => {
      const outcome = await judge.judge.judge({ problem: sample.problem, steps: sample.steps }, options.signal);
      const row = voteRow(judge.judge.identity, dataset, sample, outcome);
      store.judges.putCalibrationVote(row);
      stored.get(judge.spec.name)?.set(sample.id, row);
      done++;
      options.onProgress?.(done, tasks.length);
    }, options.signal);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
    interrupted = true;
  }

  // Score from what is stored: every judge replayed (a sample not answered yet counts as a miss, as in
  // ProcessBench's code; after an interrupted run the result says so).
  // runCalibration passes each sample's own steps array: it identifies the sample.
  const bySteps = new Map<readonly string[], CalibrationSample>(samples.map((sample) => [sample.steps, sample]));
  const replayJudges: Pick<Judge, "name" | "judge">[] = judges.map((judge) => ({
    name: judge.spec.name,
    judge: async (input) => {
      const sample = bySteps.get(input.steps);
      const row = sample === undefined ? undefined : stored.get(judge.spec.name)?.get(sample.id);
      return row === undefined
        ? { status: "error", code: "E_NOT_ASKED", message: "not asked yet", attempts: 0, usage: { calls: 0, promptTokens: 0, completionTokens: 0 }, replies: [], warnings: [] }
        : outcomeOf(row);
    },
  }));
  const report = await runCalibration({
    samples,
    judges: replayJudges,
    baseline: options.baseline,
    concurrency: 1,
    ...(options.verifier ? { verifier: true } : {}),
    ...(options.bootstrap !== undefined ? { protocol: { bootstrap: options.bootstrap, seed: options.selection.seed } } : { protocol: { seed: options.selection.seed } }),
  });
  if (!interrupted) {
    const save = (calibration: JudgeCalibration, identity: string): void => {
      store.judges.putCalibration({
        judge: calibration.judge, identity, dataset, selection: options.selection, samples: samples.length, meanF1: calibration.protocol.averageF1,
        result: calibration, command: options.command ?? null, qreasonVersion: options.qreasonVersion ?? null,
      });
    };
    store.transaction(() => {
      report.judges.forEach((calibration, index) => save(calibration, (judges[index] as CalibrationJudge).judge.identity));
      const verifier = options.verifier ? verifierIdentity(options.verifier.version) : undefined;
      if (report.verifier && verifier) save(report.verifier, verifier);
      if (report.panel) save(report.panel, panelCalibrationIdentity(judges.map((judge) => judge.judge.identity), verifier, options.baseline));
    });
  }
  return { report, asked: done, reused, interrupted };
}
