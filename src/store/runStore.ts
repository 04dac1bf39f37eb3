/**
 * The run store: one SQLite database per run directory (node:sqlite, no native build). Every stage
 * reads and writes it, so any stage can be re-run alone and an interrupted run resumes where it stopped.
 *
 * Durability: WAL journal with synchronous=NORMAL. A committed transaction survives the process being
 * killed (kill -9, Ctrl-C, a crashed backend); on power loss the last few commits may roll back, but the
 * database stays consistent. Writes are batched: one transaction per batch of generations.
 */
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { BackendKind, ChatMessage, FinishReason, GenerateResult, SamplingParams } from "../backends/types.ts";
import type { Problem } from "../data/types.ts";
import { QreasonError } from "../errors.ts";
import { canonicalJson } from "./canonical.ts";
import { CellTable } from "./cells.ts";
import { ComparisonTable } from "./comparisons.ts";
import { JudgeTable } from "./judges.ts";
import { promptHash } from "./keys.ts";
import { importRunRecord, readRunRecordFile, RUN_RECORD_FILE } from "./runRecord.ts";
import { ReviewTable } from "./reviews.ts";
import { RunStateTable } from "./runState.ts";
import { MIGRATIONS, checkStore, migrate, type Migration } from "./schema.ts";
import { RestoreTable } from "./restore.ts";
import { StageRunTable } from "./stageRuns.ts";
import { AttributionTable } from "./attribution.ts";

export const RUN_STORE_FILE = "qreason.sqlite";

export type GradeStatus = "correct" | "wrong" | "no_answer" | "unparsable" | "timeout";

/** Which (problem, variant, sample) a generation belongs to, and its content key. */
export interface GenerationIdentity {
  key: string;
  model: string;
  variant: string;
  benchmark: string;
  problemId: string;
  sampleIndex: number;
}

/** What one backend call for one (problem, variant, sample) produced: a result or an error. */
export interface GenerationRecord extends GenerationIdentity {
  variantHash: string;
  backendKind: BackendKind;
  backendVersion: string;
  prompt: string | ChatMessage[];
  sampling: SamplingParams;
  outcome: { status: "ok"; result: GenerateResult } | { status: "error"; error: string };
  latencyMs?: number;
}

/** A stored successful generation. Failures are never returned as one. */
export interface StoredGeneration extends GenerationIdentity {
  variantHash: string;
  seed: number;
  backendKind: BackendKind;
  backendVersion: string;
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  warnings: string[];
  attempts: number;
  latencyMs: number | null;
  createdAt: string;
}

export interface StoredFailure extends GenerationIdentity {
  error: string;
  attempts: number;
  updatedAt: string;
}

export interface GradeRecord {
  generationKey: string;
  /** Grader name and version: a new grader grades again beside the old grades. */
  grader: string;
  status: GradeStatus;
  extracted: string | null;
  reason?: string;
}

/** A graded generation joined with its problem: what the comparison statistics read. */
export interface GradedSample {
  key: string;
  benchmark: string;
  problemId: string;
  sampleIndex: number;
  status: GradeStatus;
  extracted: string | null;
  completionTokens: number;
  finishReason: FinishReason;
  text: string;
  level?: number;
  subject?: string;
}

export interface VariantRecord {
  model: string;
  name: string;
  recipeHash: string;
  kind: string;
  recipe: unknown;
  modelIdentity?: string;
}

export interface StoredVariant extends VariantRecord {
  artifactPath: string | null;
  manifest: unknown;
  provenance: unknown;
  createdAt: string;
  updatedAt: string;
}

export interface StoredStudy {
  hash: string;
  name: string;
  sourceFile: string | null;
  resolved: unknown;
  createdAt: string;
}

export interface OpenRunStoreOptions {
  readOnly?: boolean;
  /** For tests of the migration mechanism only. */
  migrations?: readonly Migration[];
}

export interface StoreCounts {
  generations: number;
  failures: number;
  grades: number;
  problems: number;
  variants: number;
}

interface Statements {
  insertPrompt: StatementSync;
  upsertGeneration: StatementSync;
  pending: StatementSync;
  generationsByKeys: StatementSync;
  failures: StatementSync;
  upsertGrade: StatementSync;
  gradedSamples: StatementSync;
  upsertProblem: StatementSync;
}

