/**
 * Attribution results (schema v3; docs/attribution.md describes the tables): per generation its steps
 * under a segmenter version, the step verifier's checks and its first error; per attributed pair (a flip
 * or a control) where the three locators point, the teacher-forced divergence in both directions (packed
 * per-token figures, never logits), every prefix-rescue continuation; per variant the KLD summary. The
 * attribute stage writes them; the report and the review UI read them.
 */
import type { DatabaseSync } from "node:sqlite";

export interface StoredSegment {
  index: number;
  kind: string;
  label?: number;
  start: number;
  end: number;
}

export interface StoredStepCheck {
  step: number;
  status: "verified" | "refuted" | "doubtful" | "unverifiable";
  claims: number;
  refuted?: { text: string; start: number; end: number; expected?: string; stated?: string; reason: string };
}

export interface StoredFirstError {
  /** Segment index; undefined when the verifier found no error. */
  step?: number;
  steps: number;
  part?: string;
  source?: string;
  kind?: string;
  reason?: string;
  category?: string;
  subtype?: string;
  certain?: boolean;
  start?: number;
  end?: number;
}

export interface GenerationVerification {
  key: string;
  segments: StoredSegment[];
  checks: StoredStepCheck[];
  firstError: StoredFirstError;
}

export type AttributionRole = "flip" | "control";
export type DivergenceKind = "confident" | "departure" | "max-drop";
export type StoredRescueOutcome = "located" | "not-reproduced" | "never";

/** Identifies an attribution unit: which pair, under which versions and settings. */
export interface AttributionIdentity {
  studyHash: string;
  model: string;
  /** The study's benchmark label. */
  benchmark: string;
  baseline: string;
  variant: string;
  problemId: string;
  baselineKey: string;
  variantKey: string;
  segmenter: string;
  verifier: string;
  settingsHash: string;
}

export interface StoredDivergence {
  direction: "forward" | "reverse";
  minFpMargin: number;
  topK: number;
  firstStep?: number;
  firstPosition?: number;
  firstWeight?: number;
  /** How the first divergence was found: fp confident there, the first top-1 departure, or the largest log-prob drop. */
  firstKind?: DivergenceKind;
  tokens: number;
  unpaired: number;
  meanKl?: number;
  maxKl?: number;
  sameTopShare?: number;
  steps: unknown[];
  /** Packed per-token figures (src/attribute/positionsCodec.ts). */
  positions: Uint8Array;
}

export interface StoredContinuation {
  side: "rescue" | "mirror";
  k: number;
  prefixEnd: number;
  status: string;
  extracted: string | null;
  finishReason: string | null;
  text: string;
}

export interface AttributionRecord extends AttributionIdentity {
  role: AttributionRole;
  settings: unknown;
  fpSteps: number;
  variantSteps: number;
  alignment: Array<[number | null, number | null]>;
  firstErrorVariantStep?: number;
  firstErrorFpStep?: number;
  firstDivergenceFpStep?: number;
  reverseDivergenceVariantStep?: number;
  firstVulnerableFpStep?: number;
  rescueOutcome?: StoredRescueOutcome;
  unrecoverableVariantStep?: number;
  mirrorOutcome?: StoredRescueOutcome;
  warnings: string[];
  ms: number;
  divergences: StoredDivergence[];
  continuations: StoredContinuation[];
}

export interface StoredAttribution extends AttributionRecord {
  id: number;
  createdAt: string;
}

export interface KldSummaryRecord {
  studyHash: string;
  model: string;
  benchmark: string;
  baseline: string;
  variant: string;
  direction: "forward" | "reverse";
  segmenter: string;
  verifier: string;
  settingsHash: string;
  texts: number;
  positions: number;
  meanKl: number | null;
  p99Kl: number | null;
  sameTopPercent: number | null;
  summary: unknown;
}

/** The key a pair is known by within one study and version: what `done` returns. */
export function attributionKey(identity: Pick<AttributionIdentity, "model" | "benchmark" | "variant" | "problemId" | "baselineKey" | "variantKey">): string {
  return [identity.model, identity.benchmark, identity.variant, identity.problemId, identity.baselineKey, identity.variantKey].join("\0");
}

