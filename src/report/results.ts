/**
 * The report's data, from a run store alone: `results.json` — per-cell accuracy with intervals, every
 * planned comparison as the compare stage stored it (src/compare), output lengths, failures, and the
 * provenance of every variant — plus the texts the HTML report shows side by side. Reads the store only:
 * comparisons that are missing or out of date are the compare stage's to make (`writeReports` runs it).
 */
import type { AccuracySummary, CellSamples, ComparisonResult, SampleRow, StatusCounts, Summary } from "../compare/index.ts";
import { ALL_BENCHMARKS, cellSamples, comparisonInputs, FORMAT_FAILURES, meanInterval, passAtK, defaultPassKs, storedComparisons, summarize, wilsonInterval } from "../compare/index.ts";
import type { Problem } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import { runRecordOf, type GradedSample, type RunRecord, type RunStore, type StoredFailure, type VariantStatus } from "../store/index.ts";
import type { BenchmarkSpec, VariantRecipe } from "../study/index.ts";
import { buildAttribution, flipViews, type AttributionResults, type FlipView } from "./attribution.ts";
import { storedRestorations, type RestorationResult } from "./restoration.ts";
import { variantFacts, type VariantFacts } from "./variantFacts.ts";

export type { ComparisonResult };
export { ALL_BENCHMARKS };
export { comparisonInputs, countSteps } from "../compare/index.ts";

export const RESULTS_SCHEMA = "qreason-results/v1";

export interface VariantInfo {
  model: string;
  variant: string;
  isBaseline: boolean;
  backend: string;
  recipeHash: string;
  recipe: VariantRecipe;
  artifactPath: string | null;
  modelIdentity: string | null;
  /** What the runner recorded when it last ran the variant (backend version, prompt, sampling, ...). */
  provenance: unknown;
  /** The quantizer's manifest, when qreason made the variant. */
  manifest: unknown;
  status: VariantStatus | null;
}

export interface CellResult {
  model: string;
  variant: string;
  benchmark: string;
  /** Generations the study asks for in this cell. */
  planned: number;
  /** Stored results. */
  generated: number;
  graded: number;
  /** Stored errors still pending a retry. */
  failures: number;
  accuracy: AccuracySummary;
  statuses: StatusCounts;
  lengths: { tokens: Summary | null; steps: Summary | null };
}

export interface Results {
  schema: typeof RESULTS_SCHEMA;
  generatedAt: string;
  study: RunRecord["study"];
  /** The grader whose grades these are (null: nothing graded yet). */
  grader: string | null;
  qreasonVersion: string;
  run: { startedAt: string; finishedAt: string | null; interrupted: boolean; complete: boolean };
  benchmarks: Array<{ label: string; benchmark: string; split: string | null; size: number | null; seed: number; problems: number; sampling: BenchmarkSpec["sampling"] }>;
  variants: VariantInfo[];
  cells: CellResult[];
  comparisons: ComparisonResult[];
  failures: Array<Pick<StoredFailure, "model" | "variant" | "benchmark" | "problemId" | "sampleIndex" | "error" | "attempts">>;
  /** Where flips first went wrong (the attribute stage); null before it ran. */
  attribution: AttributionResults | null;
  /** Per variant: bits per weight, tensor types, graded of planned, truncation, answers ≠ baseline, mean KL, failure (variantFacts.ts). */
  variantFacts: VariantFacts[];
  /** The restore stage's tables (fp, variant, repairs, ablation, recovered fraction), when the study restores. */
  restoration?: RestorationResult[];
}

/** One output shown in the report, with its grade. */
export interface OutputView {
  variant: string;
  status: GradedSample["status"];
  extracted: string | null;
  text: string;
  completionTokens: number;
  finishReason: string;
}

/** A problem some variant flipped or rescued, with sample 0 of every variant of its model. */
export interface ProblemView {
  anchor: string;
  model: string;
  benchmark: string;
  problemId: string;
  question: string;
  gold: string;
  outputs: OutputView[];
}

export interface ReportData {
  results: Results;
  problems: ProblemView[];
  /** Each attributed flip's two solutions, step-aligned, with per-token margins. */
  flips: FlipView[];
}

