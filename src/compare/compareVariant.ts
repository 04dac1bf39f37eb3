/**
 * One variant against its baseline on the same problems: everything the report shows, as plain
 * JSON-serialisable data (no NaN, no Infinity, no class instances; `null` where a number does not exist).
 *
 * Problems are paired by (benchmark, problem id). Each side's score on a problem is its fraction of
 * correct samples (0 or 1 with one sample). Statistics use only problems both sides have; the counts of
 * unpaired problems are reported so a partial run is visible, not silently compared.
 * With several samples per problem, the flip table and McNemar use sample 0 of each side (a per-sample
 * McNemar would treat the samples of one problem as independent, which they are not); the bootstrap and
 * mean@n use all samples.
 */
import { defaultPassKs, meanInterval, passAtK, wilsonInterval, type Interval } from "./accuracy.ts";
import { sharedHistogram, summarize, wilcoxonSignedRank, type Histogram, type Summary, type WilcoxonResult } from "./lengths.ts";
import type { GradeStatus } from "../store/index.ts";
import { mcnemarExact, pairedBootstrap, type McNemarResult, type PairedDifference } from "./paired.ts";

export type { GradeStatus };
export const GRADE_STATUSES: readonly GradeStatus[] = ["correct", "wrong", "no_answer", "unparsable", "timeout"];
/** Statuses where the answer's format failed, as opposed to a wrong answer. */
export const FORMAT_FAILURES: readonly GradeStatus[] = ["no_answer", "unparsable", "timeout"];

/** One graded sample, as the store's `gradedSamples` gives it (plus `steps` from step analysis). */
export interface SampleRow {
  problemId: string;
  benchmark?: string;
  sampleIndex: number;
  status: GradeStatus;
  completionTokens?: number;
  steps?: number;
  level?: number;
  subject?: string;
}

export interface CompareOptions {
  confidence?: number;
  bootstrapResamples?: number;
  seed?: number;
  /** pass@k values to report (default: 1, powers of two, and n). */
  passKs?: number[];
}

export interface AccuracySummary {
  problems: number;
  samples: number;
  /** Samples per problem (the smallest, if problems differ). */
  samplesPerProblem: number;
  /** mean@n; plain accuracy with one sample per problem. */
  score: number;
  interval: Interval;
  intervalMethod: "wilson" | "normal-over-problems";
  /** Unbiased pass@k (Chen et al.), averaged over the problems with at least k samples. */
  passAtK: { k: number; value: number; problems: number }[];
}

export interface StatusCounts {
  correct: number;
  wrong: number;
  no_answer: number;
  unparsable: number;
  timeout: number;
  total: number;
  /** no_answer + unparsable + timeout. */
  formatFailures: number;
  formatFailureRate: number;
}

export interface FlipEntry {
  problemId: string;
  benchmark: string | null;
  level: number | null;
  subject: string | null;
  baselineStatus: GradeStatus;
  variantStatus: GradeStatus;
}

export interface GroupComparison {
  group: string;
  problems: number;
  baseline: { score: number; interval: Interval };
  variant: { score: number; interval: Interval };
  /** baseline score − variant score (positive: the variant lost). */
  drop: number;
  flips: number;
  rescues: number;
}

export interface LengthComparison {
  /** Problems where both sides have the measure. */
  pairs: number;
  baseline: Summary;
  variant: Summary;
  /** variant − baseline, per problem. */
  difference: Summary;
  /** variant mean / baseline mean (null when the baseline mean is 0). */
  meanRatio: number | null;
  test: WilcoxonResult;
  histogram: Histogram;
}

export interface Headline {
  baselinePercent: number;
  variantPercent: number;
  /** Percentage points lost (negative: the variant gained). */
  absoluteDropPoints: number;
  /** Drop relative to the baseline score, in percent (null when the baseline scored 0). */
  relativeDropPercent: number | null;
}

export interface VariantComparison {
  problems: { paired: number; baselineOnly: number; variantOnly: number };
  /** How flips and McNemar were paired: "single-sample", or "sample-0" with several samples per problem. */
  pairing: "single-sample" | "sample-0";
  baseline: AccuracySummary;
  variant: AccuracySummary;
  headline: Headline;
  /** Paired difference in score (variant − baseline) with its bootstrap interval. */
  difference: PairedDifference & { method: "paired-bootstrap-percentile" };
  mcnemar: McNemarResult & { method: "exact-binomial-two-sided" };
  flips: FlipEntry[];
  rescues: FlipEntry[];
  /** Of the flips, how the variant failed: a wrong answer or a broken format. */
  flipCauses: Record<Exclude<GradeStatus, "correct">, number>;
  statuses: { baseline: StatusCounts; variant: StatusCounts };
  byBenchmark: GroupComparison[];
  byLevel: GroupComparison[];
  bySubject: GroupComparison[];
  lengths: { tokens: LengthComparison | null; steps: LengthComparison | null };
  settings: { confidence: number; bootstrapResamples: number; seed: number };
}

interface ProblemSamples {
  problemId: string;
  benchmark: string | null;
  level: number | null;
  subject: string | null;
  /** By sample index. */
  samples: SampleRow[];
}

