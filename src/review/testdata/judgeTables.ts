/**
 * Test support: rows written into the judge stage's tables (store v6: `judge_verdicts`, `judge_panels`,
 * `judge_queue`; docs/judges.md) the way the judge stage writes them, so the view's tests control exactly
 * which votes and decisions a flip has. The tables are the store's own (its migration made them), so a
 * schema change breaks these tests rather than passing against a stale copy.
 */
import { DatabaseSync } from "node:sqlite";

export interface TestVerdict {
  key: string;
  judge: string;
  step: number | null;
  subtype?: string;
  category?: string;
  explanation?: string;
  confidence?: number;
  /** invalid / error with this reason instead of a verdict. */
  invalid?: string;
  /** The judge's model|prompt identity (default: `<judge>-model|judge-prompt/v1`). */
  identity?: string;
  at: string;
}

export interface TestPanel {
  key: string;
  panel: string;
  flip: { studyHash: string; model: string; variant: string; baseline: string; benchmark: string; problemId: string };
  step: number | null;
  category: string | null;
  subtype: string | null;
  decidedBy: string;
  support: number;
  votes: number;
  members: number;
  flags: string[];
  audited: boolean;
  queue: string[];
  at: string;
}

/** Writes verdicts and panel decisions into the store file (closed meanwhile). */
export function writeJudgeRows(file: string, verdicts: readonly TestVerdict[], panels: readonly TestPanel[]): void {
  const database = new DatabaseSync(file);
  try {
    const verdict = database.prepare(
      `INSERT INTO judge_verdicts (generation_key, judge, identity, status, first_error_step, category, subtype, confidence, explanation, reason, message,
         segmenter, steps, attempts, prompt_tokens, completion_tokens, cost, replies_json, warnings_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'steps/v2', 3, 1, 100, 20, NULL, '[]', '[]', ?)`,
    );
    for (const row of verdicts) {
      const valid = row.invalid === undefined;
      verdict.run(row.key, row.judge, row.identity ?? `${row.judge}-model|judge-prompt/v1`, valid ? "verdict" : "invalid", valid ? row.step : null, valid ? (row.category ?? null) : null,
        valid ? (row.subtype ?? null) : null, valid ? (row.confidence ?? 0.8) : null, valid ? (row.explanation ?? "") : null, valid ? null : (row.invalid ?? null), row.at);
    }
    const panel = database.prepare(
      `INSERT INTO judge_panels (generation_key, panel, study_hash, model, variant, baseline_variant, benchmark, problem_id, sample_index, first_error_step, category, subtype,
         decided_by, support, votes, members, flags_json, needs_review, verifier_json, reverify, regrade_json, audited, decided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'not_applicable', NULL, ?, ?)`,
    );
    const queue = database.prepare("INSERT INTO judge_queue (generation_key, panel, reason, detail, queued_at) VALUES (?, ?, ?, NULL, ?)");
    for (const row of panels) {
      const { flip } = row;
      panel.run(row.key, row.panel, flip.studyHash, flip.model, flip.variant, flip.baseline, flip.benchmark, flip.problemId, row.step, row.category, row.subtype,
        row.decidedBy, row.support, row.votes, row.members, JSON.stringify(row.flags), row.flags.length > 0 ? 1 : 0, row.audited ? 1 : 0, row.at);
      for (const reason of row.queue) queue.run(row.key, row.panel, reason, row.at);
    }
  } finally {
    database.close();
  }
}
