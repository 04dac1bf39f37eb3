/**
 * Cells (schema v2): one per (study, model, variant, benchmark label), in plan order, with how many
 * generations the plan asks of it and, once the variant's backend facts are known, their keys. What is
 * left to generate and to grade is a query over these and the generations/grades tables, so any stage can
 * tell its pending work from the store alone.
 */
import type { DatabaseSync } from "node:sqlite";
import type { FinishReason } from "../backends/types.ts";
import { QreasonError } from "../errors.ts";
import { canonicalJson } from "./canonical.ts";

export interface CellDefinition {
  model: string;
  variant: string;
  recipeHash: string;
  /** The benchmark's label in the study. */
  benchmark: string;
  /** Generations the plan asks for: problems × samples. */
  planned: number;
}

export interface StoredCell extends CellDefinition {
  id: number;
  position: number;
  /** The backend facts its keys were made with; null when no keys are known yet. */
  facts: unknown;
  /** Why generation stopped early the last time it ran, if it did. */
  stopped: string | null;
  /** Keys known (0 until the variant's backend facts are). */
  keyed: number;
}

/** Where a cell stands: keys known, results stored, errors still pending a retry. */
export interface CellProgress {
  cellId: number;
  planned: number;
  keyed: number;
  generated: number;
  failed: number;
}

/** A stored result that a grader has not graded yet, with its problem's gold answer. */
export interface UngradedGeneration {
  key: string;
  benchmark: string;
  problemId: string;
  text: string;
  finishReason: FinishReason;
  /** null when the problem is not in the store (a damaged store: grading refuses it). */
  gold: string | null;
}

const now = (): string => new Date().toISOString();

export class CellTable {
  private readonly database: DatabaseSync;
  private readonly file: string;
  private readonly transaction: <T>(work: () => T) => T;

  constructor(database: DatabaseSync, file: string, transaction: <T>(work: () => T) => T) {
    this.database = database;
    this.file = file;
    this.transaction = transaction;
  }

