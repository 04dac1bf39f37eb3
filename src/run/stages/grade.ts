/**
 * grade: grades every stored result of the plan's cells that the current grader version has not graded,
 * against the gold answer of the generation's own problem in the store, passing the generation's finish
 * reason. The grader version is derived from the grader's sources and the CAS version
 * (graderVersion.ts): after a grader upgrade every result is pending again, graded beside the old grades
 * (which stay, under the old version). Reports read the grades of the version this stage last finished
 * with (the run state's grader), so a half-done regrade never mixes two graders in one report.
 */
import { currentGrader } from "../graderVersion.ts";
import { gradeGenerations } from "../grade.ts";
import type { Stage, StageOutcome } from "./types.ts";

export const gradeStage: Stage = {
  name: "grade",
  summary: "grade every stored result the current grader version has not graded (gold answers from the stored problems)",
  offline: true,
  pending(store, options = {}) {
    const state = store.state.current();
    if (state === undefined) return { count: 0, unit: "grades" };
    const grader = options.grader ?? currentGrader();
    const { count, stale } = store.cells.ungradedCount(state.studyHash, grader.name);
    return { count, unit: "grades", ...(stale > 0 ? { detail: `${stale} graded only by an older grader (now ${grader.name})` } : {}) };
  },
  async run(context): Promise<StageOutcome> {
    const { store, grader } = context;
    const state = store.state.current();
    if (state === undefined) return { status: "done", counts: { graded: 0 } };
    const previous = state.grader;
    store.state.recordGrader({ name: grader.name, sourcesHash: grader.sourcesHash, casVersion: grader.casVersion, files: grader.files });
    // Until a grade stage finishes, reports read the grader they read before; the first grader is read at once.
    if (previous === null) store.state.setGrader(grader.name);
    const items = store.cells.ungraded(state.studyHash, grader.name);
    context.emit({ type: "stage", message: "grading" });
    context.emit({ type: "grade-start", total: items.length });
    const graded = await gradeGenerations(store, items, {
      grader: grader.name,
      ...(context.settings.gradeWorkers !== undefined ? { workers: context.settings.gradeWorkers } : {}),
      signal: context.signal,
      onProgress: (done, total) => context.emit({ type: "graded", done, total }),
    });
    const left = store.cells.ungradedCount(state.studyHash, grader.name).count;
    if (context.signal.aborted) return { status: "interrupted", counts: { graded, pending: left } };
    if (left === 0) store.state.setGrader(grader.name);
    const counts: Record<string, number> = { graded, pending: left };
    let message: string | undefined;
    if (previous !== null && previous !== grader.name) {
      const { both, changed } = store.gradeChanges(previous, grader.name);
      counts.regraded = both;
      counts.changed = changed;
      message = `${graded} graded by ${grader.name}; ${changed} of ${both} regraded results changed status from ${previous}`;
    }
    return { status: "done", counts, ...(message !== undefined ? { message } : {}) };
  },
};
