/**
 * Human labels (the `reviews` table, columns from schema v1 and v5): a person's accept or override of the
 * label a flip was proposed (first error step, category, subtype), with a note, who and when. Rows are only
 * added; the latest row of a generation is its human label, the earlier ones its history. Labels live beside
 * the judges' verdicts, never over them.
 */
import type { DatabaseSync } from "node:sqlite";
import type { ErrorCategory, ErrorSubtype } from "../taxonomy/index.ts";
import { canonicalJson } from "./canonical.ts";

export type ReviewAction = "accept" | "override";

/** Where a proposed label came from: the judge panel, the deterministic step verifier, or nothing. */
export type LabelSource = "panel" | "verifier" | "none";

/** A label on a solution: the first wrong step (0-based segment; -1: no error), its category and subtype. */
export interface ErrorLabel {
  firstErrorStep: number | null;
  category: ErrorCategory | null;
  subtype: ErrorSubtype | null;
}

export interface LabelProposal extends ErrorLabel {
  source: LabelSource;
}

export interface ReviewInput extends ErrorLabel {
  generationKey: string;
  reviewer: string;
  action: ReviewAction;
  note: string | null;
  /** What the page proposed when the person decided. */
  proposal: LabelProposal | null;
  /** The segmenter version `firstErrorStep` counts segments of. */
  segmenter: string;
  /** The baseline generation of the flip. */
  baselineKey: string | null;
}

export interface StoredReview extends ReviewInput {
  id: number;
  createdAt: string;
}

function toReview(row: Record<string, unknown>): StoredReview {
  return {
    id: Number(row.id),
    generationKey: String(row.generation_key),
    reviewer: String(row.reviewer),
    action: (row.action === null ? "override" : String(row.action)) as ReviewAction,
    firstErrorStep: row.first_error_step === null ? null : Number(row.first_error_step),
    category: row.category === null ? null : (String(row.category) as ErrorCategory),
    subtype: row.subtype === null ? null : (String(row.subtype) as ErrorSubtype),
    note: row.note === null ? null : String(row.note),
    proposal: row.proposal_json === null || row.proposal_json === undefined ? null : (JSON.parse(String(row.proposal_json)) as LabelProposal),
    segmenter: row.segmenter === null || row.segmenter === undefined ? "" : String(row.segmenter),
    baselineKey: row.baseline_key === null || row.baseline_key === undefined ? null : String(row.baseline_key),
    createdAt: String(row.created_at),
  };
}

export class ReviewTable {
  private readonly database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.database = database;
  }

  /** Stores one review (a new row: earlier ones stay as history) and returns it. */
  add(review: ReviewInput, createdAt = new Date().toISOString()): StoredReview {
    const verdict = { first_error_step: review.firstErrorStep, category: review.category, subtype: review.subtype };
    const result = this.database
      .prepare(
        `INSERT INTO reviews (generation_key, reviewer, verdict_json, first_error_step, category, subtype, note, created_at, action, proposal_json, segmenter, baseline_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        review.generationKey,
        review.reviewer,
        canonicalJson(verdict),
        review.firstErrorStep,
        review.category,
        review.subtype,
        review.note,
        createdAt,
        review.action,
        review.proposal === null ? null : canonicalJson(review.proposal),
        review.segmenter,
        review.baselineKey,
      );
    return { ...review, id: Number(result.lastInsertRowid), createdAt };
  }

  /** Every review of one generation, oldest first. */
  history(generationKey: string): StoredReview[] {
    const rows = this.database.prepare("SELECT * FROM reviews WHERE generation_key = ? ORDER BY id").all(generationKey) as Record<string, unknown>[];
    return rows.map(toReview);
  }

  /** The latest review of each reviewed generation (its human label), by generation key. */
  latest(): Map<string, StoredReview> {
    const rows = this.database
      .prepare("SELECT r.* FROM reviews r WHERE r.id = (SELECT max(id) FROM reviews WHERE generation_key = r.generation_key) ORDER BY r.id")
      .all() as Record<string, unknown>[];
    return new Map(rows.map((row) => [String(row.generation_key), toReview(row)]));
  }

  /** Every review, oldest first. */
  all(): StoredReview[] {
    return (this.database.prepare("SELECT * FROM reviews ORDER BY id").all() as Record<string, unknown>[]).map(toReview);
  }

  count(): number {
    return Number((this.database.prepare("SELECT count(*) AS count FROM reviews").get() as { count: number }).count);
  }
}
