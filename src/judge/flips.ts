/**
 * What the judge stage judges: the flips of every planned comparison — a problem and sample the baseline
 * variant got right and the variant did not (wrong, no answer, unparsable, timed out) — under the grader
 * whose grades the report reads. Each flip carries the variant's solution (what is judged), the baseline's
 * solution (the position-bias probe shows both), the problem and its gold answer (to re-grade).
 */
import { ALL_BENCHMARKS, cellSamples } from "../compare/index.ts";
import type { Problem } from "../data/types.ts";
import type { FinishReason } from "../backends/types.ts";
import type { GradedSample, GradeStatus, RunStore } from "../store/index.ts";
import type { Plan } from "../study/index.ts";

export interface Flip {
  key: string;
  baselineKey: string;
  model: string;
  variant: string;
  baselineVariant: string;
  /** The benchmark's label in the study. */
  benchmark: string;
  problemId: string;
  sampleIndex: number;
  question: string;
  gold: string;
  text: string;
  finishReason: FinishReason;
  baselineText: string;
  storedStatus: GradeStatus;
  extracted: string | null;
}

const cellName = (model: string, variant: string, benchmark: string): string => `${model}\0${variant}\0${benchmark}`;
const sampleName = (sample: Pick<GradedSample, "benchmark" | "problemId" | "sampleIndex">): string => `${sample.benchmark}\0${sample.problemId}\0${sample.sampleIndex}`;

/** Every flip of the plan's comparisons (one per variant generation; a variant compared twice counts once). */
export function findFlips(store: RunStore, studyHash: string, plan: Pick<Plan, "comparisons">, grader: string | null): Flip[] {
  if (grader === null) return [];
  const cells = cellSamples(store, studyHash, grader);
  const problems = new Map<string, Problem>();
  const problemOf = (benchmark: string, id: string): Problem | undefined => {
    if (!problems.has(`${benchmark}\0`)) {
      problems.set(`${benchmark}\0`, { id: "", benchmark, question: "", answer: "", meta: {} });
      for (const problem of store.problems(benchmark)) problems.set(`${benchmark}\0${problem.id}`, problem);
    }
    return problems.get(`${benchmark}\0${id}`);
  };
  const flips: Flip[] = [];
  const seen = new Set<string>();
  for (const comparison of plan.comparisons) {
    if (comparison.benchmark === ALL_BENCHMARKS) continue;
    const baseline = cells.get(cellName(comparison.model, comparison.baseline, comparison.benchmark));
    const variant = cells.get(cellName(comparison.model, comparison.variant, comparison.benchmark));
    if (baseline === undefined || variant === undefined) continue;
    const right = new Map(baseline.samples.filter((sample) => sample.status === "correct").map((sample) => [sampleName(sample), sample]));
    for (const sample of variant.samples) {
      if (sample.status === "correct" || seen.has(sample.key)) continue;
      const solved = right.get(sampleName(sample));
      if (solved === undefined) continue;
      const problem = problemOf(sample.benchmark, sample.problemId);
      if (problem === undefined) continue;
      seen.add(sample.key);
      flips.push({
        key: sample.key,
        baselineKey: solved.key,
        model: comparison.model,
        variant: comparison.variant,
        baselineVariant: comparison.baseline,
        benchmark: comparison.benchmark,
        problemId: sample.problemId,
        sampleIndex: sample.sampleIndex,
        question: problem.question,
        gold: problem.answer,
        text: sample.text,
        finishReason: sample.finishReason,
        baselineText: solved.text,
        storedStatus: sample.status,
        extracted: sample.extracted,
      });
    }
  }
  return flips;
}