  /**
   * Makes the cells of a study's plan (positions in the given order). A cell already there keeps its keys
   * unless its recipe hash or planned count changed; cells of the study that the plan no longer names are
   * left alone (they belong to no current plan; reports read only the plan's cells).
   */
  define(studyHash: string, cells: readonly CellDefinition[]): StoredCell[] {
    const timestamp = now();
    this.transaction(() => {
      const select = this.database.prepare("SELECT id, recipe_hash, planned FROM cells WHERE study_hash = ? AND model = ? AND variant = ? AND benchmark = ?");
      const insert = this.database.prepare(
        "INSERT INTO cells (study_hash, position, model, variant, recipe_hash, benchmark, planned, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      );
      const update = this.database.prepare("UPDATE cells SET position = ?, recipe_hash = ?, planned = ?, updated_at = ? WHERE id = ?");
      cells.forEach((cell, position) => {
        const row = select.get(studyHash, cell.model, cell.variant, cell.benchmark) as { id: number; recipe_hash: string; planned: number } | undefined;
        if (row === undefined) {
          insert.run(studyHash, position, cell.model, cell.variant, cell.recipeHash, cell.benchmark, cell.planned, timestamp);
          return;
        }
        if (row.recipe_hash !== cell.recipeHash || Number(row.planned) !== cell.planned) this.clearKeys(Number(row.id));
        update.run(position, cell.recipeHash, cell.planned, timestamp, row.id);
      });
    });
    const wanted = new Set(cells.map((cell) => `${cell.model}\0${cell.variant}\0${cell.benchmark}`));
    return this.list(studyHash).filter((cell) => wanted.has(`${cell.model}\0${cell.variant}\0${cell.benchmark}`));
  }

  /** The cells of a study, in plan order. */
  list(studyHash: string): StoredCell[] {
    const rows = this.database
      .prepare(
        `SELECT c.*, (SELECT count(*) FROM cell_keys k WHERE k.cell_id = c.id) AS keyed
         FROM cells c WHERE c.study_hash = ? ORDER BY c.position, c.id`,
      )
      .all(studyHash) as Record<string, unknown>[];
    return rows.map((row) => ({
      id: Number(row.id),
      position: Number(row.position),
      model: String(row.model),
      variant: String(row.variant),
      recipeHash: String(row.recipe_hash),
      benchmark: String(row.benchmark),
      planned: Number(row.planned),
      facts: row.facts_json === null ? null : JSON.parse(String(row.facts_json)),
      stopped: row.stopped === null ? null : String(row.stopped),
      keyed: Number(row.keyed),
    }));
  }

  /** A cell's generation keys, in plan order ([] until known). */
  keys(cellId: number): string[] {
    const rows = this.database.prepare("SELECT generation_key FROM cell_keys WHERE cell_id = ? ORDER BY position").all(cellId) as { generation_key: string }[];
    return rows.map((row) => row.generation_key);
  }

  /** Sets a cell's keys and the facts they were made with; rewrites nothing when they are the same. */
  setKeys(cellId: number, keys: readonly string[], facts: unknown): boolean {
    const factsJson = canonicalJson(facts);
    const current = this.database.prepare("SELECT facts_json, planned FROM cells WHERE id = ?").get(cellId) as { facts_json: string | null; planned: number } | undefined;
    if (current === undefined) throw new QreasonError("E_INTERNAL", `no cell ${cellId}`, { file: this.file });
    if (keys.length !== Number(current.planned)) {
      throw new QreasonError("E_INTERNAL", `cell ${cellId} plans ${current.planned} generations, got ${keys.length} keys`, { file: this.file });
    }
    const existing = this.keys(cellId);
    if (current.facts_json === factsJson && existing.length === keys.length && existing.every((key, index) => key === keys[index])) return false;
    this.transaction(() => {
      this.database.prepare("DELETE FROM cell_keys WHERE cell_id = ?").run(cellId);
      const insert = this.database.prepare("INSERT INTO cell_keys (cell_id, position, generation_key) VALUES (?, ?, ?)");
      keys.forEach((key, position) => insert.run(cellId, position, key));
      this.database.prepare("UPDATE cells SET facts_json = ?, updated_at = ? WHERE id = ?").run(factsJson, now(), cellId);
    });
    return true;
  }

  /** Forgets a cell's keys (its variant's facts are unknown again, e.g. its model file changed). */
  clearKeys(cellId: number): void {
    this.transaction(() => {
      this.database.prepare("DELETE FROM cell_keys WHERE cell_id = ?").run(cellId);
      this.database.prepare("UPDATE cells SET facts_json = NULL, updated_at = ? WHERE id = ?").run(now(), cellId);
    });
  }

  setStopped(cellIds: readonly number[], stopped: string | null): void {
    const statement = this.database.prepare("UPDATE cells SET stopped = ?, updated_at = ? WHERE id = ?");
    const timestamp = now();
    this.transaction(() => {
      for (const id of cellIds) statement.run(stopped, timestamp, id);
    });
  }

  /** Per cell of the study: keys known, results stored, errors pending. One query. */
  progress(studyHash: string): CellProgress[] {
    const rows = this.database
      .prepare(
        `SELECT c.id, c.planned,
                count(k.generation_key) AS keyed,
                count(CASE WHEN g.status = 'ok' THEN 1 END) AS generated,
                count(CASE WHEN g.status = 'error' THEN 1 END) AS failed
         FROM cells c
         LEFT JOIN cell_keys k ON k.cell_id = c.id
         LEFT JOIN generations g ON g.key = k.generation_key
         WHERE c.study_hash = ?
         GROUP BY c.id ORDER BY c.position, c.id`,
      )
      .all(studyHash) as Record<string, number>[];
    return rows.map((row) => ({ cellId: Number(row.id), planned: Number(row.planned), keyed: Number(row.keyed), generated: Number(row.generated), failed: Number(row.failed) }));
  }

  /**
   * Stored results of the study's cells with no grade by `grader` (each key once, though two labels may
   * share it), with the gold answer of the generation's own (benchmark, problem id) from the problems table.
   */
  ungraded(studyHash: string, grader: string): UngradedGeneration[] {
    const rows = this.database
      .prepare(
        `SELECT g.key, g.benchmark, g.problem_id, g.text, g.finish_reason, p.answer
         FROM generations g
         LEFT JOIN problems p ON p.benchmark = g.benchmark AND p.problem_id = g.problem_id
         WHERE g.status = 'ok'
           AND g.key IN (SELECT k.generation_key FROM cell_keys k JOIN cells c ON c.id = k.cell_id WHERE c.study_hash = ?)
           AND NOT EXISTS (SELECT 1 FROM grades r WHERE r.generation_key = g.key AND r.grader = ?)
         ORDER BY g.rowid`,
      )
      .all(studyHash, grader) as Record<string, unknown>[];
    return rows.map((row) => ({
      key: String(row.key),
      benchmark: String(row.benchmark),
      problemId: String(row.problem_id),
      text: String(row.text),
      finishReason: String(row.finish_reason) as FinishReason,
      gold: row.answer === null ? null : String(row.answer),
    }));
  }

  /** How many results of the study's cells `grader` has not graded, and how many of those another grader has. */
  ungradedCount(studyHash: string, grader: string): { count: number; stale: number } {
    const row = this.database
      .prepare(
        `SELECT count(*) AS count,
                count(CASE WHEN EXISTS (SELECT 1 FROM grades o WHERE o.generation_key = g.key) THEN 1 END) AS stale
         FROM generations g
         WHERE g.status = 'ok'
           AND g.key IN (SELECT k.generation_key FROM cell_keys k JOIN cells c ON c.id = k.cell_id WHERE c.study_hash = ?)
           AND NOT EXISTS (SELECT 1 FROM grades r WHERE r.generation_key = g.key AND r.grader = ?)`,
      )
      .get(studyHash, grader) as { count: number; stale: number };
    return { count: Number(row.count), stale: Number(row.stale) };
  }
}
