/**
 * Human labels as JSONL, one line per reviewed flip (its latest review) or, with `history`, per review:
 * which generation (and the baseline it flipped against), the problem, who decided what and when, the
 * label proposed at the time, and the segmenter the step index counts segments of.
 */
import type { RunReview } from "./runReview.ts";

export const LABELS_SCHEMA = "qreason-labels/v1";

export interface LabelLine {
  schema: typeof LABELS_SCHEMA;
  generation_key: string;
  baseline_key: string | null;
  model: string;
  benchmark: string;
  problem_id: string;
  baseline: string;
  variant: string;
  reviewer: string;
  action: "accept" | "override";
  first_error_step: number | null;
  category: string | null;
  subtype: string | null;
  note: string | null;
  proposal: { source: string; first_error_step: number | null; category: string | null; subtype: string | null } | null;
  segmenter: string;
  audit: boolean;
  created_at: string;
}

/** The label lines of a run (latest per flip, in flip order; `history`: every review, oldest first). */
export function labelLines(review: RunReview, options: { history?: boolean } = {}): LabelLine[] {
  const items = new Map(review.items().map((item) => [item.key, item]));
  const reviews = options.history ? review.store.reviews.all() : [...review.store.reviews.latest().values()];
  const order = [...items.keys()];
  const lines = reviews.flatMap((stored): LabelLine[] => {
    const item = items.get(stored.generationKey);
    if (item === undefined) return [];
    return [
      {
        schema: LABELS_SCHEMA,
        generation_key: stored.generationKey,
        baseline_key: stored.baselineKey,
        model: item.model,
        benchmark: item.benchmark,
        problem_id: item.problemId,
        baseline: item.baseline,
        variant: item.variant,
        reviewer: stored.reviewer,
        action: stored.action,
        first_error_step: stored.firstErrorStep,
        category: stored.category,
        subtype: stored.subtype,
        note: stored.note,
        proposal: stored.proposal && { source: stored.proposal.source, first_error_step: stored.proposal.firstErrorStep, category: stored.proposal.category, subtype: stored.proposal.subtype },
        segmenter: stored.segmenter,
        audit: item.audit,
        created_at: stored.createdAt,
      },
    ];
  });
  if (!options.history) lines.sort((left, right) => order.indexOf(left.generation_key) - order.indexOf(right.generation_key));
  return lines;
}

export function labelsJsonl(review: RunReview, options: { history?: boolean } = {}): string {
  return labelLines(review, options).map((line) => `${JSON.stringify(line)}\n`).join("");
}
