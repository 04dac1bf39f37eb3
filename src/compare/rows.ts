/**
 * From stored graded samples to the rows the statistics read. `benchmark` is the study's label, not the
 * stored benchmark name: two labels may run the same benchmark (different sizes or sampling), and problems
 * pair within a label.
 */
import { segmentSteps } from "../steps/index.ts";
import type { GradedSample } from "../store/index.ts";
import type { SampleRow } from "./compareVariant.ts";

/** Steps of an output: its labelled steps (`Step N:`), or its sentences when it labels none. */
export function countSteps(text: string): number {
  const segments = segmentSteps(text);
  const labelled = segments.filter((segment) => segment.label !== undefined).length;
  return labelled > 0 ? labelled : segments.length;
}

export function sampleRows(samples: readonly GradedSample[], label: string): SampleRow[] {
  return samples.map((sample) => ({
    problemId: sample.problemId,
    benchmark: label,
    sampleIndex: sample.sampleIndex,
    status: sample.status,
    completionTokens: sample.completionTokens,
    steps: countSteps(sample.text),
    ...(sample.level !== undefined ? { level: sample.level } : {}),
    ...(sample.subject !== undefined ? { subject: sample.subject } : {}),
  }));
}
