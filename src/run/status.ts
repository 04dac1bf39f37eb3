/**
 * Where a run directory stands, stage by stage: what each has pending (from the store alone) and how its
 * latest run went. What `qreason status <run-dir>` prints.
 */
import type { RunStore, StageRunRecord } from "../store/index.ts";
import { STAGES } from "./stages/registry.ts";
import type { PendingOptions, Stage, StagePending } from "./stages/types.ts";

export interface StageStatus {
  stage: string;
  summary: string;
  offline: boolean;
  pending: StagePending;
  /** Its latest run (`running` with no end: the process died, or it still runs). */
  last: StageRunRecord | null;
}

export function stageStatus(store: RunStore, options: PendingOptions = {}, registry: readonly Stage[] = STAGES): StageStatus[] {
  const latest = store.stageRuns.latest();
  return registry.map((stage) => ({
    stage: stage.name,
    summary: stage.summary,
    offline: stage.offline,
    pending: stage.pending(store, options),
    last: latest.get(stage.name) ?? null,
  }));
}
