/**
 * Restore tables (schema v4, after attribution's v3): mined pair sets, trained adapters and the
 * restoration results, written by the restore stage (src/run/stages/restore.ts) and read by reports.
 * An adapter is keyed by its recipe hash (which covers the pairs' sha256), so a changed recipe or pair set
 * trains a new adapter and a re-run with the same ones finds it done.
 */
import type { DatabaseSync } from "node:sqlite";
import { canonicalJson } from "./canonical.ts";

export interface StoredPairSet {
  studyHash: string;
  model: string;
  variant: string;
  name: string;
  grader: string;
  pairs: number;
  sha256: string;
  file: string;
  counts: unknown;
  createdAt: string;
}

export interface StoredAdapter {
  model: string;
  variant: string;
  name: string;
  recipeHash: string;
  recipe: unknown;
  pairsSha256: string;
  adapterPath: string;
  loraGguf: string | null;
  adapterSha256: string;
  train: unknown;
  trainedAt: string;
}

export interface StoredRestoreResult {
  studyHash: string;
  grader: string;
  model: string;
  variant: string;
  inputsHash: string;
  result: unknown;
  computedAt: string;
}

const now = (): string => new Date().toISOString();

export class RestoreTable {
  private readonly database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.database = database;
  }

  /** Whether this store has the restore tables (a read-only older store may not). */
  get available(): boolean {
    return this.database.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'restore_results'").get() !== undefined;
  }

  /**
   * The attribution stage's first error of each generation that has one (table first_errors, schema v3),
   * when this store has that table; the latest row per key.
   */
  firstErrors(keys: readonly string[]): Map<string, { category: string | null; subtype: string | null }> {
    const found = new Map<string, { category: string | null; subtype: string | null }>();
    if (keys.length === 0) return found;
    if (this.database.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'first_errors'").get() === undefined) return found;
    const rows = this.database
      .prepare("SELECT f.generation_key AS key, f.category, f.subtype FROM json_each(?) AS k JOIN first_errors f ON f.generation_key = k.value WHERE f.step IS NOT NULL")
      .all(JSON.stringify(keys)) as { key: string; category: string | null; subtype: string | null }[];
    for (const row of rows) found.set(row.key, { category: row.category, subtype: row.subtype });
    return found;
  }

  putPairSet(set: Omit<StoredPairSet, "createdAt">): void {
    this.database
      .prepare(
        `INSERT INTO restore_pair_sets (study_hash, model, variant, name, grader, pairs, sha256, file, counts_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_hash, model, variant, name) DO UPDATE SET grader = excluded.grader, pairs = excluded.pairs, sha256 = excluded.sha256, file = excluded.file, counts_json = excluded.counts_json, created_at = excluded.created_at`,
      )
      .run(set.studyHash, set.model, set.variant, set.name, set.grader, set.pairs, set.sha256, set.file, canonicalJson(set.counts), now());
  }

  pairSets(studyHash: string, model?: string, variant?: string): StoredPairSet[] {
    if (!this.available) return [];
    const rows = this.database
      .prepare("SELECT * FROM restore_pair_sets WHERE study_hash = ? AND (? IS NULL OR model = ?) AND (? IS NULL OR variant = ?) ORDER BY model, variant, name")
      .all(studyHash, model ?? null, model ?? null, variant ?? null, variant ?? null) as Record<string, unknown>[];
    return rows.map((row) => ({
      studyHash: String(row.study_hash), model: String(row.model), variant: String(row.variant), name: String(row.name), grader: String(row.grader),
      pairs: Number(row.pairs), sha256: String(row.sha256), file: String(row.file), counts: JSON.parse(String(row.counts_json)), createdAt: String(row.created_at),
    }));
  }

  putAdapter(adapter: Omit<StoredAdapter, "trainedAt">): void {
    this.database
      .prepare(
        `INSERT INTO restore_adapters (model, variant, name, recipe_hash, recipe_json, pairs_sha256, adapter_path, lora_gguf, adapter_sha256, train_json, trained_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, variant, name, recipe_hash) DO UPDATE SET adapter_path = excluded.adapter_path, lora_gguf = excluded.lora_gguf, adapter_sha256 = excluded.adapter_sha256, train_json = excluded.train_json, trained_at = excluded.trained_at`,
      )
      .run(adapter.model, adapter.variant, adapter.name, adapter.recipeHash, canonicalJson(adapter.recipe), adapter.pairsSha256, adapter.adapterPath, adapter.loraGguf, adapter.adapterSha256, canonicalJson(adapter.train), now());
  }

  /** The adapter trained from exactly this recipe, if any. */
  adapter(model: string, variant: string, name: string, recipeHash: string): StoredAdapter | undefined {
    if (!this.available) return undefined;
    const row = this.database.prepare("SELECT * FROM restore_adapters WHERE model = ? AND variant = ? AND name = ? AND recipe_hash = ?").get(model, variant, name, recipeHash) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : toAdapter(row);
  }

  adapters(model?: string, variant?: string): StoredAdapter[] {
    if (!this.available) return [];
    const rows = this.database
      .prepare("SELECT * FROM restore_adapters WHERE (? IS NULL OR model = ?) AND (? IS NULL OR variant = ?) ORDER BY model, variant, name, trained_at")
      .all(model ?? null, model ?? null, variant ?? null, variant ?? null) as Record<string, unknown>[];
    return rows.map(toAdapter);
  }

  putResult(result: Omit<StoredRestoreResult, "computedAt">): void {
    this.database
      .prepare(
        `INSERT INTO restore_results (study_hash, grader, model, variant, inputs_hash, result_json, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_hash, grader, model, variant) DO UPDATE SET inputs_hash = excluded.inputs_hash, result_json = excluded.result_json, computed_at = excluded.computed_at`,
      )
      .run(result.studyHash, result.grader, result.model, result.variant, result.inputsHash, canonicalJson(result.result), now());
  }

  results(studyHash: string, grader: string): StoredRestoreResult[] {
    if (!this.available) return [];
    const rows = this.database.prepare("SELECT * FROM restore_results WHERE study_hash = ? AND grader = ? ORDER BY model, variant").all(studyHash, grader) as Record<string, unknown>[];
    return rows.map((row) => ({
      studyHash: String(row.study_hash), grader: String(row.grader), model: String(row.model), variant: String(row.variant),
      inputsHash: String(row.inputs_hash), result: JSON.parse(String(row.result_json)), computedAt: String(row.computed_at),
    }));
  }
}

function toAdapter(row: Record<string, unknown>): StoredAdapter {
  return {
    model: String(row.model), variant: String(row.variant), name: String(row.name), recipeHash: String(row.recipe_hash), recipe: JSON.parse(String(row.recipe_json)),
    pairsSha256: String(row.pairs_sha256), adapterPath: String(row.adapter_path), loraGguf: row.lora_gguf === null ? null : String(row.lora_gguf),
    adapterSha256: String(row.adapter_sha256), train: JSON.parse(String(row.train_json)), trainedAt: String(row.trained_at),
  };
}
