/**
 * Stage runs (schema v2): every time a stage ran, when, how it ended and what it counted. A row left at
 * `running` is a stage whose process died (kill -9, a crash) before it could say how it ended.
 */
import type { DatabaseSync } from "node:sqlite";

export type StageRunOutcome = "running" | "done" | "interrupted" | "failed";

export interface StageRunRecord {
  id: number;
  stage: string;
  studyHash: string | null;
  startedAt: string;
  finishedAt: string | null;
  outcome: StageRunOutcome;
  counts: Record<string, number>;
  message: string | null;
  qreasonVersion: string | null;
}

function toRecord(row: Record<string, unknown>): StageRunRecord {
  return {
    id: Number(row.id),
    stage: String(row.stage),
    studyHash: row.study_hash === null ? null : String(row.study_hash),
    startedAt: String(row.started_at),
    finishedAt: row.finished_at === null ? null : String(row.finished_at),
    outcome: String(row.outcome) as StageRunOutcome,
    counts: JSON.parse(String(row.counts_json)) as Record<string, number>,
    message: row.message === null ? null : String(row.message),
    qreasonVersion: row.qreason_version === null ? null : String(row.qreason_version),
  };
}

export class StageRunTable {
  private readonly database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.database = database;
  }

  start(stage: string, studyHash: string | null, qreasonVersion: string): number {
    const result = this.database
      .prepare("INSERT INTO stage_runs (stage, study_hash, started_at, outcome, qreason_version) VALUES (?, ?, ?, 'running', ?)")
      .run(stage, studyHash, new Date().toISOString(), qreasonVersion);
    return Number(result.lastInsertRowid);
  }

  finish(id: number, outcome: Exclude<StageRunOutcome, "running">, counts: Record<string, number>, message?: string): void {
    this.database
      .prepare("UPDATE stage_runs SET finished_at = ?, outcome = ?, counts_json = ?, message = ? WHERE id = ?")
      .run(new Date().toISOString(), outcome, JSON.stringify(counts), message ?? null, id);
  }

  /** Every run of `stage` (all stages when none is named), oldest first. */
  list(stage?: string): StageRunRecord[] {
    const rows = this.database.prepare("SELECT * FROM stage_runs WHERE ?1 IS NULL OR stage = ?1 ORDER BY id").all(stage ?? null) as Record<string, unknown>[];
    return rows.map(toRecord);
  }

  /** The latest run of each stage, by stage name. */
  latest(): Map<string, StageRunRecord> {
    const rows = this.database.prepare("SELECT * FROM stage_runs WHERE id IN (SELECT max(id) FROM stage_runs GROUP BY stage)").all() as Record<string, unknown>[];
    return new Map(rows.map((row) => [String(row.stage), toRecord(row)]));
  }
}
