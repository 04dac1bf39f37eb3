/**
 * A variant's cells in the store (one per benchmark label) and the generation keys they hold: the plan
 * stage fills them from the run's memo of backend facts, the generate stage from the facts of the backend
 * it started. Keys split by label in task order (problems in subset order, per sample).
 */
import type { BackendFacts } from "../fingerprint.ts";
import type { GenerationTask } from "../generate.ts";
import type { RunStore, StoredCell } from "../../store/index.ts";
import type { PlannedVariant } from "../../study/index.ts";

export function variantCells(store: RunStore, studyHash: string, variant: PlannedVariant): StoredCell[] {
  return store.cells.list(studyHash).filter((cell) => cell.model === variant.model && cell.variant === variant.variant);
}

/** Stores the keys of `tasks` in the variant's cells; returns whether any cell's keys changed. */
export function storeVariantKeys(store: RunStore, studyHash: string, variant: PlannedVariant, tasks: readonly GenerationTask[], facts: BackendFacts): boolean {
  let changed = false;
  store.transaction(() => {
    for (const cell of variantCells(store, studyHash, variant)) {
      const keys = tasks.filter((task) => task.job.benchmark === cell.benchmark).map((task) => task.key);
      if (store.cells.setKeys(cell.id, keys, facts)) changed = true;
    }
  });
  return changed;
}

/** Generations of the variant still without a result; every planned one while its keys are unknown. */
export function variantPending(store: RunStore, studyHash: string, variant: PlannedVariant): { planned: number; pending: number; keyed: boolean } {
  const cells = new Map(variantCells(store, studyHash, variant).map((cell) => [cell.id, cell]));
  let planned = 0;
  let done = 0;
  let keyed = true;
  for (const entry of store.cells.progress(studyHash)) {
    const cell = cells.get(entry.cellId);
    if (cell === undefined) continue;
    planned += entry.planned;
    if (entry.keyed === 0) keyed = false;
    else done += entry.generated;
  }
  return { planned, pending: planned - done, keyed };
}