const problemKey = (row: SampleRow): string => `${row.benchmark ?? ""}\u0000${row.problemId}`;

function groupByProblem(rows: readonly SampleRow[], side: string): Map<string, ProblemSamples> {
  const problems = new Map<string, ProblemSamples>();
  for (const row of rows) {
    const key = problemKey(row);
    let problem = problems.get(key);
    if (problem === undefined) {
      problem = { problemId: row.problemId, benchmark: row.benchmark ?? null, level: row.level ?? null, subject: row.subject ?? null, samples: [] };
      problems.set(key, problem);
    }
    if (problem.samples.some((sample) => sample.sampleIndex === row.sampleIndex)) {
      throw new RangeError(`${side} has two rows for problem ${row.problemId} sample ${row.sampleIndex}`);
    }
    problem.samples.push(row);
  }
  for (const problem of problems.values()) problem.samples.sort((left, right) => left.sampleIndex - right.sampleIndex);
  return problems;
}

const correctCount = (problem: ProblemSamples): number => problem.samples.filter((sample) => sample.status === "correct").length;
const score = (problem: ProblemSamples): number => correctCount(problem) / problem.samples.length;
const firstSample = (problem: ProblemSamples): SampleRow => problem.samples[0] as SampleRow;

function accuracySummary(problems: readonly ProblemSamples[], confidence: number, passKs: readonly number[] | undefined): AccuracySummary {
  const samples = problems.reduce((sum, problem) => sum + problem.samples.length, 0);
  const counts = problems.map((problem) => problem.samples.length);
  const samplesPerProblem = counts.length === 0 ? 0 : counts.reduce((low, count) => Math.min(low, count));
  const maxSamples = counts.reduce((high, count) => Math.max(high, count), 0);
  const scores = problems.map(score);
  let value: number;
  let interval: Interval;
  let intervalMethod: AccuracySummary["intervalMethod"];
  if (maxSamples <= 1) {
    const correct = problems.filter((problem) => correctCount(problem) > 0).length;
    value = problems.length === 0 ? 0 : correct / problems.length;
    interval = wilsonInterval(correct, problems.length, confidence);
    intervalMethod = "wilson";
  } else {
    const estimate = meanInterval(scores, confidence);
    value = estimate.mean;
    interval = estimate.interval;
    intervalMethod = "normal-over-problems";
  }
  const ks = (passKs ?? defaultPassKs(samplesPerProblem)).filter((k) => k >= 1 && k <= maxSamples);
  const passAtKs = ks.map((k) => {
    const eligible = problems.filter((problem) => problem.samples.length >= k);
    const total = eligible.reduce((sum, problem) => sum + passAtK(problem.samples.length, correctCount(problem), k), 0);
    return { k, value: eligible.length === 0 ? 0 : total / eligible.length, problems: eligible.length };
  });
  return { problems: problems.length, samples, samplesPerProblem, score: value, interval, intervalMethod, passAtK: passAtKs };
}

function statusCounts(problems: readonly ProblemSamples[]): StatusCounts {
  const counts: StatusCounts = { correct: 0, wrong: 0, no_answer: 0, unparsable: 0, timeout: 0, total: 0, formatFailures: 0, formatFailureRate: 0 };
  for (const problem of problems) {
    for (const sample of problem.samples) {
      counts[sample.status]++;
      counts.total++;
      if (FORMAT_FAILURES.includes(sample.status)) counts.formatFailures++;
    }
  }
  counts.formatFailureRate = counts.total === 0 ? 0 : counts.formatFailures / counts.total;
  return counts;
}

interface Pair {
  baseline: ProblemSamples;
  variant: ProblemSamples;
}

function flipEntry(pair: Pair): FlipEntry {
  return {
    problemId: pair.baseline.problemId,
    benchmark: pair.baseline.benchmark,
    level: pair.baseline.level ?? pair.variant.level,
    subject: pair.baseline.subject ?? pair.variant.subject,
    baselineStatus: firstSample(pair.baseline).status,
    variantStatus: firstSample(pair.variant).status,
  };
}

const isFlip = (pair: Pair): boolean => firstSample(pair.baseline).status === "correct" && firstSample(pair.variant).status !== "correct";
const isRescue = (pair: Pair): boolean => firstSample(pair.baseline).status !== "correct" && firstSample(pair.variant).status === "correct";

function sideScore(problems: readonly ProblemSamples[], confidence: number): { score: number; interval: Interval } {
  const summary = accuracySummary(problems, confidence, []);
  return { score: summary.score, interval: summary.interval };
}

function groupComparisons(pairs: readonly Pair[], groupOf: (pair: Pair) => string | null, confidence: number): GroupComparison[] {
  const groups = new Map<string, Pair[]>();
  for (const pair of pairs) {
    const group = groupOf(pair);
    if (group === null) continue;
    groups.set(group, [...(groups.get(group) ?? []), pair]);
  }
  return [...groups.entries()]
    .sort(([left], [right]) => left.localeCompare(right, "en", { numeric: true }))
    .map(([group, members]) => {
      const baseline = sideScore(members.map((pair) => pair.baseline), confidence);
      const variant = sideScore(members.map((pair) => pair.variant), confidence);
      return {
        group,
        problems: members.length,
        baseline,
        variant,
        drop: baseline.score - variant.score,
        flips: members.filter(isFlip).length,
        rescues: members.filter(isRescue).length,
      };
    });
}

