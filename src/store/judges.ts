/**
 * Judge tables (the judges migration; docs/judges.md describes every column): each judge's outcome per
 * generation with its usage, the panel's decision per judged flip, the human review queue, the judge
 * stage's run-level summary, and `qreason judge calibrate`'s votes and results.
 */
import type { DatabaseSync } from "node:sqlite";
import { canonicalJson } from "./canonical.ts";

export type JudgeVerdictStatus = "verdict" | "invalid" | "error";

export interface JudgeVerdictRow {
  generationKey: string;
  judge: string;
  identity: string;
  status: JudgeVerdictStatus;
  firstErrorStep: number | null;
  category: string | null;
  subtype: string | null;
  confidence: number | null;
  explanation: string | null;
  /** Invalid reason or backend error code. */
  reason: string | null;
  message: string | null;
  segmenter: string;
  steps: number;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  cost: number | null;
  replies: string[];
  warnings: string[];
}

export type ReverifyValue = "not_applicable" | "regraded_correct" | "possible_false_reject";

export interface JudgePanelRow {
  generationKey: string;
  panel: string;
  studyHash: string;
  model: string;
  variant: string;
  baselineVariant: string;
  benchmark: string;
  problemId: string;
  sampleIndex: number;
  firstErrorStep: number | null;
  category: string | null;
  subtype: string | null;
  decidedBy: string;
  support: number;
  votes: number;
  members: number;
  flags: string[];
  needsReview: boolean;
  verifier: unknown;
  reverify: ReverifyValue;
  regrade: unknown;
  audited: boolean;
}

export type QueueReason = "conflict" | "audit" | "possible_false_reject";

export interface QueueRow {
  generationKey: string;
  panel: string;
  reason: QueueReason;
  detail: string | null;
}

export interface CalibrationVoteRow {
  identity: string;
  dataset: string;
  sampleId: string;
  subset: string;
  label: number;
  status: JudgeVerdictStatus;
  prediction: number | null;
  category: string | null;
  subtype: string | null;
  confidence: number | null;
  reason: string | null;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
}

export interface CalibrationResultRow {
  id: number;
  judge: string;
  identity: string;
  dataset: string;
  selection: unknown;
  samples: number;
  meanF1: number | null;
  result: unknown;
  command: string | null;
  qreasonVersion: string | null;
  computedAt: string;
}

const now = (): string => new Date().toISOString();
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function verdictOf(row: Record<string, unknown>): JudgeVerdictRow {
  return {
    generationKey: String(row.generation_key),
    judge: String(row.judge),
    identity: String(row.identity),
    status: String(row.status) as JudgeVerdictStatus,
    firstErrorStep: num(row.first_error_step),
    category: text(row.category),
    subtype: text(row.subtype),
    confidence: num(row.confidence),
    explanation: text(row.explanation),
    reason: text(row.reason),
    message: text(row.message),
    segmenter: String(row.segmenter),
    steps: Number(row.steps),
    attempts: Number(row.attempts),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cost: num(row.cost),
    replies: JSON.parse(String(row.replies_json)) as string[],
    warnings: JSON.parse(String(row.warnings_json)) as string[],
  };
}

function panelOf(row: Record<string, unknown>): JudgePanelRow {
  return {
    generationKey: String(row.generation_key),
    panel: String(row.panel),
    studyHash: String(row.study_hash),
    model: String(row.model),
    variant: String(row.variant),
    baselineVariant: String(row.baseline_variant),
    benchmark: String(row.benchmark),
    problemId: String(row.problem_id),
    sampleIndex: Number(row.sample_index),
    firstErrorStep: num(row.first_error_step),
    category: text(row.category),
    subtype: text(row.subtype),
    decidedBy: String(row.decided_by),
    support: Number(row.support),
    votes: Number(row.votes),
    members: Number(row.members),
    flags: JSON.parse(String(row.flags_json)) as string[],
    needsReview: Number(row.needs_review) === 1,
    verifier: row.verifier_json === null ? null : JSON.parse(String(row.verifier_json)),
    reverify: String(row.reverify) as ReverifyValue,
    regrade: row.regrade_json === null ? null : JSON.parse(String(row.regrade_json)),
    audited: Number(row.audited) === 1,
  };
}

export class JudgeTable {
  private readonly database: DatabaseSync;
  private readonly now: () => string;

  /** `clock` stamps every row written (`created_at`, `decided_at`, `queued_at`); tests pass a fixed one. */
  constructor(database: DatabaseSync, clock: () => string = now) {
    this.database = database;
    this.now = clock;
  }

  /** A judge's stored outcome on a generation (any status), or undefined. */
  verdict(generationKey: string, judge: string, identity: string): JudgeVerdictRow | undefined {
    const row = this.database.prepare("SELECT * FROM judge_verdicts WHERE generation_key = ? AND judge = ? AND identity = ?").get(generationKey, judge, identity) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : verdictOf(row);
  }