const now = (): string => new Date().toISOString();

/** How long a statement waits for another connection's lock before SQLite gives up (SQLITE_BUSY). */
export const STORE_BUSY_TIMEOUT_MS = 5000;

/**
 * What node:sqlite reports about the store's surroundings, as the user's error naming the store: "database is
 * locked" (SQLITE_BUSY / SQLITE_LOCKED, after the busy timeout: another program holds a lock) is E_BUSY;
 * "database or disk is full" (SQLITE_FULL) is E_OUTPUT. Nothing is lost: the statement's transaction rolled
 * back. Undefined for any other error.
 */
export function storeEnvironmentError(error: unknown, file: string): QreasonError | undefined {
  const errcode = (error as { errcode?: unknown } | undefined)?.errcode;
  if (typeof errcode !== "number") return undefined;
  const primary = errcode & 0xff;
  if (primary === 5 || primary === 6) {
    return new QreasonError(
      "E_BUSY",
      `the run store is locked by another program (waited ${STORE_BUSY_TIMEOUT_MS / 1000} s): close whatever has it open (an sqlite3 shell, a database browser) and run the same command again; what is stored is kept`,
      { file },
      { cause: error },
    );
  }
  if (primary === 13) {
    return new QreasonError("E_OUTPUT", "the disk holding the run store is full: free some space and run the same command again; what is stored is kept", { file }, { cause: error });
  }
  return undefined;
}

/**
 * A store file that exists with 0 bytes (and no write-ahead log holding its pages) was truncated: a full
 * disk, a copy cut short, `> qreason.sqlite`. SQLite would open it as a new, empty store, and the next
 * report would overwrite the run's report files, the only copy of its results left. Refused instead.
 */
function refuseEmptiedStore(file: string): void {
  const size = (name: string): number => {
    try {
      return statSync(name).size;
    } catch {
      return -1;
    }
  };
  if (size(file) !== 0 || size(`${file}-wal`) > 0) return;
  throw new QreasonError(
    "E_STORE",
    "the run store is an empty file (0 bytes: truncated?); refusing to start it over beside this run's report files. Restore it from a backup, or move it away (and the report files with it) to run the study afresh",
    { file },
  );
}

/** Opens (creating if needed) the store of `runDirectory`. */
export function openRunStore(runDirectory: string, options: OpenRunStoreOptions = {}): RunStore {
  if (!options.readOnly) mkdirSync(runDirectory, { recursive: true });
  return RunStore.openFile(path.join(runDirectory, RUN_STORE_FILE), options);
}

/**
 * Opens the store of an existing run directory (upgrading an older schema); E_NOT_FOUND, creating
 * nothing, when the directory has no store.
 */
export function openRunDirectory(runDirectory: string): RunStore {
  const file = path.join(runDirectory, RUN_STORE_FILE);
  if (!existsSync(file)) {
    throw new QreasonError("E_NOT_FOUND", `not a run directory (no ${RUN_STORE_FILE}): run \`qreason run <study.yaml>\` first`, { file: runDirectory });
  }
  return RunStore.openFile(file);
}

export class RunStore {
  readonly file: string;
  readonly schemaVersion: number;
  /** The study and plan the run directory runs now, the grader reports read, grader versions (v2). */
  readonly state: RunStateTable;
  /** Cells of each plan and their generation keys (v2). */
  readonly cells: CellTable;
  /** Compare results per study and grader (v2). */
  readonly comparisons: ComparisonTable;
  /** Every stage run: when, outcome, counts (v2). */
  readonly stageRuns: StageRunTable;
  /** Human labels from the review UI (schema v5 columns on v1's reviews table). */
  readonly reviews: ReviewTable;
  /** Steps, step checks, first errors, attributed pairs, divergences, prefix rescue, KLD summaries (v3). */
  readonly attribution: AttributionTable;
  /** Restore: mined pair sets, trained adapters, restoration results (v4). */
  readonly restore: RestoreTable;
  /** Judge verdicts, panel decisions, the review queue, summaries and calibrations (the judges migration). */
  readonly judges: JudgeTable;
  private readonly database: DatabaseSync;
  private readonly statements: Statements;

