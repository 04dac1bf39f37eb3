/**
 * The run as the store holds it: the study and plan a run directory runs now, every cell with its
 * generation keys, where each variant stands, and the grader reports read. `run.json` is a human-readable
 * copy of it, rewritten after each command; the store is the source of truth.
 *
 * A run directory of schema v1 kept its cells and keys only in run.json: opening its store for writing
 * imports them (`importRunRecord`), once, so nothing of the old run is lost.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import type { BenchmarkSpec, ModelSpec, Plan, PlannedComparison, PlannedVariant, Study } from "../study/index.ts";
import type { RunStore } from "./runStore.ts";

export const RUN_RECORD_FILE = "run.json";
export const RUN_RECORD_SCHEMA = "qreason-run/v1";

export interface RunCell {
  model: string;
  variant: string;
  /** The benchmark's label in the study. */
  benchmark: string;
  /** Generations the plan asks of the cell. */
  planned: number;
  /** Every generation key of the cell (problems in subset order, per sample); [] until its facts are known. */
  keys: string[];
}

export interface VariantStatus {
  model: string;
  variant: string;
  total: number;
  /** Generations without a result (never asked, failed, or not reached). */
  pending: number;
  failed: number;
  /** Why generation stopped early the last time, if it did. */
  stopped?: string;
}

export interface RunRecord {
  schema: typeof RUN_RECORD_SCHEMA;
  study: { name: string; hash: string; file: string; description?: string };
  /** The grader whose grades the report reads (null before anything was graded). */
  grader: string | null;
  qreasonVersion: string;
  startedAt: string;
  finishedAt?: string;
  interrupted?: boolean;
  models: ModelSpec[];
  benchmarks: BenchmarkSpec[];
  variants: PlannedVariant[];
  comparisons: PlannedComparison[];
  cells: RunCell[];
  status: VariantStatus[];
}

/** The study and plan the store's run directory runs now; undefined before any plan was stored. */
export function currentPlan(store: RunStore): { study: Study; plan: Plan; studyHash: string } | undefined {
  const state = store.state.current();
  if (state === undefined) return undefined;
  const stored = store.study(state.studyHash);
  const plan = store.state.plan(state.studyHash) as Plan | undefined;
  if (stored === undefined || plan === undefined) return undefined;
  return { study: stored.resolved as Study, plan, studyHash: state.studyHash };
}

/** The run record of the store's current plan, from the store alone. */
export function runRecordOf(store: RunStore): RunRecord | undefined {
  const state = store.state.current();
  const current = currentPlan(store);
  if (state === undefined || current === undefined) return undefined;
  const { study, plan, studyHash } = current;
  const cells = store.cells.list(studyHash);
  const progress = new Map(store.cells.progress(studyHash).map((entry) => [entry.cellId, entry]));
  const status: VariantStatus[] = [];
  for (const variant of plan.variants) {
    const own = cells.filter((cell) => cell.model === variant.model && cell.variant === variant.variant);
    if (own.length === 0) continue;
    let total = 0;
    let done = 0;
    let failed = 0;
    for (const cell of own) {
      const entry = progress.get(cell.id);
      total += cell.planned;
      done += entry?.generated ?? 0;
      failed += entry?.failed ?? 0;
    }
    const stopped = own.find((cell) => cell.stopped !== null)?.stopped;
    status.push({ model: variant.model, variant: variant.variant, total, pending: total - done, failed, ...(stopped ? { stopped } : {}) });
  }
  return {
    schema: RUN_RECORD_SCHEMA,
    study: { name: study.name, hash: studyHash, file: state.studyFile ?? study.file, ...(study.description !== undefined ? { description: study.description } : {}) },
    grader: state.grader,
    qreasonVersion: state.qreasonVersion,
    startedAt: state.startedAt,
    ...(state.finishedAt !== null ? { finishedAt: state.finishedAt } : {}),
    ...(state.interrupted ? { interrupted: true } : {}),
    models: study.models,
    benchmarks: study.benchmarks,
    variants: plan.variants,
    comparisons: plan.comparisons,
    cells: cells.map((cell) => ({ model: cell.model, variant: cell.variant, benchmark: cell.benchmark, planned: cell.planned, keys: store.cells.keys(cell.id) })),
    status,
  };
}