function meanOf(samples: readonly SampleRow[], measure: "completionTokens" | "steps"): number | null {
  const values = samples.map((sample) => sample[measure]).filter((value): value is number => typeof value === "number" && Number.isFinite(value));
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function lengthComparison(pairs: readonly Pair[], measure: "completionTokens" | "steps"): LengthComparison | null {
  const baseline: number[] = [];
  const variant: number[] = [];
  for (const pair of pairs) {
    const left = meanOf(pair.baseline.samples, measure);
    const right = meanOf(pair.variant.samples, measure);
    if (left === null || right === null) continue;
    baseline.push(left);
    variant.push(right);
  }
  const baselineSummary = summarize(baseline);
  const variantSummary = summarize(variant);
  const differences = variant.map((value, index) => value - (baseline[index] as number));
  const differenceSummary = summarize(differences);
  const histogram = sharedHistogram(baseline, variant);
  if (baselineSummary === null || variantSummary === null || differenceSummary === null || histogram === null) return null;
  return {
    pairs: baseline.length,
    baseline: baselineSummary,
    variant: variantSummary,
    difference: differenceSummary,
    meanRatio: baselineSummary.mean === 0 ? null : variantSummary.mean / baselineSummary.mean,
    test: wilcoxonSignedRank(differences),
    histogram,
  };
}

/** Compares `variantRows` against `baselineRows` (graded samples of the same problems). */
export function compareVariant(baselineRows: readonly SampleRow[], variantRows: readonly SampleRow[], options: CompareOptions = {}): VariantComparison {
  const confidence = options.confidence ?? 0.95;
  const bootstrapResamples = options.bootstrapResamples ?? 10_000;
  const seed = options.seed ?? 0;
  const baselineProblems = groupByProblem(baselineRows, "baseline");
  const variantProblems = groupByProblem(variantRows, "variant");

  // Sorted by key so the bootstrap draws the same problems whatever order the rows came in.
  const pairs: Pair[] = [...baselineProblems.keys()]
    .filter((key) => variantProblems.has(key))
    .sort()
    .map((key) => ({ baseline: baselineProblems.get(key) as ProblemSamples, variant: variantProblems.get(key) as ProblemSamples }));
  const paired = pairs.length;
  const maxSamples = pairs.reduce((high, pair) => Math.max(high, pair.baseline.samples.length, pair.variant.samples.length), 0);

  const baseline = accuracySummary(pairs.map((pair) => pair.baseline), confidence, options.passKs);
  const variant = accuracySummary(pairs.map((pair) => pair.variant), confidence, options.passKs);
  const difference = pairedBootstrap(
    pairs.map((pair) => score(pair.baseline)),
    pairs.map((pair) => score(pair.variant)),
    { resamples: bootstrapResamples, seed, confidence },
  );

  const flipPairs = pairs.filter(isFlip);
  const rescuePairs = pairs.filter(isRescue);
  const flipCauses = { wrong: 0, no_answer: 0, unparsable: 0, timeout: 0 };
  for (const pair of flipPairs) {
    const status = firstSample(pair.variant).status;
    if (status !== "correct") flipCauses[status]++;
  }

  const drop = baseline.score - variant.score;
  return {
    problems: { paired, baselineOnly: baselineProblems.size - paired, variantOnly: variantProblems.size - paired },
    pairing: maxSamples > 1 ? "sample-0" : "single-sample",
    baseline,
    variant,
    headline: {
      baselinePercent: 100 * baseline.score,
      variantPercent: 100 * variant.score,
      absoluteDropPoints: 100 * drop,
      relativeDropPercent: baseline.score === 0 ? null : (100 * drop) / baseline.score,
    },
    difference: { ...difference, method: "paired-bootstrap-percentile" },
    mcnemar: { ...mcnemarExact(flipPairs.length, rescuePairs.length), method: "exact-binomial-two-sided" },
    flips: flipPairs.map(flipEntry),
    rescues: rescuePairs.map(flipEntry),
    flipCauses,
    statuses: { baseline: statusCounts(pairs.map((pair) => pair.baseline)), variant: statusCounts(pairs.map((pair) => pair.variant)) },
    byBenchmark: groupComparisons(pairs, (pair) => pair.baseline.benchmark, confidence),
    byLevel: groupComparisons(pairs, (pair) => {
      const level = pair.baseline.level ?? pair.variant.level;
      return level === null ? null : String(level);
    }, confidence),
    bySubject: groupComparisons(pairs, (pair) => pair.baseline.subject ?? pair.variant.subject, confidence),
    lengths: { tokens: lengthComparison(pairs, "completionTokens"), steps: lengthComparison(pairs, "steps") },
    settings: { confidence, bootstrapResamples, seed },
  };
}
