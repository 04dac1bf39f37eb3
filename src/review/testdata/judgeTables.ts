/**
 * Test support: rows written into the judge stage's tables (store v6: `judge_verdicts`, `judge_panels`,
 * `judge_queue`; docs/judges.md) through the store's own writers (`JudgeTable.putVerdict`, `putPanel`,
 * `enqueue`, `setAudited`), the ones the judge stage calls, so the view's tests control exactly which
 * votes and decisions a flip has and cannot drift from the schema or from how the stage fills it. Only the
 * clock is the test's: every row carries its `at`.
 */
import { DatabaseSync } from "node:sqlite";
import { SEGMENTER_VERSION } from "../../steps/index.ts";
import { JudgeTable, type QueueReason } from "../../store/judges.ts";

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
  queue: QueueReason[];
  /** The step verifier's vote as the stage stores it (`{firstErrorStep, category, subtype, certain}`), default none. */
  verifier?: { firstErrorStep: number; category: string; subtype: string; certain: boolean };
  at: string;
}

/** Writes verdicts and panel decisions into the store file (closed meanwhile). */
export function writeJudgeRows(file: string, verdicts: readonly TestVerdict[], panels: readonly TestPanel[]): void {
  const database = new DatabaseSync(file);
  let at = "";
  const table = new JudgeTable(database, () => at);
  try {
    for (const row of verdicts) {
      at = row.at;
      const valid = row.invalid === undefined;
      table.putVerdict({
        generationKey: row.key,
        judge: row.judge,
        identity: row.identity ?? `${row.judge}-model|judge-prompt/v1`,
        status: valid ? "verdict" : "invalid",
        firstErrorStep: valid ? row.step : null,
        category: valid ? (row.category ?? null) : null,
        subtype: valid ? (row.subtype ?? null) : null,
        confidence: valid ? (row.confidence ?? 0.8) : null,
        explanation: valid ? (row.explanation ?? "") : null,
        reason: valid ? null : (row.invalid ?? null),
        message: null,
        segmenter: SEGMENTER_VERSION,
        steps: 3,
        attempts: 1,
        promptTokens: 100,
        completionTokens: 20,
        cost: null,
        replies: [],
        warnings: [],
      });
    }
    for (const row of panels) {
      at = row.at;
      const { flip } = row;
      table.putPanel({
        generationKey: row.key,
        panel: row.panel,
        studyHash: flip.studyHash,
        model: flip.model,
        variant: flip.variant,
        baselineVariant: flip.baseline,
        benchmark: flip.benchmark,
        problemId: flip.problemId,
        sampleIndex: 0,
        firstErrorStep: row.step,
        category: row.category,
        subtype: row.subtype,
        decidedBy: row.decidedBy,
        support: row.support,
        votes: row.votes,
        members: row.members,
        flags: row.flags,
        needsReview: row.flags.length > 0,
        verifier: row.verifier ?? null,
        reverify: "not_applicable",
        regrade: null,
        audited: false,
      });
      for (const reason of row.queue) table.enqueue({ generationKey: row.key, panel: row.panel, reason, detail: null });
    }
    // The audit sample is marked per panel, as the stage marks it once every flip is decided.
    for (const panel of new Set(panels.map((row) => row.panel))) {
      table.setAudited(panel, panels.filter((row) => row.panel === panel && row.audited).map((row) => row.key));
    }
  } finally {
    database.close();
  }
}