  private constructor(file: string, database: DatabaseSync, schemaVersion: number) {
    this.file = file;
    this.database = database;
    this.schemaVersion = schemaVersion;
    this.statements = prepareStatements(database);
    this.state = new RunStateTable(database);
    this.cells = new CellTable(database, file, (work) => this.transaction(work));
    this.comparisons = new ComparisonTable(database);
    this.stageRuns = new StageRunTable(database);
    this.reviews = new ReviewTable(database);
    this.attribution = new AttributionTable(database, (work) => this.transaction(work));
    this.restore = new RestoreTable(database);
    this.judges = new JudgeTable(database);
  }

  /** The run directory the store belongs to. */
  get directory(): string {
    return path.dirname(this.file);
  }

  static openFile(file: string, options: OpenRunStoreOptions = {}): RunStore {
    refuseEmptiedStore(file);
    let database: DatabaseSync;
    try {
      database = new DatabaseSync(file, { readOnly: options.readOnly ?? false, timeout: STORE_BUSY_TIMEOUT_MS });
    } catch (error) {
      throw new QreasonError("E_STORE", `cannot open the run store: ${(error as Error).message}`, { file }, { cause: error });
    }
    try {
      database.exec("PRAGMA foreign_keys = ON");
      let version: number;
      if (options.readOnly) {
        version = checkReadable(database, file, options.migrations);
      } else {
        // Check before anything writes: switching to WAL alone rewrites the header of someone else's file.
        checkStore(database, file, options.migrations);
        database.exec("PRAGMA journal_mode = WAL");
        database.exec("PRAGMA synchronous = NORMAL");
        version = migrate(database, file, options.migrations);
        const store = new RunStore(file, database, version);
        if (version >= 2) importLegacyRunRecord(store);
        return store;
      }
      return new RunStore(file, database, version);
    } catch (error) {
      database.close();
      // A full disk or a lock, also inside a failed migration (its E_STORE carries the SQLite error as cause).
      const environment = storeEnvironmentError(error, file) ?? storeEnvironmentError((error as { cause?: unknown }).cause, file);
      if (environment !== undefined) throw environment;
      if (error instanceof QreasonError) throw error;
      throw new QreasonError("E_STORE", `the run store is unusable: ${(error as Error).message}`, { file }, { cause: error });
    }
  }

  /** Whether the store has a table of this name (a later stage's tables, before that stage has run here). */
  hasTable(name: string): boolean {
    return this.database.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
  }

  /**
   * Rows of a read-only query, for tables a later stage may not have made yet (check `hasTable` first).
   * A sub-table class with typed methods is the better home once a table settles.
   */
  query<Row>(sql: string, ...parameters: (string | number | null)[]): Row[] {
    return this.database.prepare(sql).all(...parameters) as Row[];
  }

  close(): void {
    if (this.database.isOpen) this.database.close();
  }