  /** Every stored outcome on these generations (all judges and identities). */
  verdicts(generationKeys: readonly string[]): JudgeVerdictRow[] {
    const rows = this.database
      .prepare("SELECT v.* FROM judge_verdicts v JOIN json_each(?) k ON v.generation_key = k.value ORDER BY k.key, v.judge")
      .all(JSON.stringify(generationKeys)) as Record<string, unknown>[];
    return rows.map(verdictOf);
  }

  /** Stores an outcome; a verdict or invalid verdict replaces an error, never the other way round. */
  putVerdict(row: JudgeVerdictRow): void {
    this.database
      .prepare(
        `INSERT INTO judge_verdicts (generation_key, judge, identity, status, first_error_step, category, subtype, confidence, explanation, reason, message,
           segmenter, steps, attempts, prompt_tokens, completion_tokens, cost, replies_json, warnings_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (generation_key, judge, identity) DO UPDATE SET
           status = excluded.status, first_error_step = excluded.first_error_step, category = excluded.category, subtype = excluded.subtype,
           confidence = excluded.confidence, explanation = excluded.explanation, reason = excluded.reason, message = excluded.message,
           segmenter = excluded.segmenter, steps = excluded.steps, attempts = excluded.attempts, prompt_tokens = excluded.prompt_tokens,
           completion_tokens = excluded.completion_tokens, cost = excluded.cost, replies_json = excluded.replies_json,
           warnings_json = excluded.warnings_json, created_at = excluded.created_at
         WHERE judge_verdicts.status = 'error' OR excluded.status <> 'error'`,
      )
      .run(
        row.generationKey, row.judge, row.identity, row.status, row.firstErrorStep, row.category, row.subtype, row.confidence, row.explanation,
        row.reason, row.message, row.segmenter, row.steps, row.attempts, row.promptTokens, row.completionTokens, row.cost,
        JSON.stringify(row.replies), JSON.stringify(row.warnings), this.now(),
      );
  }

  /** Generation keys (of `keys`) that have a panel decision under `panel`. */
  decided(panel: string, keys: readonly string[]): Set<string> {
    const rows = this.database
      .prepare("SELECT p.generation_key AS key FROM judge_panels p JOIN json_each(?) k ON p.generation_key = k.value WHERE p.panel = ?")
      .all(JSON.stringify(keys), panel) as { key: string }[];
    return new Set(rows.map((row) => row.key));
  }

