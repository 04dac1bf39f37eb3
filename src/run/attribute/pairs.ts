/**
 * Which pairs the attribute stage attributes, from the store alone: for every planned comparison (per
 * benchmark label), sample 0 of each problem on both sides, graded by the grader reports read. A flip is
 * a problem the baseline got right and the variant did not (wrong, no answer, unparsable, timed out); a
 * control one both got right, `controls` of them drawn per comparison by a seeded hash order (the same
 * draw on every machine and resume).
 */
import { attributionKey, sha256Hex, type RunStore } from "../../store/index.ts";
import type { AttributeSpec, PlannedComparison } from "../../study/index.ts";

export interface AttributionPair {
  role: "flip" | "control";
  model: string;
  /** The study's benchmark label. */
  benchmark: string;
  /** The stored benchmark name (what problems are stored under). */
  benchmarkName: string;
  baseline: string;
  variant: string;
  problemId: string;
  baselineKey: string;
  variantKey: string;
  /** The variant's grade status (correct for a control). */
  variantStatus: string;
}

export function pairKey(pair: AttributionPair): string {
  return attributionKey(pair);
}

/** The pairs of one comparison: its flips in problem order (at most `maxFlips`), then its sampled controls. */
function comparisonPairs(store: RunStore, studyHash: string, comparison: PlannedComparison, grader: string, settings: AttributeSpec): AttributionPair[] {
  const cells = store.cells.list(studyHash);
  const cell = (variant: string) => cells.find((entry) => entry.model === comparison.model && entry.variant === variant && entry.benchmark === comparison.benchmark);
  const baselineCell = cell(comparison.baseline);
  const variantCell = cell(comparison.variant);
  if (baselineCell === undefined || variantCell === undefined || baselineCell.keyed === 0 || variantCell.keyed === 0) return [];
  const firstSamples = (cellId: number) => store.attribution.graded(store.cells.keys(cellId), grader).filter((row) => row.sampleIndex === 0);
  const baseline = new Map(firstSamples(baselineCell.id).map((row) => [row.problemId, row]));
  const flips: AttributionPair[] = [];
  const both: AttributionPair[] = [];
  for (const row of firstSamples(variantCell.id)) {
    const fp = baseline.get(row.problemId);
    if (fp === undefined || fp.status !== "correct") continue;
    const pair: AttributionPair = {
      role: row.status === "correct" ? "control" : "flip",
      model: comparison.model, benchmark: comparison.benchmark, benchmarkName: row.benchmark, baseline: comparison.baseline, variant: comparison.variant,
      problemId: row.problemId, baselineKey: fp.key, variantKey: row.key, variantStatus: row.status,
    };
    (pair.role === "flip" ? flips : both).push(pair);
  }
  const order = (pair: AttributionPair): string => sha256Hex(`controls:v1\0${settings.seed}\0${pair.model}\0${pair.benchmark}\0${pair.variant}\0${pair.problemId}`);
  const drawn = new Set([...both].sort((left, right) => (order(left) < order(right) ? -1 : 1)).slice(0, settings.controls));
  return [...flips.slice(0, settings.maxFlips ?? flips.length), ...both.filter((pair) => drawn.has(pair))];
}

/** Every pair the plan's comparisons ask to attribute. */
export function attributionPairs(store: RunStore, studyHash: string, comparisons: readonly PlannedComparison[], grader: string, settings: AttributeSpec): AttributionPair[] {
  return comparisons.flatMap((comparison) => comparisonPairs(store, studyHash, comparison, grader, settings));
}