  /** Runs `work` in one write transaction: all of it is stored, or none of it. Nested calls join the outer one. */
  transaction<T>(work: () => T): T {
    if (this.database.isTransaction) return work();
    this.database.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.database.exec("COMMIT");
      return result;
    } catch (error) {
      // SQLite has already rolled back after some errors (a full disk, an I/O error): ROLLBACK again would
      // replace the real error with "no transaction is active".
      if (this.database.isTransaction) this.database.exec("ROLLBACK");
      throw error;
    }
  }

  // ---- study ---------------------------------------------------------------------------------------

  /** Records the resolved study (once per distinct hash; a re-run of an edited study adds a row). */
  saveStudy(study: { hash: string; name: string; sourceFile?: string; resolved: unknown }): void {
    this.database
      .prepare("INSERT INTO study (hash, name, source_file, resolved_json, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING")
      .run(study.hash, study.name, study.sourceFile ?? null, canonicalJson(study.resolved), now());
  }

  /** The study stored under `hash`, if any. */
  study(hash: string): StoredStudy | undefined {
    const row = this.database.prepare("SELECT hash, name, source_file, resolved_json, created_at FROM study WHERE hash = ?").get(hash) as
      | Record<string, string | null>
      | undefined;
    return row === undefined ? undefined : storedStudy(row);
  }

  /** The most recently recorded study, if any. */
  latestStudy(): StoredStudy | undefined {
    const row = this.database.prepare("SELECT hash, name, source_file, resolved_json, created_at FROM study ORDER BY id DESC LIMIT 1").get() as
      | Record<string, string | null>
      | undefined;
    return row === undefined ? undefined : storedStudy(row);
  }

  // ---- problems ------------------------------------------------------------------------------------

  putProblems(problems: readonly Problem[]): void {
    const statement = this.statements.upsertProblem;
    this.transaction(() => {
      for (const problem of problems) {
        statement.run(
          problem.benchmark,
          problem.id,
          problem.question,
          problem.answer,
          problem.solution ?? null,
          problem.level ?? null,
          problem.subject ?? null,
          JSON.stringify(problem.meta ?? {}),
        );
      }
    });
  }

  problems(benchmark: string): Problem[] {
    const rows = this.database.prepare("SELECT * FROM problems WHERE benchmark = ? ORDER BY problem_id").all(benchmark) as Record<string, unknown>[];
    return rows.map((row) => {
      const problem: Problem = {
        id: String(row.problem_id),
        benchmark: String(row.benchmark),
        question: String(row.question),
        answer: String(row.answer),
        meta: JSON.parse(String(row.meta_json)) as Record<string, unknown>,
      };
      if (row.solution !== null) problem.solution = String(row.solution);
      if (row.level !== null) problem.level = Number(row.level);
      if (row.subject !== null) problem.subject = String(row.subject);
      return problem;
    });
  }

  // ---- variants ------------------------------------------------------------------------------------

  putVariant(variant: VariantRecord): void {
    const timestamp = now();
    this.database
      .prepare(
        `INSERT INTO variants (model, name, recipe_hash, kind, recipe_json, model_identity, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (model, name, recipe_hash) DO UPDATE SET model_identity = coalesce(excluded.model_identity, model_identity), updated_at = excluded.updated_at`,
      )
      .run(variant.model, variant.name, variant.recipeHash, variant.kind, canonicalJson(variant.recipe), variant.modelIdentity ?? null, timestamp, timestamp);
  }

  /** Records where a variant's artifact is and its manifest/provenance (e.g. `qreason-quant.json`). */
  setVariantArtifact(variant: { model: string; name: string; recipeHash: string; artifactPath: string; manifest?: unknown; provenance?: unknown }): void {
    const result = this.database
      .prepare("UPDATE variants SET artifact_path = ?, manifest_json = ?, provenance_json = ?, updated_at = ? WHERE model = ? AND name = ? AND recipe_hash = ?")
      .run(
        variant.artifactPath,
        variant.manifest === undefined ? null : canonicalJson(variant.manifest),
        variant.provenance === undefined ? null : canonicalJson(variant.provenance),
        now(),
        variant.model,
        variant.name,
        variant.recipeHash,
      );
    if (Number(result.changes) === 0) {
      throw new QreasonError("E_INTERNAL", `no variant ${variant.model}/${variant.name} (${variant.recipeHash}) to attach an artifact to`, { file: this.file });
    }
  }

  /** Records where a variant's artifact is, once made, without touching its provenance. */
  setVariantArtifactPath(variant: { model: string; name: string; recipeHash: string; artifactPath: string; manifest?: unknown }): void {
    this.database
      .prepare("UPDATE variants SET artifact_path = ?, manifest_json = coalesce(?, manifest_json), updated_at = ? WHERE model = ? AND name = ? AND recipe_hash = ?")
      .run(variant.artifactPath, variant.manifest === undefined ? null : canonicalJson(variant.manifest), now(), variant.model, variant.name, variant.recipeHash);
  }

  variants(): StoredVariant[] {
    const rows = this.database.prepare("SELECT * FROM variants ORDER BY model, created_at, name").all() as Record<string, unknown>[];
    return rows.map((row) => {
      const variant: StoredVariant = {
        model: String(row.model),
        name: String(row.name),
        recipeHash: String(row.recipe_hash),
        kind: String(row.kind),
        recipe: JSON.parse(String(row.recipe_json)),
        artifactPath: row.artifact_path === null ? null : String(row.artifact_path),
        manifest: row.manifest_json === null ? null : JSON.parse(String(row.manifest_json)),
        provenance: row.provenance_json === null ? null : JSON.parse(String(row.provenance_json)),
        createdAt: String(row.created_at),
        updatedAt: String(row.updated_at),
      };
      if (row.model_identity !== null) variant.modelIdentity = String(row.model_identity);
      return variant;
    });
  }

  // ---- generations ---------------------------------------------------------------------------------

  /**
   * Stores a batch of generation outcomes in one transaction. A result replaces an earlier error for the
   * same key (a successful retry); an error never replaces a stored result.
   */
  putGenerations(records: readonly GenerationRecord[]): void {
    if (records.length === 0) return;
    const { insertPrompt, upsertGeneration } = this.statements;
    const timestamp = now();
    this.transaction(() => {
      for (const record of records) {
        const hash = promptHash(record.prompt);
        insertPrompt.run(hash, canonicalJson(record.prompt));
        const ok = record.outcome.status === "ok" ? record.outcome.result : undefined;
        const error = record.outcome.status === "error" ? record.outcome.error || "unknown error" : null;
        upsertGeneration.run(
          record.key,
          record.outcome.status,
          record.model,
          record.variant,
          record.variantHash,
          record.benchmark,
          record.problemId,
          record.sampleIndex,
          record.sampling.seed,
          record.backendKind,
          record.backendVersion,
          hash,
          canonicalJson(record.sampling),
          ok?.text ?? null,
          ok?.finishReason ?? null,
          ok?.promptTokens ?? null,
          ok?.completionTokens ?? null,
          ok ? JSON.stringify(ok.warnings) : null,
          error,
          record.latencyMs ?? null,
          timestamp,
          timestamp,
        );
      }
    });
  }

  /** The keys among `keys` that have no stored result (never generated, or only failed), in input order. */
  pending(keys: readonly string[]): string[] {
    if (keys.length === 0) return [];
    const rows = this.statements.pending.all(JSON.stringify(keys)) as { key: string }[];
    return rows.map((row) => row.key);
  }

  /** Stored results for `keys` (failures excluded), in input order. */
  generations(keys: readonly string[]): StoredGeneration[] {
    if (keys.length === 0) return [];
    const rows = this.statements.generationsByKeys.all(JSON.stringify(keys)) as Record<string, unknown>[];
    return rows.map(toStoredGeneration);
  }

  /** The latest error of every key that has failed and not yet succeeded (all keys when none are given). */
  failures(keys?: readonly string[]): StoredFailure[] {
    const rows = this.statements.failures.all(keys === undefined ? null : JSON.stringify(keys)) as Record<string, unknown>[];
    return rows.map((row) => ({
      key: String(row.key),
      model: String(row.model),
      variant: String(row.variant),
      benchmark: String(row.benchmark),
      problemId: String(row.problem_id),
      sampleIndex: Number(row.sample_index),
      error: String(row.error),
      attempts: Number(row.attempts),
      updatedAt: String(row.updated_at),
    }));
  }

  /** The prompt a generation was asked with. */
  promptOf(key: string): string | ChatMessage[] | undefined {
    const row = this.database.prepare("SELECT p.prompt_json FROM generations g JOIN prompts p ON p.hash = g.prompt_hash WHERE g.key = ?").get(key) as
      | { prompt_json: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.prompt_json) as string | ChatMessage[]);
  }

  // ---- grades --------------------------------------------------------------------------------------

  putGrades(grades: readonly GradeRecord[]): void {
    if (grades.length === 0) return;
    const statement = this.statements.upsertGrade;
    const timestamp = now();
    this.transaction(() => {
      for (const grade of grades) {
        try {
          statement.run(grade.generationKey, grade.grader, grade.status, grade.extracted, grade.reason ?? null, timestamp);
        } catch (error) {
          throw new QreasonError("E_INTERNAL", `cannot store the grade of ${grade.generationKey}: ${(error as Error).message}`, { file: this.file }, { cause: error });
        }
      }
    });
  }

  /** Graded results for `keys` by `grader`, with each problem's level and subject, in input order. */
  gradedSamples(keys: readonly string[], grader: string): GradedSample[] {
    if (keys.length === 0) return [];
    const rows = this.statements.gradedSamples.all(JSON.stringify(keys), grader) as Record<string, unknown>[];
    return rows.map((row) => {
      const sample: GradedSample = {
        key: String(row.key),
        benchmark: String(row.benchmark),
        problemId: String(row.problem_id),
        sampleIndex: Number(row.sample_index),
        status: String(row.status) as GradeStatus,
        extracted: row.extracted === null ? null : String(row.extracted),
        completionTokens: Number(row.completion_tokens),
        finishReason: String(row.finish_reason) as FinishReason,
        text: String(row.text),
      };
      if (row.level !== null) sample.level = Number(row.level);
      if (row.subject !== null) sample.subject = String(row.subject);
      return sample;
    });
  }

  /** The grade statuses of `keys` by `grader` (graded results only, input order), with each problem's level and subject: what comparisons are computed from, without the texts. */
  gradeStatuses(keys: readonly string[], grader: string): Array<{ key: string; status: GradeStatus; level: number | null; subject: string | null }> {
    if (keys.length === 0) return [];
    const rows = this.database
      .prepare(
        `SELECT g.key, r.status, p.level, p.subject
         FROM json_each(?) AS k
         JOIN generations g ON g.key = k.value AND g.status = 'ok'
         JOIN grades r ON r.generation_key = g.key AND r.grader = ?
         LEFT JOIN problems p ON p.benchmark = g.benchmark AND p.problem_id = g.problem_id
         ORDER BY k.key`,
      )
      .all(JSON.stringify(keys), grader) as Record<string, unknown>[];
    return rows.map((row) => ({
      key: String(row.key),
      status: String(row.status) as GradeStatus,
      level: row.level === null ? null : Number(row.level),
      subject: row.subject === null ? null : String(row.subject),
    }));
  }

  /** Generations both graders graded, and how many of them they graded differently. */
  gradeChanges(from: string, to: string): { both: number; changed: number } {
    const row = this.database
      .prepare(
        `SELECT count(*) AS both, count(CASE WHEN a.status != b.status THEN 1 END) AS changed
         FROM grades a JOIN grades b ON b.generation_key = a.generation_key AND b.grader = ?
         WHERE a.grader = ?`,
      )
      .get(to, from) as { both: number; changed: number };
    return { both: Number(row.both), changed: Number(row.changed) };
  }

  counts(): StoreCounts {
    const count = (sql: string): number => Number((this.database.prepare(sql).get() as { count: number }).count);
    return {
      generations: count("SELECT count(*) AS count FROM generations WHERE status = 'ok'"),
      failures: count("SELECT count(*) AS count FROM generations WHERE status = 'error'"),
      grades: count("SELECT count(*) AS count FROM grades"),
      problems: count("SELECT count(*) AS count FROM problems"),
      variants: count("SELECT count(*) AS count FROM variants"),
    };
  }

  /** SQLite's own consistency check: "ok" or the list of problems it found. */
  integrityCheck(): string[] {
    const rows = this.database.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    return rows.map((row) => row.integrity_check);
  }
}

