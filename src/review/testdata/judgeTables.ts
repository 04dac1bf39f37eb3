/**
 * Test support: the judge stage's tables as its store migration makes them (docs/judges.md; branch
 * `judges`, store v6: `judge_verdicts`, `judge_panels`, `judge_queue`, copied column for column), made
 * only where the store does not have them yet, and rows written the way the judge stage writes them. The
 * view reads these tables when they exist; this lets its tests run before and after the judges' migration.
 */
import { DatabaseSync } from "node:sqlite";

const JUDGE_TABLES = `
  CREATE TABLE IF NOT EXISTS judge_verdicts (
    generation_key TEXT NOT NULL REFERENCES generations (key),
    judge TEXT NOT NULL,
    identity TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('verdict', 'invalid', 'error')),
    first_error_step INTEGER,
    category TEXT,
    subtype TEXT,
    confidence REAL,
    explanation TEXT,
    reason TEXT,
    message TEXT,
    segmenter TEXT NOT NULL,
    steps INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost REAL,
    replies_json TEXT NOT NULL,
    warnings_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((status = 'verdict') = (first_error_step IS NOT NULL)),
    PRIMARY KEY (generation_key, judge, identity)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS judge_panels (
    generation_key TEXT NOT NULL REFERENCES generations (key),
    panel TEXT NOT NULL,
    study_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    variant TEXT NOT NULL,
    baseline_variant TEXT NOT NULL,
    benchmark TEXT NOT NULL,
    problem_id TEXT NOT NULL,
    sample_index INTEGER NOT NULL,
    first_error_step INTEGER,
    category TEXT,
    subtype TEXT,
    decided_by TEXT NOT NULL,
    support INTEGER NOT NULL,
    votes INTEGER NOT NULL,
    members INTEGER NOT NULL,
    flags_json TEXT NOT NULL,
    needs_review INTEGER NOT NULL CHECK (needs_review IN (0, 1)),
    verifier_json TEXT,
    reverify TEXT NOT NULL CHECK (reverify IN ('not_applicable', 'regraded_correct', 'possible_false_reject')),
    regrade_json TEXT,
    audited INTEGER NOT NULL DEFAULT 0 CHECK (audited IN (0, 1)),
    decided_at TEXT NOT NULL,
    PRIMARY KEY (generation_key, panel)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS judge_queue (
    generation_key TEXT NOT NULL REFERENCES generations (key),
    panel TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('conflict', 'audit', 'possible_false_reject')),
    detail TEXT,
    queued_at TEXT NOT NULL,
    PRIMARY KEY (generation_key, panel, reason)
  ) WITHOUT ROWID;
`;

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

/** Writes verdicts and panel decisions into the store file (closed meanwhile), making the tables if needed. */
export function writeJudgeRows(file: string, verdicts: readonly TestVerdict[], panels: readonly TestPanel[]): void {
  const database = new DatabaseSync(file);
  try {
    database.exec(JUDGE_TABLES);
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
