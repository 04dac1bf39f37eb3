/**
 * Compare results (schema v2): the statistics of each planned comparison, per study and grader, with a
 * hash of what they were computed from. The compare stage writes them; reports read them.
 */
import type { DatabaseSync } from "node:sqlite";
import { canonicalJson } from "./canonical.ts";

export interface ComparisonIdentity {
  model: string;
  /** A benchmark label, or the label of the comparison over all of them. */
  benchmark: string;
  baseline: string;
  variant: string;
}

export interface StoredComparison extends ComparisonIdentity {
  position: number;
  /** Hash of the paired grades and the settings the result was computed from. */
  inputsHash: string;
  settings: unknown;
  result: unknown;
  computedAt: string;
}

export class ComparisonTable {
  private readonly database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.database = database;
  }

  /** Stored comparisons of a study under one grader, in plan order. */
  list(studyHash: string, grader: string): StoredComparison[] {
    const rows = this.database.prepare("SELECT * FROM comparisons WHERE study_hash = ? AND grader = ? ORDER BY position").all(studyHash, grader) as Record<string, unknown>[];
    return rows.map((row) => ({
      position: Number(row.position),
      model: String(row.model),
      benchmark: String(row.benchmark),
      baseline: String(row.baseline),
      variant: String(row.variant),
      inputsHash: String(row.inputs_hash),
      settings: JSON.parse(String(row.settings_json)),
      result: JSON.parse(String(row.result_json)),
      computedAt: String(row.computed_at),
    }));
  }

  put(studyHash: string, grader: string, comparison: Omit<StoredComparison, "computedAt">): void {
    this.database
      .prepare(
        `INSERT INTO comparisons (study_hash, grader, position, model, benchmark, baseline, variant, inputs_hash, settings_json, result_json, computed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_hash, grader, model, benchmark, baseline, variant) DO UPDATE SET
           position = excluded.position, inputs_hash = excluded.inputs_hash, settings_json = excluded.settings_json,
           result_json = excluded.result_json, computed_at = excluded.computed_at`,
      )
      .run(
        studyHash,
        grader,
        comparison.position,
        comparison.model,
        comparison.benchmark,
        comparison.baseline,
        comparison.variant,
        comparison.inputsHash,
        canonicalJson(comparison.settings),
        JSON.stringify(comparison.result),
        new Date().toISOString(),
      );
  }
}
