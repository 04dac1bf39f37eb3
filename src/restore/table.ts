/**
 * The restoration table (seed 003's: fp, variant, restored), from per-problem scores on the evaluation
 * problems: each row's accuracy with its Wilson interval, its paired difference against the variant and
 * against fp (seeded paired bootstrap, exact McNemar), and, for each repaired row, the recovered fraction
 * of the gap with its interval (recovery.ts). Pure: the stage gathers the scores from the store.
 */
import { mcnemarExact, pairedBootstrap, wilsonInterval, type Interval, type McNemarResult, type PairedDifference } from "../compare/index.ts";
import { recoveredFraction, type RecoveredFraction } from "./recovery.ts";

export interface RestoreRowInput {
  /** "fp", "variant", "dpo", "sft", "margin", "dpo (execution only)", ... */
  name: string;
  /** What the row is: the baseline, the quantized variant, a trained repair, or a no-training baseline. */
  role: "fp" | "variant" | "restored" | "baseline";
  method?: string;
  /** Pairs the adapter trained on and the category they were limited to (ablation). */
  pairs?: number;
  category?: string;
  /** Per problem, in the shared problem order: 1 correct, 0 not. */
  scores: readonly number[];
  /** Training figures from the engine's train.json (wall seconds, steps, final metrics). */
  training?: Record<string, unknown>;
}

export interface RestoreRow {
  name: string;
  role: RestoreRowInput["role"];
  method?: string;
  pairs?: number;
  category?: string;
  accuracy: number;
  correct: number;
  problems: number;
  interval: Interval;
  versusVariant?: { difference: PairedDifference; mcnemar: McNemarResult };
  versusFp?: { difference: PairedDifference; mcnemar: McNemarResult };
  recovered?: RecoveredFraction;
  training?: Record<string, unknown>;
}

export interface RestoreTable {
  problems: number;
  rows: RestoreRow[];
  resamples: number;
  seed: number;
}

function paired(baseline: readonly number[], other: readonly number[], resamples: number, seed: number): { difference: PairedDifference; mcnemar: McNemarResult } {
  let baselineOnly = 0;
  let otherOnly = 0;
  baseline.forEach((value, index) => {
    const mine = other[index] as number;
    if (value > mine) baselineOnly++;
    else if (mine > value) otherOnly++;
  });
  return { difference: pairedBootstrap(baseline, other, { resamples, seed }), mcnemar: mcnemarExact(baselineOnly, otherOnly) };
}

export function restoreTable(rows: readonly RestoreRowInput[], options: { resamples?: number; seed?: number } = {}): RestoreTable {
  const resamples = options.resamples ?? 10_000;
  const seed = options.seed ?? 0;
  const fp = rows.find((row) => row.role === "fp");
  const variant = rows.find((row) => row.role === "variant");
  if (fp === undefined || variant === undefined) throw new RangeError("a restoration table needs an fp row and a variant row");
  const count = fp.scores.length;
  for (const row of rows) {
    if (row.scores.length !== count) throw new RangeError(`row ${row.name} has ${row.scores.length} scores, fp has ${count}: rows must cover the same problems`);
  }
  return {
    problems: count,
    resamples,
    seed,
    rows: rows.map((row) => {
      const correct = row.scores.reduce((sum, value) => sum + (value > 0 ? 1 : 0), 0);
      const out: RestoreRow = {
        name: row.name,
        role: row.role,
        accuracy: count === 0 ? 0 : correct / count,
        correct,
        problems: count,
        interval: wilsonInterval(correct, count),
        ...(row.method !== undefined ? { method: row.method } : {}),
        ...(row.pairs !== undefined ? { pairs: row.pairs } : {}),
        ...(row.category !== undefined ? { category: row.category } : {}),
        ...(row.training !== undefined ? { training: row.training } : {}),
      };
      if (row.role !== "variant") out.versusVariant = paired(variant.scores, row.scores, resamples, seed);
      if (row.role !== "fp") out.versusFp = paired(fp.scores, row.scores, resamples, seed);
      if (row.role === "restored" || row.role === "baseline") out.recovered = recoveredFraction(fp.scores, variant.scores, row.scores, { resamples, seed });
      return out;
    }),
  };
}
