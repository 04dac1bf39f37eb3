/**
 * compare: computes the statistics of every planned comparison (src/compare: intervals, paired
 * bootstrap, McNemar, flips, breakdowns, lengths) from the grades reports read, and stores them with a
 * hash of their inputs; a comparison whose grades and settings did not change is not computed again.
 */
import { comparisonInputs, pendingComparisons, updateComparisons, type ComparisonInputs } from "../../compare/index.ts";
import { runRecordOf, type RunStore } from "../../store/index.ts";
import type { Stage, StageOutcome } from "./types.ts";

function inputs(store: RunStore, bootstrapResamples?: number): ComparisonInputs | undefined {
  const record = runRecordOf(store);
  return record === undefined || record.grader === null ? undefined : comparisonInputs(record, bootstrapResamples);
}

export const compareStage: Stage = {
  name: "compare",
  summary: "compare every variant with its baseline problem by problem and store the statistics",
  offline: true,
  pending(store, options = {}) {
    const planned = inputs(store, options.bootstrapResamples);
    if (planned === undefined) return { count: 0, unit: "comparisons", detail: "nothing graded yet" };
    const { pending, total } = pendingComparisons(store, planned);
    return { count: pending, unit: "comparisons", detail: `${total - pending} of ${total} up to date (grader ${planned.grader})` };
  },
  async run(context): Promise<StageOutcome> {
    const planned = inputs(context.store, context.settings.bootstrapResamples);
    if (planned === undefined) return { status: "done", counts: { computed: 0 } };
    context.emit({ type: "stage", message: "comparing" });
    const { computed, total, interrupted } = updateComparisons(context.store, planned, { signal: context.signal });
    return { status: interrupted ? "interrupted" : "done", counts: { computed, total } };
  },
};
