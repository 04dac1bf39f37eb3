/**
 * How far the automatic labels agree with people: over the reviewed flips, the human label against the
 * judge panel's decision and against the step verifier's finding, on the first error step, the category and
 * the subtype. Per comparison: items both labelled, the share that agree, and Krippendorff's alpha
 * (nominal; src/judge `krippendorffAlpha`), which corrects for agreement by chance. "No error" (-1) and
 * "found nothing" are labels too: a verifier that found no error where the person saw one disagrees.
 */
import { krippendorffAlpha } from "../judge/index.ts";
import type { FlipItem } from "./runReview.ts";

export interface FieldAgreement {
  /** Flips both sides labelled on this field. */
  items: number;
  agreeing: number;
  /** agreeing / items; null with no items. */
  rate: number | null;
  /** Krippendorff's alpha, nominal; null when undefined (one label only, or too few items). */
  alpha: number | null;
}

export interface SourceAgreement {
  source: "panel" | "verifier";
  /** Reviewed flips this source labelled. */
  flips: number;
  step: FieldAgreement;
  category: FieldAgreement;
  subtype: FieldAgreement;
}

export interface ReviewSummary {
  flips: number;
  reviewed: number;
  accepted: number;
  overridden: number;
  audit: { sampled: number; reviewed: number };
  reviewers: string[];
  agreement: SourceAgreement[];
}

type Value = string | number | null;

function field(pairs: readonly [Value, Value][]): FieldAgreement {
  const both = pairs.filter(([human, machine]) => human !== null && machine !== null) as [string | number, string | number][];
  const agreeing = both.filter(([human, machine]) => human === machine).length;
  const alpha = both.length >= 2 ? krippendorffAlpha(both.map(([human, machine]) => [human, machine])).alpha : null;
  return { items: both.length, agreeing, rate: both.length === 0 ? null : agreeing / both.length, alpha };
}

/** The review's progress and the human-vs-panel (and human-vs-verifier) agreement, from `items`. */
export function reviewSummary(items: readonly FlipItem[]): ReviewSummary {
  const reviewed = items.filter((item) => item.human !== undefined);
  const agreement: SourceAgreement[] = [];
  for (const source of ["panel", "verifier"] as const) {
    const labelled = reviewed.flatMap((item) => {
      const machine = source === "panel" ? (item.judges?.panel ?? null) : item.verifier;
      // A panel that decided nothing (no valid votes) has no label; a verifier that found nothing says "no error".
      if (machine === null || (source === "panel" && machine.firstErrorStep === null)) return [];
      const step = machine.firstErrorStep ?? -1;
      const noError = step === -1;
      const human = item.human as NonNullable<FlipItem["human"]>;
      return [{ human, machine: { step, category: noError ? "no_error" : (machine.category ?? null), subtype: noError ? "no_error" : (machine.subtype ?? null) } }];
    });
    if (labelled.length === 0) continue;
    const humanStep = (review: NonNullable<FlipItem["human"]>): number | null => review.firstErrorStep;
    const noErrorOr = (review: NonNullable<FlipItem["human"]>, value: string | null): string | null => (review.firstErrorStep === -1 ? "no_error" : value);
    agreement.push({
      source,
      flips: labelled.length,
      step: field(labelled.map(({ human, machine }) => [humanStep(human), machine.step])),
      category: field(labelled.map(({ human, machine }) => [noErrorOr(human, human.category), machine.category])),
      subtype: field(labelled.map(({ human, machine }) => [noErrorOr(human, human.subtype), machine.subtype])),
    });
  }
  const audit = items.filter((item) => item.audit);
  return {
    flips: items.length,
    reviewed: reviewed.length,
    accepted: reviewed.filter((item) => item.human?.action === "accept").length,
    overridden: reviewed.filter((item) => item.human?.action === "override").length,
    audit: { sampled: audit.length, reviewed: audit.filter((item) => item.reviewed).length },
    reviewers: [...new Set(reviewed.map((item) => item.human?.reviewer ?? ""))].sort(),
    agreement,
  };
}
