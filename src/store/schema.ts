/**
 * The run store's schema, as an ordered list of migrations. `PRAGMA user_version` holds the version a
 * database is at; opening it applies the missing migrations, each in its own transaction. Migrations
 * only add (tables, columns, indexes): a user's stored generations are never dropped or rewritten.
 * A database at a newer version than this code knows is refused, never downgraded.
 */
import type { DatabaseSync } from "node:sqlite";
import { QreasonError } from "../errors.ts";

/** `PRAGMA application_id` of a qreason run store: "qrsn". Tells our files from other SQLite files. */
export const APPLICATION_ID = 0x7172736e;

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "study, problems, variants, prompts, generations, grades, judgments, reviews",
    sql: `
      CREATE TABLE study (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        source_file TEXT,
        resolved_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      CREATE TABLE problems (
        benchmark TEXT NOT NULL,
        problem_id TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        solution TEXT,
        level INTEGER,
        subject TEXT,
        meta_json TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (benchmark, problem_id)
      );

      CREATE TABLE variants (
        model TEXT NOT NULL,
        name TEXT NOT NULL,
        recipe_hash TEXT NOT NULL,
        kind TEXT NOT NULL,
        recipe_json TEXT NOT NULL,
        model_identity TEXT,
        artifact_path TEXT,
        manifest_json TEXT,
        provenance_json TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (model, name, recipe_hash)
      );

      -- Rendered prompts, stored once: every variant of a model sees the same prompt for a problem.
      CREATE TABLE prompts (
        hash TEXT PRIMARY KEY,
        prompt_json TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE generations (
        key TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
        model TEXT NOT NULL,
        variant TEXT NOT NULL,
        variant_hash TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        problem_id TEXT NOT NULL,
        sample_index INTEGER NOT NULL,
        seed INTEGER NOT NULL,
        backend_kind TEXT NOT NULL,
        backend_version TEXT NOT NULL,
        prompt_hash TEXT NOT NULL REFERENCES prompts (hash),
        sampling_json TEXT NOT NULL,
        text TEXT,
        finish_reason TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        warnings_json TEXT,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 1,
        latency_ms REAL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- A result is text without an error; a failure is an error without text. Never a mix.
        CHECK ((status = 'ok' AND text IS NOT NULL AND error IS NULL) OR (status = 'error' AND error IS NOT NULL AND text IS NULL))
      );
      CREATE INDEX generations_by_cell ON generations (model, variant, benchmark, status);

      CREATE TABLE grades (
        generation_key TEXT NOT NULL REFERENCES generations (key),
        grader TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('correct', 'wrong', 'no_answer', 'unparsable', 'timeout')),
        extracted TEXT,
        reason TEXT,
        graded_at TEXT NOT NULL,
        PRIMARY KEY (generation_key, grader)
      ) WITHOUT ROWID;

      -- Filled by the attribution stage: one judge's structured verdict on one generation.
      CREATE TABLE judgments (
        id INTEGER PRIMARY KEY,
        generation_key TEXT NOT NULL REFERENCES generations (key),
        judge TEXT NOT NULL,
        verdict_json TEXT NOT NULL,
        first_error_step INTEGER,
        category TEXT,
        subtype TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (generation_key, judge)
      );

      -- Filled by the review UI: a person's verdict, kept beside (never over) the judges'.
      CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        generation_key TEXT NOT NULL REFERENCES generations (key),
        reviewer TEXT NOT NULL,
        verdict_json TEXT NOT NULL,
        first_error_step INTEGER,
        category TEXT,
        subtype TEXT,
        note TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX reviews_by_generation ON reviews (generation_key);
    `,
  },
  {
    version: 2,
    description: "stages: the plan, cells and their generation keys, compare results, stage runs, grader versions",
    sql: `
      -- The plan a study expanded to (variants, jobs, comparisons), beside the resolved study.
      ALTER TABLE study ADD COLUMN plan_json TEXT;

      -- Where the run directory stands: the study it runs now, and the grader whose grades reports read.
      CREATE TABLE run_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        study_hash TEXT NOT NULL REFERENCES study (hash),
        study_file TEXT,
        grader TEXT,
        qreason_version TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        interrupted INTEGER NOT NULL DEFAULT 0 CHECK (interrupted IN (0, 1)),
        updated_at TEXT NOT NULL
      );

      -- One cell per (study, model, variant, benchmark label): what the plan asks of it, in plan order.
      -- Its generation keys are known once the variant's backend facts are (cell_keys; none until then).
      CREATE TABLE cells (
        id INTEGER PRIMARY KEY,
        study_hash TEXT NOT NULL REFERENCES study (hash),
        position INTEGER NOT NULL,
        model TEXT NOT NULL,
        variant TEXT NOT NULL,
        recipe_hash TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        planned INTEGER NOT NULL,
        facts_json TEXT,
        stopped TEXT,
        updated_at TEXT NOT NULL,
        UNIQUE (study_hash, model, variant, benchmark)
      );

      CREATE TABLE cell_keys (
        cell_id INTEGER NOT NULL REFERENCES cells (id),
        position INTEGER NOT NULL,
        generation_key TEXT NOT NULL,
        PRIMARY KEY (cell_id, position)
      ) WITHOUT ROWID;
      CREATE INDEX cell_keys_by_key ON cell_keys (generation_key);

      -- The compare stage's statistics for one planned comparison under one grader. inputs_hash covers the
      -- paired grades and the settings: when they change the row is computed again.
      CREATE TABLE comparisons (
        study_hash TEXT NOT NULL REFERENCES study (hash),
        grader TEXT NOT NULL,
        position INTEGER NOT NULL,
        model TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        baseline TEXT NOT NULL,
        variant TEXT NOT NULL,
        inputs_hash TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        result_json TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (study_hash, grader, model, benchmark, baseline, variant)
      ) WITHOUT ROWID;

      -- Every time a stage ran: when, how it ended, what it counted.
      CREATE TABLE stage_runs (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        study_hash TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('running', 'done', 'interrupted', 'failed')),
        counts_json TEXT NOT NULL DEFAULT '{}',
        message TEXT,
        qreason_version TEXT
      );
      CREATE INDEX stage_runs_by_stage ON stage_runs (stage, id);

      -- What each grader version named in grades was made of (its sources' hash, the CAS version).
      CREATE TABLE graders (
        name TEXT PRIMARY KEY,
        sources_hash TEXT NOT NULL,
        cas_version TEXT NOT NULL,
        files INTEGER NOT NULL,
        first_used_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    description: "attribution: step segmentations and checks, first errors, divergence, prefix rescue, KLD summaries",
    sql: `
      -- A generation's steps under one segmenter version (src/steps/segment.ts): [{index, kind, label?, start, end}].
      CREATE TABLE step_segmentations (
        generation_key TEXT NOT NULL REFERENCES generations (key),
        segmenter TEXT NOT NULL,
        segments_json TEXT NOT NULL,
        PRIMARY KEY (generation_key, segmenter)
      ) WITHOUT ROWID;

      -- The deterministic step verifier's result per step of a generation (segment index = step).
      CREATE TABLE step_checks (
        generation_key TEXT NOT NULL REFERENCES generations (key),
        segmenter TEXT NOT NULL,
        verifier TEXT NOT NULL,
        step INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('verified', 'refuted', 'doubtful', 'unverifiable')),
        claims INTEGER NOT NULL,
        -- The step's refuted claim, if any: {text, start, end, expected, stated, reason}.
        refuted_json TEXT,
        PRIMARY KEY (generation_key, segmenter, verifier, step)
      ) WITHOUT ROWID;

      -- A generation's first error (src/attribute/firstError.ts); step NULL when none was found.
      CREATE TABLE first_errors (
        generation_key TEXT NOT NULL REFERENCES generations (key),
        segmenter TEXT NOT NULL,
        verifier TEXT NOT NULL,
        step INTEGER,
        steps INTEGER NOT NULL,
        part TEXT,
        source TEXT,
        kind TEXT,
        reason TEXT,
        category TEXT,
        subtype TEXT,
        certain INTEGER,
        start INTEGER,
        end INTEGER,
        PRIMARY KEY (generation_key, segmenter, verifier)
      ) WITHOUT ROWID;

      -- One attributed pair: a flip (baseline right, variant wrong) or a control (both right), sample 0 of
      -- each side, under one segmenter, verifier and settings. Step numbers are segment indices: *_fp_step
      -- in the baseline's solution, *_variant_step in the variant's. NULL: that locator found nothing.
      CREATE TABLE attributions (
        id INTEGER PRIMARY KEY,
        study_hash TEXT NOT NULL REFERENCES study (hash),
        model TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        baseline TEXT NOT NULL,
        variant TEXT NOT NULL,
        problem_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('flip', 'control')),
        baseline_key TEXT NOT NULL REFERENCES generations (key),
        variant_key TEXT NOT NULL REFERENCES generations (key),
        segmenter TEXT NOT NULL,
        verifier TEXT NOT NULL,
        settings_hash TEXT NOT NULL,
        settings_json TEXT NOT NULL,
        fp_steps INTEGER NOT NULL,
        variant_steps INTEGER NOT NULL,
        -- The step alignment: [[fp segment|null, variant segment|null], ...].
        alignment_json TEXT NOT NULL,
        first_error_variant_step INTEGER,
        first_error_fp_step INTEGER,
        first_divergence_fp_step INTEGER,
        reverse_divergence_variant_step INTEGER,
        first_vulnerable_fp_step INTEGER,
        rescue_outcome TEXT CHECK (rescue_outcome IN ('located', 'not-reproduced', 'never')),
        unrecoverable_variant_step INTEGER,
        mirror_outcome TEXT CHECK (mirror_outcome IN ('located', 'not-reproduced', 'never')),
        warnings_json TEXT NOT NULL DEFAULT '[]',
        ms INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (study_hash, model, benchmark, variant, problem_id, baseline_key, variant_key, segmenter, verifier, settings_hash)
      );
      CREATE INDEX attributions_by_variant ON attributions (study_hash, model, benchmark, variant, role);

      -- Teacher-forced divergence of one attribution in one direction (forward: both models scored on fp's
      -- solution; reverse: on the variant's). first_*: the first step with a token where fp was confident and
      -- the variant left fp's token (forward) or fp objected to the variant's (reverse); else the fallbacks of first_kind. steps_json: per segment {segment, tokens, meanKl, maxKl,
      -- sameTopShare, divergent, weight, fpMargin, variantMargin} (mean margins). positions: per token, packed
      -- little-endian (divergenceCodec.ts): offsets, KL, both margins, both target probabilities, flags. No logits.
      CREATE TABLE divergences (
        attribution_id INTEGER NOT NULL REFERENCES attributions (id) ON DELETE CASCADE,
        direction TEXT NOT NULL CHECK (direction IN ('forward', 'reverse')),
        min_fp_margin REAL NOT NULL,
        top_k INTEGER NOT NULL,
        first_step INTEGER,
        first_position INTEGER,
        first_weight REAL,
        -- confident: fp was confident there (margin >= min_fp_margin); departure: the first top-1 departure, fp
        -- unsure at every one; max-drop: no top-1 departure at all, the step of the largest log-prob drop.
        first_kind TEXT CHECK (first_kind IN ('confident', 'departure', 'max-drop')),
        tokens INTEGER NOT NULL,
        unpaired INTEGER NOT NULL,
        mean_kl REAL,
        max_kl REAL,
        same_top_share REAL,
        steps_json TEXT NOT NULL,
        positions BLOB NOT NULL,
        PRIMARY KEY (attribution_id, direction)
      ) WITHOUT ROWID;

      -- Prefix rescue (side 'rescue': the variant continues fp's solution cut after step k) and its mirror
      -- (side 'mirror': fp continues the variant's solution cut after step k): every continuation asked.
      CREATE TABLE rescue_continuations (
        attribution_id INTEGER NOT NULL REFERENCES attributions (id) ON DELETE CASCADE,
        side TEXT NOT NULL CHECK (side IN ('rescue', 'mirror')),
        k INTEGER NOT NULL,
        prefix_end INTEGER NOT NULL,
        status TEXT NOT NULL,
        extracted TEXT,
        finish_reason TEXT,
        text TEXT NOT NULL,
        PRIMARY KEY (attribution_id, side, k)
      ) WITHOUT ROWID;

      -- Per-variant KL summary over every attributed pair (llama.cpp's figures: mean KL, p99, same top-1 %),
      -- recomputed from the divergences' positions when the stage finishes.
      CREATE TABLE kld_summaries (
        study_hash TEXT NOT NULL REFERENCES study (hash),
        model TEXT NOT NULL,
        benchmark TEXT NOT NULL,
        baseline TEXT NOT NULL,
        variant TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('forward', 'reverse')),
        segmenter TEXT NOT NULL,
        verifier TEXT NOT NULL,
        settings_hash TEXT NOT NULL,
        texts INTEGER NOT NULL,
        positions INTEGER NOT NULL,
        mean_kl REAL,
        p99_kl REAL,
        same_top_percent REAL,
        summary_json TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (study_hash, model, benchmark, baseline, variant, direction, segmenter, verifier, settings_hash)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Restore (issue 16): after attribution's v3.
    version: 4,
    description: "restore: mined pair sets, trained adapters, restoration results",
    sql: `
      -- One mined pair set (pairs of one variant, or of one error category for the ablation): where its
      -- files are, their sha256, and the mining counts (leakage, dedup, strata).
      CREATE TABLE restore_pair_sets (
        study_hash TEXT NOT NULL REFERENCES study (hash),
        model TEXT NOT NULL,
        variant TEXT NOT NULL,
        name TEXT NOT NULL,
        grader TEXT NOT NULL,
        pairs INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        file TEXT NOT NULL,
        counts_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (study_hash, model, variant, name)
      ) WITHOUT ROWID;

      -- A trained adapter: its recipe (strict engine JSON) and hash, the pairs it trained on, where it is,
      -- its llama.cpp LoRA GGUF for a GGUF variant, and the engine's train.json (metrics, seconds, versions).
      CREATE TABLE restore_adapters (
        model TEXT NOT NULL,
        variant TEXT NOT NULL,
        name TEXT NOT NULL,
        recipe_hash TEXT NOT NULL,
        recipe_json TEXT NOT NULL,
        pairs_sha256 TEXT NOT NULL,
        adapter_path TEXT NOT NULL,
        lora_gguf TEXT,
        adapter_sha256 TEXT NOT NULL,
        train_json TEXT NOT NULL,
        trained_at TEXT NOT NULL,
        PRIMARY KEY (model, variant, name, recipe_hash)
      ) WITHOUT ROWID;

      -- The restoration table of one variant under one grader (fp, variant, each method; recovered fraction,
      -- paired tests), with a hash of the grades it was computed from.
      CREATE TABLE restore_results (
        study_hash TEXT NOT NULL REFERENCES study (hash),
        grader TEXT NOT NULL,
        model TEXT NOT NULL,
        variant TEXT NOT NULL,
        inputs_hash TEXT NOT NULL,
        result_json TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (study_hash, grader, model, variant)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Reviews (issue 15): after restore's v4.
    version: 5,
    description: "reviews: a person's accept or override of a flip's label, what was proposed, the segmenter its step counts in",
    sql: `
      -- v1 made the reviews table (generation key, reviewer, verdict, first error step, category, subtype,
      -- note, time); the review UI (qreason view) fills it. Rows are only added: the latest row of a key
      -- is its human label, earlier ones are its history.
      ALTER TABLE reviews ADD COLUMN action TEXT CHECK (action IN ('accept', 'override'));
      -- The label the page proposed when the person decided (source panel / verifier / none, step, category, subtype).
      ALTER TABLE reviews ADD COLUMN proposal_json TEXT;
      -- What first_error_step counts: segments of src/steps' segmenter of this version, 0-based; -1 = no error.
      ALTER TABLE reviews ADD COLUMN segmenter TEXT;
      -- The baseline generation the variant's flip was against.
      ALTER TABLE reviews ADD COLUMN baseline_key TEXT;
      CREATE INDEX reviews_by_time ON reviews (created_at, id);
    `,
  },
  {
    // Judges (issue 14): v6, after restore's v4 and the reviews' v5 (the coordination plan's order).
    version: 6,
    description: "judges: per-judge verdicts with usage, panel decisions, the human review queue, run summaries, calibrations",
    sql: `
      -- One judge's outcome on one generation: a verdict, an invalid verdict (its own counted outcome, never
      -- scored), or a backend error (pending again on the next run). identity = model id | prompt id: a
      -- changed model or prompt judges again, beside the old rows.
      CREATE TABLE judge_verdicts (
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

      -- The panel's decision on one judged generation (a flip: the baseline variant solved the problem,
      -- this one did not). panel = hash of the members' identities, the baseline and the verifier setting.
      CREATE TABLE judge_panels (
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
      CREATE INDEX judge_panels_by_study ON judge_panels (study_hash, panel, model, variant);

      -- What a person should look at: panel conflicts, the seeded audit sample, possible grader false rejects.
      CREATE TABLE judge_queue (
        generation_key TEXT NOT NULL REFERENCES generations (key),
        panel TEXT NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('conflict', 'audit', 'possible_false_reject')),
        detail TEXT,
        queued_at TEXT NOT NULL,
        PRIMARY KEY (generation_key, panel, reason)
      ) WITHOUT ROWID;

      -- The judge stage's run-level results for one study and panel: agreement, position bias, usage per judge.
      CREATE TABLE judge_summaries (
        study_hash TEXT NOT NULL,
        panel TEXT NOT NULL,
        panel_json TEXT NOT NULL,
        summary_json TEXT NOT NULL,
        computed_at TEXT NOT NULL,
        PRIMARY KEY (study_hash, panel)
      ) WITHOUT ROWID;

      -- \`qreason judge calibrate\`: each judge's answer on each labelled sample (resumable), and the scored result.
      CREATE TABLE judge_calibration_votes (
        identity TEXT NOT NULL,
        dataset TEXT NOT NULL,
        sample_id TEXT NOT NULL,
        subset TEXT NOT NULL,
        label INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('verdict', 'invalid', 'error')),
        prediction INTEGER,
        category TEXT,
        subtype TEXT,
        confidence REAL,
        reason TEXT,
        attempts INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (identity, dataset, sample_id)
      ) WITHOUT ROWID;

      CREATE TABLE judge_calibrations (
        id INTEGER PRIMARY KEY,
        judge TEXT NOT NULL,
        identity TEXT NOT NULL,
        dataset TEXT NOT NULL,
        selection_json TEXT NOT NULL,
        samples INTEGER NOT NULL,
        mean_f1 REAL,
        result_json TEXT NOT NULL,
        command TEXT,
        qreason_version TEXT,
        computed_at TEXT NOT NULL
      );
      CREATE INDEX judge_calibrations_by_judge ON judge_calibrations (identity, dataset, id);
    `,
  },
];

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));