const optionalNumber = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));
const finiteOrNull = (value: number | undefined): number | null => (value === undefined || !Number.isFinite(value) ? null : value);

export class AttributionTable {
  private readonly database: DatabaseSync;
  private readonly transaction: <T>(work: () => T) => T;

  constructor(database: DatabaseSync, transaction: <T>(work: () => T) => T) {
    this.database = database;
    this.transaction = transaction;
  }

  // ---- per generation: steps, checks, first error -------------------------------------------------

  hasVerification(key: string, segmenter: string, verifier: string): boolean {
    return this.database.prepare("SELECT 1 FROM first_errors WHERE generation_key = ? AND segmenter = ? AND verifier = ?").get(key, segmenter, verifier) !== undefined;
  }

  putVerification(verification: GenerationVerification, segmenter: string, verifier: string): void {
    this.transaction(() => {
      this.database
        .prepare("INSERT INTO step_segmentations (generation_key, segmenter, segments_json) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET segments_json = excluded.segments_json")
        .run(verification.key, segmenter, JSON.stringify(verification.segments));
      this.database.prepare("DELETE FROM step_checks WHERE generation_key = ? AND segmenter = ? AND verifier = ?").run(verification.key, segmenter, verifier);
      const check = this.database.prepare("INSERT INTO step_checks (generation_key, segmenter, verifier, step, status, claims, refuted_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
      for (const step of verification.checks) {
        check.run(verification.key, segmenter, verifier, step.step, step.status, step.claims, step.refuted ? JSON.stringify(step.refuted) : null);
      }
      const first = verification.firstError;
      this.database
        .prepare(
          `INSERT INTO first_errors (generation_key, segmenter, verifier, step, steps, part, source, kind, reason, category, subtype, certain, start, end)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET step = excluded.step, steps = excluded.steps, part = excluded.part, source = excluded.source,
             kind = excluded.kind, reason = excluded.reason, category = excluded.category, subtype = excluded.subtype,
             certain = excluded.certain, start = excluded.start, end = excluded.end`,
        )
        .run(
          verification.key, segmenter, verifier, first.step ?? null, first.steps, first.part ?? null, first.source ?? null, first.kind ?? null,
          first.reason ?? null, first.category ?? null, first.subtype ?? null, first.certain === undefined ? null : first.certain ? 1 : 0,
          first.start ?? null, first.end ?? null,
        );
    });
  }

  verification(key: string, segmenter: string, verifier: string): GenerationVerification | undefined {
    const first = this.database.prepare("SELECT * FROM first_errors WHERE generation_key = ? AND segmenter = ? AND verifier = ?").get(key, segmenter, verifier) as Record<string, unknown> | undefined;
    if (first === undefined) return undefined;
    const segments = this.database.prepare("SELECT segments_json FROM step_segmentations WHERE generation_key = ? AND segmenter = ?").get(key, segmenter) as { segments_json: string } | undefined;
    const checks = this.database.prepare("SELECT * FROM step_checks WHERE generation_key = ? AND segmenter = ? AND verifier = ? ORDER BY step").all(key, segmenter, verifier) as Record<string, unknown>[];
    const firstError: StoredFirstError = { steps: Number(first.steps) };
    const text = (name: string): string | undefined => (first[name] === null ? undefined : String(first[name]));
    if (first.step !== null) firstError.step = Number(first.step);
    for (const name of ["part", "source", "kind", "reason", "category", "subtype"] as const) {
      const value = text(name);
      if (value !== undefined) firstError[name] = value;
    }
    if (first.certain !== null) firstError.certain = Number(first.certain) === 1;
    if (first.start !== null) firstError.start = Number(first.start);
    if (first.end !== null) firstError.end = Number(first.end);
    return {
      key,
      segments: segments === undefined ? [] : (JSON.parse(segments.segments_json) as StoredSegment[]),
      checks: checks.map((row) => ({
        step: Number(row.step),
        status: String(row.status) as StoredStepCheck["status"],
        claims: Number(row.claims),
        ...(row.refuted_json === null ? {} : { refuted: JSON.parse(String(row.refuted_json)) as StoredStepCheck["refuted"] }),
      })),
      firstError,
    };
  }

  // ---- attributed pairs ------------------------------------------------------------------------------

  /** Keys (`attributionKey`) of the pairs of a study attributed under these versions and settings. */
  done(studyHash: string, segmenter: string, verifier: string, settingsHash: string): Set<string> {
    const rows = this.database
      .prepare("SELECT model, benchmark, variant, problem_id, baseline_key, variant_key FROM attributions WHERE study_hash = ? AND segmenter = ? AND verifier = ? AND settings_hash = ?")
      .all(studyHash, segmenter, verifier, settingsHash) as Record<string, string>[];
    return new Set(rows.map((row) => attributionKey({ model: row.model as string, benchmark: row.benchmark as string, variant: row.variant as string, problemId: row.problem_id as string, baselineKey: row.baseline_key as string, variantKey: row.variant_key as string })));
  }

  /** Stores one attributed pair with its divergences and continuations, replacing an earlier row of the same identity. */
  put(record: AttributionRecord): number {
    return this.transaction(() => {
      this.database
        .prepare(
          `DELETE FROM attributions WHERE study_hash = ? AND model = ? AND benchmark = ? AND variant = ? AND problem_id = ?
             AND baseline_key = ? AND variant_key = ? AND segmenter = ? AND verifier = ? AND settings_hash = ?`,
        )
        .run(record.studyHash, record.model, record.benchmark, record.variant, record.problemId, record.baselineKey, record.variantKey, record.segmenter, record.verifier, record.settingsHash);
      const inserted = this.database
        .prepare(
          `INSERT INTO attributions (study_hash, model, benchmark, baseline, variant, problem_id, role, baseline_key, variant_key, segmenter, verifier,
             settings_hash, settings_json, fp_steps, variant_steps, alignment_json, first_error_variant_step, first_error_fp_step,
             first_divergence_fp_step, reverse_divergence_variant_step, first_vulnerable_fp_step, rescue_outcome, unrecoverable_variant_step,
             mirror_outcome, warnings_json, ms, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          record.studyHash, record.model, record.benchmark, record.baseline, record.variant, record.problemId, record.role, record.baselineKey,
          record.variantKey, record.segmenter, record.verifier, record.settingsHash, JSON.stringify(record.settings), record.fpSteps, record.variantSteps,
          JSON.stringify(record.alignment), record.firstErrorVariantStep ?? null, record.firstErrorFpStep ?? null, record.firstDivergenceFpStep ?? null,
          record.reverseDivergenceVariantStep ?? null, record.firstVulnerableFpStep ?? null, record.rescueOutcome ?? null,
          record.unrecoverableVariantStep ?? null, record.mirrorOutcome ?? null, JSON.stringify(record.warnings), Math.round(record.ms), new Date().toISOString(),
        );
      const id = Number(inserted.lastInsertRowid);
      const divergence = this.database.prepare(
        `INSERT INTO divergences (attribution_id, direction, min_fp_margin, top_k, first_step, first_position, first_weight, first_kind, tokens, unpaired,
           mean_kl, max_kl, same_top_share, steps_json, positions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const entry of record.divergences) {
        divergence.run(
          id, entry.direction, entry.minFpMargin, entry.topK, entry.firstStep ?? null, entry.firstPosition ?? null, finiteOrNull(entry.firstWeight),
          entry.firstKind ?? null, entry.tokens, entry.unpaired, finiteOrNull(entry.meanKl), finiteOrNull(entry.maxKl), finiteOrNull(entry.sameTopShare), JSON.stringify(entry.steps), entry.positions,
        );
      }
      const continuation = this.database.prepare(
        "INSERT INTO rescue_continuations (attribution_id, side, k, prefix_end, status, extracted, finish_reason, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      );
      for (const entry of record.continuations) {
        continuation.run(id, entry.side, entry.k, entry.prefixEnd, entry.status, entry.extracted, entry.finishReason, entry.text);
      }
      return id;
    });
  }

  /** The attributed pairs of a study under these versions and settings, in a stable order (with divergences and continuations). */
  list(studyHash: string, segmenter: string, verifier: string, settingsHash: string, options: { positions?: boolean } = {}): StoredAttribution[] {
    const rows = this.database
      .prepare("SELECT * FROM attributions WHERE study_hash = ? AND segmenter = ? AND verifier = ? AND settings_hash = ? ORDER BY model, benchmark, variant, role DESC, problem_id")
      .all(studyHash, segmenter, verifier, settingsHash) as Record<string, unknown>[];
    const divergences = this.database.prepare(`SELECT * FROM divergences WHERE attribution_id = ? ORDER BY direction`);
    const continuations = this.database.prepare("SELECT * FROM rescue_continuations WHERE attribution_id = ? ORDER BY side DESC, k");
    return rows.map((row) => {
      const id = Number(row.id);
      const record: StoredAttribution = {
        id,
        studyHash: String(row.study_hash),
        model: String(row.model),
        benchmark: String(row.benchmark),
        baseline: String(row.baseline),
        variant: String(row.variant),
        problemId: String(row.problem_id),
        role: String(row.role) as AttributionRole,
        baselineKey: String(row.baseline_key),
        variantKey: String(row.variant_key),
        segmenter: String(row.segmenter),
        verifier: String(row.verifier),
        settingsHash: String(row.settings_hash),
        settings: JSON.parse(String(row.settings_json)),
        fpSteps: Number(row.fp_steps),
        variantSteps: Number(row.variant_steps),
        alignment: JSON.parse(String(row.alignment_json)) as Array<[number | null, number | null]>,
        warnings: JSON.parse(String(row.warnings_json)) as string[],
        ms: Number(row.ms),
        createdAt: String(row.created_at),
        divergences: (divergences.all(id) as Record<string, unknown>[]).map((entry) => {
          const stored: StoredDivergence = {
            direction: String(entry.direction) as StoredDivergence["direction"],
            minFpMargin: Number(entry.min_fp_margin),
            topK: Number(entry.top_k),
            tokens: Number(entry.tokens),
            unpaired: Number(entry.unpaired),
            steps: JSON.parse(String(entry.steps_json)) as unknown[],
            positions: options.positions === false ? new Uint8Array(0) : new Uint8Array(entry.positions as Uint8Array),
          };
          const numbers = { firstStep: entry.first_step, firstPosition: entry.first_position, firstWeight: entry.first_weight, meanKl: entry.mean_kl, maxKl: entry.max_kl, sameTopShare: entry.same_top_share };
          for (const [name, value] of Object.entries(numbers)) {
            const number = optionalNumber(value);
            if (number !== undefined) (stored as unknown as Record<string, number>)[name] = number;
          }
          if (entry.first_kind !== null) stored.firstKind = String(entry.first_kind) as DivergenceKind;
          return stored;
        }),
        continuations: (continuations.all(id) as Record<string, unknown>[]).map((entry) => ({
          side: String(entry.side) as StoredContinuation["side"],
          k: Number(entry.k),
          prefixEnd: Number(entry.prefix_end),
          status: String(entry.status),
          extracted: entry.extracted === null ? null : String(entry.extracted),
          finishReason: entry.finish_reason === null ? null : String(entry.finish_reason),
          text: String(entry.text),
        })),
      };
      const steps = {
        firstErrorVariantStep: row.first_error_variant_step, firstErrorFpStep: row.first_error_fp_step, firstDivergenceFpStep: row.first_divergence_fp_step,
        reverseDivergenceVariantStep: row.reverse_divergence_variant_step, firstVulnerableFpStep: row.first_vulnerable_fp_step, unrecoverableVariantStep: row.unrecoverable_variant_step,
      };
      for (const [name, value] of Object.entries(steps)) {
        const number = optionalNumber(value);
        if (number !== undefined) (record as unknown as Record<string, number>)[name] = number;
      }
      if (row.rescue_outcome !== null) record.rescueOutcome = String(row.rescue_outcome) as StoredRescueOutcome;
      if (row.mirror_outcome !== null) record.mirrorOutcome = String(row.mirror_outcome) as StoredRescueOutcome;
      return record;
    });
  }

  /** The versions and settings of the study's most recently stored attribution (what reports read). */
  latestVersion(studyHash: string): { segmenter: string; verifier: string; settingsHash: string } | undefined {
    const row = this.database.prepare("SELECT segmenter, verifier, settings_hash FROM attributions WHERE study_hash = ? ORDER BY id DESC LIMIT 1").get(studyHash) as Record<string, string> | undefined;
    return row === undefined ? undefined : { segmenter: String(row.segmenter), verifier: String(row.verifier), settingsHash: String(row.settings_hash) };
  }

  /** Changes whenever an attribution of the study is stored (the report's staleness check; KLD summaries follow from them). */
  stateToken(studyHash: string): string {
    const row = this.database.prepare("SELECT count(*) AS n, coalesce(max(id), 0) AS top FROM attributions WHERE study_hash = ?").get(studyHash) as { n: number; top: number };
    return `${row.n}:${row.top}`;
  }

  // ---- per-variant KLD summaries -----------------------------------------------------------------

  putKldSummary(summary: KldSummaryRecord): void {
    this.database
      .prepare(
        `INSERT INTO kld_summaries (study_hash, model, benchmark, baseline, variant, direction, segmenter, verifier, settings_hash, texts, positions,
           mean_kl, p99_kl, same_top_percent, summary_json, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET texts = excluded.texts, positions = excluded.positions, mean_kl = excluded.mean_kl, p99_kl = excluded.p99_kl,
           same_top_percent = excluded.same_top_percent, summary_json = excluded.summary_json, computed_at = excluded.computed_at`,
      )
      .run(
        summary.studyHash, summary.model, summary.benchmark, summary.baseline, summary.variant, summary.direction, summary.segmenter, summary.verifier,
        summary.settingsHash, summary.texts, summary.positions, finiteOrNull(summary.meanKl ?? undefined), finiteOrNull(summary.p99Kl ?? undefined),
        finiteOrNull(summary.sameTopPercent ?? undefined), JSON.stringify(summary.summary), new Date().toISOString(),
      );
  }

  kldSummaries(studyHash: string, segmenter: string, verifier: string, settingsHash: string): KldSummaryRecord[] {
    const rows = this.database
      .prepare("SELECT * FROM kld_summaries WHERE study_hash = ? AND segmenter = ? AND verifier = ? AND settings_hash = ? ORDER BY model, benchmark, variant, direction")
      .all(studyHash, segmenter, verifier, settingsHash) as Record<string, unknown>[];
    return rows.map((row) => ({
      studyHash: String(row.study_hash),
      model: String(row.model),
      benchmark: String(row.benchmark),
      baseline: String(row.baseline),
      variant: String(row.variant),
      direction: String(row.direction) as KldSummaryRecord["direction"],
      segmenter: String(row.segmenter),
      verifier: String(row.verifier),
      settingsHash: String(row.settings_hash),
      texts: Number(row.texts),
      positions: Number(row.positions),
      meanKl: row.mean_kl === null ? null : Number(row.mean_kl),
      p99Kl: row.p99_kl === null ? null : Number(row.p99_kl),
      sameTopPercent: row.same_top_percent === null ? null : Number(row.same_top_percent),
      summary: JSON.parse(String(row.summary_json)),
    }));
  }

  /** Pairing facts of generations graded by `grader`: problem, sample index, status (input order; graded results only). */
  graded(keys: readonly string[], grader: string): Array<{ key: string; problemId: string; benchmark: string; sampleIndex: number; status: string }> {
    if (keys.length === 0) return [];
    const rows = this.database
      .prepare(
        `SELECT g.key, g.problem_id, g.benchmark, g.sample_index, r.status FROM json_each(?) AS k
         JOIN generations g ON g.key = k.value AND g.status = 'ok'
         JOIN grades r ON r.generation_key = g.key AND r.grader = ?
         ORDER BY k.key`,
      )
      .all(JSON.stringify(keys), grader) as Record<string, unknown>[];
    return rows.map((row) => ({ key: String(row.key), problemId: String(row.problem_id), benchmark: String(row.benchmark), sampleIndex: Number(row.sample_index), status: String(row.status) }));
  }
}
