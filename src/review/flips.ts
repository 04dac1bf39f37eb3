/**
 * The flips of a run, as the review works on them: every problem the baseline solved and a variant did not
 * (sample 0 of each side, as the compare stage pairs them), with both generations' keys. Read from the
 * store alone: the stored comparisons of the grader the reports read, and the cells' graded samples.
 */
import { ALL_BENCHMARKS, cellSamples, comparisonInputs, storedComparisons, type CellSamples, type ComparisonResult } from "../compare/index.ts";
import type { GradeStatus, GradedSample, RunRecord, RunStore } from "../store/index.ts";

export interface Flip {
  /** The variant's generation key (sample 0): what a human label is stored under. */
  key: string;
  /** The baseline's generation key of the same problem (sample 0). */
  baselineKey: string;
  model: string;
  /** The benchmark label of the study. */
  benchmark: string;
  /** The benchmark problems are stored under (a label's own benchmark name). */
  storedBenchmark: string;
  problemId: string;
  baseline: string;
  variant: string;
  baselineStatus: GradeStatus;
  variantStatus: GradeStatus;
}

export interface RunFlips {
  record: RunRecord;
  comparisons: ComparisonResult[];
  flips: Flip[];
}

const cellName = (model: string, variant: string, benchmark: string): string => `${model}\0${variant}\0${benchmark}`;

function firstSamples(cell: CellSamples | undefined): Map<string, GradedSample> {
  return new Map((cell?.samples ?? []).filter((sample) => sample.sampleIndex === 0).map((sample) => [sample.problemId, sample]));
}

/** Every flip of the run's up-to-date comparisons, in plan order then the comparison's own order. */
export function collectFlips(store: RunStore, record: RunRecord): RunFlips {
  if (record.grader === null) return { record, comparisons: [], flips: [] };
  const cells = cellSamples(store, record.study.hash, record.grader);
  const comparisons = storedComparisons(store, comparisonInputs(record), cells);
  const flips: Flip[] = [];
  const seen = new Set<string>();
  for (const { model, benchmark, baseline, variant, comparison } of comparisons) {
    if (benchmark === ALL_BENCHMARKS) continue;
    const baselineSamples = firstSamples(cells.get(cellName(model, baseline, benchmark)));
    const variantSamples = firstSamples(cells.get(cellName(model, variant, benchmark)));
    for (const entry of comparison.flips) {
      const fp = baselineSamples.get(entry.problemId);
      const quantized = variantSamples.get(entry.problemId);
      if (fp === undefined || quantized === undefined || seen.has(quantized.key)) continue;
      seen.add(quantized.key);
      flips.push({
        key: quantized.key,
        baselineKey: fp.key,
        model,
        benchmark,
        storedBenchmark: quantized.benchmark,
        problemId: entry.problemId,
        baseline,
        variant,
        baselineStatus: fp.status,
        variantStatus: quantized.status,
      });
    }
  }
  return { record, comparisons, flips };
}