  putPanel(row: JudgePanelRow): void {
    this.database
      .prepare(
        `INSERT OR REPLACE INTO judge_panels (generation_key, panel, study_hash, model, variant, baseline_variant, benchmark, problem_id, sample_index,
           first_error_step, category, subtype, decided_by, support, votes, members, flags_json, needs_review, verifier_json, reverify, regrade_json, audited, decided_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.generationKey, row.panel, row.studyHash, row.model, row.variant, row.baselineVariant, row.benchmark, row.problemId, row.sampleIndex,
        row.firstErrorStep, row.category, row.subtype, row.decidedBy, row.support, row.votes, row.members, JSON.stringify(row.flags), row.needsReview ? 1 : 0,
        row.verifier === null || row.verifier === undefined ? null : JSON.stringify(row.verifier), row.reverify,
        row.regrade === null || row.regrade === undefined ? null : JSON.stringify(row.regrade), row.audited ? 1 : 0, this.now(),
      );
  }

  /** Panel decisions of a study under one panel, in (model, variant, benchmark, problem, sample) order. */
  panels(studyHash: string, panel: string): JudgePanelRow[] {
    const rows = this.database
      .prepare("SELECT * FROM judge_panels WHERE study_hash = ? AND panel = ? ORDER BY model, variant, benchmark, problem_id, sample_index")
      .all(studyHash, panel) as Record<string, unknown>[];
    return rows.map(panelOf);
  }

  /** Marks the audit sample (exactly these keys) of a panel. */
  setAudited(panel: string, keys: readonly string[]): void {
    this.database.prepare("UPDATE judge_panels SET audited = 0 WHERE panel = ?").run(panel);
    this.database.prepare("UPDATE judge_panels SET audited = 1 WHERE panel = ? AND generation_key IN (SELECT value FROM json_each(?))").run(panel, JSON.stringify(keys));
  }

  enqueue(row: QueueRow): void {
    this.database
      .prepare("INSERT INTO judge_queue (generation_key, panel, reason, detail, queued_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET detail = excluded.detail")
      .run(row.generationKey, row.panel, row.reason, row.detail, this.now());
  }

  /** Removes a panel's queue entries of one reason (the audit sample is re-drawn as flips are added). */
  clearQueue(panel: string, reason: QueueReason): void {
    this.database.prepare("DELETE FROM judge_queue WHERE panel = ? AND reason = ?").run(panel, reason);
  }

  queue(panel?: string): QueueRow[] {
    const rows = (panel === undefined
      ? this.database.prepare("SELECT * FROM judge_queue ORDER BY queued_at, generation_key").all()
      : this.database.prepare("SELECT * FROM judge_queue WHERE panel = ? ORDER BY queued_at, generation_key").all(panel)) as Record<string, unknown>[];
    return rows.map((row) => ({ generationKey: String(row.generation_key), panel: String(row.panel), reason: String(row.reason) as QueueReason, detail: text(row.detail) }));
  }

  putSummary(studyHash: string, panel: string, panelDescription: unknown, summary: unknown): void {
    this.database
      .prepare("INSERT OR REPLACE INTO judge_summaries (study_hash, panel, panel_json, summary_json, computed_at) VALUES (?, ?, ?, ?, ?)")
      .run(studyHash, panel, canonicalJson(panelDescription), JSON.stringify(summary), this.now());
  }

  /** The summary of a study under one panel, or undefined. */
  summary(studyHash: string, panel: string): { summary: unknown; computedAt: string } | undefined {
    const row = this.database.prepare("SELECT summary_json, computed_at FROM judge_summaries WHERE study_hash = ? AND panel = ?").get(studyHash, panel) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : { summary: JSON.parse(String(row.summary_json)), computedAt: String(row.computed_at) };
  }

  /** The latest summary of a study (any panel), with its panel. */
  latestSummary(studyHash: string): { panel: string; description: unknown; summary: unknown; computedAt: string } | undefined {
    const row = this.database.prepare("SELECT * FROM judge_summaries WHERE study_hash = ? ORDER BY computed_at DESC LIMIT 1").get(studyHash) as Record<string, unknown> | undefined;
    if (row === undefined) return undefined;
    return { panel: String(row.panel), description: JSON.parse(String(row.panel_json)), summary: JSON.parse(String(row.summary_json)), computedAt: String(row.computed_at) };
  }

  calibrationVotes(identity: string, dataset: string): Map<string, CalibrationVoteRow> {
    const rows = this.database.prepare("SELECT * FROM judge_calibration_votes WHERE identity = ? AND dataset = ?").all(identity, dataset) as Record<string, unknown>[];
    return new Map(
      rows.map((row) => [
        String(row.sample_id),
        {
          identity, dataset, sampleId: String(row.sample_id), subset: String(row.subset), label: Number(row.label), status: String(row.status) as JudgeVerdictStatus,
          prediction: num(row.prediction), category: text(row.category), subtype: text(row.subtype), confidence: num(row.confidence), reason: text(row.reason),
          attempts: Number(row.attempts), promptTokens: Number(row.prompt_tokens), completionTokens: Number(row.completion_tokens),
        },
      ]),
    );
  }

  putCalibrationVote(row: CalibrationVoteRow): void {
    this.database
      .prepare(
        `INSERT OR REPLACE INTO judge_calibration_votes (identity, dataset, sample_id, subset, label, status, prediction, category, subtype, confidence, reason,
           attempts, prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(row.identity, row.dataset, row.sampleId, row.subset, row.label, row.status, row.prediction, row.category, row.subtype, row.confidence, row.reason, row.attempts, row.promptTokens, row.completionTokens, this.now());
  }

  putCalibration(row: Omit<CalibrationResultRow, "id" | "computedAt">): number {
    const result = this.database
      .prepare("INSERT INTO judge_calibrations (judge, identity, dataset, selection_json, samples, mean_f1, result_json, command, qreason_version, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(row.judge, row.identity, row.dataset, canonicalJson(row.selection), row.samples, row.meanF1, JSON.stringify(row.result), row.command, row.qreasonVersion, this.now());
    return Number(result.lastInsertRowid);
  }

  /** The latest calibration of each (identity, dataset). */
  latestCalibrations(): CalibrationResultRow[] {
    const rows = this.database
      .prepare("SELECT * FROM judge_calibrations c WHERE id = (SELECT max(id) FROM judge_calibrations d WHERE d.identity = c.identity AND d.dataset = c.dataset) ORDER BY judge, dataset")
      .all() as Record<string, unknown>[];
    return rows.map((row) => ({
      id: Number(row.id), judge: String(row.judge), identity: String(row.identity), dataset: String(row.dataset), selection: JSON.parse(String(row.selection_json)),
      samples: Number(row.samples), meanF1: num(row.mean_f1), result: JSON.parse(String(row.result_json)), command: text(row.command),
      qreasonVersion: text(row.qreason_version), computedAt: String(row.computed_at),
    }));
  }
}
