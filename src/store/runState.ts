/**
 * Where a run directory stands (schema v2): the study and plan it runs now, the grader whose grades its
 * reports read, the latest `qreason run`'s times, and what each grader version was made of.
 */
import type { DatabaseSync } from "node:sqlite";
import { canonicalJson } from "./canonical.ts";

export interface RunState {
  studyHash: string;
  studyFile: string | null;
  /** The grader whose grades reports read: set when a grade stage leaves nothing ungraded. null before. */
  grader: string | null;
  qreasonVersion: string;
  /** Of the latest `qreason run` (all stages). */
  startedAt: string;
  finishedAt: string | null;
  interrupted: boolean;
  updatedAt: string;
}

export interface GraderRecord {
  name: string;
  /** sha256 over the grader's source files. */
  sourcesHash: string;
  /** Version of the CAS package the grader calls. */
  casVersion: string;
  files: number;
}

export interface StoredGrader extends GraderRecord {
  firstUsedAt: string;
}

const now = (): string => new Date().toISOString();

export class RunStateTable {
  private readonly database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.database = database;
  }

  /** Stores the plan a study expanded to (replacing an earlier one of the same study). */
  savePlan(studyHash: string, plan: unknown): void {
    this.database.prepare("UPDATE study SET plan_json = ? WHERE hash = ?").run(canonicalJson(plan), studyHash);
  }

  /** The stored plan of a study; undefined when the study or its plan is not stored. */
  plan(studyHash: string): unknown {
    const row = this.database.prepare("SELECT plan_json FROM study WHERE hash = ?").get(studyHash) as { plan_json: string | null } | undefined;
    return row?.plan_json == null ? undefined : JSON.parse(row.plan_json);
  }

  current(): RunState | undefined {
    const row = this.database.prepare("SELECT * FROM run_state WHERE id = 1").get() as Record<string, unknown> | undefined;
    if (row === undefined) return undefined;
    return {
      studyHash: String(row.study_hash),
      studyFile: row.study_file === null ? null : String(row.study_file),
      grader: row.grader === null ? null : String(row.grader),
      qreasonVersion: String(row.qreason_version),
      startedAt: String(row.started_at),
      finishedAt: row.finished_at === null ? null : String(row.finished_at),
      interrupted: Number(row.interrupted) === 1,
      updatedAt: String(row.updated_at),
    };
  }

  /** A `qreason run` begins on `studyHash`: the run directory now runs that study. The grader is kept. */
  begin(state: { studyHash: string; studyFile: string | null; qreasonVersion: string; startedAt?: string; grader?: string | null }): void {
    const timestamp = now();
    this.database
      .prepare(
        `INSERT INTO run_state (id, study_hash, study_file, grader, qreason_version, started_at, finished_at, interrupted, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, NULL, 0, ?)
         ON CONFLICT (id) DO UPDATE SET study_hash = excluded.study_hash, study_file = excluded.study_file,
           qreason_version = excluded.qreason_version, started_at = excluded.started_at, finished_at = NULL, interrupted = 0,
           updated_at = excluded.updated_at`,
      )
      .run(state.studyHash, state.studyFile, state.grader ?? null, state.qreasonVersion, state.startedAt ?? timestamp, timestamp);
  }

  finish(state: { interrupted: boolean; finishedAt?: string }): void {
    const timestamp = now();
    this.database.prepare("UPDATE run_state SET finished_at = ?, interrupted = ?, updated_at = ? WHERE id = 1").run(state.finishedAt ?? timestamp, state.interrupted ? 1 : 0, timestamp);
  }

  setGrader(grader: string): void {
    this.database.prepare("UPDATE run_state SET grader = ?, updated_at = ? WHERE id = 1").run(grader, now());
  }

  recordGrader(grader: GraderRecord): void {
    this.database
      .prepare("INSERT INTO graders (name, sources_hash, cas_version, files, first_used_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING")
      .run(grader.name, grader.sourcesHash, grader.casVersion, grader.files, now());
  }

  graders(): StoredGrader[] {
    const rows = this.database.prepare("SELECT * FROM graders ORDER BY first_used_at, name").all() as Record<string, unknown>[];
    return rows.map((row) => ({
      name: String(row.name),
      sourcesHash: String(row.sources_hash),
      casVersion: String(row.cas_version),
      files: Number(row.files),
      firstUsedAt: String(row.first_used_at),
    }));
  }
}
