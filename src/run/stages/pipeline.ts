/**
 * Runs stages over one context, in registry order: each runs when it has pending work (or is forced),
 * after the stages it requires (their pending work only). Every stage run is recorded in the store
 * (stage_runs: start, end, outcome, counts, duration); a stage that throws is recorded as failed and the
 * error goes on; Ctrl-C (the context's signal) ends the current stage as interrupted and runs no more.
 * run.json, the human-readable copy of the run, is rewritten at the end when a stage changed anything.
 */
import { QreasonError } from "../../errors.ts";
import { runRecordOf, writeRunRecordFile } from "../../store/index.ts";
import { STAGES, stageNamed } from "./registry.ts";
import type { Stage, StageContext, StageOutcome, StagePending } from "./types.ts";

export interface PipelineOptions {
  /** The stages to run, by name (default: every stage); they run in registry order, whatever order this lists. */
  only?: readonly string[];
  /**
   * Stages to run even when they report nothing pending or the study does not ask for them (`qreason run`
   * forces plan; `qreason report` forces report; `qreason attribute` forces attribute).
   */
  force?: readonly string[];
  /** The stage list (default: STAGES). */
  registry?: readonly Stage[];
}

export interface StageReport {
  stage: string;
  /** Why it did not run, when it did not. */
  skipped?: "nothing pending" | "not wanted by the study" | "interrupted before it";
  pending?: StagePending;
  outcome?: StageOutcome;
  ms?: number;
}

export interface PipelineResult {
  stages: StageReport[];
  interrupted: boolean;
}

/** The stages `only` names plus those they require, in registry order. */
export function selectStages(options: PipelineOptions = {}): Stage[] {
  const registry = options.registry ?? STAGES;
  if (options.only === undefined) return [...registry];
  const wanted = new Set<string>();
  const add = (name: string): void => {
    const stage = stageNamed(name, registry);
    if (wanted.has(stage.name)) return;
    wanted.add(stage.name);
    for (const required of stage.requires ?? []) add(required);
  };
  for (const name of options.only) add(name);
  return registry.filter((stage) => wanted.has(stage.name));
}

export async function runStages(context: StageContext, options: PipelineOptions = {}): Promise<PipelineResult> {
  const stages = selectStages(options);
  const force = new Set(options.force ?? []);
  const { store, signal } = context;
  const pendingOptions = { grader: context.grader, ...(context.settings.bootstrapResamples !== undefined ? { bootstrapResamples: context.settings.bootstrapResamples } : {}) };
  const reports: StageReport[] = [];
  let interrupted = false;
  try {
    for (const stage of stages) {
      if (interrupted || signal.aborted) {
        interrupted = true;
        reports.push({ stage: stage.name, skipped: "interrupted before it" });
        continue;
      }
      // A forced stage (`qreason attribute <run-dir>` forces attribute) runs whatever the study says.
      if (stage.wanted !== undefined && !force.has(stage.name) && !stage.wanted(context.study, context.plan)) {
        reports.push({ stage: stage.name, skipped: "not wanted by the study" });
        continue;
      }
      const pending = stage.pending(store, pendingOptions);
      if (pending.count === 0 && !force.has(stage.name)) {
        reports.push({ stage: stage.name, skipped: "nothing pending", pending });
        continue;
      }
      context.emit({ type: "stage-start", stage: stage.name, pending });
      const id = store.stageRuns.start(stage.name, context.plan.studyHash, context.settings.qreasonVersion);
      const started = performance.now();
      let outcome: StageOutcome;
      try {
        outcome = await stage.run(context);
      } catch (error) {
        const ms = Math.round(performance.now() - started);
        if (!signal.aborted) {
          const message = error instanceof QreasonError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
          store.stageRuns.finish(id, "failed", { ms }, message);
          context.emit({ type: "stage-end", stage: stage.name, status: "failed", ms, message });
          throw error;
        }
        // Ctrl-C surfaced as an error (a cancelled quantizer or backend start): interrupted, not failed.
        outcome = { status: "interrupted", counts: {} };
      }
      const ms = Math.round(performance.now() - started);
      store.stageRuns.finish(id, outcome.status, { ...outcome.counts, ms }, outcome.message);
      context.emit({ type: "stage-end", stage: stage.name, status: outcome.status, ms, ...(outcome.message !== undefined ? { message: outcome.message } : {}) });
      reports.push({ stage: stage.name, pending, outcome, ms });
      if (outcome.status === "interrupted") interrupted = true;
    }
  } finally {
    // The plan stage writes run.json itself; rewrite it only when a later stage ran (or failed) since.
    if (reports.some((report) => report.stage !== "plan" && report.outcome !== undefined) || reports.length < stages.length) {
      const record = runRecordOf(store);
      if (record !== undefined) writeRunRecordFile(context.runDirectory, record);
    }
  }
  return { stages: reports, interrupted };
}