export function writeRunRecordFile(runDirectory: string, record: RunRecord): void {
  const file = path.join(runDirectory, RUN_RECORD_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`);
  renameSync(temporary, file);
}

/** Reads a run.json as written (also by qreason before schema v2, whose cells had no `planned`). */
export function readRunRecordFile(runDirectory: string): RunRecord {
  const file = path.join(runDirectory, RUN_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new QreasonError("E_NOT_FOUND", "no run.json in this directory", { file });
    throw new QreasonError("E_INPUT", `cannot read ${RUN_RECORD_FILE}: ${(error as Error).message}`, { file });
  }
  let record: RunRecord;
  try {
    record = JSON.parse(text) as RunRecord;
  } catch (error) {
    throw new QreasonError("E_INPUT", `${RUN_RECORD_FILE} is not valid JSON: ${(error as Error).message}`, { file });
  }
  if (record.schema !== RUN_RECORD_SCHEMA) {
    throw new QreasonError("E_INPUT", `${RUN_RECORD_FILE} has schema '${String(record.schema)}', expected '${RUN_RECORD_SCHEMA}'`, { file, field: "schema" });
  }
  return { ...record, cells: record.cells.map((cell) => ({ ...cell, planned: cell.planned ?? cell.keys.length })) };
}

/**
 * Imports a schema-v1 run.json into a store just migrated to v2: the run state (grader included, so the
 * report reads the grades it read before), the plan's variants and comparisons (its jobs come back with the
 * next `qreason run` of the study), and every cell with its keys. One transaction.
 */
export function importRunRecord(store: RunStore, record: RunRecord): void {
  store.transaction(() => {
    const hash = record.study.hash;
    if (store.study(hash) === undefined) {
      store.saveStudy({
        hash,
        name: record.study.name,
        sourceFile: record.study.file,
        resolved: { name: record.study.name, file: record.study.file, directory: path.dirname(record.study.file), models: record.models, benchmarks: record.benchmarks, ...(record.study.description !== undefined ? { description: record.study.description } : {}) },
      });
    }
    if (store.state.plan(hash) === undefined) {
      const plan: Plan = { studyHash: hash, variants: record.variants, jobs: [], comparisons: record.comparisons };
      store.state.savePlan(hash, plan);
    }
    store.state.begin({ studyHash: hash, studyFile: record.study.file, qreasonVersion: record.qreasonVersion, startedAt: record.startedAt, grader: record.grader });
    store.state.finish({ interrupted: record.interrupted === true, finishedAt: record.finishedAt ?? record.startedAt });
    const recipeHash = new Map(record.variants.map((variant) => [`${variant.model}\0${variant.variant}`, variant.recipeHash]));
    const cells = store.cells.define(
      hash,
      record.cells.map((cell) => ({ model: cell.model, variant: cell.variant, benchmark: cell.benchmark, planned: cell.keys.length, recipeHash: recipeHash.get(`${cell.model}\0${cell.variant}`) ?? "" })),
    );
    const byName = new Map(cells.map((cell) => [`${cell.model}\0${cell.variant}\0${cell.benchmark}`, cell]));
    for (const cell of record.cells) {
      const stored = byName.get(`${cell.model}\0${cell.variant}\0${cell.benchmark}`);
      if (stored === undefined || cell.keys.length === 0) continue;
      store.cells.setKeys(stored.id, cell.keys, { importedFrom: RUN_RECORD_FILE });
      const stopped = record.status.find((entry) => entry.model === cell.model && entry.variant === cell.variant)?.stopped;
      if (stopped !== undefined) store.cells.setStopped([stored.id], stopped);
    }
  });
}
