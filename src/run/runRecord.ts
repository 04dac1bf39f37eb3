/**
 * `run.json`: what the latest `qreason run` of a run directory asked for, written before generation starts
 * so a report (`qreason report <run-dir>`) can be made from the store alone, even after an interrupted run,
 * without the study file, the data or any backend. It lists every generation key of every cell
 * (model × variant × benchmark), so the report reads exactly this study's generations and no leftovers of an
 * earlier, edited one.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { QreasonError } from "../errors.ts";
import type { BenchmarkSpec, ModelSpec, PlannedComparison, PlannedVariant } from "../study/index.ts";

export const RUN_RECORD_FILE = "run.json";
export const RUN_RECORD_SCHEMA = "qreason-run/v1";

export interface RunCell {
  model: string;
  variant: string;
  /** The benchmark's label in the study. */
  benchmark: string;
  /** Every generation key of the cell: problems in subset order, each with its samples. */
  keys: string[];
}

export interface VariantStatus {
  model: string;
  variant: string;
  total: number;
  /** Keys without a result when the run ended (failed, not reached, or interrupted). */
  pending: number;
  failed: number;
  /** Why generation stopped early, if it did. */
  stopped?: string;
}

export interface RunRecord {
  schema: typeof RUN_RECORD_SCHEMA;
  study: { name: string; hash: string; file: string; description?: string };
  grader: string;
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

export function writeRunRecord(runDirectory: string, record: RunRecord): void {
  const file = path.join(runDirectory, RUN_RECORD_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`);
  renameSync(temporary, file);
}

export function readRunRecord(runDirectory: string): RunRecord {
  const file = path.join(runDirectory, RUN_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new QreasonError("E_NOT_FOUND", "not a run directory (no run.json): run `qreason run <study.yaml>` first", { file });
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
  return record;
}
