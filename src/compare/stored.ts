/**
 * The compare stage's work over a run store: every comparison a plan asks for (each planned one per
 * benchmark label, and one over all labels per variant when there are several), computed from the grades
 * of one grader and stored with a hash of its inputs (the paired grades and the settings). A comparison
 * whose inputs did not change is not computed again; one whose grades changed (a regrade, new
 * generations) is pending.
 */
import type { PlannedComparison } from "../study/index.ts";
import { contentHash, type GradedSample, type RunRecord, type RunStore, type StoredCell, type StoredComparison } from "../store/index.ts";
import { compareVariant, type SampleRow, type VariantComparison } from "./compareVariant.ts";
import { sampleRows } from "./rows.ts";

/** The label of comparisons over all of a model's benchmarks together. */
export const ALL_BENCHMARKS = "all benchmarks";
export const DEFAULT_BOOTSTRAP_RESAMPLES = 10_000;

export interface ComparisonSettings {
  bootstrapResamples: number;
  seed: number;
}

export interface ComparisonResult {
  model: string;
  /** A benchmark label, or ALL_BENCHMARKS. */
  benchmark: string;
  baseline: string;
  variant: string;
  comparison: VariantComparison;
}

export interface CellSamples {
  cell: StoredCell;
  keys: string[];
  /** Grade statuses of the cell's graded results: what a comparison's inputs hash covers. */
  statuses: ReturnType<RunStore["gradeStatuses"]>;
  /** The graded samples with their texts, and as statistics rows (each read on first use). */
  readonly samples: GradedSample[];
  readonly rows: SampleRow[];
}

/** What the compare stage works on: the plan's comparisons, its cells, the grader, the settings. */
export interface ComparisonInputs {
  studyHash: string;
  comparisons: readonly PlannedComparison[];
  /** Benchmark labels in study order. */
  labels: readonly string[];
  grader: string;
  settings: ComparisonSettings;
}

export function comparisonSettings(bootstrapResamples = DEFAULT_BOOTSTRAP_RESAMPLES): ComparisonSettings {
  return { bootstrapResamples, seed: 0 };
}

/** The comparison inputs of a run record: its plan's comparisons under the grader its reports read. */
export function comparisonInputs(record: RunRecord, bootstrapResamples?: number): ComparisonInputs {
  return {
    studyHash: record.study.hash,
    comparisons: record.comparisons,
    labels: record.benchmarks.map((benchmark) => benchmark.label),
    grader: record.grader ?? "",
    settings: comparisonSettings(bootstrapResamples),
  };
}

const cellName = (model: string, variant: string, benchmark: string): string => `${model}\0${variant}\0${benchmark}`;

/** Every keyed cell of the study with its samples graded by `grader` (cells without keys are left out). */
export function cellSamples(store: RunStore, studyHash: string, grader: string | null): Map<string, CellSamples> {
  const cells = new Map<string, CellSamples>();
  for (const cell of store.cells.list(studyHash)) {
    if (cell.keyed === 0) continue;
    const keys = store.cells.keys(cell.id);
    // Texts and step counts only when statistics need them: the pending check reads statuses alone.
    let samples: GradedSample[] | undefined;
    let rows: SampleRow[] | undefined;
    cells.set(cellName(cell.model, cell.variant, cell.benchmark), {
      cell,
      keys,
      statuses: grader === null ? [] : store.gradeStatuses(keys, grader),
      get samples() {
        samples ??= grader === null ? [] : store.gradedSamples(keys, grader);
        return samples;
      },
      get rows() {
        rows ??= sampleRows(this.samples, cell.benchmark);
        return rows;
      },
    });
  }
  return cells;
}

interface Planned {
  position: number;
  identity: PlannedComparison;
  baseline: CellSamples[];
  variant: CellSamples[];
}

/** The plan's comparisons in order, with the cells each side reads; those missing a side's cells are left out. */
function planned(inputs: ComparisonInputs, cells: Map<string, CellSamples>): Planned[] {
  const entries: Planned[] = [];
  for (const comparison of inputs.comparisons) {
    const baseline = cells.get(cellName(comparison.model, comparison.baseline, comparison.benchmark));
    const variant = cells.get(cellName(comparison.model, comparison.variant, comparison.benchmark));
    if (baseline === undefined || variant === undefined) continue;
    entries.push({ position: entries.length, identity: comparison, baseline: [baseline], variant: [variant] });
  }
  if (inputs.labels.length > 1) {
    const pairs = new Map<string, PlannedComparison>();
    for (const comparison of inputs.comparisons) pairs.set(`${comparison.model}\0${comparison.variant}`, comparison);
    for (const { model, baseline, variant } of pairs.values()) {
      const side = (name: string): CellSamples[] => inputs.labels.flatMap((label) => cells.get(cellName(model, name, label)) ?? []);
      const baselineCells = side(baseline);
      const variantCells = side(variant);
      if (!baselineCells.some((cell) => cell.statuses.length > 0) || !variantCells.some((cell) => cell.statuses.length > 0)) continue;
      entries.push({ position: entries.length, identity: { model, benchmark: ALL_BENCHMARKS, baseline, variant }, baseline: baselineCells, variant: variantCells });
    }
  }
  return entries;
}

