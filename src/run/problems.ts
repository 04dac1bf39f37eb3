/**
 * From a study's subset spec to the problems a run asks about, and from a prompt spec to its few-shot
 * examples. Both are deterministic: the same spec picks the same problems on every machine.
 *
 * File benchmarks: load the split, filter by level/subject, then the data module's seeded subset.
 * Generated benchmarks (arith): the generator's own size and seed (the first `size` problems it makes for
 * that seed); with a filter, the split's declared count is generated, filtered, and the first `size` kept.
 */
import type { DownloadOptions, Problem } from "../data/index.ts";
import { filterProblems, findBenchmark, loadBenchmark, selectSubset } from "../data/index.ts";
import { QreasonError } from "../errors.ts";
import type { FewShotExample, ProblemSubsetSpec, PromptSpec } from "../study/index.ts";

export interface ProblemSourceOptions {
  dataDir: string;
  download?: DownloadOptions;
  signal?: AbortSignal;
}

function describe(subset: ProblemSubsetSpec): string {
  return `${subset.benchmark}${subset.split ? ` (${subset.split})` : ""}`;
}

export async function resolveProblems(subset: ProblemSubsetSpec, options: ProblemSourceOptions): Promise<Problem[]> {
  const benchmark = findBenchmark(subset.benchmark, subset.mapping);
  const filter = { ...(subset.levels ? { levels: subset.levels } : {}), ...(subset.subjects ? { subjects: subset.subjects } : {}) };
  const filtered = subset.levels !== undefined || subset.subjects !== undefined;
  const load = { dataDir: options.dataDir, ...(options.download ? { download: options.download } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  const split = subset.split;

  let problems: Problem[];
  if (benchmark.origin === "generated") {
    const size = filtered ? undefined : subset.size;
    const generated = await loadBenchmark(benchmark, { ...load, ...(split ? { split } : {}), seed: subset.seed, ...(size !== undefined ? { size } : {}) });
    const kept = filterProblems(generated, filter);
    problems = subset.size === undefined ? kept : kept.slice(0, subset.size);
  } else {
    const all = filterProblems(await loadBenchmark(benchmark, { ...load, ...(split ? { split } : {}) }), filter);
    problems = subset.size === undefined ? all : selectSubset(all, { size: subset.size, seed: subset.seed });
  }
  if (problems.length === 0) {
    throw new QreasonError("E_INPUT", `no problems of ${describe(subset)} match the study's levels/subjects`, { field: "benchmarks" });
  }
  return problems;
}

/**
 * The worked examples a few-shot prompt shows: `prompt.examples` when the study gives them inline,
 * otherwise `prompt.fewShot` problems drawn (seeded) from `prompt.fewShotSplit` of the same benchmark,
 * each with its reference solution as the benchmark shows an example (GSM8K's ends `#### <answer>`).
 */
export async function fewShotExamples(subset: ProblemSubsetSpec, prompt: PromptSpec, options: ProblemSourceOptions): Promise<FewShotExample[]> {
  if (prompt.examples !== undefined) return prompt.examples;
  if (prompt.fewShot === 0) return [];
  const benchmark = findBenchmark(subset.benchmark, subset.mapping);
  const split = prompt.fewShotSplit;
  if (split === (subset.split ?? benchmark.defaultSplit)) {
    throw new QreasonError("E_INPUT", `few-shot examples of ${benchmark.name} would come from the split being evaluated ('${split}'); set prompt.few_shot_split`, {
      field: "prompt.few_shot_split",
    });
  }
  const load = { dataDir: options.dataDir, split, seed: subset.seed, ...(options.download ? { download: options.download } : {}) };
  const pool = benchmark.origin === "generated" ? await loadBenchmark(benchmark, { ...load, size: prompt.fewShot }) : await loadBenchmark(benchmark, load);
  const withSolutions = pool.filter((problem) => problem.solution !== undefined && problem.solution.trim() !== "");
  const chosen = selectSubset(withSolutions, { size: prompt.fewShot, seed: subset.seed });
  if (chosen.length < prompt.fewShot) {
    throw new QreasonError(
      "E_INPUT",
      `few_shot: ${prompt.fewShot} needs that many worked solutions, but ${benchmark.name} '${split}' has ${withSolutions.length}`,
      { field: "prompt.few_shot" },
    );
  }
  return chosen.map((problem) => ({ question: problem.question, solution: benchmark.exemplarSolution?.(problem) ?? (problem.solution as string) }));
}