/**
 * A run directory made before schema v2 kept its cells and keys in run.json only: a store with no run
 * state beside a run.json imports it (only such a directory has one: from v2 on, run.json is written after
 * the run state). A missing or unreadable run.json imports nothing; the store then has no plan until the
 * next `qreason run`.
 */
function importLegacyRunRecord(store: RunStore): void {
  if (store.state.current() !== undefined || !existsSync(path.join(store.directory, RUN_RECORD_FILE))) return;
  let record;
  try {
    record = readRunRecordFile(store.directory);
  } catch {
    return;
  }
  importRunRecord(store, record);
}

function checkReadable(database: DatabaseSync, file: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const version = checkStore(database, file, migrations);
  const known = Math.max(...migrations.map((migration) => migration.version));
  if (version === 0) throw new QreasonError("E_STORE", "not a qreason run store (it is empty)", { file });
  if (version < known) throw new QreasonError("E_STORE", `this run store is at schema version ${version}; open it once for writing to upgrade it`, { file });
  return version;
}

function prepareStatements(database: DatabaseSync): Statements {
  return {
    insertPrompt: database.prepare("INSERT INTO prompts (hash, prompt_json) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING"),
    upsertGeneration: database.prepare(
      `INSERT INTO generations (key, status, model, variant, variant_hash, benchmark, problem_id, sample_index, seed, backend_kind,
         backend_version, prompt_hash, sampling_json, text, finish_reason, prompt_tokens, completion_tokens, warnings_json, error,
         latency_ms, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET
         status = excluded.status, text = excluded.text, finish_reason = excluded.finish_reason,
         prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
         warnings_json = excluded.warnings_json, error = excluded.error, latency_ms = excluded.latency_ms,
         backend_version = excluded.backend_version, attempts = generations.attempts + 1, updated_at = excluded.updated_at
       WHERE generations.status = 'error'`,
    ),
    // json_each keeps the caller's order and turns 10,000 lookups into one statement over the key index.
    pending: database.prepare(
      `SELECT k.value AS key FROM json_each(?) AS k
       WHERE NOT EXISTS (SELECT 1 FROM generations g WHERE g.key = k.value AND g.status = 'ok')
       ORDER BY k.key`,
    ),
    generationsByKeys: database.prepare(
      `SELECT g.* FROM json_each(?) AS k JOIN generations g ON g.key = k.value
       WHERE g.status = 'ok' ORDER BY k.key`,
    ),
    failures: database.prepare(
      `SELECT key, model, variant, benchmark, problem_id, sample_index, error, attempts, updated_at FROM generations
       WHERE status = 'error' AND (?1 IS NULL OR key IN (SELECT value FROM json_each(?1)))
       ORDER BY updated_at, key`,
    ),
    upsertGrade: database.prepare(
      `INSERT INTO grades (generation_key, grader, status, extracted, reason, graded_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (generation_key, grader) DO UPDATE SET
         status = excluded.status, extracted = excluded.extracted, reason = excluded.reason, graded_at = excluded.graded_at`,
    ),
    gradedSamples: database.prepare(
      `SELECT g.key, g.benchmark, g.problem_id, g.sample_index, g.completion_tokens, g.finish_reason, g.text,
              r.status, r.extracted, p.level, p.subject
       FROM json_each(?) AS k
       JOIN generations g ON g.key = k.value AND g.status = 'ok'
       JOIN grades r ON r.generation_key = g.key AND r.grader = ?
       LEFT JOIN problems p ON p.benchmark = g.benchmark AND p.problem_id = g.problem_id
       ORDER BY k.key`,
    ),
    upsertProblem: database.prepare(
      `INSERT INTO problems (benchmark, problem_id, question, answer, solution, level, subject, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (benchmark, problem_id) DO UPDATE SET
         question = excluded.question, answer = excluded.answer, solution = excluded.solution,
         level = excluded.level, subject = excluded.subject, meta_json = excluded.meta_json`,
    ),
  };
}

function toStoredGeneration(row: Record<string, unknown>): StoredGeneration {
  return {
    key: String(row.key),
    model: String(row.model),
    variant: String(row.variant),
    variantHash: String(row.variant_hash),
    benchmark: String(row.benchmark),
    problemId: String(row.problem_id),
    sampleIndex: Number(row.sample_index),
    seed: Number(row.seed),
    backendKind: String(row.backend_kind) as BackendKind,
    backendVersion: String(row.backend_version),
    text: String(row.text),
    finishReason: String(row.finish_reason) as FinishReason,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    warnings: JSON.parse(String(row.warnings_json)) as string[],
    attempts: Number(row.attempts),
    latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
    createdAt: String(row.created_at),
  };
}

function storedStudy(row: Record<string, string | null>): StoredStudy {
  return {
    hash: String(row.hash),
    name: String(row.name),
    sourceFile: row.source_file ?? null,
    resolved: JSON.parse(String(row.resolved_json)),
    createdAt: String(row.created_at),
  };
}