/** Hash of what a comparison is computed from: each side's graded samples (by key) and the settings. */
function inputsHash(entry: Planned, inputs: ComparisonInputs): string {
  const side = (cells: CellSamples[]): unknown[] =>
    cells.map((cell) => [cell.cell.benchmark, cell.statuses.map((sample) => [sample.key, sample.status, sample.level, sample.subject])]);
  return contentHash("compare-inputs:v1:", { grader: inputs.grader, settings: inputs.settings, baseline: side(entry.baseline), variant: side(entry.variant) });
}

export interface ComparisonPlan {
  /** Comparisons whose stored result is missing or was computed from other inputs. */
  pending: Array<{ entry: Planned; hash: string }>;
  total: number;
}

function comparisonPlan(store: RunStore, inputs: ComparisonInputs, cells: Map<string, CellSamples>): ComparisonPlan {
  const stored = new Map(store.comparisons.list(inputs.studyHash, inputs.grader).map((row) => [`${row.model}\0${row.benchmark}\0${row.baseline}\0${row.variant}`, row]));
  const entries = planned(inputs, cells);
  const pending = entries.flatMap((entry) => {
    const hash = inputsHash(entry, inputs);
    const { model, benchmark, baseline, variant } = entry.identity;
    const row = stored.get(`${model}\0${benchmark}\0${baseline}\0${variant}`);
    return row !== undefined && row.inputsHash === hash && row.position === entry.position ? [] : [{ entry, hash }];
  });
  return { pending, total: entries.length };
}

/** How many of the plan's comparisons need computing. Reads grades only; no statistics. */
export function pendingComparisons(store: RunStore, inputs: ComparisonInputs): { pending: number; total: number } {
  const plan = comparisonPlan(store, inputs, cellSamples(store, inputs.studyHash, inputs.grader));
  return { pending: plan.pending.length, total: plan.total };
}

/** Computes and stores every pending comparison; stops between comparisons when `signal` aborts. */
export function updateComparisons(
  store: RunStore,
  inputs: ComparisonInputs,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): { computed: number; total: number; interrupted: boolean } {
  const plan = comparisonPlan(store, inputs, cellSamples(store, inputs.studyHash, inputs.grader));
  let computed = 0;
  for (const { entry, hash } of plan.pending) {
    if (options.signal?.aborted) return { computed, total: plan.total, interrupted: true };
    const rows = (cells: CellSamples[]): SampleRow[] => cells.flatMap((cell) => cell.rows);
    const comparison = compareVariant(rows(entry.baseline), rows(entry.variant), { bootstrapResamples: inputs.settings.bootstrapResamples, seed: inputs.settings.seed });
    store.comparisons.put(inputs.studyHash, inputs.grader, { ...entry.identity, position: entry.position, inputsHash: hash, settings: inputs.settings, result: comparison });
    computed++;
    options.onProgress?.(computed, plan.pending.length);
  }
  return { computed, total: plan.total, interrupted: false };
}

/** The stored comparisons of the plan, in order, as the report shows them (only those up to date with `inputs`). */
export function storedComparisons(store: RunStore, inputs: ComparisonInputs, cells = cellSamples(store, inputs.studyHash, inputs.grader)): ComparisonResult[] {
  const entries = planned(inputs, cells);
  const stored = new Map(store.comparisons.list(inputs.studyHash, inputs.grader).map((row): [string, StoredComparison] => [`${row.model}\0${row.benchmark}\0${row.baseline}\0${row.variant}`, row]));
  return entries.flatMap((entry) => {
    const { model, benchmark, baseline, variant } = entry.identity;
    const row = stored.get(`${model}\0${benchmark}\0${baseline}\0${variant}`);
    if (row === undefined || row.inputsHash !== inputsHash(entry, inputs)) return [];
    return [{ model, benchmark, baseline, variant, comparison: row.result as VariantComparison }];
  });
}
