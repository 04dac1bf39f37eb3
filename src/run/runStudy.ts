/**
 * `qreason run` below the command line: the study's stages over its run directory's store — plan,
 * quantize, generate, grade, compare, report (stages/registry.ts) — each run when it has pending work.
 * And the single-stage commands (`qreason grade|compare|report <run-dir>`): one stage (and what it
 * requires) on a run directory, from the study and plan its store holds.
 *
 * Resuming is the normal path, not a special one: every generation has a content-hashed key, and only keys
 * without a stored result are asked for. A variant whose keys are all done is skipped without quantizing or
 * starting its backend (its keys come from the run's memo of backend facts).
 */
import { existsSync } from "node:fs";
import { makeOutputDirectory } from "../io/index.ts";
import path from "node:path";
import type { DownloadOptions } from "../data/index.ts";
import type { WrittenReport } from "../report/index.ts";
import { openRunDirectory, openRunStore, RUN_STORE_FILE, storeEnvironmentError, type RunStore } from "../store/index.ts";
import type { Study } from "../study/index.ts";
import type { RunEvent } from "./events.ts";
import type { GraderVersion } from "./graderVersion.ts";
import { acquireRunLock } from "./lock.ts";
import { generatedThisCommand } from "./stages/generate.ts";
import { runStages, type PipelineResult } from "./stages/pipeline.ts";
import { writtenReport } from "./stages/report.ts";
import { StageSession } from "./stages/session.ts";
import type { StageSettings } from "./stages/types.ts";
import type { PanelOverride } from "../judge/override.ts";
import type { VariantStatus } from "../store/index.ts";
import { runRecordOf } from "../store/index.ts";

export interface RunStudyOptions {
  study: Study;
  runDirectory: string;
  dataDir: string;
  download?: DownloadOptions;
  /** Python interpreter of the engine. */
  python: string;
  projectRoot: string;
  /** Reads the API key variable a study names (the CLI passes the environment). */
  apiKey?: (variableName: string) => string | undefined;
  qreasonVersion: string;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  gradeWorkers?: number;
  /** Store commit batching (see generate.ts). */
  flushSize?: number;
  flushMs?: number;
  /** Paired bootstrap resamples of the compare stage (default 10,000). */
  bootstrapResamples?: number;
  /** Stages to run (default: all of them). */
  stages?: readonly string[];
  /** The grader version to grade with (default: derived from src/grade). */
  grader?: GraderVersion;
  /** The judge panel this command seats instead of the study's (`qreason judge --judges/--baseline`). */
  judges?: PanelOverride;
}

export interface VariantSummary extends VariantStatus {
  /** Generations already stored when the run began. */
  cached: number;
  /** Made by this run. */
  generated: number;
}

export interface RunSummary {
  runDirectory: string;
  interrupted: boolean;
  variants: VariantSummary[];
  graded: number;
  /** Every stage: what it had pending, how it ended, how long it took (or why it did not run). */
  stages: PipelineResult["stages"];
  /** The report, when the report stage wrote it in this run. */
  report?: WrittenReport;
}

function settingsOf(options: Omit<RunStudyOptions, "study" | "runDirectory" | "signal" | "onEvent" | "stages">): StageSettings {
  return {
    dataDir: options.dataDir,
    ...(options.download ? { download: options.download } : {}),
    python: options.python,
    projectRoot: options.projectRoot,
    apiKey: options.apiKey ?? (() => undefined),
    qreasonVersion: options.qreasonVersion,
    ...(options.gradeWorkers !== undefined ? { gradeWorkers: options.gradeWorkers } : {}),
    ...(options.flushSize !== undefined ? { flushSize: options.flushSize } : {}),
    ...(options.flushMs !== undefined ? { flushMs: options.flushMs } : {}),
    ...(options.bootstrapResamples !== undefined ? { bootstrapResamples: options.bootstrapResamples } : {}),
    ...(options.grader !== undefined ? { grader: options.grader } : {}),
    ...(options.judges !== undefined ? { judges: options.judges } : {}),
  };
}

function summarize(store: RunStore, session: StageSession, result: PipelineResult): RunSummary {
  const made = generatedThisCommand(session);
  const record = runRecordOf(store);
  const variants = (record?.status ?? []).map((status): VariantSummary => {
    const generated = made.get(`${status.model}\0${status.variant}`) ?? 0;
    return { ...status, cached: status.total - status.pending - generated, generated };
  });
  const graded = result.stages.find((stage) => stage.stage === "grade")?.outcome?.counts.graded ?? 0;
  const report = writtenReport(session);
  return { runDirectory: store.directory, interrupted: result.interrupted, variants, graded, stages: result.stages, ...(report ? { report } : {}) };
}

/** Runs `study` into `runDirectory` (creating it), resuming whatever an earlier run left. */
export async function runStudy(options: RunStudyOptions): Promise<RunSummary> {
  makeOutputDirectory(options.runDirectory, "run directory");
  const lock = acquireRunLock(options.runDirectory, "qreason run"); // one process per run directory
  try {
    const store = openRunStore(options.runDirectory);
    try {
      const session = new StageSession({ store, study: options.study, settings: settingsOf(options), ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
      const result = await runStages(session, { force: ["plan"], ...(options.stages ? { only: options.stages } : {}) });
      store.state.finish({ interrupted: result.interrupted });
      return summarize(store, session, result);
    } catch (error) {
      throw storeEnvironmentError(error, store.file) ?? error;
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

export interface RunStagesOptions extends Omit<RunStudyOptions, "study" | "runDirectory" | "stages"> {
  /** Run these even when they report nothing pending. */
  force?: readonly string[];
}

/**
 * Runs the named stages (and those they require) on an existing run directory, from the study and plan its
 * store holds: a stage re-run alone (`qreason grade <run-dir>` after a grader upgrade, without
 * regenerating). Stages that need the study's data or models reach them through the stored study.
 */
export async function runStagesOn(runDirectory: string, stages: readonly string[], options: RunStagesOptions): Promise<RunSummary> {
  // Not while another process runs on the same directory (a directory without a store gets no lock file:
  // openRunDirectory refuses it below).
  const lock = existsSync(path.join(runDirectory, RUN_STORE_FILE)) ? acquireRunLock(runDirectory, `qreason ${stages.join(",")}`) : undefined;
  try {
    const store = openRunDirectory(runDirectory);
    try {
      const session = new StageSession({ store, settings: settingsOf(options), ...(options.signal ? { signal: options.signal } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
      const result = await runStages(session, { only: stages, ...(options.force ? { force: options.force } : {}) });
      return summarize(store, session, result);
    } catch (error) {
      throw storeEnvironmentError(error, store.file) ?? error;
    } finally {
      store.close();
    }
  } finally {
    lock?.release();
  }
}