function pragmaNumber(database: DatabaseSync, name: string): number {
  const row = database.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return Number(row?.[name] ?? 0);
}

/**
 * The version `database` is at, after checking it is ours to open: a new empty file, or a qreason store
 * no newer than `migrations` know. Reads only: a file that fails is left exactly as it was.
 */
export function checkStore(database: DatabaseSync, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = Math.max(...migrations.map((migration) => migration.version));
  const current = pragmaNumber(database, "user_version");
  const applicationId = pragmaNumber(database, "application_id");
  if (applicationId !== APPLICATION_ID) {
    const tables = database.prepare("SELECT count(*) AS count FROM sqlite_schema").get() as { count: number };
    if (applicationId !== 0 || current !== 0 || tables.count > 0) {
      throw new QreasonError("E_STORE", "this SQLite file is not a qreason run store; refusing to touch it", { file });
    }
  }
  if (current > latest) {
    throw new QreasonError(
      "E_STORE",
      `this run store has schema version ${current}, newer than the ${latest} this qreason knows; upgrade qreason to open it`,
      { file },
    );
  }
  return current;
}

/** Brings a checked `database` to the newest version in `migrations`, one transaction per migration. */
export function migrate(database: DatabaseSync, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = checkStore(database, file, migrations);
  const latest = Math.max(...migrations.map((migration) => migration.version));
  for (const migration of [...migrations].sort((left, right) => left.version - right.version)) {
    if (migration.version <= current) continue;
    database.exec("BEGIN IMMEDIATE");
    try {
      database.exec(migration.sql);
      database.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
      database.exec(`PRAGMA user_version = ${migration.version}`);
      database.exec("COMMIT");
    } catch (error) {
      if (database.isTransaction) database.exec("ROLLBACK"); // not after a full disk: SQLite rolled back itself
      throw new QreasonError("E_STORE", `migrating the run store to version ${migration.version} failed: ${(error as Error).message}`, { file }, { cause: error });
    }
  }
  return latest;
}