/** Accuracy of one cell on its own (the baseline's too): Wilson with one sample, mean@n with several. */
export function cellAccuracy(rows: readonly SampleRow[], confidence = 0.95): AccuracySummary {
  const byProblem = new Map<string, SampleRow[]>();
  for (const row of rows) {
    const key = `${row.benchmark ?? ""}\0${row.problemId}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), row]);
  }
  const groups = [...byProblem.values()];
  const counts = groups.map((group) => group.length);
  const samplesPerProblem = counts.length === 0 ? 0 : counts.reduce((low, count) => Math.min(low, count));
  const maxSamples = counts.reduce((high, count) => Math.max(high, count), 0);
  const correct = groups.map((group) => group.filter((row) => row.status === "correct").length);
  let score: number;
  let interval;
  let intervalMethod: AccuracySummary["intervalMethod"];
  if (maxSamples <= 1) {
    const solved = correct.filter((count) => count > 0).length;
    score = groups.length === 0 ? 0 : solved / groups.length;
    interval = wilsonInterval(solved, groups.length, confidence);
    intervalMethod = "wilson" as const;
  } else {
    const estimate = meanInterval(groups.map((group, index) => (correct[index] as number) / group.length), confidence);
    score = estimate.mean;
    interval = estimate.interval;
    intervalMethod = "normal-over-problems" as const;
  }
  const passAtKs = defaultPassKs(samplesPerProblem).map((k) => {
    const eligible = groups.map((group, index) => ({ n: group.length, c: correct[index] as number })).filter((item) => item.n >= k);
    const total = eligible.reduce((sum, item) => sum + passAtK(item.n, item.c, k), 0);
    return { k, value: eligible.length === 0 ? 0 : total / eligible.length, problems: eligible.length };
  });
  return { problems: groups.length, samples: rows.length, samplesPerProblem, score, interval, intervalMethod, passAtK: passAtKs };
}

function statusCounts(rows: readonly SampleRow[]): StatusCounts {
  const counts: StatusCounts = { correct: 0, wrong: 0, no_answer: 0, unparsable: 0, timeout: 0, total: 0, formatFailures: 0, formatFailureRate: 0 };
  for (const row of rows) {
    counts[row.status]++;
    counts.total++;
    if (FORMAT_FAILURES.includes(row.status)) counts.formatFailures++;
  }
  counts.formatFailureRate = counts.total === 0 ? 0 : counts.formatFailures / counts.total;
  return counts;
}

const numbers = (rows: readonly SampleRow[], measure: "completionTokens" | "steps"): number[] =>
  rows.flatMap((row) => (typeof row[measure] === "number" ? [row[measure] as number] : []));

export function problemAnchor(model: string, benchmark: string, problemId: string): string {
  return `problem-${[model, benchmark, problemId].join("--").replace(/[^A-Za-z0-9_-]+/g, "-")}`;
}

type CellData = CellSamples;

/** The run record of `store`; E_NOT_FOUND when it holds no plan yet. */
export function requireRunRecord(store: RunStore): RunRecord {
  const record = runRecordOf(store);
  if (record === undefined) {
    throw new QreasonError("E_NOT_FOUND", "this run store holds no plan yet: run `qreason run <study.yaml>` first", { file: store.file });
  }
  return record;
}

/** Builds the report's data from a run store (comparisons as stored; see `writeReports`). */
export function buildReportData(store: RunStore, options: { bootstrapResamples?: number } = {}): ReportData {
  const record = requireRunRecord(store);
  const cellData = cellSamples(store, record.study.hash, record.grader);
  const cellKey = (model: string, variant: string, benchmark: string): string => `${model}\0${variant}\0${benchmark}`;
  const cells: CellResult[] = [];
  for (const cell of record.cells) {
    const data = cellData.get(cellKey(cell.model, cell.variant, cell.benchmark));
    const rows = data?.rows ?? [];
    cells.push({
      model: cell.model,
      variant: cell.variant,
      benchmark: cell.benchmark,
      planned: cell.planned,
      generated: store.generations(cell.keys).length,
      graded: data?.samples.length ?? 0,
      failures: store.failures(cell.keys).length,
      accuracy: cellAccuracy(rows),
      statuses: statusCounts(rows),
      lengths: { tokens: summarize(numbers(rows, "completionTokens")), steps: summarize(numbers(rows, "steps")) },
    });
  }
  // A comparison with no problem graded on both sides (an interrupted run, a failed variant) compares
  // nothing: it is left out rather than shown as a 0-point drop with p = 1.
  const comparisons = record.grader === null ? [] : storedComparisons(store, comparisonInputs(record, options.bootstrapResamples), cellData).filter((entry) => entry.comparison.problems.paired > 0);

  const stored = store.variants();
  const variants: VariantInfo[] = record.variants.map((planned) => {
    const row = stored.find((candidate) => candidate.model === planned.model && candidate.name === planned.variant && candidate.recipeHash === planned.recipeHash);
    return {
      model: planned.model,
      variant: planned.variant,
      isBaseline: planned.isBaseline,
      backend: planned.backend,
      recipeHash: planned.recipeHash,
      recipe: planned.recipe,
      artifactPath: row?.artifactPath ?? null,
      modelIdentity: row?.modelIdentity ?? null,
      provenance: row?.provenance ?? null,
      manifest: row?.manifest ?? null,
      status: record.status.find((status) => status.model === planned.model && status.variant === planned.variant) ?? null,
    };
  });

  const problemCounts = new Map<string, number>();
  for (const cell of record.cells) {
    const data = cellData.get(cellKey(cell.model, cell.variant, cell.benchmark));
    const problems = new Set(data?.samples.map((sample) => sample.problemId));
    problemCounts.set(cell.benchmark, Math.max(problemCounts.get(cell.benchmark) ?? 0, problems.size));
  }
  const allKeys = record.cells.flatMap((cell) => cell.keys);
  const failures = store.failures(allKeys).map(({ model, variant, benchmark, problemId, sampleIndex, error, attempts }) => ({ model, variant, benchmark, problemId, sampleIndex, error, attempts }));
  const complete = !record.interrupted && cells.every((cell) => cell.generated === cell.planned) && record.variants.every((variant) => record.cells.some((cell) => cell.model === variant.model && cell.variant === variant.variant));

  const results: Results = {
    schema: RESULTS_SCHEMA,
    generatedAt: new Date().toISOString(),
    study: record.study,
    grader: record.grader,
    qreasonVersion: record.qreasonVersion,
    run: { startedAt: record.startedAt, finishedAt: record.finishedAt ?? null, interrupted: record.interrupted === true, complete },
    benchmarks: record.benchmarks.map((benchmark) => ({
      label: benchmark.label,
      benchmark: benchmark.subset.benchmark,
      split: benchmark.subset.split ?? null,
      size: benchmark.subset.size ?? null,
      seed: benchmark.subset.seed,
      problems: problemCounts.get(benchmark.label) ?? 0,
      sampling: benchmark.sampling,
    })),
    variants,
    cells,
    comparisons,
    failures,
    attribution: null,
    variantFacts: [],
  };
  const restoration = storedRestorations(store, record.study.hash, record.grader);
  if (restoration.length > 0) results.restoration = restoration;
  const attribution = buildAttribution(store, record.study.hash, record.comparisons);
  results.attribution = attribution?.results ?? null;
  results.variantFacts = variantFacts(variants, cells, cellData, results.attribution);
  const flips = attribution === null ? [] : flipViews(store, attribution.results, attribution.rows);
  return { results, problems: problemViews(record, store, comparisons, cellData, cellKey), flips };
}

/** Side-by-side views of every problem a variant flipped or rescued (sample 0 of each variant). */
function problemViews(
  record: RunRecord,
  store: RunStore,
  comparisons: readonly ComparisonResult[],
  cellData: Map<string, CellData>,
  cellKey: (model: string, variant: string, benchmark: string) => string,
): ProblemView[] {
  const wanted = new Map<string, { model: string; benchmark: string; problemId: string; storedBenchmark: string }>();
  for (const { model, benchmark, baseline, comparison } of comparisons) {
    if (benchmark === ALL_BENCHMARKS) continue;
    for (const entry of [...comparison.flips, ...comparison.rescues]) {
      const anchor = problemAnchor(model, benchmark, entry.problemId);
      // Problems are stored under the benchmark's own name, which the label's samples carry.
      const stored = cellData.get(cellKey(model, baseline, benchmark))?.samples[0]?.benchmark ?? "";
      if (!wanted.has(anchor)) wanted.set(anchor, { model, benchmark, problemId: entry.problemId, storedBenchmark: stored });
    }
  }
  const problemCache = new Map<string, Map<string, Problem>>();
  const problemOf = (storedBenchmark: string, problemId: string): Problem | undefined => {
    let problems = problemCache.get(storedBenchmark);
    if (problems === undefined) {
      problems = new Map(store.problems(storedBenchmark).map((problem) => [problem.id, problem]));
      problemCache.set(storedBenchmark, problems);
    }
    return problems.get(problemId);
  };
  const firstSamples = new Map<string, Map<string, GradedSample>>();
  const firstSample = (model: string, variant: string, benchmark: string, problemId: string): GradedSample | undefined => {
    const key = cellKey(model, variant, benchmark);
    let index = firstSamples.get(key);
    if (index === undefined) {
      index = new Map((cellData.get(key)?.samples ?? []).filter((sample) => sample.sampleIndex === 0).map((sample) => [sample.problemId, sample]));
      firstSamples.set(key, index);
    }
    return index.get(problemId);
  };
  const views: ProblemView[] = [];
  for (const [anchor, { model, benchmark, problemId, storedBenchmark }] of wanted) {
    const problem = problemOf(storedBenchmark, problemId);
    const outputs: OutputView[] = [];
    for (const variant of record.variants.filter((candidate) => candidate.model === model)) {
      const sample = firstSample(model, variant.variant, benchmark, problemId);
      if (sample === undefined) continue;
      outputs.push({
        variant: variant.variant,
        status: sample.status,
        extracted: sample.extracted,
        text: sample.text,
        completionTokens: sample.completionTokens,
        finishReason: sample.finishReason,
      });
    }
    views.push({ anchor, model, benchmark, problemId, question: problem?.question ?? "(problem text not stored)", gold: problem?.answer ?? "", outputs });
  }
  return views;
}
